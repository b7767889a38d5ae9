"""`lienthong axis serve`: run the bundled reference axis (see docs/axis.md).

The options and the server live in `axis.server`, which the axis also uses for
`python -m axis serve`; this module only mounts them under the lienthong command and turns the
axis's configuration errors into lienthong's one-line `UserError`.
"""

from __future__ import annotations

import argparse

from lienthong.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "axis",
        help="the reference axis (a real, durable document exchange service)",
        description="The reference axis: an HTTP service speaking the axis protocol.",
    )
    commands = parser.add_subparsers(dest="axis_command", metavar="ACTION", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the axis on a port",
        description="Run the reference axis. Register systems with PUT /v1/agencies/{code} "
        "(admin token) or --directory FILE; see docs/axis.md.",
    )
    from axis.server import add_arguments

    add_arguments(serve)
    serve.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from axis.server import ConfigError, serve

    try:
        return serve(args)
    except ConfigError as error:
        raise UserError(str(error)) from None
