"""Growth of demand over time as a curve that levels off: uptake per connection x connections.

Traffic on a new national system grows because more bodies connect and because each connected
body moves more of its paper to it; the second stops when a body sends all it has electronically.
So the demand multiplier for a day is

    factor(day) = adoption(day) / adoption(reference) x points(day) / points(reference)

- `points(day)`: connection points of the national axis, linear between dated counts and flat
  beyond them (data: 95 at the opening on 12 Mar 2019, 129 by about April 2020; DOMAIN.md).
  A body that connects later sends and receives like an average one (assumption).
- `adoption(day)`: the share of its eventual use a connected body has reached, an S-curve in
  time with a `midpoint` (date) and a `rate_per_month`, one class per curve kind (logistic,
  Gompertz); it levels off at 1.
- `reference`: the date at which the scenario's `documents_per_day` are stated (factor 1).

The curve's parameters are fitted in `sim/demand_fit.py` from the 2019 counts (see there for which
data fix which parameter); later published figures check it and never set it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from typing import Annotated, Literal

from pydantic import Field, field_validator

from topology.strict import StrictModel

Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
MONTH_DAYS = 30.44
"""Mean days per month (365.25 / 12), the unit of `rate_per_month`."""


class ConnectionCount(StrictModel):
    """Connection points of the national axis at a date."""

    date: dt.date
    points: Annotated[int, Field(ge=1)]


class _Uptake(StrictModel):
    reference: dt.date = Field(description="Date at which documents_per_day hold (factor 1).")
    midpoint: dt.date = Field(description="Inflection of the adoption curve.")
    rate_per_month: Positive = Field(description="Steepness of the adoption curve, per month.")
    connections: list[ConnectionCount] = Field(
        default_factory=list,
        description="Connection points at dates (linear between, flat beyond); empty: constant.",
    )

    @field_validator("connections")
    @classmethod
    def _in_date_order(cls, value: list[ConnectionCount]) -> list[ConnectionCount]:
        dates = [point.date for point in value]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("connections must have strictly increasing dates")
        return value

    def months(self, day: dt.date) -> float:
        """Months from the midpoint to `day` (negative before it)."""
        return (day - self.midpoint).days / MONTH_DAYS

    def adoption(self, day: dt.date) -> float:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    def points(self, day: dt.date) -> float:
        counts = self.connections
        if not counts:
            return 1.0
        dates = [c.date for c in counts]
        i = bisect.bisect_right(dates, day)
        if i == 0:
            return float(counts[0].points)
        if i == len(counts):
            return float(counts[-1].points)
        a, b = counts[i - 1], counts[i]
        return a.points + (b.points - a.points) * (day - a.date).days / (b.date - a.date).days

    def factor(self, day: dt.date) -> float:
        """Demand multiplier on `day`, 1 at the reference date."""
        ref = self.reference
        return (self.adoption(day) / self.adoption(ref)) * (self.points(day) / self.points(ref))


class Logistic(_Uptake):
    """adoption = 1 / (1 + exp(-rate x months from midpoint)): symmetric, half-way at midpoint."""

    curve: Literal["logistic"] = "logistic"

    def adoption(self, day: dt.date) -> float:
        x = -self.rate_per_month * self.months(day)
        return 1.0 / (1.0 + math.exp(min(x, 700.0)))

    @staticmethod
    def months_to_midpoint(share: float, rate: float) -> float:
        """Months after the midpoint at which adoption reaches `share`."""
        return math.log(share / (1.0 - share)) / rate


class Gompertz(_Uptake):
    """adoption = exp(-exp(-rate x months from midpoint)): quick rise, slow approach to 1
    (1/e at the midpoint, its inflection)."""

    curve: Literal["gompertz"] = "gompertz"

    def adoption(self, day: dt.date) -> float:
        x = -self.rate_per_month * self.months(day)
        return math.exp(-math.exp(min(x, 700.0)))

    @staticmethod
    def months_to_midpoint(share: float, rate: float) -> float:
        return -math.log(-math.log(share)) / rate


UPTAKE_CURVES: dict[str, type[_Uptake]] = {"logistic": Logistic, "gompertz": Gompertz}
"""Every adoption-curve kind by its `curve` tag: a new kind is a class here and in `Uptake`."""

Uptake = Annotated[Logistic | Gompertz, Field(discriminator="curve")]
