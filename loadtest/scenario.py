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

IGNORED_SECTIONS = ("traffic", "broadcasts")
"""Sections that change what the simulator models and that the load test cannot play: it sends
the calendar's demand from real agency systems to a real axis. A run that dropped them silently
would measure another question than the scenario asks."""
PLAYED_FAILURE_KEYS = {"outages", "retry_initial_s", "retry_max_s"}
"""Of [failures], a federated load test plays the scheduled axis outages (killing the axis);
random outages (mtbf_hours) and link outages it cannot play yet, so they are refused. The retry
settings are the simulator's model of the relay's back-off and change nothing here."""


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
    outages: tuple[tuple[str, float, float], ...] = ()
    """Scheduled axis outages (axis:NAME, start_s, duration_s) from [failures]."""


def from_data(data: dict[str, Any], source: str = "scenario") -> LoadScenario:
    """Validate the sections the load generator uses; raise `ScenarioError` on the first problem."""
    ignored = [f"[{name}]" for name in IGNORED_SECTIONS if name in data]
    failures = data.get("failures", {})
    if not isinstance(failures, dict) or set(failures) - PLAYED_FAILURE_KEYS:
        ignored.append("[failures]")
    if ignored:
        raise ScenarioError(
            f"{source}: {', '.join(ignored)} {'is' if len(ignored) == 1 else 'are'} not played "
            "by the load test (it sends the calendar's demand and plays only scheduled axis "
            "outages, with --federated); remove it, or ask `lienthong simulate`")
    outages = _outages(failures.get("outages", []), source)
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
                        parsed["calendar"], parsed["delivery"], parsed["loadtest"], outages)


def _outages(items: Any, source: str) -> tuple[tuple[str, float, float], ...]:
    """[[failures.outages]] as (axis, start_s, duration_s); link outages are refused."""
    if not isinstance(items, list):
        raise ScenarioError(f"{source}: failures.outages must be a list of tables")
    outages = []
    for n, item in enumerate(items, 1):
        where = f"{source}: failures.outages[{n}]"
        if not isinstance(item, dict) or set(item) - {"axis", "link", "start_s", "duration_s"}:
            raise ScenarioError(f"{where}: expected axis, start_s and duration_s")
        if "link" in item:
            raise ScenarioError(f"{where}: link outages are not played by the load test yet; "
                                "remove it, or ask `lienthong simulate`")
        axis, start, duration = item.get("axis"), item.get("start_s"), item.get("duration_s")
        if not isinstance(axis, str) or not axis.startswith("axis:"):
            raise ScenarioError(f"{where}: axis must name one, such as \"axis:H01\"")
        if not isinstance(start, int | float) or start < 0 or \
                not isinstance(duration, int | float) or duration <= 0:
            raise ScenarioError(f"{where}: start_s must be >= 0 and duration_s > 0")
        outages.append((axis, float(start), float(duration)))
    return tuple(outages)


def read_scenario(path: str | Path, overrides: list[str] | None = None) -> LoadScenario:
    return from_data(apply_overrides(read_toml(path), overrides or []), str(path))
