"""Scenario sections the simulator owns: axis capacity, delivery mode, failures, traffic, run.

Strict pydantic models (unknown keys are errors), composed into the scenario by
`lienthong.scenario`. Operation costs are assumptions (a small Go/Java service on one core per
worker does a metadata write in a few ms); the calibration of baseline-2019 fits the traffic, not
these costs, because the published figures are counts, not timings (docs/simulation.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from topology.config import AGENCY_KINDS, StrictModel, parse_period

# Delivery is how agencies receive, shared with the load test, so it lives with the topology.
from topology.config import DeliveryConfig as DeliveryConfig

NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Priority = Annotated[int, Field(ge=0, le=3)]


class OperationCost(StrictModel):
    """Service time of one operation on an axis worker: a fixed part plus a part per KB."""

    fixed_ms: NonNegative = 2.0
    per_kb_ms: NonNegative = 0.0

    def seconds(self, size_bytes: float) -> float:
        return (self.fixed_ms + self.per_kb_ms * size_bytes / 1024.0) / 1000.0


class AxisOverride(StrictModel):
    """Capacity of one named axis (e.g. 'axis:national'), replacing the default."""

    workers: Annotated[int, Field(ge=1, le=100_000)] | None = None
    service_mean_s: Positive | None = None


class AxisCapacity(StrictModel):
    """Every axis node is a multi-worker server; costs per operation (assumptions by default)."""

    workers: Annotated[int, Field(ge=1, le=100_000)] = 8
    service_mean_s: Positive | None = Field(
        default=None,
        description="If set, every operation costs an exponential time of this mean and the "
        "per-operation costs are ignored (used by the analytic validation scenarios).",
    )
    send: OperationCost = OperationCost(fixed_ms=4.0, per_kb_ms=0.02)
    poll: OperationCost = OperationCost(fixed_ms=0.5)
    fetch: OperationCost = OperationCost(fixed_ms=2.0, per_kb_ms=0.01)
    ack: OperationCost = OperationCost(fixed_ms=1.0)
    status: OperationCost = OperationCost(fixed_ms=2.0)
    relay: OperationCost = OperationCost(fixed_ms=2.0, per_kb_ms=0.01)
    overrides: dict[str, AxisOverride] = Field(
        default_factory=dict,
        description="Per-axis capacity by axis name, e.g. overrides.'axis:national'.workers = 32.",
    )

    def for_axis(self, name: str) -> tuple[int, float | None]:
        """(workers, service_mean_s) of one axis after overrides."""
        override = self.overrides.get(name)
        workers, mean = self.workers, self.service_mean_s
        if override is not None:
            workers = override.workers or workers
            mean = override.service_mean_s or mean
        return workers, mean


class OutageWindow(StrictModel):
    """A scheduled outage, in simulated seconds from the start of the run: of one axis
    (`axis = "axis:H01"`), or of the link between a provincial or ministry axis and the national
    axis (`link = "axis:H01"`)."""

    axis: str | None = None
    link: str | None = None
    start_s: NonNegative
    duration_s: Positive

    @model_validator(mode="after")
    def _axis_or_link(self) -> OutageWindow:
        if (self.axis is None) == (self.link is None):
            raise ValueError("an outage names exactly one of axis or link")
        return self


class FailureConfig(StrictModel):
    """Outages: scheduled windows and/or drawn from MTBF/MTTR; retries back off exponentially."""

    outages: list[OutageWindow] = Field(default_factory=list)
    mtbf_hours: Positive | None = None
    mttr_minutes: Positive = 30.0
    retry_initial_s: Positive = 30.0
    retry_max_s: Positive = 1200.0

    @model_validator(mode="after")
    def _retry_order(self) -> FailureConfig:
        if self.retry_max_s < self.retry_initial_s:
            raise ValueError(f"retry_max_s ({self.retry_max_s:g}) is below retry_initial_s "
                             f"({self.retry_initial_s:g})")
        return self


class SimulationConfig(StrictModel):
    """Run settings: replications, warm-up, how long to run and what to simulate."""

    replications: Annotated[int, Field(ge=1, le=1000)] = 1
    days: Annotated[int, Field(ge=1, le=3660)] | None = Field(
        default=None, description="Working days to simulate; default: the calendar's span."
    )
    warmup_s: NonNegative = 0.0
    horizon_s: Positive | None = Field(
        default=None, description="Simulate this many seconds instead of calendar days "
        "(required with [traffic])."
    )
    scope: Literal["all", "national"] = Field(
        default="all",
        description="'national': simulate only deliveries whose route crosses the national axis "
        "(what the national axis counts); traffic inside a province is left out.",
    )
    bin_s: Positive | None = Field(
        default=None,
        description="Time-series bin; default: a round width giving at most 1,500 bins.",
    )
    drain_limit_s: Positive = Field(
        default=7 * 86400.0,
        description="After the last arrival, keep simulating until everything is delivered, "
        "at most this long; what is left then is reported as in_flight.",
    )


class Flow(StrictModel):
    """One sender -> recipient pair of the Poisson traffic, by agency code, with its share."""

    sender: str
    recipient: str
    share: Positive = 1.0


class TrafficConfig(StrictModel):
    """Stationary Poisson traffic instead of the calendar demand (validation scenarios)."""

    rate_per_s: Positive
    flows: list[Flow] = Field(min_length=1)
    size_kb: Positive | None = Field(
        default=None, description="Fixed package size; default: the demand's size distribution."
    )


class Broadcast(StrictModel):
    """One sender to every connected agency of a kind, at a time of day (every working day, or
    one date)."""

    sender: str = Field(description="Agency code of the sender, e.g. '000.00.00.G22'.")
    to_kind: str
    time: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    date: dt.date | None = None
    priority: Priority = 1

    @field_validator("to_kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in AGENCY_KINDS:
            raise ValueError(f"unknown agency kind {value!r}; expected one of {AGENCY_KINDS}")
        return value

    def seconds_of_day(self) -> int:
        start, _ = parse_period(f"{self.time}-24:00")
        return start
