"""From replication results to the run's figures: summary, time series and latency CDFs.

Counts (documents, deliveries, ...) are means per replication. Latency percentiles come from the
replications' HdrHistograms added together; the mean's 95% CI is across replication means.
Per-axis figures are means across replications, over the measurement window [warm-up end,
horizon] (the horizon is when arrivals stop; the drain after it counts for latencies only).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hdrh.histogram import HdrHistogram

from sim.inputs import SimInput
from sim.metrics import merge, percentiles_s
from sim.result import PRIORITY_NAMES, ReplicationResult
from sim.stats import mean_ci95

COUNTS_NOTE = ("documents: packages sent (one send to N recipients is one document); "
               "deliveries: per-recipient items they create; status packages are not counted. "
               "Means per replication. scope 'national' simulates and counts only deliveries "
               "whose route crosses the national axis (what the national axis reports); "
               "national_axis gives those counts in every scope.")


def _mean(results: list[ReplicationResult], key: str) -> float:
    return float(np.mean([getattr(r, key) for r in results]))


def latency_block(hist: HdrHistogram, means: list[float | None]) -> dict[str, Any]:
    """Percentiles from the merged histogram; the mean is the mean of the replications' exact
    means (what the CI is about)."""
    mean, ci = mean_ci95([m for m in means if m is not None])
    block: dict[str, Any] = dict(percentiles_s(hist))
    block["mean"] = mean
    block["mean_ci95"] = ci
    block["count"] = int(hist.get_total_count())
    return block


def histograms(results: list[ReplicationResult]) -> dict[str, HdrHistogram]:
    """Merged histograms: 'all', 'ack', and one per level pair ('1-4', ...)."""
    merged = {"all": merge([r.hist_all for r in results]),
              "ack": merge([r.hist_ack for r in results])}
    pairs = sorted({pair for r in results for pair in r.hist_pairs})
    for pair in pairs:
        merged[pair] = merge([r.hist_pairs.get(pair, "") for r in results])
    return merged


def summarize(inp: SimInput, results: list[ReplicationResult],
              hists: dict[str, HdrHistogram]) -> dict[str, Any]:
    """The simulator's summary keys (lienthong.results adds the shared envelope)."""
    first = results[0]
    span = first.horizon_s - first.measure_from_s
    axes: dict[str, Any] = {}
    for name in first.axes:
        rows = [r.axes[name] for r in results]
        wait_mean, wait_ci = mean_ci95([row["wait_mean_s"] for row in rows])
        axes[name] = {
            "workers": rows[0]["workers"],
            "utilization": float(np.mean([row["utilization"] for row in rows])),
            "commit_utilization": float(np.mean([row["commit_utilization"] for row in rows])),
            "queue_mean": float(np.mean([row["queue_mean"] for row in rows])),
            "wait_s": {"mean": wait_mean, "mean_ci95": wait_ci},
            "arrival_rate_per_s": float(np.mean([row["arrival_rate_per_s"] for row in rows])),
            "poll_rate_per_s": float(np.mean([row["poll_rate_per_s"] for row in rows])),
            "retries": float(np.mean([row["retries"] for row in rows])),
        }
    bins = timeseries(results)
    in_window = [row for row in bins
                 if first.measure_from_s <= row["time_s"] < first.horizon_s]
    delivered_rates = [row["delivered_per_s"] for row in in_window] or [0.0]
    sla_count = sum(r.sla_count for r in results)
    sync = _sync_block(results)
    return {
        "replications": len(results),
        "simulated_days": first.working_days if inp.traffic is None
        else round(span / 86400.0, 4),
        "horizon_s": first.horizon_s - first.start_s,
        "warmup_s": inp.simulation.warmup_s,
        "scope": inp.simulation.scope,
        "delivery_mode": inp.delivery.mode,
        "day_profile_peak_to_mean": None if inp.traffic is not None
        else inp.calendar.peak_to_mean(),
        "counts_note": COUNTS_NOTE,
        "documents": _mean(results, "documents"),
        "deliveries": _mean(results, "deliveries"),
        "delivered": _mean(results, "delivered"),
        "acknowledged": _mean(results, "acked"),
        "lost": 0,
        "in_flight": _mean(results, "in_flight"),
        "national_axis": {"documents": _mean(results, "national_documents"),
                          "deliveries": _mean(results, "national_deliveries")},
        "status_packages": _mean(results, "statuses_sent"),
        "requests_per_s": float(sum(a["arrival_rate_per_s"] for a in axes.values())),
        "poll_requests_per_s": float(sum(a["poll_rate_per_s"] for a in axes.values())),
        "throughput_per_s": {"mean": float(np.mean(delivered_rates)),
                             "peak": float(np.max(delivered_rates))},
        "latency_s": latency_block(hists["all"], [r.latency_mean_s for r in results]),
        "ack_latency_s": latency_block(hists["ack"],
                                       [r.ack_latency_mean_s for r in results]),
        "latency_by_level_pair_s": {pair: dict(percentiles_s(h), count=int(h.get_total_count()))
                                    for pair, h in hists.items() if "-" in pair},
        "latency_by_priority_s": {
            name: dict(percentiles_s(h), mean=h.get_mean_value() / 1000.0
                       if h.get_total_count() else None, count=int(h.get_total_count()))
            for name, h in ((name, merge([r.hist_priorities[name] for r in results]))
                            for name in PRIORITY_NAMES)},
        "sla_met_fraction": (sum(r.sla_met for r in results) / sla_count
                             if sla_count else None),
        "axes": axes,
        "outages_replication_1": first.outages,
        "outages_per_replication": float(np.mean([sum(len(spans) for spans in
                                                      r.outages.values())
                                                  for r in results])),
        "drain_time_s": _drain_times(results),
        "link_outages": first.link_outages,
        "link_retries": _mean(results, "link_retries"),
        "drained_at_s": float(np.mean([r.last_done_s - r.start_s for r in results])),
        "polls_with_work": _mean(results, "polls_with_work"),
        "events": int(sum(r.events for r in results)),
        "events_per_replication": _mean(results, "events"),
        "simulation_wall_s": float(sum(r.wall_s for r in results)),
        **({"service_sync": sync} if sync is not None else {}),
    }


