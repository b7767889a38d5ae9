"""The network as flat tables for the hot path: each agency's axis, level and link; the next axis
toward any axis; whether a route crosses the national axis; the links between axes.

The topology's graph and cached routes (`topology.network`) are the source; here they become
lists indexed by integers, because the simulator asks these questions millions of times and a
list lookup is the cheapest thing Python does.
"""

from __future__ import annotations

from topology.agencies import NATIONAL_AXIS
from topology.network import Network


class Routes:
    """Integer-indexed routing and link tables of one network."""

    def __init__(self, network: Network) -> None:
        self.axis_names = list(network.axes)
        index = {name: i for i, name in enumerate(self.axis_names)}
        self.axis_index = index
        self.national = index[NATIONAL_AXIS]
        agencies = network.agencies
        self.ag_axis = [index[a.axis] for a in agencies]
        self.ag_level = [a.level for a in agencies]
        self.ag_latency = [0.0] * len(agencies)
        """Latency of each agency's link to its axis (s)."""
        self.ag_bits = [0.0] * len(agencies)
        """Seconds per byte on that link."""
        for agency in agencies:
            link = network.link(agency.code, agency.axis)
            self.ag_latency[agency.index] = link.latency_s
            self.ag_bits[agency.index] = 8.0 / link.bandwidth_bps
        n = len(self.axis_names)
        self.next_hop = [[0] * n for _ in range(n)]
        """next_hop[a][d]: the axis after a toward d (a itself when a == d)."""
        self.crosses = [[False] * n for _ in range(n)]
        """crosses[a][d]: the route from axis a to axis d crosses the national axis."""
        for (src, dst), route in network.axis_routes.items():
            a, d = index[src], index[dst]
            self.next_hop[a][d] = index[route[1]] if len(route) > 1 else a
            self.crosses[a][d] = NATIONAL_AXIS in route
        self.link_latency: dict[tuple[int, int], float] = {}
        self.link_bits: dict[tuple[int, int], float] = {}
        for a_name, b_name in network.graph.subgraph(self.axis_names).edges:
            link = network.link(a_name, b_name)
            for pair in ((index[a_name], index[b_name]), (index[b_name], index[a_name])):
                self.link_latency[pair] = link.latency_s
                self.link_bits[pair] = 8.0 / link.bandwidth_bps
