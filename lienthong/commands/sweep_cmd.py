"""`lienthong sweep SCENARIO --vary KEY=V1,V2,...`: one key over values, like with like."""

from __future__ import annotations

import argparse
import time
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lienthong.commands.sim_options import (
    add_scenario_argument,
    add_sim_options,
    sim_input_checked,
    sim_overrides,
)
from lienthong.errors import UserError
from lienthong.executors import add_executor_options
from topology.scenario_file import covers, override_key

if TYPE_CHECKING:
    from lienthong.results import Saturation, SweepPoint


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="simulate a scenario for several values of one key (e.g. axis.workers)",
        description="Run `simulate` for each value of one scenario key, with common random "
        "numbers (same seed, same streams), and tabulate the headline figures: "
        "sweep.csv, summary.json and sweep.png. For a numeric key (e.g. demand.scale) it "
        "also says where the national axis saturates: the value at which its utilisation "
        "crosses --saturation, and the first value at which the SLA share falls below --sla.",
    )
    add_scenario_argument(parser)
    parser.add_argument("--vary", required=True, action="append", metavar="KEY=V1,V2,...",
                        help="the key and its values, e.g. axis.workers=1,2,4,8 (required; "
                        "one key)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="output directory (default: results/runs/<scenario>-sweep-<time>)")
    add_sim_options(parser)
    add_executor_options(parser)
    parser.add_argument("--saturation", type=float, default=0.9, metavar="U",
                        help="national-axis utilisation read as saturated (default 0.9)")
    parser.add_argument("--sla", type=float, default=0.99, metavar="SHARE",
                        help="SLA share below which the SLA is lost (default 0.99)")
    parser.add_argument("--quiet", action="store_true", help="no progress output (default: "
                        "progress on stderr)")
    parser.set_defaults(run=run)


def parse_vary(text: str) -> tuple[str, list[str]]:
    key, sep, raw = text.partition("=")
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not sep or not key.strip() or not values:
        raise UserError(f"--vary {text!r}: expected KEY=V1,V2,..., e.g. axis.workers=1,2,4")
    return key.strip(), values


def vary_of(args: argparse.Namespace) -> tuple[str, list[str]]:
    """The one `--vary` of a sweep or frontier: given twice, or on a key a `--set` also sets,
    one line saying so (the last one would silently win)."""
    if len(args.vary) > 1:
        raise UserError(f"--vary given {len(args.vary)} times ({', '.join(args.vary)}): one key "
                        "at a time")
    key, values = parse_vary(args.vary[0])
    for text in args.overrides:
        if covers(key, override_key(text)[0]):  # --vary would overwrite it
            raise UserError(f"--set {text} and --vary {args.vary[0]} both set {key}: give one")
    return key, values


def run(args: argparse.Namespace) -> int:
    from lienthong import results
    from lienthong.executors import make_executor
    from lienthong.progress import progress
    from lienthong.runs import run_points
    from lienthong.scenario import load_scenario
    from sim.inputs import SimInput
    from sim.replications import default_jobs

    key, values = vary_of(args)
    for option, value in (("--saturation", args.saturation), ("--sla", args.sla)):
        if not 0 < value <= 1:
            raise UserError(f"{option} {value:g}: expected a share in (0, 1], e.g. 0.9")
    common = sim_overrides(args)
    base = load_scenario(args.scenario, common)  # the sweep's provenance: before --vary
    points: list[SimInput] = []
    loaded = None
    for value in values:
        loaded = load_scenario(args.scenario, [*common, f"{key}={value}"])
        points.append(sim_input_checked(loaded, f"{args.scenario}: {key}={value}"))
    assert loaded is not None
    replications = loaded.scenario.simulation.replications
    jobs = args.jobs or min(default_jobs(), len(points) * replications)
    # the executor first: an unreachable scheduler must not leave an empty run directory
    with make_executor(args.executor, jobs, args.scheduler) as executor:
        out = args.out or results.default_run_dir(Path("results"), loaded.scenario.name,
                                                  "sweep")
        out = results.prepare_run_dir(out)

        say = progress(args.quiet)

        started = time.perf_counter()
        say(f"sweeping {key} over {values}: {replications} replication(s) each, on "
            f"{executor.describe()}")
        outcome = run_points(points, replications, executor, say)
    rows = [headline(key, value, inp, res) for value, inp, res in zip(values, points, outcome,
                                                                     strict=True)]
    limit = saturation(rows, args.saturation, args.sla)
    write_sweep(out, base, key, rows, time.perf_counter() - started, limit)
    for row in rows:
        national = "" if row.national_utilization is None \
            or row.busiest_axis == "axis:national" else \
            f", national axis at {row.national_utilization:.1%}"
        print(f"{key}={row.value}: latency p99 {row.latency_p99_s} s, SLA met "
              f"{row.sla_met_fraction}, busiest axis {row.busiest_axis} at "
              f"{row.max_utilization:.1%}{national}")
    if limit is not None:
        print(saturation_line(key, limit))
    print(f"sweep written to {out}")
    return 0


def headline(key: str, value: str, inp: Any, replications: list[Any]) -> SweepPoint:
    from lienthong.results import SimulationFigures, SweepPoint
    from sim.summary import histograms, summarize

    summary = SimulationFigures.model_validate(
        summarize(inp, replications, histograms(replications)))
    axes = summary.axes
    busiest = max(axes, key=lambda name: axes[name].utilization)
    national = axes.get("axis:national")
    return SweepPoint(
        key=key, value=value,
        latency_p50_s=summary.latency_s.p50,
        latency_p99_s=summary.latency_s.p99,
        latency_mean_s=summary.latency_s.mean,
        latency_mean_ci95_s=summary.latency_s.mean_ci95,
        ack_latency_p99_s=summary.ack_latency_s.p99,
        sla_met_fraction=summary.sla_met_fraction,
        max_utilization=axes[busiest].utilization,
        busiest_axis=busiest,
        national_wait_mean_s=national.wait_s["mean"] if national else None,
        national_utilization=national.utilization if national else None,
        requests_per_s=summary.requests_per_s,
        in_flight=summary.in_flight,
        summary=summary,
    )


def numeric(values: list[str]) -> list[float] | None:
    """The values as numbers, or None if any is not one."""
    try:
        return [float(v) for v in values]
    except ValueError:
        return None


def saturation(rows: list[SweepPoint], limit: float, sla: float) -> Saturation | None:
    """Where the national axis crosses `limit` along a numeric sweep (linear interpolation
    between the points around the first crossing, in the order swept), and the first value
    whose SLA share is below `sla`; None for a key that is not numeric or no national axis."""
    from lienthong.results import Saturation

    xs = numeric([row.value for row in rows])
    us = [row.national_utilization for row in rows]
    if xs is None or any(u is None for u in us):
        return None
    order = sorted(range(len(rows)), key=lambda i: xs[i])
    crosses, between = None, None
    for i, j in pairwise(order):
        if us[i] < limit <= us[j]:
            crosses = xs[i] + (xs[j] - xs[i]) * (limit - us[i]) / (us[j] - us[i])
            between = [xs[i], xs[j]]
            break
    if crosses is None and us[order[0]] >= limit:
        crosses, between = xs[order[0]], None  # saturated from the first value on
    lost = next((xs[i] for i in order if rows[i].sla_met_fraction is not None
                 and rows[i].sla_met_fraction < sla), None)
    top = order[-1]
    return Saturation(utilization_limit=limit, crosses_at=crosses, between=between,
                      sla_limit=sla, sla_lost_at=lost, highest_value=xs[top],
                      utilization_at_highest=us[top])


def saturation_line(key: str, s: Saturation) -> str:
    if s.crosses_at is None:
        where = (f"below {s.utilization_limit:.0%} up to {key}={s.highest_value:g} "
                 f"({s.utilization_at_highest:.1%} there)")
    elif s.between is None:
        where = f"at or above {s.utilization_limit:.0%} from the first value swept"
    else:
        where = (f"crosses {s.utilization_limit:.0%} at {key}={s.crosses_at:.4g} (between "
                 f"{s.between[0]:g} and {s.between[1]:g})")
    sla = (f"SLA (>= {s.sla_limit:.0%}) held at every value" if s.sla_lost_at is None else
           f"SLA (>= {s.sla_limit:.0%}) lost from {key}={s.sla_lost_at:g}")
    return f"national axis utilisation {where}; {sla}"


def write_sweep(out: Path, loaded: Any, key: str, rows: list[SweepPoint], wall_s: float,
                limit: Saturation | None = None) -> None:
    """summary.json (the typed `SweepSummary`), sweep.csv (one row per value) and sweep.png
    (latency; busiest axis, national axis and SLA against the key, with the national axis's
    saturation marked for a numeric key)."""
    import csv

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lienthong import results

    with (out / "sweep.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "value", *results.SWEEP_HEADLINES])
        for row in rows:
            writer.writerow([row.key, row.value,
                             *(getattr(row, h) for h in results.SWEEP_HEADLINES)])
    scenario = loaded.scenario
    results.write_summary(out, results.SweepSummary(
        **results.provenance("sweep", scenario.name, loaded.sha256, scenario.seed, wall_s),
        key=key, points=rows, national_saturation=limit))
    xs = numeric([row.value for row in rows])
    labels: list[Any] = xs if xs is not None else [row.value for row in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, field in (("p50", "latency_p50_s"), ("p99", "latency_p99_s"),
                        ("ack p99", "ack_latency_p99_s")):
        left.plot(labels, [getattr(row, field) or 0.0 for row in rows], marker="o", label=name)
    left.set_xlabel(key)
    left.set_ylabel("end-to-end latency (s)")
    left.set_yscale("log")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    right.plot(labels, [100 * row.max_utilization for row in rows], marker="o",
               color="tab:red", label="busiest axis utilisation")
    if all(row.national_utilization is not None for row in rows):
        right.plot(labels, [100 * (row.national_utilization or 0.0) for row in rows],
                   marker="^", color="tab:blue", label="national axis utilisation")
    right.plot(labels, [100 * (row.sla_met_fraction or 0.0) for row in rows], marker="s",
               color="tab:green", label="SLA met")
    if limit is not None:
        right.axhline(100 * limit.utilization_limit, color="grey", linestyle=":", lw=1)
        if limit.crosses_at is not None:
            right.axvline(limit.crosses_at, color="tab:blue", linestyle="--", lw=1)
            right.annotate(f"national axis {limit.utilization_limit:.0%} busy\n"
                           f"at {key}={limit.crosses_at:.4g}",
                           (limit.crosses_at, 100 * limit.utilization_limit),
                           textcoords="offset points", xytext=(-8, -36), ha="right",
                           fontsize=8, color="tab:blue")
    right.set_xlabel(key)
    right.set_ylabel("percent")
    right.grid(True, alpha=0.3)
    right.legend(fontsize=8)
    fig.suptitle(f"{loaded.scenario.name}: sweep of {key} (common random numbers)")
    fig.tight_layout()
    fig.savefig(out / "sweep.png", dpi=110)
    plt.close(fig)
