"""Bisection against thresholds known in advance."""

from __future__ import annotations

import math

import pytest

from lienthong.frontier.bisection import ThresholdSearch


def _search(threshold: float, **kwargs: float) -> ThresholdSearch:
    settings = {"start": 1.0, "lower": 1 / 16, "upper": 16.0, "resolution": 0.025, **kwargs}
    search = ThresholdSearch(**settings)
    while not search.done:
        m = search.next_point()
        assert m is not None
        search.record(m, m <= threshold)
    return search


@pytest.mark.parametrize("threshold", [0.07, 0.3, 1.0, 1.37, 3.7, 9.99, 15.9])
def test_brackets_a_known_threshold_to_the_resolution(threshold: float) -> None:
    result = _search(threshold).result()
    assert result.censored is None
    assert result.lo is not None and result.hi is not None
    assert result.lo <= threshold < result.hi
    assert result.hi / result.lo <= 1.025
    assert abs(math.log(result.estimate / threshold)) <= math.log(1.025)
    # doubling to bracket, then halving a ratio of 2 down to 1.025: about 5 steps
    assert result.runs <= 2 + 4 + 6


def test_sla_still_met_at_the_upper_bound_is_at_least_the_bound() -> None:
    result = _search(1e9).result()
    assert result.censored == "above" and result.estimate == 16.0 and result.hi is None
    assert result.runs == 5  # 1, 2, 4, 8, 16


def test_sla_missed_at_the_lower_bound_is_below_it() -> None:
    result = _search(1e-9).result()
    assert result.censored == "below" and result.estimate == 1 / 16 and result.lo is None


def test_a_warm_start_with_a_small_step_closes_quickly() -> None:
    result = _search(3.7, start=3.6, step=1.1).result()
    assert result.lo <= 3.7 < result.hi and result.runs <= 5


@pytest.mark.parametrize(("threshold", "runs"), [(3.61, 2), (3.7, 3), (3.55, 2), (3.45, 3)])
def test_a_later_replication_steps_by_the_resolution_and_closes_in_two_or_three_runs(
        threshold: float, runs: int) -> None:
    """Started at the earlier replications' answer (3.6) with a step of 1 + resolution and no
    guess: a threshold within one step of it is bracketed, closed, by the second run."""
    search = ThresholdSearch(3.6, 1 / 16, 16.0, 0.025, 1.025, guided=False)
    while not search.done:
        m = search.next_point()
        assert m is not None
        search.record(m, m <= threshold, utilization=0.01)  # a guess would jump far: unused
    result = search.result()
    assert result.lo <= threshold < result.hi and result.hi / result.lo <= 1.025 * (1 + 1e-12)
    assert result.runs == runs


def test_outcome_for_another_point_is_refused() -> None:
    search = ThresholdSearch(1.0, 0.5, 4.0, 0.05)
    with pytest.raises(ValueError, match=r"expected the outcome at 1\.0"):
        search.record(2.0, True)
    with pytest.raises(ValueError, match="not over"):
        search.result()
    with pytest.raises(ValueError):
        ThresholdSearch(8.0, 0.5, 4.0, 0.05)


def _guided(threshold: float, saturation: float, **kwargs: float) -> ThresholdSearch:
    """A system whose busiest axis is m / saturation busy (capped at 1)."""
    settings = {"start": 1.0, "lower": 1 / 16, "upper": 4096.0, "resolution": 0.025, **kwargs}
    search = ThresholdSearch(**settings)
    while not search.done:
        m = search.next_point()
        assert m is not None
        search.record(m, m <= threshold, min(m / saturation, 1.0))
    return search


@pytest.mark.parametrize(("threshold", "saturation"), [
    (104.0, 100.0), (530.0, 528.0), (66.0, 70.0), (2.9e3, 1e3), (40.0, 300.0)])
def test_utilisation_guides_the_climb_and_the_bracket_is_unchanged(threshold: float,
                                                                   saturation: float) -> None:
    """The guess m / u only chooses where to look: the bracket still holds the threshold to
    the resolution, whether the SLA is lost at saturation, beyond it (the legal window) or
    before it (a tight p99); near saturation it takes fewer runs than doubling."""
    guided = _guided(threshold, saturation).result()
    assert guided.censored is None and guided.lo is not None and guided.hi is not None
    assert guided.lo <= threshold < guided.hi and guided.hi / guided.lo <= 1.025
    doubling = _search(threshold, upper=4096.0).result()
    if threshold <= 1.1 * saturation:
        assert guided.runs < doubling.runs


def test_an_unknown_or_zero_utilisation_doubles() -> None:
    for utilization in (None, 0.0):
        search = ThresholdSearch(1.0, 0.5, 64.0, 0.05)
        search.record(1.0, True, utilization)
        assert search.next_point() == 2.0
    search = ThresholdSearch(1.0, 0.5, 64.0, 0.05)
    search.record(1.0, True, 0.95)  # saturated and still within the SLA: a small step
    assert search.next_point() == 1.25
