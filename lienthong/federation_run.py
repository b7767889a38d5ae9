"""What a federated load test adds to its run directory: each axis's backlog over time
(`backlog_axes.csv` and `backlog_axes.png`), the outage windows as played and the drain time after
each, under the simulator's names (`outages`, `drain_time_s`, axes named `axis:H41`).

Drain time (`drain_time_s`, the simulator's definition): from the end of an outage (the axis
answering again) until the last package its outage held back was stored by it - a send its
agencies retried, or a relay another axis retried. Read from the axis's own store after the run:
packages stored after the outage whose intended send time (the first Timestamp of the package:
the sender's TraceHeader, or a status's own) is before its end. The simulator's counterpart is
"outage end -> the last refused or queued request taken into service".

Backlog drain (`federation.backlog_drain_s`): until its own backlog and the federation's relay
queues are back at their levels of the seconds just before it went down, i.e. also until its
agencies have fetched what piled up (one poll period more, or so).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

BACKLOG_FILE = "backlog_axes.csv"
BACKLOG_PLOT = "backlog_axes.png"
GAP_S = 1.5
"""Real seconds without a sample from an axis that break its line in the plot."""
BASELINE_S = 10.0
"""Real seconds before an outage over which its 'before' level of the relay queues is taken."""


def relative_windows(windows: dict[str, list[list[float]]], start: float
                     ) -> dict[str, list[list[float]]]:
    return {axis: [[round(down - start, 3), round(up - start, 3)] for down, up in spans]
            for axis, spans in windows.items()}


def _rounds(rows: list[tuple[float, str, float, float]], axis: str
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per sampling round in which `axis` answered: (time, the axis's own backlog, the relay
    queues summed over every axis that answered)."""
    relay: dict[float, float] = {}
    own: dict[float, float] = {}
    for when, name, pending, queued in rows:
        relay[when] = relay.get(when, 0.0) + queued
        if name == axis:
            own[when] = pending + queued
    times = np.array(sorted(own))
    return times, np.array([own[t] for t in times]), np.array([relay[t] for t in times])


def drain_times(windows: dict[str, list[list[float]]],
                rows: list[tuple[float, str, float, float]]) -> dict[str, dict[str, float]]:
    """Per axis: count, mean and max of (the axis's backlog and every relay queue back to their
    levels before the outage) - (the axis answering again). An outage whose backlog never came
    back within the run is not counted."""
    result: dict[str, dict[str, float]] = {}
    for axis, spans in windows.items():
        times, own, relay = _rounds(rows, axis)
        drains = []
        for down, up in spans:
            before = (times >= down - BASELINE_S) & (times < down)
            own_level = float(np.max(own[before])) if before.any() else 0.0
            relay_level = float(np.max(relay[before])) if before.any() else 0.0
            after = np.nonzero((times >= up) & (own <= own_level) & (relay <= relay_level))[0]
            if after.size:
                drains.append(float(times[after[0]] - up))
        if drains:
            result[axis] = {"count": len(drains), "mean": float(np.mean(drains)),
                            "max": float(np.max(drains))}
    return result


_INTENDED = re.compile(rb"<(?:[\w.-]+:)?Timestamp>(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):"
                       rb"(\d\d)(?:\.(\d{1,6}))?<")


def intended_time(body: bytes) -> float | None:
    """The first Timestamp of a package (UTC), as unix seconds."""
    match = _INTENDED.search(body)
    if match is None:
        return None
    *parts, fraction = match.groups()
    when = dt.datetime(*(int(p) for p in parts), tzinfo=dt.UTC).timestamp()
    return when + (int(fraction.ljust(6, b"0")) / 1e6 if fraction else 0.0)


def held_back_drain(store: Path, up: float) -> float | None:
    """Seconds from `up` to the last package the axis stored after it whose intended time is
    before it (held back by the outage); None if there was none, or no readable store."""
    if not store.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
            rows = conn.execute("SELECT created_at, body FROM documents WHERE created_at >= ?",
                                (up,)).fetchall()
    except sqlite3.Error:
        return None
    last = None
    for created, body in rows:
        intended = intended_time(bytes(body))
        if intended is not None and intended < up and (last is None or created > last):
            last = created
    return None if last is None else float(last - up)


def held_back_drains(out: Path, windows: dict[str, list[list[float]]]
                     ) -> dict[str, dict[str, float]]:
    """`drain_time_s` per axis from its store (axis-<name>.sqlite3 in the run directory)."""
    result: dict[str, dict[str, float]] = {}
    for axis, spans in windows.items():
        store = out / f"axis-{axis.removeprefix('axis:')}.sqlite3"
        drains = [d for _, up in spans if (d := held_back_drain(store, up)) is not None]
        if drains:
            result[axis] = {"count": len(drains), "mean": float(np.mean(drains)),
                            "max": float(np.max(drains))}
    return result


