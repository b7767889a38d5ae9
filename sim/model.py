"""The axis network as one discrete-event model: documents, relays, mailboxes, statuses.

A document goes sender -> its axis (a `send` request) -> each axis on the topology's route (a
`relay` request per package and next axis) -> the recipient's mailbox; the recipient learns of it
by polling, long polling or push (sim/delivery.py), fetches it and acknowledges it. Each fetched
document makes the recipient send status 01 back to the sender at once and status 03 after the
registration delay; status packages travel the same way (`status` requests) and the sender
fetches and acknowledges them. Links add latency plus size / bandwidth.

Everything is scheduled callbacks on one `simpy.Environment` (sim/events.py) and axis servers
that need no completion events (sim/axis_server.py): one SimPy event per request that reaches an
axis, plus one per document sent, poll with work, and wake-up of a queue. What feeds documents in
is a demand source (sim/sources.py; the public service portal's sync messages are status-like
packages of their own kind, counted apart from documents: `SyncCounts`); what takes an axis or
a link down is an outage kind (sim/outages.py); the run's figures are a `ReplicationResult`
(sim/result.py).
"""

from __future__ import annotations

import gc
import math
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import simpy

from sim.arrivals import Batch
from sim.axes import axis_servers
from sim.axis_server import ExpBuffer
from sim.checks import check
from sim.costs import Cost, Costs
from sim.delivery import Recipients, StatusJob
from sim.events import run, scheduler
from sim.failures import first_try_after, link_windows, outage_windows
from sim.inputs import SimInput
from sim.metrics import Bins
from sim.packages import DOCUMENT, STATUS_01, STATUS_03, SYNC, Item, Package
from sim.result import LEVELS, PRIORITY_NAMES, ReplicationResult
from sim.routing import Routes
from sim.timeframe import TimeFrame
from sim.walker import Address, Walker
from topology.build import Topology
from topology.streams import stream


class SyncCounts:
    """What became of the portal's sync messages: sent, fetched, acknowledged, latencies (send
    -> fetched) and the SLA share, for those sent after the warm-up."""

    def __init__(self) -> None:
        self.sent = self.delivered = self.acked = self.sla_met = self.sla_count = 0
        self.latency = array("d")

    def fetched(self, package: Package, t: float) -> None:
        self.delivered += 1
        if package.measured:
            self.latency.append(t - package.sent_at)

    def acked_at(self, package: Package, t: float) -> None:
        self.acked += 1
        if package.measured and t <= package.deadline:
            self.sla_met += 1


