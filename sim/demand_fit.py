"""Fitting baseline-2019 to what the national axis published, and the expected counts behind it.

Published (DOMAIN.md): 68,257 documents sent on the national axis from 12 Mar to 21 Jul 2019,
163,107 sent and 488,165 received from 12 Mar to 30 Sep 2019. Only traffic whose route crosses
the national axis is counted there; traffic inside a province (departments to their People's
Committee through the LGSP) is not.

Three things are fitted, everything else keeps its documented default:

1. Growth: connections and use grew through 2019 (68,257 documents in the first 19 weeks,
   94,850 in the next 10). demand.growth is exponential, exp(k * months before 30 Sep), given as
   points on the 1st of each month (linear between them), 1 on 30 Sep; k makes the share of the
   season's documents sent by 21 Jul equal 68,257 / 163,107, the calendar's reporting bursts
   and holidays included. (A linear ramp cannot: even from zero it puts too much early.)
2. and 3. Daily rates of the two kinds of senders that reach the national axis in 2019: central
   bodies and provincial People's Committees (provincial departments only write inside their
   province). Two linear equations: national documents = 163,107 and national deliveries =
   488,165 over the season. A central body's document fans out wider (down to 63 provinces,
   across 31 bodies) than a province's (up to the Government Office or across to other
   provinces), so the two targets pin the two rates. The recipient fan-out parameter lambda is
   re-solved by the demand model after each change (it depends weakly on the rates), so the fit
   iterates a few times.

All expectations here are exact (sums over sender profiles and candidate recipients), not
sampled, so the fit is deterministic; the simulation then reproduces the counts up to Poisson
noise (tests/sim/test_calibration.py).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from topology.agencies import NATIONAL_AXIS
from topology.calendar import WorkCalendar
from topology.config import CalendarConfig, DemandConfig, GrowthPoint
from topology.demand import Demand, _truncated_means
from topology.network import Network

PUBLISHED_DOCUMENTS = 163_107
PUBLISHED_DELIVERIES = 488_165
PUBLISHED_DOCUMENTS_TO_21_JUL = 68_257
SPLIT_DATE = dt.date(2019, 7, 21)
FITTED_KINDS = ("central_body", "province_committee")


@dataclass(frozen=True)
class NationalDemand:
    """Expected national-axis traffic per working day at rate factor 1."""

    documents: float
    deliveries: float
    by_kind: dict[str, tuple[float, float]]
    """kind -> (documents, deliveries) per working day."""


def _count_pmf(lam: float, largest: int) -> np.ndarray:
    """P(recipients = j), j = 0..largest, for min(1 + Poisson(lam), largest)."""
    pmf = np.zeros(largest + 1)
    j = np.arange(largest - 1)
    pois = np.exp(-lam + j * math.log(lam) - np.array([math.lgamma(v + 1) for v in j])) \
        if lam > 0 else (j == 0).astype(float)
    pmf[1:largest] = pois
    pmf[largest] = max(0.0, 1.0 - pois.sum())
    return pmf


def expected_national(network: Network, demand: Demand) -> NationalDemand:
    """Documents with at least one recipient across the national axis, and such deliveries."""
    agencies = network.agencies
    cap = demand.config.max_recipients
    lam = demand.poisson_lambda
    table = _truncated_means(lam, cap)
    routes = network.axis_routes
    docs = dels = 0.0
    by_kind: dict[str, list[float]] = {}
    for profile in demand.profiles:
        src_axis = agencies[profile.agency].axis
        low = 0.0
        doc_share = deliveries = 0.0
        for direction, candidates in enumerate(profile.candidates):
            share = profile.direction_cdf[direction] - low
            low = profile.direction_cdf[direction]
            n = len(candidates)
            if share <= 0 or n == 0:
                continue
            national = sum(1 for c in candidates.tolist()
                           if NATIONAL_AXIS in routes[src_axis, agencies[c].axis])
            if national == 0:
                continue
            if direction == 1 or n == 1:  # one recipient
                doc_share += share * national / n
                deliveries += share * national / n
                continue
            largest = min(n, cap)
            deliveries += share * table[largest] * national / n
            if national == n:
                doc_share += share
            else:
                pmf = _count_pmf(lam, largest)
                none = sum(pmf[j] * math.comb(n - national, j) / math.comb(n, j)
                           for j in range(1, largest + 1))
                doc_share += share * (1.0 - none)
        rate = profile.documents_per_day
        kind = agencies[profile.agency].kind
        entry = by_kind.setdefault(kind, [0.0, 0.0])
        entry[0] += rate * doc_share
        entry[1] += rate * deliveries
        docs += rate * doc_share
        dels += rate * deliveries
    return NationalDemand(docs, dels, {k: (v[0], v[1]) for k, v in by_kind.items()})


def factor_sums(calendar: CalendarConfig, growth: list[GrowthPoint],
                split: dt.date) -> tuple[float, float]:
    """Sum of the calendar's daily rate factors up to `split` (inclusive) and over the season."""
    cal = WorkCalendar(calendar, growth)
    factors = [(day, cal.rate_factor(day)) for day in cal.days]
    return (sum(f for day, f in factors if day <= split), sum(f for _, f in factors))


