"""The network model of the four government levels: agencies, axes, routes, rollout and demand.

Everything that needs to know who exists, who is connected, how a document travels and how much
traffic there is draws it from here, so the simulator and the load test see the same country.
"""

from topology.config import CalendarConfig, DemandConfig, RolloutConfig, TopologyConfig
from topology.errors import TopologyError

__all__ = ["CalendarConfig", "DemandConfig", "RolloutConfig", "TopologyConfig", "TopologyError"]
