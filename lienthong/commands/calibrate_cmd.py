"""`lienthong calibrate RUN_DIR ...`: the axis's service times per operation, from load tests,
as an `[axis]` section for scenarios."""

from __future__ import annotations

import argparse
from pathlib import Path

from lienthong.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="derive the axis's service time per operation from load-test runs",
        description="Read the axis metrics (metrics.prom) and Locust statistics of load-test "
        "runs and write an [axis] capacity section (OperationCost per operation). Runs at "
        "different package sizes also give the per-KB part.",
    )
    parser.add_argument("runs", type=Path, nargs="+", metavar="RUN_DIR", help="load-test runs")
    parser.add_argument("--workers", type=int, default=1,
                        help="axis worker processes of the measured axis (default 1)")
    parser.add_argument("--out", type=Path, metavar="FILE.toml",
                        help="where to write the section (default RUN_DIR/capacity.toml)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from lienthong.calibrate import calibrate, to_toml

    if args.workers < 1:
        raise UserError(f"--workers {args.workers}: expected a positive integer")
    result = calibrate(args.runs, args.workers)
    text = to_toml(result)
    out = args.out or args.runs[0] / "capacity.toml"
    try:
        out.write_text(text)
    except OSError as error:
        raise UserError(f"{out}: cannot write: {error.strerror}") from None
    print(text, end="")
    print(f"written to {out}")
    return 0
