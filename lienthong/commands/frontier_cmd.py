"""`lienthong frontier SCENARIO --vary KEY=V1,V2,...`: the largest demand each configuration
carries within the SLA (lienthong/frontier/)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from lienthong.commands.sim_options import add_outage_option, add_scenario_argument
from lienthong.errors import UserError
from lienthong.executors import add_executor_options


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "frontier",
        help="the largest demand multiplier each configuration carries within the SLA",
        description="For each value of one scenario key, find the largest multiplier of the "
        "scenario's demand that still meets the SLA (share of deliveries delivered and "
        "acknowledged within the legal window; a p99 bound if given), by bisection with common "
        "random numbers, adding replications until the 95% interval of the answer is within "
        "the precision. Writes frontier.json, points.csv (every run) and frontier.png.",
    )
    add_scenario_argument(parser)
    parser.add_argument("--vary", required=True, action="append", metavar="KEY=V1,V2,...",
                        help="the key and its values, e.g. axis.workers=1,2,4,8 (required)")
    parser.add_argument("--sla", type=float, default=0.99, metavar="SHARE",
                        help="share of deliveries acknowledged within the legal window "
                        "(default 0.99)")
    parser.add_argument("--p99", type=float, metavar="S",
                        help="also require p99 of send -> acknowledged latency <= S seconds "
                        "(default: no latency limit)")
    parser.add_argument("--precision", type=float, default=0.05, metavar="P",
                        help="relative half-width of the 95%% interval of each answer "
                        "(default 0.05)")
    parser.add_argument("--max-multiplier", type=float, default=1024.0, metavar="M",
                        help="search no higher (default 1024: the search climbs from --start, "
                        "guided by the busiest axis's utilisation, until the SLA is lost, so "
                        "this only caps a runaway search); an SLA still met there is "
                        "reported as '>= M'")
    parser.add_argument("--min-multiplier", type=float, default=1 / 16, metavar="M",
                        help="search no lower (default 1/16); an SLA missed there is "
                        "reported as '< M'")
    parser.add_argument("--start", type=float, default=1.0, metavar="M",
                        help="first multiplier tried (default 1: today's demand)")
    parser.add_argument("--min-replications", type=int, default=3, metavar="N",
                        help="replications before an answer may stop (default 3)")
    parser.add_argument("--max-replications", type=int, default=20, metavar="N",
                        help="replications at most per answer (default 20)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="output directory (default: results/runs/<scenario>-frontier-"
                        "<time>)")
    parser.add_argument("--jobs", type=int, metavar="J",
                        help="local processes (default: one per core)")
    parser.add_argument("--seed", type=int, metavar="S",
                        help="seed of every random stream (default: the scenario's scenario.seed)")
    parser.add_argument("--days", type=int, metavar="D",
                        help="simulate D working days (default: the scenario's simulation.days, "
                        "else its whole calendar)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        dest="overrides",
                        help="override a scenario key for every point; KEY+=VALUE appends "
                        "to a list (default: none)")
    add_executor_options(parser)
    add_outage_option(parser)
    parser.add_argument("--quiet", action="store_true",
                        help="no progress output (default: progress on stderr)")
    parser.set_defaults(run=run, replications=None)


def settings_of(args: argparse.Namespace) -> Any:
    """The search settings; each bad number is one line naming its option."""
    from lienthong.frontier.criteria import Sla
    from lienthong.frontier.search import SearchSettings
    from lienthong.frontier.stopping import StoppingRule

    def check(ok: bool, text: str) -> None:
        if not ok:
            raise UserError(text)

    finite = lambda v: v == v and v not in (float("inf"), float("-inf"))  # noqa: E731
    check(finite(args.sla) and 0 < args.sla <= 1,
          f"--sla {args.sla:g}: expected a share in (0, 1], e.g. 0.99")
    check(finite(args.precision) and 0 < args.precision < 1,
          f"--precision {args.precision:g}: expected a fraction in (0, 1), e.g. 0.05")
    check(args.p99 is None or (finite(args.p99) and args.p99 > 0),
          f"--p99 {args.p99}: expected seconds above 0")
    for option, value in (("--max-multiplier", args.max_multiplier),
                          ("--min-multiplier", args.min_multiplier), ("--start", args.start)):
        check(finite(value) and value > 0, f"{option} {value:g}: expected a number above 0")
    check(args.min_multiplier <= args.max_multiplier,
          f"--min-multiplier {args.min_multiplier:g} is above --max-multiplier "
          f"{args.max_multiplier:g}")
    check(args.min_multiplier <= args.start <= args.max_multiplier,
          f"--start {args.start:g}: expected between --min-multiplier "
          f"{args.min_multiplier:g} and --max-multiplier {args.max_multiplier:g}")
    check(args.min_replications >= 2,
          f"--min-replications {args.min_replications}: expected at least 2 (an interval "
          "needs two values)")
    check(args.max_replications >= args.min_replications,
          f"--max-replications {args.max_replications}: expected at least "
          f"--min-replications ({args.min_replications})")
    return SearchSettings(Sla(args.sla, args.p99),
                          StoppingRule(args.precision, args.min_replications,
                                       args.max_replications),
                          lower=args.min_multiplier, upper=args.max_multiplier,
                          start=args.start)


def run(args: argparse.Namespace) -> int:
    from lienthong import results
    from lienthong.commands.sim_options import sim_input_checked, sim_overrides
    from lienthong.commands.sweep_cmd import vary_of
    from lienthong.executors import make_executor
    from lienthong.frontier import output
    from lienthong.frontier.criteria import NothingMeasured
    from lienthong.frontier.progress import Progress, duration
    from lienthong.frontier.search import FrontierSearch, PointRun
    from lienthong.scenario import load_scenario
    from sim.replications import default_jobs

    key, values = vary_of(args)
    if len(set(values)) != len(values):
        raise UserError(f"--vary {args.vary[0]}: a value is given twice")
    settings = settings_of(args)
    common = sim_overrides(args)
    base = load_scenario(args.scenario, common)
    points = []
    for value in values:
        loaded = load_scenario(args.scenario, [*common, f"{key}={value}"])
        if not loaded.scenario.delivery.acknowledge:
            raise UserError(f"{args.scenario}: delivery.acknowledge is false: the SLA "
                            "(delivered and acknowledged within the legal window) cannot be "
                            "measured; add --set delivery.acknowledge=true")
        points.append(sim_input_checked(loaded, f"{args.scenario}: {key}={value}"))
    jobs = args.jobs or default_jobs()
    progress = Progress(args.quiet)
    with make_executor(args.executor, jobs, args.scheduler) as executor:
        out = args.out or results.default_run_dir(Path("results"), base.scenario.name,
                                                  "frontier")
        if (out / "frontier.json").exists():
            raise UserError(f"{out}: already holds a frontier (frontier.json); choose "
                            "another --out")
        out = results.prepare_run_dir(out)
        progress.say(f"frontier of {base.scenario.name} over {key} = {', '.join(values)}: "
                     f"SLA {settings.sla.describe()}; precision +-{settings.rule.precision:.0%};"
                     f" multipliers {settings.lower:g} to {settings.upper:g}; on "
                     f"{executor.describe()}")

        log = output.PointLog(out / "points.csv")

        def report(run: PointRun, search: FrontierSearch) -> None:
            log.add(output.point_row(run, values))
            f = run.figures
            sla = "n/a" if f.sla_met_fraction is None else f"{f.sla_met_fraction:.2%}"
            p99 = "n/a" if f.ack_p99_s is None else f"{f.ack_p99_s:,.0f} s"
            progress.say(f"{key}={values[run.config]} replication {run.replication + 1}: "
                         f"x{run.multiplier:.4g} {'meets' if run.meets else 'misses'} "
                         f"(on time {sla}, p99 ack {p99}, {f.deliveries:,} deliveries, "
                         f"{f.wall_s:.1f} s) - {len(search.runs)} runs done, about "
                         f"{duration(search.time_left_s())} left")

        started = time.perf_counter()
        search = FrontierSearch(points, settings)
        try:
            frontiers = search.run(executor, report)
        except NothingMeasured as error:
            raise UserError(f"{args.scenario}: {error}") from None
    wall = time.perf_counter() - started
    rows = [output.frontier_row(key, values[f.config], f, search.runs) for f in frontiers]
    document = {
        **results.provenance("frontier", base.scenario.name, base.sha256, base.scenario.seed,
                             wall),
        "key": key,
        "sla": {"share": settings.sla.share, "p99_s": settings.sla.p99_s},
        "precision": settings.rule.precision,
        "multiplier_bounds": [settings.lower, settings.upper],
        "replications": {"min": settings.rule.min_replications,
                         "max": settings.rule.max_replications},
        "overrides": common,
        "simulated_deliveries": sum(run.figures.deliveries for run in search.runs),
        "rows": rows,
        "points": [output.point_row(run, values) for run in search.runs],
    }
    output.write(out, document)
    for row in rows:
        ci = row["max_multiplier_ci95"]
        interval = (f" (95% CI {output.multiplier_text(ci[0])}-"
                    f"{output.multiplier_text(ci[1])})" if ci else "")
        p99 = row["latency_at_frontier"]["ack_latency_p99_s"]
        print(f"{key}={row['config'][key]}: max multiplier {output.label(row)}{interval}, "
              f"{row['replications']} replications, p99 ack there "
              f"{'n/a' if p99 is None else f'{p99:,.0f} s'}"
              + ("" if row["precision_met"] else " (precision NOT met)"))
    print(f"frontier written to {out} ({len(search.runs)} runs, {wall:.0f} s)")
    return 0
