"""The model against what the national axis published: fitted figures and hold-outs.

DOMAIN.md says which published figures a scenario may be fitted to and which only check it. Each
set of figures here is one class (`PUBLISHED`): it fits its scenario (sim/demand_fit.py) and lists
its figures, each tagged `fit` (a target of the fit), `fit period` (published for the fitted
period but not used by the fit) or `hold-out` (later; reported, never fitted). The model's value
for a figure is an exact expectation: national documents and deliveries per working day at
factor 1 (`expected_national`) times the calendar's daily factors (growth x reporting bursts)
summed over the figure's working days, on the scenario's calendar stretched
over every figure's window, with the public holidays below. `lienthong demand-fit SCENARIO`
prints the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sim.demand_fit import (
    PUBLISHED_DELIVERIES,
    PUBLISHED_DOCUMENTS,
    PUBLISHED_DOCUMENTS_TO_21_JUL,
    SPLIT_DATE,
    Fit,
    NationalDemand,
    expected_national,
    fit_baseline,
    fit_month,
)
from topology.calendar import WorkCalendar
from topology.config import CalendarConfig, DemandConfig
from topology.demand import Demand
from topology.network import Network


def _days(year: int, month: int, *days: int) -> list[dt.date]:
    return [dt.date(year, month, day) for day in days]


PUBLIC_HOLIDAYS: tuple[dt.date, ...] = tuple(
    # Working days off by the Labour Code's public holidays (data): New Year, Tet, Hung Kings,
    # 30 Apr / 1 May, National Day, with the days moved when a holiday falls on a weekend.
    _days(2019, 1, 1) + _days(2019, 2, 4, 5, 6, 7, 8) + _days(2019, 4, 15, 29, 30)
    + _days(2019, 5, 1) + _days(2019, 9, 2)
    + _days(2020, 1, 1, 23, 24, 27, 28, 29) + _days(2020, 4, 2) + _days(2020, 5, 1)
    + _days(2020, 9, 2)
    + _days(2022, 1, 3, 31) + _days(2022, 2, 1, 2, 3, 4) + _days(2022, 4, 11)
    + _days(2022, 5, 2, 3) + _days(2022, 9, 1, 2))

Measure = Literal["sent", "received", "total"]
Role = Literal["fit", "fit period", "hold-out"]


@dataclass(frozen=True)
class Figure:
    """One published count over a window of days (both ends included)."""

    label: str
    measure: Measure
    first: dt.date
    last: dt.date
    published: float
    role: Role
    source: str
    per: tuple[dt.date, dt.date] | None = None
    """A ratio: the count over the window divided by the count over this one."""


@dataclass(frozen=True)
class Row:
    figure: Figure
    model: float

    @property
    def error(self) -> float:
        return self.model / self.figure.published - 1.0


class Evaluator:
    """Model counts over any window, from one national demand and one extended calendar."""

    def __init__(self, national: NationalDemand, demand: DemandConfig,
                 calendar: CalendarConfig, first: dt.date, last: dt.date) -> None:
        holidays = sorted(set(calendar.holidays) | set(PUBLIC_HOLIDAYS))
        extended = calendar.model_copy(update={"start": min(first, calendar.start),
                                               "end": max(last, calendar.end or last),
                                               "holidays": holidays})
        cal = WorkCalendar(extended, demand.growth, uptake=demand.uptake)
        self.factors = {day: cal.rate_factor(day) for day in cal.days}
        self.national = national

    def count(self, measure: Measure, first: dt.date, last: dt.date) -> float:
        days = sum(f for day, f in self.factors.items() if first <= day <= last)
        per_day = {"sent": self.national.documents, "received": self.national.deliveries,
                   "total": self.national.documents + self.national.deliveries}[measure]
        return per_day * days

    def value(self, figure: Figure) -> float:
        value = self.count(figure.measure, figure.first, figure.last)
        if figure.per is not None:
            value /= self.count(figure.measure, *figure.per)
        return value


class Published:
    """A set of published figures and the fit that goes with them."""

    name: str
    figures: tuple[Figure, ...]

    def fit(self, network: Network, demand: DemandConfig, calendar: CalendarConfig,
            curve: str) -> Fit:  # pragma: no cover - every set overrides it
        raise NotImplementedError

    def rows(self, network: Network, demand: DemandConfig, calendar: CalendarConfig
             ) -> list[Row]:
        """Every figure against the model as `demand` and `calendar` state it."""
        national = expected_national(network, Demand(network, demand))
        windows = [(f.first, f.last) for f in self.figures] + [f.per for f in self.figures
                                                                  if f.per]
        evaluator = Evaluator(national, demand, calendar, min(a for a, _ in windows),
                              max(b for _, b in windows))
        return [Row(figure, evaluator.value(figure)) for figure in self.figures]


OPENING = dt.date(2019, 3, 12)
SEED_AUG_2019 = "seed article (Aug 2019)"


class Baseline2019(Published):
    """baseline-2019: fitted to the 2019 counts; checked on the 2020 press figures."""

    name = "2019"
    figures = (
        Figure("sent by 21 Jul 2019", "sent", OPENING, SPLIT_DATE,
               PUBLISHED_DOCUMENTS_TO_21_JUL, "fit", SEED_AUG_2019),
        Figure("received by 21 Jul 2019", "received", OPENING, SPLIT_DATE, 203_553,
               "fit period", SEED_AUG_2019),
        Figure("sent by 30 Sep 2019", "sent", OPENING, dt.date(2019, 9, 30),
               PUBLISHED_DOCUMENTS, "fit", "seed article (Nov 2019)"),
        Figure("received by 30 Sep 2019", "received", OPENING, dt.date(2019, 9, 30),
               PUBLISHED_DELIVERIES, "fit", "seed article (Nov 2019)"),
        Figure("sent and received by 4 Feb 2020 ('nearly 1.25 million')", "total", OPENING,
               dt.date(2020, 2, 4), 1_250_000, "hold-out", "seed article (Feb 2020)"),
        Figure("sent and received in March 2020 ('about 200k a month')", "total",
               dt.date(2020, 3, 1), dt.date(2020, 3, 31), 200_000, "hold-out",
               "press quoting the minister"),
        Figure("sent and received by 1 Apr 2020 ('about 1.7 million')", "total", OPENING,
               dt.date(2020, 3, 31), 1_700_000, "hold-out", "press quoting the minister"),
        Figure("sent and received by 30 Apr 2020 (the same, read late)",
               "total", OPENING, dt.date(2020, 4, 30), 1_700_000, "hold-out",
               "press quoting the minister"),
        Figure("March 2020 / first month (12 Mar - 11 Apr 2019) ('5x')", "total",
               dt.date(2020, 3, 1), dt.date(2020, 3, 31), 5.0, "hold-out",
               "press quoting the minister", per=(OPENING, dt.date(2019, 4, 11))),
    )

    def fit(self, network: Network, demand: DemandConfig, calendar: CalendarConfig,
            curve: str) -> Fit:
        return fit_baseline(network, demand, calendar, curve)


JULY_2022 = (dt.date(2022, 7, 1), dt.date(2022, 7, 31))
JULY_2022_SENT = 135_164
JULY_2022_RECEIVED = 485_666


class Mid2022(Published):
    """mid-2022: fitted to July 2022; checked on January-July 2022."""

    name = "2022-07"
    figures = (
        Figure("sent in July 2022", "sent", *JULY_2022, JULY_2022_SENT, "fit",
               "ministry report"),
        Figure("received in July 2022", "received", *JULY_2022, JULY_2022_RECEIVED, "fit",
               "ministry report"),
        Figure("sent and received Jan-Jul 2022 (3.56 million)", "total", dt.date(2022, 1, 1),
               JULY_2022[1], 3_560_000, "hold-out", "ministry report"),
    )

    def fit(self, network: Network, demand: DemandConfig, calendar: CalendarConfig,
            curve: str) -> Fit:
        return fit_month(network, demand, calendar, JULY_2022_SENT, JULY_2022_RECEIVED)


PUBLISHED: dict[str, Published] = {p.name: p for p in (Baseline2019(), Mid2022())}
"""Every set of published figures by name (`lienthong demand-fit --against NAME`)."""


def published_for(calendar: CalendarConfig) -> Published | None:
    """The set whose fitted period the calendar starts in (2019 or 2022), if any."""
    return {2019: PUBLISHED["2019"], 2022: PUBLISHED["2022-07"]}.get(calendar.start.year)
