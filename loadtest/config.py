"""Scenario section the load test owns: target, users, time compression and pass thresholds."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from topology.config import StrictModel

Positive = Annotated[float, Field(gt=0.0)]


class LoadTestConfig(StrictModel):
    """Defaults for `lienthong loadtest`; every one can be overridden on the command line."""

    users: Annotated[int, Field(ge=1, le=100_000)] = 20
    spawn_rate: Positive = 10.0
    run_time_s: Positive = 60.0
    time_scale: Positive = Field(
        default=48.0, description="Simulated seconds per real second (a working day in 10 min)."
    )
    p99_latency_s: Positive | None = Field(default=None, description="Fail above this p99.")
    max_failure_ratio: Annotated[float, Field(ge=0.0, le=1.0)] = 0.01
