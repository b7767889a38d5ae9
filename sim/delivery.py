"""How recipients get their items: polling every T s, long polling, or push.

Poll. Every connected system polls its axis every T seconds at its own phase (drawn once,
uniform on [0, T), from the stream "poll:phase"). Its idle polls are load only and are
aggregated per axis (sim/axis_server.py). When an item lands in a mailbox, the model computes
the recipient's next poll instant from its phase, tau = phase + T * ceil((ready - phase) / T),
and schedules that one poll as a real request: the item waits exactly as long as it would wait
for that poll, and the list request queues at the axis like any other. The response lists what
is ready when the list is served; the client then fetches and acknowledges each item in turn,
one request after another (each queues at the axis); a document's status 01 is sent together
with its acknowledgement (same instant). Items arriving while a poll is pending ride on it;
items arriving later wait for the next instant.

Long poll. Each system keeps a request open; the axis answers when an item arrives, or after the
timeout (idle re-polls: rate N / timeout, aggregated like polls). The client then fetches and
acknowledges as above.

Push. The axis pushes each item as part of the operation that stores it (its service includes
one fetch cost per item pushed), so push adds no queueing step; the recipient then acknowledges.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from heapq import heappush
from math import ceil
from typing import TYPE_CHECKING

from simpy.events import NORMAL

from sim.events import Call
from sim.packages import Item, Package

if TYPE_CHECKING:
    from sim.model import NetworkSim


class Recipients:
    """Mailboxes and client behaviour of every connected system, for one delivery mode."""

    def __init__(self, sim: NetworkSim, mode: str, interval_s: float, phases: list[float],
                 acknowledge: bool) -> None:
        self.sim = sim
        self.mode = mode
        self.interval = interval_s
        self.phases = phases
        self.acknowledge = acknowledge
        self.mailbox: dict[int, list[Item]] = {}
        self.chain: dict[int, deque[Item]] = {}
        self.with_ack: dict[int, tuple[Package, list[Item]] | None] = {}
        """Status 01 to send along with the pending acknowledgement, per client."""
        self.polls_with_work = 0
        # hot path: SimPy's queue and id counter, each callback as the tuple a `Call` carries
        # (events pushed inline, as sim.events.at does), bound methods made once
        self._env, self._queue, self._eid = sim.env, sim.env._queue, sim.env._eid
        self._ag_latency, self._ag_bits = sim.ag_latency, sim.ag_bits
        self._cb_poll = (self._poll_arrives,)
        self._cb_fetch = (self._fetch_arrives,)
        self._cb_ack = (self._ack_arrives,)
        self._on_listed, self._on_fetched, self._on_acked = self._listed, self._fetched, \
            self._acked
        self.deposit: Callable[[Item, float], None] = {
            "poll": self._deposit_poll, "long_poll": self._deposit_long_poll,
            "push": self._deposit_push,
        }[mode]

    # -- poll -------------------------------------------------------------------------------

    def next_poll(self, recipient: int, t: float) -> float:
        phase = self.phases[recipient]
        return phase + self.interval * math.ceil((t - phase) / self.interval)

    def _deposit_poll(self, item: Item, ready: float) -> None:
        item.ready = ready
        recipient = item.recipient
        box = self.mailbox.get(recipient)
        if box is not None:  # a mailbox with items always has its poll scheduled
            box.append(item)
            return
        self.mailbox[recipient] = [item]
        phase, interval = self.phases[recipient], self.interval
        tau = phase + interval * ceil((ready - phase) / interval)  # = next_poll()
        when = tau + self._ag_latency[recipient]
        event = Call()
        event.callbacks = self._cb_poll
        event.arg = recipient
        now = self._env._now
        heappush(self._queue, (when if when > now else now, NORMAL, next(self._eid), event))

    def _poll_arrives(self, event: Call) -> None:
        recipient = event.arg
        sim = self.sim
        sim.ag_server[recipient].submit(sim.cost_poll, 0, self._on_listed, recipient)

    def _listed(self, finish: float, recipient: int) -> None:
        self.polls_with_work += 1
        box = self.mailbox[recipient]
        late = False
        for item in box:
            if item.ready > finish:
                late = True
                break
        if not late:
            take, rest = box, None
        else:
            take = [item for item in box if item.ready <= finish]
            rest = [item for item in box if item.ready > finish]
        if rest:
            self.mailbox[recipient] = rest
            self.sim.at(self.next_poll(recipient, max(finish, min(i.ready for i in rest)))
                        + self.sim.ag_latency[recipient], self._poll_arrives, recipient)
        else:
            del self.mailbox[recipient]
        if take:
            chain = self.chain.get(recipient)
            if chain:
                chain.extend(take)
                return
            self.chain[recipient] = deque(take)
            when = finish + 2.0 * self._ag_latency[recipient]
            event = Call()
            event.callbacks = self._cb_fetch
            event.arg = recipient
            now = self._env._now
            heappush(self._queue, (when if when > now else now, NORMAL, next(self._eid),
                                   event))

    # -- long poll ----------------------------------------------------------------------------

    def _deposit_long_poll(self, item: Item, ready: float) -> None:
        item.ready = ready
        self._enqueue(item.recipient, [item], ready + 2.0 * self.sim.ag_latency[item.recipient])

    # -- fetch and acknowledge, one request at a time per client -------------------------------

    def _enqueue(self, recipient: int, items: list[Item], when: float) -> None:
        chain = self.chain.get(recipient)
        if chain:
            chain.extend(items)
            return
        self.chain[recipient] = deque(items)
        self.sim.at(when, self._fetch_arrives, recipient)

    def _fetch_arrives(self, event: Call) -> None:
        recipient = event.arg
        sim = self.sim
        package = self.chain[recipient][0].package
        sim.ag_server[recipient].submit(sim.fetch_fixed + sim.fetch_per_byte * package.size,
                                        package.priority, self._on_fetched, recipient)

    def _fetched(self, finish: float, recipient: int) -> None:
        sim = self.sim
        chain = self.chain[recipient]
        item = chain[0]
        latency = self._ag_latency[recipient]
        fetched = finish + latency + item.package.size * self._ag_bits[recipient]
        if self.acknowledge:
            # status 01 goes out with the acknowledgement (same instant, one event for both)
            self.with_ack[recipient] = sim.on_fetched(item, fetched, True)
            when = fetched + latency
            event = Call()
            event.callbacks = self._cb_ack
            event.arg = recipient
            now = self._env._now
            heappush(self._queue, (when if when > now else now, NORMAL, next(self._eid),
                                   event))
            return
        sim.on_fetched(item, fetched)
        item.acked = fetched
        sim.on_acked(item, fetched)
        chain.popleft()
        self._next(recipient, fetched)

    def _ack_arrives(self, event: Call) -> None:
        recipient = event.arg
        sim = self.sim
        sim.ag_server[recipient].submit(sim.cost_ack, self.chain[recipient][0].package.priority,
                                        self._on_acked, recipient)
        status = self.with_ack.pop(recipient)
        if status is not None:
            sim.send_first(status)

    def _acked(self, finish: float, recipient: int) -> None:
        sim = self.sim
        chain = self.chain[recipient]
        item = chain.popleft()
        latency = self._ag_latency[recipient]
        acked = finish + latency
        sim.on_acked(item, acked)
        if chain:  # = _next(), inlined
            when = acked + latency
            event = Call()
            event.callbacks = self._cb_fetch
            event.arg = recipient
            now = self._env._now
            heappush(self._queue, (when if when > now else now, NORMAL, next(self._eid),
                                   event))
        else:
            del self.chain[recipient]

    def _next(self, recipient: int, t: float) -> None:
        if self.chain[recipient]:
            when = t + self.sim.ag_latency[recipient]
            event = Call()
            event.callbacks = self._cb_fetch
            event.arg = recipient
            now = self._env._now
            heappush(self._queue, (when if when > now else now, NORMAL, next(self._eid),
                                   event))
        else:
            del self.chain[recipient]

    # -- push ---------------------------------------------------------------------------------

    def _deposit_push(self, item: Item, ready: float) -> None:
        sim = self.sim
        recipient = item.recipient
        item.ready = ready
        fetched = ready + sim.to_agency_s(recipient, item.package.size)
        sim.on_fetched(item, fetched)
        if self.acknowledge:
            sim.at(fetched + sim.ag_latency[recipient], self._push_ack_arrives, item)
        else:
            sim.on_acked(item, fetched)

    def _push_ack_arrives(self, event: Call) -> None:
        item = event.arg
        sim = self.sim
        sim.ag_server[item.recipient].submit(sim.cost_ack, item.package.priority,
                   self._push_acked, item)

    def _push_acked(self, finish: float, item: Item) -> None:
        self.sim.on_acked(item, finish + self.sim.ag_latency[item.recipient])
