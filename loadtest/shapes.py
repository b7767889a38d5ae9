"""How the send rate moves during a run: the working day compressed, a step ramp, a spike.

In an open model the load is a rate, not a number of users: users are agency systems and stay
for the whole run, and each sender's Poisson arrivals follow `rate(t) = nominal * multiplier(t)`
(thinned from the peak, so arrivals never wait on the system under test). The Locust
`LoadTestShape` in the locustfile only keeps the user count and ends the run after the drain.

- day: scenario time runs `time_scale` times faster than real time from `start_of_day`; inside a
  working period the multiplier is the calendar's factor for the day (reporting bursts, growth),
  outside it is 0 (lunch, evening).
- constant: the day factor throughout.
- step: 1, 1 + step_increase, 1 + 2 step_increase, ... every step_s: the load rises until the
  axis's latency knee shows.
- spike: spike_factor times the rate for spike_duration_s from spike_at_s (a broadcast or a
  reporting burst).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DAY_S = 86400.0


@dataclass(frozen=True)
class RateProfile:
    kind: str
    load_s: float
    time_scale: float
    start_of_day_s: float
    periods: tuple[tuple[float, float], ...]
    day_factor: float = 1.0
    step_s: float = 10.0
    step_increase: float = 0.5
    spike_at_s: float = 0.0
    spike_duration_s: float = 0.0
    spike_factor: float = 1.0

    def scenario_time(self, elapsed: float) -> float:
        """Scenario time of day (seconds after midnight) at `elapsed` real seconds."""
        return self.start_of_day_s + elapsed * self.time_scale

    def multiplier(self, elapsed: float) -> float:
        if elapsed < 0 or elapsed >= self.load_s:
            return 0.0
        if self.kind == "day":
            time_of_day = self.scenario_time(elapsed) % DAY_S
            working = any(start <= time_of_day < end for start, end in self.periods)
            return self.day_factor if working else 0.0
        if self.kind == "step":
            return self.day_factor * (1.0 + math.floor(elapsed / self.step_s) * self.step_increase)
        if self.kind == "spike":
            inside = self.spike_at_s <= elapsed < self.spike_at_s + self.spike_duration_s
            return self.day_factor * (self.spike_factor if inside else 1.0)
        return self.day_factor

    def peak(self) -> float:
        """An upper bound of the multiplier over the run (for thinning)."""
        if self.kind == "step":
            steps = math.floor(self.load_s / self.step_s)
            return self.day_factor * (1.0 + steps * self.step_increase)
        if self.kind == "spike":
            return self.day_factor * self.spike_factor
        return self.day_factor

    def mean(self, points_max: int = 20_000) -> float:
        """Average multiplier over the load phase (intended rate = nominal * mean)."""
        resolution_s = max(0.01, self.load_s / points_max)
        points = np.arange(resolution_s / 2, self.load_s, resolution_s)
        if points.size == 0:
            return 0.0
        return float(np.mean([self.multiplier(float(t)) for t in points]))


def arrivals(rate_per_s: float, profile: RateProfile, rng: np.random.Generator,
             start: float = 0.0):
    """Intended send times (real seconds from the run's start) of one sender: a Poisson process
    of rate `rate_per_s * multiplier(t)`, by thinning a process at the peak rate."""
    peak = rate_per_s * profile.peak()
    if peak <= 0:
        return
    t = start
    while True:
        t += rng.exponential(1.0 / peak)
        if t >= profile.load_s:
            return
        if rng.random() * peak < rate_per_s * profile.multiplier(t):
            yield t
