"""The parts of a scenario the load generator needs, read without `lienthong`.

`locust -f loadtest/locustfile.py` must work on its own (and on worker machines that have only
this package and `topology`), so the locustfile cannot use `lienthong.scenario`. This module
reads the same TOML, applies the same `--set KEY=VALUE` overrides, and validates the sections the
load generator uses with their owners' strict models (reading and overrides are shared with
`lienthong.scenario` through `topology.scenario_file`). `lienthong loadtest` validates the whole
file strictly before it gets here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from loadtest.config import LoadTestConfig
from topology.config import (
    CalendarConfig,
    DeliveryConfig,
    DemandConfig,
    RolloutConfig,
    TopologyConfig,
)
from topology.scenario_file import (
    ScenarioFileError,
    apply_overrides,
    format_validation_error,
    read_toml,
)

ScenarioError = ScenarioFileError
"""A scenario the load generator cannot use; the message is one line naming the problem."""

IGNORED_SECTIONS = ("traffic", "broadcasts", "failures")
"""Sections that change what the simulator models and that the load test cannot play: it sends
the calendar's demand from real agency systems to a real axis, and injects no failures. A run
that dropped them silently would measure another question than the scenario asks."""


@dataclass(frozen=True)
class LoadScenario:
    name: str
    seed: int
    topology: TopologyConfig
    rollout: RolloutConfig
    demand: DemandConfig
    calendar: CalendarConfig
    delivery: DeliveryConfig
    loadtest: LoadTestConfig


def from_data(data: dict[str, Any], source: str = "scenario") -> LoadScenario:
    """Validate the sections the load generator uses; raise `ScenarioError` on the first problem."""
    ignored = [f"[{name}]" for name in IGNORED_SECTIONS if name in data]
    if ignored:
        raise ScenarioError(
            f"{source}: {', '.join(ignored)} {'is' if len(ignored) == 1 else 'are'} not played "
            "by the load test (it sends the calendar's demand and injects no failures); "
            "remove it, or ask `lienthong simulate`")
    meta = data.get("scenario", {})
    name = str(meta.get("name", Path(source).stem))
    seed = meta.get("seed", 1)
    if not isinstance(seed, int) or seed < 0:
        raise ScenarioError(f"{source}: scenario.seed must be a non-negative integer")
    sections = {"topology": TopologyConfig, "rollout": RolloutConfig, "demand": DemandConfig,
                "calendar": CalendarConfig, "delivery": DeliveryConfig,
                "loadtest": LoadTestConfig}
    parsed: dict[str, Any] = {}
    for section, model in sections.items():
        try:
            parsed[section] = model.model_validate(data.get(section, {}))
        except ValidationError as error:
            raise ScenarioError(format_validation_error(source, error, section)) from None
    return LoadScenario(name, seed, parsed["topology"], parsed["rollout"], parsed["demand"],
                        parsed["calendar"], parsed["delivery"], parsed["loadtest"])


def read_scenario(path: str | Path, overrides: list[str] | None = None) -> LoadScenario:
    return from_data(apply_overrides(read_toml(path), overrides or []), str(path))
