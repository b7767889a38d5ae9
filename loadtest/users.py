"""Locust users that behave like agency document systems, in an open model.

A user plays one group of agency systems (see `agents`). For each sending agency it walks a
Poisson schedule of intended send times (see `shapes.arrivals`) and launches every send in its
own greenlet at its intended time, whether or not earlier sends have answered: the offered load
does not bend to the axis's speed, so a slow axis shows up as latency, not as a lower rate
(no coordinated omission). A send that leaves more than `late_threshold_s` after its intended
time (the generator itself was behind, or `max_in_flight` was reached) is counted as late.

For each agency, a receiver polls its inbox at the scenario's interval (fixed ticks at a random
phase, as the simulator models it) or long-polls, fetches every pending delivery, acknowledges it,
and for documents sends status 01 back at once and status 03 after the registration delay.
End-to-end latency is measured from the intended send time carried in the package.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from typing import Any, ClassVar

import gevent
from gevent.lock import BoundedSemaphore
from gevent.pool import Group
from locust import task
from locust.contrib.fasthttp import FastHttpUser

from loadtest import edxml, latency
from loadtest.agents import AgencySystem
from loadtest.client import AxisClient
from loadtest.context import RunContext, document_date
from loadtest.federation import AXES_ENV, bases_for, parse_axes
from loadtest.ledger import EDOC, STATUS, status_key
from loadtest.shapes import arrivals
from loadtest.signing import agency_secret
from loadtest.xmlsig import package_signer
from topology.outages import backoff
from topology.streams import stream

log = logging.getLogger("lienthong.loadtest")

INBOX_LIMIT = 100
FOREIGN_TOLERANCE_S = 1.0
"""A delivery whose intended send time is this much before the run's start is not this run's
(clocks of the processes of one run agree far better than this)."""
SEND_RETRIES = 15
"""Tries after the first of a send or acknowledgement whose axis is down, waiting as the
scenario's retry back-off says (topology.outages.backoff, compressed by the time scale: 0.625 s
doubling to 25 s for the default 30 s to 20 min at 48x), as the simulator's senders do."""
MAX_DELAY_MEANS = 10.0
"""Registration delays are exponential, cut at 10 means (probability e^-10) so runs end."""
PROCESS_TAG = uuid.uuid4().hex[:8]
"""Makes DocumentIds unique across processes and runs (the axis de-duplicates by DocumentId)."""


