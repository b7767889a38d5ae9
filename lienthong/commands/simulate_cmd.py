"""`lienthong simulate SCENARIO`: run the discrete-event model and write a run directory."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from lienthong.commands.sim_options import (
    add_scenario_argument,
    add_sim_options,
    sim_input_checked,
    sim_overrides,
)
from lienthong.errors import UserError
from lienthong.executors import add_executor_options

if TYPE_CHECKING:
    from lienthong.results import SimulationSummary
    from lienthong.scenario import LoadedScenario
    from sim.inputs import SimInput
    from sim.result import ReplicationResult


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="simulate the axis network of a scenario (latency, throughput, utilisation, SLA)",
        description="Run the discrete-event simulation of a scenario: replications in parallel "
        "processes (or on a Dask cluster: --executor dask --scheduler tcp://...; the same seed "
        "gives the same numbers wherever they run), warm-up removed, 95% confidence intervals. "
        "Writes summary.json, timeseries.csv, latency CDFs and PNG plots.",
    )
    add_scenario_argument(parser)
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="run directory (default: results/runs/<scenario>-simulation-<time>)")
    add_sim_options(parser)
    add_executor_options(parser)
    parser.add_argument("--no-plots", action="store_true",
                        help="skip the PNG plots (default: plots are drawn)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress output (default: progress on stderr)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from lienthong import results
    from lienthong.executors import make_executor
    from lienthong.progress import progress
    from lienthong.runs import run_points
    from lienthong.scenario import load_scenario
    from sim.inputs import SimInputError
    from sim.replications import default_jobs

    overrides = sim_overrides(args)
    loaded = load_scenario(args.scenario, overrides)
    scenario = loaded.scenario
    out = args.out or results.default_run_dir(Path("results"), scenario.name, "simulation")
    inp = sim_input_checked(loaded, str(args.scenario))
    replications = scenario.simulation.replications
    jobs = args.jobs or min(default_jobs(), replications)

    say = progress(args.quiet)

    # the executor first: an unreachable scheduler must not leave an empty run directory
    with make_executor(args.executor, jobs, args.scheduler) as executor:
        run_dir = results.prepare_run_dir(out)
        say(f"simulating {scenario.name}: {replications} replication(s) on "
            f"{executor.describe()}, seed {scenario.seed}; writing {run_dir}")
        started = time.perf_counter()
        try:
            [outcome] = run_points([inp], replications, executor, say)
        except SimInputError as error:
            raise UserError(f"{args.scenario}: {error}") from None
        except ValueError as error:  # e.g. a calendar without working days
            raise UserError(f"{args.scenario}: {error}") from None
    summary = write_run(run_dir, loaded, inp, outcome, time.perf_counter() - started,
                        plots=not args.no_plots)
    latency = summary.latency_s
    print(f"{scenario.name}: {summary.documents:,.0f} documents, "
          f"{summary.deliveries:,.0f} deliveries "
          f"(national axis: {summary.national_axis.documents:,.0f} / "
          f"{summary.national_axis.deliveries:,.0f}); latency (send -> fetched) p50 "
          f"{_fmt(latency.p50)} p99 {_fmt(latency.p99)}; SLA met "
          f"{_pct(summary.sla_met_fraction)}; {summary.requests_per_s:,.1f} requests/s")
    if summary.in_flight:
        print(f"still in flight when the drain limit ended the run: {summary.in_flight:,.0f} "
              "deliveries, counted as missing the SLA (simulation.drain_limit_s)")
    if summary.day_profile_peak_to_mean is not None:
        print(f"working-day shape (calendar.day_profile): peak-to-mean "
              f"{summary.day_profile_peak_to_mean:.2f}")
    axes = sorted(((name, row) for name, row in summary.axes.items()
                   if row.arrival_rate_per_s > 0),
                  key=lambda item: item[1].utilization, reverse=True)[:5]
    from lienthong.topology_of import axis_labels
    from sim.replications import build

    labels = axis_labels(build(inp).network)  # built once already, by the input check
    committing = inp.axis.commit is not None
    width = max([len(labels.get(name, name)) for name, _ in axes] + [14])
    print(f"{'busiest axes':<{width + 2}} utilisation    commit   mean wait   requests/s (polls)")
    for name, row in axes:
        wait = row.wait_s["mean"] or 0.0
        commit = "none" if not committing else f"{row.commit_utilization or 0.0:.2%}"
        print(f"  {labels.get(name, name):<{width}} {row.utilization:>11.2%} {commit:>9} "
              f"{wait * 1000:>8.2f} ms {row.arrival_rate_per_s:>12.1f} "
              f"({row.poll_rate_per_s:.1f})")
    if committing:
        print("  (commit: the group commit's busy share, near 100% long before it saturates as "
              "its batches grow; mean wait: for a worker, the commit's wait not included: "
              "docs/simulation.md)")
    from lienthong.judged_by import judged_by

    verdict = judged_by(scenario, summary)
    if verdict:
        print(verdict)
    print(f"run written to {run_dir}")
    return 0


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.3g} s"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def write_run(run_dir: Path, loaded: LoadedScenario, inp: SimInput,
              outcome: list[ReplicationResult], wall_s: float,
              plots: bool = True) -> SimulationSummary:
    """summary.json, timeseries.csv, latency CDFs (shared layout), axes.csv and plots."""
    import csv

    from lienthong import results
    from sim.metrics import cdf_s
    from sim.summary import histograms, summarize, timeseries

    hists = histograms(outcome)
    summary = results.SimulationSummary.model_validate({
        **results.provenance("simulation", loaded.scenario.name, loaded.sha256,
                             loaded.scenario.seed, wall_s),
        "scenario_file": str(loaded.path),
        "overrides": list(loaded.overrides),
        **summarize(inp, outcome, hists),
    })
    results.write_summary(run_dir, summary)
    rows = timeseries(outcome)
    results.write_timeseries(run_dir, rows)
    cdfs = {}
    for label, hist in hists.items():
        if label == "ack":
            continue
        values, fractions = cdf_s(hist, results.CDF_QUANTILES)
        cdfs[label] = (values, fractions)
        results.write_cdf(run_dir, values, fractions, "" if label == "all" else label)
    with (run_dir / "axes.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["axis", "workers", "utilization", "queue_mean", "wait_mean_s",
                         "wait_mean_ci95_s", "arrival_rate_per_s", "poll_rate_per_s"])
        for name, row in summary.axes.items():
            writer.writerow([name, row.workers, f"{row.utilization:.6f}",
                             f"{row.queue_mean:.6f}", row.wait_s["mean"],
                             row.wait_s["mean_ci95"], f"{row.arrival_rate_per_s:.4f}",
                             f"{row.poll_rate_per_s:.4f}"])
    if plots:
        from lienthong import plots as figures
        from lienthong.topology_of import axis_labels, shortest_deadline_s
        from sim.replications import build

        name = loaded.scenario.name
        figures.latency_cdf(run_dir / "latency_cdf.png", cdfs,
                            f"{name}: delivery latency by sender → recipient level",
                            shortest_deadline_s(loaded.scenario.calendar))
        figures.throughput_backlog(run_dir / "throughput_backlog.png", rows,
                                   f"{name}: traffic over time (mean of "
                                   f"{summary.replications} replication(s))")
        figures.axis_utilization(run_dir / "axis_utilization.png", summary.axes,
                                 f"{name}: busiest axes",
                                 axis_labels(build(inp).network))  # built by the input check
    return summary
