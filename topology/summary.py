"""Headline figures of a model: counts per level, connected agencies, expected daily traffic."""

from __future__ import annotations

from typing import Any

from topology.build import Topology

LEVEL_NAMES = {1: "central", 2: "province", 3: "district", 4: "commune"}


def summarize(model: Topology) -> dict[str, Any]:
    """The `lienthong topology --json` object."""
    network, demand = model.network, model.demand
    structure = network.structure
    levels: dict[str, dict[str, Any]] = {}
    for level, name in LEVEL_NAMES.items():
        agencies = [a for a in network.agencies if a.level == level]
        traffic = demand.per_level[level]
        levels[name] = {
            "agencies": len(agencies),
            "connected": sum(1 for a in agencies if a.connected),
            "documents_per_day": round(traffic["documents_per_day"], 1),
            "deliveries_per_day": round(float(traffic["deliveries_per_day"]), 1),
        }
    return {
        "structure": structure.name,
        "provinces": len(structure.provinces),
        "districts": structure.district_count,
        "communes": structure.commune_count,
        "axes": len(network.axes),
        "connection_points": network.connection_points,
        "nodes": network.graph.number_of_nodes(),
        "edges": network.graph.number_of_edges(),
        "levels": levels,
        "demand": {
            "documents_per_day": round(demand.documents_per_day, 1),
            "deliveries_per_day": round(demand.deliveries_per_day, 1),
            "mean_recipients": round(demand.mean_recipients, 4),
        },
    }


def format_table(summary: dict[str, Any]) -> str:
    """A plain-text table per level for the terminal."""
    lines = [
        f"structure {summary['structure']}: {summary['provinces']} provinces, "
        f"{summary['districts']} districts, {summary['communes']} communes; "
        f"{summary['axes']} axes, {summary['connection_points']} connection points to the "
        f"national axis; graph {summary['nodes']} nodes / {summary['edges']} edges",
        "",
        f"{'level':<10}{'agencies':>10}{'connected':>11}{'docs/day':>12}{'deliveries/day':>16}",
    ]
    for name, row in summary["levels"].items():
        lines.append(f"{name:<10}{row['agencies']:>10,}{row['connected']:>11,}"
                     f"{row['documents_per_day']:>12,.0f}{row['deliveries_per_day']:>16,.0f}")
    demand = summary["demand"]
    total_agencies = sum(r["agencies"] for r in summary["levels"].values())
    total_connected = sum(r["connected"] for r in summary["levels"].values())
    lines.append(f"{'total':<10}{total_agencies:>10,}{total_connected:>11,}"
                 f"{demand['documents_per_day']:>12,.0f}{demand['deliveries_per_day']:>16,.0f}")
    lines.append("")
    lines.append(f"mean recipients per document: {demand['mean_recipients']:.3f} "
                 "(deliveries counted at the recipient's level; per working day)")
    return "\n".join(lines)
