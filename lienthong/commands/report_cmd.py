"""`lienthong report RUN_DIR ... --out FILE.html`: one self-contained HTML file for reviewers."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write one self-contained HTML report of runs (plots inlined)",
        description="Compare run directories (simulations and load tests alike) in a single "
        "HTML file with the headline table, side-by-side plots, each run's own plots and its "
        "provenance (scenario hash, seed, tool versions).",
    )
    parser.add_argument("runs", type=Path, nargs="+", metavar="RUN_DIR",
                        help="run directories (simulate, loadtest), and any frontier "
                        "directories (lienthong frontier) to show their capacity frontier")
    parser.add_argument("--out", type=Path, default=Path("results/report.html"),
                        metavar="FILE.html", help="the report file (default results/report.html)")
    parser.add_argument("--title", default="",
                        help="heading of the report (default: 'lienthong: N runs side by side')")
    parser.add_argument("--scenario-time", action="store_true",
                        help="show compressed load tests in scenario units (default: real time)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from lienthong.report import write_report

    path = write_report(args.runs, args.out, scenario_time=args.scenario_time, title=args.title)
    print(f"report written to {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0
