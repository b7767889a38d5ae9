"""Demand sources: what puts documents into the network, one small class per kind.

Each kind is a strict scenario model with a `kind` tag (joined by the discriminated union
`sim.config.DemandSource`) and two duties:

- `problems(lookup)`: every cross-reference it cannot resolve (an agency code not in the
  topology, or not connected), as one line each (sim/checks.py gathers them all);
- `start(host)`: hand the network its documents, either as batches walked in time order
  (`host.walk`) or as single timed sends (`host.at` + `host.send`).

Where the scenario says which sources run: `[traffic]` (stationary traffic) replaces the
calendar demand; every `[[broadcasts]]` entry adds one broadcast, and `[service_sync]` adds the
National Public Service Portal's dossier status synchronisation (`SimInput.sources`). A new kind
of demand is a new class here with its own config, added to the union and to `SimInput.sources`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

import numpy as np
from pydantic import AfterValidator, Field

from sim.arrivals import Batch, calendar_batches, traffic_batches
from sim.walker import Address
from topology.config import AGENCY_KINDS, StrictModel, parse_period
from topology.streams import stream

if TYPE_CHECKING:
    from sim.checks import Lookup
    from sim.events import At
    from topology.build import Topology
    from topology.calendar import WorkCalendar
    from topology.config import DemandConfig

Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Priority = Annotated[int, Field(ge=0, le=3)]


def _known_kind(value: str) -> str:
    if value not in AGENCY_KINDS:
        raise ValueError(f"unknown agency kind {value!r}; expected one of {AGENCY_KINDS}")
    return value


AgencyKind = Annotated[str, AfterValidator(_known_kind)]
"""An agency kind a demand source names (`to_kind`, `from_kind`), checked against the topology's."""


class DemandHost(Protocol):
    """What a demand source needs of the network it feeds (sim.model.NetworkSim)."""

    model: Topology
    calendar: WorkCalendar
    start: float
    horizon: float
    scope_national: bool
    replication: int
    recipient_rng: np.random.Generator
    at: At

    @property
    def demand(self) -> DemandConfig: ...
    @property
    def seed(self) -> int: ...
    def agency(self, code: str) -> int: ...
    def reaches_national(self, profile: Any) -> bool: ...
    def walk(self, batches: Iterator[Batch], address: Address) -> None: ...
    def walk_sync(self, batches: Iterator[Batch], address: Address) -> None: ...
    def send(self, sender: int, t: float, priority: int, size: float,
             recipients: Sequence[int], deadline: float) -> None: ...


class CalendarDemand(StrictModel):
    """Each connected sender sends a Poisson stream at its kind's daily rate over the calendar's
    working periods ([demand], [calendar]; sim/arrivals.py). Recipients are drawn when a
    document reaches its sender's axis, in that order, from the stream "recipients"."""

    kind: Literal["calendar"] = Field(default="calendar", exclude=True)

    def problems(self, lookup: Lookup) -> list[str]:
        return []

    def start(self, host: DemandHost) -> None:
        profiles = host.model.demand.profiles
        if host.scope_national:
            profiles = [p for p in profiles if host.reaches_national(p)]
        senders = np.array([p.agency for p in profiles], dtype=np.int64)
        rates = np.array([p.documents_per_day for p in profiles], dtype=float)
        batches = calendar_batches(host.calendar, senders, rates, host.demand, host.seed,
                                   host.replication)
        sample, rng = host.model.demand.sample_recipients, host.recipient_rng

        def address(batch: Batch, tag: int, t: float, sender: int
                    ) -> tuple[Sequence[int], float]:
            return sample(sender, rng).tolist(), batch.deadline

        host.walk(_within(batches, host.start, host.horizon), address)


def _within(batches: Iterator[Batch], start: float, horizon: float) -> Iterator[Batch]:
    """Calendar batches cut to [start, horizon): `simulation.start_at` may start the run after
    the first working period does, `simulation.horizon_s` end it before the calendar does.
    Documents outside are not sent; the draws of those kept are unchanged (every period is
    still drawn, in order)."""
    for batch in batches:
        if batch.times[0] >= start and batch.times[-1] < horizon:
            yield batch
            continue
        if batch.times[0] >= horizon:
            return
        keep = (batch.times >= start) & (batch.times < horizon)
        if keep.any():
            yield Batch(batch.times[keep], batch.senders[keep], batch.priorities[keep],
                        batch.sizes[keep], batch.deadline)


class Flow(StrictModel):
    """One sender -> recipient pair of the Poisson traffic, by agency code, with its share."""

    sender: str
    recipient: str
    share: Positive = 1.0


