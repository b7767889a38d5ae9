"""When documents are sent and by whom: calendar demand, stationary traffic, broadcasts.

Calendar demand. Each connected sender sends a Poisson stream at its kind's daily rate, spread
over the working periods by the calendar's within-day profile (`calendar.day_profile`: a
piecewise-constant rate, a morning and an afternoon peak by default), times the calendar's factor
for the day (reporting bursts x growth).
The superposition of independent Poisson streams is one Poisson stream at the summed rate whose
points belong to sender i with probability rate_i / total, so a working period is generated in
one go: a Poisson count, sorted times drawn from the profile's density over the period (one
uniform each, mapped through the piecewise-linear cumulative), senders by weighted choice. Each
element draws from its own stream ("arrivals:count", "arrivals:times", "arrivals:senders",
"priority", "size"), so changing, say, the size distribution leaves every send time and sender
unchanged.

Traffic. Validation scenarios replace the calendar with a stationary Poisson stream of
`rate_per_s` over the horizon, spread over explicit sender -> recipient flows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from topology.calendar import WorkCalendar
from topology.config import DemandConfig
from topology.streams import stream


@dataclass(frozen=True)
class Batch:
    """Documents of one working period (or of the whole traffic horizon), in time order."""

    times: np.ndarray
    senders: np.ndarray
    priorities: np.ndarray
    sizes: np.ndarray
    deadline: float
    """SLA deadline shared by every document of the period (nan: compute per document)."""
    flows: np.ndarray | None = None
    """Traffic mode: the flow index of each document (its recipient), else None."""


class SizeSampler:
    """Log-normal package sizes capped at max_kb (topology.config.DocumentSize), in blocks."""

    def __init__(self, config: DemandConfig, rng: np.random.Generator,
                 fixed_kb: float | None = None) -> None:
        self.mu = math.log(config.size.median_kb * 1024.0)
        self.sigma = config.size.sigma
        self.cap = config.size.max_kb * 1024.0
        self.rng = rng
        self.fixed = None if fixed_kb is None else fixed_kb * 1024.0

    def draw(self, n: int) -> np.ndarray:
        if self.fixed is not None:
            return np.full(n, self.fixed)
        return np.minimum(self.rng.lognormal(self.mu, self.sigma, n), self.cap)


class PrioritySampler:
    def __init__(self, config: DemandConfig, rng: np.random.Generator) -> None:
        self.cdf = np.cumsum(config.priority.shares())
        self.rng = rng

    def draw(self, n: int) -> np.ndarray:
        return np.searchsorted(self.cdf, self.rng.random(n), side="right").clip(0, 3)


def calendar_batches(calendar: WorkCalendar, senders: np.ndarray, rates_per_day: np.ndarray,
                     config: DemandConfig, seed: int, replication: int) -> Iterator[Batch]:
    """One batch per working period of the calendar, lazily (a season holds millions)."""
    count_rng = stream(seed, "arrivals:count", replication)
    time_rng = stream(seed, "arrivals:times", replication)
    sender_rng = stream(seed, "arrivals:senders", replication)
    priorities = PrioritySampler(config, stream(seed, "priority", replication))
    sizes = SizeSampler(config, stream(seed, "size", replication))
    total = float(rates_per_day.sum())
    cumulative = np.cumsum(rates_per_day) / total if total > 0 else None
    per_second = total / calendar.work_seconds_per_day
    shapes = [_PeriodShape(pieces) for pieces in calendar.config.profile_segments()]
    for day in calendar.days:
        if cumulative is None:
            break
        base = calendar.day_offset_s(day)
        factor = calendar.rate_factor(day)
        for (a, b), shape in zip(calendar.periods, shapes, strict=True):
            start, end = base + a, base + b
            n = int(count_rng.poisson(per_second * factor * shape.mass))
            if n == 0:
                continue
            times = np.sort(shape.times(time_rng, base, start, end, n))
            who = senders[np.searchsorted(cumulative, sender_rng.random(n), side="right")
                          .clip(0, len(senders) - 1)]
            deadline = calendar.sla_deadline(start)
            yield Batch(times, who, priorities.draw(n), sizes.draw(n), deadline)


class _PeriodShape:
    """One working period's piecewise-constant rate (pieces of the day profile, mean 1 over the
    working day): its mass (weighted seconds) and send times drawn from it."""

    def __init__(self, pieces: list[tuple[int, int, float]]) -> None:
        self.flat = len(pieces) == 1 and pieces[0][2] == 1.0
        self.lo = np.array([lo for lo, _, _ in pieces], dtype=float)
        self.weight = np.array([w for _, _, w in pieces], dtype=float)
        masses = np.array([(hi - lo) * w for lo, hi, w in pieces], dtype=float)
        self.cumulative = np.cumsum(masses)
        self.before = self.cumulative - masses
        self.mass = float(self.cumulative[-1])

    def times(self, rng: np.random.Generator, base: float, start: float, end: float,
              n: int) -> np.ndarray:
        if self.flat:
            return rng.uniform(start, end, n)
        u = rng.random(n) * self.mass
        piece = np.searchsorted(self.cumulative, u, side="right").clip(0, len(self.lo) - 1)
        return base + self.lo[piece] + (u - self.before[piece]) / self.weight[piece]


def traffic_batches(rate_per_s: float, shares: np.ndarray, horizon_s: float,
                    config: DemandConfig, size_kb: float | None, seed: int,
                    replication: int) -> Iterator[Batch]:
    """A stationary Poisson stream over [0, horizon), in chunks of about 100k documents."""
    time_rng = stream(seed, "arrivals:times", replication)
    flow_rng = stream(seed, "arrivals:senders", replication)
    priorities = PrioritySampler(config, stream(seed, "priority", replication))
    sizes = SizeSampler(config, stream(seed, "size", replication), size_kb)
    cumulative = np.cumsum(shares) / shares.sum()
    t = 0.0
    chunk = 100_000
    while True:
        gaps = time_rng.exponential(1.0 / rate_per_s, chunk)
        times = t + np.cumsum(gaps)
        times = times[times < horizon_s]
        n = len(times)
        if n == 0:
            return
        flows = np.searchsorted(cumulative, flow_rng.random(n), side="right").clip(
            0, len(shares) - 1)
        yield Batch(times, np.zeros(n, dtype=np.int64), priorities.draw(n), sizes.draw(n),
                    math.nan, flows)
        if n < chunk:
            return
        t = float(times[-1])
