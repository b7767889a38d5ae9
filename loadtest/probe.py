"""What the axis and the load generator spend while a load test runs, sampled every second.

A calibration needs more than the end-of-run totals: each step of a stepped load is a point on
the axis's cost curve, so the counters have to be read at the steps' edges. A `Probe` thread in
the runner reads, once per `interval_s`:

- the CPU seconds (user + system) of the axis's process tree (when the runner started the axis
  itself; a remote target's CPU is not visible from here) and of the load generator's tree
  (Locust master and workers), with psutil;
- how long the axis's threads waited for a CPU while runnable (`/proc/PID/task/*/schedstat`,
  Linux): on a shared machine, a knee where the axis waited for the CPU more than it used it is
  the neighbours' knee, not the axis's;
- the axis's own Prometheus counters per operation (`axis_request_seconds` count and sum), read
  with prometheus_client's parser, and of its group commits (`axis_store_commit_seconds` count
  and sum, `axis_store_commit_batch_size` sum): how long a commit takes and how many writes it
  carries, step by step, which is what a model of the commit stage needs.

The samples go to `probe.json` in the run directory: a list of `{"t": unix time, "axis_cpu_s":
..., "axis_cpu_wait_s": ..., "generator_cpu_s": ..., "ops": {op: [count, sum_s]},
"commits": [count, sum_s, writes]}`.
`window` turns two instants into rates. The scrape is one small request a second, which the
axis serves like any other (it shows as operation "metrics").
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from prometheus_client.parser import text_string_to_metric_families

from loadtest.directory import scrape_metrics

PROBE_FILE = "probe.json"
LATENCY_METRIC = "axis_request_seconds"
COMMIT_METRIC = "axis_store_commit_seconds"
BATCH_METRIC = "axis_store_commit_batch_size"


def tree_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of a process and its live descendants (None if it is gone)."""
    if pid is None:
        return None
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return None
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def tree_cpu_wait_seconds(pid: int | None) -> float | None:
    """Seconds the threads of a process tree spent runnable but waiting for a CPU (None where
    the kernel does not say: not Linux, or no schedstat)."""
    if pid is None:
        return None
    try:
        root = psutil.Process(pid)
        pids = [root.pid, *(child.pid for child in root.children(recursive=True))]
    except psutil.Error:
        return None
    total, seen = 0.0, False
    for each in pids:
        for stat in Path(f"/proc/{each}/task").glob("*/schedstat"):
            try:
                fields = stat.read_text().split()
            except OSError:
                continue
            if len(fields) >= 2:
                total += int(fields[1]) / 1e9
                seen = True
    return total if seen else None


def operation_counters(text: str) -> dict[str, list[float]]:
    """{operation: [requests, seconds spent answering them]} from a Prometheus exposition."""
    ops: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        if family.name != LATENCY_METRIC:
            continue
        for sample in family.samples:
            operation = sample.labels.get("operation")
            if operation is None:
                continue
            slot = ops.setdefault(operation, [0.0, 0.0])
            if sample.name == f"{LATENCY_METRIC}_count":
                slot[0] = float(sample.value)
            elif sample.name == f"{LATENCY_METRIC}_sum":
                slot[1] = float(sample.value)
    return ops


def commit_counters(text: str) -> list[float] | None:
    """[group commits, seconds they took, writes they carried] from a Prometheus exposition
    (None when the target does not report its commits)."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name not in (COMMIT_METRIC, BATCH_METRIC):
            continue
        for sample in family.samples:
            if sample.name.endswith(("_count", "_sum")):
                found[sample.name] = float(sample.value)
    if f"{COMMIT_METRIC}_count" not in found:
        return None
    return [found[f"{COMMIT_METRIC}_count"], found.get(f"{COMMIT_METRIC}_sum", 0.0),
            found.get(f"{BATCH_METRIC}_sum", 0.0)]


class Probe(threading.Thread):
    """Samples CPU and the axis's counters every `interval_s` until `stop()`; writes the file."""

    def __init__(self, target: str, axis_pid: int | None, generator_pid: int | None,
                 out: Path, interval_s: float = 1.0) -> None:
        super().__init__(name="lienthong-probe", daemon=True)
        self.target = target
        self.axis_pid = axis_pid
        self.generator_pid = generator_pid
        self.out = out
        self.interval_s = interval_s
        self.samples: list[dict[str, Any]] = []
        self._stopped = threading.Event()

    def sample(self) -> dict[str, Any]:
        text = scrape_metrics(self.target, timeout=max(self.interval_s, 2.0))
        row = {"t": time.time(), "axis_cpu_s": tree_cpu_seconds(self.axis_pid),
               "axis_cpu_wait_s": tree_cpu_wait_seconds(self.axis_pid),
               "generator_cpu_s": tree_cpu_seconds(self.generator_pid),
               "ops": operation_counters(text) if text else {},
               "commits": commit_counters(text) if text else None}
        self.samples.append(row)
        return row

    def run(self) -> None:
        next_at = time.monotonic()
        while not self._stopped.is_set():
            self.sample()
            next_at += self.interval_s
            self._stopped.wait(max(0.0, next_at - time.monotonic()))

    def stop(self) -> list[dict[str, Any]]:
        """Stop sampling (one last sample), write `probe.json`, return the samples."""
        self._stopped.set()
        if self.is_alive():
            self.join(timeout=10.0)
        self.sample()
        (self.out / PROBE_FILE).write_text(json.dumps(self.samples))
        return self.samples


def read_probe(run: Path) -> list[dict[str, Any]]:
    path = run / PROBE_FILE
    return json.loads(path.read_text()) if path.is_file() else []


def at(samples: list[dict[str, Any]], t: float) -> dict[str, Any] | None:
    """The last sample taken at or before `t` (the first one if `t` is earlier)."""
    best = None
    for row in samples:
        if row["t"] <= t or best is None:
            best = row
        else:
            break
    return best


def window(samples: list[dict[str, Any]], start: float, end: float) -> dict[str, Any] | None:
    """Rates between the samples nearest `start` and `end`: CPU in cores (CPU seconds per
    second), per operation requests/s and the mean server time (seconds), and the group commits
    (per second, mean seconds, mean writes per commit; None when not reported)."""
    first, last = at(samples, start), at(samples, end)
    if first is None or last is None or last["t"] - first["t"] <= 0:
        return None
    span = last["t"] - first["t"]

    def cores(key: str) -> float | None:
        a, b = first.get(key), last.get(key)
        return max(0.0, b - a) / span if a is not None and b is not None else None

    ops = {}
    for op, (count, total) in last["ops"].items():
        count0, total0 = first["ops"].get(op, [0.0, 0.0])
        if count > count0:
            ops[op] = {"rate_per_s": (count - count0) / span,
                       "mean_s": (total - total0) / (count - count0)}
    commits = None
    a, b = first.get("commits"), last.get("commits")
    if a and b and b[0] > a[0]:
        done = b[0] - a[0]
        commits = {"rate_per_s": done / span, "mean_s": (b[1] - a[1]) / done,
                   "mean_batch": (b[2] - a[2]) / done}
    return {"start": first["t"], "end": last["t"], "span_s": span,
            "axis_cpu": cores("axis_cpu_s"), "axis_cpu_wait": cores("axis_cpu_wait_s"),
            "generator_cpu": cores("generator_cpu_s"),
            "ops": ops, "commits": commits}
