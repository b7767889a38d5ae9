"""`lienthong loadtest SCENARIO`: drive an axis with the scenario's agency systems, then write a
run directory with the simulator's names, and fail when a threshold fails.

Without --target a fresh reference axis is served on loopback (SQLite in the run directory) and
stopped afterwards. Exit status: 0 when every threshold holds, 1 when one fails (p99 end-to-end
latency, failure ratio, any loss), 2 on bad input or an unusable target.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lienthong.commands.sim_options import add_scenario_argument
from lienthong.errors import UserError

if TYPE_CHECKING:
    from lienthong.results import LoadtestSummary

LATENCY_KEYS = ("p50", "p90", "p99", "max", "mean", "mean_ci95")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "loadtest",
        help="drive an axis with the scenario's agency systems (Locust) and check the result",
        description="Open-model load test: agency systems sampled from the scenario send at "
        "intended times, poll, fetch, acknowledge and answer; after a drain the ledger "
        "reconciles (lost, duplicates). Exit 1 when a threshold fails.",
    )
    add_scenario_argument(parser)
    parser.add_argument("--target", metavar="URL",
                        help="axis to test (default: a fresh reference axis on 127.0.0.1)")
    parser.add_argument("--admin-token", default=os.environ.get("LIENTHONG_ADMIN_TOKEN")
                        or os.environ.get("LIENTHONG_AXIS_ADMIN_TOKEN"),
                        help="the target's admin token (default: $LIENTHONG_ADMIN_TOKEN, alias "
                        "$LIENTHONG_AXIS_ADMIN_TOKEN; with no --target, the fresh axis's own)")
    parser.add_argument("--users", type=int, metavar="N",
                        help="Locust users, each playing loadtest.agencies_per_user senders "
                        "(default: the scenario's loadtest.users, 20)")
    parser.add_argument("--spawn-rate", type=float, metavar="R",
                        help="users started per second (default: the scenario's "
                        "loadtest.spawn_rate, 10)")
    parser.add_argument("--run-time", metavar="T",
                        help="length of the sending phase: 60, 60s, 5m, 1h; a drain follows "
                        "(default: the scenario's loadtest.run_time_s, 60 s)")
    parser.add_argument("--time-scale", type=float, metavar="X",
                        help="scenario seconds per real second (default: the scenario's "
                        "loadtest.time_scale, 48: a working day in 10 min)")
    parser.add_argument("--processes", type=int, default=1, metavar="N",
                        help="Locust worker processes on this machine (default 1)")
    parser.add_argument("--max-p99", type=float, metavar="S",
                        help="fail when p99 end-to-end latency exceeds S seconds (default: the "
                        "scenario's loadtest.p99_latency_s, else no limit)")
    parser.add_argument("--pin-cpus", action="store_true",
                        help="run the bundled axis on core 0 and Locust on the other cores "
                        "(like taskset), so the generator does not take the axis's CPU "
                        "(default: off)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="run directory to write (default: "
                        "results/runs/<scenario>-loadtest-<time>)")
    federation = parser.add_argument_group(
        "federation", "a national axis and provincial ones on loopback, and failures")
    federation.add_argument("--federated", type=int, default=0, metavar="N",
                            help="start a national axis and N provincial axes (the provinces "
                            "carrying most of the sample's demand), each its own process "
                            "(default 0: one standalone axis)")
    federation.add_argument("--provinces", metavar="H41,H01,...",
                            help="the provinces to give an axis of their own, instead of N "
                            "(default: none)")
    federation.add_argument("--outage", action="append", default=[],
                            metavar="PLAY:KIND:TARGET@S+D",
                            help="inject an outage S scenario seconds after sending starts, for "
                            "D scenario seconds: kill:axis:H41 or pause:axis:H41 (or "
                            "axis:national), cut:link:H41-national (a TCP proxy on the link, "
                            "needs socat); repeatable; adds to the scenario's "
                            "[[failures.outages]] (an axis killed, a link cut) (default: none)")
    federation.add_argument("--relay-backoff", metavar="S,S,...",
                            help="the axes' relay back-off in real seconds (default: the "
                            "scenario's failures.retry_initial_s doubling to retry_max_s, "
                            "divided by the time scale, as the simulator models it)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        dest="overrides",
                        help="override a scenario key (repeatable; default: none)")
    parser.set_defaults(run=run)


def _federation_args(args: argparse.Namespace) -> tuple[list[str], list[Any]]:
    """(provinces, outages) from the command line, each bad value one line."""
    from topology.outages import SpecError, parse_spec

    if args.federated < 0 or args.federated > 20:
        raise UserError(f"--federated {args.federated}: expected 1-20 provincial axes")
    provinces: list[str] = []
    if args.provinces:
        provinces = [p.strip() for p in args.provinces.split(",") if p.strip()]
        bad = [p for p in provinces if not re.fullmatch(r"H\d{2}", p)]
        if bad or not provinces or len(set(provinces)) != len(provinces):
            raise UserError(f"--provinces {args.provinces!r}: expected distinct province "
                            "codes such as H41,H01")
        if args.federated and args.federated != len(provinces):
            raise UserError(f"--federated {args.federated} and --provinces name "
                            f"{len(provinces)}: give one of them")
    try:
        outages = [parse_spec(text) for text in args.outage]
    except SpecError as error:
        raise UserError(str(error)) from None
    from axis.federation.relay import parse_backoff

    try:
        if args.relay_backoff is not None:
            parse_backoff(args.relay_backoff)
    except ValueError as error:
        raise UserError(f"--relay-backoff {error}") from None
    return provinces, outages


def parse_duration(text: str | None) -> float | None:
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise UserError(f"--run-time {text!r}: expected a positive duration such as 60, 60s, 5m")
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, None: 1}[match.group(2)]


def axis_command() -> list[str]:
    return [sys.executable, "-m", "lienthong", "axis", "serve", "--host", "{host}",
            "--port", "{port}", "--store", "{store}", "--admin-token", "{token}",
            "--trust-ca", "{trust_ca}", "--log-level", "warning"]


def _check_args(args: argparse.Namespace) -> None:
    for name in ("users", "processes"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UserError(f"--{name} {value}: expected a positive integer")
    for name in ("spawn_rate", "time_scale", "max_p99"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise UserError(f"--{name.replace('_', '-')} {value:g}: expected a positive number")
    if args.processes > (os.cpu_count() or 1) * 4:
        raise UserError(f"--processes {args.processes}: more than 4 per CPU core")


def run(args: argparse.Namespace) -> int:
    from lienthong.results import default_run_dir, prepare_run_dir
    from lienthong.scenario import load_scenario
    from loadtest.directory import TargetError, check_url
    from loadtest.failures import played as play_of
    from loadtest.runner import RunRequest
    from loadtest.runner import run as run_load
    from loadtest.scenario import ScenarioError, read_scenario

    _check_args(args)
    run_time = parse_duration(args.run_time)
    provinces, outages = _federation_args(args)
    if args.target is not None:
        try:
            check_url(args.target)  # before the run directory is created
        except TargetError as error:
            raise UserError(str(error)) from None
    loaded = load_scenario(args.scenario, args.overrides)  # strict: every section, every key
    try:  # and what the load test would not play, before a run directory is made
        played = read_scenario(loaded.path, args.overrides)
    except ScenarioError as error:
        raise UserError(str(error)) from None
    outages = [play_of(outage) for outage in played.outages] + outages
    federated = bool(args.federated or provinces)
    if outages and not federated:
        raise UserError("outages (--outage or [[failures.outages]]) need --federated N or "
                        "--provinces: the load test injects them into axes it starts itself")
    if federated and args.target is not None:
        raise UserError("--federated starts its own axes; it cannot be combined with --target")
    out = args.out or default_run_dir(Path("results"), loaded.scenario.name, "loadtest")
    made_here = not out.exists()
    prepare_run_dir(out)
    request = RunRequest(scenario=loaded.path, out=out, overrides=list(args.overrides),
                         target=args.target, admin_token=args.admin_token, users=args.users,
                         spawn_rate=args.spawn_rate, run_time_s=run_time,
                         time_scale=args.time_scale, processes=args.processes,
                         progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
                         axis_command=axis_command(), pin_cpus=args.pin_cpus,
                         federated=args.federated, provinces=provinces, outages=outages,
                         relay_backoff=args.relay_backoff)
    target = args.target or "a fresh reference axis on 127.0.0.1"
    if federated:
        target = (f"a national axis and {args.federated or len(provinces)} provincial axes "
                  "on 127.0.0.1")
    print(f"lienthong loadtest: {loaded.scenario.name} -> {target}; results in {out}",
          flush=True)
    try:
        output = run_load(request)
    except (TargetError, ScenarioError) as error:
        if made_here:  # a run that never started leaves no run directory behind
            shutil.rmtree(out, ignore_errors=True)
        raise UserError(str(error)) from None
    summary = write_run(out, loaded, output, args)
    print(headline(summary))
    failed = [name for name, check in summary.thresholds.items() if not check.ok]
    if failed:
        for name in failed:
            check = summary.thresholds[name]
            relation = "<" if name == "documents" else ">"
            print(f"lienthong loadtest: FAILED {name}: {_g(check.value)} {relation} "
                  f"{_g(check.limit)}"
                  + (" (a run that sent nothing passes nothing)" if name == "documents" else ""),
                  file=sys.stderr)
        return 1
    return 0


def _g(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"


# -- the run directory ---------------------------------------------------------------------------

def locust_failures(out: Path) -> tuple[int, int]:
    """(requests, failures) over the HTTP rows of Locust's stats CSV (E2E rows excluded)."""
    path = out / "locust_stats.csv"
    if not path.is_file():
        return 0, 0
    requests = failures = 0
    with path.open() as handle:
        for row in csv.DictReader(handle):
            if row.get("Name") == "Aggregated" or row.get("Type") == "E2E":
                continue
            requests += int(row.get("Request Count") or 0)
            failures += int(row.get("Failure Count") or 0)
    return requests, failures


