"""One axis node as a multi-worker server with non-preemptive priorities and aggregated polls.

Why not `simpy.PriorityResource`: a request/release pair costs a process and four or five events
per operation, and the axis network performs tens of millions of operations a day. Here a server
is a heap of worker free times plus a priority queue:

- A job that finds a free worker and nobody waiting starts at once; its finish time is known, so
  no completion event is scheduled: the caller's `on_start(finish, arg)` schedules whatever
  happens next (the package reaching the next axis, say). This is exact for identical workers:
  which worker serves a job does not change any time.
- Otherwise it waits in a heap ordered by (priority descending, arrival time): flash and very
  urgent documents are served first, FIFO within a priority, no preemption. One "wake" event at
  the earliest worker free time starts the next waiting jobs.

Idle polls (systems asking "anything for me?") are the dominant request stream of a national
rollout, but each one only holds a worker for `poll` seconds and touches nothing else. They are
a superposed stream per axis (N systems polling every T s at independent uniform phases: rate
N/T; for the tens to thousands of systems per axis this superposition is Poisson to a very good
approximation, Palm-Khintchine). The stream is generated lazily: whenever the server is touched
at time t, the polls that arrived since the last touch are fed through the same worker heap and
queue, in arrival order, before the new job; so a document sees exactly the workers a poll would
occupy, and polls queue behind or ahead of documents as they would. Long stretches with no other
work (nights, quiet axes) are skipped: the polls of a gap that ends more than `window` before t,
on an otherwise idle server, cannot still be in service at t, so only their count and busy time
(expected values: the poll pending at the gap's start plus rate x the rest of the gap) are
added. Polls that find work are simulated one by one by the delivery model
(sim/delivery.py), on top of this stream.

Writes (send, relay, status, ack) can wait for a group commit after their worker is done
(`axis.commit`; `submit_write`), as the reference axis answers a write only once it is durable:
one commit runs at a time and carries every write that finished while the previous one ran, so
under load commits grow and their fixed part (the fsync) is shared. A write that finds no commit
running starts one at once. The stage costs one event per write (its worker's finish) and one
per batch.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush, heapreplace
from typing import Any

import numpy as np
import simpy

from sim.events import scheduler

OnStart = Callable[[float, Any], None]
_BUFFER = 4096


class ExpBuffer:
    """Exponential draws of a given mean from one named stream, drawn in blocks (speed)."""

    __slots__ = ("_i", "_mean", "_rng", "_values")

    def __init__(self, rng: np.random.Generator, mean: float) -> None:
        self._rng, self._mean = rng, mean
        self._values: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        i = self._i
        if i >= len(self._values):
            self.refill()
            i = 0
        self._i = i + 1
        return self._values[i]

    def refill(self) -> list[float]:
        """The next block of draws (the buffer is exhausted)."""
        self._values = self._rng.exponential(self._mean, _BUFFER).tolist()
        self._i = 0
        return self._values


class AxisServer:
    """Workers, a priority queue, an aggregated poll stream, outages and the statistics."""

    def __init__(self, env: simpy.Environment, name: str, workers: int, *,
                 poll_rate_per_s: float = 0.0, poll_cost_s: float = 0.0,
                 poll_gap: ExpBuffer | None = None, service_exp: ExpBuffer | None = None,
                 retry: Callable[[int], float] | None = None,
                 commit: tuple[float, float] | None = None) -> None:
        self.env = env
        self._at = scheduler(env)
        self.name = name
        self.workers = workers
        self.free = [env.now] * workers
        self.waitq: list[tuple[int, float, int, float, OnStart | None, Any]] = []
        self._seq = 0
        self._wake_pending = False
        self.service_exp = service_exp
        """If set, every operation's service time is drawn from it (exponential validation)."""
        # poll stream
        self.poll_rate = poll_rate_per_s
        self.poll_cost = poll_cost_s
        self._poll_gap = poll_gap
        self.poll_window = 20.0 * (service_exp._mean if service_exp else poll_cost_s)
        self.next_poll = (env.now + poll_gap()) if (poll_gap and poll_rate_per_s > 0) \
            else float("inf")
        # failures
        self.down = False
        self._retry_delay = retry or (lambda attempt: 30.0)
        self.retries_pending = 0
        self._drain_from: float | None = None
        self.drain_times: list[float] = []
        self._special = service_exp is not None
        # group commit: (fixed s, s per write), the end of the last commit started, the writes
        # waiting for the next one
        self.submit_write = self.submit if commit is None else self._submit_write
        self._commit_fixed, self._commit_per_write = commit or (0.0, 0.0)
        self.commit_end = env.now
        self._batch: list[tuple[OnStart, Any]] = []
        self.commits = 0
        self.committed = 0
        self.commit_busy = 0.0
        """Commit time started since the last reset: the commit stage is one at a time, so
        this over the span is its utilisation, which caps the axis when workers do not."""
        # hot path: the callbacks this server schedules for itself, as bound methods made once
        self._wake_cb, self._worker_done_cb = self._wake, self._worker_done
        self._to_commit_cb, self._commit_batch_cb = self._to_commit, self._commit_batch
        # statistics since the last reset, and requests per time bin (a list covering the run,
        # shared by all servers; sim.metrics.Bins)
        self.request_bins: list[int] = [0] * 2
        self.bin_origin, self.bin_rate = env.now, 0.0
        self.reset_stats()

    # -- statistics ---------------------------------------------------------------------------

    def catch_up(self) -> None:
        """Feed the polls up to now (before reading or resetting the statistics)."""
        if self.env.now >= self.next_poll:
            self._advance(self.env.now)

    def reset_stats(self) -> None:
        """Start a measurement window now. Busy time is counted when a request starts, so a
        window's utilisation includes the full service of requests started inside it."""
        self.catch_up()
        self.stats_from = self.env.now
        self.busy = 0.0
        self.commit_busy = 0.0
        self.jobs = 0
        self.jobs_waited = 0
        self.wait_sum = 0.0
        self.polls = 0.0
        self.poll_wait_sum = 0.0
        self.retries = 0

    def snapshot(self) -> dict[str, float]:
        """Figures over [stats_from, now]: utilisation, time-average queue, waits, rates."""
        self.catch_up()
        span = max(self.env.now - self.stats_from, 1e-12)
        requests = self.jobs + self.polls
        return {
            "workers": self.workers,
            "utilization": self.busy / (self.workers * span),
            "commit_utilization": self.commit_busy / span,
            "queue_mean": (self.wait_sum + self.poll_wait_sum) / span,
            "wait_sum_s": self.wait_sum,
            "jobs": self.jobs,
            "wait_mean_s": self.wait_sum / self.jobs if self.jobs else 0.0,
            "arrival_rate_per_s": requests / span,
            "poll_rate_per_s": self.polls / span,
            "retries": self.retries,
            "span_s": span,
        }

    # -- service ------------------------------------------------------------------------------

    def submit(self, service_s: float, priority: int, on_start: OnStart, arg: Any,
               attempt: int = 0) -> None:
        """A request arrives now. `on_start(finish, arg)` runs when a worker takes it."""
        now = self.env._now
        self.request_bins[int((now - self.bin_origin) * self.bin_rate)] += 1
        if now >= self.next_poll:
            self._advance(now)
        if self._special:  # down, or exponential service (validation)
            if self.down:
                self.retries += 1
                self.retries_pending += 1
                self._at(now + self._retry_delay(attempt), self._retry,
                         (service_s, priority, on_start, arg, attempt + 1))
                return
            if self.service_exp is not None:
                service_s = self.service_exp()
        self.jobs += 1
        free = self.free
        if free[0] <= now and not self.waitq:
            finish = now + service_s
            heapreplace(free, finish)
            self.busy += service_s
            on_start(finish, arg)
            return
        self._seq += 1
        heappush(self.waitq, (-priority, now, self._seq, service_s, on_start, arg))
        if not self._wake_pending and not self.down:  # = _ensure_wake(), inlined (hot path)
            self._wake_pending = True
            self._at(free[0], self._wake_cb)

    # -- group commit -------------------------------------------------------------------------

    def _submit_write(self, service_s: float, priority: int, on_start: OnStart, arg: Any,
                      attempt: int = 0) -> None:
        """A write: its worker's part, then the group commit; `on_start(answered, arg)` runs
        when the commit that carries it starts (its end, the answer, is then known)."""
        now = self.env._now
        free = self.free
        if free[0] <= now and now < self.next_poll and not self._special and not self.waitq:
            # = submit() when a worker is free and no poll is due, then _worker_done(),
            # inlined: the fast path of every write (hot path)
            self.request_bins[int((now - self.bin_origin) * self.bin_rate)] += 1
            self.jobs += 1
            finish = now + service_s
            heapreplace(free, finish)
            self.busy += service_s
            self._at(finish, self._to_commit_cb, (on_start, arg))
            return
        self.submit(service_s, priority, self._worker_done_cb, (on_start, arg), attempt)

    def _worker_done(self, finish: float, pair: tuple[OnStart, Any]) -> None:
        self._at(finish, self._to_commit_cb, pair)

    def _to_commit(self, pair: tuple[OnStart, Any]) -> None:
        now = self.env._now
        if now >= self.commit_end and not self._batch:  # no commit running: start one
            end = now + self._commit_fixed + self._commit_per_write
            self.commit_busy += end - now
            self.commit_end = end
            self.commits += 1
            self.committed += 1
            on_start, arg = pair
            on_start(end, arg)
            return
        batch = self._batch
        batch.append(pair)
        if len(batch) == 1:
            self._at(self.commit_end, self._commit_batch_cb, None)

    def _commit_batch(self, _: Any) -> None:
        """The running commit ended: the next carries every write that waited for it."""
        batch, self._batch = self._batch, []
        now = self.env._now
        end = now + self._commit_fixed + self._commit_per_write * len(batch)
        self.commit_busy += end - now
        self.commit_end = end
        self.commits += 1
        self.committed += len(batch)
        for on_start, arg in batch:
            on_start(end, arg)

    def _retry(self, job: tuple[float, int, OnStart, Any, int]) -> None:
        self.retries_pending -= 1
        service_s, priority, on_start, arg, attempt = job
        self.submit(service_s, priority, on_start, arg, attempt)
        self._check_drained()

    def _ensure_wake(self) -> None:
        if not self._wake_pending and not self.down:
            self._wake_pending = True
            self._at(self.free[0], self._wake_cb)

    def _wake(self, _: Any) -> None:
        self._wake_pending = False
        now = self.env._now
        if now >= self.next_poll:
            self._advance(now)
        if self.down:
            return
        free, queue = self.free, self.waitq
        while queue and free[0] <= now:
            _, arrived, _, service_s, on_start, arg = heappop(queue)
            finish = now + service_s
            heapreplace(free, finish)
            self.busy += service_s
            if on_start is None:  # a queued poll
                self.poll_wait_sum += now - arrived
                continue
            self.wait_sum += now - arrived
            self.jobs_waited += 1
            on_start(finish, arg)
        if queue:
            if not self._wake_pending and not self.down:  # = _ensure_wake(), inlined
                self._wake_pending = True
                self._at(free[0], self._wake_cb)
        elif self._drain_from is not None:  # = _check_drained()'s first test, inlined
            self._check_drained()

    # -- the aggregated poll stream -----------------------------------------------------------

    def _advance(self, t: float) -> None:
        """Feed the idle polls that arrived in (last touch, t] through the workers."""
        p = self.next_poll
        gap = self._poll_gap
        assert gap is not None
        # the gap buffer is read inline (about one poll per call: the call layer would cost
        # as much as the poll)
        values, i = gap._values, gap._i
        n = len(values)
        rate, window = self.poll_rate, self.poll_window
        free, queue = self.free, self.waitq
        exp = self.service_exp
        while p <= t:
            if i >= n:
                values, i = gap.refill(), 0
                n = len(values)
            g = values[i]
            i += 1
            if self.down:  # polls fail fast while the axis is down: no load
                p = t + g
                break
            if p < t - window and not queue and max(free) <= p:
                skip_to = t - window
                # the poll pending at p, and the Poisson arrivals after it up to skip_to
                # (dropping the one at p lost 13-58% of polls at 1-20 touches/s: issue 11)
                expected = 1.0 + rate * (skip_to - p)
                self.polls += expected
                self.busy += expected * (exp._mean if exp else self.poll_cost)
                p = skip_to + g
                continue
            cost = exp() if exp else self.poll_cost
            self.polls += 1
            if not queue and free[0] <= t:
                start = free[0] if free[0] > p else p
                heapreplace(free, start + cost)
                self.busy += cost
                self.poll_wait_sum += start - p
            else:
                self._seq += 1
                heappush(queue, (0, p, self._seq, cost, None, None))
                if not self._wake_pending:
                    self._ensure_wake()
            p += g
        gap._i = i
        self.next_poll = p

    # -- failures -----------------------------------------------------------------------------

    def go_down(self, _: Any = None) -> None:
        now = self.env._now
        if now >= self.next_poll:
            self._advance(now)
        self.down = True
        self._special = True

    def come_up(self, _: Any = None) -> None:
        now = self.env._now
        if now >= self.next_poll:
            self._advance(now)
        self.down = False
        self._special = self.service_exp is not None
        if self.waitq or self.retries_pending:  # work held up by the outage: time its drain
            self._drain_from = now
        if self.waitq:
            self._ensure_wake()

    def _check_drained(self) -> None:
        if self._drain_from is not None and not self.waitq and self.retries_pending == 0 \
                and not self.down:
            self.drain_times.append(self.env._now - self._drain_from)
            self._drain_from = None
