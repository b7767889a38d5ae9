"""PNG figures of a simulation run: latency CDFs, throughput and backlog, utilisation per axis.

Each figure answers one question and says its units on its axes. Matplotlib's Agg backend, so
plots are drawn on machines without a display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

if TYPE_CHECKING:
    from lienthong.results import AxisFigures

LEVEL_NAMES = {"1": "central", "2": "province", "3": "district", "4": "commune"}


def _pair_label(pair: str) -> str:
    src, dst = pair.split("-")
    return f"{LEVEL_NAMES.get(src, src)} → {LEVEL_NAMES.get(dst, dst)}"


def latency_cdf(path: Path, cdfs: Mapping[str, tuple[Sequence[float], Sequence[float]]],
                title: str, deadline_s: float | None = None) -> None:
    """One curve per pair of levels (sender -> recipient), and all deliveries in black; the
    shortest legal deadline as a dashed red line."""
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for label, (latency, fraction) in sorted(cdfs.items()):
        if not latency or label == "all":
            continue
        ax.plot([max(v, 1e-3) for v in latency], fraction, linewidth=1.4,
                label=_pair_label(label))
    if "all" in cdfs and cdfs["all"][0]:
        latency, fraction = cdfs["all"]
        ax.plot([max(v, 1e-3) for v in latency], fraction, color="black", linewidth=2.4,
                label="all deliveries")
    if deadline_s:
        ax.axvline(deadline_s, color="tab:red", linestyle="--", linewidth=1.2,
                   label=f"shortest legal deadline ({deadline_s / 3600:.1f} h)")
    ax.set_xscale("log")
    ax.set_xlabel("end-to-end latency, send → fetched by recipient (seconds, log scale)")
    ax.set_ylabel("fraction of deliveries")
    ax.set_ylim(0, 1.01)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(title)
    if ax.get_lines():
        ax.legend(title="sender → recipient level", fontsize=8, loc="center right")
    else:
        ax.text(0.5, 0.5, "no delivery measured", transform=ax.transAxes, ha="center")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _time_axis(times_s: Sequence[float]) -> tuple[list[float], str]:
    if not times_s:
        return [], "time"
    span = times_s[-1] - times_s[0]
    if span > 3 * 86400:
        return [t / 86400.0 for t in times_s], "scenario time (days since start-date midnight)"
    return [t / 3600.0 for t in times_s], "scenario time (hour of day, day 1 = 0-24)"


def throughput_backlog(path: Path, rows: Sequence[Mapping[str, float]], title: str) -> None:
    """Documents sent, deliveries fetched and requests per second over time; backlog below."""
    times, label = _time_axis([row["time_s"] for row in rows])
    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(10, 8.5), sharex=True)
    top.plot(times, [row["sent_per_s"] for row in rows], label="documents sent", linewidth=1)
    top.plot(times, [row["delivered_per_s"] for row in rows], label="deliveries fetched",
             linewidth=1)
    top.set_ylabel("per second")
    top.legend(fontsize=8)
    top.grid(True, alpha=0.3)
    top.set_title(title)
    middle.plot(times, [row["requests_per_s"] for row in rows], color="tab:purple",
                linewidth=1, label="requests to all axes, polls included")
    middle.set_ylabel("requests per second")
    middle.legend(fontsize=8)
    middle.grid(True, alpha=0.3)
    bottom.fill_between(times, [row["backlog"] for row in rows], step="post", alpha=0.5,
                        color="tab:red")
    bottom.set_ylabel("backlog\n(deliveries not yet fetched)")
    bottom.set_xlabel(label)
    bottom.grid(True, alpha=0.3)
    for panel in (top, middle, bottom):
        panel.set_ylim(bottom=0)  # rates and backlogs start at zero, or small ones look large
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def axis_utilization(path: Path, axes: Mapping[str, AxisFigures], title: str,
                     labels: Mapping[str, str] | None = None, top_n: int = 25) -> None:
    """Busiest axes by utilisation, with mean wait, as horizontal bars, named as a planner
    names them ("Nghệ An (H41) provincial axis, 8 workers"); the scale fits the busiest."""
    ranked = sorted(axes.items(), key=lambda item: item[1].utilization, reverse=True)[:top_n]
    ranked.reverse()
    names = [f"{(labels or {}).get(name, name)}, {row.workers} workers" for name, row in ranked]
    values = [100.0 * row.utilization for _, row in ranked]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(ranked) + 1.8))
    bars = ax.barh(names, values, color="tab:blue")
    for bar, (_, row) in zip(bars, ranked, strict=True):
        wait = row.wait_s["mean"] or 0.0
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                f" {bar.get_width():.3g}%  wait {wait * 1000:.1f} ms", va="center", fontsize=7)
    ax.set_xlabel("utilisation of the axis's workers over the measurement window (%)")
    ax.set_xlim(0, max([*values, 1e-6]) * 1.45)
    ax.set_title(title)
    ax.grid(True, axis="x", alpha=0.3)
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
