"""`lienthong demand-fit SCENARIO`: refit a scenario's demand to the published national-axis
figures and print the model against every figure, fitted ones and hold-outs apart."""

from __future__ import annotations

import argparse

from lienthong.commands.sim_options import add_scenario_argument
from lienthong.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demand-fit",
        help="refit demand to the published counts; print the model against fit and hold-out",
        description="Fit the scenario's demand (growth curve and the daily rates of the senders "
        "that reach the national axis) to the published figures of its period (DOMAIN.md), say "
        "whether the scenario holds the fit, and print every published figure against the "
        "model: the ones it was fitted to and the hold-outs it never saw. Exact expectations, "
        "no simulation (sim/holdout.py).",
    )
    add_scenario_argument(parser)
    parser.add_argument("--against", choices=("2019", "2022-07"),
                        help="which published figures (default: by the calendar's start year)")
    parser.add_argument("--curve", choices=("logistic", "gompertz"), default=None,
                        help="adoption curve to fit (default: the scenario's, else logistic); "
                        "another curve than the scenario's shows the model with that fit")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        dest="overrides",
                        help="override a scenario key (repeatable; default: none)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from lienthong.scenario import load_scenario
    from sim.holdout import PUBLISHED, published_for
    from topology.build import build_network
    from topology.errors import TopologyError

    loaded = load_scenario(args.scenario, args.overrides)
    scenario = loaded.scenario
    published = PUBLISHED[args.against] if args.against else published_for(scenario.calendar)
    if published is None:
        raise UserError(f"{loaded.path}: no published figures for a calendar starting "
                        f"{scenario.calendar.start}; give --against 2019 or 2022-07")
    try:
        network = build_network(scenario.topology, scenario.rollout, scenario.seed)
    except TopologyError as error:
        raise UserError(f"{loaded.path}: {error}") from None
    demand = scenario.demand
    curve = args.curve or (demand.uptake.curve if demand.uptake else "logistic")
    try:
        fit = published.fit(network, demand, scenario.calendar, curve)
    except ValueError as error:
        raise UserError(f"{loaded.path}: the fit failed: {error}") from None
    fitted = demand.model_copy(update={
        "documents_per_day": demand.documents_per_day.model_copy(update=fit.rates)})
    if fit.uptake is not None:
        fitted = fitted.model_copy(update={"growth": [], "uptake": fit.uptake})
    print(f"{scenario.name}: fitted to the published figures '{published.name}'")
    if fit.uptake is not None:
        u = fit.uptake
        print(f"  demand.uptake: {u.curve}, midpoint {u.midpoint}, rate {u.rate_per_month:g} a "
              f"month, reference {u.reference}")
    for kind, rate in fit.rates.items():
        print(f"  demand.documents_per_day.{kind} = {rate:.3f}")
    holds = _holds(demand, fitted)
    print("  the scenario holds these values" if holds else
          "  the scenario does NOT hold these values: the table is the refitted model's")
    print()
    print(f"  {'figure':<66} {'role':<10} {'published':>12} {'model':>12} {'error':>8}")
    for row in published.rows(network, fitted, scenario.calendar):
        f = row.figure
        fmt = "{:>12.2f}" if f.per else "{:>12,.0f}"
        print(f"  {f.label:<66} {f.role:<10} {fmt.format(f.published)} "
              f"{fmt.format(row.model)} {100 * row.error:>+7.1f}%")
    return 0


def _holds(written, fitted) -> bool:  # type: ignore[no-untyped-def]
    """The scenario's demand equals the fit (rates to 1e-3 relative, the curve as written)."""
    import math

    rates_equal = all(math.isclose(written.documents_per_day.get(kind),
                                   fitted.documents_per_day.get(kind), rel_tol=1e-3)
                      for kind in type(written.documents_per_day).model_fields)
    return rates_equal and written.uptake == fitted.uptake and written.growth == fitted.growth
