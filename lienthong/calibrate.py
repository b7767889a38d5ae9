"""From a load test that steps up to the knee to the simulator's `[axis]`: each operation's cost
and the axis's effective parallelism.

The load test's probe (`loadtest/probe.py`, `probe.json`) read the axis's own counters
(`axis_request_seconds` count and sum per operation, measured inside the server) and the CPU of
the axis and of the generator every second. A stepped load (`[loadtest.shape] kind = "step"`)
holds each rate for `every_s` seconds; each step, less its first seconds while queues settle, is
one window with its request rates, mean server times, throughput and CPU.

- **Cost per operation** (`fixed_ms`): the mean server time of the operation in the lightest
  window, where there is next to no queueing, so the time a request holds the axis is its
  service time. On the reference axis most of a write's time (send, status, ack) is the wait
  for its group commit (fsync), not CPU: that is why costs come from server times and not from
  CPU. Operations map to the axis's labels as `LABELS` says; `poll` covers the count calls and
  the inbox lists (the simulator's idle polls and polls that find work), weighted by their
  rates. The reference axis does not relay, so `relay` is the cost of a `send` (a relayed
  package is stored and forwarded like a sent one) unless the axis reports a `relay` operation.
  One package-size distribution gives no per-KB part: `per_kb_ms` is 0.
- **Effective parallelism** P: in each window, `work = sum(rate x cost)` is the number of
  requests in service by Little's law at light-load service times. Below the knee it follows the
  load; at the knee it stops growing: the axis cannot hold more requests in service at once.
  P is the work of the window with the highest throughput. The simulator gets
  `workers = round(P)` and every cost multiplied by `workers / P`, so that its capacity is the
  measured one. When the load never reached the knee (the last window still kept up with its
  offered load), P is unknown: the costs are left as measured and `workers` as given.
- **Capacity**: the deliveries per second of the window that delivered most, over the
  deliveries per document: documents per second the axis can carry (what it accepted in that
  window may be more: the rest piles up).
- **CPU**: the axis's CPU (cores) against its request rate across windows, a least-squares line
  `cpu = baseline + per_request x requests/s`, with which the simulator's predicted request rate
  becomes a predicted CPU (`lienthong validate`).
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lienthong.errors import UserError

LABELS: dict[str, tuple[str, ...]] = {
    "send": ("send",),
    "status": ("send_status",),
    "fetch": ("fetch",),
    "ack": ("ack",),
    "poll": ("inbox_count", "inbox"),
    "relay": ("relay",),
}
"""Simulator operation -> the axis's `operation` labels that make it up."""
OPERATIONS = ("send", "relay", "poll", "fetch", "ack", "status")
KEEP_UP = 0.9
"""A window keeps up when it delivers at least this share of what was offered in it."""


@dataclass
class Window:
    """One step (or the whole sending phase of an unstepped run)."""

    index: int
    multiplier: float
    start: float
    end: float
    sent_per_s: float
    offered_deliveries_per_s: float
    delivered_per_s: float
    requests_per_s: float
    axis_cpu: float | None
    axis_cpu_wait: float | None
    generator_cpu: float | None
    ops: dict[str, dict[str, float]]
    work: float = 0.0

    @property
    def keeps_up(self) -> bool:
        return self.delivered_per_s >= KEEP_UP * self.offered_deliveries_per_s


@dataclass
class Calibration:
    """What `lienthong calibrate` derives from one run; `axis` is the scenario section."""

    run: str
    scenario: str
    created: str
    lienthong_version: str
    costs_ms: dict[str, float]
    """Measured cost per simulator operation (mean server time at light load), in ms."""
    cost_source: dict[str, str]
    effective_parallelism: float | None
    knee_reached: bool
    knee: dict[str, Any]
    cpu_baseline_cores: float
    cpu_per_request_ms: float
    deliveries_per_document: float
    nominal_send_rate: float
    axis: dict[str, Any]
    windows: list[dict[str, Any]] = field(default_factory=list)
    cpu_pinning: dict[str, list[int]] | None = None
    generator_note: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise UserError(f"{path}: cannot read: {error}") from None


