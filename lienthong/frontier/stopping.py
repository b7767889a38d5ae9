"""When to stop adding replications: JMT's relative-precision rule.

JMT (the Java Modelling Tools' simulator) runs until the confidence interval of each measure is
narrow relative to its value: half-width / mean <= the "maximum relative error". Here the
measure is the frontier itself, the mean over replications of each replication's threshold
multiplier (its 95% Student t interval, `sim.stats.mean_ci95`), and the error is `--precision`.
At least `min_replications` are run (an interval from two values is too wide to trust its own
width), at most `max_replications` (then the row says the precision was not met).

Replications censored at a bound carry the bound as their value: if all are, the answer is the
bound itself ("at least" or "below") and there is nothing left to estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.stats import mean_ci95


@dataclass(frozen=True)
class Estimate:
    mean: float
    half_width: float | None
    n: int

    @property
    def relative_half_width(self) -> float | None:
        if self.half_width is None or self.mean == 0:
            return None
        return self.half_width / abs(self.mean)

    @property
    def ci95(self) -> tuple[float, float] | None:
        if self.half_width is None:
            return None
        return (self.mean - self.half_width, self.mean + self.half_width)


def estimate(values: Sequence[float]) -> Estimate:
    mean, half = mean_ci95(values)
    if mean is None:
        raise ValueError("no values to estimate from")
    return Estimate(mean, half, len(values))


@dataclass(frozen=True)
class StoppingRule:
    precision: float
    min_replications: int = 3
    max_replications: int = 20

    def __post_init__(self) -> None:
        if not 0 < self.precision < 1:
            raise ValueError(f"precision {self.precision}: expected a fraction in (0, 1)")
        if not 2 <= self.min_replications <= self.max_replications:
            raise ValueError("need 2 <= min_replications <= max_replications")

    def precise(self, values: Sequence[float], all_censored: bool = False) -> bool:
        """True when the interval of the mean is within the precision (or every replication
        sat at the same bound: nothing to estimate)."""
        if len(values) < self.min_replications:
            return False
        if all_censored:
            return True
        relative = estimate(values).relative_half_width
        return relative is not None and relative <= self.precision

    def done(self, values: Sequence[float], all_censored: bool = False) -> bool:
        return self.precise(values, all_censored) or len(values) >= self.max_replications
