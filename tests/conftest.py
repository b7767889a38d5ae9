"""Shared fixtures: built models are cached per session because building one takes a second;
a real reference axis on loopback, started once, for the load-test tests of `loadtest` and of
`lienthong loadtest`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from lienthong.scenario import load_scenario
from loadtest.runner import free_port
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


DATA = Path(__file__).parent / "loadtest" / "data"
TINY = DATA / "tiny.toml"


@dataclass(frozen=True)
class Axis:
    url: str
    token: str


@pytest.fixture(scope="session")
def axis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Axis]:
    """`lienthong axis serve` on a free loopback port with a fresh SQLite store."""
    port = free_port()
    token = "test-admin-token-0123456789"
    store = tmp_path_factory.mktemp("axis") / "axis.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "-m", "lienthong", "axis", "serve", "--host", "127.0.0.1", "--port",
         str(port), "--store", str(store), "--admin-token", token, "--log-level", "warning"],
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("the reference axis did not start")
            time.sleep(0.1)
    yield Axis(url, token)
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def tiny_scenario() -> Path:
    return TINY
