"""Outage windows per axis: scheduled ones from the scenario, and random ones from MTBF/MTTR.

Random outages alternate exponential up times (mean MTBF) and down times (mean MTTR), drawn
from one stream per axis ("failures:<axis>"), so adding an axis or changing another's MTBF does
not move this axis's outages. While an axis is down it refuses every request: senders and
relaying axes retry with exponential back-off (`retry_initial_s`, doubling, capped at
`retry_max_s`); work already queued waits and is served after the repair; requests in service
finish. Nothing is dropped.
"""

from __future__ import annotations

from sim.config import FailureConfig
from topology.streams import stream


def outage_windows(config: FailureConfig, axes: list[str], start: float, end: float, seed: int,
                   replication: int) -> dict[str, list[tuple[float, float]]]:
    """(down, up) times per axis within [start, end), merged where they overlap."""
    windows: dict[str, list[tuple[float, float]]] = {axis: [] for axis in axes}
    for outage in config.outages:
        down = start + outage.start_s
        windows[outage.axis].append((down, down + outage.duration_s))
    if config.mtbf_hours is not None:
        mtbf, mttr = config.mtbf_hours * 3600.0, config.mttr_minutes * 60.0
        for axis in axes:
            rng = stream(seed, f"failures:{axis}", replication)
            t = start
            while True:
                t += rng.exponential(mtbf)
                if t >= end:
                    break
                repair = rng.exponential(mttr)
                windows[axis].append((t, t + repair))
                t += repair
    return {axis: _merge(spans) for axis, spans in windows.items() if spans}


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for down, up in sorted(spans):
        if merged and down <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], up))
        else:
            merged.append((down, up))
    return merged


def backoff(config: FailureConfig, attempt: int) -> float:
    """Delay before retry number `attempt + 1`: initial x 2^attempt, capped."""
    return min(config.retry_initial_s * 2.0 ** min(attempt, 60), config.retry_max_s)