def _sync_block(results: list[ReplicationResult]) -> dict[str, Any] | None:
    """The portal's sync messages apart from documents (means per replication; latency send
    -> fetched from the merged histograms; SLA share over all replications), or None."""
    rows = [r.sync for r in results if r.sync is not None]
    if not rows:
        return None
    sla_count = sum(row["sla_count"] for row in rows)
    n = len(results)
    return {
        "sent": sum(row["sent"] for row in rows) / n,
        "delivered": sum(row["delivered"] for row in rows) / n,
        "acknowledged": sum(row["acked"] for row in rows) / n,
        "latency_s": latency_block(merge([row["hist"] for row in rows]),
                                   [row["latency_mean_s"] for row in rows]),
        "sla_met_fraction": (sum(row["sla_met"] for row in rows) / sla_count
                             if sla_count else None),
    }


def _drain_times(results: list[ReplicationResult]) -> dict[str, dict[str, float]]:
    """Per axis: how many outages drained, and their mean and longest drain time, over all
    replications (outage end -> the last refused or queued request taken into service)."""
    times: dict[str, list[float]] = {}
    for result in results:
        for name, values in result.drain_times_s.items():
            times.setdefault(name, []).extend(values)
    return {name: {"count": len(values), "mean": float(np.mean(values)),
                   "max": float(np.max(values))} for name, values in times.items()}


def timeseries(results: list[ReplicationResult]) -> list[dict[str, float]]:
    """Mean across replications per bin, up to the last bin with any activity."""
    first = results[0].bins
    width, origin = first["width"], first["origin"]
    columns = {}
    for key in ("sent", "accepted", "delivered", "requests"):
        columns[key] = np.mean([np.asarray(r.bins[key], dtype=float) for r in results], axis=0)
    active = np.nonzero(columns["sent"] + columns["delivered"] + columns["requests"])[0]
    end_s = max(r.horizon_s for r in results)
    last = max(int(active[-1]) if len(active) else 0, int((end_s - origin) / width) - 1)
    polls = float(np.mean([r.poll_rate_per_s for r in results]))
    backlog = np.cumsum(columns["accepted"] - columns["delivered"])
    rows = []
    for i in range(last + 1):
        rows.append({
            "time_s": origin + i * width,
            "bin_s": width,
            "sent_per_s": columns["sent"][i] / width,
            "delivered_per_s": columns["delivered"][i] / width,
            "requests_per_s": columns["requests"][i] / width + polls,
            "backlog": float(backlog[i]),
        })
    return rows
