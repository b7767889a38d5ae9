"""Prometheus metrics: requests and latency by operation, store commits, and store contents.

Counters and histograms are per process. With several uvicorn workers, prometheus_client's
multiprocess mode is used (the command line sets PROMETHEUS_MULTIPROC_DIR before the workers
start), so a scrape of any worker reports the sum over all of them. The gauges (pending
deliveries, documents stored) are read from the store at scrape time, so they are correct however
many processes share it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                   10, 30, 60)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)

# Route endpoint names -> operation label; anything else (404s, docs) is "other". `send_status`
# is a send whose package is a status message (the handler says so): costs differ, and a
# calibration needs them apart.
OPERATIONS = {
    "send": "send",
    "send_status": "send_status",
    "inbox": "inbox",
    "inbox_count": "inbox_count",
    "fetch": "fetch",
    "ack": "ack",
    "outbox": "outbox",
    "put_agency": "put_agency",
    "list_agencies": "list_agencies",
    "healthz": "healthz",
    "metrics": "metrics",
    "null": "null",
}


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    """The axis's metric objects, registered in a private registry (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "axis_requests", "HTTP requests answered, by operation and status code",
            ["operation", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "axis_request_seconds", "Time to answer a request, by operation", ["operation"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.commit = Histogram(
            "axis_store_commit_seconds", "Time of one group commit (transaction incl. fsync)",
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.batch = Histogram(
            "axis_store_commit_batch_size", "Requests committed together in one transaction",
            buckets=BATCH_BUCKETS, registry=self.registry,
        )
        self._children: dict[tuple[str, int], Any] = {}
        self._timers: dict[str, Any] = {}

    def observe_request(self, operation: str, status: int, seconds: float) -> None:
        key = (operation, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.requests.labels(operation, str(status))
        child.inc()
        timer = self._timers.get(operation)
        if timer is None:
            timer = self._timers[operation] = self.latency.labels(operation)
        timer.observe(seconds)

    def observe_commit(self, seconds: float, size: int) -> None:
        self.commit.observe(seconds)
        self.batch.observe(size)

    def exposition(self, stats: dict[str, int],
                   relay: list[tuple[str, int, float]] | None = None) -> tuple[bytes, str]:
        """The text to serve at /metrics, with gauges computed from `stats` and the relay
        queue (next hop, queued deliveries, oldest queued_at) of a federated axis."""
        registry = CollectorRegistry()
        if multiprocess():
            from prometheus_client import multiprocess as mp

            mp.MultiProcessCollector(registry)
        else:
            registry.register(_Forward(self.registry))
        registry.register(_StoreGauges(stats))
        if relay is not None:
            registry.register(_RelayGauges(relay))
        return generate_latest(registry), CONTENT_TYPE_LATEST


class _Forward:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Any:
        return self._registry.collect()


class _StoreGauges:
    def __init__(self, stats: dict[str, int]) -> None:
        self._stats = stats

    def collect(self) -> Any:
        yield GaugeMetricFamily("axis_pending_deliveries", "Deliveries not yet acknowledged done",
                                value=self._stats["pending_deliveries"])
        yield GaugeMetricFamily("axis_documents_stored", "Packages stored (documents and statuses)",
                                value=self._stats["documents"])
        if "long_polls_waiting" in self._stats:
            yield GaugeMetricFamily("axis_long_polls_waiting",
                                    "Inbox requests held waiting for a delivery (this process)",
                                    value=self._stats["long_polls_waiting"])


class _RelayGauges:
    """Relay queue length and age per next hop, read from the store at scrape time."""

    def __init__(self, relay: list[tuple[str, int, float]]) -> None:
        self._relay = relay

    def collect(self) -> Any:
        now = time.time()
        queued = GaugeMetricFamily("axis_relay_queue", "Deliveries queued for a next hop",
                                   labels=["next_hop"])
        age = GaugeMetricFamily("axis_relay_queue_age_seconds",
                                "Age of the oldest delivery queued for a next hop",
                                labels=["next_hop"])
        for hop, count, oldest in self._relay:
            queued.add_metric([hop], count)
            age.add_metric([hop], max(0.0, now - oldest))
        yield queued
        yield age


class MetricsMiddleware:
    """Pure ASGI middleware timing every HTTP request and labelling it by operation.

    The router records the matched endpoint in the scope, so the operation is known after the
    app has run; a pure ASGI middleware costs a few microseconds where Starlette's
    BaseHTTPMiddleware would cost tens.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            endpoint = scope.get("endpoint")
            # a handler may name its operation more finely (a send of a status package)
            name = scope.get("axis.operation") or getattr(endpoint, "__name__", "")
            operation = OPERATIONS.get(name, "other")
            self.metrics.observe_request(operation, status, time.perf_counter() - started)
