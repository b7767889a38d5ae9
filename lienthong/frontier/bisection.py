"""Bisection of one replication's threshold multiplier, one point at a time.

The search is a small state machine rather than a loop, because its points run elsewhere (a
process pool, a Dask cluster) and come back when they come back: `next_point()` says which
multiplier to run, `record(m, meets)` takes the outcome. First it brackets the threshold:
from `start`, multiply by `step` while the SLA holds (up to `upper`), divide while it does not
(down to `lower`). Then it halves the bracket [lo meets, hi fails] at its geometric middle until
hi / lo <= 1 + resolution, and estimates the threshold as sqrt(lo * hi): within +-resolution/2
of any multiplier in the bracket. When the SLA still holds at `upper` the answer is "at least
upper" (censored above); when it fails at `lower`, "below lower" (censored below).

Geometric, not arithmetic, halving: the question is relative ("within 5%"), and a run's cost
grows with the multiplier, so each step should cut the same ratio.

Going up, a run that met the SLA also says how busy its busiest axis was (`utilization`, over
the measurement window). Work grows in proportion to the demand, so a run at m with its busiest
axis u busy puts full utilisation near m / u (a little beyond: idle polls do not grow with m).
When u is known and below `SATURATED`, the next point is that guess, at least m x (1 + 4 x
resolution) and at most m x `MAX_JUMP` (and `upper`): a lightly loaded scenario reaches its
knee in two or three runs instead of doubling from x1 (the last doubling, the costliest run,
often overshoots by 2x). At or above `SATURATED` utilisation no longer predicts anything (the
SLA may hold well beyond saturation: the legal window runs to the next morning) and the search
climbs by `SATURATED_STEP`. The guess only chooses where to look: the answer is still the bracket
[lo meets, hi fails] closed to the resolution, and every choice depends only on this
replication's own outcomes. A search started near its threshold already (a later replication,
started from the earlier ones' answer) is unguided: it only steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Threshold:
    """What one replication's search found."""

    estimate: float
    """sqrt(lo * hi) when bracketed; the bound itself when censored."""
    lo: float | None
    """Largest multiplier run that met the SLA (None if none did)."""
    hi: float | None
    """Smallest multiplier run that missed it (None if none did)."""
    censored: Literal["above", "below"] | None
    runs: int


MAX_JUMP = 64.0
"""The most a utilisation guess may multiply the last multiplier that met the SLA."""
SATURATED = 0.9
"""Busiest-axis utilisation from which the guess is no longer used."""
SATURATED_STEP = 1.25
"""The step up from a saturated run that still met the SLA."""


class ThresholdSearch:
    """Finds the largest multiplier at which one replication meets the SLA."""

    def __init__(self, start: float, lower: float, upper: float, resolution: float,
                 step: float = 2.0, guided: bool = True) -> None:
        if not 0 < lower <= start <= upper:
            raise ValueError(f"need 0 < lower <= start <= upper, got {lower}, {start}, {upper}")
        if resolution <= 0 or step <= 1:
            raise ValueError("resolution must be positive and step above 1")
        self.lower, self.upper, self.resolution, self.step = lower, upper, resolution, step
        self.guided = guided
        """Whether utilisation may guide the climb (a search that starts near its threshold
        already, from earlier replications' answers, only steps)."""
        self.lo: float | None = None
        self.hi: float | None = None
        self.lo_utilization: float | None = None
        """Busiest-axis utilisation of the run at `lo`, if reported."""
        self.runs = 0
        self._next: float | None = start

    def next_point(self) -> float | None:
        """The multiplier to run next, or None when the search is over."""
        return self._next

    def record(self, multiplier: float, meets: bool, utilization: float | None = None) -> None:
        """The outcome of the run at `multiplier`; `utilization`, the busiest axis's busy share
        in that run, guides the climb (module docstring)."""
        if multiplier != self._next:
            raise ValueError(f"expected the outcome at {self._next}, got {multiplier}")
        self.runs += 1
        if meets:
            if self.lo is None or multiplier > self.lo:
                self.lo, self.lo_utilization = multiplier, utilization
        else:
            self.hi = multiplier if self.hi is None else min(self.hi, multiplier)
        self._next = self._choose()

    def _choose(self) -> float | None:
        lo, hi = self.lo, self.hi
        if hi is None:  # everything so far met the SLA: go up
            assert lo is not None
            return None if lo >= self.upper else min(self._up(lo), self.upper)
        if lo is None:  # everything so far missed it: go down
            return None if hi <= self.lower else max(hi / self.step, self.lower)
        if hi <= lo * (1.0 + self.resolution) * (1.0 + 1e-12):  # a step of 1 + resolution
            return None  # down from hi lands a rounding below it: the bracket is closed
        return math.sqrt(lo * hi)

    def _up(self, lo: float) -> float:
        u = self.lo_utilization
        if not self.guided or u is None or u <= 0:  # unguided, or nothing measured: no guess
            return lo * self.step
        if u >= SATURATED:
            return lo * min(self.step, SATURATED_STEP)
        guess = lo / u
        return min(max(guess, lo * (1.0 + 4.0 * self.resolution)), lo * MAX_JUMP)

    @property
    def done(self) -> bool:
        return self._next is None

    def result(self) -> Threshold:
        if not self.done:
            raise ValueError("the search is not over")
        if self.hi is None:
            return Threshold(self.upper, self.lo, None, "above", self.runs)
        if self.lo is None:
            return Threshold(self.lower, None, self.hi, "below", self.runs)
        return Threshold(math.sqrt(self.lo * self.hi), self.lo, self.hi, None, self.runs)
