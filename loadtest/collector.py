"""Where every Locust process's records meet: the master's ledger, latencies and timeline.

Locust runs headless in one process, or as a master with workers (`--processes N`, or machines
joined with `--master`/`--worker`). Each process collects what its users did in a journal, a
latency recorder and a timeline, and every half second ships the delta to the master as a Locust
custom message ("lienthong_report"); in a single process the delta is merged in place. The
master therefore holds the whole run and can decide when the drain is over: sending has stopped,
every process reports no work in progress, and the ledger has nothing outstanding.

Two more messages: the master announces the run's clock (the start every intended send time is
measured from, and when sending stops), and hands out agency groups to users on request, so each
group is played exactly once however Locust spreads users over workers.
"""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import gevent
from gevent.event import AsyncResult, Event

from loadtest.latency import LatencyRecorder
from loadtest.ledger import Journal, Ledger
from loadtest.timeline import Timeline

log = logging.getLogger("lienthong.loadtest")

REPORT = "lienthong_report"
CLOCK = "lienthong_clock"
CLAIM = "lienthong_claim"
GROUP = "lienthong_group"
REPORT_INTERVAL_S = 0.5


@dataclass(frozen=True)
class Clock:
    start: float
    """Unix time the run started: intended send times are offsets from it."""
    load_s: float
    """Sending stops this many seconds after the start; the drain follows."""
    users: int
    """Agency groups the master plays (workers started without the same -u adopt it)."""
    time_scale: float = 1.0
    """The master's time scale (workers adopt it, as they adopt `load_s` and `users`)."""


