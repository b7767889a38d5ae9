"""`step`: the rate rises by `increase` every `every_s` real seconds - find the latency knee.

Multipliers 1, 1 + increase, 1 + 2 increase, ... times the day factor: a stepped ramp holds
each rate long enough for the axis's queues to settle, so each step is a point on the
throughput/latency curve.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field

from loadtest.shapes.base import Clock, LoadShape


class StepShape(LoadShape):
    kind: Literal["step"] = "step"
    every_s: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = Field(
        default=10.0, description="Real seconds each step lasts.")
    increase: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = Field(
        default=0.5, description="What each step adds to the multiplier.")

    def multiplier(self, elapsed: float, clock: Clock) -> float:
        return clock.day_factor * (1.0 + math.floor(elapsed / self.every_s) * self.increase)

    def peak(self, clock: Clock) -> float:
        steps = math.floor(clock.load_s / self.every_s)
        return clock.day_factor * (1.0 + steps * self.increase)
