"""The network: agencies and axes in one networkx graph, with links and cached routes.

A document from a commune to a ministry travels commune -> provincial axis (LGSP) -> national axis
-> ministry (DOMAIN.md). Here every agency is a node attached by one link to its axis; every
provincial or ministry axis is linked to the national axis. Routes between agencies depend only on
the pair of axes they attach to, so the axis-level route for each pair is computed once (shortest
path by latency on the graph) and cached: tens of thousands of agencies share a few thousand
axis pairs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import networkx as nx

from topology.admin_units import AdminStructure
from topology.agencies import NATIONAL_AXIS, Agency, ministry_axis, province_axis
from topology.central import platform_bodies
from topology.config import KIND_LEVEL, TopologyConfig

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True, slots=True)
class Axis:
    """An exchange platform: the national axis, a provincial axis (LGSP) or a ministry's."""

    name: str
    kind: str
    """national, provincial or ministry."""
    level: int
    """1 for the national and ministry axes, 2 for provincial ones."""
    lat: float
    lon: float
    label: str


@dataclass(frozen=True, slots=True)
class Link:
    latency_s: float
    bandwidth_bps: float

    def transfer_s(self, size_bytes: float) -> float:
        """Time for one package to cross the link: latency plus serialisation."""
        return self.latency_s + size_bytes * 8.0 / self.bandwidth_bps


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


class Network:
    """Agencies, axes, the graph joining them, and routes between connected agencies."""

    def __init__(self, config: TopologyConfig, structure: AdminStructure,
                 agencies: list[Agency], seed: int = 0) -> None:
        self.config = config
        self.seed = seed
        """The scenario's seed: who is connected was drawn from it, and so are the volumes."""
        self.structure = structure
        self.agencies = agencies
        self.by_code = {agency.code: agency for agency in agencies}
        self.axes = self._make_axes()
        self.graph = self._make_graph()
        self._axis_routes: dict[tuple[str, str], tuple[str, ...]] | None = None

    # -- construction ------------------------------------------------------------------------

    def _make_axes(self) -> dict[str, Axis]:
        cfg = self.config
        axes = {NATIONAL_AXIS: Axis(NATIONAL_AXIS, "national", 1, cfg.national_axis_lat,
                                    cfg.national_axis_lon, "Trục liên thông văn bản quốc gia")}
        for province in self.structure.provinces:
            name = province_axis(province.number)
            axes[name] = Axis(name, "provincial", 2, province.lat, province.lon,
                              f"LGSP {province.name}")
        for body in platform_bodies(cfg.structure, cfg.ministry_platforms):
            name = ministry_axis(body)
            axes[name] = Axis(name, "ministry", 1, cfg.national_axis_lat, cfg.national_axis_lon,
                              f"Platform {body}")
        return axes

    def _link_latency_s(self, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        cfg = self.config
        km = distance_km(lat1, lon1, lat2, lon2)
        return (cfg.link_base_latency_ms + cfg.link_latency_ms_per_100km * km / 100.0) / 1000.0

    def _make_graph(self) -> nx.Graph:
        cfg = self.config
        bandwidth = cfg.link_bandwidth_mbps * 1e6
        graph = nx.Graph()
        national = self.axes[NATIONAL_AXIS]
        for axis in self.axes.values():
            graph.add_node(axis.name, kind="axis", level=axis.level, code=axis.name,
                           name=axis.label, connected=True, lat=axis.lat, lon=axis.lon)
            if axis.name == NATIONAL_AXIS:
                continue
            override = cfg.link_latency_override_ms.get(axis.name)
            latency = (override / 1000.0 if override is not None else
                       self._link_latency_s(axis.lat, axis.lon, national.lat, national.lon))
            graph.add_edge(axis.name, NATIONAL_AXIS, latency_s=latency, bandwidth_bps=bandwidth)
        for agency in self.agencies:
            axis = self.axes[agency.axis]
            graph.add_node(agency.code, kind="agency", level=KIND_LEVEL[agency.kind],
                           code=agency.code, name=agency.name, connected=agency.connected,
                           lat=agency.lat, lon=agency.lon)
            graph.add_edge(agency.code, axis.name, bandwidth_bps=bandwidth,
                           latency_s=self._link_latency_s(agency.lat, agency.lon, axis.lat,
                                                          axis.lon))
        return graph

    # -- queries -----------------------------------------------------------------------------

    @cached_property
    def connected(self) -> list[Agency]:
        return [agency for agency in self.agencies if agency.connected]

    @cached_property
    def connection_points(self) -> int:
        """Systems attached directly to the national axis: central bodies, provincial and
        ministry axes with at least one connected agency behind them."""
        points = {a.axis for a in self.connected if a.axis != NATIONAL_AXIS}
        points |= {a.code for a in self.connected
                   if a.axis == NATIONAL_AXIS and a.kind == "central_body"}
        return len(points)

    def link(self, a: str, b: str) -> Link:
        data = self.graph.edges[a, b]
        return Link(data["latency_s"], data["bandwidth_bps"])

    @property
    def axis_routes(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """Shortest (by latency) route between every pair of axes, computed once."""
        if self._axis_routes is None:
            axes_only = self.graph.subgraph(self.axes).copy()
            self._axis_routes = {
                (src, dst): tuple(path)
                for src, paths in nx.all_pairs_dijkstra_path(axes_only, weight="latency_s")
                for dst, path in paths.items()
            }
        return self._axis_routes

    def axis_route(self, src_axis: str, dst_axis: str) -> tuple[str, ...]:
        """Axes a document crosses from one axis to another, both ends included."""
        return self.axis_routes[src_axis, dst_axis]

    def route(self, src: Agency, dst: Agency) -> tuple[str, ...]:
        """Axes a document from `src` to `dst` crosses, in order."""
        return self.axis_route(src.axis, dst.axis)

    def path(self, src: Agency, dst: Agency) -> tuple[str, ...]:
        """Every graph node on the way: sender, the axes, recipient."""
        return (src.code, *self.route(src, dst), dst.code)

