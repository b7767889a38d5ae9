"""The axis network as one discrete-event model: documents, relays, mailboxes, statuses.

A document goes sender -> its axis (a `send` request) -> each axis on the topology's route (a
`relay` request per package and next axis) -> the recipient's mailbox; the recipient learns of it
by polling, long polling or push (sim/delivery.py), fetches it and acknowledges it. Each fetched
document makes the recipient send status 01 back to the sender at once and status 03 after the
registration delay; status packages travel the same way (`status` requests) and the sender
fetches and acknowledges them. Links add latency plus size / bandwidth.

Everything is scheduled callbacks on one `simpy.Environment` (sim/events.py) and axis servers
that need no completion events (sim/axis_server.py): one SimPy event per request that reaches an
axis, plus one per document sent, poll with work, and wake-up of a queue.
"""

from __future__ import annotations

import gc
import math
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from heapq import heappush
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.arrivals import Batch, calendar_batches, traffic_batches
from sim.axis_server import AxisServer, ExpBuffer
from sim.config import (
    AxisCapacity,
    Broadcast,
    DeliveryConfig,
    FailureConfig,
    SimulationConfig,
    TrafficConfig,
)
from sim.delivery import Recipients
from sim.events import Call, events_scheduled, scheduler
from sim.failures import backoff, first_try_after, link_windows, outage_windows
from sim.metrics import Bins, encode, histogram_of
from sim.packages import DOCUMENT, STATUS_01, STATUS_03, Item, Package
from sim.routing import Routes
from topology.agencies import NATIONAL_AXIS
from topology.build import Topology
from topology.calendar import WorkCalendar
from topology.config import CalendarConfig, DemandConfig, RolloutConfig, TopologyConfig
from topology.streams import stream

LEVELS = (1, 2, 3, 4)
PRIORITY_NAMES = ("normal", "urgent", "very_urgent", "flash")
"""edXML OtherInfo/Priority 0-3."""
NICE_BINS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200,
             86400)


class SimInputError(ValueError):
    """A scenario the simulator cannot run (unknown agency code or axis name, no horizon)."""


@dataclass(frozen=True)
class SimInput:
    """Everything one replication needs; plain data, picklable to worker processes."""

    name: str
    seed: int
    topology: TopologyConfig
    rollout: RolloutConfig
    demand: DemandConfig
    calendar: CalendarConfig
    axis: AxisCapacity
    delivery: DeliveryConfig
    failures: FailureConfig
    simulation: SimulationConfig
    traffic: TrafficConfig | None = None
    broadcasts: list[Broadcast] = field(default_factory=list)


def nice_bin(span_s: float, target_bins: int = 1500) -> float:
    """The smallest round bin width giving at most `target_bins` bins over the span."""
    for width in NICE_BINS:
        if span_s / width <= target_bins:
            return float(width)
    return float(NICE_BINS[-1])


