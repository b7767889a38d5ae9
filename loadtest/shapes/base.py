"""What every load shape is: a strict config that says how the send rate moves over a run.

In an open model the load is a rate, not a number of users: users are agency systems and stay
for the whole run, and each sender's Poisson arrivals follow `rate(t) = nominal * multiplier(t)`
(thinned from the peak, so arrivals never wait on the system under test). A shape is therefore
two functions of the run's clock, as Locust's `LoadTestShape.tick` is one: the multiplier at a
moment, and an upper bound of it over the run (for thinning). Each shape lives in its own
module with its own fields, like k6's executors; `loadtest.shapes` joins them.
"""

from __future__ import annotations

from dataclasses import dataclass

from topology.config import StrictModel

DAY_S = 86400.0


@dataclass(frozen=True)
class Clock:
    """The run's timing, which every shape sees: how long sending lasts (real seconds), how
    fast scenario time runs, where in the scenario day it starts, the calendar's working
    periods (seconds after midnight) and the first day's rate factor (bursts, growth)."""

    load_s: float
    time_scale: float
    start_of_day_s: float
    periods: tuple[tuple[float, float], ...]
    day_factor: float = 1.0

    def scenario_time(self, elapsed: float) -> float:
        """Scenario time of day (seconds after midnight) at `elapsed` real seconds."""
        return self.start_of_day_s + elapsed * self.time_scale


class LoadShape(StrictModel):
    """A load shape's config and behaviour; subclasses set `kind` to a `Literal` of their name."""

    kind: str

    def multiplier(self, elapsed: float, clock: Clock) -> float:
        """The rate multiplier at `elapsed` real seconds into the sending phase (>= 0)."""
        raise NotImplementedError

    def peak(self, clock: Clock) -> float:
        """An upper bound of `multiplier` over the run (arrivals are thinned from it)."""
        raise NotImplementedError

    def check(self, run_time_s: float) -> None:
        """Refuse (ValueError, one line) a config that cannot work in a run this long."""
