"""The parts of a scenario the load generator needs, read without `lienthong`.

`locust -f loadtest/locustfile.py` must work on its own (and on worker machines that have only
this package and `topology`), so the locustfile cannot use `lienthong.scenario`. This module
reads the same TOML, applies the same `--set KEY=VALUE` overrides, and validates the sections the
load generator uses with their owners' strict models. The `delivery` section belongs to the
simulator; only its four keys used here are read, with the simulator's defaults (a test keeps
them equal). `lienthong loadtest` validates the whole file strictly before it gets here.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from loadtest.config import LoadTestConfig
from topology.config import CalendarConfig, DemandConfig, RolloutConfig, TopologyConfig

DELIVERY_DEFAULTS = {"mode": "poll", "poll_interval_s": 60.0, "long_poll_timeout_s": 30.0,
                     "registration_delay_s": 600.0}


class ScenarioError(ValueError):
    """A scenario the load generator cannot use; the message is one line naming the problem."""


@dataclass(frozen=True)
class Delivery:
    mode: str
    poll_interval_s: float
    long_poll_timeout_s: float
    registration_delay_s: float


@dataclass(frozen=True)
class LoadScenario:
    name: str
    seed: int
    topology: TopologyConfig
    rollout: RolloutConfig
    demand: DemandConfig
    calendar: CalendarConfig
    delivery: Delivery
    loadtest: LoadTestConfig


def parse_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        return raw.strip()


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    result = copy.deepcopy(data)
    for text in overrides:
        key, sep, raw = text.partition("=")
        parts = key.strip().split(".")
        if not sep or any(not part for part in parts):
            raise ScenarioError(f"--set {text!r}: expected KEY=VALUE, e.g. loadtest.users=50")
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ScenarioError(f"--set {text!r}: {part} is a value, not a section")
        node[parts[-1]] = parse_value(raw)
    return result


def from_data(data: dict[str, Any], source: str = "scenario") -> LoadScenario:
    """Validate the sections the load generator uses; raise `ScenarioError` on the first problem."""
    meta = data.get("scenario", {})
    name = str(meta.get("name", Path(source).stem))
    seed = meta.get("seed", 1)
    if not isinstance(seed, int) or seed < 0:
        raise ScenarioError(f"{source}: scenario.seed must be a non-negative integer")
    sections = {"topology": TopologyConfig, "rollout": RolloutConfig, "demand": DemandConfig,
                "calendar": CalendarConfig, "loadtest": LoadTestConfig}
    parsed: dict[str, Any] = {}
    for section, model in sections.items():
        try:
            parsed[section] = model.model_validate(data.get(section, {}))
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            where = ".".join([section, *map(str, first["loc"])])
            message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
            raise ScenarioError(f"{source}: {where}: {message}") from None
    raw_delivery = {**DELIVERY_DEFAULTS, **data.get("delivery", {})}
    try:
        delivery = Delivery(str(raw_delivery["mode"]), float(raw_delivery["poll_interval_s"]),
                            float(raw_delivery["long_poll_timeout_s"]),
                            float(raw_delivery["registration_delay_s"]))
    except (TypeError, ValueError) as error:
        raise ScenarioError(f"{source}: delivery: {error}") from None
    return LoadScenario(name, seed, parsed["topology"], parsed["rollout"], parsed["demand"],
                        parsed["calendar"], delivery, parsed["loadtest"])


def read_scenario(path: str | Path, overrides: list[str] | None = None) -> LoadScenario:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ScenarioError(f"{path}: cannot read scenario: {error}") from None
    return from_data(apply_overrides(data, overrides or []), str(path))
