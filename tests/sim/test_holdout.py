"""The model against the published figures: fitted ones met, hold-outs reported, never fitted."""

from __future__ import annotations

import dataclasses

import pytest

from lienthong.scenario import load_scenario
from sim.holdout import PUBLISHED, Baseline2019, published_for
from tests.sim.simcase import SCENARIOS
from topology.build import build_network


@pytest.fixture(scope="module")
def baseline():  # type: ignore[no-untyped-def]
    scenario = load_scenario(SCENARIOS / "baseline-2019.toml").scenario
    return scenario, build_network(scenario.topology, scenario.rollout, scenario.seed)


def test_fitted_figures_are_met_and_hold_outs_are_within_the_goal(baseline) -> None:  # type: ignore[no-untyped-def]
    scenario, network = baseline
    rows = {row.figure.label: row for row in
            PUBLISHED["2019"].rows(network, scenario.demand, scenario.calendar)}
    for row in rows.values():
        if row.figure.role == "fit":
            assert abs(row.error) < 0.01, row.figure.label
    holdouts = [row for row in rows.values() if row.figure.role == "hold-out"]
    assert len(holdouts) >= 4
    # the goal of issue 11 (10%) on the three hold-outs it names, read at their dates
    for label in ("by 4 Feb 2020", "in March 2020", "by 1 Apr 2020"):
        row = next(r for r in holdouts if label in r.figure.label)
        assert abs(row.error) < 0.10, (label, row.model)


def test_the_fit_does_not_see_the_hold_outs(baseline) -> None:  # type: ignore[no-untyped-def]
    """Changing every hold-out figure changes no fitted value."""
    scenario, network = baseline
    original = Baseline2019()
    fit = original.fit(network, scenario.demand, scenario.calendar, "logistic")
    altered = Baseline2019()
    altered.figures = tuple(dataclasses.replace(f, published=f.published * 3)
                            if f.role == "hold-out" else f for f in original.figures)
    again = altered.fit(network, scenario.demand, scenario.calendar, "logistic")
    assert again.uptake == fit.uptake and again.rates == fit.rates


def test_the_set_follows_the_calendar_year(baseline) -> None:  # type: ignore[no-untyped-def]
    scenario, _ = baseline
    assert published_for(scenario.calendar) is PUBLISHED["2019"]
    assert published_for(scenario.calendar.model_copy(
        update={"start": scenario.calendar.start.replace(year=2021), "end": None})) is None
