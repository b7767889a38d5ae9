"""What a frontier run writes: frontier.json, points.csv and frontier.png.

frontier.json: the question (scenario, key, SLA, precision, bounds) and one row per
configuration: `config` {key: value}, `max_multiplier` (mean over replications of each
replication's threshold), `max_multiplier_ci95` [low, high] (95% Student t interval, null when
every replication sat at a bound), `at_least` (the SLA still held at the upper bound in some
replication: the frontier is at least `max_multiplier`), `below` (it failed at the lower bound),
`replications`, `relative_half_width`, `precision_met`, and the latency at the frontier: the
mean over replications of each one's figures at its largest multiplier that met the SLA.
`points`: every run, also in points.csv.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

from lienthong.frontier.search import ConfigFrontier, PointRun

POINT_COLUMNS = ("config", "multiplier", "replication", "meets", "sla_met_fraction",
                 "ack_p99_s", "latency_p50_s", "latency_p99_s", "deliveries",
                 "max_utilization", "events", "wall_s")


def _mean(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def frontier_row(key: str, value: str, frontier: ConfigFrontier,
                 runs: list[PointRun]) -> dict[str, Any]:
    at_lo = []
    for r, threshold in sorted(frontier.thresholds.items()):
        if threshold.lo is None:
            continue
        match = [run for run in runs if run.config == frontier.config and run.replication == r
                 and run.multiplier == threshold.lo]
        at_lo.append(match[0].figures)
    est = frontier.estimate
    ci = est.ci95
    return {
        "config": {key: value},
        "max_multiplier": est.mean,
        "max_multiplier_ci95": None if ci is None or frontier.at_least or frontier.below
        else [ci[0], ci[1]],
        "at_least": frontier.at_least,
        "below": frontier.below,
        "replications": est.n,
        "replication_thresholds": [t.estimate for _, t in sorted(frontier.thresholds.items())],
        "relative_half_width": est.relative_half_width,
        "precision_met": frontier.precision_met,
        "latency_at_frontier": {
            "latency_p50_s": _mean([f.latency_p50_s for f in at_lo]),
            "latency_p99_s": _mean([f.latency_p99_s for f in at_lo]),
            "ack_latency_p99_s": _mean([f.ack_p99_s for f in at_lo]),
            "sla_met_fraction": _mean([f.sla_met_fraction for f in at_lo]),
            "deliveries": _mean([float(f.deliveries) for f in at_lo]),
            "max_utilization": _mean([f.max_utilization for f in at_lo]),
        },
        "runs": sum(t.runs for t in frontier.thresholds.values()),
    }


def point_row(run: PointRun, labels: list[str]) -> dict[str, Any]:
    f = run.figures
    return {"config": labels[run.config], "multiplier": run.multiplier,
            "replication": run.replication, "meets": run.meets,
            "sla_met_fraction": f.sla_met_fraction, "ack_p99_s": f.ack_p99_s,
            "latency_p50_s": f.latency_p50_s, "latency_p99_s": f.latency_p99_s,
            "deliveries": f.deliveries, "max_utilization": f.max_utilization,
            "events": f.events, "wall_s": f.wall_s}


class PointLog:
    """points.csv written as the runs finish, so an interrupted frontier keeps every point it
    ran (`write` rewrites the same rows at the end)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("w", newline="") as handle:
            csv.DictWriter(handle, fieldnames=POINT_COLUMNS).writeheader()

    def add(self, row: dict[str, Any]) -> None:
        with self.path.open("a", newline="") as handle:
            csv.DictWriter(handle, fieldnames=POINT_COLUMNS).writerow(row)


def multiplier_text(value: float) -> str:
    """Three significant figures, never an exponent: 66.2, 177, 1024, 0.0625."""
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def label(row: dict[str, Any]) -> str:
    text = multiplier_text(row["max_multiplier"])
    if row["at_least"]:
        return ">= " + text
    if row["below"]:
        return "< " + text
    return text


