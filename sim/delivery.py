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
from collections.abc import Callable, Sequence
from math import ceil
from typing import Any, Protocol

from sim.costs import Costs
from sim.events import At
from sim.packages import Item, Package

StatusJob = tuple[Package, list[Item]]
"""A status package and its one item, ready to be sent."""


class Server(Protocol):
    """An axis as delivery sees it: it takes requests (sim/axis_server.py)."""

    def submit(self, service_s: float, priority: int, on_start: Callable[[float, Any], None],
               arg: Any) -> None: ...

    def submit_write(self, service_s: float, priority: int,
                     on_start: Callable[[float, Any], None], arg: Any) -> None:
        """A write: answered once durable (after the axis's group commit, if it has one)."""


class Network(Protocol):
    """What delivery reports to the network (sim.model.NetworkSim), and the one thing it asks
    of it: to send a status package."""

    def on_fetched(self, item: Item, t: float, with_ack: bool = False) -> StatusJob | None: ...
    def on_acked(self, item: Item, t: float) -> None: ...
    def send_first(self, job: StatusJob) -> None: ...


class Recipients:
    """Mailboxes and client behaviour of every connected system, for one delivery mode.

    It sees the network only through `Network`, each agency's axis only as a `Server`, the
    links to agencies as two tables and time only through `at`."""

    def __init__(self, network: Network, at: At, servers: Sequence[Server],
                 link_latency: list[float], link_bits: list[float], costs: Costs, mode: str,
                 interval_s: float, phases: list[float], acknowledge: bool) -> None:
        self.network = network
        self._at = at
        self.servers = servers
        """Each agency's own axis, by agency index."""
        self._ag_latency, self._ag_bits = link_latency, link_bits
        self.costs = costs
        # hot path: costs as plain floats, bound methods made once
        self._poll_cost, self._ack_cost = costs.poll, costs.ack
        self._fetch_fixed, self._fetch_per_byte = costs.fetch.fixed, costs.fetch.per_byte
        self.mode = mode
        self.interval = interval_s
        self.phases = phases
        self.acknowledge = acknowledge
        self.mailbox: dict[int, list[Item]] = {}
        self.chain: dict[int, deque[Item]] = {}
        self.with_ack: dict[int, StatusJob | None] = {}
        """Status 01 to send along with the pending acknowledgement, per client."""
        self.polls_with_work = 0
        self._on_listed, self._on_fetched, self._on_acked = self._listed, self._fetched, \
            self._acked
        self._poll_cb, self._fetch_cb, self._ack_cb = self._poll_arrives, self._fetch_arrives, \
            self._ack_arrives
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
        self._at(tau + self._ag_latency[recipient], self._poll_cb, recipient)

    def _poll_arrives(self, recipient: int) -> None:
        self.servers[recipient].submit(self._poll_cost, 0, self._on_listed, recipient)

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
            self._at(self.next_poll(recipient, max(finish, min(i.ready for i in rest)))
                     + self._ag_latency[recipient], self._poll_cb, recipient)
        else:
            del self.mailbox[recipient]
        if take:
            chain = self.chain.get(recipient)
            if chain:
                chain.extend(take)
                return
            self.chain[recipient] = deque(take)
            self._at(finish + 2.0 * self._ag_latency[recipient], self._fetch_cb, recipient)

    # -- long poll ----------------------------------------------------------------------------

    def _deposit_long_poll(self, item: Item, ready: float) -> None:
        item.ready = ready
        self._enqueue(item.recipient, [item], ready + 2.0 * self._ag_latency[item.recipient])

    # -- fetch and acknowledge, one request at a time per client -------------------------------

    def _enqueue(self, recipient: int, items: list[Item], when: float) -> None:
        chain = self.chain.get(recipient)
        if chain:
            chain.extend(items)
            return
        self.chain[recipient] = deque(items)
        self._at(when, self._fetch_cb, recipient)

    def _fetch_arrives(self, recipient: int) -> None:
        package = self.chain[recipient][0].package
        self.servers[recipient].submit(self._fetch_fixed + self._fetch_per_byte * package.size,
                                       package.priority, self._on_fetched, recipient)

    def _fetched(self, finish: float, recipient: int) -> None:
        network = self.network
        chain = self.chain[recipient]
        item = chain[0]
        latency = self._ag_latency[recipient]
        fetched = finish + latency + item.package.size * self._ag_bits[recipient]
        if self.acknowledge:
            # status 01 goes out with the acknowledgement (same instant, one event for both)
            self.with_ack[recipient] = network.on_fetched(item, fetched, True)
            self._at(fetched + latency, self._ack_cb, recipient)
            return
        network.on_fetched(item, fetched)
        item.acked = fetched
        network.on_acked(item, fetched)
        chain.popleft()
        self._next(recipient, fetched)

    def _ack_arrives(self, recipient: int) -> None:
        self.servers[recipient].submit_write(self._ack_cost,
                                             self.chain[recipient][0].package.priority,
                                             self._on_acked, recipient)
        status = self.with_ack.pop(recipient)
        if status is not None:
            self.network.send_first(status)

    def _acked(self, finish: float, recipient: int) -> None:
        chain = self.chain[recipient]
        item = chain.popleft()
        acked = finish + self._ag_latency[recipient]
        self.network.on_acked(item, acked)
        self._next(recipient, acked)

    def _next(self, recipient: int, t: float) -> None:
        """The client fetches its next item, if any, once the last answer is back."""
        if self.chain[recipient]:
            self._at(t + self._ag_latency[recipient], self._fetch_cb, recipient)
        else:
            del self.chain[recipient]

    # -- push ---------------------------------------------------------------------------------

    def _deposit_push(self, item: Item, ready: float) -> None:
        network = self.network
        recipient = item.recipient
        item.ready = ready
        fetched = ready + (self._ag_latency[recipient]
                           + item.package.size * self._ag_bits[recipient])
        network.on_fetched(item, fetched)
        if self.acknowledge:
            self._at(fetched + self._ag_latency[recipient], self._push_ack_arrives, item)
        else:
            network.on_acked(item, fetched)

    def _push_ack_arrives(self, item: Item) -> None:
        self.servers[item.recipient].submit_write(self._ack_cost, item.package.priority,
                                                  self._push_acked, item)

    def _push_acked(self, finish: float, item: Item) -> None:
        self.network.on_acked(item, finish + self._ag_latency[item.recipient])
