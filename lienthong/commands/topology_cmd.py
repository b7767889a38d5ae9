"""`lienthong topology SCENARIO`: the network a scenario describes, as a table, JSON, GraphML
or a map."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lienthong.commands.sim_options import add_scenario_argument
from lienthong.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "topology",
        help="show the network of a scenario: agencies, connections, daily demand",
        description="Build the four-level network of a scenario and print a table per level "
        "(agencies, connected, documents and deliveries per working day).",
    )
    add_scenario_argument(parser)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead (default: a table per level)")
    parser.add_argument("--export", type=Path, metavar="FILE.graphml",
                        help="write the graph as GraphML (default: not written)")
    parser.add_argument("--map", type=Path, metavar="FILE.png",
                        help="draw the network as a map (default: not drawn)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        dest="overrides",
                        help="override a scenario key (repeatable; default: none)")
    parser.set_defaults(run=run)


def _check_output(path: Path | None, suffix: str, option: str) -> None:
    if path is None:
        return
    if path.suffix.lower() != suffix:
        raise UserError(f"{option} {path}: expected a {suffix} file name")
    if not path.parent.exists():
        raise UserError(f"{option} {path}: directory {path.parent} does not exist")


def run(args: argparse.Namespace) -> int:
    from lienthong.scenario import load_scenario
    from lienthong.topology_of import topology_of
    from topology.summary import format_table, summarize

    _check_output(args.export, ".graphml", "--export")
    _check_output(args.map, ".png", "--map")
    loaded = load_scenario(args.scenario, args.overrides)
    model = topology_of(loaded)
    summary = summarize(model)
    if args.export:
        from topology.export import export_graphml

        export_graphml(model.network, args.export)
    if args.map:
        from topology.mapplot import draw_map

        draw_map(model.network, args.map, title=f"{loaded.scenario.name}: connected agencies")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"scenario {loaded.scenario.name} ({args.scenario})")
        print(format_table(summary))
        for option, path in (("graph", args.export), ("map", args.map)):
            if path:
                print(f"{option} written to {path}")
    return 0
