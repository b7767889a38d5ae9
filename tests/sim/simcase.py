"""Shared helpers: load a bundled scenario as the simulator's input."""

from __future__ import annotations

from pathlib import Path

from lienthong.scenario import load_scenario
from sim.model import SimInput

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def sim_input(path: str | Path, overrides: list[str] | None = None) -> SimInput:
    scenario = load_scenario(SCENARIOS / path, overrides or []).scenario
    return SimInput(scenario.name, scenario.seed, scenario.topology, scenario.rollout,
                    scenario.demand, scenario.calendar, scenario.axis, scenario.delivery,
                    scenario.failures, scenario.simulation, scenario.traffic,
                    list(scenario.broadcasts))
