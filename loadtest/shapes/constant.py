"""`constant`: the day's nominal rate throughout, lunch and evening included (a soak test)."""

from __future__ import annotations

from typing import Literal

from loadtest.shapes.base import Clock, LoadShape


class ConstantShape(LoadShape):
    kind: Literal["constant"] = "constant"

    def multiplier(self, elapsed: float, clock: Clock) -> float:
        return clock.day_factor

    def peak(self, clock: Clock) -> float:
        return clock.day_factor
