"""Runs side by side: latency CDFs, throughput and backlog over time, and a headline table.

Simulations and load tests write the same layout (`lienthong.results`), so any mix of run
directories can be compared. Load tests measure in real seconds; their time axis is scenario
time (the run's start of day plus real seconds times the time scale), so a compressed day lines
up with a simulated one, and the headline table shows each run's time scale beside its figures.
"""

from __future__ import annotations

import html
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
    return f"{run.summary.scenario} ({run.kind}) {run.path.name}"


def headline_rows(runs: Sequence[Run]) -> list[list[str]]:
    rows = [["", *[label(run) for run in runs]]]
    summaries = [run.summary.model_dump() for run in runs]
    for title, key, digits in HEADLINE:
        rows.append([title, *[_format(_get(summary, key), digits) for summary in summaries]])
    return rows


def format_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                     for row in rows)


def _figure(runs: Sequence[Run], path: Path, what: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for run in runs:
        name = label(run)
        if what == "cdf":
            xs, ys = run.cdfs.get("all", ([], []))
            if xs:
                ax.plot(xs, ys, label=name)
        else:
            series = run.timeseries
            column = "delivered_per_s" if what == "throughput" else "backlog"
            if series["time_s"]:
                hours = [t / 3600.0 for t in series["time_s"]]
                ax.plot(hours, series[column], label=name)
    if what == "cdf":
        ax.set_xscale("log")
        ax.set_xlabel("end-to-end latency, intended send -> fetched (s)")
        ax.set_ylabel("fraction of deliveries")
        ax.set_title("End-to-end delivery latency")
    else:
        ax.set_xlabel("scenario time (hours since midnight of the first day)")
        ax.set_ylabel("deliveries fetched per second" if what == "throughput"
                      else "deliveries accepted, not yet fetched")
        ax.set_title("Throughput over time" if what == "throughput" else "Backlog over time")
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


PLOTS = (("cdf", "latency_cdf.png"), ("throughput", "throughput.png"), ("backlog", "backlog.png"))


def plot_runs(runs: Sequence[Run], out: Path) -> list[Path]:
    paths = []
    for what, name in PLOTS:
        path = out / name
        _figure(runs, path, what)
        paths.append(path)
    return paths


def plot_run(path: Path) -> list[Path]:
    """The plots of one run, in its own directory."""
    return plot_runs([read_run(path)], path)


def write_html(runs: Sequence[Run], out: Path, rows: list[list[str]]) -> Path:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows[1:])
    images = "".join(f'<p><img src="{name}" alt="{what}"></p>' for what, name in PLOTS)
    page = (
        "<!doctype html><meta charset='utf-8'><title>lienthong compare</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}</style>"
        f"<h1>lienthong: {len(runs)} runs side by side</h1>"
        f"<table><tr>{head}</tr>{body}</table>{images}"
    )
    path = out / "report.html"
    path.write_text(page)
    return path


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
    })
    series = dict(run.timeseries)
    for column in ("sent_per_s", "delivered_per_s", "requests_per_s"):
        series[column] = [v / scale for v in series.get(column, [])]
    cdfs = {label: ([x * scale for x in xs], ys) for label, (xs, ys) in run.cdfs.items()}
    return run.with_(summary=summary, timeseries=series, cdfs=cdfs)


def compare(paths: Sequence[Path], out: Path, scenario_time: bool = False) -> dict[str, Any]:
    if not paths:
        raise UserError("compare: give at least one run directory")
    runs = [read_run(Path(path)) for path in paths]
    if scenario_time:
        runs = [to_scenario_time(run) for run in runs]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"{out}: cannot create output directory: {error.strerror}") from None
    rows = headline_rows(runs)
    plots = plot_runs(runs, out)
    (out / "headline.txt").write_text(format_table(rows) + "\n")
    report = write_html(runs, out, rows)
    return {"table": format_table(rows), "plots": plots, "report": report}
