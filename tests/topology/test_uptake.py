"""The uptake curve: 1 at its reference date, levels off, carries the connection counts."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from topology.calendar import WorkCalendar
from topology.config import CalendarConfig, DemandConfig
from topology.uptake import ConnectionCount, Gompertz, Logistic

CONNECTIONS = [ConnectionCount(date=dt.date(2019, 3, 12), points=95),
               ConnectionCount(date=dt.date(2020, 4, 1), points=129)]


def logistic(**kw: object) -> Logistic:
    values = dict(reference=dt.date(2019, 9, 30), midpoint=dt.date(2019, 5, 31),
                  rate_per_month=1.29, connections=CONNECTIONS)
    values.update(kw)
    return Logistic(**values)  # type: ignore[arg-type]


def test_factor_is_one_at_the_reference_and_half_adoption_at_the_midpoint() -> None:
    curve = logistic()
    assert curve.factor(dt.date(2019, 9, 30)) == pytest.approx(1.0)
    assert curve.adoption(dt.date(2019, 5, 31)) == pytest.approx(0.5)
    gompertz = Gompertz(reference=dt.date(2019, 9, 30), midpoint=dt.date(2019, 5, 31),
                        rate_per_month=1.0)
    assert gompertz.adoption(dt.date(2019, 5, 31)) == pytest.approx(1 / 2.718281828, rel=1e-6)


def test_it_levels_off_and_then_grows_only_with_the_connections() -> None:
    curve = logistic(connections=[])
    late = [curve.factor(dt.date(2020, m, 1)) for m in (1, 3, 5)]
    assert late[0] == pytest.approx(late[-1], rel=0.01)  # flat: adoption has levelled off
    with_points = logistic()
    ratio = with_points.factor(dt.date(2020, 6, 1)) / curve.factor(dt.date(2020, 6, 1))
    assert ratio == pytest.approx(129 / with_points.points(dt.date(2019, 9, 30)), rel=1e-9)
    assert with_points.points(dt.date(2018, 1, 1)) == 95  # flat before the first count


def test_connections_are_linear_between_counts() -> None:
    curve = logistic()
    middle = dt.date(2019, 3, 12) + (dt.date(2020, 4, 1) - dt.date(2019, 3, 12)) / 2
    assert curve.points(middle) == pytest.approx(112.0, abs=0.05)


def test_the_calendar_multiplies_points_and_uptake() -> None:
    curve = logistic()
    calendar = WorkCalendar(CalendarConfig(start=dt.date(2019, 6, 3)), uptake=curve)
    assert calendar.growth_factor(dt.date(2019, 6, 3)) == pytest.approx(
        curve.factor(dt.date(2019, 6, 3)))


def test_bad_uptake_is_refused() -> None:
    with pytest.raises(ValidationError, match="strictly increasing"):
        logistic(connections=list(reversed(CONNECTIONS)))
    with pytest.raises(ValidationError, match="rate_per_month"):
        logistic(rate_per_month=0.0)
    with pytest.raises(ValidationError, match="curve"):
        DemandConfig.model_validate({"uptake": {"curve": "linear", "reference": "2019-09-30",
                                                "midpoint": "2019-05-31",
                                                "rate_per_month": 1.0}})
