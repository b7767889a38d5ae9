"""JMT's stopping rule: relative half-width of the 95% interval within the precision."""

from __future__ import annotations

import pytest

from lienthong.frontier.stopping import StoppingRule, estimate


def test_interval_is_the_student_t_one() -> None:
    est = estimate([9.0, 10.0, 11.0])
    # mean 10, s = 1, t(0.975, 2) = 4.303: half-width 4.303 / sqrt(3)
    assert est.mean == pytest.approx(10.0)
    assert est.half_width == pytest.approx(4.303 / 3 ** 0.5, rel=1e-6)
    assert est.relative_half_width == pytest.approx(0.2484, abs=1e-4)
    assert est.ci95 == pytest.approx((10.0 - 2.4843, 10.0 + 2.4843), abs=1e-4)


def test_needs_the_minimum_then_the_precision() -> None:
    rule = StoppingRule(precision=0.05, min_replications=3, max_replications=10)
    assert not rule.precise([10.0, 10.0])  # below the minimum, however close
    assert rule.precise([10.0, 10.1, 9.9])  # half-width 0.248 = 2.5% of 10
    assert not rule.precise([9.0, 10.0, 11.0])  # 24.8%
    assert not rule.done([9.0, 10.0, 11.0])
    assert rule.done([9.0, 11.0] * 5)  # the maximum: stop, precision not met
    assert not rule.precise([9.0, 11.0] * 5)


def test_all_at_one_bound_is_precise_at_the_minimum() -> None:
    rule = StoppingRule(precision=0.05)
    assert not rule.precise([16.0, 16.0], all_censored=True)
    assert rule.precise([16.0, 16.0, 16.0], all_censored=True)


@pytest.mark.parametrize("kwargs", [{"precision": 0.0}, {"precision": 1.5},
                                    {"precision": 0.05, "min_replications": 1},
                                    {"precision": 0.05, "min_replications": 5,
                                     "max_replications": 4}])
def test_bad_settings_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        StoppingRule(**kwargs)