def _latency(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: entry.get(key) for key in (*LATENCY_KEYS, "p999", "count")}


def _sla_fraction(output: Any, ack_points: list[float], lost: int, deliveries: int
                  ) -> float | None:
    """Share of document deliveries acknowledged within the legal window, the window taken in
    scenario time and so divided by the time scale."""
    if not deliveries:
        return None
    context = output.context
    calendar = context.calendar
    start = calendar.day_offset_s(calendar.days[0]) + context.profile.start_of_day_s
    window_real = (calendar.sla_deadline(start) - start) / context.settings.time_scale
    if not ack_points:
        return 0.0
    within = sum(1 for value in ack_points[:-1] if value <= window_real) / (len(ack_points) - 1)
    return within * (deliveries - lost) / deliveries


def write_run(out: Path, loaded: Any, output: Any, args: argparse.Namespace
              ) -> LoadtestSummary:
    from hdrh.histogram import HdrHistogram

    from lienthong.compare import plot_run
    from lienthong.results import (
        LoadtestSummary,
        cdf_points,
        provenance,
        write_cdf,
        write_summary,
        write_timeseries,
    )
    from loadtest.latency import quantile_points
    from loadtest.probe import window

    raw = output.raw
    settings = raw["settings"]
    rec = raw["reconciliation"]
    counters = raw["counters"]
    duration = max(raw["end"] - raw["start"], 1e-9)
    load_s = settings["load_s"]
    points = {name: quantile_points(HdrHistogram.decode(text.encode()))
              for name, text in raw["histograms"].items()}
    write_cdf(out, *cdf_points(points.get("deliver", [])))
    if points.get("ack"):
        write_cdf(out, *cdf_points(points["ack"]), "ack")
    start_of_day = output.context.profile.start_of_day_s
    write_timeseries(out, [{"time_s": start_of_day + row["second"] * settings["time_scale"],
                            "bin_s": settings["time_scale"], "sent_per_s": row["sent_per_s"],
                            "delivered_per_s": row["delivered_per_s"],
                            "requests_per_s": row["requests_per_s"], "backlog": row["backlog"]}
                           for row in raw["timeline"]])
    requests, failures = locust_failures(out)
    delivered_rates = [row["delivered_per_s"] for row in raw["timeline"]]
    edoc_deliveries = rec["deliveries"]["edoc"]
    lost_total = rec["lost_total"]
    scheduled = counters.get("scheduled_sends", 0)
    lt = loaded.scenario.loadtest
    p99 = raw["latency"].get("deliver", {}).get("p99")
    p99_limit = args.max_p99 or lt.p99_latency_s
    failure_ratio = failures / requests if requests else 0.0
    documents = rec["documents"].get("edoc", 0)
    cpu = window(output.probe, raw["start"], raw["start"] + load_s) if output.probe else None
    thresholds = {
        "documents": {"limit": 1, "value": documents, "ok": documents >= 1},
        "lost": {"limit": lt.max_lost, "value": lost_total, "ok": lost_total <= lt.max_lost},
        "failure_ratio": {"limit": lt.max_failure_ratio, "value": round(failure_ratio, 6),
                          "ok": failure_ratio <= lt.max_failure_ratio},
    }
    if p99_limit is not None:
        thresholds["p99_latency_s"] = {"limit": p99_limit, "value": p99,
                                       "ok": p99 is not None and p99 <= p99_limit}
    summary = LoadtestSummary.model_validate({
        **provenance("loadtest", loaded.scenario.name, loaded.sha256, loaded.scenario.seed,
                     output.wall_time_s),
        "documents": rec["documents"].get("edoc", 0),
        "deliveries": edoc_deliveries,
        "delivered": rec["delivered"]["edoc"],
        "lost": lost_total,
        "in_flight": 0,
        "duplicates": rec["duplicates"],
        "unexpected": rec["unexpected"],
        "foreign_deliveries": counters.get("foreign_deliveries", 0),
        "demand_scale": loaded.scenario.loadtest.demand_scale,
        "requests_per_s": requests / duration,
        "throughput_per_s": {"mean": rec["delivered"]["edoc"] / load_s,
                             "peak": max(delivered_rates, default=0)},
        "latency_s": _latency(raw["latency"].get("deliver", {})),
        "ack_latency_s": _latency(raw["latency"].get("ack", {})),
        "status_latency_s": _latency(raw["latency"].get("status deliver", {})),
        "sla_met_fraction": _sla_fraction(output, points.get("ack", []), rec["lost"]["edoc"],
                                          edoc_deliveries),
        "statuses": {"sent": rec["documents"].get("status", 0),
                     "delivered": rec["delivered"]["status"], "lost": rec["lost"]["status"]},
        "intended_send_rate": raw["intended_send_rate"],
        "scheduled_send_rate": raw["scheduled_send_rate"],
        "achieved_send_rate": raw["achieved_send_rate"],
        "late_sends": counters.get("late_sends", 0),
        "late_send_fraction": counters.get("late_sends", 0) / scheduled if scheduled else 0.0,
        "failed_sends": counters.get("failed_sends", 0),
        "late_polls": counters.get("late_polls", 0),
        "requests": requests,
        "failures": failures,
        "failure_ratio": failure_ratio,
        "drained": raw["drained"],
        "lost_examples": rec["lost_examples"],
        "outbox": output.outbox,
        "users": settings["users"],
        "agencies": raw["agencies"],
        "processes": args.processes,
        "time_scale": settings["time_scale"],
        "time_base": "real",
        "load_s": load_s,
        "shape": settings["shape"],
        "delivery_mode": settings["mode"],
        "poll_interval_s": settings["poll_interval_s"],
        "target": output.target,
        "bundled_axis": output.bundled_axis,
        "axis_cpu": cpu["axis_cpu"] if cpu else None,
        "generator_cpu": cpu["generator_cpu"] if cpu else None,
        "cpu_pinning": output.pinning,
        "thresholds": thresholds,
        "passed": all(check["ok"] for check in thresholds.values()),
        **_federation_figures(out, output, loaded.scenario.name),
    })
    write_summary(out, summary)
    plot_run(out)
    return summary


