"""One module per sub-command; each has `register(subparsers)` which sets `run` as default."""

COMMAND_MODULES: list = []