class NetworkSim:
    """One replication of one scenario over one network."""

    def __init__(self, inp: SimInput, model: Topology, replication: int) -> None:
        check(inp, model)
        self.inp, self.model, self.replication = inp, model, replication
        network, sim_cfg, seed = model.network, inp.simulation, inp.seed
        frame = TimeFrame.of(inp)
        self.calendar, self.start, self.horizon = frame.calendar, frame.start, frame.horizon
        self.origin = frame.origin
        self.measure_from = frame.measure_from
        self.env = simpy.Environment(initial_time=self.start)
        self.at = scheduler(self.env)
        self._on_stored = self._stored  # hot path: bound methods made once
        self._relay_cb, self._first_cb = self._arrive_relay, self._arrive_first
        self.bins = Bins(self.start, frame.bin_width(sim_cfg.bin_s),
                         self.horizon + sim_cfg.drain_limit_s)
        # -- network (flat tables, sim/routing.py) -------------------------------------------
        routes = Routes(network)
        self.axis_names, self.national = routes.axis_names, routes.national
        self.ag_axis, self.ag_level = routes.ag_axis, routes.ag_level
        self.ag_latency, self.ag_bits = routes.ag_latency, routes.ag_bits
        self.next_hop, self.crosses = routes.next_hop, routes.crosses
        n_axes = len(self.axis_names)
        # the link figures as [axis][next axis] tables (no tuple key on the hot path)
        self.link_latency_m = [[routes.link_latency.get((a, b), 0.0) for b in range(n_axes)]
                               for a in range(n_axes)]
        self.link_bits_m = [[routes.link_bits.get((a, b), 0.0) for b in range(n_axes)]
                            for a in range(n_axes)]
        # -- costs and servers ----------------------------------------------------------------
        delivery = inp.delivery
        self.costs = costs = Costs.of(inp.axis.effective(), delivery)  # costs / axis.speedup
        # hot path: the costs read on every request as plain floats
        self._send_fixed, self._send_per_byte = costs.send.fixed, costs.send.per_byte
        self._relay_fixed, self._relay_per_byte = costs.relay.fixed, costs.relay.per_byte
        self._cost_status, self._status_size = costs.status, costs.status_size
        self.push = delivery.mode == "push"
        self.status_messages = delivery.status_messages
        self.scope_national = sim_cfg.scope == "national"
        per_axis = [0] * n_axes
        for agency in network.connected:
            per_axis[self.ag_axis[agency.index]] += 1
        self.servers = axis_servers(self.env, inp, self.axis_names, per_axis, costs, self.bins,
                                    replication)
        self.poll_rate_total = sum(s.poll_rate for s in self.servers)
        self._ag_latency_np = np.array(self.ag_latency)
        self._ag_bits_np = np.array(self.ag_bits)
        self.ag_server = [self.servers[a] for a in self.ag_axis]
        """Each agency's own axis server (one lookup on the hot path)."""
        phases = stream(seed, "poll:phase", replication).uniform(
            0.0, delivery.poll_interval_s, len(network.agencies)).tolist()
        self.recipients = Recipients(self, self.at, self.ag_server, self.ag_latency,
                                     self.ag_bits, costs, delivery.mode,
                                     delivery.poll_interval_s, phases, delivery.acknowledge)
        self.registration = ExpBuffer(stream(seed, "registration", replication),
                                      delivery.registration_delay_s) \
            if delivery.registration_delay_s > 0 else (lambda: 0.0)
        self.recipient_rng = stream(seed, "recipients", replication)
        # -- counters -----------------------------------------------------------------------
        self.documents = self.deliveries = self.delivered = self.acked = 0
        self.national_documents = self.national_deliveries = 0
        self.statuses_sent = self.statuses_fetched = 0
        self.sla_met = self.sla_count = 0
        """sla_count: measured deliveries the SLA judges, counted when created, so that one
        still unacknowledged when the drain limit ends the run counts as missed (without
        acknowledgements a delivery counts as acknowledged when fetched); sla_met: those
        acknowledged by their deadline."""
        self.last_done = self.start
        self.latency: dict[tuple[int, int], array] = {
            (a, b): array("d") for a in LEVELS for b in LEVELS}
        self.latency_by_level = [[self.latency.get((a, b)) for b in range(5)] for a in range(5)]
        """The same arrays as `latency`, indexed [sender level][recipient level] (hot path)."""
        self.ack_latency = array("d")
        self.sync = SyncCounts()
        """The portal's sync messages, counted apart from documents (sim.sources.ServiceSync)."""
        self.latency_by_priority = [array("d") for _ in PRIORITY_NAMES]
        # -- what happens -------------------------------------------------------------------
        self._walkers: list[Walker] = []
        for source in inp.sources:
            source.start(self)
        self._schedule_outages()
        self.at(self.measure_from, self._reset_stats)

    # -- what demand sources see (sim.sources.DemandHost) -------------------------------------

    demand = property(lambda self: self.inp.demand, doc="The scenario's [demand].")
    seed = property(lambda self: self.inp.seed, doc="The scenario's seed.")

    def agency(self, code: str) -> int:
        return self.model.network.by_code[code].index

    def reaches_national(self, profile: Any) -> bool:
        a = self.ag_axis[profile.agency]
        return any(self.crosses[a][self.ag_axis[int(r)]]
                   for candidates in profile.candidates for r in candidates)

    def walk(self, batches: Iterator[Batch], address: Address) -> None:
        """Walk these batches from the start of the run (documents reach their axis)."""
        self._walkers.append(Walker(self.at, self._send_at_axis, self._ag_latency_np,
                                    self._ag_bits_np, batches, address))

    def walk_sync(self, batches: Iterator[Batch], address: Address) -> None:
        """Walk these batches as sync messages (status-like, counted apart from documents)."""
        self._walkers.append(Walker(self.at, self._sync_at_axis, self._ag_latency_np,
                                    self._ag_bits_np, batches, address))

    def send(self, sender: int, t: float, priority: int, size: float,
             recipients: Sequence[int], deadline: float) -> None:
        """A document sent at `t` (now): it reaches the sender's axis after the link."""
        job = self._document(sender, t, priority, size, recipients, deadline)
        if job is not None:
            self.at(t + self.ag_latency[sender] + size * self.ag_bits[sender],
                    self._arrive_first, job)

    def _send_at_axis(self, sender: int, t: float, priority: int, size: float,
                      recipients: Sequence[int], deadline: float) -> None:
        """A document sent at `t` that reaches its sender's axis now."""
        job = self._document(sender, t, priority, size, recipients, deadline)
        if job is not None:
            self.send_first(job)

    def _sync_at_axis(self, sender: int, t: float, priority: int, size: float,
                      recipients: Sequence[int], deadline: float) -> None:
        """A sync message sent at `t` that reaches its sender's axis now."""
        a = self.ag_axis[sender]
        package = Package(SYNC, sender, a, self.ag_level[sender], t, priority, size, deadline,
                          t >= self.measure_from)
        crosses, ag_axis = self.crosses[a], self.ag_axis
        items = [Item(package, r, crosses[ag_axis[r]]) for r in recipients]
        if self.scope_national:
            items = [item for item in items if item.national]
            if not items:
                return
        self.sync.sent += len(items)
        if package.measured:
            self.sync.sla_count += len(items)
        self.send_first((package, items))

    # -- set-up -------------------------------------------------------------------------------

    def _schedule_outages(self) -> None:
        """Axis outages take their server down and up; link outages are looked up by `_relay`
        (their windows are known in advance: no events)."""
        failures, names = self.inp.failures, self.axis_names
        self.link_outages = {names.index(name): spans
                             for name, spans in link_windows(failures, self.origin).items()}
        self.link_retries = 0
        self.outages = outage_windows(failures, names, self.start, self.horizon, self.inp.seed,
                                      self.replication, self.origin)
        for name, spans in self.outages.items():
            server = self.servers[names.index(name)]
            for down, up in spans:
                self.at(down, server.go_down)
                self.at(up, server.come_up)

    def _reset_stats(self, _: Any) -> None:
        for server in self.servers:
            server.reset_stats()

    # -- documents ----------------------------------------------------------------------------

    def _document(self, sender: int, t: float, priority: int, size: float,
                  recipients: Sequence[int], deadline: float) -> StatusJob | None:
        """The package and items of a document sent at `t`, counted; None if out of scope."""
        a = self.ag_axis[sender]
        package = Package(DOCUMENT, sender, a, self.ag_level[sender], t, priority, size,
                          deadline, t >= self.measure_from)
        crosses, ag_axis = self.crosses[a], self.ag_axis
        items = [Item(package, r, crosses[ag_axis[r]]) for r in recipients]
        if self.scope_national:
            items = [item for item in items if item.national]
            if not items:
                return None
        n = len(items)
        self.documents += 1
        self.deliveries += n
        if package.measured:
            self.sla_count += n
        national = sum(1 for item in items if item.national)
        if national:
            self.national_documents += 1
            self.national_deliveries += national
        bins = self.bins
        b = bins.index(t)
        bins.sent[b] += 1
        bins.accepted[b] += n
        return package, items

    # -- axes ---------------------------------------------------------------------------------

    def _store_cost(self, op: Cost, package: Package, axis: int, items: list[Item]) -> float:
        """A `send` or `relay` (or, for a status package, `status`) request; with push, the
        axis also pushes each item that ends here, one fetch each."""
        cost = self.costs.status if package.kind else op.fixed + op.per_byte * package.size
        if self.push:
            hop = self.next_hop[axis]
            ag_axis = self.ag_axis
            local = sum(1 for item in items if hop[ag_axis[item.recipient]] == axis)
            fetch = self.costs.fetch
            cost += local * (fetch.fixed + fetch.per_byte * package.size)
        return cost

    def _arrive_first(self, job: StatusJob) -> None:
        self.send_first(job)

    def send_first(self, job: StatusJob) -> None:
        """A package reaches its sender's axis now: the `send` (or `status`) request."""
        package, items = job
        axis = package.axis
        if self.push:
            cost = self._store_cost(self.costs.send, package, axis, items)
        else:  # = _store_cost(), inlined (hot path)
            cost = self._cost_status if package.kind else \
                self._send_fixed + self._send_per_byte * package.size
        self.servers[axis].submit_write(cost, package.priority, self._on_stored,
                                        (axis, package, items))

    def _arrive_relay(self, job: tuple[int, Package, list[Item]]) -> None:
        axis, package, items = job
        if self.push:
            cost = self._store_cost(self.costs.relay, package, axis, items)
        else:  # = _store_cost(), inlined (hot path)
            cost = self._cost_status if package.kind else \
                self._relay_fixed + self._relay_per_byte * package.size
        self.servers[axis].submit_write(cost, package.priority, self._on_stored, job)

    def _stored(self, finish: float, job: tuple[int, Package, list[Item]]) -> None:
        """The package is stored on `axis` at `finish`: deposit what ends here, relay the rest
        (one package per next axis)."""
        axis, package, items = job
        hop, ag_axis = self.next_hop[axis], self.ag_axis
        if len(items) == 1:  # statuses and single-recipient documents: no grouping
            item = items[0]
            nxt = hop[ag_axis[item.recipient]]
            if nxt == axis:
                self.recipients.deposit(item, finish)
            else:
                self._relay(axis, nxt, package, items, finish)
            return
        groups: dict[int, list[Item]] = {}
        deposit = self.recipients.deposit
        for item in items:
            nxt = hop[ag_axis[item.recipient]]
            if nxt == axis:
                deposit(item, finish)
            elif nxt in groups:
                groups[nxt].append(item)
            else:
                groups[nxt] = [item]
        for nxt, group in groups.items():
            self._relay(axis, nxt, package, group, finish)

    def _relay(self, axis: int, nxt: int, package: Package, items: list[Item],
               when: float) -> None:
        """Send the package across the link to the next axis at `when` (retrying while the
        link is down)."""
        if self.link_outages:
            windows = self.link_outages.get(nxt if axis == self.national else axis)
            if windows:
                when, failed = first_try_after(windows, when, self.inp.failures)
                self.link_retries += failed
        self.at(when + self.link_latency_m[axis][nxt] + package.size * self.link_bits_m[axis][nxt],
                self._relay_cb, (nxt, package, items))

    # -- outcomes (sim.delivery.Network) ------------------------------------------------------

    def on_fetched(self, item: Item, t: float, with_ack: bool = False) -> StatusJob | None:
        """The recipient has the item at `t`. For a document, status 01 goes back at once and
        03 after the registration delay; with `with_ack`, status 01 is returned for the caller
        to send along with its acknowledgement instead."""
        item.fetched = t
        package = item.package
        if package.kind:  # != DOCUMENT
            if package.kind == SYNC:
                self.sync.fetched(package, t)
            else:
                self.statuses_fetched += 1
            return None
        self.delivered += 1
        bins = self.bins
        bins.delivered[int((t - bins.origin) * bins.rate)] += 1
        if package.measured:
            latency = t - package.sent_at
            self.latency_by_level[package.level][self.ag_level[item.recipient]].append(latency)
            self.latency_by_priority[package.priority].append(latency)
        if not self.status_messages:
            return None
        registered = t + self.registration()
        recipient = item.recipient  # status 03 (= _send_status(), inlined: hot path)
        self.at(registered + self.ag_latency[recipient] + self._status_size
                * self.ag_bits[recipient], self._first_cb,
                self._status_package(item, STATUS_03, registered))
        if with_ack:
            return self._status_package(item, STATUS_01, t)
        self._send_status(item, STATUS_01, t)
        return None

    def on_acked(self, item: Item, t: float) -> None:
        item.acked = t
        if t > self.last_done:
            self.last_done = t
        package = item.package
        if package.kind != DOCUMENT:
            if package.kind == SYNC:
                self.sync.acked_at(package, t)
            return
        self.acked += 1
        if package.measured:
            self.ack_latency.append(t - package.sent_at)
            if t <= package.deadline:
                self.sla_met += 1

    def _status_package(self, item: Item, kind: int, t: float) -> StatusJob:
        recipient = item.recipient
        original = item.package
        a = self.ag_axis[recipient]
        package = Package(kind, recipient, a, self.ag_level[recipient], t, 0,
                          self.costs.status_size, math.inf, False, item)
        status_item = Item(package, original.sender, self.crosses[a][self.ag_axis[original.sender]])
        self.statuses_sent += 1
        return package, [status_item]

    def _send_status(self, item: Item, kind: int, t: float) -> None:
        """The recipient sends a status package at `t`: it reaches its axis after the link."""
        recipient = item.recipient
        when = t + self.ag_latency[recipient] + self.costs.status_size * self.ag_bits[recipient]
        self.at(when, self._first_cb, self._status_package(item, kind, t))

    # -- running ------------------------------------------------------------------------------

    def run(self, progress: Callable[[float], None] | None = None) -> ReplicationResult:
        """Simulate to the horizon (arrivals stop), snapshot the axes, then drain."""
        wall = time.perf_counter()
        # The hot path creates millions of small objects and no reference cycles: the cyclic
        # collector would only rescan them (about 10% of the run), so it is paused meanwhile.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run(progress, wall)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _run(self, progress: Callable[[float], None] | None, wall: float) -> ReplicationResult:
        for walker in self._walkers:
            walker.start()
        env = self.env
        steps = 20
        for k in range(1, steps + 1):
            run(env, self.start + (self.horizon - self.start) * k / steps)
            if progress is not None:
                progress(k / steps)
        axes = {server.name: server.snapshot() for server in self.servers}
        run(env, self.horizon + self.inp.simulation.drain_limit_s)
        wall = time.perf_counter() - wall
        return ReplicationResult.of(self, axes, wall)