def windows_of(run: Path) -> tuple[list[Window], dict[str, Any]]:
    """The run's windows (one per step) and its raw account."""
    from loadtest.probe import read_probe, window

    raw_path = run / "locust-raw.json"
    if not raw_path.is_file():
        raise UserError(f"{run}: no locust-raw.json (not a finished load test)")
    raw = _read_json(raw_path)
    samples = read_probe(run)
    if not samples:
        raise UserError(f"{run}: no probe.json (a load test made before the probe was "
                        "added, or against a target without /metrics): run it again")
    settings = raw["settings"]
    load_s = float(settings["load_s"])
    shape = settings.get("shape_config") or {"kind": settings.get("shape", "")}
    start = float(raw["start"])
    if shape.get("kind") == "step":
        every = float(shape["every_s"])
        count = max(1, math.floor(load_s / every + 1e-9))
        edges = [(i, start + i * every, start + min((i + 1) * every, load_s))
                 for i in range(count)]
        settle = min(2.0, every / 4)
    else:
        every, edges, settle = load_s, [(0, start, start + load_s)], min(2.0, load_s / 4)
    rec = raw["reconciliation"]
    documents = sum(rec["documents"].values()) - rec["documents"].get("status", 0)
    per_doc = rec["deliveries"]["edoc"] / documents if documents else 1.0
    timeline = raw["timeline"]
    base = int(start)
    result = []
    for index, begin, end in edges:
        probe = window(samples, begin + settle, end)
        if probe is None:
            continue
        rows = [r for r in timeline if begin + settle <= base + r["second"] < end]
        span = max(len(rows), 1)
        sent = sum(r["sent_per_s"] for r in rows) / span
        delivered = sum(r["delivered_per_s"] for r in rows) / span
        multiplier = 1.0 + index * float(shape.get("increase", 0.0))
        ops = {op: v for op, v in probe["ops"].items() if op != "metrics"}
        result.append(Window(index, multiplier, begin + settle, end, sent, sent * per_doc,
                             delivered, sum(v["rate_per_s"] for v in ops.values()),
                             probe["axis_cpu"], probe.get("axis_cpu_wait"),
                             probe["generator_cpu"], ops))
    if not result:
        raise UserError(f"{run}/probe.json: no samples inside the sending phase")
    return result, raw


def _label_costs(windows: list[Window]) -> dict[str, tuple[float, int]]:
    """(mean server time, window index) per axis label, from the lightest window that has it."""
    costs: dict[str, tuple[float, int]] = {}
    for w in sorted(windows, key=lambda w: w.requests_per_s):
        for label, figures in w.ops.items():
            if label not in costs and figures["rate_per_s"] > 0:
                costs[label] = (figures["mean_s"], w.index)
    return costs


def _costs(windows: list[Window], labels: dict[str, tuple[float, int]]
           ) -> tuple[dict[str, float], dict[str, str]]:
    """Cost per simulator operation (seconds); an operation of several labels weights them by
    their rates in the lightest window that has the first of them."""
    costs, source = {}, {}
    for operation, names in LABELS.items():
        present = [name for name in names if name in labels]
        if not present:
            continue
        home = next(w for w in windows if w.index == labels[present[0]][1])
        rates = {name: home.ops.get(name, {}).get("rate_per_s", 0.0) for name in present}
        total = sum(rates.values())
        if total <= 0:
            rates, total = {present[0]: 1.0}, 1.0
        costs[operation] = sum(rates[name] * labels[name][0] for name in present) / total
        source[operation] = (f"mean server time of {'+'.join(present)} in the lightest window "
                             f"(step {home.index})")
    for needed in ("send", "fetch", "ack", "poll"):
        if needed not in costs:
            raise UserError(f"no axis_request_seconds for {'/'.join(LABELS[needed])} in the "
                            "probe: was anything sent and fetched?")
    if "status" not in costs:
        costs["status"], source["status"] = costs["send"], "no status sent: the send cost"
    if "relay" not in costs:
        costs["relay"] = costs["send"]
        source["relay"] = ("assumption: a relay is stored and forwarded like a send (the "
                           "reference axis does not relay)")
    return costs, source


def _work(w: Window, labels: dict[str, tuple[float, int]]) -> float:
    """Requests in service at light-load service times (Little's law), in the window."""
    names = {name for group in LABELS.values() for name in group}
    return sum(figures["rate_per_s"] * labels[name][0] for name, figures in w.ops.items()
               if name in names and name in labels)


