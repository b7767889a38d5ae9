"""Flat routing tables agree with the topology's routes."""

from __future__ import annotations

from sim.replications import build
from sim.routing import Routes
from tests.sim.simcase import sim_input


def test_tables_follow_the_topology_routes() -> None:
    network = build(sim_input("validation/jackson.toml")).network
    routes = Routes(network)
    h01, h02 = routes.axis_index["axis:H01"], routes.axis_index["axis:H02"]
    national = routes.national
    assert routes.next_hop[h01][h02] == national
    assert routes.next_hop[national][h02] == h02
    assert routes.next_hop[h02][h02] == h02
    assert routes.crosses[h01][h02] and routes.crosses[national][national]
    assert not routes.crosses[h01][h01]
    committee = network.by_code["000.00.00.H01"]
    assert routes.ag_axis[committee.index] == h01
    assert routes.ag_level[committee.index] == 2
    assert routes.link_latency[h01, national] == routes.link_latency[national, h01]
