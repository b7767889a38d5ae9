"""Scenario files: TOML in, one validated, typed `Scenario` out, or one clear error line.

A scenario is the planner's question written down. Every section is a strict model owned by the
package that uses it (`topology.config`, `sim.config`, `loadtest.config`); this module only reads
the file and applies `--set KEY=VALUE` overrides (`topology.scenario_file`, shared with the load
test), validates, and phrases errors as `FILE: KEY: what was expected`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from lienthong.errors import UserError
from loadtest.config import LoadTestConfig
from sim.config import (
    AxisCapacity,
    Broadcast,
    FailureConfig,
    ServiceSync,
    SimulationConfig,
    StationaryTraffic,
)
from topology.config import (
    CalendarConfig,
    DeliveryConfig,
    DemandConfig,
    RolloutConfig,
    StrictModel,
    TopologyConfig,
)
from topology.scenario_file import (
    ScenarioFileError,
    apply_overrides,
    format_validation_error,
    read_toml,
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
    traffic: StationaryTraffic | None = None
    broadcasts: list[Broadcast] = Field(default_factory=list)
    service_sync: ServiceSync | None = None

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
    overrides: tuple[str, ...] = ()
    """The overrides applied to the file (what `sha256` includes)."""


def validate_scenario(data: dict[str, Any], source: str,
                      overrides: list[str] | None = None) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise UserError(format_validation_error(source, error, overrides=overrides)) from None


def bundled_dir() -> Path:
    """Where the bundled scenarios are: installed, `lienthong/bundled/` (pyproject maps the
    top-level scenarios/ folder there); in a checkout or an editable install, scenarios/ beside
    the package."""
    package = Path(__file__).resolve().parent
    installed = package / "bundled"
    return installed if installed.is_dir() else package.parent / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenarios by name: the file's path below scenarios/ without `.toml`
    (`target-2020`, `validation/mmc`)."""
    root = bundled_dir()
    return {path.relative_to(root).with_suffix("").as_posix(): path
            for path in sorted(root.rglob("*.toml"))}


def resolve_scenario(path: str | Path) -> Path:
    """A scenario file as given, or a bundled scenario by name from any directory; an unknown
    name is one line listing the known ones."""
    path = Path(path)
    if path.exists() or path.suffix:
        return path
    bundled = bundled_scenarios()
    if path.as_posix() in bundled:
        return bundled[path.as_posix()]
    raise UserError(f"{path}: no such scenario file or bundled scenario (bundled: "
                    f"{', '.join(bundled) or 'none installed'})")


def _schema_default(source: str) -> Callable[[dict[str, Any], list[str]], Any]:
    """What a key the file does not set stands for: the scenario as read so far, validated,
    at that key (its default), for `KEY+=VALUE` to append to."""
    def default_of(data: dict[str, Any], parts: list[str]) -> Any:
        where = ".".join(parts)
        node: Any = validate_scenario(data, source).model_dump(mode="json")
        for part in parts:
            if not isinstance(node, dict) or part not in node:
                raise ScenarioFileError(f"--set {where}+=...: {where} is not a scenario key")
            node = node[part]
        return node
    return default_of


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> LoadedScenario:
    """Read, override and validate a scenario file (a path, or a bundled scenario's name);
    every failure is a `UserError`."""
    path = resolve_scenario(path)
    try:
        data = apply_overrides(read_toml(path), overrides or [], _schema_default(str(path)))
    except ScenarioFileError as error:
        raise UserError(str(error)) from None
    scenario = validate_scenario(data, str(path), overrides)
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True).encode()
    return LoadedScenario(scenario, path, hashlib.sha256(canonical).hexdigest(),
                          tuple(overrides or ()))
