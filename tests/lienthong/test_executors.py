"""Executors: the same seeds give the same results in this process, in local processes and on
a Dask distributed cluster (a LocalCluster on loopback, closed at the end)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lienthong.cli import main
from lienthong.errors import UserError
from lienthong.executors import EXECUTORS, DaskExecutor, InlineExecutor, make_executor

SHORT = ["--set", "simulation.horizon_s=600", "--set", "simulation.warmup_s=100",
         "--replications", "2", "--quiet"]
WALL = {"wall_time_s", "simulation_wall_s", "created"}


def _square(x: int) -> int:
    return x * x


def _points(out: Path) -> list[dict[str, Any]]:
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in WALL}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(json.loads((out / "summary.json").read_text())["points"])


def _sweep(scenarios_dir: Path, out: Path, *options: str) -> list[dict[str, Any]]:
    assert main(["sweep", str(scenarios_dir / "validation" / "mmc.toml"), "--vary",
                 "axis.workers=4,5", "--out", str(out), *SHORT, *options]) == 0
    return _points(out)


@pytest.mark.slow
def test_dask_cluster_gives_the_same_sweep_as_local_processes(tmp_path: Path,
                                                                scenarios_dir: Path) -> None:
    from distributed import LocalCluster

    inline = _sweep(scenarios_dir, tmp_path / "inline", "--jobs", "1")
    local = _sweep(scenarios_dir, tmp_path / "local", "--jobs", "2")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                      host="127.0.0.1", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        on_dask = _sweep(scenarios_dir, tmp_path / "dask", "--executor", "dask",
                         "--scheduler", cluster.scheduler_address)
    assert inline == local == on_dask
    assert len(on_dask) == 2 and on_dask[0]["summary"]["replications"] == 2


def test_map_unordered_returns_every_job_once() -> None:
    with make_executor("local", jobs=2) as executor:
        got = dict(executor.map_unordered(_square, [(i,) for i in range(7)]))
    assert got == {i: i * i for i in range(7)}
    with make_executor("local", jobs=1) as executor:
        assert isinstance(executor, InlineExecutor)
        assert sorted(executor.map_unordered(_square, [(3,), (4,)])) == [(0, 9), (1, 16)]


def test_inline_hands_back_a_failure_as_a_pool_would() -> None:
    executor = InlineExecutor()
    future = executor.submit(_square, "x")
    with pytest.raises(TypeError):
        executor.result(future)


def test_registry_names_every_kind() -> None:
    assert set(EXECUTORS) == {"local", "dask", "inline"}


@pytest.mark.parametrize(("name", "jobs", "scheduler", "message"), [
    ("ray", 1, None, "--executor ray: unknown"),
    ("dask", 1, None, "needs --scheduler"),
    ("local", 2, "tcp://127.0.0.1:1", "only with --executor dask"),
    ("local", 0, None, "--jobs 0"),
])
def test_bad_executor_options_are_one_line(name: str, jobs: int, scheduler: str | None,
                                           message: str) -> None:
    with pytest.raises(UserError, match=message.replace("-", r"\-")):
        make_executor(name, jobs, scheduler)


def test_unreachable_scheduler_is_one_line_and_no_run_directory(
        tmp_path: Path, scenarios_dir: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.setattr(DaskExecutor, "connect_timeout_s", 2.0)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "never"
    code = main(["sweep", str(scenarios_dir / "validation" / "mmc.toml"), "--vary",
                 "axis.workers=4,5", "--out", str(out), *SHORT, "--executor", "dask",
                 "--scheduler", f"tcp://127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach a Dask scheduler" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def _simulate(scenarios_dir: Path, out: Path, *options: str) -> dict[str, Any]:
    assert main(["simulate", str(scenarios_dir / "validation" / "mmc.toml"), "--out", str(out),
                 "--no-plots", *SHORT, *options]) == 0
    summary = json.loads((out / "summary.json").read_text())
    return {k: v for k, v in summary.items() if k not in WALL}


@pytest.mark.slow
def test_simulate_gives_the_same_replications_on_every_executor(tmp_path: Path,
                                                                 scenarios_dir: Path) -> None:
    from distributed import LocalCluster

    inline = _simulate(scenarios_dir, tmp_path / "inline", "--executor", "inline")
    local = _simulate(scenarios_dir, tmp_path / "local", "--jobs", "2")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                      host="127.0.0.1", dashboard_address=None) as cluster:
        on_dask = _simulate(scenarios_dir, tmp_path / "dask", "--executor", "dask",
                            "--scheduler", cluster.scheduler_address)
    assert inline == local == on_dask
    assert inline["replications"] == 2 and inline["latency_s"]["mean_ci95"] is not None
