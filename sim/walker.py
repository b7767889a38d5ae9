"""Walking a demand source's batches: one event per document, in the order documents reach
their sender's axis.

A batch holds documents in send-time order; a document reaches its axis after the sender's link
(latency + size / bandwidth), so the walk sorts by that instant and schedules one event per
document that both creates it and submits its `send` request; latency still counts from the
send time. The next batch is taken when one ends, so a season of millions of documents is never
held at once. The source decides each document's recipients and deadline when it reaches the
axis (`address`), in walk order: recipients drawn from a random stream are drawn in that order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from sim.arrivals import Batch
from sim.events import At

Address = Callable[[Batch, int, float, int], tuple[Sequence[int], float]]
"""(batch, tag of the document, send time, sender) -> (recipients, SLA deadline)."""
Send = Callable[[int, float, int, float, Sequence[int], float], None]
"""(sender, send time, priority, size, recipients, deadline): the document is at its axis."""


class Walker:
    """One source's batches walked in arrival order at the senders' axes."""

    def __init__(self, at: At, send: Send, link_latency: np.ndarray, link_bits: np.ndarray,
                 batches: Iterator[Batch], address: Address) -> None:
        self._at, self._send = at, send
        self._latency, self._bits = link_latency, link_bits
        self._batches, self._address = batches, address
        self._batch: Batch | None = None
        self._i = 0
        self._arrival_cb = self._arrival

    def start(self) -> None:
        self._next_batch()

    def _next_batch(self) -> None:
        batch = next(self._batches, None)
        self._batch = batch
        self._i = 0
        if batch is None:
            return
        senders = batch.senders
        arrive = batch.times + self._latency[senders] + batch.sizes * self._bits[senders]
        order = np.argsort(arrive, kind="stable")
        self._walk = (arrive[order].tolist(), batch.times[order].tolist(),
                      senders[order].tolist(), batch.priorities[order].tolist(),
                      batch.sizes[order].tolist(),
                      None if batch.flows is None else batch.flows[order].tolist())
        self._at(self._walk[0][0], self._arrival)

    def _arrival(self, _: Any) -> None:
        batch = self._batch
        assert batch is not None
        arrive, times, senders, priorities, sizes, tags = self._walk
        i = self._i
        t, sender = times[i], senders[i]
        recipients, deadline = self._address(batch, -1 if tags is None else tags[i], t, sender)
        self._send(sender, t, priorities[i], sizes[i], recipients, deadline)
        self._i = i + 1
        if self._i < len(arrive):
            self._at(arrive[self._i], self._arrival_cb)
        else:
            self._next_batch()
