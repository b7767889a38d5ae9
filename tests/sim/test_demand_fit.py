"""baseline-2019 reproduces the national axis's published 2019 counts.

The fit (sim/demand_fit.py) is re-run and must give the values written in the scenario; the
simulation of the whole season (12 Mar - 30 Sep 2019) must then count 163,107 documents and
488,165 deliveries on the national axis within 5%.
"""

from __future__ import annotations

import datetime as dt

import pytest

from lienthong.scenario import load_scenario
from sim.demand_fit import (
    FITTED_KINDS,
    PUBLISHED_DELIVERIES,
    PUBLISHED_DOCUMENTS,
    PUBLISHED_DOCUMENTS_TO_21_JUL,
    SPLIT_DATE,
    factor_sums,
    fit_baseline,
    fit_uptake,
)
from sim.replications import build, run_one
from tests.sim.simcase import SCENARIOS, sim_input


def test_scenario_holds_the_fitted_values() -> None:
    scenario = load_scenario(SCENARIOS / "baseline-2019.toml").scenario
    inp = sim_input("baseline-2019.toml")
    fit = fit_baseline(build(inp).network, scenario.demand, scenario.calendar)
    assert fit.expected_documents == pytest.approx(PUBLISHED_DOCUMENTS, rel=1e-3)
    assert fit.expected_deliveries == pytest.approx(PUBLISHED_DELIVERIES, rel=1e-3)
    for kind in FITTED_KINDS:
        assert scenario.demand.documents_per_day.get(kind) == pytest.approx(fit.rates[kind],
                                                                           rel=1e-3)
    assert scenario.demand.growth == []
    assert scenario.demand.uptake == fit.uptake
    start, end = fit.uptake.factor(scenario.calendar.start), fit.uptake.factor(SPLIT_DATE)
    assert end / start > 3.0  # uptake over the season


@pytest.mark.parametrize("curve", ["logistic", "gompertz"])
def test_the_curve_puts_the_published_share_before_21_july(curve: str) -> None:
    calendar = load_scenario(SCENARIOS / "baseline-2019.toml").scenario.calendar
    uptake = fit_uptake(calendar, curve, PUBLISHED_DOCUMENTS_TO_21_JUL / PUBLISHED_DOCUMENTS,
                        SPLIT_DATE)
    before, total = factor_sums(calendar, uptake, SPLIT_DATE)
    # the midpoint is a whole date: the share is met to that precision
    assert before / total == pytest.approx(PUBLISHED_DOCUMENTS_TO_21_JUL / PUBLISHED_DOCUMENTS,
                                           rel=0.01)
    assert uptake.adoption(dt.date(2019, 7, 21)) == pytest.approx(85 / 95, abs=0.01)
    assert uptake.factor(dt.date(2019, 9, 30)) == pytest.approx(1.0)


def test_an_impossible_share_is_refused_with_the_reachable_range() -> None:
    calendar = load_scenario(SCENARIOS / "baseline-2019.toml").scenario.calendar
    with pytest.raises(ValueError, match="no logistic uptake"):
        fit_uptake(calendar, "logistic", 0.99, SPLIT_DATE)


@pytest.mark.slow
def test_season_reproduces_the_national_counts() -> None:
    inp = sim_input("baseline-2019.toml")
    assert inp.calendar.start.isoformat() == "2019-03-12"
    assert inp.calendar.end is not None and inp.calendar.end.isoformat() == "2019-09-30"
    result = run_one(inp, 0)
    assert result.national_documents == pytest.approx(PUBLISHED_DOCUMENTS, rel=0.05)
    assert result.national_deliveries == pytest.approx(PUBLISHED_DELIVERIES, rel=0.05)
    assert result.in_flight == 0
    sent = result.bins["sent"]
    assert sum(sent[-len(sent) // 4:]) > sum(sent[: len(sent) // 4])  # growth over the months
