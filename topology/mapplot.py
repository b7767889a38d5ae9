"""A map of the network: agencies at their coordinates by level, axes and their links.

Connected agencies are drawn in their level's colour, unconnected ones as faint grey, so a
planner sees at a glance how far a rollout reaches. Axes sit on top with their links to the
national axis.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from topology.agencies import NATIONAL_AXIS
from topology.network import Network

LEVEL_STYLE = {
    1: ("central", "#b2182b", 40),
    2: ("province", "#ef8a62", 18),
    3: ("district", "#2166ac", 6),
    4: ("commune", "#67a9cf", 1.5),
}


def draw_map(network: Network, path: Path, title: str = "") -> None:
    fig, ax = plt.subplots(figsize=(7, 11), dpi=110, layout="constrained")
    draw_on(ax, network, title)
    fig.savefig(path)
    plt.close(fig)


def draw_on(ax: plt.Axes, network: Network, title: str = "", legend_size: float = 7) -> None:
    """The map into a given Axes (the report puts several side by side). The legend sits below
    the map, so it covers no marker, with markers of one size, so the star does not overflow
    it; margins keep the national axis's star inside the frame."""
    agencies = network.agencies
    lat = np.array([a.lat for a in agencies])
    lon = np.array([a.lon for a in agencies])
    level = np.array([a.level for a in agencies])
    connected = np.array([a.connected for a in agencies])
    off = ~connected
    if off.any():
        ax.scatter(lon[off], lat[off], s=1, c="#d0d0d0", linewidths=0, label="not connected",
                   zorder=1)
    for lvl in (4, 3, 2, 1):
        name, colour, size = LEVEL_STYLE[lvl]
        mask = connected & (level == lvl)
        if mask.any():
            ax.scatter(lon[mask], lat[mask], s=size, c=colour, linewidths=0, zorder=2 + 4 - lvl,
                       label=f"{name} ({int(mask.sum()):,} connected)")
    national = network.axes[NATIONAL_AXIS]
    for axis in network.axes.values():
        if axis.name != NATIONAL_AXIS:
            ax.plot([axis.lon, national.lon], [axis.lat, national.lat], color="#555555",
                    linewidth=0.5, alpha=0.6, zorder=6)
    prov = [a for a in network.axes.values() if a.kind != "national"]
    ax.scatter([a.lon for a in prov], [a.lat for a in prov], marker="s", s=30,
               facecolors="none", edgecolors="black", linewidths=0.9, zorder=7,
               label=f"provincial/ministry axes ({len(prov)})")
    ax.scatter([national.lon], [national.lat], marker="*", s=200, c="gold", edgecolors="black",
               zorder=8, label="national axis (Hà Nội)")
    ax.margins(0.06)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_aspect("equal")
    ax.set_title(title or f"lienthong network ({network.structure.name} structure)")
    legend = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=2,
                       fontsize=legend_size, frameon=False)
    for handle in legend.legend_handles:
        handle.set_sizes([30.0])  # type: ignore[union-attr]
    ax.grid(alpha=0.2)
