import pytest

from topology.build import build_network
from topology.config import RolloutConfig, TopologyConfig


def connected_codes(coverage, seed):
    network = build_network(TopologyConfig(), RolloutConfig(coverage=coverage), seed)
    return {a.code for a in network.connected}, network


def test_coverage_connects_exactly_the_share_of_each_kind():
    _codes, network = connected_codes({"commune_committee": 0.3, "district_committee": 0.5}, 3)
    communes = [a for a in network.agencies if a.kind == "commune_committee"]
    assert sum(a.connected for a in communes) == round(0.3 * 10_035)
    assert sum(a.connected for a in network.agencies if a.kind == "district_committee") == 348
    assert not any(a.connected for a in network.agencies if a.kind == "central_body")


def test_same_seed_same_set_and_other_seed_other_set():
    first, _ = connected_codes({"commune_committee": 0.3}, 11)
    again, _ = connected_codes({"commune_committee": 0.3}, 11)
    other, _ = connected_codes({"commune_committee": 0.3}, 12)
    assert first == again
    assert first != other


def test_each_kind_draws_from_its_own_stream():
    """Raising commune coverage must not reshuffle which districts are connected."""
    _low, net_low = connected_codes({"commune_committee": 0.2, "district_committee": 0.5}, 5)
    _high, net_high = connected_codes({"commune_committee": 0.9, "district_committee": 0.5}, 5)
    districts_low = {a.code for a in net_low.connected if a.kind == "district_committee"}
    districts_high = {a.code for a in net_high.connected if a.kind == "district_committee"}
    assert districts_low == districts_high


def test_presets_and_overrides():
    resolved = RolloutConfig(preset="2019", coverage={"district_committee": 0.25}).resolved()
    assert resolved.central_body == 1.0
    assert resolved.province_department == 1.0
    assert resolved.district_committee == 0.25
    assert resolved.commune_committee == 0.0
    target = RolloutConfig(preset="2020-target").resolved()
    assert all(target.get(k) == 1.0 for k in type(target).model_fields)


def test_unknown_kind_in_coverage_is_rejected():
    with pytest.raises(ValueError, match="hamlet"):
        RolloutConfig(coverage={"hamlet": 0.5})
