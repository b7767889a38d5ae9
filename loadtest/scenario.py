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

from pydantic import TypeAdapter, ValidationError

from loadtest.config import LoadTestConfig
from topology.config import (
    CalendarConfig,
    DeliveryConfig,
    DemandConfig,
    RolloutConfig,
    TopologyConfig,
)
from topology.outages import RETRY_INITIAL_S, RETRY_MAX_S, AxisOutage, LinkOutage, Outage
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
"""Of [failures], a federated load test plays the scheduled outages (topology.outages: an axis
killed, a link's proxy cut); random outages (mtbf_hours) it cannot schedule in advance, so they
are refused. The retry back-off (retry_initial_s, retry_max_s) is played as the simulator models
it, compressed by the time scale: agency systems' retries and the axes' relay back-off."""


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
    outages: tuple[AxisOutage | LinkOutage, ...] = ()
    """Scheduled outages from [[failures.outages]], read as the simulator reads them."""
    retry_initial_s: float = RETRY_INITIAL_S
    retry_max_s: float = RETRY_MAX_S
    """[failures]' retry back-off in scenario seconds (the simulator's)."""


def from_data(data: dict[str, Any], source: str = "scenario") -> LoadScenario:
    """Validate the sections the load generator uses; raise `ScenarioError` on the first problem."""
    ignored = [f"[{name}]" for name in IGNORED_SECTIONS if name in data]
    failures = data.get("failures", {})
    if not isinstance(failures, dict) or set(failures) - PLAYED_FAILURE_KEYS:
        ignored.append("[failures]")
    if ignored:
        raise ScenarioError(
            f"{source}: {', '.join(ignored)} {'is' if len(ignored) == 1 else 'are'} not played "
            "by the load test (it sends the calendar's demand and plays only scheduled "
            "outages, with --federated); remove it, or ask `lienthong simulate`")
    outages = _outages(failures.get("outages", []), source)
    retry = _retry(failures, source)
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
                        parsed["calendar"], parsed["delivery"], parsed["loadtest"], outages,
                        *retry)


def _outages(items: Any, source: str) -> tuple[AxisOutage | LinkOutage, ...]:
    """[[failures.outages]], validated by the kinds the simulator reads (topology.outages)."""
    try:
        return tuple(_OUTAGES.validate_python(items))
    except ValidationError as error:
        raise ScenarioError(format_validation_error(source, error, "failures.outages")) from None


def _retry(failures: dict[str, Any], source: str) -> tuple[float, float]:
    """[failures]' retry_initial_s and retry_max_s, checked as the simulator checks them."""
    initial = failures.get("retry_initial_s", RETRY_INITIAL_S)
    cap = failures.get("retry_max_s", RETRY_MAX_S)
    for key, value in (("retry_initial_s", initial), ("retry_max_s", cap)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e9:
            raise ScenarioError(f"{source}: failures.{key}: expected a positive number of "
                                f"seconds (got {value!r})")
    if cap < initial:
        raise ScenarioError(f"{source}: failures.retry_max_s ({cap:g}) is below "
                            f"retry_initial_s ({initial:g})")
    return float(initial), float(cap)


_OUTAGES: TypeAdapter[list[AxisOutage | LinkOutage]] = TypeAdapter(list[Outage])


def read_scenario(path: str | Path, overrides: list[str] | None = None) -> LoadScenario:
    return from_data(apply_overrides(read_toml(path), overrides or []), str(path))
