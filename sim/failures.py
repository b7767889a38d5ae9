"""Outage windows per axis and link: scheduled ones from the scenario, random ones from MTBF/MTTR.

Random outages alternate exponential up times (mean MTBF) and down times (mean MTTR), drawn
from one stream per axis ("failures:<axis>"), so adding an axis or changing another's MTBF does
not move this axis's outages. While an axis is down it refuses every request: senders and
relaying axes retry with exponential back-off (`retry_initial_s`, doubling, capped at
`retry_max_s`); work already queued waits and is served after the repair; requests in service
finish. Nothing is dropped.

A link outage (between a provincial or ministry axis and the national axis; scheduled only)
refuses every relay across it in either direction: the relaying axis retries with the same
back-off until the link is back.
"""

from __future__ import annotations

from sim.config import FailureConfig
from sim.outages import OutagePlan
from topology.outages import backoff as retry_delay
from topology.streams import stream


def scheduled(config: FailureConfig, start: float) -> OutagePlan:
    """The scenario's scheduled outages, each kind adding its windows."""
    plan = OutagePlan()
    for outage in config.outages:
        outage.plan(plan, start)
    return plan


def outage_windows(config: FailureConfig, axes: list[str], start: float, end: float, seed: int,
                   replication: int, origin: float | None = None
                   ) -> dict[str, list[tuple[float, float]]]:
    """(down, up) times per axis within [start, end), merged where they overlap: the scheduled
    ones counted from `origin` (default: start), the drawn ones (MTBF) from start."""
    windows: dict[str, list[tuple[float, float]]] = {axis: [] for axis in axes}
    for axis, spans in scheduled(config, start if origin is None else origin).axes.items():
        windows[axis].extend(spans)
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


def link_windows(config: FailureConfig, start: float) -> dict[str, list[tuple[float, float]]]:
    """(down, up) times of scheduled link outages, by the non-national axis of the link."""
    return {link: _merge(spans) for link, spans in scheduled(config, start).links.items()}


def first_try_after(windows: list[tuple[float, float]], t: float, config: FailureConfig
                    ) -> tuple[float, int]:
    """When a relay first attempted at `t` gets across a link with these outage windows,
    retrying with back-off; and how many attempts failed. The windows are known in advance, so
    no event is needed for the failed attempts."""
    attempt = 0
    while any(down <= t < up for down, up in windows):
        t += backoff(config, attempt)
        attempt += 1
    return t, attempt


def backoff(config: FailureConfig, attempt: int) -> float:
    """Delay before retry number `attempt + 1`: initial x 2^attempt, capped (the schedule a
    federated load test plays too, topology.outages.backoff)."""
    return retry_delay(config.retry_initial_s, config.retry_max_s, attempt)
