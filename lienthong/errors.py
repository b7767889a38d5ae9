"""The one exception type the command line turns into a single clear line and a non-zero exit.

Every layer that rejects user input (scenario files, --set overrides, targets, run directories)
raises `UserError` with a message naming the file, key or value at fault, so no traceback ever
reaches a planner.
"""


class UserError(Exception):
    """Bad input from the user: shown as one line, exit status 2."""
