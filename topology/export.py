"""GraphML export: the graph with the node attributes other tools (Gephi, yEd, networkx) read."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from topology.network import Network


def export_graphml(network: Network, path: Path) -> None:
    """Write nodes with kind, level, code, name, connected, lat, lon; edges with latency and
    bandwidth. GraphML is typed, so `connected` stays a boolean and coordinates stay floats."""
    nx.write_graphml(network.graph, path)
