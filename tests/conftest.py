"""Shared fixtures: built models are cached per session because building one takes a second."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from lienthong.scenario import load_scenario
from topology.build import Topology, build_topology

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@cache
def scenario_model(name: str) -> Topology:
    scenario = load_scenario(SCENARIOS / f"{name}.toml").scenario
    return build_topology(scenario.topology, scenario.rollout, scenario.demand, scenario.seed)


@pytest.fixture
def scenarios_dir() -> Path:
    return SCENARIOS
