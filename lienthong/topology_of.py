"""From a loaded scenario to the topology model, with topology errors phrased for the user."""

from __future__ import annotations

from lienthong.errors import UserError
from lienthong.scenario import LoadedScenario
from topology.build import Topology, build_topology
from topology.errors import TopologyError


def topology_of(loaded: LoadedScenario) -> Topology:
    scenario = loaded.scenario
    try:
        return build_topology(scenario.topology, scenario.rollout, scenario.demand, scenario.seed)
    except TopologyError as error:
        raise UserError(f"{loaded.path}: {error}") from None
