"""Scenario files: TOML in, one validated, typed `Scenario` out, or one clear error line.

A scenario is the planner's question written down. Every section is a strict model owned by the
package that uses it (`topology.config`, `sim.config`, `loadtest.config`); this module only reads
the file, applies `--set KEY=VALUE` overrides, validates, and phrases errors as
`FILE: KEY: what was expected`.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from lienthong.errors import UserError
from loadtest.config import LoadTestConfig
from sim.config import (
    AxisCapacity,
    Broadcast,
    DeliveryConfig,
    FailureConfig,
    SimulationConfig,
    TrafficConfig,
)
from topology.config import (
    CalendarConfig,
    DemandConfig,
    RolloutConfig,
    StrictModel,
    TopologyConfig,
)


class ScenarioMeta(StrictModel):
    """Name, purpose and the one seed every random stream derives from."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    seed: int = Field(default=1, ge=0, le=2**63 - 1)


class Scenario(StrictModel):
    """One real question: the network, who is connected, the traffic and how to run it."""

    scenario: ScenarioMeta
    topology: TopologyConfig = Field(default_factory=TopologyConfig)
    rollout: RolloutConfig = Field(default_factory=RolloutConfig)
    demand: DemandConfig = Field(default_factory=DemandConfig)
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    axis: AxisCapacity = Field(default_factory=AxisCapacity)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)
    failures: FailureConfig = Field(default_factory=FailureConfig)
    simulation: SimulationConfig = Field(default_factory=SimulationConfig)
    loadtest: LoadTestConfig = Field(default_factory=LoadTestConfig)
    traffic: TrafficConfig | None = None
    broadcasts: list[Broadcast] = Field(default_factory=list)

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def seed(self) -> int:
        return self.scenario.seed


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with where it came from and a hash of exactly what was run."""

    scenario: Scenario
    path: Path
    sha256: str


def parse_override(text: str) -> tuple[list[str], Any]:
    """`axis.workers=4` -> (['axis', 'workers'], 4). The value is read as TOML, else as text."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise UserError(f"--set {text!r}: expected KEY=VALUE, for example axis.workers=4")
    parts = key.split(".")
    if any(not part for part in parts):
        raise UserError(f"--set {text!r}: key {key!r} has an empty part")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return parts, value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return a copy of the raw scenario with each `--set` applied (validation comes after)."""
    result = json.loads(json.dumps(data, default=str))
    for text in overrides:
        parts, value = parse_override(text)
        node = result
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                where = ".".join(parts[: depth + 1])
                raise UserError(f"--set {text!r}: {where} is a value, not a section")
            node = child
        node[parts[-1]] = value
    return result


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def format_validation_error(source: str, error: ValidationError) -> str:
    """Phrase pydantic's errors as `SOURCE: KEY: message`, one per problem, first ones first."""
    lines = []
    for item in error.errors(include_url=False):
        loc = _location(item["loc"])
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "required key is missing"
        else:
            message = item["msg"].removeprefix("Value error, ")
            if "input" in item and not isinstance(item["input"], dict | list):
                message += f" (got {item['input']!r})"
        lines.append(f"{source}: {loc}: {message}")
    return "; ".join(lines[:3]) + (f" (and {len(lines) - 3} more)" if len(lines) > 3 else "")


def validate_scenario(data: dict[str, Any], source: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise UserError(format_validation_error(source, error)) from None


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> LoadedScenario:
    """Read, override and validate a scenario file; every failure is a `UserError`."""
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such scenario file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, expected a .toml scenario file") from None
    except OSError as error:
        raise UserError(f"{path}: cannot read: {error.strerror}") from None
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: not valid TOML: {error}") from None
    data = apply_overrides(data, overrides or [])
    scenario = validate_scenario(data, str(path))
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True).encode()
    return LoadedScenario(scenario, path, hashlib.sha256(canonical).hexdigest())
