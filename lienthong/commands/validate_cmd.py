"""`lienthong validate SCENARIO`: measure the knee, load-test and simulate at fractions of the
measured capacity, and print predicted against measured (see `lienthong.validate`)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from lienthong.commands.sim_options import add_scenario_argument
from lienthong.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check the simulator against the reference axis near saturation",
        description="Step the load up to the knee of a fresh reference axis (axis and load "
        "generator on their own cores), calibrate each operation's cost and the axis's "
        "parallelism, then at each level (a fraction of the measured capacity) run a load "
        "test and a simulation with the calibrated costs. Prints predicted against measured "
        "and writes validation.json, calibration.json and capacity.toml in --out.",
    )
    add_scenario_argument(parser)
    parser.add_argument("--levels", default="0.3,0.6,0.85", metavar="L1,L2,...",
                        help="fractions of the measured capacity (default 0.3,0.6,0.85)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="run directory (default results/runs/<scenario>-validate-<time>)")
    parser.add_argument("--step-s", type=float, default=30.0, metavar="S",
                        help="real seconds each step of the knee run lasts: long enough for a "
                        "backlog to show (default 30)")
    parser.add_argument("--steps", type=int, default=16, metavar="N",
                        help="steps of the knee run (default 16: up to 16 x the scenario's rate)")
    parser.add_argument("--increase", type=float, default=1.0, metavar="X",
                        help="what each step adds to the rate multiplier: the knee is known "
                        "within one step (default 1)")
    parser.add_argument("--level-s", type=float, default=60.0, metavar="S",
                        help="real seconds of each level's load test (default 60)")
    parser.add_argument("--replications", type=int, metavar="N",
                        help="simulation replications per level (default: the scenario's)")
    parser.add_argument("--knee-run", type=Path, metavar="RUN_DIR",
                        help="reuse a stepped load test instead of measuring the knee again "
                        "(default: measure it)")
    parser.add_argument("--no-pin", action="store_true",
                        help="do not pin the axis and the generator to their own cores (default: "
                        "pinned when there are 2 cores or more)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        dest="overrides",
                        help="override a scenario key (repeatable; default: none)")
    parser.set_defaults(run=run)


def parse_levels(text: str) -> list[float]:
    try:
        levels = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UserError(f"--levels {text!r}: expected numbers separated by commas, such as "
                        "0.3,0.6,0.85") from None
    if not levels or any(not 0 < level <= 2 for level in levels):
        raise UserError(f"--levels {text!r}: each level is a fraction of capacity in (0, 2]")
    return levels


def run(args: argparse.Namespace) -> int:
    from lienthong import validate
    from lienthong.cli import main
    from lienthong.results import default_run_dir
    from lienthong.scenario import load_scenario

    levels = parse_levels(args.levels)
    for name in ("step_s", "level_s", "increase"):
        if getattr(args, name) <= 0:
            raise UserError(f"--{name.replace('_', '-')} {getattr(args, name):g}: expected a "
                            "positive number")
    for name in ("steps", "replications"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UserError(f"--{name} {value}: expected a positive integer")
    if args.knee_run is not None and not (args.knee_run / "summary.json").is_file():
        raise UserError(f"--knee-run {args.knee_run}: not a run directory (no summary.json)")
    pin = not args.no_pin
    if pin and len(os.sched_getaffinity(0)) < 2:
        print("lienthong validate: fewer than 2 cores: the axis and the generator share them "
              "(--no-pin)", file=sys.stderr)
        pin = False
    loaded = load_scenario(args.scenario, args.overrides)
    out = args.out or default_run_dir(Path("results"), loaded.scenario.name, "validate")
    plan = validate.Plan(scenario=str(args.scenario), out=out, levels=levels,
                         step_s=args.step_s, steps=args.steps, increase=args.increase,
                         level_s=args.level_s, overrides=list(args.overrides),
                         replications=args.replications, knee_run=args.knee_run, pin_cpus=pin)
    rows = validate.run(plan, main, lambda text: print(text, flush=True))
    (out / "command.txt").write_text("lienthong " + " ".join(shlex.quote(a)
                                                             for a in sys.argv[1:]) + "\n")
    print(validate.table(rows))
    met = validate.goals_met(rows)
    print("goals (throughput and CPU within 10%, mean latency within 20%): " + ", ".join(
        f"{level} {'met' if ok else 'missed'}" for level, ok in met.items()))
    print(f"written to {out / 'validation.json'}")
    return 0
