"""`spike`: `factor` times the rate for `duration_s` from `at_s` (a broadcast or a reporting
burst), the nominal rate before and after - does the backlog drain, and how fast?"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from loadtest.shapes.base import Clock, LoadShape


class SpikeShape(LoadShape):
    kind: Literal["spike"] = "spike"
    at_s: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] = Field(
        default=20.0, description="Real seconds into the run the spike starts.")
    duration_s: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = 10.0
    factor: Annotated[float, Field(ge=1.0, le=1000.0)] = 5.0

    def multiplier(self, elapsed: float, clock: Clock) -> float:
        inside = self.at_s <= elapsed < self.at_s + self.duration_s
        return clock.day_factor * (self.factor if inside else 1.0)

    def peak(self, clock: Clock) -> float:
        return clock.day_factor * self.factor

    def check(self, run_time_s: float) -> None:
        if self.at_s >= run_time_s:
            raise ValueError(f"shape.at_s ({self.at_s:g}) is not before run_time_s "
                             f"({run_time_s:g})")
