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
from loadtest.failures import BacklogSampler, Injector
from loadtest.federation import Federation, bases_for, busiest_provinces
from loadtest.outbox import check as check_outbox
from loadtest.probe import Probe
from loadtest.scenario import read_scenario
from topology.outages import Spec, backoff_schedule

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
RAW_FILE = "locust-raw.json"
CLOCK_FILE = "locust-clock.json"
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
    federated: int = 0
    """Start a national and this many provincial axes (the busiest provinces) instead of one."""
    provinces: list[str] = field(default_factory=list)
    """Or these provinces (Hnn)."""
    outages: list[Spec] = field(default_factory=list)
    """What to play against the federation (`topology.outages`: kind, target, times)."""
    relay_backoff: str | None = None
    """Relay back-off of the federation's axes, real seconds."""


@dataclass
class FederationRecord:
    """What a federated run adds: its axes, the outages as played (unix times) and every
    axis's backlog samples (unix time, axis, pending deliveries, relay queue)."""

    regions: list[str]
    urls: dict[str, str]
    windows: dict[str, list[list[float]]]
    backlog: list[tuple[float, str, float, float]]
    metrics: dict[str, str | None]
    errors: list[str]
    outage_kinds: dict[str, str] = field(default_factory=dict)
    """How each axis or link outage was played (kill, pause, cut), by its target."""
    link_windows: dict[str, list[list[float]]] = field(default_factory=dict)
    """Link outages as played, by the link's regional axis (the simulator's names)."""
    relay_backoff: str = ""
    """The axes' relay back-off as run (real seconds, comma-separated)."""


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
    federation: FederationRecord | None = None


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
    if request.federated or request.provinces:
        return _run_federated(request, context, key, started, trust_ca)
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


def _locust(request: RunRequest, target: str, context: RunContext, key: str, token: str,
            env: dict[str, str], on_start: Any = None) -> int:
    """Run Locust to the end of its drain; its exit status (-1 if it had to be stopped)."""
    settings = context.settings
    argv = locust_argv(request, target, context, key, token)
    # the drain may follow the last status 03, at most 10 registration delays after sending
    limit = settings.load_s + settings.drain_s + 10 * settings.registration_delay_s + 120.0
    with (request.out / "locust.log").open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, env={**os.environ, **env})
    try:
        if on_start is not None:
            on_start()
        returncode = _wait_showing_progress(process, request.out / "locust.log", limit,
                                            request.progress)
    finally:
        _stop(process)
    return returncode


def _outbox(out: Path, agencies_by_target: dict[str, list], key: str) -> dict[str, Any] | None:
    """The senders' own view (outbox) at each axis, summed."""
    raw_path = out / RAW_FILE
    if not raw_path.is_file():
        return None
    since = json.loads(raw_path.read_text())["start"] - 1.0
    total: dict[str, Any] | None = None
    for target, agencies in agencies_by_target.items():
        part = check_outbox(target, agencies, key, since)
        total = part if total is None else _add(total, part)
    return total


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _add(a.get(k, 0), b.get(k, 0)) for k in {*a, *b}}
    return a + b


def _raw(out: Path, returncode: int) -> dict[str, Any]:
    raw_path = out / RAW_FILE
    if not raw_path.is_file():
        raise TargetError(f"Locust did not finish the run (exit {returncode}); see "
                          f"{out / 'locust.log'}: {_tail(out / 'locust.log')}")
    return json.loads(raw_path.read_text())


def _run_federated(request: RunRequest, context: RunContext, key: str, started: float,
                   trust_ca: Path) -> RunOutput:
    """A national axis and provincial ones on loopback, outages played against them."""
    if request.target is not None:
        raise TargetError("--federated starts its own axes; it cannot be combined with --target")
    agencies = context.plan.agencies
    regions = request.provinces or busiest_provinces(agencies, request.federated)
    token = request.admin_token or secrets.token_hex(16)
    links = sorted({spec.outage.target.removeprefix("axis:") for spec in request.outages
                    if spec.outage.kind == "link"})
    settings = context.settings
    relay_backoff = request.relay_backoff or ",".join(
        f"{delay:g}" for delay in backoff_schedule(settings.retry_initial_s,
                                                   settings.retry_max_s))
    federation = Federation(request.axis_command, request.out, regions, token,
                            relay_backoff, trust_ca, links)
    sampler = BacklogSampler(federation)
    injector: Injector | None = None
    try:
        federation.start()
        federation.register(agencies, key)
        clock_file = request.out / CLOCK_FILE
        clock_file.unlink(missing_ok=True)
        injector = Injector(federation, request.outages, 0.0, context.settings.time_scale,
                            clock_file)
        target = federation.urls["national"]

        def begin() -> None:
            sampler.start()
            injector.start()  # outages count from when sending starts (Locust's clock)

        returncode = _locust(request, target, context, key, token, federation.env(), begin)
        injector.stop()
        sampler.stop()
        metrics = {name: scrape_metrics(url) for name, url in federation.urls.items()}
        bases = bases_for([a.code for a in agencies], federation.urls)
        by_target: dict[str, list] = {}
        for agency in agencies:
            by_target.setdefault(bases[agency.code], []).append(agency)
        outbox = _outbox(request.out, by_target, key)
    finally:
        try:
            if injector is not None and injector.is_alive():
                injector.stop()
            if sampler.is_alive():
                sampler.stop()
        finally:  # every axis process this run started is stopped, whatever happened
            federation.stop()
    for name, text in metrics.items():
        if text is not None:
            (request.out / f"metrics-{name}.prom").write_text(text)
    record = FederationRecord(regions, federation.urls, injector.windows, sampler.rows,
                              metrics, injector.errors,
                              {spec.outage.target: spec.play for spec in request.outages},
                              injector.link_windows, relay_backoff)
    return RunOutput(_raw(request.out, returncode), context, target, True,
                     metrics.get("national"), outbox, time.monotonic() - started, returncode,
                     federation=record)
