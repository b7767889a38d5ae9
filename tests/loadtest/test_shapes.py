import numpy as np
import pytest

from loadtest.shapes import RateProfile, arrivals

PERIODS = ((27000.0, 41400.0), (46800.0, 61200.0))  # 07:30-11:30, 13:00-17:00


def profile(kind="day", **kw):
    base = dict(kind=kind, load_s=600.0, time_scale=48.0, start_of_day_s=27000.0,
                periods=PERIODS)
    return RateProfile(**{**base, **kw})


def test_day_profile_is_a_working_day_compressed():
    p = profile(day_factor=1.3)
    assert p.multiplier(0.0) == 1.3                      # 07:30
    assert p.multiplier((41400 - 27000) / 48 + 1) == 0.0  # 11:31: lunch
    assert p.multiplier((47000 - 27000) / 48) == 1.3     # 13:03
    assert p.multiplier(600.0) == 0.0                    # sending is over
    lunch = (46800 - 41400) / 48
    assert p.mean() == pytest.approx(1.3 * (600 - lunch) / 600, rel=1e-3)


def test_step_and_spike():
    step = profile("step", load_s=30.0, step_s=10.0, step_increase=0.5)
    assert [step.multiplier(t) for t in (1, 11, 21)] == [1.0, 1.5, 2.0]
    assert step.peak() >= 2.0
    spike = profile("spike", load_s=30.0, spike_at_s=10.0, spike_duration_s=5.0,
                    spike_factor=4.0)
    assert [spike.multiplier(t) for t in (9.9, 10.0, 14.9, 15.0)] == [1.0, 4.0, 4.0, 1.0]


def test_arrivals_are_poisson_at_the_intended_rate_and_follow_the_shape():
    rng = np.random.default_rng(5)
    p = profile("spike", load_s=200.0, spike_at_s=100.0, spike_duration_s=50.0,
                spike_factor=3.0)
    times = np.array(list(arrivals(5.0, p, rng)))
    assert times.min() >= 0 and times.max() < 200.0
    outside = np.count_nonzero(times < 100) / 100.0
    inside = np.count_nonzero((times >= 100) & (times < 150)) / 50.0
    assert outside == pytest.approx(5.0, rel=0.1)
    assert inside == pytest.approx(15.0, rel=0.1)
    gaps = np.diff(times[times < 100])
    assert np.std(gaps) / np.mean(gaps) == pytest.approx(1.0, abs=0.15)  # exponential gaps


def test_no_rate_no_arrivals():
    assert list(arrivals(0.0, profile(), np.random.default_rng(1))) == []