def write(out: Path, document: dict[str, Any]) -> None:
    (out / "frontier.json").write_text(json.dumps(document, indent=2) + "\n")
    with (out / "points.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=POINT_COLUMNS)
        writer.writeheader()
        writer.writerows(document["points"])
    plot(out / "frontier.png", document)


def plot(path: Path, document: dict[str, Any]) -> None:
    """Left: the frontier per configuration with its 95% interval (an arrow where it is only a
    bound). Right: p99 send -> acknowledged latency of every run against the multiplier, per
    configuration, with the frontier marked: the latency knee."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda value, _: f"{value:g}")
    # minor ticks of a log axis labelled at 2, 3 and 5 only: 0.8 0.9 and 60 70 80 90 overlap
    sparse = FuncFormatter(lambda value, _: f"{value:g}" if value > 0 and round(
        value / 10 ** math.floor(math.log10(value))) in (2, 3, 5) else "")
    key, rows = document["key"], document["rows"]
    p99s = [p["ack_p99_s"] for p in document["points"] if p["ack_p99_s"] is not None]
    unit, per = ("minutes", 60.0) if p99s and max(p99s) > 600 else ("s", 1.0)
    labels = [str(row["config"][key]) for row in rows]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for i, row in enumerate(rows):
        y = row["max_multiplier"]
        colour = colours[i % len(colours)]
        ci = row["max_multiplier_ci95"]
        if ci is not None:
            left.errorbar([i], [y], yerr=[[y - ci[0]], [ci[1] - y]], fmt="o", color=colour,
                          capsize=5)
        else:
            left.plot([i], [y], marker="^" if row["at_least"] else "v", color=colour,
                      markersize=10, linestyle="none")
        left.annotate(label(row), (i, y), textcoords="offset points", xytext=(8, 4),
                      fontsize=9)
    left.axhline(1.0, color="grey", linestyle=":", linewidth=1)
    left.text(len(rows) - 0.5, 1.0, " today's demand", va="bottom", ha="right", fontsize=8,
              color="grey")
    left.set_xticks(range(len(rows)), labels)
    left.set_xlim(-0.5, len(rows) - 0.5)
    left.set_xlabel(key)
    left.set_ylabel("largest demand multiplier meeting the SLA (x today)")
    left.set_yscale("log")
    left.grid(True, which="both", alpha=0.3)
    left.set_title("capacity frontier (mean and 95% CI; ▲ at least, ▼ below)", fontsize=10)
    for i, row in enumerate(rows):
        colour = colours[i % len(colours)]
        mine = sorted((p for p in document["points"] if p["config"] == labels[i]
                       and p["ack_p99_s"] is not None), key=lambda p: p["multiplier"])
        if not mine:
            continue
        right.scatter([p["multiplier"] for p in mine], [p["ack_p99_s"] / per for p in mine],
                      color=colour, s=18, alpha=0.7,
                      marker="o", label=f"{key}={labels[i]}")
        failed = [p for p in mine if not p["meets"]]
        if failed:
            right.scatter([p["multiplier"] for p in failed],
                          [p["ack_p99_s"] / per for p in failed], facecolors="none",
                          edgecolors="black", s=40, linewidths=0.8)
        if not (row["at_least"] or row["below"]):
            right.axvline(row["max_multiplier"], color=colour, linestyle="--", linewidth=1)
    if document["sla"].get("p99_s"):
        right.axhline(document["sla"]["p99_s"] / per, color="red", linestyle=":",
                      label="p99 bound")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("demand multiplier (x today)")
    right.set_ylabel(f"p99 send -> acknowledged ({unit})")
    for axis in (left.yaxis, right.xaxis, right.yaxis):
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(sparse)
    for label_ in (*right.xaxis.get_minorticklabels(), *right.yaxis.get_minorticklabels(),
                   *left.yaxis.get_minorticklabels()):
        label_.set_fontsize(7)
    right.grid(True, which="both", alpha=0.3)
    right.set_title("latency of every run (circled: SLA missed; dashed: frontier)",
                    fontsize=10)
    right.legend(fontsize=8)
    sla = document["sla"]
    fig.suptitle(f"{document['scenario']}: capacity frontier over {key}. SLA: "
                 f"{sla['share']:.1%} acknowledged within the legal window"
                 + (f", p99 <= {sla['p99_s']:g} s" if sla.get("p99_s") else "")
                 + f"; precision ±{document['precision']:.0%}"
                 + ("\nrun with " + ", ".join(document["overrides"])
                    if document.get("overrides") else ""), fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


