"""The report's figures: one row per question, one panel per run, shared scales along a row.

Small multiples rather than overlays, so identical curves do not hide each other and a one-day
run is not a spike on a 200-day axis: each panel has its own time base (time of day for runs of
a day or two, calendar dates for long ones, real seconds for an uncompressed load test), and the
quantity's scale is shared along the row so panels compare at a glance. Returns PNG bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt

from lienthong.results import LoadtestSummary, Run, SimulationSummary

PANEL_W, PANEL_H = 3.3, 2.6


@dataclass(frozen=True)
class Context:
    """What the report knows about a run beyond its directory (from its scenario file)."""

    start: dt.date | None
    deadline_s: float | None
    poll_interval_s: float | None
    axis_labels: dict[str, str]
    network: Any = None


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def _panels(n: int, sharey: bool = True, sharex: bool = False):
    fig, axes = plt.subplots(1, n, figsize=(max(PANEL_W * n, 5.0), PANEL_H), sharey=sharey,
                             sharex=sharex, squeeze=False, layout="constrained")
    return fig, list(axes[0])


def title_of(run: Run) -> str:
    return f"{run.summary.scenario} ({run.kind})"


def latency_cdfs(runs: Sequence[Run], contexts: Sequence[Context]) -> bytes:
    fig, axes = _panels(len(runs), sharex=True)
    for ax, run, context in zip(axes, runs, contexts, strict=True):
        xs, ys = run.cdfs.get("all", ([], []))
        if xs:
            ax.plot([max(x, 1e-3) for x in xs], ys, color="black", linewidth=1.6)
        if context.deadline_s:
            ax.axvline(context.deadline_s, color="tab:red", linestyle="--", linewidth=1)
            ax.text(context.deadline_s, 0.05, " legal deadline\n (shortest)", color="tab:red",
                    fontsize=7, ha="right")
        ax.set_xscale("log")
        ax.set_ylim(0, 1.02)
        ax.set_title(title_of(run), fontsize=9)
        ax.set_xlabel("end-to-end latency (s, log)", fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("fraction of deliveries", fontsize=8)
    return _png(fig)


def _time_base(run: Run, context: Context) -> tuple[list, str, bool]:
    """x values and label: real seconds for a compressed load test in real time, time of day
    for runs of up to two days, calendar dates for longer ones."""
    times = run.timeseries.get("time_s", [])
    summary = run.summary
    if isinstance(summary, LoadtestSummary) and summary.time_base == "real":
        origin = times[0] if times else 0.0
        return ([(t - origin) / summary.time_scale for t in times],
                "real seconds since the start", False)
    span = (times[-1] - times[0]) if times else 0.0
    if span <= 2 * 86400 or context.start is None:
        return [t / 3600.0 for t in times], "scenario time (hour of day)", False
    base = dt.datetime.combine(context.start, dt.time())
    return [base + dt.timedelta(seconds=t) for t in times], "date", True


def traffic(runs: Sequence[Run], contexts: Sequence[Context], column: str, ylabel: str) -> bytes:
    fig, axes = _panels(len(runs))
    for ax, run, context in zip(axes, runs, contexts, strict=True):
        xs, xlabel, dates = _time_base(run, context)
        values = run.timeseries.get(column, [])
        if xs:
            ax.fill_between(xs, values, step="post", alpha=0.35, color="tab:blue")
            ax.plot(xs, values, drawstyle="steps-post", linewidth=0.8, color="tab:blue")
        if dates:
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=4))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
        ax.set_title(title_of(run), fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel(ylabel, fontsize=8)
    axes[0].set_ylim(bottom=0)  # after every panel is drawn: the shared top fits them all
    return _png(fig)


def maps(named: Sequence[tuple[str, Any]]) -> bytes:
    """The network of each scenario: who is connected, the axes and their links."""
    from topology.mapplot import draw_on

    fig, axes = plt.subplots(1, len(named), figsize=(3.6 * len(named), 6.2), squeeze=False,
                             layout="constrained")
    for ax, (name, network) in zip(axes[0], named, strict=True):
        draw_on(ax, network, name, legend_size=6)
        ax.set_xlabel("")  # the legend sits where the label would: degrees are on the ticks
        ax.set_ylabel("")
        ax.tick_params(labelsize=7)
    return _png(fig)


def utilisation(runs: Sequence[Run], contexts: Sequence[Context], top: int = 6) -> bytes | None:
    """The busiest axes of each simulation, in percent on one shared scale."""
    sims = [(run, context) for run, context in zip(runs, contexts, strict=True)
            if isinstance(run.summary, SimulationSummary)]
    if not sims:
        return None
    fig, axes = plt.subplots(len(sims), 1, figsize=(PANEL_W * 3, 0.28 * top * len(sims) + 1.2),
                             sharex=True, squeeze=False, layout="constrained")
    peak = max(axis.utilization for run, _ in sims for axis in run.summary.axes.values())
    for ax, (run, context) in zip(axes[:, 0], sims, strict=True):
        ranked = sorted(run.summary.axes.items(), key=lambda item: item[1].utilization,
                        reverse=True)[:top][::-1]
        names = [f"{context.axis_labels.get(name, name)}, {row.workers} workers"
                 for name, row in ranked]
        values = [100.0 * row.utilization for _, row in ranked]
        ax.barh(names, values, color="tab:blue")
        for y, value in enumerate(values):
            ax.text(value, y, f" {value:.3g}%", va="center", fontsize=7)
        ax.set_title(title_of(run), fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.grid(True, axis="x", alpha=0.3)
    axes[-1, 0].set_xlim(0, max(100.0 * peak * 1.3, 1e-3))
    axes[-1, 0].set_xlabel("utilisation of the axis's workers (%)", fontsize=8)
    return _png(fig)


def sim_vs_loadtest(sim: Run, test: Run) -> bytes:
    """One scenario measured and simulated, both in scenario time: the one overlay whose time
    bases match."""
    fig, ax = plt.subplots(figsize=(6.5, 3.2), layout="constrained")
    for run, style in ((sim, "-"), (test, "--")):
        xs, ys = run.cdfs.get("all", ([], []))
        ax.plot([max(x, 1e-3) for x in xs], ys, style, linewidth=1.6,
                label=f"{run.kind} ({run.path.name})")
    ax.set_xscale("log")
    ax.set_xlabel("end-to-end latency in scenario time (s, log)", fontsize=8)
    ax.set_ylabel("fraction of deliveries", fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    ax.tick_params(labelsize=7)
    return _png(fig)
