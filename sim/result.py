"""One replication's outcome as a typed object: counts, latency histograms, axis figures.

`sim.summary` turns a list of these into the run's figures; `as_dict()` gives the same keys the
result had as a plain dict (the names `lienthong.results` documents for a run's summary are built
from these). Picklable: replications run in worker processes (or on Dask workers).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.events import events_scheduled
from sim.metrics import encode, histogram_of

if TYPE_CHECKING:
    from sim.model import NetworkSim

Spans = list[tuple[float, float]]
LEVELS = (1, 2, 3, 4)
"""Administrative levels: latency is kept per (sender level, recipient level)."""
PRIORITY_NAMES = ("normal", "urgent", "very_urgent", "flash")
"""edXML OtherInfo/Priority 0-3."""


@dataclass
class ReplicationResult:
    replication: int
    start_s: float
    horizon_s: float
    """When arrivals stop (the run drains after it)."""
    working_days: int | None
    """Calendar demand: working days simulated; stationary traffic: None."""
    measure_from_s: float
    documents: int
    """Packages sent (one send to N recipients is one document)."""
    deliveries: int
    """Per-recipient items the documents create."""
    delivered: int
    acked: int
    in_flight: int
    """Deliveries not acknowledged when the drain limit ended the run."""
    national_documents: int
    national_deliveries: int
    statuses_sent: int
    statuses_fetched: int
    sla_met: int
    sla_count: int
    latency_mean_s: float | None
    ack_latency_mean_s: float | None
    latency_count: int
    hist_all: str
    """Encoded HdrHistograms (sim/metrics.py) of delivery latency, measured deliveries only."""
    hist_ack: str
    hist_pairs: dict[str, str]
    """By 'sender level-recipient level', e.g. '1-4'."""
    hist_priorities: dict[str, str]
    axes: dict[str, dict[str, float]]
    """Per axis: AxisServer.snapshot() at the horizon."""
    poll_rate_per_s: float
    polls_with_work: int
    bins: dict[str, Any]
    outages: dict[str, Spans]
    drain_times_s: dict[str, list[float]]
    link_retries: int
    link_outages: dict[str, Spans]
    last_done_s: float
    events: int
    """SimPy events scheduled (its event id counter)."""
    wall_s: float
    sync: dict[str, Any] | None = None
    """The portal's sync messages (sim.sources.ServiceSync), None when the scenario has none:
    counts (sent, delivered, acked, sla_met, sla_count), latency_mean_s and an encoded
    histogram `hist` of send -> fetched."""

    @classmethod
    def of(cls, sim: NetworkSim, axes: dict[str, dict[str, float]], wall: float
           ) -> ReplicationResult:
        """The figures of a replication that has run: `axes` as snapshot at the horizon,
        `wall` seconds of computing."""
        measured = [v for values in sim.latency.values() for v in values]
        return cls(
            replication=sim.replication,
            start_s=sim.start,
            horizon_s=sim.horizon,
            working_days=len(sim.calendar.days) if sim.inp.traffic is None else None,
            measure_from_s=sim.measure_from,
            documents=sim.documents,
            deliveries=sim.deliveries,
            delivered=sim.delivered,
            acked=sim.acked,
            in_flight=sim.deliveries - sim.acked,
            national_documents=sim.national_documents,
            national_deliveries=sim.national_deliveries,
            statuses_sent=sim.statuses_sent,
            statuses_fetched=sim.statuses_fetched,
            sla_met=sim.sla_met,
            sla_count=sim.sla_count,
            latency_mean_s=float(np.mean(measured)) if measured else None,
            ack_latency_mean_s=float(np.mean(sim.ack_latency)) if sim.ack_latency else None,
            latency_count=len(measured),
            hist_all=encode(histogram_of(np.asarray(measured))),
            hist_ack=encode(histogram_of(sim.ack_latency)),
            hist_pairs={f"{a}-{b}": encode(histogram_of(values))
                        for (a, b), values in sim.latency.items() if values},
            hist_priorities={name: encode(histogram_of(values)) for name, values
                             in zip(PRIORITY_NAMES, sim.latency_by_priority, strict=True)},
            axes=axes,
            poll_rate_per_s=sim.poll_rate_total,
            polls_with_work=sim.recipients.polls_with_work,
            bins=sim.bins.as_dict(),
            outages=dict(sim.outages),
            drain_times_s={s.name: s.drain_times for s in sim.servers if s.drain_times},
            link_retries=sim.link_retries,
            link_outages={sim.axis_names[a]: spans for a, spans in sim.link_outages.items()},
            last_done_s=sim.last_done,
            events=events_scheduled(sim.env),
            wall_s=wall,
            sync=_sync_figures(sim),
        )

    def as_dict(self) -> dict[str, Any]:
        """The same figures as a dict, one key per field (shallow)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _sync_figures(sim: NetworkSim) -> dict[str, Any] | None:
    sync = sim.sync
    if not sync.sent:
        return None
    return {"sent": sync.sent, "delivered": sync.delivered, "acked": sync.acked,
            "sla_met": sync.sla_met, "sla_count": sync.sla_count,
            "latency_mean_s": float(np.mean(sync.latency)) if sync.latency else None,
            "hist": encode(histogram_of(sync.latency))}
