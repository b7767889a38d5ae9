"""The simulator against queueing theory: Erlang C for one axis, Jackson for four.

Twenty replications each (two processes); the analytic value must lie inside the simulator's
95% confidence interval. The tolerance is the CI itself: nothing is widened by hand.
"""

from __future__ import annotations

import pytest

from sim.analytic import jackson, littles_law_gap, mmc
from sim.replications import run_replications
from sim.stats import mean_ci95
from tests.sim.simcase import sim_input


def _axis_wait(results: list[dict], axis: str) -> tuple[float, float]:
    mean, ci = mean_ci95([r.axes[axis]["wait_mean_s"] for r in results])
    assert mean is not None and ci is not None
    return mean, ci


@pytest.mark.parametrize(("rate", "workers"), [(3.0, 4), (1.6, 2)])
def test_single_axis_agrees_with_erlang_c(rate: float, workers: int) -> None:
    inp = sim_input("validation/mmc.toml", [f"traffic.rate_per_s={rate}",
                                            f"axis.workers={workers}"])
    assert inp.simulation.replications >= 20
    results = run_replications(inp, inp.simulation.replications, jobs=2)
    theory = mmc(rate, inp.axis.service_mean_s, workers)
    wait, wait_ci = _axis_wait(results, "axis:national")
    assert abs(wait - theory.wait) <= wait_ci, (wait, wait_ci, theory.wait)
    latency, latency_ci = mean_ci95([r.latency_mean_s for r in results])
    assert abs(latency - theory.response) <= latency_ci, (latency, latency_ci, theory.response)
    utilization = sum(r.axes["axis:national"]["utilization"] for r in results) / len(results)
    assert utilization == pytest.approx(theory.utilization, rel=0.02)


def test_four_axes_agree_with_jackson() -> None:
    inp = sim_input("validation/jackson.toml")
    results = run_replications(inp, inp.simulation.replications, jobs=2)
    s = inp.axis.service_mean_s
    nodes = jackson(external=[2.0, 1.0, 0.0, 0.0],
                    routing=[[0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]],
                    service_times=[s] * 4, servers=[1, 1, 2, 1])
    for axis, node in zip(("axis:H01", "axis:H03", "axis:national", "axis:H02"), nodes,
                          strict=True):
        wait, ci = _axis_wait(results, axis)
        assert abs(wait - node.wait) <= ci, (axis, wait, ci, node.wait)
    # end to end: 2/3 of documents cross H01, 1/3 H03, all the national axis and H02
    expected = (2 / 3 * nodes[0].response + 1 / 3 * nodes[1].response + nodes[2].response
                + nodes[3].response)
    latency, ci = mean_ci95([r.latency_mean_s for r in results])
    assert abs(latency - expected) <= ci, (latency, ci, expected)


def test_littles_law_holds_on_the_simulated_axis() -> None:
    """Time-average number waiting (from the simulator's own accounting) = arrival rate x mean
    wait, and the utilisation = arrival rate x mean service / workers."""
    inp = sim_input("validation/mmc.toml", ["simulation.replications=2"])
    results = run_replications(inp, 2, jobs=2)
    for result in results:
        axis = result.axes["axis:national"]
        assert littles_law_gap(axis["queue_mean"], axis["arrival_rate_per_s"],
                               axis["wait_mean_s"]) < 0.02
        assert axis["utilization"] == pytest.approx(
            axis["arrival_rate_per_s"] * inp.axis.service_mean_s / axis["workers"], rel=0.03)
