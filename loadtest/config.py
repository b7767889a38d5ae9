"""Scenario section the load test owns: users, time compression, shape, drain and thresholds.

Every field has a command-line or `--set loadtest.KEY=VALUE` override. Times ending in `_s` are
real (wall-clock) seconds unless they say "scenario".
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from loadtest.shapes import AnyShape
from loadtest.shapes.day import DayShape
from topology.config import StrictModel

Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class LoadTestConfig(StrictModel):
    """Defaults for `lienthong loadtest`; every one can be overridden on the command line."""

    users: Annotated[int, Field(ge=1, le=100_000)] = 20
    agencies_per_user: Annotated[int, Field(ge=1, le=10_000)] = Field(
        default=1,
        description="Sending agency systems each Locust user plays, sampled by demand weight. "
        "The agencies they may write to are played too (they poll and answer).",
    )
    demand_scale: Annotated[float, Field(gt=0.0, le=1000.0)] = Field(
        default=10.0,
        description="Multiple of the scenario's documents per day the senders send. 10 by "
        "default, so that a short default run moves documents visibly (target-2020: about 3 "
        "a second instead of 0.3) while polling, which does not depend on it, stays as it "
        "is; 1 sends the scenario's own demand (compare with a simulation of the same).",
    )
    spawn_rate: Positive = 10.0
    run_time_s: Positive = 60.0
    time_scale: Positive = Field(
        default=48.0, description="Simulated seconds per real second (a working day in 10 min)."
    )
    shape: AnyShape = Field(
        default_factory=DayShape,
        description="How the send rate moves (loadtest/shapes/): a bare name (shape = \"step\") "
        "or a table with kind and that shape's own keys ([loadtest.shape] kind = \"spike\", "
        "factor = 3). day: the calendar's working day compressed by time_scale; constant: the "
        "nominal rate throughout; step: the rate rises step by step (find the knee); spike: a "
        "burst.",
    )
    start_of_day: str = Field(
        default="", pattern=r"^$|^([01]\d|2[0-3]):[0-5]\d$",
        description="Scenario time of day the run starts at (HH:MM); default: the start of the "
        "first working period.",
    )
    poll_interval_s: Positive | None = Field(
        default=None,
        description="Real seconds between inbox polls; default delivery.poll_interval_s / "
        "time_scale.",
    )
    registration_delay_s: NonNegative | None = Field(
        default=None,
        description="Real mean delay before status 03; default delivery.registration_delay_s "
        "/ time_scale.",
    )
    drain_s: Positive = Field(
        default=60.0,
        description="Longest wait after sending stops for every accepted delivery to be fetched.",
    )
    late_threshold_s: Positive = Field(
        default=0.05, description="A send leaving later than this after its intended time is late."
    )
    max_in_flight: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=200, description="Concurrent sends per user; beyond it sends wait (and turn late)."
    )
    p99_latency_s: Positive | None = Field(default=None, description="Fail above this p99.")
    max_failure_ratio: Annotated[float, Field(ge=0.0, le=1.0)] = 0.01
    max_lost: Annotated[int, Field(ge=0)] = Field(default=0, description="Fail above this loss.")

    @field_validator("shape", mode="before")
    @classmethod
    def _bare_name(cls, value: Any) -> Any:
        """`shape = "step"` is short for `[loadtest.shape] kind = "step"` with its defaults."""
        return {"kind": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _shape_fits_the_run(self) -> LoadTestConfig:
        self.shape.check(self.run_time_s)
        return self
