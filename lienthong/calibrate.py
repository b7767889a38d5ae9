"""From a load-test run to the simulator's axis capacity: service time per operation.

The axis's own Prometheus metrics (scraped at the end of the run, `metrics.prom`) give the mean
time it spent answering each operation, measured inside the server: no network, no client. Two
operations cannot be told apart there - documents and status packages are both `send` - so
Locust's client-side means (`locust_stats.csv`) split them: the client-side excess over the
server-side time is estimated on the unambiguous operations (fetch, ack, inbox/count) and taken
off the client-side means of document and status sends.

At a moderate load (utilisation well below 1) the mean response time is close to the service
time, which is what `[axis]` wants. The per-KB part needs runs at different package sizes: given
several runs, `send` and `fetch` get a least-squares line through (mean KB, mean time); from one
run everything is in the fixed part. The relay cost is not measurable against one axis and is
left out (the simulator keeps its default). A long poll's server time is mostly waiting, so in a
long-poll run the poll cost comes from the count calls or, failing those, a fetch.
"""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lienthong.errors import UserError

_SAMPLE = re.compile(r'^(\w+)\{([^}]*)\}\s+([0-9.eE+-]+|NaN)$')
_LABEL = re.compile(r'(\w+)="([^"]*)"')


def parse_prometheus(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(metric, sorted labels): value} for every labelled sample line."""
    samples = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line.strip())
        if match:
            labels = tuple(sorted(_LABEL.findall(match.group(2))))
            samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def server_means(text: str) -> dict[str, tuple[float, int]]:
    """(mean seconds, count) per operation from axis_request_seconds_sum/_count."""
    samples = parse_prometheus(text)
    means = {}
    for (name, labels), value in samples.items():
        if name != "axis_request_seconds_count" or not value:
            continue
        total = samples.get(("axis_request_seconds_sum", labels))
        operation = dict(labels).get("operation")
        if total is not None and operation:
            means[operation] = (total / value, int(value))
    return means


def client_means(run: Path) -> dict[str, tuple[float, int]]:
    """(mean seconds, count) per Locust request name (HTTP rows only)."""
    path = run / "locust_stats.csv"
    means = {}
    if path.is_file():
        with path.open() as handle:
            for row in csv.DictReader(handle):
                if row["Type"] in ("E2E", "") or row["Name"] == "Aggregated":
                    continue
                count = int(row["Request Count"] or 0)
                if count:
                    means[row["Name"]] = (float(row["Average Response Time"]) / 1000.0, count)
    return means


def measure_run(run: Path) -> dict[str, Any]:
    """Service times (ms) per simulator operation from one load-test run."""
    from lienthong.results import LoadtestSummary, read_summary

    summary = read_summary(run)
    if not isinstance(summary, LoadtestSummary):
        raise UserError(f"{run}: a {summary.kind} run; calibrate needs a "
                        "load test (it measures a real axis)")
    metrics_file = run / "metrics.prom"
    if not metrics_file.is_file():
        raise UserError(f"{run}: no metrics.prom (the target served no Prometheus /metrics)")
    server = server_means(metrics_file.read_text())
    client = client_means(run)
    for needed in ("send", "fetch", "ack"):
        if needed not in server:
            raise UserError(f"{run}/metrics.prom: no axis_request_seconds for operation "
                            f"{needed!r}; was anything sent?")
    pairs = [("fetch", "fetch"), ("ack", "ack"), ("inbox_count", "inbox/count"),
             ("inbox", "inbox")]
    excess = [client[name][0] - server[op][0] for op, name in pairs
              if op in server and name in client]
    overhead = max(0.0, statistics.median(excess)) if excess else 0.0

    def client_side(*names: str) -> float | None:
        rows = [client[n] for n in names if n in client]
        count = sum(c for _, c in rows)
        return sum(m * c for m, c in rows) / count - overhead if count else None

    document = client_side("send")
    status = client_side("send status 01", "send status 03")
    # A long poll's server time is mostly the hold, not work: only count and plain list calls
    # measure the cost of a poll.
    long_poll = summary.delivery_mode == "long_poll"
    polls = [server[op] for op in ("inbox_count", "inbox")
             if op in server and not (long_poll and op == "inbox")]
    if not polls and "fetch" in server:
        polls = [server["fetch"]]  # no plain poll was made: a mailbox read costs about a fetch
    poll_count = sum(c for _, c in polls)
    raw_file = run / "locust-raw.json"
    raw = json.loads(raw_file.read_text()) if raw_file.is_file() else {}
    counters = raw.get("counters", {})
    sends = counters.get("accepted_sends", 0)
    send_kb = counters.get("accepted_bytes", 0) / 1024.0 / sends if sends else 0.0
    fetch_kb = _client_size(run, "fetch") / 1024.0
    ms = 1000.0
    return {
        "run": str(run),
        "scenario": summary.scenario,
        "requests_per_s": summary.requests_per_s,
        "client_overhead_ms": overhead * ms,
        "send_kb": send_kb,
        "fetch_kb": fetch_kb,
        "send_ms": max(document if document is not None else server["send"][0], 0.0) * ms,
        "status_ms": max(status if status is not None else server["send"][0], 0.0) * ms,
        "poll_ms": (sum(m * c for m, c in polls) / poll_count * ms) if poll_count else None,
        "fetch_ms": server["fetch"][0] * ms,
        "ack_ms": server["ack"][0] * ms,
        "server_ms": {op: mean * ms for op, (mean, _) in server.items()},
    }


def _client_size(run: Path, name: str) -> float:
    with (run / "locust_stats.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == name and row["Type"] != "E2E":
                return float(row["Average Content Size"] or 0.0)
    return 0.0


def _line(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """(fixed, per_kb) of a least-squares line through (kb, ms); flat if the sizes do not vary."""
    kbs = [kb for kb, _ in points]
    mss = [value for _, value in points]
    if len(points) < 2 or max(kbs) - min(kbs) < 1e-9:
        return statistics.fmean(mss), 0.0
    slope = statistics.covariance(kbs, mss) / statistics.variance(kbs)
    slope = max(slope, 0.0)
    return max(statistics.fmean(mss) - slope * statistics.fmean(kbs), 0.0), slope


def calibrate(runs: Sequence[Path], workers: int = 1) -> dict[str, Any]:
    """The `[axis]` section (workers and OperationCost per operation) from load-test runs."""
    measured = [measure_run(Path(run)) for run in runs]
    send_fixed, send_kb = _line([(m["send_kb"], m["send_ms"]) for m in measured])
    fetch_fixed, fetch_kb = _line([(m["fetch_kb"], m["fetch_ms"]) for m in measured])
    polls = [m["poll_ms"] for m in measured if m["poll_ms"] is not None]
    axis = {
        "workers": workers,
        "send": {"fixed_ms": send_fixed, "per_kb_ms": send_kb},
        "poll": {"fixed_ms": statistics.fmean(polls) if polls else 0.5, "per_kb_ms": 0.0},
        "fetch": {"fixed_ms": fetch_fixed, "per_kb_ms": fetch_kb},
        "ack": {"fixed_ms": statistics.fmean(m["ack_ms"] for m in measured), "per_kb_ms": 0.0},
        "status": {"fixed_ms": statistics.fmean(m["status_ms"] for m in measured),
                   "per_kb_ms": 0.0},
    }
    return {"axis": axis, "measured": measured}


def to_toml(result: dict[str, Any]) -> str:
    lines = ["# Axis capacity calibrated by `lienthong calibrate` from load-test runs:"]
    for m in result["measured"]:
        lines.append(f"#   {m['run']} ({m['scenario']}, {m['requests_per_s']:.1f} requests/s, "
                     f"client overhead {m['client_overhead_ms']:.2f} ms)")
    lines.append("# Paste into a scenario (or pass the file to `simulate --set`-style tooling).")
    axis = result["axis"]
    lines += ["", "[axis]", f"workers = {axis['workers']}"]
    for operation in ("send", "poll", "fetch", "ack", "status"):
        cost = axis[operation]
        lines += ["", f"[axis.{operation}]", f"fixed_ms = {cost['fixed_ms']:.4f}",
                  f"per_kb_ms = {cost['per_kb_ms']:.6f}"]
    return "\n".join(lines) + "\n"


def overrides(result: dict[str, Any]) -> list[str]:
    """The same section as `--set` overrides, for `lienthong simulate`."""
    axis = result["axis"]
    items = [f"axis.workers={axis['workers']}"]
    for operation in ("send", "poll", "fetch", "ack", "status"):
        for key in ("fixed_ms", "per_kb_ms"):
            items.append(f"axis.{operation}.{key}={axis[operation][key]:.6f}")
    return items
