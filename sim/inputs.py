"""What one replication needs, built from a scenario in one place.

`SimInput.of(scenario)` reads the sections the simulator owns from any object that has them as
attributes (`lienthong.scenario.Scenario`, or a test's stand-in): `sim` does not import
`lienthong`. Plain data, picklable to worker processes (and to Dask workers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.config import (
    AxisCapacity,
    DeliveryConfig,
    DemandSource,
    FailureConfig,
    SimulationConfig,
)
from sim.sources import Broadcast, CalendarDemand, ServiceSync, StationaryTraffic
from topology.config import CalendarConfig, DemandConfig, RolloutConfig, TopologyConfig


class SimInputError(ValueError):
    """A scenario the simulator cannot run (unknown agency code or axis name, no horizon)."""


@dataclass(frozen=True)
class SimInput:
    """Everything one replication needs; plain data, picklable to worker processes."""

    name: str
    seed: int
    topology: TopologyConfig
    rollout: RolloutConfig
    demand: DemandConfig
    calendar: CalendarConfig
    axis: AxisCapacity
    delivery: DeliveryConfig
    failures: FailureConfig
    simulation: SimulationConfig
    traffic: StationaryTraffic | None = None
    """Stationary traffic replaces the calendar demand (sim/sources.py)."""
    broadcasts: list[Broadcast] = field(default_factory=list)
    service_sync: ServiceSync | None = None
    """The public service portal's sync messages, beside the documents (sim/sources.py)."""

    @classmethod
    def of(cls, scenario: Any) -> SimInput:
        """From a scenario: `name`, `seed` and the sections `topology`, `rollout`, `demand`,
        `calendar`, `axis`, `delivery`, `failures`, `simulation`, `traffic`, `broadcasts` (and
        `service_sync` if it has one)."""
        return cls(scenario.name, scenario.seed, scenario.topology, scenario.rollout,
                   scenario.demand, scenario.calendar, scenario.axis, scenario.delivery,
                   scenario.failures, scenario.simulation, scenario.traffic,
                   list(scenario.broadcasts), getattr(scenario, "service_sync", None))

    @property
    def sources(self) -> list[DemandSource]:
        """The demand sources this run starts, in order: stationary traffic if given, else the
        calendar demand; then each broadcast; then the portal's sync messages, if any."""
        first: DemandSource = self.traffic if self.traffic is not None else CalendarDemand()
        sync = [self.service_sync] if self.service_sync is not None else []
        return [first, *self.broadcasts, *sync]
