"""How the send rate moves during a run: one small class per load shape, joined here.

A scenario names its shape in `[loadtest.shape]` (`kind = "step"` and that shape's own keys) or
as a bare name (`shape = "step"`, the shape's defaults). To add a shape, write a module beside
these with a `LoadShape` subclass (its `kind` a `Literal` of its name, its fields its config)
and add the class to `SHAPES`: the scenario schema, `--set loadtest.shape.kind=...` and the
error listing the known kinds follow from that one tuple.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import Field

from loadtest.shapes.base import Clock, LoadShape
from loadtest.shapes.constant import ConstantShape
from loadtest.shapes.day import DayShape
from loadtest.shapes.spike import SpikeShape
from loadtest.shapes.step import StepShape

SHAPES = (DayShape, ConstantShape, StepShape, SpikeShape)

AnyShape = Annotated[DayShape | ConstantShape | StepShape | SpikeShape,
                     Field(discriminator="kind")]
"""The scenario schema's type for `[loadtest.shape]`: pydantic picks the class by `kind`."""

__all__ = ["SHAPES", "AnyShape", "Clock", "LoadShape", "RateProfile", "arrivals"]


@dataclass(frozen=True)
class RateProfile:
    """A shape on a run's clock: what the users' arrival processes ask."""

    shape: LoadShape
    clock: Clock

    @property
    def kind(self) -> str:
        return self.shape.kind

    @property
    def load_s(self) -> float:
        return self.clock.load_s

    @property
    def start_of_day_s(self) -> float:
        return self.clock.start_of_day_s

    def scenario_time(self, elapsed: float) -> float:
        return self.clock.scenario_time(elapsed)

    def multiplier(self, elapsed: float) -> float:
        """0 outside the sending phase, the shape's multiplier inside it."""
        if elapsed < 0 or elapsed >= self.clock.load_s:
            return 0.0
        return self.shape.multiplier(elapsed, self.clock)

    def peak(self) -> float:
        return self.shape.peak(self.clock)

    def mean(self, points_max: int = 20_000) -> float:
        """Average multiplier over the load phase (intended rate = nominal * mean)."""
        resolution_s = max(0.01, self.clock.load_s / points_max)
        points = np.arange(resolution_s / 2, self.clock.load_s, resolution_s)
        if points.size == 0:
            return 0.0
        return float(np.mean([self.multiplier(float(t)) for t in points]))


def arrivals(rate_per_s: float, profile: RateProfile,
             rng: np.random.Generator) -> Iterator[float]:
    """Intended send times (real seconds from the run's start) of one sender: a Poisson process
    of rate `rate_per_s * multiplier(t)`, by thinning a process at the peak rate."""
    peak = rate_per_s * profile.peak()
    if peak <= 0:
        return
    t = 0.0
    while True:
        t += rng.exponential(1.0 / peak)
        if t >= profile.load_s:
            return
        if rng.random() * peak < rate_per_s * profile.multiplier(t):
            yield t
