"""The `lienthong` command: one entry point, a sub-command per job, one clear line on bad input.

Sub-commands live in `lienthong.commands`, one module each, so that `--help` stays fast (heavy
imports happen inside each command's `run`) and each command's options sit beside its code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lienthong import __version__
from lienthong.commands import COMMAND_MODULES
from lienthong.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lienthong",
        description="Capacity simulation and load testing for Vietnam's national document "
        "exchange axis.",
    )
    parser.add_argument("--version", action="version", version=f"lienthong {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, dispatch, and turn every `UserError` into `lienthong: error: ...` with exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except UserError as error:
        print(f"lienthong: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lienthong: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