class NetworkSim:
    """One replication of one scenario over one network."""

    def __init__(self, inp: SimInput, model: Topology, replication: int) -> None:
        self.inp, self.model, self.replication = inp, model, replication
        network, sim_cfg = model.network, inp.simulation
        seed = inp.seed
        # -- time frame ---------------------------------------------------------------------
        if inp.traffic is None:
            self.calendar = WorkCalendar(inp.calendar, inp.demand.growth, sim_cfg.days)
            intervals = list(self.calendar.working_intervals())
            self.start = intervals[0][1]
            self.horizon = (self.start + sim_cfg.horizon_s if sim_cfg.horizon_s
                            else self.calendar.horizon_s)
        else:
            if sim_cfg.horizon_s is None:
                raise SimInputError("simulation.horizon_s: required when [traffic] is given")
            self.calendar = WorkCalendar(inp.calendar, (), None)
            self.start, self.horizon = 0.0, sim_cfg.horizon_s
        self.measure_from = self.start + sim_cfg.warmup_s
        if self.measure_from >= self.horizon:
            raise SimInputError(f"simulation.warmup_s: {sim_cfg.warmup_s:g} s leaves nothing "
                                "to measure before the horizon")
        self.env = simpy.Environment(initial_time=self.start)
        self.at = scheduler(self.env)
        # hot path: events are pushed inline (as sim.events.at does) with each callback as the
        # tuple a `Call` carries, and bound methods made once
        self._queue, self._eid = self.env._queue, self.env._eid  # type: ignore[attr-defined]
        self._cb_relay = (self._arrive_relay,)
        self._cb_first = (self._arrive_first,)
        self._on_stored = self._stored
        span = self.horizon - self.start
        self.bins = Bins(self.start, sim_cfg.bin_s or nice_bin(span),
                         self.horizon + sim_cfg.drain_limit_s)
        # -- network (flat tables, sim/routing.py) -------------------------------------------
        routes = Routes(network)
        self.axis_names, self.national = routes.axis_names, routes.national
        self.ag_axis, self.ag_level = routes.ag_axis, routes.ag_level
        self.ag_latency, self.ag_bits = routes.ag_latency, routes.ag_bits
        self.next_hop, self.crosses = routes.next_hop, routes.crosses
        self.link_latency, self.link_bits = routes.link_latency, routes.link_bits
        agencies = network.agencies
        n_axes = len(self.axis_names)
        # the same link figures as [axis][next axis] tables (no tuple key on the hot path)
        self.link_latency_m = [[self.link_latency.get((a, b), 0.0) for b in range(n_axes)]
                               for a in range(n_axes)]
        self.link_bits_m = [[self.link_bits.get((a, b), 0.0) for b in range(n_axes)]
                            for a in range(n_axes)]
        # -- costs --------------------------------------------------------------------------
        cap, delivery = inp.axis, inp.delivery
        self.cap = cap
        self.cost_poll = cap.poll.seconds(0)
        self.cost_ack = cap.ack.seconds(0)
        self.status_size = delivery.status_size_kb * 1024.0
        # (fixed s, s per byte) per operation, read on every request
        self.op_send = (cap.send.fixed_ms / 1e3, cap.send.per_kb_ms / 1e3 / 1024.0)
        self.op_relay = (cap.relay.fixed_ms / 1e3, cap.relay.per_kb_ms / 1e3 / 1024.0)
        self.send_fixed, self.send_per_byte = self.op_send
        self.relay_fixed, self.relay_per_byte = self.op_relay
        self.fetch_fixed = cap.fetch.fixed_ms / 1e3
        self.fetch_per_byte = cap.fetch.per_kb_ms / 1e3 / 1024.0
        self.cost_status = cap.status.seconds(self.status_size)
        self.push = delivery.mode == "push"
        self.status_messages = delivery.status_messages
        self.scope_national = sim_cfg.scope == "national"
        # -- servers ------------------------------------------------------------------------
        polling = {"poll": delivery.poll_interval_s, "long_poll": delivery.long_poll_timeout_s}
        per_axis = [0] * n_axes
        for agency in network.connected:
            per_axis[self.ag_axis[agency.index]] += 1
        retry = lambda attempt: backoff(inp.failures, attempt)  # noqa: E731
        unknown = sorted(set(cap.overrides) - set(self.axis_names))
        if unknown:
            raise SimInputError(f"axis.overrides: no axis named {unknown[0]!r} (e.g. "
                                f"{NATIONAL_AXIS!r}, 'axis:H01')")
        self.servers: list[AxisServer] = []
        for i, name in enumerate(self.axis_names):
            workers, mean = cap.for_axis(name)
            interval = polling.get(delivery.mode)
            rate = per_axis[i] / interval if interval else 0.0
            self.servers.append(AxisServer(
                self.env, name, workers, poll_rate_per_s=rate, poll_cost_s=self.cost_poll,
                poll_gap=ExpBuffer(stream(seed, f"polls:{name}", replication), 1.0 / rate)
                if rate > 0 else None,
                service_exp=ExpBuffer(stream(seed, f"service:{name}", replication), mean)
                if mean else None,
                retry=retry))
            server = self.servers[-1]
            server.request_bins = self.bins.requests
            server.bin_origin, server.bin_rate = self.bins.origin, 1.0 / self.bins.width
        self.poll_rate_total = sum(s.poll_rate for s in self.servers)
        self._ag_latency_np = np.array(self.ag_latency)
        self._ag_bits_np = np.array(self.ag_bits)
        self.ag_server = [self.servers[a] for a in self.ag_axis]
        """Each agency's own axis server (one lookup on the hot path)."""
        phases = stream(seed, "poll:phase", replication).uniform(
            0.0, delivery.poll_interval_s, len(agencies)).tolist()
        self.recipients = Recipients(self, delivery.mode, delivery.poll_interval_s, phases,
                                     delivery.acknowledge)
        self.registration = ExpBuffer(stream(seed, "registration", replication),
                                      delivery.registration_delay_s) \
            if delivery.registration_delay_s > 0 else (lambda: 0.0)
        self.recipient_rng = stream(seed, "recipients", replication)
        # -- counters -----------------------------------------------------------------------
        self.documents = self.deliveries = self.delivered = self.acked = 0
        self.national_documents = self.national_deliveries = 0
        self.statuses_sent = self.statuses_fetched = 0
        self.sla_met = self.sla_count = 0
        self.last_done = self.start
        self.latency: dict[tuple[int, int], array] = {
            (a, b): array("d") for a in LEVELS for b in LEVELS}
        self.latency_by_level = [[self.latency.get((a, b)) for b in range(5)] for a in range(5)]
        """The same arrays as `latency`, indexed [sender level][recipient level] (hot path)."""
        self.ack_latency = array("d")
        self.latency_by_priority = [array("d") for _ in PRIORITY_NAMES]
        # -- what happens -------------------------------------------------------------------
        self._batches = self._make_batches()
        self._batch: Batch | None = None
        self._i = 0
        self._flows: list[tuple[int, int]] = []
        if inp.traffic is not None:
            self._flows = [(self._agency(f.sender, "traffic.flows.sender"),
                            self._agency(f.recipient, "traffic.flows.recipient"))
                           for f in inp.traffic.flows]
        self._schedule_broadcasts()
        self._schedule_outages()
        self.at(self.measure_from, self._reset_stats)

    # -- set-up -------------------------------------------------------------------------------

    def _agency(self, code: str, key: str) -> int:
        agency = self.model.network.by_code.get(code)
        if agency is None:
            raise SimInputError(f"{key}: no agency with code {code!r} in this topology")
        if not agency.connected:
            raise SimInputError(f"{key}: agency {code!r} is not connected in this rollout")
        return agency.index

    def _make_batches(self) -> Iterator[Batch]:
        inp = self.inp
        if inp.traffic is not None:
            shares = np.array([f.share for f in inp.traffic.flows])
            return traffic_batches(inp.traffic.rate_per_s, shares, self.horizon, inp.demand,
                                   inp.traffic.size_kb, inp.seed, self.replication)
        profiles = self.model.demand.profiles
        if self.scope_national:
            profiles = [p for p in profiles if self._reaches_national(p)]
        senders = np.array([p.agency for p in profiles], dtype=np.int64)
        rates = np.array([p.documents_per_day for p in profiles], dtype=float)
        return self._until_horizon(calendar_batches(self.calendar, senders, rates, inp.demand,
                                                    inp.seed, self.replication))

    def _until_horizon(self, batches: Iterator[Batch]) -> Iterator[Batch]:
        """Calendar batches cut at the horizon (`simulation.horizon_s` may end the run before
        the calendar does): documents from then on are not sent. The draws of the documents
        kept are unchanged."""
        horizon = self.horizon
        for batch in batches:
            if batch.times[-1] < horizon:
                yield batch
                continue
            keep = batch.times < horizon
            if keep.any():
                yield Batch(batch.times[keep], batch.senders[keep], batch.priorities[keep],
                            batch.sizes[keep], batch.deadline)
            return

    def _reaches_national(self, profile: Any) -> bool:
        a = self.ag_axis[profile.agency]
        return any(self.crosses[a][self.ag_axis[int(r)]]
                   for candidates in profile.candidates for r in candidates)

    def _schedule_broadcasts(self) -> None:
        network = self.model.network
        for i, spec in enumerate(self.inp.broadcasts):
            sender = self._agency(spec.sender, f"broadcasts[{i}].sender")
            targets = [a.index for a in network.connected
                       if a.kind == spec.to_kind and a.index != sender]
            days = self.calendar.days if spec.date is None else [spec.date]
            for day in days:
                t = self.calendar.day_offset_s(day) + spec.seconds_of_day()
                if self.start <= t < self.horizon and targets:
                    self.at(t, self._broadcast, (sender, t, spec.priority, targets))

    def _broadcast(self, event: Call) -> None:
        sender, t, priority, targets = event.arg
        size = float(np.exp(math.log(self.inp.demand.size.median_kb * 1024.0)))
        self._send(sender, t, priority, size, targets, self.calendar.sla_deadline(t))

    def _schedule_outages(self) -> None:
        known = set(self.axis_names)
        for outage in self.inp.failures.outages:
            if outage.axis is not None and outage.axis not in known:
                raise SimInputError(f"failures.outages.axis: no axis named {outage.axis!r} "
                                    f"(e.g. {NATIONAL_AXIS!r}, 'axis:H01')")
            if outage.link is not None and (outage.link not in known
                                            or outage.link == NATIONAL_AXIS):
                raise SimInputError(f"failures.outages.link: {outage.link!r} is not a "
                                    "provincial or ministry axis (its link to the national "
                                    "axis), e.g. 'axis:H01'")
        self.link_outages = {self.axis_names.index(name): spans for name, spans in
                             link_windows(self.inp.failures, self.start).items()}
        self.link_retries = 0
        windows = outage_windows(self.inp.failures, self.axis_names, self.start, self.horizon,
                                 self.inp.seed, self.replication)
        self.outages = windows
        for name, spans in windows.items():
            server = self.servers[self.axis_names.index(name)]
            for down, up in spans:
                self.at(down, server.go_down)
                self.at(up, server.come_up)

    def _reset_stats(self, _: Any) -> None:
        for server in self.servers:
            server.reset_stats()

    # -- arrivals -----------------------------------------------------------------------------

    def _next_batch(self) -> None:
        """Take the next batch and walk it in the order documents reach their sender's axis
        (send time + link transfer), so one event per document both creates it and submits
        its `send` request; latency still counts from the send time."""
        batch = next(self._batches, None)
        self._batch = batch
        self._i = 0
        if batch is None:
            return
        senders = (batch.senders if batch.flows is None
                   else np.array([s for s, _ in self._flows], dtype=np.int64)[batch.flows])
        arrive = (batch.times + self._ag_latency_np[senders]
                  + batch.sizes * self._ag_bits_np[senders])
        order = np.argsort(arrive, kind="stable")
        self._walk = (arrive[order].tolist(), batch.times[order].tolist(),
                      senders[order].tolist(), batch.priorities[order].tolist(),
                      batch.sizes[order].tolist(),
                      None if batch.flows is None else batch.flows[order].tolist())
        self.at(self._walk[0][0], self._arrival)

    def _arrival(self, _: Any) -> None:
        batch = self._batch
        assert batch is not None
        arrive, times, senders, priorities, sizes, flows = self._walk
        i = self._i
        t, sender = times[i], senders[i]
        if flows is not None:
            recipients: Any = (self._flows[flows[i]][1],)
            deadline = self.calendar.sla_deadline(t)
        else:
            recipients = self.model.demand.sample_recipients(sender, self.recipient_rng).tolist()
            deadline = batch.deadline
        self._send(sender, t, priorities[i], sizes[i], recipients, deadline, at_axis=True)
        self._i = i + 1
        if self._i < len(arrive):
            self.at(arrive[self._i], self._arrival)
        else:
            self._next_batch()

    def _send(self, sender: int, t: float, priority: int, size: float,
              recipients: Any, deadline: float, at_axis: bool = False) -> None:
        """A document sent at `t`; `at_axis`: it reaches the sender's axis now."""
        a = self.ag_axis[sender]
        package = Package(DOCUMENT, sender, a, self.ag_level[sender], t, priority, size,
                          deadline, t >= self.measure_from)
        crosses, ag_axis = self.crosses[a], self.ag_axis
        items = [Item(package, r, crosses[ag_axis[r]]) for r in recipients]
        if self.scope_national:
            items = [item for item in items if item.national]
            if not items:
                return
        n = len(items)
        self.documents += 1
        self.deliveries += n
        national = sum(1 for item in items if item.national)
        if national:
            self.national_documents += 1
            self.national_deliveries += national
        bins = self.bins
        b = bins.index(t)
        bins.sent[b] += 1
        bins.accepted[b] += n
        if at_axis:
            self.send_first((package, items))
        else:
            self.at(t + self.ag_latency[sender] + size * self.ag_bits[sender],
                    self._arrive_first, (package, items))

    # -- axes ---------------------------------------------------------------------------------

    def fetch_cost(self, package: Package) -> float:
        return self.fetch_fixed + self.fetch_per_byte * package.size

    def _store_cost(self, op: tuple[float, float], package: Package, axis: int,
                    items: list[Item]) -> float:
        cost = self.cost_status if package.kind else op[0] + op[1] * package.size
        if self.push:
            hop = self.next_hop[axis]
            ag_axis = self.ag_axis
            local = sum(1 for item in items if hop[ag_axis[item.recipient]] == axis)
            cost += local * self.fetch_cost(package)
        return cost

    def _arrive_first(self, event: Call) -> None:
        self.send_first(event.arg)

    def send_first(self, job: tuple[Package, list[Item]]) -> None:
        """A package reaches its sender's axis now: the `send` (or `status`) request."""
        package, items = job
        axis = package.axis
        # = _store_cost(op_send, ...), inlined
        cost = self.cost_status if package.kind else \
            self.send_fixed + self.send_per_byte * package.size
        if self.push:
            cost = self._store_cost(self.op_send, package, axis, items)
        self.servers[axis].submit(cost, package.priority, self._on_stored,
                                  (axis, package, items))

    def _arrive_relay(self, event: Call) -> None:
        job = event.arg
        axis, package, items = job
        cost = self.cost_status if package.kind else \
            self.relay_fixed + self.relay_per_byte * package.size
        if self.push:
            cost = self._store_cost(self.op_relay, package, axis, items)
        self.servers[axis].submit(cost, package.priority, self._on_stored, job)

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
        when = (when + self.link_latency_m[axis][nxt]
                + package.size * self.link_bits_m[axis][nxt])
        event = Call()
        event.callbacks = self._cb_relay
        event.arg = (nxt, package, items)
        now = self.env._now
        heappush(self._queue, (when if when > now else now, NORMAL, next(self._eid), event))

    def to_agency_s(self, agency: int, size: float) -> float:
        return self.ag_latency[agency] + size * self.ag_bits[agency]

    # -- outcomes -----------------------------------------------------------------------------

    def on_fetched(self, item: Item, t: float,
                   with_ack: bool = False) -> tuple[Package, list[Item]] | None:
        """The recipient has the item at `t`. For a document, status 01 goes back at once and
        03 after the registration delay; with `with_ack`, status 01 is returned for the caller
        to send along with its acknowledgement instead."""
        item.fetched = t
        package = item.package
        if package.kind:  # != DOCUMENT
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
        # status 03 after the registration delay (= _send_status(item, STATUS_03, ...), inlined)
        registered = t + self.registration()
        recipient = item.recipient
        when = (registered + self.ag_latency[recipient]
                + self.status_size * self.ag_bits[recipient])
        event = Call()
        event.callbacks = self._cb_first
        event.arg = self._status_package(item, STATUS_03, registered)
        now = self.env._now
        heappush(self._queue, (when if when > now else now, NORMAL, next(self._eid), event))
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
            return
        self.acked += 1
        if package.measured:
            self.ack_latency.append(t - package.sent_at)
            self.sla_count += 1
            if t <= package.deadline:
                self.sla_met += 1

    def _status_package(self, item: Item, kind: int, t: float) -> tuple[Package, list[Item]]:
        recipient = item.recipient
        original = item.package
        a = self.ag_axis[recipient]
        package = Package(kind, recipient, a, self.ag_level[recipient], t, 0, self.status_size,
                          math.inf, False, item)
        status_item = Item(package, original.sender, self.crosses[a][self.ag_axis[original.sender]])
        self.statuses_sent += 1
        return package, [status_item]

    def _send_status(self, item: Item, kind: int, t: float) -> None:
        recipient = item.recipient
        when = t + self.ag_latency[recipient] + self.status_size * self.ag_bits[recipient]
        event = Call()
        event.callbacks = self._cb_first
        event.arg = self._status_package(item, kind, t)
        now = self.env._now
        heappush(self._queue, (when if when > now else now, NORMAL, next(self._eid), event))

    # -- running ------------------------------------------------------------------------------

    def run(self, progress: Callable[[float], None] | None = None) -> dict[str, Any]:
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

    def _run(self, progress: Callable[[float], None] | None, wall: float) -> dict[str, Any]:
        self._next_batch()
        env = self.env
        steps = 20
        for k in range(1, steps + 1):
            env.run(until=self.start + (self.horizon - self.start) * k / steps)
            if progress is not None:
                progress(k / steps)
        axes = {server.name: server.snapshot() for server in self.servers}
        env.run(until=self.horizon + self.inp.simulation.drain_limit_s)
        wall = time.perf_counter() - wall
        return self._result(axes, wall)

    def _result(self, axes: dict[str, dict[str, float]], wall: float) -> dict[str, Any]:
        measured = [v for values in self.latency.values() for v in values]
        drains = {s.name: s.drain_times for s in self.servers if s.drain_times}
        return {
            "replication": self.replication,
            "start_s": self.start,
            "horizon_s": self.horizon,
            "working_days": len(self.calendar.days) if self.inp.traffic is None else None,
            "measure_from_s": self.measure_from,
            "documents": self.documents,
            "deliveries": self.deliveries,
            "delivered": self.delivered,
            "acked": self.acked,
            "in_flight": self.deliveries - self.acked,
            "national_documents": self.national_documents,
            "national_deliveries": self.national_deliveries,
            "statuses_sent": self.statuses_sent,
            "statuses_fetched": self.statuses_fetched,
            "sla_met": self.sla_met,
            "sla_count": self.sla_count,
            "latency_mean_s": float(np.mean(measured)) if measured else None,
            "ack_latency_mean_s": float(np.mean(self.ack_latency)) if self.ack_latency else None,
            "latency_count": len(measured),
            "hist_all": encode(histogram_of(np.asarray(measured))),
            "hist_ack": encode(histogram_of(self.ack_latency)),
            "hist_pairs": {f"{a}-{b}": encode(histogram_of(values))
                           for (a, b), values in self.latency.items() if values},
            "hist_priorities": {name: encode(histogram_of(values)) for name, values
                                in zip(PRIORITY_NAMES, self.latency_by_priority, strict=True)},
            "axes": axes,
            "poll_rate_per_s": self.poll_rate_total,
            "polls_with_work": self.recipients.polls_with_work,
            "bins": self.bins.as_dict(),
            "outages": {name: spans for name, spans in self.outages.items()},
            "drain_times_s": drains,
            "link_retries": self.link_retries,
            "link_outages": {self.axis_names[a]: spans for a, spans in self.link_outages.items()},
            "last_done_s": self.last_done,
            "events": events_scheduled(self.env),
            "wall_s": wall,
        }
