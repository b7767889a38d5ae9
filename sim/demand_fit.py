"""Fitting a scenario's demand to what the national axis published, and the expected counts.

Published (DOMAIN.md): 68,257 documents sent on the national axis from 12 Mar to 21 Jul 2019,
163,107 sent and 488,165 received from 12 Mar to 30 Sep 2019; 135,164 sent and 485,666 received
in July 2022. Only traffic whose route crosses the national axis is counted there; traffic inside
a province (departments to their People's Committee through the LGSP) or inside a ministry with
its own platform is not. Later figures are hold-outs (sim/holdout.py): never fitted here.

baseline-2019 fits three things, everything else keeps its documented default:

1. Growth (`demand.uptake`, topology/uptake.py): adoption per connection point, an S-curve with a
   midpoint and a monthly rate, times connection points growing linearly from 95 (12 Mar 2019)
   to 129 (1 Apr 2020; data). Two unknowns, two equations from 2019 data only:
   - the share of the season's documents sent by 21 Jul: 68,257 / 163,107 (data);
   - adoption at 21 Jul 2019 = 85 / 95: by Jul 2019, 85 of the 95 connected bodies had
     integrated the digital signature service into their document software (seed article, Aug
     2019). Reading "integrated the signature" as "in full use of the axis" is the assumption
     that closes the system: two counts alone cannot fix a curve that levels off (a midpoint,
     a rate and a ceiling), and this is the one 2019 figure that says how far uptake had come.
   The calendar's reporting bursts and holidays are included; the curve's level at the
   reference date (30 Sep 2019) is carried by the rates below.
2. and 3. Daily rates of the two kinds of senders that reach the national axis: central bodies
   and provincial People's Committees (provincial departments only write inside their province;
   central departments inside their ministry). Two linear equations: national documents and
   national deliveries over the fitted period. A central body's document fans out wider (down to
   63 provinces, across 31 bodies) than a province's (up to the Government Office or across to
   other provinces), so the two targets pin the two rates. The recipient fan-out parameter lambda
   is re-solved by the demand model after each change (it depends weakly on the rates), so the
   fit iterates a few times.

mid-2022 fits only the two rates, to July 2022 (its growth within 2022 is an assumption).

All expectations here are exact (sums over sender profiles and candidate recipients), not
sampled, so the fit is deterministic; the simulation then reproduces the counts up to Poisson
noise (tests/sim/test_demand_fit.py).
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
from topology.uptake import MONTH_DAYS, UPTAKE_CURVES, ConnectionCount, Gompertz, Logistic

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


ADOPTION_DATE = dt.date(2019, 7, 21)
ADOPTION_SHARE = 85 / 95
"""By Jul 2019, 85 of 95 connected bodies had integrated the digital signature (DOMAIN.md); taken
at 21 Jul, the date of the counts the same article gives."""
CONNECTIONS = (ConnectionCount(date=dt.date(2019, 3, 12), points=95),
               ConnectionCount(date=dt.date(2020, 4, 1), points=129))
"""Connection points: 95 at the opening, 129 by about April 2020 (DOMAIN.md; taken at 1 Apr)."""


def factor_sums(calendar: CalendarConfig, uptake: Logistic | Gompertz | None,
                split: dt.date, growth: list[GrowthPoint] | None = None
                ) -> tuple[float, float]:
    """Sum of the calendar's daily rate factors up to `split` (inclusive) and over the season."""
    cal = WorkCalendar(calendar, growth or [], uptake=uptake)
    factors = [(day, cal.rate_factor(day)) for day in cal.days]
    return (sum(f for day, f in factors if day <= split), sum(f for _, f in factors))


def uptake_for(curve: str, rate: float, reference: dt.date) -> Logistic | Gompertz:
    """The curve of this kind and monthly rate that passes through the adoption figure."""
    kind = UPTAKE_CURVES[curve]
    months = kind.months_to_midpoint(ADOPTION_SHARE, rate)  # type: ignore[attr-defined]
    midpoint = ADOPTION_DATE - dt.timedelta(days=round(months * MONTH_DAYS))
    return kind(reference=reference, midpoint=midpoint, rate_per_month=round(rate, 4),
                connections=list(CONNECTIONS))


