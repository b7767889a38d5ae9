"""From a loaded scenario to the topology model, with topology errors phrased for the user."""

from __future__ import annotations

from lienthong.errors import UserError
from lienthong.scenario import LoadedScenario
from topology.build import Model, build_model
from topology.errors import TopologyError


def build_scenario_model(loaded: LoadedScenario) -> Model:
    scenario = loaded.scenario
    try:
        return build_model(scenario.topology, scenario.rollout, scenario.demand, scenario.seed)
    except TopologyError as error:
        raise UserError(f"{loaded.path}: {error}") from None
