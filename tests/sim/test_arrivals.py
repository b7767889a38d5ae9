"""Calendar arrivals: working hours only, the daily volume the demand says, reproducible."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.arrivals import calendar_batches
from topology.calendar import WorkCalendar
from topology.config import CalendarConfig, DemandConfig, GrowthPoint


def _batches(seed: int = 1, growth: list[GrowthPoint] | None = None) -> list:
    config = CalendarConfig(start=dt.date(2020, 6, 1), end=dt.date(2020, 6, 30))
    calendar = WorkCalendar(config, growth or [])
    senders = np.arange(100)
    rates = np.full(100, 50.0)  # 5,000 documents per working day
    return list(calendar_batches(calendar, senders, rates, DemandConfig(), seed, 0)), calendar


def test_documents_fall_inside_working_periods_only() -> None:
    batches, calendar = _batches()
    spans = [(start, end) for _, start, end in calendar.working_intervals()]
    for batch in batches:
        assert any(start <= batch.times[0] and batch.times[-1] <= end for start, end in spans)
        assert np.all(np.diff(batch.times) >= 0)


def test_daily_volume_follows_rate_and_reporting_bursts() -> None:
    batches, calendar = _batches()
    total = sum(len(b.times) for b in batches)
    expected = sum(5000.0 * calendar.rate_factor(day) for day in calendar.days)
    assert total == pytest.approx(expected, rel=0.01)
    per_day: dict[int, int] = {}
    for batch in batches:
        day = int(batch.times[0] // 86400)
        per_day[day] = per_day.get(day, 0) + len(batch.times)
    assert per_day[16] / per_day[1] == pytest.approx(1.6, rel=0.1)  # 17 Jun: quarter-end burst


def test_growth_scales_the_volume() -> None:
    flat, _ = _batches()
    grown, _ = _batches(growth=[GrowthPoint(date=dt.date(2020, 6, 1), factor=2.0)])
    ratio = sum(len(b.times) for b in grown) / sum(len(b.times) for b in flat)
    assert ratio == pytest.approx(2.0, rel=0.02)


def test_same_seed_same_arrivals() -> None:
    a, _ = _batches(seed=3)
    b, _ = _batches(seed=3)
    c, _ = _batches(seed=4)
    assert all(np.array_equal(x.times, y.times) and np.array_equal(x.senders, y.senders)
               for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0].times, c[0].times)


def _hourly_counts(batches: list, calendar: WorkCalendar) -> dict[int, int]:
    counts: dict[int, int] = {}
    for batch in batches:
        for t in batch.times:
            half_hour = int((t % 86400) // 1800)
            counts[half_hour] = counts.get(half_hour, 0) + 1
    return counts


def test_the_day_profile_shapes_arrivals_and_keeps_the_daily_volume() -> None:
    shaped, calendar = _batches()
    flat_config = CalendarConfig(start=dt.date(2020, 6, 1), end=dt.date(2020, 6, 30),
                                 day_profile={})
    flat_calendar = WorkCalendar(flat_config)
    flat = list(calendar_batches(flat_calendar, np.arange(100), np.full(100, 50.0),
                                 DemandConfig(), 1, 0))
    total_shaped = sum(len(b.times) for b in shaped)
    assert total_shaped == pytest.approx(sum(len(b.times) for b in flat), rel=0.01)
    counts = _hourly_counts(shaped, calendar)
    # 09:00-09:30 (peak, 1.446 x mean) against 07:30-08:00 (0.482 x mean): ratio 3
    assert counts[18] / counts[15] == pytest.approx(3.0, rel=0.05)
    # the afternoon peak 15:00-16:30 against 13:00-14:00
    assert (counts[30] + counts[31] + counts[32]) / (counts[26] + counts[27]) * 2 / 3 == \
        pytest.approx(3.0, rel=0.05)
    mean_per_half_hour = total_shaped / 16 / len(calendar.days)
    peak = max(counts.values()) / len(calendar.days)
    ratio = peak / mean_per_half_hour
    assert ratio == pytest.approx(calendar.config.peak_to_mean(), rel=0.05)
    flat_counts = _hourly_counts(flat, flat_calendar)
    assert max(flat_counts.values()) / min(flat_counts.values()) < 1.1


def test_a_profile_without_weight_in_working_time_is_refused() -> None:
    with pytest.raises(ValueError, match="weight 0"):
        CalendarConfig(day_profile={"07:00": 0.0, "18:00": 1.0})
    with pytest.raises(ValueError, match="HH:MM"):
        CalendarConfig(day_profile={"7h": 1.0})
