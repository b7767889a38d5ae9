"""baseline-2019 reproduces the national axis's published 2019 counts.

The fit (sim/calibration.py) is re-run and must give the values written in the scenario; the
simulation of the whole season (12 Mar - 30 Sep 2019) must then count 163,107 documents and
488,165 deliveries on the national axis within 5%.
"""

from __future__ import annotations

import pytest

from lienthong.scenario import load_scenario
from sim.demand_fit import (
    FITTED_KINDS,
    PUBLISHED_DELIVERIES,
    PUBLISHED_DOCUMENTS,
    fit_baseline,
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
    written = [(p.date, p.factor) for p in scenario.demand.growth]
    assert written == [(p.date, pytest.approx(p.factor, abs=2e-4)) for p in fit.growth]
    assert 3.0 < fit.growth[-1].factor / fit.growth[0].factor < 15.0  # uptake over the season


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
