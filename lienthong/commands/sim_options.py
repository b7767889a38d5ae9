"""The options `simulate` and `sweep` share (and `frontier` may): how many replications, on
how many processes, which seed, how many days, which keys overridden. One definition, so the
help texts and the checks cannot drift apart."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from lienthong.errors import UserError

SCENARIO_HELP = ("scenario file (TOML), or a bundled scenario by name: baseline-2019, "
                 "target-2020, reform-2025, the planners' questions (provincial-outage, "
                 "broadcast-directive, polling-storm, reporting-peak, growth-2030, "
                 "public-service-sync), "
                 "validation/mmc, validation/jackson, validation/axis-loop")


def add_sim_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--replications", type=int, metavar="N",
                        help="independent replications (default: the scenario's "
                        "simulation.replications)")
    parser.add_argument("--jobs", type=int, metavar="J",
                        help="parallel processes (default: as many as CPUs, at most the "
                        "replications to run)")
    parser.add_argument("--seed", type=int, metavar="S",
                        help="seed of every random stream (default: the scenario's "
                        "scenario.seed)")
    parser.add_argument("--days", type=int, metavar="D",
                        help="simulate D working days from the calendar's start (default: "
                        "the scenario's simulation.days, else its whole calendar)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        dest="overrides", help="override a scenario key (repeatable; default: "
                        "none), e.g. --set axis.workers=4; KEY+=VALUE appends to a list")
    add_outage_option(parser)


def add_outage_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--outage", action="append", default=[],
                        metavar="PLAY:KIND:TARGET@S+D",
                        help="add an outage to the scenario's [[failures.outages]], S scenario "
                        "seconds after the first working period starts, for D seconds: "
                        "kill:axis:H24 (or axis:national), cut:link:H24-national, the load "
                        "test's spelling (pause is the load test's only) (repeatable; "
                        "default: none)")


def sim_overrides(args: argparse.Namespace) -> list[str]:
    """The `--set` overrides with --replications/--seed/--days folded in; bad numbers are one
    line each."""
    for option, value in (("--replications", args.replications), ("--jobs", args.jobs),
                          ("--days", args.days)):
        if value is not None and value < 1:
            raise UserError(f"{option} {value}: must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise UserError(f"--seed {args.seed}: must be 0 or more")
    overrides = list(args.overrides) + [outage_override(text)
                                         for text in getattr(args, "outage", [])]
    for key, value in (("simulation.replications", args.replications),
                       ("scenario.seed", args.seed), ("simulation.days", args.days)):
        if value is not None:
            overrides.append(f"{key}={value}")
    return overrides


def outage_override(text: str) -> str:
    """`--outage kill:axis:H24@7200+3600` as the override that appends it to the scenario's
    outages (`failures.outages+={axis = "axis:H24", ...}`): one vocabulary with the load test
    (topology.outages.parse_spec), recorded with the other overrides."""
    from topology.outages import SpecError, parse_spec

    try:
        spec = parse_spec(text)
    except SpecError as error:
        raise UserError(str(error)) from None
    outage, modelled = spec.outage, type(spec.outage).plays[0]
    if spec.play != modelled:
        raise UserError(f"--outage {text!r}: the simulator models an {outage.kind} outage one "
                        f"way, as {modelled} (requests refused and retried with back-off); "
                        f"{spec.play} is played by the load test only")
    fields = ", ".join(f"{key} = {json.dumps(value)}"
                       for key, value in outage.model_dump(mode="json").items())
    return f"failures.outages+={{{fields}}}"


def add_scenario_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help=SCENARIO_HELP)


def sim_input_checked(loaded: Any, where: str) -> Any:
    """The simulator's input for a loaded scenario, with every cross-reference problem (agency
    codes, axis names, horizon) in one line naming `where` (file, and the varied key=value)."""
    from sim.checks import problems
    from sim.inputs import SimInput
    from sim.replications import build

    inp = SimInput.of(loaded.scenario)
    try:
        found = problems(inp, build(inp))
    except ValueError as error:
        raise UserError(f"{where}: {error}") from None
    if found:
        raise UserError(f"{where}: {'; '.join(found)}")
    return inp
