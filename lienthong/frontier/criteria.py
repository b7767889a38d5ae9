"""What one replication's run says about the SLA: the figures that decide, and the verdict.

The SLA (Decree 28/2018, Decree 30/2020, docs/simulation.md): a delivery is on time when it is
delivered and acknowledged by the end of the first working period of the next working day.
A run meets the SLA when the share of its measured deliveries on time is at least `sla`, and,
when a p99 bound is given, the 99th percentile of send -> acknowledged latency is at most that
bound. A run with no measured delivery (a tiny multiplier over a short horizon) misses nothing
and meets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.metrics import merge, percentiles_s


@dataclass(frozen=True)
class RunFigures:
    """The figures of one (configuration, multiplier, replication) run that the frontier
    keeps; read from the simulator's result in this one place."""

    sla_met_fraction: float | None
    ack_p99_s: float | None
    latency_p50_s: float | None
    latency_p99_s: float | None
    deliveries: int
    max_utilization: float
    """Of the busiest axis's workers over the measurement window. Not its group commit: a commit
    stage's busy share nears 100% long before it saturates (under load its batches grow and
    share the fixed part), so it predicts nothing about where the SLA is lost."""
    events: int
    wall_s: float

    @classmethod
    def of(cls, result: Any) -> RunFigures:
        get = result.__getitem__ if isinstance(result, dict) else \
            (lambda name: getattr(result, name))
        count = get("sla_count")
        latency = percentiles_s(merge([get("hist_all")]))
        ack = percentiles_s(merge([get("hist_ack")]))
        return cls(sla_met_fraction=get("sla_met") / count if count else None,
                   ack_p99_s=ack["p99"], latency_p50_s=latency["p50"],
                   latency_p99_s=latency["p99"], deliveries=int(get("deliveries")),
                   max_utilization=max((float(axis["utilization"]) for axis
                                        in get("axes").values()), default=0.0),
                   events=int(get("events")), wall_s=float(get("wall_s")))


class NothingMeasured(ValueError):
    """A run with no measured delivery: the SLA cannot be judged on it."""


@dataclass(frozen=True)
class Sla:
    share: float
    p99_s: float | None = None

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ValueError(f"SLA share {self.share}: expected a fraction in (0, 1]")
        if self.p99_s is not None and not self.p99_s > 0:
            raise ValueError(f"p99 bound {self.p99_s}: expected seconds above 0")

    def meets(self, figures: RunFigures) -> bool:
        """Whether a run meets the SLA; `NothingMeasured` when it measured no delivery (a
        window without working time, a demand too small for it): no answer, rather than a
        pass that would climb to the upper bound."""
        if figures.sla_met_fraction is None:
            raise NothingMeasured(f"a run measured no delivery ({figures.deliveries} sent in "
                                  "all): the SLA cannot be judged; lengthen simulation."
                                  "horizon_s or move simulation.start_at into working time")
        if figures.sla_met_fraction < self.share:
            return False
        return not (self.p99_s is not None and figures.ack_p99_s is not None
                    and figures.ack_p99_s > self.p99_s)

    def describe(self) -> str:
        text = f"{self.share:.2%} of deliveries acknowledged within the legal window"
        return text + (f", p99 send -> acknowledged <= {self.p99_s:g} s" if self.p99_s else "")
