"""Every bundled scenario opens with its question and runs from a fresh checkout: each loads,
builds its network and simulates a tiny slice (the first 5 minutes of its first working period,
one replication) without error."""

from __future__ import annotations

from pathlib import Path

import pytest

from lienthong.scenario import load_scenario
from sim.inputs import SimInput
from sim.model import NetworkSim
from topology.build import build_topology

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
LIBRARY = sorted(path for path in SCENARIOS.glob("*.toml"))
SLICE_START = {"baseline-2019": ["calendar.start=2019-09-16"]}
"""Where the first working period is too quiet to send within 5 minutes (baseline-2019's uptake
starts near zero on 12 Mar 2019: a few documents a day), the slice is taken later."""
QUESTIONS = ["baseline-2019", "target-2020", "reform-2025", "provincial-outage",
             "broadcast-directive", "polling-storm", "reporting-peak",
             "growth-2030", "mid-2022", "public-service-sync"]


def test_the_library_holds_the_planners_questions() -> None:
    names = {path.stem for path in LIBRARY}
    assert set(QUESTIONS) <= names
    assert {"baseline-2019", "target-2020", "reform-2025"} <= names


@pytest.mark.parametrize("name", QUESTIONS)
def test_each_question_stands_at_the_top_with_sources_and_answer(name: str) -> None:
    text = (SCENARIOS / f"{name}.toml").read_text(encoding="utf-8")
    assert text.startswith("# Question: ")
    header = text.split("\n[", 1)[0]
    assert "Sources:" in header and "results/reference/" in header and "ANSWER" in header


@pytest.mark.slow
@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_every_bundled_scenario_runs_a_tiny_slice(path: Path) -> None:
    s = load_scenario(path, ["simulation.horizon_s=300", "simulation.drain_limit_s=7200",
                             "simulation.days=1", "simulation.warmup_s=0",
                             *SLICE_START.get(path.stem, [])]).scenario
    inp = SimInput.of(s)
    result = NetworkSim(inp, build_topology(inp.topology, inp.rollout, inp.demand, inp.seed),
                        0).run()
    assert result.documents > 0
    assert result.in_flight == 0 or s.failures.outages  # everything drained