def _cpu_line(windows: list[Window]) -> tuple[float, float]:
    """(baseline cores, cores per request/s) of the axis's CPU over the windows."""
    points = [(w.requests_per_s, w.axis_cpu) for w in windows
              if w.axis_cpu is not None and w.keeps_up]
    if not points:
        points = [(w.requests_per_s, w.axis_cpu) for w in windows if w.axis_cpu is not None]
    if not points:
        return 0.0, 0.0
    xs, ys = [x for x, _ in points], [y for _, y in points]
    if len(points) < 2 or max(xs) - min(xs) < 1e-9:
        return 0.0, statistics.fmean(ys) / statistics.fmean(xs) if statistics.fmean(xs) else 0.0
    slope = max(statistics.covariance(xs, ys) / statistics.variance(xs), 0.0)
    return max(statistics.fmean(ys) - slope * statistics.fmean(xs), 0.0), slope


def calibrate(run: Path, workers: int | None = None) -> Calibration:
    """Costs, effective parallelism and the `[axis]` section from one load-test run."""
    import datetime as dt

    from lienthong import __version__
    from lienthong.results import LoadtestSummary, read_summary

    run = Path(run)
    summary = read_summary(run)
    if not isinstance(summary, LoadtestSummary):
        raise UserError(f"{run}: a {summary.kind} run; calibrate needs a load test (it "
                        "measures a real axis)")
    windows, raw = windows_of(run)
    labels = _label_costs(windows)
    costs, source = _costs(windows, labels)
    for w in windows:
        w.work = _work(w, labels)
    knee_window = max(windows, key=lambda w: w.delivered_per_s)
    reached = not windows[-1].keeps_up and len(windows) > 1
    parallelism = knee_window.work if reached else None
    if parallelism is not None:
        slots = max(1, round(parallelism))
        scale = slots / parallelism
    else:
        slots, scale = workers or 1, 1.0
    if workers is not None and parallelism is not None and workers != slots:
        scale, slots = workers / parallelism, workers
    axis: dict[str, Any] = {"workers": slots}
    for operation in OPERATIONS:
        axis[operation] = {"fixed_ms": costs[operation] * scale * 1000.0, "per_kb_ms": 0.0}
    baseline, per_request = _cpu_line(windows)
    pinning = summary.cpu_pinning
    generator = knee_window.generator_cpu
    allotted = len(pinning["generator"]) if pinning else None
    note = ""
    if generator is not None and allotted and generator > 0.85 * allotted:
        note = (f"the generator used {generator:.2f} of its {allotted} core(s) at the knee: "
                "it may be the bottleneck")
    elif summary.late_send_fraction > 0.01:
        note = (f"{summary.late_send_fraction:.1%} of sends left late: the generator fell "
                "behind")
    rec = raw["reconciliation"]
    documents = rec["documents"].get("edoc", 0)
    per_document = rec["deliveries"]["edoc"] / documents if documents else 1.0
    return Calibration(
        run=str(run), scenario=summary.scenario,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        lienthong_version=__version__,
        costs_ms={op: costs[op] * 1000.0 for op in OPERATIONS}, cost_source=source,
        effective_parallelism=parallelism, knee_reached=reached,
        knee={"step": knee_window.index, "multiplier": knee_window.multiplier,
              "documents_per_s": knee_window.delivered_per_s / per_document,
              "sent_per_s": knee_window.sent_per_s,
              "deliveries_per_s": knee_window.delivered_per_s,
              "axis_cpu": knee_window.axis_cpu, "axis_cpu_wait": knee_window.axis_cpu_wait,
              "generator_cpu": knee_window.generator_cpu,
              "work": knee_window.work},
        cpu_baseline_cores=baseline, cpu_per_request_ms=per_request * 1000.0,
        deliveries_per_document=per_document,
        nominal_send_rate=float(raw["settings"].get("nominal_send_rate") or 0.0),
        axis=axis, windows=[{**asdict(w), "keeps_up": w.keeps_up} for w in windows],
        cpu_pinning=pinning, generator_note=note)


def predicted_cpu(calibration: Calibration | dict[str, Any], requests_per_s: float) -> float:
    """The axis's CPU (cores) at a request rate, by the calibrated line."""
    data = calibration.to_json() if isinstance(calibration, Calibration) else calibration
    return data["cpu_baseline_cores"] + data["cpu_per_request_ms"] / 1000.0 * requests_per_s


