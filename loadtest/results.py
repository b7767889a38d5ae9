"""The master's raw account of a run, as plain JSON for `lienthong loadtest` to turn into a run
directory (summary.json, time series, CDFs) with the simulator's names.

Kept in `loadtest` (not `lienthong`) so a plain `locust -f` run can write it too.
"""

from __future__ import annotations

from typing import Any

from loadtest import latency
from loadtest.context import RunContext


def raw_results(context: RunContext, *, drained: bool, end: float) -> dict[str, Any]:
    collector = context.collector
    clock = collector.clock
    settings = context.settings
    reconciliation = collector.ledger.reconcile()
    counters = dict(collector.merged_counters)
    load_s = clock.load_s if clock else settings.load_s
    start = clock.start if clock else end
    histograms = collector.merged_latency.histograms
    plan = context.plan
    return {
        "scenario": context.scenario.name,
        "seed": context.scenario.seed,
        "settings": {
            "users": len(plan.groups), "time_scale": settings.time_scale,
            "load_s": load_s, "mode": settings.mode, "poll_interval_s": settings.poll_interval_s,
            "registration_delay_s": settings.registration_delay_s, "shape": context.profile.kind,
            "shape_config": context.profile.shape.model_dump(mode="json"),
            "nominal_send_rate": context.rate_per_s(plan.documents_per_day),
            "drain_s": settings.drain_s, "late_threshold_s": settings.late_threshold_s,
        },
        "agencies": {"played": len(plan.by_code), "sending": len(plan.senders),
                     "documents_per_day": plan.documents_per_day},
        "start": start,
        "load_end": start + load_s,
        "end": end,
        "drained": drained,
        "counters": counters,
        "intended_send_rate": context.intended_send_rate,
        "scheduled_send_rate": counters.get("scheduled_sends", 0) / load_s,
        "achieved_send_rate": counters.get("accepted_sends", 0) / load_s,
        "reconciliation": {
            "documents": dict(collector.ledger.documents),
            "deliveries": reconciliation.deliveries,
            "delivered": reconciliation.delivered,
            "lost": reconciliation.lost,
            "lost_total": reconciliation.total_lost,
            "duplicates": reconciliation.duplicates,
            "unexpected": reconciliation.unexpected,
            "lost_examples": [list(pair) for pair in reconciliation.lost_examples],
        },
        "latency": {name: latency.summarize(h) for name, h in histograms.items()},
        "histograms": {name: h.encode().decode() for name, h in histograms.items()
                       if h.get_total_count()},
        "timeline": collector.merged_timeline.rows(start, end),
    }
