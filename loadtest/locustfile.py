"""Locust entry point: agency systems from a scenario, driving an axis over HTTP.

    locust -f loadtest/locustfile.py --host http://127.0.0.1:8080 \\
        --scenario scenarios/target-2020.toml --admin-token TOKEN

works on its own (web UI or --headless, --processes N, --master/--worker on several machines);
`lienthong loadtest` runs it headless and turns its output into a run directory. Options may also
come from the environment (LIENTHONG_SCENARIO, LIENTHONG_ADMIN_TOKEN, ...). -u/-r/-t give the
users (one agency group each), spawn rate and the length of the sending phase; the run then
drains until every accepted delivery was fetched (or --drain-time passes) and stops by itself.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file by locust: make `loadtest` and `topology` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gevent
from locust import LoadTestShape, events
from locust.runners import MasterRunner, WorkerRunner

from loadtest import latency
from loadtest.context import RunContext, build_context, resolve_settings
from loadtest.directory import TargetError, check_target, register
from loadtest.results import raw_results
from loadtest.scenario import ScenarioError, read_scenario
from loadtest.users import AgencySystemUser

log = logging.getLogger("lienthong.loadtest")
RAW_FILE = "locust-raw.json"
CLOCK_FILE = "locust-clock.json"
SPAWN_LIMIT_S = 600.0
STATS_SETTLE_S = 3.5
"""Workers send Locust statistics every 3 s: wait that long so the CSVs hold every sample."""


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    group = parser.add_argument_group("lienthong")
    group.add_argument("--scenario", env_var="LIENTHONG_SCENARIO", default="",
                       help="scenario file (TOML)")
    group.add_argument("--set", dest="lienthong_set", env_var="LIENTHONG_SET", default="",
                       help="scenario overrides KEY=VALUE, separated by ';'")
    group.add_argument("--time-scale", type=float, env_var="LIENTHONG_TIME_SCALE", default=0.0,
                       help="scenario seconds per real second (default: the scenario's)")
    group.add_argument("--admin-token", env_var="LIENTHONG_ADMIN_TOKEN", default="",
                       help="the axis's admin token, to register the played agencies")
    group.add_argument("--no-register", action="store_true", env_var="LIENTHONG_NO_REGISTER",
                       default=False, help="agencies are registered already")
    group.add_argument("--secret-key", env_var="LIENTHONG_SECRET_KEY", default="",
                       help="key the agencies' secrets derive from (same on every worker)")
    group.add_argument("--signing-ca", env_var="LIENTHONG_SIGNING_CA", default="",
                       help="directory of the run's throw-away CA: sign every package with an "
                       "agency certificate from it (empty: packages go unsigned)")
    group.add_argument("--lienthong-out", env_var="LIENTHONG_OUT", default="",
                       help="directory for the master's ledger, latencies and timeline")


class _State:
    context: RunContext | None = None
    written = False
    load_s = 0.0


def _overrides(options: Any) -> list[str]:
    return [item.strip() for item in options.lienthong_set.split(";") if item.strip()]


@events.init.add_listener
def _init(environment: Any, **_: Any) -> None:
    options = environment.parsed_options
    if options is None or not options.scenario:
        log.error("lienthong: no scenario: pass --scenario FILE or set LIENTHONG_SCENARIO")
        sys.exit(2)
    try:
        scenario = read_scenario(options.scenario, _overrides(options))
    except ScenarioError as error:
        log.error("lienthong: %s", error)
        sys.exit(2)
    runner = environment.runner
    role = ("master" if isinstance(runner, MasterRunner)
            else "worker" if isinstance(runner, WorkerRunner) else "local")
    key = options.secret_key or os.environ.get("LIENTHONG_SECRET_KEY") or ""
    if not key and role != "worker":
        key = secrets.token_hex(16)
        options.secret_key = key  # the master sends custom options on to its workers
    run_time = getattr(options, "run_time", None)
    settings = resolve_settings(scenario, users=getattr(options, "num_users", None),
                                spawn_rate=getattr(options, "spawn_rate", None),
                                load_s=float(run_time) if run_time else None,
                                time_scale=options.time_scale or None, secret_key=key)
    context = build_context(scenario, settings, role)
    context.collector.attach(runner)
    _State.context = context
    AgencySystemUser.run_context = context
    log.info("lienthong: %s: %d agency systems (%d sending) in %d groups; intended %.3f "
             "documents/s", scenario.name, len(context.plan.by_code), len(context.plan.senders),
             len(context.plan.groups), context.intended_send_rate)

    if role != "master":
        @events.request.add_listener
        def _count(request_type: str, **__: Any) -> None:
            if request_type != latency.E2E:
                context.collector.timeline.count("requests", time.time())


@events.test_start.add_listener
def _test_start(environment: Any, **_: Any) -> None:
    context = _State.context
    if context is None:
        return
    collector = context.collector
    if collector.role != "worker":
        options = environment.parsed_options
        _take_the_asked_users(context, options)
        if environment.host and not options.no_register:
            try:
                check_target(environment.host)
                count = register(environment.host, options.admin_token,
                                 context.plan.agencies, context.settings.secret_key)
            except TargetError as error:
                log.error("lienthong: %s", error)
                environment.runner.quit()
                return
            log.info("lienthong: registered %d agency systems at %s", count, environment.host)
    collector.reset()
    collector.start_reporting()
    if collector.role != "worker":
        gevent.spawn(_live, context, environment)


LIVE_INTERVAL_S = 5.0


def _live(context: RunContext, environment: Any) -> None:
    """A line every few seconds while the run lasts (`lienthong loadtest` shows it too)."""
    while not _State.written:
        gevent.sleep(LIVE_INTERVAL_S)
        if context.collector.clock is not None and not _State.written:
            if context.collector.role == "local":
                context.collector.flush()
            log.info("lienthong: %s", context.collector.live_line(environment.runner.user_count))


def _take_the_asked_users(context: RunContext, options: Any) -> None:
    """The web UI's user count and spawn rate are honoured (Locust writes the form into the
    parsed options); the log says when they replace the scenario's."""
    before = len(context.plan.groups)
    if context.take_asked(getattr(options, "num_users", None),
                          getattr(options, "spawn_rate", None)):
        log.info("lienthong: %d users as asked (the scenario's %d replaced); %d agency systems "
                 "(%d sending)", len(context.plan.groups), before, len(context.plan.by_code),
                 len(context.plan.senders))


