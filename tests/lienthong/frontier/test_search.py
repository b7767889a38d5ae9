"""The whole search against a fake simulator whose answer is known.

Replication r of configuration c meets the SLA exactly when the multiplier is at most
T_c x exp(sigma x z_r), z_r a standard normal drawn from r alone: the same z_r for every
configuration and multiplier, as common random numbers make it in the simulator. So each
replication's threshold is known, the frontier's answer is their mean, and CRN shows as an
exact ratio T_1 / T_0 between configurations replication by replication."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lienthong.executors import InlineExecutor, LocalProcessExecutor
from lienthong.frontier.criteria import RunFigures, Sla
from lienthong.frontier.search import FrontierSearch, SearchSettings, scaled
from lienthong.frontier.stopping import StoppingRule, estimate


def true_threshold(point: tuple[float, float], replication: int) -> float:
    base, sigma = point
    z = float(np.random.default_rng([7, replication]).standard_normal())
    return base * math.exp(sigma * z)


def fake_job(point: tuple[float, float], multiplier: float, replication: int) -> RunFigures:
    """On time 100% below the replication's threshold, 90% above; p99 grows with load. No
    axis utilisation (0): the search climbs by doubling (the guided climb is tested in
    test_bisection.py), so the runs below are those of plain bisection."""
    meets = multiplier <= true_threshold(point, replication)
    return RunFigures(sla_met_fraction=1.0 if meets else 0.9, ack_p99_s=60.0 * multiplier,
                      latency_p50_s=30.0, latency_p99_s=59.0 * multiplier,
                      deliveries=int(1000 * multiplier), max_utilization=0.0,
                      events=1, wall_s=0.0)


def _settings(precision: float = 0.05, **kwargs: float) -> SearchSettings:
    return SearchSettings(Sla(0.99), StoppingRule(precision, 3, 30), **kwargs)


def test_finds_the_known_frontier_within_the_precision() -> None:
    points = [(2.0, 0.03), (5.0, 0.03)]
    search = FrontierSearch(points, _settings(), fake_job)
    frontiers = search.run(InlineExecutor())
    for point, frontier in zip(points, frontiers, strict=True):
        n = frontier.estimate.n
        truth = [true_threshold(point, r) for r in range(n)]
        # each replication's estimate is within the bisection's resolution of its threshold
        for r, t in frontier.thresholds.items():
            assert abs(math.log(t.estimate / truth[r])) <= math.log(1.025) / 2 + 1e-12
        assert frontier.estimate.mean == pytest.approx(np.mean(truth), rel=0.0125)
        assert frontier.precision_met and frontier.estimate.relative_half_width <= 0.05
        low, high = frontier.estimate.ci95
        assert low < point[0] < high  # the median threshold T_c inside the 95% interval
        assert not frontier.at_least and not frontier.below


def test_common_random_numbers_make_configurations_differ_only_by_the_configuration() -> None:
    frontiers = FrontierSearch([(2.0, 0.1), (4.0, 0.1)], _settings(),
                               fake_job).run(InlineExecutor())
    a, b = (f.thresholds for f in frontiers)
    for r in set(a) & set(b):
        assert b[r].estimate / a[r].estimate == pytest.approx(2.0, rel=0.03)


def test_stopping_rule_adds_replications_until_precise_and_no_further() -> None:
    settings = _settings(precision=0.05)
    frontier = FrontierSearch([(3.0, 0.12)], settings, fake_job).run(InlineExecutor())[0]
    values = [t.estimate for _, t in sorted(frontier.thresholds.items())]
    n = len(values)
    assert n > 3  # the first three agree by chance; the fourth does not
    assert settings.rule.precise(values)
    assert not settings.rule.precise(values[:-1])  # one fewer was not enough: stopped at once


def test_upper_bound_is_reported_as_at_least() -> None:
    frontier = FrontierSearch([(1e6, 0.0)], _settings(upper=8.0),
                              fake_job).run(InlineExecutor())[0]
    assert frontier.at_least and frontier.estimate.mean == 8.0
    assert frontier.estimate.n == 3 and frontier.precision_met
    frontier = FrontierSearch([(1e-6, 0.0)], _settings(lower=0.25),
                              fake_job).run(InlineExecutor())[0]
    assert frontier.below and frontier.estimate.mean == 0.25


def test_same_answer_in_one_process_and_in_a_pool() -> None:
    points = [(1.5, 0.1), (3.0, 0.05), (6.0, 0.08)]
    inline = FrontierSearch(points, _settings(), fake_job).run(InlineExecutor())
    with LocalProcessExecutor(2) as pool:
        pooled = FrontierSearch(points, _settings(), fake_job).run(pool)
    assert [(f.estimate, f.thresholds) for f in inline] == \
        [(f.estimate, f.thresholds) for f in pooled]


def test_scaled_multiplies_demand_or_traffic(scenarios_dir) -> None:
    from lienthong.scenario import load_scenario
    from sim.inputs import SimInput

    def inp_of(name: str) -> SimInput:
        return SimInput.of(load_scenario(scenarios_dir / name).scenario)

    day = inp_of("target-2020.toml")
    assert scaled(day, 2.5).demand.scale == pytest.approx(day.demand.scale * 2.5)
    mmc = inp_of("validation/mmc.toml")
    assert scaled(mmc, 0.5).traffic.rate_per_s == pytest.approx(mmc.traffic.rate_per_s / 2)
    assert mmc.traffic.rate_per_s == 3.0  # the original is untouched


def test_estimate_of_thresholds_matches_stats() -> None:
    assert estimate([1.0, 2.0, 3.0]).mean == 2.0
