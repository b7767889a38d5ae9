"""The headless run: a target (a fresh reference axis on loopback unless one is given), the
played agencies registered, Locust as a subprocess (so `--processes N` works exactly as with
plain `locust`), the target's metrics scraped at the end, everything cleaned up.

The run directory receives Locust's CSV statistics (`locust_*.csv`), its log (`locust.log`),
the master's raw account (`locust-raw.json`), the target's Prometheus text (`metrics.prom`) and,
for a bundled axis, its log (`axis.log`) and SQLite store, and the probe's samples of CPU and
the axis's counters (`probe.json`, `loadtest/probe.py`). Turning these into `summary.json` is
`lienthong loadtest`'s job.

CPU pinning (`pin_cpus`): on a small machine the load generator and the axis compete for the same
cores, and a knee measured then is partly the generator's. With `pin_cpus`, the bundled axis runs
on core 0 and Locust (master and workers) on the others, like `taskset -c 0` and `taskset -c 1-N`
(`os.sched_setaffinity` in the child before it starts, so every thread and process it makes
inherits it); the probe's `generator_cpu` then shows whether the generator had room to spare.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtest import certificates
from loadtest.context import RunContext, build_context, resolve_settings
from loadtest.directory import TargetError, check_target, register, scrape_metrics
from loadtest.outbox import check as check_outbox
from loadtest.probe import Probe
from loadtest.scenario import read_scenario

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
RAW_FILE = "locust-raw.json"
LOOPBACK = "127.0.0.1"


@dataclass
class RunRequest:
    scenario: Path
    out: Path
    overrides: list[str] = field(default_factory=list)
    target: str | None = None
    admin_token: str | None = None
    users: int | None = None
    spawn_rate: float | None = None
    run_time_s: float | None = None
    time_scale: float | None = None
    processes: int = 1
    axis_command: Sequence[str] = ()
    """argv that serves the reference axis; {host} {port} {store} {token} {trust_ca} are filled
    in ({trust_ca}: the certificate of the run's throw-away signing CA)."""
    axis_env: dict[str, str] = field(default_factory=dict)
    progress: Any = None
    """Called with each live line Locust logs (every few seconds), or None for silence."""
    pin_cpus: bool = False
    """Axis on core 0, Locust on the other cores (needs at least 2 cores)."""


@dataclass
class RunOutput:
    raw: dict[str, Any]
    context: RunContext
    target: str
    bundled_axis: bool
    metrics: str | None
    outbox: dict[str, Any] | None
    wall_time_s: float
    locust_returncode: int
    probe: list[dict[str, Any]] = field(default_factory=list)
    pinning: dict[str, list[int]] | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def _stop(process: subprocess.Popen, grace_s: float = 10.0) -> None:
    """SIGINT the process group we started, then SIGKILL it if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def cpu_plan(pin: bool) -> dict[str, list[int]] | None:
    """Which cores the axis and the generator get: core 0 for the axis, the rest for Locust;
    None when not pinning. Refuses (TargetError) a machine with fewer than 2 usable cores."""
    if not pin:
        return None
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise TargetError(f"--pin-cpus: needs at least 2 usable cores, found {len(cores)}")
    return {"axis": cores[:1], "generator": cores[1:]}


def _pinned(cores: list[int] | None) -> Any:
    """A preexec_fn that pins the child to `cores` before it runs (None: no pinning)."""
    if not cores:
        return None
    return lambda: os.sched_setaffinity(0, cores)


@dataclass
class Served:
    """The bundled axis: its URL and process id (for the probe)."""

    url: str
    pid: int


@contextlib.contextmanager
def bundled_axis(command: Sequence[str], env: dict[str, str], out: Path, token: str,
                 trust_ca: Path, cores: list[int] | None = None) -> Iterator[Served]:
    """Serve the reference axis on a free loopback port with a fresh SQLite store."""
    if not command:
        raise TargetError("no --target given and no reference axis to start")
    port = free_port()
    store = out / "axis.sqlite3"
    for stale in out.glob("axis.sqlite3*"):
        stale.unlink()
    fill = {"host": LOOPBACK, "port": str(port), "store": str(store), "token": token,
            "trust_ca": str(trust_ca)}
    argv = [part.format(**fill) for part in command]
    full_env = {**os.environ, **{k: v.format(**fill) for k, v in env.items()}}
    log_path = out / "axis.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=full_env,
                                   start_new_session=True, preexec_fn=_pinned(cores))
    base = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + 30.0
        while True:
            if process.poll() is not None:
                raise TargetError(f"the reference axis exited at start ({process.returncode}): "
                                  f"{_tail(log_path)}")
            try:
                check_target(base, timeout=2.0)
                break
            except TargetError:
                if time.monotonic() > deadline:
                    raise TargetError(f"the reference axis did not answer /healthz within 30 s: "
                                      f"{_tail(log_path)}") from None
                time.sleep(0.2)
        yield Served(base, process.pid)
    finally:
        _stop(process)


def locust_argv(request: RunRequest, target: str, context: RunContext, key: str,
                token: str) -> list[str]:
    settings = context.settings
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "--host", target, "-u", str(settings.users), "-r", f"{settings.spawn_rate:g}",
            "-t", f"{max(1, round(settings.load_s))}s", "--scenario", str(request.scenario),
            "--time-scale", f"{settings.time_scale:g}", "--secret-key", key, "--no-register",
            "--admin-token", token, "--lienthong-out", str(request.out),
            "--signing-ca", str(request.out),
            "--csv", str(request.out / "locust"), "--only-summary", "--loglevel", "INFO"]
    if request.overrides:
        argv += ["--set", ";".join(request.overrides)]
    if request.processes > 1:
        port = free_port()
        argv += ["--processes", str(request.processes), "--master-bind-host", LOOPBACK,
                 "--master-bind-port", str(port), "--master-host", LOOPBACK,
                 "--master-port", str(port)]
    return argv


def _wait_showing_progress(process: subprocess.Popen, log_path: Path, limit: float,
                           show: Any) -> int:
    """Wait for Locust, passing its live lines (`lienthong: live: ...`) to `show` as they
    come; stop it after `limit` seconds (-1)."""
    deadline = time.monotonic() + limit
    offset = 0
    while True:
        try:
            returncode = process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            returncode = None
        with log_path.open("rb") as handle:
            handle.seek(offset)
            chunk = handle.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        offset += len(complete)
        for line in complete.decode("utf-8", "replace").splitlines():
            if "lienthong: live:" in line and show is not None:
                show(line[line.index("live:"):])
        if returncode is not None:
            return returncode
        if time.monotonic() > deadline:
            _stop(process)
            return -1


def run(request: RunRequest) -> RunOutput:
    """One complete headless run; raises `TargetError` or `ScenarioError` on bad input."""
    started = time.monotonic()
    scenario = read_scenario(request.scenario, request.overrides)
    settings = resolve_settings(scenario, users=request.users, spawn_rate=request.spawn_rate,
                                load_s=request.run_time_s, time_scale=request.time_scale)
    context = build_context(scenario, settings, "local")
    key = secrets.token_hex(16)
    request.out.mkdir(parents=True, exist_ok=True)
    trust_ca = certificates.create(request.out)  # every package is signed with it
    bundled = request.target is None
    token = request.admin_token or (secrets.token_hex(16) if bundled else "")
    pinning = cpu_plan(request.pin_cpus)
    if bundled:
        target_cm: contextlib.AbstractContextManager[Served] = bundled_axis(
            request.axis_command, request.axis_env, request.out, token, trust_ca,
            pinning["axis"] if pinning else None)
    else:
        target_cm = contextlib.nullcontext(Served(request.target.rstrip("/"), 0))
    with target_cm as served:
        target = served.url
        check_target(target)
        if not token:
            raise TargetError(f"target {target}: an admin token is needed to register the "
                              "played agencies (--admin-token or LIENTHONG_ADMIN_TOKEN)")
        register(target, token, context.plan.agencies, key)
        argv = locust_argv(request, target, context, key, token)
        # the drain may follow the last status 03, at most 10 registration delays after sending
        limit = settings.load_s + settings.drain_s + 10 * settings.registration_delay_s + 120.0
        with (request.out / "locust.log").open("wb") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True,
                                       preexec_fn=_pinned(pinning["generator"] if pinning
                                                          else None))
            probe = Probe(target, served.pid or None, process.pid, request.out)
            probe.start()
            try:
                returncode = _wait_showing_progress(process, request.out / "locust.log", limit,
                                                    request.progress)
            finally:
                samples = probe.stop()
        metrics = scrape_metrics(target)
        raw_path = request.out / RAW_FILE
        outbox = None
        if raw_path.is_file():
            since = json.loads(raw_path.read_text())["start"] - 1.0
            outbox = check_outbox(target, context.plan.agencies, key, since)
    if metrics is not None:
        (request.out / "metrics.prom").write_text(metrics)
    if not raw_path.is_file():
        raise TargetError(f"Locust did not finish the run (exit {returncode}); see "
                          f"{request.out / 'locust.log'}: {_tail(request.out / 'locust.log')}")
    raw = json.loads(raw_path.read_text())
    return RunOutput(raw, context, target, bundled, metrics, outbox,
                     time.monotonic() - started, returncode, samples, pinning)
