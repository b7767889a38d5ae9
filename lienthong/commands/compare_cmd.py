"""`lienthong compare RUN_DIR RUN_DIR ...`: runs side by side, simulation and load test mixed."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="lay runs side by side: latency CDFs, throughput, backlog, headline table",
        description="Plot several run directories (simulations and load tests alike) together "
        "and print a table of their headline figures; writes PNGs and report.html.",
    )
    parser.add_argument("runs", type=Path, nargs="+", metavar="RUN_DIR", help="run directories")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where the plots and report go; refused if it holds a comparison "
                        "(default: results/compare/compare-<time>)")
    parser.add_argument("--scenario-time", action="store_true",
                        help="show compressed load tests in scenario units (latency times the "
                        "time scale, rates divided by it; default: real time)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from lienthong.compare import compare

    result = compare(args.runs, args.out, scenario_time=args.scenario_time)
    print(result["table"])
    print(f"plots and report in {result['out']} ({result['report'].name})")
    return 0
