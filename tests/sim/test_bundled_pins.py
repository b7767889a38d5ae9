"""Every bundled scenario, run short with a fixed seed, gives the pinned figures.

The pins (tests/sim/bundled_pins.json) are the simulator's whole summary (sim.summary.summarize,
wall times left out) of a short run of each bundled scenario, plus variants that exercise what
the bundled files leave at their defaults (push, long polling, outages of axes and links,
broadcasts, exponential service). They were produced by the code as it stood before a refactor;
a refactor that changes any figure fails here. A change to the model made on purpose updates the
pins in the same commit, saying why:

    LIENTHONG_UPDATE_PINS=1 python -m pytest tests/sim/test_bundled_pins.py
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from sim.replications import run_replications
from sim.summary import histograms, summarize
from tests.sim.simcase import sim_input

PINS = Path(__file__).with_name("bundled_pins.json")
VOLATILE = ("simulation_wall_s",)
OUTAGES = ('failures.outages=[{axis = "axis:H02", start_s = 100.0, duration_s = 150.0}, '
           '{link = "axis:H01", start_s = 300.0, duration_s = 120.0}]')

CASES: dict[str, tuple[str, list[str]]] = {
    "baseline-2019": ("baseline-2019.toml", ["simulation.days=2"]),
    "target-2020": ("target-2020.toml", ["simulation.horizon_s=1800", "demand.scale=0.3"]),
    "reform-2025": ("reform-2025.toml", ["simulation.horizon_s=1800", "demand.scale=0.3",
                                         "simulation.warmup_s=300"]),
    "validation-mmc": ("validation/mmc.toml", ["simulation.horizon_s=600",
                                                 "simulation.replications=2"]),
    "validation-jackson": ("validation/jackson.toml", ["simulation.horizon_s=600",
                                                       "simulation.replications=2"]),
    "jackson-push-outages": ("validation/jackson.toml", [
        "simulation.horizon_s=900", "simulation.replications=2", "axis={workers = 2}",
        "delivery.acknowledge=true",
        "failures.mtbf_hours=0.1", "failures.mttr_minutes=1.0", OUTAGES]),
    "jackson-long-poll-statuses": ("validation/jackson.toml", [
        "simulation.horizon_s=900", "simulation.replications=2", "traffic.rate_per_s=0.8",
        "delivery.mode='long_poll'", "delivery.acknowledge=true",
        "delivery.status_messages=true", "delivery.registration_delay_s=60.0"]),
    "baseline-2019-broadcasts": ("baseline-2019.toml", [
        "simulation.days=2", "simulation.scope='all'",
        'broadcasts=[{sender = "000.00.00.G22", to_kind = "province_committee", '
        'time = "09:30"}]']),
}


def figures(name: str) -> dict[str, Any]:
    path, overrides = CASES[name]
    inp = sim_input(path, overrides)
    results = run_replications(inp, inp.simulation.replications, jobs=1)
    summary = summarize(inp, results, histograms(results))
    return json.loads(json.dumps({k: v for k, v in summary.items() if k not in VOLATILE}))


def _same(pinned: Any, got: Any, where: str) -> list[str]:
    if isinstance(pinned, dict) and isinstance(got, dict):
        if set(pinned) != set(got):
            return [f"{where}: keys {sorted(set(pinned) ^ set(got))} differ"]
        return [d for key in pinned for d in _same(pinned[key], got[key], f"{where}.{key}")]
    if isinstance(pinned, list) and isinstance(got, list) and len(pinned) == len(got):
        return [d for i, (a, b) in enumerate(zip(pinned, got, strict=True))
                for d in _same(a, b, f"{where}[{i}]")]
    if isinstance(pinned, float) and isinstance(got, int | float):
        if math.isclose(pinned, got, rel_tol=1e-9, abs_tol=1e-12):
            return []
    elif pinned == got:
        return []
    return [f"{where}: pinned {pinned!r}, got {got!r}"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_short_run_gives_the_pinned_figures(name: str) -> None:
    got = figures(name)
    if os.environ.get("LIENTHONG_UPDATE_PINS"):
        pins = json.loads(PINS.read_text()) if PINS.exists() else {}
        pins[name] = got
        PINS.write_text(json.dumps(pins, indent=1, sort_keys=True) + "\n")
    pins = json.loads(PINS.read_text())
    assert name in pins, f"no pins for {name}: run with LIENTHONG_UPDATE_PINS=1"
    assert got["deliveries"] > 0
    differences = _same(pins[name], got, name)
    assert not differences, "\n".join(differences[:20])