@events.spawning_complete.add_listener
def _spawned(**_: Any) -> None:
    context = _State.context
    if context is not None and context.collector.clock is None:
        context.collector.start(context.settings.load_s, context.settings.time_scale)
        out = context.collector.runner.environment.parsed_options.lienthong_out
        if out:  # when sending starts, for what runs beside Locust (failure injection)
            Path(out).mkdir(parents=True, exist_ok=True)
            clock = {"start": context.collector.clock.start}
            (Path(out) / CLOCK_FILE).write_text(json.dumps(clock))


class AgencySystems(AgencySystemUser):
    """The one user class: see `loadtest.users.AgencySystemUser`."""


class LoadThenDrain(LoadTestShape):
    """All users for the sending phase, then keep them (polling) until the drain is over."""

    use_common_options = True
    finished_at: float | None = None

    def tick(self) -> tuple[int, float] | None:
        context = _State.context
        if context is None:
            return None
        settings = context.settings
        collector = context.collector
        users = len(context.plan.groups)
        clock = collector.clock
        if clock is None:  # still spawning; give up if the users never all start
            return (users, settings.spawn_rate) if self.get_run_time() < SPAWN_LIMIT_S else None
        if time.time() < clock.start + clock.load_s:
            return users, settings.spawn_rate
        if self.finished_at is None:
            drained = collector.quiet()
            if not drained and time.time() < collector.drain_deadline(settings.drain_s):
                return users, settings.spawn_rate
            _write_results(context, drained=drained)
            self.finished_at = time.time()
        if collector.role == "master" and time.time() < self.finished_at + STATS_SETTLE_S:
            return users, settings.spawn_rate  # workers' last statistics are still on the way
        return None


def _write_results(context: RunContext, drained: bool) -> None:
    if _State.written:
        return
    _State.written = True
    options = context.collector.runner.environment.parsed_options
    data = raw_results(context, drained=drained, end=time.time())
    reconciliation = data["reconciliation"]
    sent = reconciliation["documents"].get("edoc", 0)
    log.info("lienthong: drain %s; %d documents sent, lost %d, duplicates %d, e2e p99 %s s",
             "complete" if drained else "timed out", sent, reconciliation["lost_total"],
             reconciliation["duplicates"], data["latency"]["deliver"]["p99"])
    if sent == 0 or reconciliation["lost_total"] > 0:
        # plain Locust exits 0 on a low failure ratio; a run that sent nothing or lost
        # deliveries has not passed
        log.error("lienthong: %s", "no document was sent: nothing was tested" if sent == 0
                  else f"{reconciliation['lost_total']} deliveries lost")
        context.collector.runner.environment.process_exit_code = 1
    out = options.lienthong_out
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / RAW_FILE).write_text(json.dumps(data, indent=1))


@events.quitting.add_listener
def _quitting(environment: Any, **_: Any) -> None:
    context = _State.context
    if context is not None and context.collector.role != "worker" and context.collector.clock:
        _write_results(context, drained=False)
