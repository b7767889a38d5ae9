"""Everything a run's users share, built once per Locust process from the options.

Each process (master, every worker) builds the same context from the same scenario and seed: the
network, the demand, the agency groups and the rate profile are deterministic, so nothing but the
run's clock has to travel between processes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from loadtest.agents import Plan, make_plan
from loadtest.collector import Collector
from loadtest.scenario import LoadScenario
from loadtest.shapes import Clock, RateProfile
from topology.build import Topology, build_topology
from topology.calendar import WorkCalendar
from topology.outages import RETRY_INITIAL_S, RETRY_MAX_S

MODES = ("poll", "long_poll", "push")


@dataclass
class Settings:
    """Resolved run settings (command line over scenario), in real seconds."""

    users: int
    spawn_rate: float
    load_s: float
    time_scale: float
    poll_interval_s: float
    registration_delay_s: float
    long_poll_wait_s: float
    mode: str
    drain_s: float
    late_threshold_s: float
    max_in_flight: int
    secret_key: str
    retry_initial_s: float = RETRY_INITIAL_S
    retry_max_s: float = RETRY_MAX_S
    """The scenario's retry back-off ([failures], topology.outages.backoff), compressed by the
    time scale: what agency systems and relaying axes wait before trying again in a federated
    run, where failures are injected."""


@dataclass
class RunContext:
    scenario: LoadScenario
    settings: Settings
    model: Topology
    plan: Plan
    profile: RateProfile
    calendar: WorkCalendar
    collector: Collector

    def rate_per_s(self, documents_per_day: float) -> float:
        """A sender's nominal rate in real seconds: its daily documents (times the load test's
        demand scale) spread over the working seconds of a day, compressed by the time scale."""
        work = self.calendar.work_seconds_per_day
        scale = self.scenario.loadtest.demand_scale
        return documents_per_day * scale / work * self.settings.time_scale if work else 0.0

    def adopt(self, users: int, load_s: float, time_scale: float) -> None:
        """Take the master's users, sending time and time scale (a worker's own options may
        differ: forked workers lose -t, remote ones may be started without -u)."""
        settings = self.settings
        if users != len(self.plan.groups):
            self.plan = make_plan(self.model, users, self.scenario.loadtest.agencies_per_user,
                                  self.scenario.seed)
            settings.users = users
            self.collector.groups = users
        if (load_s, time_scale) != (settings.load_s, settings.time_scale):
            delivery = self.scenario.delivery
            lt = self.scenario.loadtest
            settings.poll_interval_s = lt.poll_interval_s or delivery.poll_interval_s / time_scale
            if lt.registration_delay_s is None:
                settings.registration_delay_s = delivery.registration_delay_s / time_scale
            settings.long_poll_wait_s = max(1.0, delivery.long_poll_timeout_s / time_scale)
            settings.load_s, settings.time_scale = load_s, time_scale
            self.profile = make_profile(self.scenario, settings, self.calendar)

    def take_asked(self, users: int | None, spawn_rate: float | None) -> bool:
        """Take a user count and spawn rate asked for after start-up (Locust's web UI form);
        True when the number of users changed."""
        if spawn_rate:
            self.settings.spawn_rate = float(spawn_rate)
        if users and int(users) != len(self.plan.groups):
            self.adopt(int(users), self.settings.load_s, self.settings.time_scale)
            return True
        return False

    @property
    def intended_send_rate(self) -> float:
        """Expected documents per real second over the load phase."""
        return self.rate_per_s(self.plan.documents_per_day) * self.profile.mean()


def resolve_settings(scenario: LoadScenario, *, users: int | None = None,
                     spawn_rate: float | None = None, load_s: float | None = None,
                     time_scale: float | None = None, secret_key: str = "lienthong"
                     ) -> Settings:
    lt = scenario.loadtest
    scale = time_scale or lt.time_scale
    delivery = scenario.delivery
    poll = lt.poll_interval_s or delivery.poll_interval_s / scale
    registration = (lt.registration_delay_s if lt.registration_delay_s is not None
                    else delivery.registration_delay_s / scale)
    mode = delivery.mode if delivery.mode in MODES else "poll"
    return Settings(users=users or lt.users, spawn_rate=spawn_rate or lt.spawn_rate,
                    load_s=load_s or lt.run_time_s, time_scale=scale, poll_interval_s=poll,
                    registration_delay_s=registration,
                    long_poll_wait_s=max(1.0, delivery.long_poll_timeout_s / scale),
                    mode=mode, drain_s=lt.drain_s, late_threshold_s=lt.late_threshold_s,
                    max_in_flight=lt.max_in_flight, secret_key=secret_key,
                    retry_initial_s=scenario.retry_initial_s / scale,
                    retry_max_s=scenario.retry_max_s / scale)


def make_profile(scenario: LoadScenario, settings: Settings, calendar: WorkCalendar
                 ) -> RateProfile:
    lt = scenario.loadtest
    periods = tuple((float(a), float(b)) for a, b in calendar.periods)
    if lt.start_of_day:
        hours, minutes = lt.start_of_day.split(":")
        start = int(hours) * 3600.0 + int(minutes) * 60.0
    else:
        start = periods[0][0]
    return RateProfile(lt.shape, Clock(load_s=settings.load_s, time_scale=settings.time_scale,
                                       start_of_day_s=start, periods=periods,
                                       day_factor=calendar.rate_factor(calendar.days[0])))


def build_context(scenario: LoadScenario, settings: Settings, role: str) -> RunContext:
    model = build_topology(scenario.topology, scenario.rollout, scenario.demand, scenario.seed)
    plan = make_plan(model, settings.users, scenario.loadtest.agencies_per_user, scenario.seed)
    calendar = WorkCalendar(scenario.calendar, scenario.demand.growth,
                            uptake=scenario.demand.uptake)
    profile = make_profile(scenario, settings, calendar)
    return RunContext(scenario, settings, model, plan, profile, calendar,
                      Collector(role, len(plan.groups)))


def document_date(unix: float) -> str:
    return dt.datetime.fromtimestamp(unix, dt.UTC).strftime("%Y/%m/%d")