def describe(c: Calibration) -> str:
    """A few lines for the terminal."""
    lines = [f"{c.run}: {len(c.windows)} window(s)"]
    for w in c.windows:
        cpu = "-" if w["axis_cpu"] is None else f"{w['axis_cpu']:.2f}"
        gen = "-" if w["generator_cpu"] is None else f"{w['generator_cpu']:.2f}"
        wait = "" if w["axis_cpu_wait"] is None else f" (waiting {w['axis_cpu_wait']:.2f})"
        lines.append(f"  step {w['index']:>2} x{w['multiplier']:<5g} sent {w['sent_per_s']:7.1f}"
                     f"/s delivered {w['delivered_per_s']:7.1f}/s of "
                     f"{w['offered_deliveries_per_s']:7.1f} requests {w['requests_per_s']:7.1f}/s"
                     f" in service {w['work']:5.2f} CPU axis {cpu}{wait} generator {gen}")
    lines.append("  costs (ms): " + ", ".join(f"{op} {c.costs_ms[op]:.3f}" for op in OPERATIONS))
    if c.knee_reached:
        lines.append(f"  knee at step {c.knee['step']}: {c.knee['deliveries_per_s']:.1f} "
                     f"deliveries/s ({c.knee['documents_per_s']:.1f} documents/s); effective "
                     f"parallelism {c.effective_parallelism:.2f} -> workers "
                     f"{c.axis['workers']}")
    else:
        lines.append("  the load did not reach the knee (the last step kept up): effective "
                     "parallelism unknown, costs as measured")
    lines.append(f"  axis CPU = {c.cpu_baseline_cores:.3f} cores + "
                 f"{c.cpu_per_request_ms:.4f} ms x requests/s")
    if c.generator_note:
        lines.append(f"  warning: {c.generator_note}")
    wait = c.knee.get("axis_cpu_wait")
    if wait is not None and c.knee["axis_cpu"] is not None and wait > c.knee["axis_cpu"]:
        lines.append(f"  warning: at the knee the axis waited for a CPU ({wait:.2f}) more than "
                     f"it ran ({c.knee['axis_cpu']:.2f}): other work on this machine shaped it")
    return "\n".join(lines)


def to_toml(c: Calibration, command: str = "", machine: str = "") -> str:
    """The `[axis]` section with its provenance as comments."""
    lines = ["# Axis capacity measured by `lienthong calibrate` (method: lienthong/calibrate.py,",
             "# docs/simulation.md)."]
    if command:
        lines.append(f"# command: {command}")
    lines.append(f"# date: {c.created}; lienthong {c.lienthong_version}; run {c.run}")
    if machine:
        lines.append(f"# machine: {machine}")
    if c.cpu_pinning:
        lines.append(f"# cores: axis {c.cpu_pinning['axis']}, generator "
                     f"{c.cpu_pinning['generator']}")
    if c.knee_reached:
        lines.append(f"# knee: {c.knee['deliveries_per_s']:.1f} deliveries/s "
                     f"({c.knee['documents_per_s']:.1f} documents/s); effective parallelism "
                     f"{c.effective_parallelism:.2f}; costs x {c.axis['workers']}/"
                     f"{c.effective_parallelism:.2f} for {c.axis['workers']} worker(s)")
    else:
        lines.append("# knee not reached: costs as measured, workers as given")
    lines.append("# measured costs (ms): " + ", ".join(f"{op} {c.costs_ms[op]:.3f}"
                                                       for op in OPERATIONS))
    lines += ["", "[axis]", f"workers = {c.axis['workers']}"]
    for operation in OPERATIONS:
        cost = c.axis[operation]
        lines += ["", f"[axis.{operation}]", f"fixed_ms = {cost['fixed_ms']:.4f}",
                  f"per_kb_ms = {cost['per_kb_ms']:.4f}"]
    return "\n".join(lines) + "\n"


def overrides(c: Calibration | dict[str, Any]) -> list[str]:
    """The `[axis]` section as `--set` overrides, for `lienthong simulate`."""
    axis = c.axis if isinstance(c, Calibration) else c["axis"]
    items = [f"axis.workers={axis['workers']}"]
    for operation in OPERATIONS:
        for key in ("fixed_ms", "per_kb_ms"):
            items.append(f"axis.{operation}.{key}={axis[operation][key]:.6f}")
    return items
