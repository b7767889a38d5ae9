"""Shared helpers: load a bundled scenario as the simulator's input."""

from __future__ import annotations

from pathlib import Path

from lienthong.scenario import load_scenario
from sim.inputs import SimInput

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def sim_input(path: str | Path, overrides: list[str] | None = None) -> SimInput:
    return SimInput.of(load_scenario(SCENARIOS / path, overrides or []).scenario)
