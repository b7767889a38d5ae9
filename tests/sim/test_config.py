"""Scenario sections the simulator owns: `axis.speedup` scales every measured cost."""

from __future__ import annotations

import pytest

from lienthong.errors import UserError
from lienthong.scenario import load_scenario
from sim.config import AxisCapacity, OperationCost
from sim.replications import run_one
from tests.sim.simcase import sim_input


def test_speedup_divides_every_cost_and_the_exponential_mean():
    cap = AxisCapacity(send=OperationCost(fixed_ms=8.0, per_kb_ms=0.02), speedup=4.0,
                       service_mean_s=0.5,
                       overrides={"axis:national": {"workers": 2, "service_mean_s": 1.0}})
    fast = cap.effective()
    assert fast.send.fixed_ms == pytest.approx(2.0) and fast.send.per_kb_ms == pytest.approx(0.005)
    assert fast.poll.fixed_ms == pytest.approx(cap.poll.fixed_ms / 4)
    assert fast.service_mean_s == pytest.approx(0.125) and fast.speedup == 1.0
    assert fast.overrides["axis:national"].service_mean_s == pytest.approx(0.25)
    assert fast.overrides["axis:national"].workers == 2
    assert AxisCapacity().effective() == AxisCapacity()


def test_a_faster_axis_is_less_busy_in_the_simulation():
    """The M/M/c validation scenario: the same arrivals at twice the speed, half the load."""
    base = run_one(sim_input("validation/mmc.toml", ["simulation.replications=1"]), 0)
    fast = run_one(sim_input("validation/mmc.toml", ["simulation.replications=1",
                                                     "axis.speedup=2"]), 0)
    util = {name: row["utilization"] for name, row in base.axes.items()}
    for name, row in fast.axes.items():
        if util[name] > 0:
            assert row["utilization"] == pytest.approx(util[name] / 2, rel=0.1)


@pytest.mark.parametrize("value", ["0", "-1", "inf"])
def test_speedup_must_be_a_positive_number(value):
    with pytest.raises(UserError, match=r"axis\.speedup"):
        load_scenario("target-2020", [f"axis.speedup={value}"])
