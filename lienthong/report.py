"""A self-contained HTML report of several runs, for reviewers to pass around as one file.

Built from a Jinja2 template (`templates/report.html.j2`): real tables with the runs as
columns, each run's length and per-working-day figures beside its totals, units on every row;
figures as small multiples (one panel per run, shared scales along a row) with captions that
say what they show and a one-line reading computed from the data; the simulation laid over the
load test where both measured the same scenario. Images are inlined (PNG as base64), so the
file opens anywhere, offline.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from lienthong import report_figures as figures
from lienthong.compare import to_scenario_time
from lienthong.errors import UserError
from lienthong.results import LoadtestSummary, Run, SimulationSummary, read_run
from lienthong.topology_of import axis_labels, shortest_deadline_s

IDLE = 0.05
"""Below this utilisation the axes queue nothing worth reporting: latency is the polling wait."""


@dataclass(frozen=True)
class Row:
    label: str
    unit: str
    cells: list[str]


@dataclass(frozen=True)
class Figure:
    title: str
    png: str
    caption: str
    reading: str


# -- what the scenario adds ----------------------------------------------------------------------

def context_of(run: Run) -> figures.Context:
    """Start date, shortest legal deadline, poll interval and axis names from the run's
    scenario (its file for a simulation, the bundled scenario of its name otherwise); a run
    whose scenario cannot be found is drawn without them."""
    from lienthong.scenario import load_scenario
    from topology.build import build_topology

    source = getattr(run.summary, "scenario_file", None) or run.summary.scenario
    try:
        scenario = load_scenario(source).scenario
    except UserError:
        return figures.Context(None, None, None, {})
    network = build_topology(scenario.topology, scenario.rollout, scenario.demand,
                             scenario.seed).network
    return figures.Context(scenario.calendar.start, shortest_deadline_s(scenario.calendar),
                           scenario.delivery.poll_interval_s, axis_labels(network), network)


# -- the tables ----------------------------------------------------------------------------------

def working_days(run: Run) -> float:
    """Working days the figures cover: a simulation's simulated days; a load test's scenario
    time sent (real seconds x time scale) over an eight-hour working day."""
    summary = run.summary
    if isinstance(summary, SimulationSummary):
        # a window of the day (simulation.horizon_s shorter than a working day) covers that
        # share of a day: its counts per working day are its rate over eight hours
        return min(float(summary.simulated_days), summary.horizon_s / (8 * 3600.0))
    return summary.load_s * summary.time_scale / (8 * 3600.0)


def run_length(run: Run) -> str:
    summary = run.summary
    if isinstance(summary, SimulationSummary):
        if summary.horizon_s < 8 * 3600.0:
            return (f"a window of {summary.horizon_s / 3600.0:.2g} h of a working day "
                    f"(warm-up {summary.warmup_s / 3600.0:.2g} h)")
        return (f"{summary.simulated_days:g} working day(s); horizon "
                f"{summary.horizon_s / 86400.0:.1f} days")
    return (f"{summary.load_s:g} s real × {summary.time_scale:g} = "
            f"{summary.load_s * summary.time_scale / 3600.0:.2f} h of scenario time")


def _num(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100.0 * value:.2f}%"


AXIS_LABELS: dict[str, dict[str, str]] = {}
"""Planner names of axes per scenario, filled by `render` from the runs' contexts."""


def _busiest(run: Run) -> tuple[str, float] | None:
    if not isinstance(run.summary, SimulationSummary) or not run.summary.axes:
        return None
    name, axis = max(run.summary.axes.items(), key=lambda item: item[1].utilization)
    return AXIS_LABELS.get(run.summary.scenario, {}).get(name, name), axis.utilization


ROWS: tuple[tuple[str, str, Callable[[Run], str]], ...] = (
    ("kind", "", lambda r: r.kind),
    ("run length", "", run_length),
    ("documents", "total", lambda r: _num(r.summary.documents)),
    ("documents", "per working day", lambda r: _num(r.summary.documents / working_days(r))),
    ("deliveries", "total", lambda r: _num(r.summary.deliveries)),
    ("deliveries", "per working day", lambda r: _num(r.summary.deliveries / working_days(r))),
    ("lost", "deliveries", lambda r: _num(r.summary.lost)),
    ("latency p50", "s", lambda r: _num(r.summary.latency_s.p50, 2)),
    ("latency p99", "s", lambda r: _num(r.summary.latency_s.p99, 2)),
    ("latency mean (± 95% CI)", "s",
     lambda r: _num(r.summary.latency_s.mean, 2) + (
         f" ± {r.summary.latency_s.mean_ci95:.2f}" if r.summary.latency_s.mean_ci95 else "")),
    ("acknowledged p99", "s", lambda r: _num(r.summary.ack_latency_s.p99, 2)),
    ("SLA met", "% of deliveries", lambda r: _pct(r.summary.sla_met_fraction)),
    ("throughput mean", "deliveries/s", lambda r: _num(r.summary.throughput_per_s.mean, 3)),
    ("throughput peak", "deliveries/s", lambda r: _num(r.summary.throughput_per_s.peak, 3)),
    ("requests", "per s, polls included", lambda r: _num(r.summary.requests_per_s, 1)),
    ("busiest axis", "utilisation",
     lambda r: "–" if (b := _busiest(r)) is None else f"{b[0]}: {100 * b[1]:.3g}%"),
    ("demand", "× the scenario's", lambda r: f"{r.summary.demand_scale:g}"
     if isinstance(r.summary, LoadtestSummary) else "1"),
    ("time base", "", lambda r: r.summary.time_base if isinstance(r.summary, LoadtestSummary)
     else "scenario"),
)