class AgencySystemUser(FastHttpUser):
    """One Locust user = a group of agency systems sending, polling, fetching and answering."""

    abstract = True
    run_context: ClassVar[RunContext | None] = None
    concurrency = 1000
    network_timeout = 120.0
    connection_timeout = 10.0

    @task
    def keep_alive(self) -> None:
        """The work happens in the greenlets `on_start` spawned; the task only waits."""
        gevent.sleep(1.0)

    def on_start(self) -> None:
        run = self.run_context
        if run is None:
            raise RuntimeError("AgencySystemUser.run_context is not set (see locustfile.py)")
        self.run_ctx = run
        self.collector = run.collector
        self.workers = Group()
        self.collector.clock_set.wait()
        clock = self.collector.clock
        run.adopt(clock.users, clock.load_s, clock.time_scale)
        group = self.collector.claim()
        if group is None:
            self.agencies: list[AgencySystem] = []
            return
        self.agencies = run.plan.groups[group]
        # workers learn the master's key with the spawn message, after their init
        key = getattr(self.environment.parsed_options, "secret_key", "") or run.settings.secret_key
        ca = getattr(self.environment.parsed_options, "signing_ca", "")
        axes = os.environ.get(AXES_ENV)  # a federated run: each agency talks to its own axis
        bases = bases_for([a.code for a in self.agencies], parse_axes(axes)) if axes else None
        self.axis = AxisClient(self.client, {a.code: agency_secret(key, a.code)
                                             for a in self.agencies},
                               package_signer(ca) if ca else None, bases)
        self.send_retries = SEND_RETRIES if axes else 0
        self.in_flight = BoundedSemaphore(run.settings.max_in_flight)
        for agency in self.agencies:
            self.workers.spawn(self._receive_loop, agency)
            if agency.documents_per_day > 0:
                self.workers.spawn(self._send_loop, agency)

    def on_stop(self) -> None:
        workers = getattr(self, "workers", None)
        if workers is not None:
            workers.kill(block=False)

    # -- sending -----------------------------------------------------------------------------

    def _send_loop(self, agency: AgencySystem) -> None:
        run = self.run_ctx
        seed = run.scenario.seed
        clock = self.collector.clock
        timing = stream(seed, f"loadtest.arrivals.{agency.code}")
        choice = stream(seed, f"loadtest.documents.{agency.code}")
        rate = run.rate_per_s(agency.documents_per_day)
        # The schedule always starts at the run's start, whenever this user got going: a user
        # that starts late (a worker that built its context slowly, a slow spawn) sends what was
        # already due at once and counts it late, rather than skipping it. Skipping would lower
        # the offered load silently and draw a different schedule from the same seed.
        for sequence, offset in enumerate(arrivals(rate, run.profile, timing)):
            intended = clock.start + offset
            delay = intended - time.time()
            if delay > 0:
                gevent.sleep(delay)
            self.collector.counters["scheduled_sends"] += 1
            self.collector.pending += 1
            self.in_flight.acquire()
            if time.time() - intended > run.settings.late_threshold_s:
                self.collector.counters["late_sends"] += 1
                self.collector.timeline.count("late_sends", intended)  # in the second it was due
            self.workers.spawn(self._send_document, agency, sequence, intended, choice)

    def _send_document(self, agency: AgencySystem, sequence: int, intended: float,
                       rng: Any) -> None:
        try:
            run = self.run_ctx
            demand = run.model.demand
            agencies = run.model.network.agencies
            recipients = [agencies[int(i)].code
                          for i in demand.sample_recipients(agency.index, rng)]
            document_id = f"{agency.code},{document_date(intended)},LT{PROCESS_TAG}-{sequence}"
            package = edxml.document(agency.code, recipients, document_id, intended=intended,
                                     priority=demand.sample_priority(rng),
                                     size_bytes=demand.sample_size_bytes(rng))
            answer = self._send_retrying(agency.code, package)
            now = time.time()
            if answer.ok:
                self.collector.journal.record_sent(EDOC, document_id, recipients, now)
                self.collector.timeline.count("sent", now)
                self.collector.timeline.count("accepted_deliveries", now, len(recipients))
                self.collector.counters["accepted_sends"] += 1
                self.collector.counters["accepted_bytes"] += len(package)
                if answer.status == 200:
                    self.collector.counters["duplicate_answers"] += 1
            else:
                self.collector.counters["failed_sends"] += 1
        finally:
            self.in_flight.release()
            self.collector.pending -= 1

    def _send_retrying(self, agency: str, package: bytes, name: str = "send") -> Any:
        """Send; in a federated run, where failures are injected, retry a send that found the
        agency's own axis down (no answer, or 5xx) as a document system would: with the same
        DocumentId, so the axis stores it once however many tries reach it."""
        return self._retrying(lambda: self.axis.send(agency, package, name))

    def _ack_retrying(self, agency: str, delivery_id: int) -> Any:
        """Acknowledge; in a federated run, retry an acknowledgement the axis did not answer (it
        was killed or paused after the fetch), as a document system would, before polling
        again: an unacknowledged delivery is handed out again (at-least-once), and a recipient
        that gave up on the acknowledgement would fetch it twice. Acknowledging is idempotent
        (done after done stays done)."""
        return self._retrying(lambda: self.axis.ack(agency, delivery_id))

    def _retrying(self, call: Any) -> Any:
        """`call()` again while the axis gives no answer or a 5xx, backing off as the scenario
        says (a standalone run does not retry: nothing is injected there)."""
        settings = self.run_ctx.settings
        answer = call()
        for attempt in range(self.send_retries):
            if answer.ok or 0 < answer.status < 500:
                break
            gevent.sleep(backoff(settings.retry_initial_s, settings.retry_max_s, attempt))
            answer = call()
        return answer

    def _send_status(self, me: str, original_sender: str, document_id: str, code: str,
                     intended: float) -> None:
        delay = intended - time.time()
        if delay > 0:
            gevent.sleep(delay)
        try:
            package = edxml.status(me, original_sender, document_id, code, intended=intended)
            answer = self._send_retrying(me, package, name=f"send status {code}")
            now = time.time()
            if answer.ok:
                key = status_key(document_id, code, me)
                self.collector.journal.record_sent(STATUS, key, [original_sender], now)
                self.collector.timeline.count("accepted_deliveries", now)
                self.collector.counters["accepted_statuses"] += 1
            else:
                self.collector.counters["failed_statuses"] += 1
        finally:
            self.collector.pending -= 1

    # -- receiving ---------------------------------------------------------------------------

    def _receive_loop(self, agency: AgencySystem) -> None:
        settings = self.run_ctx.settings
        if settings.mode == "poll":
            phase = stream(self.run_ctx.scenario.seed, f"loadtest.poll.{agency.code}")
            interval = settings.poll_interval_s
            tick = time.time() + float(phase.uniform(0.0, interval))
            while True:
                delay = tick - time.time()
                if delay > 0:
                    gevent.sleep(delay)
                else:
                    self.collector.counters["late_polls"] += 1
                tick += interval
                while tick < time.time():  # the generator fell behind: skip, do not pile up
                    tick += interval
                total = self.axis.count(agency.code)
                if total:
                    self._empty_inbox(agency, 0.0)
        else:  # long_poll (push is not in the protocol: it is served as a long poll)
            while True:
                if not self._empty_inbox(agency, settings.long_poll_wait_s):
                    gevent.sleep(0.1)

    def _empty_inbox(self, agency: AgencySystem, wait: float) -> bool:
        """Fetch, acknowledge and answer everything pending; False if the inbox call failed."""
        self.collector.pending += 1
        try:
            while True:
                items = self.axis.inbox(agency.code, INBOX_LIMIT, wait)
                if items is None:
                    return False
                for item in items:
                    self._take(agency, item)
                if len(items) < INBOX_LIMIT:
                    return True
                wait = 0.0
        finally:
            self.collector.pending -= 1

    def _take(self, agency: AgencySystem, item: dict[str, Any]) -> None:
        run = self.run_ctx
        delivery_id = int(item["id"])
        kind = item.get("kind", EDOC)
        fetched = self.axis.fetch(agency.code, delivery_id)
        if not fetched.ok:
            return
        now = time.time()
        sender = str(item.get("sender", ""))
        document_id = str(item.get("document_id", ""))
        intended = edxml.intended_time(fetched.body)
        if intended is None or intended < self.collector.clock.start - FOREIGN_TOLERANCE_S:
            # left on a reused axis by an earlier run (or sent by someone else): cleared from the
            # inbox, counted apart, never in this run's ledger or latency
            self.collector.counters["foreign_deliveries"] += 1
            self._ack_retrying(agency.code, delivery_id)
            return
        if kind == STATUS:
            code = edxml.status_code(fetched.body) or "??"
            key = status_key(document_id, code, sender)
            series = "status deliver"
        else:
            key = document_id
            series = "deliver"
            self.collector.timeline.count("delivered", now)
        self.collector.journal.record_fetch(kind, key, agency.code, now)
        if intended is not None:
            self._measure(series, now - intended, len(fetched.body))
        answer = self._ack_retrying(agency.code, delivery_id)
        if answer.ok and intended is not None and kind == EDOC:
            self._measure("ack", time.time() - intended, 0)
        if kind == EDOC:
            self.collector.pending += 2
            self.workers.spawn(self._send_status, agency.code, sender, document_id, "01", now)
            mean = run.settings.registration_delay_s
            delay = min(float(self._registration_rng(agency).exponential(mean)),
                        MAX_DELAY_MEANS * mean) if mean else 0.0
            self.collector.last_due = max(self.collector.last_due, now + delay)
            self.workers.spawn(self._send_status, agency.code, sender, document_id, "03",
                               now + delay)

    def _registration_rng(self, agency: AgencySystem) -> Any:
        rngs = self.__dict__.setdefault("_registration_rngs", {})
        if agency.code not in rngs:
            rngs[agency.code] = stream(self.run_ctx.scenario.seed,
                                       f"loadtest.registration.{agency.code}")
        return rngs[agency.code]

    def _measure(self, series: str, seconds: float, size: int) -> None:
        self.collector.latency.record(series, seconds)
        latency.fire(self.environment.events, series, seconds, size)
