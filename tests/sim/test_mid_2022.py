"""mid-2022 reproduces July 2022 on the national axis and reports its hold-out.

Intra-ministry traffic goes through the ministries' platforms (topology.ministry_platforms =
["all"]), so the national axis counts only what crosses it; the scenario's two national rates
are fitted to July 2022 (135,164 sent, 485,666 received); January-July 2022 (3.56 million) is a
hold-out, reported, never fitted.
"""

from __future__ import annotations

import pytest

from lienthong.scenario import load_scenario
from sim.demand_fit import FITTED_KINDS, expected_national
from sim.holdout import JULY_2022_RECEIVED, JULY_2022_SENT, PUBLISHED
from sim.replications import run_one
from tests.sim.simcase import SCENARIOS, sim_input
from topology.build import build_topology
from topology.calendar import WorkCalendar


@pytest.fixture(scope="module")
def mid_2022():  # type: ignore[no-untyped-def]
    scenario = load_scenario(SCENARIOS / "mid-2022.toml").scenario
    model = build_topology(scenario.topology, scenario.rollout, scenario.demand, scenario.seed)
    return scenario, model


def test_the_scenario_holds_the_fit_and_meets_july(mid_2022) -> None:  # type: ignore[no-untyped-def]
    scenario, model = mid_2022
    fit = PUBLISHED["2022-07"].fit(model.network, scenario.demand, scenario.calendar, "logistic")
    for kind in FITTED_KINDS:
        assert scenario.demand.documents_per_day.get(kind) == pytest.approx(fit.rates[kind],
                                                                           rel=1e-3)
    rows = PUBLISHED["2022-07"].rows(model.network, scenario.demand, scenario.calendar)
    fitted = [row for row in rows if row.figure.role == "fit"]
    assert len(fitted) == 2 and all(abs(row.error) < 0.001 for row in fitted)
    holdout = next(row for row in rows if row.figure.role == "hold-out")
    assert holdout.model > 7 * 0.4 * (JULY_2022_SENT + JULY_2022_RECEIVED)  # a real window


def test_ministry_traffic_is_not_counted_on_the_national_axis(mid_2022) -> None:  # type: ignore[no-untyped-def]
    _, model = mid_2022
    national = expected_national(model.network, model.demand)
    assert national.by_kind["central_department"] == (0.0, 0.0)
    assert national.documents < model.demand.documents_per_day / 10


@pytest.mark.slow
def test_the_simulation_counts_what_the_fit_expects(mid_2022) -> None:  # type: ignore[no-untyped-def]
    """Two working days (1 and 4 Jul 2022) simulated against the exact expectation the fit is
    made of; the whole month is the reference run (results/reference/mid-2022-simulation)."""
    scenario, model = mid_2022
    national = expected_national(model.network, model.demand)
    result = run_one(sim_input("mid-2022.toml", ["simulation.days=2"]), 0)
    calendar = WorkCalendar(scenario.calendar, scenario.demand.growth, days=2)
    factors = sum(calendar.rate_factor(day) for day in calendar.days)
    assert result.national_documents == pytest.approx(national.documents * factors, rel=0.05)
    assert result.national_deliveries == pytest.approx(national.deliveries * factors, rel=0.05)
    assert result.national_deliveries / result.national_documents == pytest.approx(
        JULY_2022_RECEIVED / JULY_2022_SENT, rel=0.05)
