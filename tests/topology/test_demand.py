import numpy as np
import pytest

from tests.conftest import scenario_model
from topology.build import build_topology
from topology.config import DemandConfig, RolloutConfig, TopologyConfig
from topology.demand import _truncated_means


def test_truncated_poisson_means_match_direct_sums():
    lam = 1.7
    table = _truncated_means(lam, 10)
    rng = np.random.default_rng(0)
    draws = 1 + rng.poisson(lam, size=400_000)
    for n in (1, 2, 3, 5, 10):
        assert table[n] == pytest.approx(np.minimum(draws, n).mean(), rel=0.005)
    assert table[0] == 0.0 and table[1] == 1.0


@pytest.mark.parametrize("name", ["baseline-2019", "target-2020", "reform-2025"])
def test_expected_mean_recipients_is_calibrated_to_2019_ratio(name):
    demand = scenario_model(name).demand
    assert demand.mean_recipients == pytest.approx(488_165 / 163_107, rel=0.05)
    assert demand.deliveries_per_day == pytest.approx(
        demand.documents_per_day * demand.mean_recipients)


def test_sampled_recipients_agree_with_the_expectation_in_baseline_2019():
    """Draw documents in proportion to senders' rates and count recipients for real."""
    demand = scenario_model("baseline-2019").demand
    rng = np.random.default_rng(2019)
    rates = np.array([p.documents_per_day for p in demand.profiles])
    senders = rng.choice(len(rates), size=30_000, p=rates / rates.sum())
    counts = [len(demand.sample_recipients(demand.profiles[i].agency, rng)) for i in senders]
    assert np.mean(counts) == pytest.approx(2.99, rel=0.05)
    assert np.mean(counts) == pytest.approx(demand.mean_recipients, rel=0.03)


def test_recipients_are_distinct_connected_and_never_the_sender():
    model = scenario_model("target-2020")
    agencies = model.network.agencies
    rng = np.random.default_rng(3)
    for profile in model.demand.profiles[::37]:
        recipients = model.demand.sample_recipients(profile.agency, rng)
        assert len(recipients) >= 1
        assert len(set(recipients.tolist())) == len(recipients)
        assert profile.agency not in recipients
        assert all(agencies[i].connected for i in recipients)


def test_directions_follow_the_hierarchy():
    model = scenario_model("target-2020")
    agencies = model.network.agencies
    commune = next(p for p in model.demand.profiles
                   if agencies[p.agency].kind == "commune_committee")
    down, up, across = commune.candidates
    assert len(down) == 0  # no commune divisions before 2025
    assert agencies[int(up[0])].kind == "district_committee"
    assert all(agencies[int(i)].parent == agencies[commune.agency].parent for i in across)
    # without subordinates the 'down' share falls back to 'up' and 'across'
    assert commune.direction_cdf[0] == 0.0


def test_scale_and_zero_rates():
    demand = DemandConfig(scale=2.0)
    base = build_topology(TopologyConfig(), RolloutConfig(preset="2019"), DemandConfig(), 1).demand
    doubled = build_topology(TopologyConfig(), RolloutConfig(preset="2019"), demand, 1).demand
    assert doubled.documents_per_day == pytest.approx(2 * base.documents_per_day)
    silent = DemandConfig(documents_per_day={"central_body": 5.0})
    only_central = build_topology(TopologyConfig(), RolloutConfig(preset="2019"), silent, 1).demand
    assert only_central.documents_per_day == pytest.approx(5.0 * 32)


def test_priority_and_size_distributions():
    demand = scenario_model("target-2020").demand
    rng = np.random.default_rng(5)
    priorities = np.array([demand.sample_priority(rng) for _ in range(40_000)])
    shares = np.bincount(priorities, minlength=4) / len(priorities)
    assert shares == pytest.approx([0.85, 0.10, 0.04, 0.01], abs=0.01)
    sizes = np.array([demand.sample_size_bytes(rng) for _ in range(20_000)])
    assert np.median(sizes) == pytest.approx(250 * 1024, rel=0.05)
    assert sizes.max() <= 20_000 * 1024
