"""The relay worker: forwards what the store queued for a neighbouring axis, and retries.

A package for a recipient another axis serves is stored with a `relays` row per such delivery,
committed in the same transaction as its acceptance (so the sender's 2xx means the package will
be forwarded, through crashes and restarts). This worker takes the queue of each neighbour in
order, posts each package (the request authenticated as this axis, a registered system of that
neighbour; the package's bytes exactly as the sender signed them, so every axis after and the
recipient can verify its XML signature; the hops so far in `X-Trace`) and marks its deliveries
`forwarded` once the neighbour answered 2xx.

Forwarding is idempotent: the neighbour treats a repeated (sender, DocumentId) as a duplicate and
answers 200 with the original result, so a forward retried after a lost answer, or repeated by a
restarted worker that had sent it just before `kill -9`, is still stored once.

While a neighbour is unreachable, the worker backs off for that neighbour as DHX does (30 s,
2 min, then every 20 min by default; `--relay-backoff` changes them, and tests compress them to
fractions of a second), probing with one package per wait; the queue is kept in the store
meanwhile. A refusal that retrying cannot cure (4xx other than 401/408/429) marks the
deliveries `undeliverable`, visible in the sender's outbox, instead of retrying for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

import httpx
from prometheus_client import CollectorRegistry, Counter, Histogram

from axis.client import signed_request
from axis.federation import trace
from axis.federation.roles import Role
from axis.store.base import RelayItem, Store

log = logging.getLogger("axis.relay")

DEFAULT_BACKOFF = (30.0, 120.0, 1200.0)
RETRYABLE = frozenset({401, 408, 425, 429})
"""4xx answers that may go away by themselves (a neighbour not yet registered, a clock skew, a
rate limit); every other 4xx is final, every 5xx and network error is retried."""
RELAY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
                 1800, 3600)


def parse_backoff(text: str) -> tuple[float, ...]:
    """'30,120,1200' -> (30.0, 120.0, 1200.0); raises ValueError naming the fault."""
    try:
        delays = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"{text!r}: expected comma-separated seconds such as 30,120,1200") \
            from None
    if not delays or any(not 0 < d <= 86_400 for d in delays):
        raise ValueError(f"{text!r}: each delay must be more than 0 and at most 86400 s")
    return delays


class RelayMetrics:
    """Counters of the relay, registered with the axis's own metrics."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter("axis_relay_attempts", "Forwards tried, by next hop",
                                ["next_hop"], registry=registry)
        self.failures = Counter("axis_relay_failures",
                                "Forwards that failed, by next hop and reason (retry, refused)",
                                ["next_hop", "reason"], registry=registry)
        self.forwarded = Counter("axis_relay_forwarded", "Deliveries forwarded, by next hop",
                                 ["next_hop"], registry=registry)
        self.latency = Histogram("axis_relay_seconds",
                                 "From acceptance to the next hop's 2xx, per delivery",
                                 ["next_hop"], buckets=RELAY_BUCKETS, registry=registry)


class RelayWorker:
    """One task per neighbour, draining its queue in acceptance order."""

    def __init__(self, store: Store, role: Role, secret: str, metrics: RelayMetrics,
                 backoff: Sequence[float] = DEFAULT_BACKOFF, batch: int = 64,
                 concurrency: int = 16, idle: float = 1.0, timeout: float = 15.0) -> None:
        if role.code is None:
            raise ValueError("a relay worker needs a federated role")
        self.store = store
        self.role = role
        self.code = role.code
        self.secret = secret
        self.metrics = metrics
        self.backoff = tuple(backoff)
        self.batch = batch
        self.concurrency = concurrency
        self.idle = idle
        self.timeout = timeout
        self._wakeups = {hop: asyncio.Event() for hop in role.peers}
        self._tasks: list[asyncio.Task[None]] = []
        self._clients: dict[str, httpx.AsyncClient] = {}

    async def start(self) -> None:
        for hop, url in self.role.peers.items():
            self._clients[hop] = httpx.AsyncClient(
                base_url=url, timeout=self.timeout,
                limits=httpx.Limits(max_connections=self.concurrency))
            self._tasks.append(asyncio.create_task(self._run(hop), name=f"relay-{hop}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    def wake(self, hops: Sequence[str] | None = None) -> None:
        """Something was queued: forward it now rather than at the next idle check."""
        for hop in self._wakeups if hops is None else hops:
            event = self._wakeups.get(hop)
            if event is not None:
                event.set()

    def delay(self, failures: int) -> float:
        """The wait after `failures` consecutive failed rounds (1 = the first)."""
        return self.backoff[min(failures, len(self.backoff)) - 1]

    async def _run(self, hop: str) -> None:
        failures = 0
        wakeup = self._wakeups[hop]
        while True:
            try:
                # While the hop is failing, probe it with one package instead of a batch.
                items = await self.store.relay_queued(hop, 1 if failures else self.batch)
            except Exception as error:  # the store is down: keep the worker, try later
                log.warning("relay queue for %s unreadable: %s", hop, error)
                items = []
            if not items:
                wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), self.idle)
                continue
            if await self._round(hop, items):
                failures = 0
            else:
                failures += 1
                wait = self.delay(failures)
                log.warning("relay to %s failing (%d in a row); next try in %g s", hop,
                            failures, wait)
                await asyncio.sleep(wait)

    async def _round(self, hop: str, items: list[RelayItem]) -> bool:
        """Forward every package among `items`; False if any must be retried."""
        groups: dict[int, list[RelayItem]] = {}
        for item in items:
            groups.setdefault(item.document, []).append(item)
        limit = asyncio.Semaphore(self.concurrency)

        async def one(group: list[RelayItem]) -> bool:
            async with limit:
                return await self._forward(hop, group)

        results = await asyncio.gather(*(one(group) for group in groups.values()))
        return all(results)

    async def _forward(self, hop: str, group: list[RelayItem]) -> bool:
        """Post one package to `hop` for the deliveries in `group`; True unless to be retried."""
        deliveries = [item.delivery for item in group]
        stored = await self.store.relay_document(group[0].document)
        if stored is None:  # cannot happen with a consistent store; do not loop on it
            await self.store.relay_settle(deliveries, "undeliverable")
            return True
        body, hops = stored  # the bytes as the sender signed them; the hops beside them
        client = self._clients[hop]
        self.metrics.attempts.labels(hop).inc()
        try:
            request = signed_request(client, self.code, self.secret, "POST", "/v1/documents",
                                     body, "application/xml")
            request.headers[trace.HEADER] = hops
            response = await client.send(request)
            status = response.status_code
        except httpx.HTTPError as error:
            log.info("forward to %s failed: %s", hop, type(error).__name__)
            status = 0
        if 200 <= status < 300:
            await self.store.relay_settle(deliveries, "forwarded")
            now = time.time()
            self.metrics.forwarded.labels(hop).inc(len(group))
            for item in group:
                self.metrics.latency.labels(hop).observe(max(0.0, now - item.queued_at))
            return True
        if 400 <= status < 500 and status not in RETRYABLE:
            log.warning("%s refused document %d for %s: %d %s", hop, group[0].document,
                        ", ".join(item.recipient for item in group), status,
                        response.text[:200])
            self.metrics.failures.labels(hop, "refused").inc()
            await self.store.relay_settle(deliveries, "undeliverable")
            return True
        self.metrics.failures.labels(hop, "retry").inc()
        with contextlib.suppress(Exception):
            await self.store.relay_attempted(deliveries)
        return False
