"""Scenario sections the simulator owns: axis capacity, delivery mode, failures, run settings.

Strict pydantic models (unknown keys are errors), composed into the scenario by
`lienthong.scenario`. Defaults are assumptions until calibrated (`lienthong calibrate`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from topology.config import StrictModel

NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]


class OperationCost(StrictModel):
    """Service time of one operation on an axis worker: a fixed part plus a part per KB."""

    fixed_ms: NonNegative = 2.0
    per_kb_ms: NonNegative = 0.0


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


class DeliveryConfig(StrictModel):
    """How recipients learn of documents: polling every T seconds, long polling, or push."""

    mode: Literal["poll", "long_poll", "push"] = "poll"
    poll_interval_s: Positive = 60.0
    long_poll_timeout_s: Positive = 30.0
    registration_delay_s: NonNegative = Field(
        default=600.0, description="Mean time from fetch to status 03 (registered)."
    )



class OutageWindow(StrictModel):
    """A scheduled outage of one axis, in simulated seconds from the start of the run."""

    axis: str
    start_s: NonNegative
    duration_s: Positive


class FailureConfig(StrictModel):
    """Outages: scheduled windows and/or drawn from MTBF/MTTR; retries back off exponentially."""

    outages: list[OutageWindow] = Field(default_factory=list)
    mtbf_hours: Positive | None = None
    mttr_minutes: Positive = 30.0
    retry_initial_s: Positive = 30.0
    retry_max_s: Positive = 1200.0


class SimulationConfig(StrictModel):
    """Run settings: replications, warm-up and how long to run."""

    replications: Annotated[int, Field(ge=1, le=1000)] = 1
    days: Annotated[int, Field(ge=1, le=3660)] | None = Field(
        default=None, description="Working days to simulate; default: the calendar's span."
    )
    warmup_s: NonNegative = 0.0
    horizon_s: Positive | None = Field(
        default=None, description="Simulate this many seconds instead of calendar days."
    )