class Collector:
    def __init__(self, role: str, groups: int) -> None:
        self.role = role  # "local", "master" or "worker"
        self.groups = groups
        self.runner: Any = None
        # this process
        self.journal = Journal()
        self.latency = LatencyRecorder()
        self.timeline = Timeline()
        self.counters: Counter[str] = Counter()
        self.pending = 0
        self.last_due = 0.0
        """Latest time a scheduled status (03 after its registration delay) is due to leave."""
        self.clock: Clock | None = None
        self.clock_set = Event()
        self._claims: dict[str, AsyncResult] = {}
        # the merged view (master or local)
        self.ledger = Ledger()
        self.merged_latency = LatencyRecorder()
        self.merged_timeline = Timeline()
        self.merged_counters: Counter[str] = Counter()
        self.reports: dict[str, tuple[float, int]] = {}
        self.merged_last_due = 0.0
        self._next_group = itertools.count()
        self._reporter: gevent.Greenlet | None = None

    # -- wiring ------------------------------------------------------------------------------

    def attach(self, runner: Any) -> None:
        self.runner = runner
        if self.role == "master":
            runner.register_message(REPORT, self._on_report)
            runner.register_message(CLAIM, self._on_claim)
        elif self.role == "worker":
            runner.register_message(CLOCK, self._on_clock)
            runner.register_message(GROUP, self._on_group)

    def start(self, load_s: float, time_scale: float) -> None:
        """Once every user is spawned, on the master (or the single process): fix the clock
        and announce it. Users wait for it, so no intended send falls before its user exists
        and a slow ramp-up does not show as latency."""
        self._next_group = itertools.count()
        self.set_clock(Clock(time.time(), load_s, self.groups, time_scale))
        if self.role == "master":
            self.runner.send_message(CLOCK, {"start": self.clock.start, "load_s": load_s,
                                             "users": self.groups, "time_scale": time_scale})

    def reset(self) -> None:
        """At each test start: no clock until every user exists (see `start`)."""
        self.clock = None
        self.clock_set.clear()

    def start_reporting(self) -> None:
        if self.role != "master" and self._reporter is None:
            self._reporter = gevent.spawn(self._report_loop)

    def set_clock(self, clock: Clock) -> None:
        self.clock = clock
        self.clock_set.set()

    def _on_clock(self, environment: Any, msg: Any, **_: Any) -> None:
        self.set_clock(Clock(float(msg.data["start"]), float(msg.data["load_s"]),
                             int(msg.data["users"]), float(msg.data["time_scale"])))

    # -- agency groups -----------------------------------------------------------------------

    def claim(self, timeout: float = 30.0) -> int | None:
        """The next unplayed agency group for a starting user, or None when all are taken."""
        if self.role == "worker":
            token = uuid.uuid4().hex
            result = self._claims[token] = AsyncResult()
            self.runner.send_message(CLAIM, {"token": token})
            try:
                group = result.get(timeout=timeout)
            finally:
                self._claims.pop(token, None)
        else:
            group = next(self._next_group)
        return group if group is not None and group < self.groups else None

    def _on_claim(self, environment: Any, msg: Any, **_: Any) -> None:
        group = next(self._next_group)
        self.runner.send_message(GROUP, {"token": msg.data["token"], "group": group},
                                 client_id=msg.node_id)

    def _on_group(self, environment: Any, msg: Any, **_: Any) -> None:
        waiting = self._claims.get(msg.data["token"])
        if waiting is not None:
            waiting.set(msg.data["group"])

    # -- reporting ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """This process's records since the last snapshot, and its work in progress."""
        counters = dict(self.counters)
        self.counters.clear()
        return {"ledger": self.journal.take(), "latency": self.latency.take(),
                "timeline": self.timeline.take(), "counters": counters,
                "pending": self.pending, "last_due": self.last_due, "time": time.time()}

    def flush(self) -> None:
        data = self.snapshot()
        if self.role == "worker":
            self.runner.send_message(REPORT, data)
        else:
            self.merge("local", data)

    def _report_loop(self) -> None:
        while True:
            gevent.sleep(REPORT_INTERVAL_S)
            try:
                self.flush()
            except Exception:  # a lost report must not kill the reporter; the next one follows
                log.exception("lienthong: report failed")

    def _on_report(self, environment: Any, msg: Any, **_: Any) -> None:
        self.merge(msg.node_id, msg.data)

    def merge(self, node: str, data: dict[str, Any]) -> None:
        delta = data["ledger"]
        for _kind, key, recipient, when in delta.get("fetched", ()):
            if (key, recipient) not in self.ledger.fetches:
                self.merged_timeline.count("fetches", when)
        self.ledger.merge(delta)
        self.merged_latency.add_encoded(data["latency"])
        self.merged_timeline.merge(data["timeline"])
        self.merged_counters.update(data["counters"])
        self.reports[node] = (float(data["time"]), int(data["pending"]))
        self.merged_last_due = max(self.merged_last_due, float(data.get("last_due", 0.0)))

    # -- the live line ------------------------------------------------------------------------

    def live_line(self, users: int) -> str:
        """What the run is doing, for a person watching (master or local): users, sends and
        deliveries per second since the last line, end-to-end p50/p99 so far, the backlog of
        accepted deliveries not yet fetched, and fetches outside this run's ledger."""
        now = time.time()
        sends = self.merged_counters.get("accepted_sends", 0)
        fetches = sum(self.ledger.fetches.values())
        last_time, last_sends, last_fetches = getattr(self, "_live_last", (None, 0, 0))
        span = (now - last_time) if last_time else max(now - (self.clock.start if self.clock
                                                               else now), 1e-9)
        self._live_last = (now, sends, fetches)
        deliver = self.merged_latency.histograms.get("deliver")
        if deliver is not None and deliver.get_total_count():
            p50 = deliver.get_value_at_percentile(50) / 1e6
            p99 = deliver.get_value_at_percentile(99) / 1e6
            latency = f"e2e p50 {p50:.3g} s p99 {p99:.3g} s"
        else:
            latency = "e2e -"
        foreign = self.merged_counters.get("foreign_deliveries", 0)
        return (f"live: {users} users, {(sends - last_sends) / max(span, 1e-9):.2f} sends/s, "
                f"{(fetches - last_fetches) / max(span, 1e-9):.2f} deliveries/s, {latency}, "
                f"backlog {self.ledger.outstanding()}, sent {sends}, fetched {fetches}"
                + (f", {foreign} from earlier runs" if foreign else ""))

    # -- the drain ---------------------------------------------------------------------------

    def quiet(self) -> bool:
        """True when sending is over, every process reported idle since, and nothing the axis
        accepted is still waiting to be fetched."""
        if self.clock is None:
            return False
        if self.role == "local":
            self.flush()
        load_end = self.clock.start + self.clock.load_s
        if not self.reports:
            return False
        workers = 1 if self.role == "local" else max(1, self._worker_count())
        if len(self.reports) < workers:
            return False
        for when, pending in self.reports.values():
            if when <= load_end + 1.0 or pending:
                return False
        return self.ledger.outstanding() == 0

    def drain_deadline(self, drain_s: float) -> float:
        """When the drain gives up: `drain_s` after sending stopped or after the last scheduled
        status was due, whichever is later (a status sent late still gets its drain)."""
        if self.clock is None:
            return 0.0
        return max(self.clock.start + self.clock.load_s, self.merged_last_due) + drain_s

    def _worker_count(self) -> int:
        clients = getattr(self.runner, "clients", None)
        return len(clients) if clients is not None else 1
