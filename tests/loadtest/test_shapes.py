import numpy as np
import pytest
from pydantic import ValidationError

from loadtest.config import LoadTestConfig
from loadtest.shapes import SHAPES, Clock, RateProfile, arrivals
from loadtest.shapes.constant import ConstantShape
from loadtest.shapes.day import DayShape
from loadtest.shapes.spike import SpikeShape
from loadtest.shapes.step import StepShape

PERIODS = ((27000.0, 41400.0), (46800.0, 61200.0))  # 07:30-11:30, 13:00-17:00


def profile(shape=None, load_s=600.0, day_factor=1.0):
    return RateProfile(shape or DayShape(), Clock(load_s=load_s, time_scale=48.0,
                                                  start_of_day_s=27000.0, periods=PERIODS,
                                                  day_factor=day_factor))


def test_day_profile_is_a_working_day_compressed():
    p = profile(day_factor=1.3)
    assert p.multiplier(0.0) == 1.3                      # 07:30
    assert p.multiplier((41400 - 27000) / 48 + 1) == 0.0  # 11:31: lunch
    assert p.multiplier((47000 - 27000) / 48) == 1.3     # 13:03
    assert p.multiplier(600.0) == 0.0                    # sending is over
    lunch = (46800 - 41400) / 48
    assert p.mean() == pytest.approx(1.3 * (600 - lunch) / 600, rel=1e-3)


def test_constant_step_and_spike():
    assert profile(ConstantShape(), day_factor=0.7).multiplier(400.0) == 0.7  # through lunch
    step = profile(StepShape(every_s=10.0, increase=0.5), load_s=30.0)
    assert [step.multiplier(t) for t in (1, 11, 21)] == [1.0, 1.5, 2.0]
    assert step.peak() >= 2.0
    spike = profile(SpikeShape(at_s=10.0, duration_s=5.0, factor=4.0), load_s=30.0)
    assert [spike.multiplier(t) for t in (9.9, 10.0, 14.9, 15.0)] == [1.0, 4.0, 4.0, 1.0]


def test_every_shape_peaks_above_its_multiplier():
    for shape in SHAPES:
        p = profile(shape(), load_s=120.0, day_factor=1.2)
        assert max(p.multiplier(t / 10) for t in range(1200)) <= p.peak()


def test_arrivals_are_poisson_at_the_intended_rate_and_follow_the_shape():
    rng = np.random.default_rng(5)
    p = profile(SpikeShape(at_s=100.0, duration_s=50.0, factor=3.0), load_s=200.0)
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


def test_the_scenario_picks_a_shape_by_kind_with_its_own_keys():
    config = LoadTestConfig.model_validate({"shape": {"kind": "spike", "factor": 3}})
    assert isinstance(config.shape, SpikeShape) and config.shape.factor == 3.0
    assert isinstance(LoadTestConfig.model_validate({"shape": "step"}).shape, StepShape)
    assert isinstance(LoadTestConfig().shape, DayShape)


@pytest.mark.parametrize(("shape", "fragment"), [
    ({"kind": "step", "factor": 3}, "shape.step.factor"),  # a spike's key on a step: unknown
    ({"kind": "square"}, "'day', 'constant', 'step', 'spike'"),
    ({"kind": "spike", "at_s": 90}, "shape.at_s (90) is not before run_time_s (60)"),
])
def test_a_shape_refuses_what_it_does_not_know(shape, fragment):
    with pytest.raises(ValidationError) as caught:
        LoadTestConfig.model_validate({"shape": shape})
    assert fragment in str(caught.value)
