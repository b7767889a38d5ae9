"""`day`: the calendar's working day, compressed by the time scale (the default shape).

Scenario time runs `time_scale` times faster than real time from `start_of_day`; inside a
working period the multiplier is the calendar's factor for the day (reporting bursts, growth),
outside it is 0 (lunch, evening).
"""

from __future__ import annotations

from typing import Literal

from loadtest.shapes.base import DAY_S, Clock, LoadShape


class DayShape(LoadShape):
    kind: Literal["day"] = "day"

    def multiplier(self, elapsed: float, clock: Clock) -> float:
        time_of_day = clock.scenario_time(elapsed) % DAY_S
        working = any(start <= time_of_day < end for start, end in clock.periods)
        return clock.day_factor if working else 0.0

    def peak(self, clock: Clock) -> float:
        return clock.day_factor