MONTH_DAYS = 30.44


def growth_points(start: dt.date, end: dt.date, k: float) -> list[GrowthPoint]:
    """exp(k * months before `end`) at `start`, the 1st of each month between, and `end`."""
    dates = [start]
    day = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    while day < end:
        dates.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    dates.append(end)
    return [GrowthPoint(date=d, factor=round(math.exp(k * (d - end).days / MONTH_DAYS), 4))
            for d in dates]


def fit_growth(calendar: CalendarConfig, start: dt.date, end: dt.date,
               share_by_split: float, split: dt.date) -> float:
    """Monthly growth rate k making `share_by_split` of the season's documents fall on or
    before `split` (bisection; the early share falls as k grows)."""

    def share(k: float) -> float:
        before, total = factor_sums(calendar, growth_points(start, end, k), split)
        return before / total

    low, high = 0.0, 3.0
    for _ in range(50):
        mid = (low + high) / 2
        if share(mid) > share_by_split:
            low = mid
        else:
            high = mid
    return (low + high) / 2


@dataclass(frozen=True)
class Fit:
    growth_per_month: float
    """k: demand grows by exp(k) a month."""
    growth: list[GrowthPoint]
    rates: dict[str, float]
    """Fitted documents per working day at growth factor 1 (30 Sep 2019) per kind."""
    expected_documents: float
    expected_deliveries: float


def fit_baseline(network: Network, demand_config: DemandConfig, calendar: CalendarConfig,
                 iterations: int = 4) -> Fit:
    """Fit growth and the two national senders' rates to the published 2019 figures."""
    start, end = calendar.start, calendar.end or calendar.start
    k = fit_growth(calendar, start, end, PUBLISHED_DOCUMENTS_TO_21_JUL / PUBLISHED_DOCUMENTS,
                   SPLIT_DATE)
    growth = growth_points(start, end, k)
    _, season = factor_sums(calendar, growth, SPLIT_DATE)
    per_day_docs = PUBLISHED_DOCUMENTS / season
    per_day_dels = PUBLISHED_DELIVERIES / season
    config = demand_config.model_copy(update={"growth": growth})
    rates = {kind: config.documents_per_day.get(kind) for kind in FITTED_KINDS}
    national = expected_national(network, Demand(network, config))
    for _ in range(iterations):
        # per unit of each kind's rate: national documents and deliveries per day
        unit = {kind: (national.by_kind[kind][0] / rates[kind],
                       national.by_kind[kind][1] / rates[kind]) for kind in FITTED_KINDS}
        others_docs = national.documents - sum(national.by_kind[k][0] for k in FITTED_KINDS)
        others_dels = national.deliveries - sum(national.by_kind[k][1] for k in FITTED_KINDS)
        matrix = np.array([[unit[k][0] for k in FITTED_KINDS],
                           [unit[k][1] for k in FITTED_KINDS]])
        target = np.array([per_day_docs - others_docs, per_day_dels - others_dels])
        solved = np.linalg.solve(matrix, target)
        if np.any(solved <= 0):
            raise ValueError(f"no positive rates fit the targets: {solved}")
        rates = {kind: float(value) for kind, value in zip(FITTED_KINDS, solved, strict=True)}
        per_kind = config.documents_per_day.model_copy(update=rates)
        config = config.model_copy(update={"documents_per_day": per_kind})
        national = expected_national(network, Demand(network, config))
    return Fit(k, growth, rates, national.documents * season, national.deliveries * season)