def write_backlog(out: Path, rows: list[tuple[float, str, float, float]], start: float
                  ) -> Path:
    path = out / BACKLOG_FILE
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["time_s", "axis", "pending_deliveries", "relay_queue", "backlog"])
        for when, axis, pending, relay in rows:
            writer.writerow([f"{when - start:.3f}", axis, f"{pending:g}", f"{relay:g}",
                             f"{pending + relay:g}"])
    return path


def plot_backlog(out: Path, rows: list[tuple[float, str, float, float]], start: float,
                 windows: dict[str, list[list[float]]], drains: dict[str, dict[str, float]],
                 backlog_drains: dict[str, dict[str, float]], title: str,
                 link_windows: dict[str, list[list[float]]] | None = None) -> Path:
    """Each axis's backlog (pending deliveries + relay queue) over real time; axis outages
    shaded red, link cuts orange, each labelled, drain end marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    series: dict[str, list[tuple[float, float, float]]] = {}
    for when, axis, pending, relay in rows:
        series.setdefault(axis, []).append((when - start, pending, relay))
    for axis, points in sorted(series.items()):
        points = _with_gaps(points)
        t = [p[0] for p in points]
        line, = top.plot(t, [p[1] + p[2] for p in points], linewidth=1.2, label=axis)
        bottom.plot(t, [p[2] for p in points], linewidth=1.2, color=line.get_color(),
                    label=axis)
    for axis, spans in windows.items():
        for n, (down, up) in enumerate(spans):
            for ax in (top, bottom):
                ax.axvspan(down - start, up - start, color="red", alpha=0.15,
                           label=f"{axis} down" if ax is top and n == 0 else None)
            if n:
                continue
            for found, style, what in ((drains, "--", "last held-back package in"),
                                       (backlog_drains, ":", "backlog back to its level")):
                drain = found.get(axis)
                if drain is None:
                    continue
                end = up - start + drain["max"]
                for ax in (top, bottom):
                    ax.axvline(end, color="green", linestyle=style, linewidth=1.2,
                               label=f"{what} (+{drain['max']:.1f} s)" if ax is top else None)
    for link, spans in (link_windows or {}).items():
        for n, (down, up) in enumerate(spans):
            for ax in (top, bottom):
                ax.axvspan(down - start, up - start, color="orange", alpha=0.2,
                           label=f"link {link.removeprefix('axis:')}-national cut"
                           if ax is top and n == 0 else None)
    top.set_ylabel("backlog per axis\n(pending + relay queue)")
    bottom.set_ylabel("relay queue per axis")
    bottom.set_xlabel("real seconds since sending started")
    top.set_title(title)
    top.legend(fontsize=8, loc="upper left")
    top.grid(alpha=0.3)
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    path = out / BACKLOG_PLOT
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _with_gaps(points: list[tuple[float, float, float]], gap_s: float = GAP_S
               ) -> list[tuple[float, float, float]]:
    """A NaN point wherever an axis did not answer for a while (down or paused), so the plot
    shows a break there instead of a line across the outage."""
    result: list[tuple[float, float, float]] = []
    for point in points:
        if result and point[0] - result[-1][0] > gap_s:
            result.append((result[-1][0] + gap_s / 2, float("nan"), float("nan")))
        result.append(point)
    return result


def figures(out: Path, record: Any, start: float, kinds: dict[str, str], title: str
            ) -> dict[str, Any]:
    """The summary keys of a federated run; writes the backlog CSV and plot."""
    rows = record.backlog
    backlog_drains = drain_times(record.windows, rows)
    drains = held_back_drains(out, record.windows)
    write_backlog(out, rows, start)
    plot_backlog(out, rows, start, record.windows, drains, backlog_drains, title,
                 record.link_windows)
    peak: dict[str, float] = {}
    for _, axis, pending, relay in rows:
        peak[axis] = max(peak.get(axis, 0.0), pending + relay)
    return {
        "federation": {"axes": {f"axis:{name}": url for name, url in record.urls.items()},
                       "regions": record.regions, "backlog_max": peak,
                       "backlog_file": BACKLOG_FILE, "outage_kinds": kinds,
                       "backlog_drain_s": backlog_drains, "errors": record.errors,
                       "relay_backoff_s": [float(d) for d in record.relay_backoff.split(",")
                                           if d]},
        "outages": relative_windows(record.windows, start),
        "drain_time_s": drains,
        "link_outages": relative_windows(record.link_windows, start),
    }