def fit_uptake(calendar: CalendarConfig, curve: str, share_by_split: float,
               split: dt.date) -> Logistic | Gompertz:
    """The adoption curve through the adoption figure that puts `share_by_split` of the season's
    documents on or before `split`. The share is scanned over monthly rates 0.05-20 and the
    first crossing refined by bisection; no crossing is a ValueError naming the range."""
    end = calendar.end or calendar.start

    def excess(rate: float) -> float:
        before, total = factor_sums(calendar, uptake_for(curve, rate, end), split)
        return before / total - share_by_split

    grid = np.geomspace(0.05, 20.0, 60)
    values = [excess(rate) for rate in grid]
    for i in range(len(grid) - 1):
        if values[i] == 0.0 or values[i] * values[i + 1] < 0:
            low, high, f_low = float(grid[i]), float(grid[i + 1]), values[i]
            for _ in range(40):
                mid = (low + high) / 2
                f_mid = excess(mid)
                if f_mid * f_low <= 0:
                    high = mid
                else:
                    low, f_low = mid, f_mid
            return uptake_for(curve, (low + high) / 2, end)
    raise ValueError(f"no {curve} uptake through {ADOPTION_SHARE:.3f} on {ADOPTION_DATE} puts "
                     f"{share_by_split:.4f} of the documents before {split} "
                     f"(shares {min(values) + share_by_split:.4f}-"
                     f"{max(values) + share_by_split:.4f})")


@dataclass(frozen=True)
class Fit:
    uptake: Logistic | Gompertz | None
    """The fitted growth curve (None: the scenario's growth is kept)."""
    rates: dict[str, float]
    """Fitted documents per working day per kind, at the growth curve's reference date."""
    expected_documents: float
    expected_deliveries: float
    """Over the fitted period, exact expectations."""
    national: NationalDemand
    """National-axis traffic per working day at factor 1, with the fitted rates."""


def fit_rates(network: Network, config: DemandConfig, documents_per_day: float,
              deliveries_per_day: float, iterations: int = 4
              ) -> tuple[dict[str, float], NationalDemand]:
    """The daily rates of the two national senders that give these national documents and
    deliveries per working day at factor 1 (a fixed point: lambda moves with the rates)."""
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
        target = np.array([documents_per_day - others_docs, deliveries_per_day - others_dels])
        solved = np.linalg.solve(matrix, target)
        if np.any(solved <= 0):
            raise ValueError(f"no positive rates fit the targets: {solved}")
        rates = {kind: float(value) for kind, value in zip(FITTED_KINDS, solved, strict=True)}
        per_kind = config.documents_per_day.model_copy(update=rates)
        config = config.model_copy(update={"documents_per_day": per_kind})
        national = expected_national(network, Demand(network, config))
    return rates, national


def fit_baseline(network: Network, demand_config: DemandConfig, calendar: CalendarConfig,
                 curve: str = "logistic") -> Fit:
    """Fit the uptake curve and the two national senders' rates to the 2019 figures."""
    uptake = fit_uptake(calendar, curve, PUBLISHED_DOCUMENTS_TO_21_JUL / PUBLISHED_DOCUMENTS,
                        SPLIT_DATE)
    _, season = factor_sums(calendar, uptake, SPLIT_DATE)
    config = demand_config.model_copy(update={"growth": [], "uptake": uptake})
    rates, national = fit_rates(network, config, PUBLISHED_DOCUMENTS / season,
                                PUBLISHED_DELIVERIES / season)
    return Fit(uptake, rates, national.documents * season, national.deliveries * season,
               national)


def fit_month(network: Network, demand_config: DemandConfig, calendar: CalendarConfig,
              documents: float, deliveries: float) -> Fit:
    """Fit the two national senders' rates to one period's national counts, keeping the
    scenario's growth (mid-2022: July 2022)."""
    cal = WorkCalendar(calendar, demand_config.growth, uptake=demand_config.uptake)
    days = sum(cal.rate_factor(day) for day in cal.days)
    rates, national = fit_rates(network, demand_config, documents / days, deliveries / days)
    return Fit(None, rates, national.documents * days, national.deliveries * days, national)
