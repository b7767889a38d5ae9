import networkx as nx
import numpy as np
import pytest

from tests.conftest import scenario_model
from topology.agencies import NATIONAL_AXIS
from topology.build import build_network
from topology.codes import parse_code
from topology.config import RolloutConfig, TopologyConfig
from topology.errors import TopologyError


@pytest.fixture(scope="module")
def target():
    return scenario_model("target-2020").network


def test_full_pre2025_network_has_every_level(target):
    kinds = {a.kind for a in target.agencies}
    assert kinds == {"central_body", "central_department", "province_committee",
                     "province_department", "district_committee", "district_division",
                     "commune_committee"}
    assert sum(a.kind == "commune_committee" for a in target.agencies) == 10_035
    assert sum(a.kind == "district_committee" for a in target.agencies) == 696
    assert sum(a.kind == "province_committee" for a in target.agencies) == 63
    assert len(target.axes) == 64  # national + one per province


def test_codes_are_unique_and_parse_back_to_their_place(target):
    codes = [a.code for a in target.agencies]
    assert len(set(codes)) == len(codes)
    for agency in target.agencies:
        parsed = parse_code(agency.code)
        expected_depth = {"central_body": 1, "province_committee": 1, "central_department": 2,
                          "province_department": 2, "district_committee": 2,
                          "district_division": 3, "commune_committee": 3}[agency.kind]
        assert parsed.depth == expected_depth, agency
        if agency.parent is not None:
            parent = parse_code(target.agencies[agency.parent].code)
            assert parsed.body == parent.body
            assert parsed.path[: parent.depth - 1] == parent.path


def test_every_connected_agency_reaches_every_other_through_the_axes(target):
    graph = target.graph
    assert nx.is_connected(graph)
    # agencies are leaves: any path between two agencies runs through axes only
    assert all(graph.degree(a.code) == 1 for a in target.agencies)
    rng = np.random.default_rng(7)
    connected = target.connected
    for _ in range(500):
        src, dst = (connected[i] for i in rng.integers(len(connected), size=2))
        path = target.path(src, dst)
        assert nx.is_path(graph, path)
        assert all(node.startswith("axis:") for node in path[1:-1])


def test_route_between_provinces_crosses_the_national_axis(target):
    by_kind = {}
    for agency in target.agencies:
        by_kind.setdefault((agency.kind, agency.province), agency)
    commune_a = next(a for a in target.agencies if a.kind == "commune_committee")
    commune_b = next(a for a in reversed(target.agencies) if a.kind == "commune_committee")
    ministry = target.by_code["000.00.00.G12"]
    assert target.route(commune_a, commune_b) == (commune_a.axis, NATIONAL_AXIS, commune_b.axis)
    assert target.route(commune_a, ministry) == (commune_a.axis, NATIONAL_AXIS)
    same = next(a for a in target.agencies if a.axis == commune_a.axis and a is not commune_a)
    assert target.route(commune_a, same) == (commune_a.axis,)


def test_links_have_distance_derived_latency_and_overrides():
    config = TopologyConfig(link_latency_override_ms={"axis:H41": 25.0})
    network = build_network(config, RolloutConfig(preset="2019"), seed=1)
    far = network.link("axis:H62", NATIONAL_AXIS)  # a southern province
    near = network.link("axis:H24", NATIONAL_AXIS)  # Ha Noi
    assert far.latency_s > near.latency_s > 0
    assert network.link("axis:H41", NATIONAL_AXIS).latency_s == pytest.approx(0.025)
    assert far.transfer_s(1_000_000) == pytest.approx(far.latency_s + 8e6 / 100e6)


def test_ministry_platform_carries_its_departments():
    config = TopologyConfig(ministry_platforms=["G12"], central_departments=20)
    network = build_network(config, RolloutConfig(preset="2020-target"), seed=1)
    taxation = network.by_code["000.00.18.G12"]
    assert taxation.axis == "axis:G12"
    office = network.by_code["000.00.00.G22"]
    assert network.route(taxation, office) == ("axis:G12", NATIONAL_AXIS)


def test_every_ministry_on_its_platform_keeps_ministry_traffic_off_the_national_axis():
    network = build_network(TopologyConfig(ministry_platforms=["all"]),
                            RolloutConfig(preset="2020-target"), seed=1)
    central = [a for a in network.agencies if a.kind == "central_body"]
    assert len([a for a in network.axes.values() if a.kind == "ministry"]) == len(central)
    for department in (a for a in network.agencies if a.kind == "central_department"):
        ministry = network.agencies[department.parent]
        assert network.route(department, ministry) == (ministry.axis,)
    finance, province = network.by_code["000.00.00.G12"], network.by_code["000.00.00.H41"]
    assert NATIONAL_AXIS in network.route(finance, province)  # what crosses it still does
    assert network.connection_points == len(central) + 63


def test_unknown_ministry_platform_is_an_error():
    with pytest.raises(TopologyError, match="G77"):
        build_network(TopologyConfig(ministry_platforms=["G77"]), RolloutConfig(), seed=1)


def test_2025_structure_uses_post_2025_codes_for_communes():
    model = scenario_model("reform-2025")
    communes = [a for a in model.network.agencies if a.kind == "commune_committee"]
    assert len(communes) == 3_321
    assert all(parse_code(a.code).form == "2025" for a in communes)
    assert max(parse_code(a.code).path[0] for a in communes) > 99  # beyond QCVN 102's XX
    divisions = [a for a in model.network.agencies if a.kind == "commune_division"]
    assert len(divisions) == 3 * 3_321
    codes = [a.code for a in model.network.agencies]
    assert len(set(codes)) == len(codes)


def test_2019_preset_gives_95_connection_points_at_two_levels():
    network = scenario_model("baseline-2019").network
    assert network.connection_points == 95
    assert {a.level for a in network.connected} == {1, 2}
