"""One call from scenario sections to the network and its demand."""

from __future__ import annotations

from dataclasses import dataclass

from topology.agencies import build_agencies
from topology.config import DemandConfig, RolloutConfig, TopologyConfig
from topology.demand import Demand
from topology.network import Network
from topology.rollout import draw_connected


@dataclass(frozen=True)
class Topology:
    """The network and the traffic over it: what the simulator and the load test share."""

    network: Network
    demand: Demand


def build_network(topology: TopologyConfig, rollout: RolloutConfig, seed: int) -> Network:
    structure, agencies = build_agencies(topology)
    draw_connected(agencies, rollout.resolved(), seed)
    return Network(topology, structure, agencies, seed)


def build_topology(topology: TopologyConfig, rollout: RolloutConfig, demand: DemandConfig,
                seed: int) -> Topology:
    network = build_network(topology, rollout, seed)
    return Topology(network, Demand(network, demand))
