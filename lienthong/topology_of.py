"""From a loaded scenario to the topology model, with topology errors phrased for the user."""

from __future__ import annotations

from lienthong.errors import UserError
from lienthong.scenario import LoadedScenario
from topology.build import Topology, build_topology
from topology.config import CalendarConfig
from topology.errors import TopologyError
from topology.network import Network


def topology_of(loaded: LoadedScenario) -> Topology:
    scenario = loaded.scenario
    try:
        return build_topology(scenario.topology, scenario.rollout, scenario.demand, scenario.seed)
    except TopologyError as error:
        raise UserError(f"{loaded.path}: {error}") from None


def axis_labels(network: Network) -> dict[str, str]:
    """Axis names as a planner says them: "Nghệ An (H41) provincial axis", "national axis"."""
    labels = {}
    for name, axis in network.axes.items():
        code = name.removeprefix("axis:")
        place = axis.label.removeprefix("LGSP ").removeprefix("Tỉnh ")
        labels[name] = ("national axis" if axis.kind == "national"
                        else f"{place} ({code}) {axis.kind} axis")
    return labels


def shortest_deadline_s(calendar: CalendarConfig) -> float:
    """The shortest legal delivery window: a document sent at the end of a working day is due
    by the end of the next working day's first period (consecutive working days)."""
    periods = calendar.periods_seconds()
    return 86400.0 - periods[-1][1] + periods[0][1]