def _federation_figures(out: Path, output: Any, name: str) -> dict[str, Any]:
    if output.federation is None:
        return {}
    from lienthong.federation_run import figures

    return figures(out, output.federation, output.raw["start"], output.federation.outage_kinds,
                   f"{name}: backlog per axis, federated load test")


def headline(summary: LoadtestSummary) -> str:
    lat = summary.latency_s

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value * 1000:.1f} ms"

    return (f"documents {summary.documents:.0f}, deliveries {summary.deliveries:.0f}, delivered "
            f"{summary.delivered:.0f}, lost {summary.lost}, duplicates "
            f"{summary.duplicates}; e2e p50 {ms(lat.p50)}, p99 {ms(lat.p99)}; send rate "
            f"{summary.achieved_send_rate:.3f}/s achieved vs {summary.intended_send_rate:.3f}"
            f"/s intended ({summary.late_sends} late); failure ratio "
            f"{summary.failure_ratio:.4f}"
            + (f"; {summary.foreign_deliveries} deliveries from earlier runs cleared (not "
               "counted)" if summary.foreign_deliveries else "")
            + f"; {'PASSED' if summary.passed else 'FAILED'}"
            + "".join(f"\n{axis}: down {', '.join(f'{d:.1f}-{u:.1f} s' for d, u in spans)}"
                      + (f", drained {summary.drain_time_s[axis].max:.1f} s after"
                         if summary.drain_time_s and axis in summary.drain_time_s else
                         ", not drained")
                      for axis, spans in (summary.outages or {}).items())
            + "".join(f"\nlink {link.removeprefix('axis:')}-national: cut "
                      f"{', '.join(f'{d:.1f}-{u:.1f} s' for d, u in spans)}"
                      for link, spans in (summary.link_outages or {}).items()))

