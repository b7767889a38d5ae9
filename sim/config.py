"""Scenario sections the simulator owns: axis capacity, delivery mode, failures, traffic, run.

Strict pydantic models (unknown keys are errors), composed into the scenario by
`lienthong.scenario`. What varies is one class per kind, joined here by a discriminated union:
outages (sim/outages.py) and demand sources (sim/sources.py). Operation costs are assumptions (a
small Go/Java service on one core per worker does a metadata write in a few ms); the calibration
of baseline-2019 fits the traffic, not these costs, because the published figures are counts,
not timings (docs/simulation.md).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.outages import Outage
from sim.sources import Broadcast, CalendarDemand, ServiceSync, StationaryTraffic
from topology.config import CLOCK, StrictModel

# Delivery is how agencies receive, shared with the load test, so it lives with the topology.
from topology.config import DeliveryConfig as DeliveryConfig
from topology.outages import RETRY_INITIAL_S, RETRY_MAX_S

NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class OperationCost(StrictModel):
    """Service time of one operation on an axis worker: a fixed part plus a part per KB."""

    fixed_ms: NonNegative = 2.0
    per_kb_ms: NonNegative = 0.0

    def seconds(self, size_bytes: float) -> float:
        return (self.fixed_ms + self.per_kb_ms * size_bytes / 1024.0) / 1000.0


class CommitCost(StrictModel):
    """The group commit of an axis that makes writes durable before it answers them."""

    fixed_ms: NonNegative = Field(
        description="Time of one commit whatever it carries (the write-ahead log's fsync).")
    per_write_ms: NonNegative = Field(
        default=0.0, description="What each write it carries adds to a commit.")


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
    commit: CommitCost | None = Field(
        default=None,
        description="If set, each write (send, relay, status, ack) is answered only after a "
        "group commit, a stage of its own after the worker: one commit at a time, carrying "
        "every write that finished while the previous one ran, taking fixed_ms + per_write_ms "
        "x writes. The operation costs are then the workers' part only (docs/simulation.md, "
        "'Measured costs'). Unset: a write is answered when its worker is done.",
    )
    speedup: Positive = Field(
        default=1.0,
        description="Hardware this many times faster than the one the costs were measured on: "
        "every cost (and service_mean_s) is divided by it. More cores or processes per axis "
        "are more workers instead (docs/simulation.md, 'Measured costs').",
    )
    overrides: dict[str, AxisOverride] = Field(
        default_factory=dict,
        description="Per-axis capacity by axis name, e.g. overrides.'axis:national'.workers = 32.",
    )

    def effective(self) -> AxisCapacity:
        """The capacity the simulator runs with: costs divided by `speedup` (then 1)."""
        if self.speedup == 1.0:
            return self
        factor = 1.0 / self.speedup

        def scaled(cost: OperationCost) -> OperationCost:
            return OperationCost(fixed_ms=cost.fixed_ms * factor,
                                 per_kb_ms=cost.per_kb_ms * factor)

        mean = self.service_mean_s * factor if self.service_mean_s is not None else None
        overrides = {name: o.model_copy(update={
            "service_mean_s": o.service_mean_s * factor if o.service_mean_s else None})
            for name, o in self.overrides.items()}
        commit = None if self.commit is None else CommitCost(
            fixed_ms=self.commit.fixed_ms * factor,
            per_write_ms=self.commit.per_write_ms * factor)
        return self.model_copy(update={
            "speedup": 1.0, "service_mean_s": mean, "overrides": overrides, "commit": commit,
            **{op: scaled(getattr(self, op))
               for op in ("send", "poll", "fetch", "ack", "status", "relay")}})

    def for_axis(self, name: str) -> tuple[int, float | None]:
        """(workers, service_mean_s) of one axis after overrides."""
        override = self.overrides.get(name)
        workers, mean = self.workers, self.service_mean_s
        if override is not None:
            workers = override.workers or workers
            mean = override.service_mean_s or mean
        return workers, mean


class FailureConfig(StrictModel):
    """Outages: scheduled windows and/or drawn from MTBF/MTTR; retries back off exponentially."""

    outages: list[Outage] = Field(default_factory=list)
    mtbf_hours: Positive | None = None
    mttr_minutes: Positive = 30.0
    retry_initial_s: Positive = RETRY_INITIAL_S
    retry_max_s: Positive = RETRY_MAX_S

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
        "(required with [traffic]); counted from the start (`start_at`)."
    )
    start_at: str | None = Field(
        default=None,
        description="Calendar demand: start on the first simulated day at this time ('HH:MM') "
        "instead of its first working period; documents before it are not sent. With "
        "horizon_s and warmup_s, a window of the day such as its busy hour (docs/frontier.md). "
        "Scheduled outages still count from the first working period.",
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

    @field_validator("start_at")
    @classmethod
    def _start_at_is_a_time(cls, value: str | None) -> str | None:
        if value is not None and not CLOCK.match(value):
            raise ValueError("not a time of day of the form HH:MM (00:00-23:59)")
        return value


DemandSource = Annotated[CalendarDemand | StationaryTraffic | Broadcast | ServiceSync,
                         Field(discriminator="kind")]
"""Every demand source kind, chosen by `kind` (sim/sources.py; `SimInput.sources`)."""