PROVENANCE = ("scenario_sha256", "seed", "created", "wall_time_s")


def headline_rows(runs: Sequence[Run]) -> list[Row]:
    return [Row(label, unit, [cell(run) for run in runs]) for label, unit, cell in ROWS]


def _plain(value: Any) -> str:
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


def provenance_rows(runs: Sequence[Run]) -> list[Row]:
    rows = [Row(key, "", [_plain(getattr(run.summary, key)) for run in runs])
            for key in PROVENANCE]
    names = sorted({name for run in runs for name in run.summary.versions})
    rows += [Row(name, "version", [run.summary.versions.get(name, "–") for run in runs])
             for name in names]
    return rows


# -- readings: one computed line per figure -------------------------------------------------------

def reading_latency(runs: Sequence[Run], contexts: Sequence[figures.Context]) -> str:
    parts = []
    for run, context in zip(runs, contexts, strict=True):
        lat = run.summary.latency_s
        if lat.p50 is None:
            parts.append(f"{run.summary.scenario}: nothing delivered")
            continue
        text = f"{run.summary.scenario} ({run.kind}): p50 {lat.p50:.3g} s, p99 {lat.p99:.3g} s"
        poll = context.poll_interval_s
        if isinstance(run.summary, LoadtestSummary) and run.summary.time_base == "real":
            poll = poll / run.summary.time_scale if poll else None
        if poll and lat.p99 is not None and lat.p99 <= 1.2 * poll:
            text += f" - within one {poll:.3g} s poll period"
        parts.append(text)
    return "; ".join(parts) + "."


def reading_utilisation(runs: Sequence[Run]) -> str:
    parts = []
    for run in runs:
        busiest = _busiest(run)
        if busiest is None:
            continue
        name, value = busiest
        verdict = ("latency is polling wait, not queueing" if value < IDLE
                   else "queues form: latency includes waiting for a worker")
        parts.append(f"{run.summary.scenario}: busiest axis {name} {100 * value:.3g}% utilised "
                     f"- {verdict}")
    return "; ".join(parts) + "." if parts else ""


def reading_traffic(runs: Sequence[Run]) -> str:
    parts = []
    for run in runs:
        per_day = run.summary.documents / working_days(run)
        parts.append(f"{run.summary.scenario}: {per_day:,.0f} documents per working day, peak "
                     f"{run.summary.throughput_per_s.peak:.3g} deliveries/s")
    return "; ".join(parts) + "."


def reading_backlog(runs: Sequence[Run]) -> str:
    parts = []
    for run in runs:
        backlog = [b for b in run.timeseries.get("backlog", []) if b == b]
        peak = max(backlog, default=0.0)
        parts.append(f"{run.summary.scenario}: at most {peak:,.0f} deliveries waiting, "
                     f"{run.summary.lost} lost")
    return "; ".join(parts) + "."


# -- the page ------------------------------------------------------------------------------------

