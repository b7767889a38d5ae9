"""`lienthong calibrate RUN_DIR`: each operation's cost and the axis's effective parallelism,
from a load test that stepped up to the knee, as an `[axis]` section for scenarios."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from lienthong.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="derive each operation's cost and the axis's parallelism from a stepped load test",
        description="Read a load test's probe (probe.json: the axis's per-operation counters and "
        "CPU, every second) step by step, and write an [axis] section: each operation's cost "
        "(its server time at light load) and workers from the effective parallelism at the "
        "knee. Make the run with a stepped load, for example: lienthong loadtest SCENARIO "
        "--pin-cpus --set 'loadtest.shape={kind=\"step\", every_s=10, increase=2}' "
        "--run-time 100",
    )
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a load-test run")
    parser.add_argument("--workers", type=int,
                        help="workers to give the simulator (default: the effective "
                        "parallelism rounded; costs are scaled to keep the measured capacity)")
    parser.add_argument("--no-commit-stage", action="store_true",
                        help="treat each write's whole server time (its group commit included) "
                        "as its workers' cost, without an [axis.commit] stage (default: a "
                        "stage of its own when the axis reports its commits)")
    parser.add_argument("--machine", default="",
                        help="what the axis ran on, recorded in the section's provenance (default: "
                        "not recorded)")
    parser.add_argument("--out", type=Path, metavar="FILE.toml",
                        help="where to write the section (default RUN_DIR/capacity.toml; "
                        "calibration.json beside it)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from lienthong.calibrate import calibrate, describe, to_toml

    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers {args.workers}: expected a positive integer")
    result = calibrate(args.run_dir, args.workers, commit_stage=not args.no_commit_stage)
    command = "lienthong " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    text = to_toml(result, command=command, machine=args.machine)
    out = args.out or args.run_dir / "capacity.toml"
    try:
        out.write_text(text)
        out.with_name("calibration.json").write_text(json.dumps(result.to_json(), indent=1))
    except OSError as error:
        raise UserError(f"{out}: cannot write: {error.strerror}") from None
    print(describe(result))
    print(f"written to {out}")
    return 0
