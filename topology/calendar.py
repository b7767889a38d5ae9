"""When documents are sent: working days and hours, reporting bursts, uptake growth, the SLA.

Times are seconds since midnight of the calendar's start date ("scenario time"), so the simulator
and the load test (which compresses scenario time by its time scale) speak of the same instants.

- Working time: Decree 30/2020 working hours (default 07:30-11:30 and 13:00-17:00), Mon-Fri,
  minus listed holidays.
- Reporting bursts: Decree 09/2019 cut-offs fall on the 14th; submissions follow a few working
  days later, so days `first_day`..`last_day` of each month carry `factor`, and of the quarter's
  last month (Mar, Jun, Sep, Dec) `quarter_end_factor`.
- Growth: the demand's growth points, interpolated linearly by date (flat beyond the ends),
  times its uptake curve when it has one (topology/uptake.py).
- SLA (Decree 28/2018, Decree 30/2020): a document sent on a working day must be delivered and
  acknowledged that day, at the latest by the end of the next working morning.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator, Sequence

from topology.config import CalendarConfig, GrowthPoint
from topology.uptake import Gompertz, Logistic

DAY_S = 86400.0
QUARTER_END_MONTHS = (3, 6, 9, 12)


class WorkCalendar:
    """Working days and periods of a scenario, in scenario time."""

    def __init__(self, config: CalendarConfig, growth: Sequence[GrowthPoint] = (),
                 days: int | None = None, uptake: Logistic | Gompertz | None = None) -> None:
        self.config = config
        self.periods = config.periods_seconds()
        self._holidays = set(config.holidays)
        self._weekdays = set(config.working_weekdays)
        self._growth = list(growth)
        self._uptake = uptake
        self.days = self._working_days(days)

    def _is_working(self, day: dt.date) -> bool:
        return day.weekday() in self._weekdays and day not in self._holidays

    def _working_days(self, count: int | None) -> list[dt.date]:
        """Working days from the start: `count` of them, else up to `end` (default: one)."""
        days: list[dt.date] = []
        day = self.config.start
        end = self.config.end
        limit = count if count is not None else (None if end is not None else 1)
        for _ in range(3660 * 2):
            if limit is not None and len(days) >= limit:
                break
            if limit is None and end is not None and day > end:
                break
            if self._is_working(day):
                days.append(day)
            day += dt.timedelta(days=1)
        if not days:
            raise ValueError("the calendar has no working day in its span")
        return days

    # -- time conversion ---------------------------------------------------------------------

    @property
    def start(self) -> dt.date:
        return self.config.start

    def day_offset_s(self, day: dt.date) -> float:
        return (day - self.config.start).days * DAY_S

    def to_datetime(self, t: float) -> dt.datetime:
        return dt.datetime.combine(self.config.start, dt.time()) + dt.timedelta(seconds=t)

    def to_time(self, when: dt.datetime) -> float:
        return (when - dt.datetime.combine(self.config.start, dt.time())).total_seconds()

    @property
    def work_seconds_per_day(self) -> float:
        return float(sum(end - start for start, end in self.periods))

    @property
    def horizon_s(self) -> float:
        """End of the last working period of the last working day."""
        return self.day_offset_s(self.days[-1]) + self.periods[-1][1]

    def working_intervals(self) -> Iterator[tuple[dt.date, float, float]]:
        """(day, start, end) of every working period, in scenario time, in order."""
        for day in self.days:
            base = self.day_offset_s(day)
            for start, end in self.periods:
                yield day, base + start, base + end

    # -- load factors ------------------------------------------------------------------------

    def burst_factor(self, day: dt.date) -> float:
        rep = self.config.reporting
        if rep.first_day <= day.day <= rep.last_day:
            return rep.quarter_end_factor if day.month in QUARTER_END_MONTHS else rep.factor
        return 1.0

    def growth_factor(self, day: dt.date) -> float:
        if self._uptake is not None:
            return self._points_factor(day) * self._uptake.factor(day)
        return self._points_factor(day)

    def _points_factor(self, day: dt.date) -> float:
        points = self._growth
        if not points:
            return 1.0
        dates = [p.date for p in points]
        i = bisect.bisect_right(dates, day)
        if i == 0:
            return points[0].factor
        if i == len(points):
            return points[-1].factor
        a, b = points[i - 1], points[i]
        span = (b.date - a.date).days
        return a.factor + (b.factor - a.factor) * (day - a.date).days / span

    def rate_factor(self, day: dt.date) -> float:
        """Multiplier on every agency's daily rate for this day."""
        return self.burst_factor(day) * self.growth_factor(day)

    # -- the legal delivery window -----------------------------------------------------------

    def next_working_day(self, day: dt.date) -> dt.date:
        nxt = day + dt.timedelta(days=1)
        while not self._is_working(nxt):
            nxt += dt.timedelta(days=1)
        return nxt

    def sla_deadline(self, sent_at: float) -> float:
        """Scenario time by which a document sent at `sent_at` must be acknowledged: the end of
        the first working period of the working day after the (working) day it was sent."""
        day = self.to_datetime(sent_at).date()
        if not self._is_working(day):
            day = self.next_working_day(day)
        deadline_day = self.next_working_day(day)
        return self.day_offset_s(deadline_day) + self.periods[0][1]