def _b64(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def build_figures(runs: Sequence[Run], contexts: Sequence[figures.Context]) -> list[Figure]:
    names = ", ".join(f"{run.summary.scenario} ({run.path.name})" for run in runs)
    out = [
        Figure("End-to-end delivery latency",
               _b64(figures.latency_cdfs(runs, contexts)),
               f"Share of deliveries fetched within a given time of their intended send, one "
               f"panel per run ({names}); log scale shared along the row; dashed red: the "
               "shortest legal deadline (end of the next working day's morning period).",
               reading_latency(runs, contexts)),
        Figure("Deliveries fetched per second",
               _b64(figures.traffic(runs, contexts, "delivered_per_s", "deliveries/s")),
               "Deliveries fetched by their recipients per second over each run's own time "
               "base (time of day for day-long runs, dates for long ones, real seconds for "
               "a load test shown in real time); one scale shared along the row.",
               reading_traffic(runs)),
        Figure("Backlog",
               _b64(figures.traffic(runs, contexts, "backlog", "deliveries not yet fetched")),
               "Deliveries accepted by an axis and not yet fetched, at the end of each bin.",
               reading_backlog(runs)),
    ]
    utilisation = figures.utilisation(runs, contexts)
    if utilisation is not None:
        out.append(Figure("Busiest axes", _b64(utilisation),
                          "The six busiest axes of each simulation by the utilisation of "
                          "their workers over the measurement window, on one shared scale.",
                          reading_utilisation(runs)))
    networks: dict[str, Any] = {}
    for run, context in zip(runs, contexts, strict=True):
        if context.network is not None:
            networks.setdefault(run.summary.scenario, context.network)
    if networks:
        connected = "; ".join(
            f"{name}: {sum(a.connected for a in network.agencies):,} of "
            f"{len(network.agencies):,} agencies connected, {len(network.axes)} axes"
            for name, network in networks.items())
        out.append(Figure("The networks", _b64(figures.maps(list(networks.items()))),
                          "Each scenario's agencies at their coordinates by level (grey: not "
                          "connected), its provincial and ministry axes and their links to "
                          "the national axis.", connected + "."))
    sims = [r for r in runs if isinstance(r.summary, SimulationSummary)]
    tests = [r for r in runs if isinstance(r.summary, LoadtestSummary)]
    for test in tests:
        twin = next((s for s in sims if s.summary.scenario == test.summary.scenario), None)
        if twin is None:
            continue
        scaled = to_scenario_time(test)
        out.append(Figure(
            f"{test.summary.scenario}: simulation against load test",
            _b64(figures.sim_vs_loadtest(twin, scaled)),
            f"The simulator's latency CDF ({twin.path.name}) and the load test's "
            f"({test.path.name}, time scale {test.summary.time_scale:g}, shown in scenario "
            "time) for the same scenario: the one overlay whose time bases match.",
            f"p99 simulated {_num(twin.summary.latency_s.p99, 1)} s, measured "
            f"{_num(scaled.summary.latency_s.p99, 1)} s; mean simulated "
            f"{_num(twin.summary.latency_s.mean, 1)} s, measured "
            f"{_num(scaled.summary.latency_s.mean, 1)} s."))
    return out


def frontier_figure(path: Path) -> Figure:
    """A `lienthong frontier` directory: its plot, and the answer per configuration."""
    import json

    from lienthong.frontier.output import label

    try:
        document = json.loads((path / "frontier.json").read_text())
        key = document["key"]
        answers = "; ".join(f"{key}={row['config'][key]}: demand up to ×{label(row)} of "
                            "today's" for row in document["rows"])
        sla = document["sla"]
    except (ValueError, KeyError, TypeError) as error:
        raise UserError(f"{path / 'frontier.json'}: not a frontier lienthong wrote "
                        f"({error})") from None
    png = path / "frontier.png"
    if not png.is_file():
        raise UserError(f"{path}: no frontier.png beside frontier.json")
    limit = f", p99 acknowledged within {sla['p99_s']:g} s" if sla.get("p99_s") else ""
    return Figure(f"{document['scenario']}: capacity frontier", _b64(png.read_bytes()),
                  f"How far the demand can grow (a multiple of today's) while "
                  f"{100 * sla['share']:.3g}% of deliveries are acknowledged within the legal "
                  f"window{limit}, per value of {key} ({path.name}); left: the frontier with "
                  "its 95% interval, right: p99 latency of every run against the multiple.",
                  answers + ".")


def render(runs: Sequence[Run], title: str, scenario_time: bool = False,
           frontiers: Sequence[Path] = ()) -> str:
    contexts = [context_of(run) for run in runs]
    for run, context in zip(runs, contexts, strict=True):
        AXIS_LABELS.setdefault(run.summary.scenario, {}).update(context.axis_labels)
    shown = [to_scenario_time(run) for run in runs] if scenario_time else list(runs)
    environment = Environment(loader=PackageLoader("lienthong", "templates"),
                              autoescape=select_autoescape(["html", "j2"]),
                              trim_blocks=True, lstrip_blocks=True)
    template = environment.get_template("report.html.j2")
    return template.render(
        title=title or f"lienthong: {len(runs)} runs side by side",
        created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        runs=shown, scenario_time=scenario_time,
        headline=headline_rows(shown), provenance=provenance_rows(shown),
        figures=build_figures(shown, contexts) + [frontier_figure(f) for f in frontiers],
        readings=[r for r in (reading_utilisation(shown),) if r])


def write_report(paths: Sequence[Path], out: Path, scenario_time: bool = False,
                 title: str = "") -> Path:
    """Write one HTML file comparing the runs; returns its path."""
    if out.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"--out {out}: expected an .html file name")
    if not out.parent.exists():
        raise UserError(f"--out {out}: directory {out.parent} does not exist")
    frontiers = [Path(p) for p in paths if (Path(p) / "frontier.json").is_file()
                 and not (Path(p) / "summary.json").is_file()]
    runs = [read_run(Path(path)) for path in paths if Path(path) not in frontiers]
    if not runs:
        raise UserError("report: give at least one simulation or load-test run directory")
    out.write_text(render(runs, title, scenario_time, frontiers), encoding="utf-8")
    return out
