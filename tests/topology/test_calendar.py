import datetime as dt

import pytest

from topology.calendar import WorkCalendar
from topology.config import CalendarConfig, GrowthPoint


def test_working_days_skip_weekends_and_holidays():
    config = CalendarConfig(start=dt.date(2019, 3, 12), end=dt.date(2019, 3, 22),
                            holidays=[dt.date(2019, 3, 14)])
    calendar = WorkCalendar(config)
    assert dt.date(2019, 3, 14) not in calendar.days
    assert dt.date(2019, 3, 16) not in calendar.days  # Saturday
    assert len(calendar.days) == 8
    assert calendar.work_seconds_per_day == 8 * 3600


def test_a_fixed_number_of_days_overrides_the_end():
    calendar = WorkCalendar(CalendarConfig(start=dt.date(2020, 6, 1)), days=6)
    assert calendar.days[-1] == dt.date(2020, 6, 8)  # Mon..Fri, then Monday


def test_reporting_bursts_after_the_cut_off_and_larger_at_quarter_end():
    calendar = WorkCalendar(CalendarConfig())
    assert calendar.burst_factor(dt.date(2020, 5, 18)) == pytest.approx(1.3)
    assert calendar.burst_factor(dt.date(2020, 6, 16)) == pytest.approx(1.6)
    assert calendar.burst_factor(dt.date(2020, 6, 2)) == 1.0


def test_growth_interpolates_between_points_and_is_flat_outside():
    growth = [GrowthPoint(date=dt.date(2019, 3, 1), factor=1.0),
              GrowthPoint(date=dt.date(2019, 3, 31), factor=4.0)]
    calendar = WorkCalendar(CalendarConfig(), growth)
    assert calendar.growth_factor(dt.date(2019, 3, 16)) == pytest.approx(2.5)
    assert calendar.growth_factor(dt.date(2019, 1, 1)) == 1.0
    assert calendar.growth_factor(dt.date(2020, 1, 1)) == 4.0


def test_sla_deadline_is_the_end_of_the_next_working_morning():
    calendar = WorkCalendar(CalendarConfig(start=dt.date(2020, 6, 1)))  # a Monday
    friday_afternoon = calendar.to_time(dt.datetime(2020, 6, 5, 16, 0))
    deadline = calendar.to_datetime(calendar.sla_deadline(friday_afternoon))
    assert deadline == dt.datetime(2020, 6, 8, 11, 30)
    saturday = calendar.to_time(dt.datetime(2020, 6, 6, 9, 0))
    assert calendar.to_datetime(calendar.sla_deadline(saturday)) == dt.datetime(2020, 6, 9, 11, 30)