class StationaryTraffic(StrictModel):
    """Stationary Poisson traffic instead of the calendar demand (validation scenarios)."""

    kind: Literal["traffic"] = Field(default="traffic", exclude=True)
    rate_per_s: Positive
    flows: list[Flow] = Field(min_length=1)
    size_kb: Positive | None = Field(
        default=None, description="Fixed package size; default: the demand's size distribution."
    )

    def problems(self, lookup: Lookup) -> list[str]:
        return [problem for flow in self.flows
                for code, key in ((flow.sender, "traffic.flows.sender"),
                                  (flow.recipient, "traffic.flows.recipient"))
                if (problem := lookup.agency_problem(code, key))]

    def start(self, host: DemandHost) -> None:
        pairs = [(host.agency(f.sender), host.agency(f.recipient)) for f in self.flows]
        senders = np.array([s for s, _ in pairs], dtype=np.int64)
        shares = np.array([f.share for f in self.flows])
        batches = traffic_batches(self.rate_per_s, shares, host.horizon, host.demand,
                                  self.size_kb, host.seed, host.replication)
        deadline = host.calendar.sla_deadline

        def address(batch: Batch, tag: int, t: float, sender: int
                    ) -> tuple[Sequence[int], float]:
            return (pairs[tag][1],), deadline(t)

        host.walk((Batch(b.times, senders[b.flows], b.priorities, b.sizes, b.deadline, b.flows)
                   for b in batches), address)


class Broadcast(StrictModel):
    """One sender to every connected agency of a kind, at a time of day (every working day, or
    one date)."""

    kind: Literal["broadcast"] = Field(default="broadcast", exclude=True)
    sender: str = Field(description="Agency code of the sender, e.g. '000.00.00.G22'.")
    to_kind: AgencyKind
    time: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    date: dt.date | None = None
    priority: Priority = 1

    def seconds_of_day(self) -> int:
        start, _ = parse_period(f"{self.time}-24:00")
        return start

    def problems(self, lookup: Lookup) -> list[str]:
        problem = lookup.agency_problem(self.sender, "broadcasts.sender")
        return [problem] if problem else []

    def start(self, host: DemandHost) -> None:
        sender = host.agency(self.sender)
        targets = [a.index for a in host.model.network.connected
                   if a.kind == self.to_kind and a.index != sender]
        calendar = host.calendar
        size = host.demand.size.median_kb * 1024.0
        days = calendar.days if self.date is None else [self.date]

        def send(t: float) -> None:
            host.send(sender, t, self.priority, size, targets, calendar.sla_deadline(t))

        for day in days:
            t = calendar.day_offset_s(day) + self.seconds_of_day()
            if host.start <= t < host.horizon and targets:
                host.at(t, send, t)


class ServiceSync(StrictModel):
    """The National Public Service Portal's dossier status synchronisation (Decision 274/QĐ-TTg:
    more than 32 million in H1 2022, roughly 130-175k a day; DOMAIN.md) carried by the same
    platforms as documents. Each connected agency of `from_kind` (the provincial platforms, by
    default) sends small status messages to the portal (`portal`, an agency code) as one Poisson
    stream of `per_day` over the calendar's working periods, split evenly among the senders (an
    assumption: no per-province figure is published). A sync message is status-like: it costs
    a `status` request where it is stored or relayed, and the portal polls, fetches and
    acknowledges it like any item, but it sends no statuses back. Its latency and SLA share
    (same legal window as documents) are reported apart from the documents' (`service_sync` in
    the summary), so the question "does it crowd out documents?" is read from the documents'
    own figures and the axes' load."""

    kind: Literal["service_sync"] = Field(default="service_sync", exclude=True)
    per_day: Positive = Field(
        default=150_000.0, description="Sync messages per working day, all senders together "
        "(DOMAIN.md: roughly 130-175k a day in H1 2022).")
    portal: str = Field(
        default="000.00.00.G22", description="Agency code standing for the portal (run by the "
        "Government Office, which sits on the national axis).")
    from_kind: AgencyKind = Field(default="province_committee",
                           description="Agency kind whose connected members send the syncs.")
    size_kb: Positive = Field(default=4.0, description="Size of one sync message.")

    def problems(self, lookup: Lookup) -> list[str]:
        problem = lookup.agency_problem(self.portal, "service_sync.portal")
        return [problem] if problem else []

    def start(self, host: DemandHost) -> None:
        portal = host.agency(self.portal)
        senders = np.array([a.index for a in host.model.network.connected
                            if a.kind == self.from_kind and a.index != portal], dtype=np.int64)
        if not len(senders):
            return
        host.walk_sync(_within(self._batches(host, senders), host.start, host.horizon),
                       lambda batch, tag, t, sender: ((portal,), batch.deadline))

    def _batches(self, host: DemandHost, senders: np.ndarray) -> Iterator[Batch]:
        """One batch per working period: a Poisson count, uniform times, senders drawn evenly;
        from streams of their own ("sync:..."), so the documents' draws are unchanged."""
        calendar, seed, r = host.calendar, host.seed, host.replication
        count_rng = stream(seed, "sync:count", r)
        time_rng = stream(seed, "sync:times", r)
        sender_rng = stream(seed, "sync:senders", r)
        per_second = self.per_day / calendar.work_seconds_per_day
        size = self.size_kb * 1024.0
        for _day, start, end in calendar.working_intervals():
            n = int(count_rng.poisson(per_second * (end - start)))
            if n == 0:
                continue
            times = np.sort(time_rng.uniform(start, end, n))
            who = senders[sender_rng.integers(0, len(senders), n)]
            yield Batch(times, who, np.zeros(n, dtype=np.int64), np.full(n, size),
                        calendar.sla_deadline(start))
