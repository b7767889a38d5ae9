"""Runs side by side: latency CDFs, throughput and backlog over time, and a headline table.

Simulations and load tests write the same layout (`lienthong.results`), so any mix of run
directories can be compared. Load tests measure in real seconds; their time axis is scenario
time (the run's start of day plus real seconds times the time scale), so a compressed day lines
up with a simulated one, and the headline table shows each run's time scale beside its figures.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lienthong.errors import UserError
from lienthong.results import LoadtestSummary, Run, read_run

HEADLINE = (
    ("kind", "kind", None),
    ("documents", "documents", None),
    ("deliveries", "deliveries", None),
    ("delivered", "delivered", None),
    ("lost", "lost", None),
    ("duplicates", "duplicates", None),
    ("latency p50 (s)", "latency_s.p50", 4),
    ("latency p99 (s)", "latency_s.p99", 4),
    ("latency mean (s)", "latency_s.mean", 4),
    ("throughput mean (/s)", "throughput_per_s.mean", 3),
    ("throughput peak (/s)", "throughput_per_s.peak", 3),
    ("requests (/s)", "requests_per_s", 1),
    ("SLA met", "sla_met_fraction", 4),
    ("time scale", "time_scale", None),
)


def _get(summary: dict[str, Any], dotted: str) -> Any:
    value: Any = summary
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _format(value: Any, digits: int | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.{digits}f}" if digits is not None else f"{value:g}"
    return str(value)


def label(run: Run) -> str:
    """A run's name in tables and legends: its directory, with the scenario and kind added
    only when the directory's name does not already say them."""
    name = run.path.name
    if name.startswith(run.summary.scenario) and run.kind in name:
        return name
    return f"{run.summary.scenario} ({run.kind}, {name})"


def headline_rows(runs: Sequence[Run]) -> list[list[str]]:
    rows = [["", *[label(run) for run in runs]]]
    summaries = [run.summary.model_dump() for run in runs]
    for title, key, digits in HEADLINE:
        rows.append([title, *[_format(_get(summary, key), digits) for summary in summaries]])
    return rows + outage_rows(summaries)


def _outages(summary: dict[str, Any]) -> dict[str, list[list[float]]]:
    """Outage windows per axis: a load test's `outages`, a simulation's first replication's."""
    return summary.get("outages") or summary.get("outages_replication_1") or {}


def outage_rows(summaries: Sequence[dict[str, Any]]) -> list[list[str]]:
    """Per axis that had an outage in any run: how long it was down and how long its backlog
    took to drain after it came back (the longest, over outages and replications), so a
    prediction and a measurement of the same failure sit side by side."""
    axes = sorted({axis for s in summaries for axis in (*_outages(s), *(s.get("drain_time_s")
                                                                       or {}))})
    rows = []
    for axis in axes:
        down = []
        drain = []
        for summary in summaries:
            spans = _outages(summary).get(axis, [])
            down.append(_format(sum(up - start for start, up in spans), 1) if spans else "-")
            value = (summary.get("drain_time_s") or {}).get(axis)
            drain.append(_format(value["max"], 1) if value else "-")
        rows.append([f"{axis} down (s)", *down])
        rows.append([f"{axis} drain (s)", *drain])
    links = sorted({link for s in summaries for link in (s.get("link_outages") or {})})
    for link in links:
        cut = []
        for summary in summaries:
            spans = (summary.get("link_outages") or {}).get(link, [])
            cut.append(_format(sum(up - start for start, up in spans), 1) if spans else "-")
        rows.append([f"link {link.removeprefix('axis:')}-national cut (s)", *cut])
    return rows


def format_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                     for row in rows)


def plot_runs(runs: Sequence[Run], out: Path) -> list[Path]:
    """The report's small multiples as PNG files: one panel per run, each on its own time base
    (so a load test in real seconds never sits on an axis of scenario hours), shared scales."""
    from lienthong import report_figures as figures
    from lienthong.report import context_of

    contexts = [context_of(run) for run in runs]
    drawn = {
        "latency_cdf.png": figures.latency_cdfs(runs, contexts),
        "throughput.png": figures.traffic(runs, contexts, "delivered_per_s", "deliveries/s"),
        "backlog.png": figures.traffic(runs, contexts, "backlog", "deliveries not yet fetched"),
    }
    paths = []
    for name, png in drawn.items():
        (out / name).write_bytes(png)
        paths.append(out / name)
    return paths


def plot_run(path: Path) -> list[Path]:
    """The plots of one run, in its own directory."""
    return plot_runs([read_run(path)], path)


def to_scenario_time(run: Run) -> Run:
    """A compressed load test (time_scale X) in scenario units: latencies times X, rates per
    scenario second (divided by X). Polling and registration delays were compressed by X, so
    this is what the same traffic would show at full scale; service times, which do not
    compress, are inflated with them - fine while they are small against the poll period."""
    summary = run.summary
    if not isinstance(summary, LoadtestSummary) or summary.time_scale == 1.0:
        return run
    scale = summary.time_scale

    def stretched(block: Any) -> Any:
        return block.model_copy(update={
            key: value * scale for key, value in block.model_dump().items()
            if key != "count" and value is not None})

    summary = summary.model_copy(update={
        "latency_s": stretched(summary.latency_s),
        "ack_latency_s": stretched(summary.ack_latency_s),
        "throughput_per_s": summary.throughput_per_s.model_copy(update={
            "mean": summary.throughput_per_s.mean / scale,
            "peak": summary.throughput_per_s.peak / scale}),
        "requests_per_s": summary.requests_per_s / scale,
        "time_base": "scenario",
        "outages": None if summary.outages is None else {
            axis: [[t * scale for t in span] for span in spans]
            for axis, spans in summary.outages.items()},
        "link_outages": None if summary.link_outages is None else {
            link: [[t * scale for t in span] for span in spans]
            for link, spans in summary.link_outages.items()},
        "drain_time_s": None if summary.drain_time_s is None else {
            axis: drain.model_copy(update={"mean": drain.mean * scale,
                                           "max": drain.max * scale})
            for axis, drain in summary.drain_time_s.items()},
    })
    series = dict(run.timeseries)
    for column in ("sent_per_s", "delivered_per_s", "requests_per_s"):
        series[column] = [v / scale for v in series.get(column, [])]
    cdfs = {label: ([x * scale for x in xs], ys) for label, (xs, ys) in run.cdfs.items()}
    return run.with_(summary=summary, timeseries=series, cdfs=cdfs)


def default_out(root: Path = Path("results/compare")) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"compare-{stamp}"


def compare(paths: Sequence[Path], out: Path | None = None,
            scenario_time: bool = False) -> dict[str, Any]:
    """Plots, headline.txt and a self-contained report.html of the runs in `out` (default
    results/compare/compare-<time>); a directory that already holds a comparison is refused,
    never overwritten."""
    from lienthong.report import render

    if not paths:
        raise UserError("compare: give at least one run directory")
    runs = [read_run(Path(path)) for path in paths]
    out = out or default_out()
    if (out / "headline.txt").exists() or (out / "report.html").exists():
        raise UserError(f"{out}: already holds a comparison; choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"{out}: cannot create output directory: {error.strerror}") from None
    shown = [to_scenario_time(run) for run in runs] if scenario_time else runs
    rows = headline_rows(shown)
    plots = plot_runs(shown, out)
    (out / "headline.txt").write_text(format_table(rows) + "\n")
    report = out / "report.html"
    report.write_text(render(runs, f"lienthong compare: {len(runs)} runs", scenario_time),
                      encoding="utf-8")
    return {"table": format_table(rows), "plots": plots, "report": report, "out": out}
