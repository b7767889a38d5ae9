"""Scenario section the load test owns: users, time compression, shape, drain and thresholds.

Every field has a command-line or `--set loadtest.KEY=VALUE` override. Times ending in `_s` are
real (wall-clock) seconds unless they say "scenario".
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

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
    spawn_rate: Positive = 10.0
    run_time_s: Positive = 60.0
    time_scale: Positive = Field(
        default=48.0, description="Simulated seconds per real second (a working day in 10 min)."
    )
    shape: Literal["day", "constant", "step", "spike"] = Field(
        default="day",
        description="day: the calendar's working-day profile compressed by time_scale; "
        "constant: the nominal rate throughout; step: the rate rises by step_increase every "
        "step_s (find the knee); spike: spike_factor times the rate for spike_duration_s.",
    )
    start_of_day: str = Field(
        default="", pattern=r"^$|^([01]\d|2[0-3]):[0-5]\d$",
        description="Scenario time of day the run starts at (HH:MM); default: the start of the "
        "first working period.",
    )
    step_s: Positive = 10.0
    step_increase: Positive = 0.5
    spike_at_s: NonNegative = 20.0
    spike_duration_s: Positive = 10.0
    spike_factor: Annotated[float, Field(ge=1.0, le=1000.0)] = 5.0
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

    @model_validator(mode="after")
    def _spike_inside_run(self) -> LoadTestConfig:
        if self.shape == "spike" and self.spike_at_s >= self.run_time_s:
            raise ValueError(
                f"spike_at_s ({self.spike_at_s:g}) is not before run_time_s ({self.run_time_s:g})"
            )
        return self
