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
- **Knee.** A window *keeps up* when the backlog (deliveries accepted and not yet fetched, from
  the load test's ledger) grows by no more than `BACKLOG_SLACK` of the offered deliveries per
  second across it (a Theil-Sen slope over its seconds, robust to the axis's brief stalls), or
  ends no higher than the deliveries that normally wait for their recipients' polls (at the
  start of a run the backlog fills up to that level: not a queue).
  The knee is the last window
  that kept up before the first that did not; the first that did not brackets it from above.
  Windows past the knee say little about capacity: an overloaded step delivers backlog from
  earlier steps (more than it could sustain) or collapses as clients' requests pile up (less),
  which is why the window that delivered most is *not* the knee. Steps must be long enough for
  a backlog to show (`lienthong validate` uses 30 s) and fine near the knee.
- **Capacity**: the deliveries per second of the knee window, over the deliveries per document:
  documents per second the axis was shown to carry (a lower bound within one step).
- **Effective parallelism** P: in each window, `work = sum(rate x cost)` is the number of
  requests in service by Little's law at light-load service times. P is the work of the knee
  window: the simulator gets `workers = round(P)` and every cost multiplied by `workers / P`,
  so that its capacity is the measured one. When the load never reached the knee (the last
  window still kept up), P is unknown: the costs are left as measured and `workers` as given.
- **CPU**: the axis's CPU (cores) against its request rate across the windows that kept up (a
  window past the knee spends CPU on requests that pile up, and batches its commits more), a
  least-squares line `cpu = baseline + per_request x requests/s`, with which the simulator's
  predicted request rate becomes a predicted CPU (`lienthong validate`).
- **Commits** (when the axis reports them): per window, group commits per second, their mean
  time and the writes each carried; at light load a commit carries about one write, near the
  knee many: the commit's fixed time is shared.
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
WRITES = ("send", "send_status", "ack", "relay")
"""The axis's labels of requests answered only after a group commit."""
BACKLOG_SLACK = 0.05
"""A window keeps up when its backlog grows by at most this share of the offered deliveries
per second (or `BACKLOG_FLOOR` per second, for light windows where a few deliveries in flight
are noise). The backlog, counted by the ledger, is the direct measure; the ratio of delivered
to offered is not, as the offered deliveries are sends x the run's mean recipients."""
BACKLOG_FLOOR = 2.0
PIPELINE_FLOOR = 10.0
"""A window falls behind only if, besides, its backlog ends above the deliveries that normally
wait for their recipients' polls (2 x offered/s x the poll interval, plus this many): at the
start of a run the backlog fills up to that level, which is not a queue."""


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
    backlog_growth_per_s: float = 0.0
    """Theil-Sen slope of the backlog across the window (deliveries per second)."""
    backlog_end: float = 0.0
    """Median backlog over the window's last quarter."""
    poll_interval_s: float = 0.0
    commits: dict[str, float] | None = None
    late_fraction: float | None = None
    """Share of the window's sends that left late (None for runs made before it was counted)."""
    work: float = 0.0

    @property
    def keeps_up(self) -> bool:
        allowed = max(BACKLOG_SLACK * self.offered_deliveries_per_s, BACKLOG_FLOOR)
        pipeline = 2.0 * self.offered_deliveries_per_s * self.poll_interval_s + PIPELINE_FLOOR
        return self.backlog_growth_per_s <= allowed or self.backlog_end <= pipeline


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
    """The last window that kept up before the first that did not (`above`: that one)."""
    cpu_baseline_cores: float
    cpu_per_request_ms: float
    deliveries_per_document: float
    nominal_send_rate: float
    axis: dict[str, Any]
    windows: list[dict[str, Any]] = field(default_factory=list)
    cpu_pinning: dict[str, list[int]] | None = None
    generator_note: str = ""
    signed: bool = False
    """Every package was signed with the run's throw-away CA (`signing-ca.pem` in the run), which
    the bundled axis trusted (`--trust-ca`), so it verified every signature it received."""

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
    poll = float(settings.get("poll_interval_s") or 0.0) if settings.get("mode") == "poll" \
        else 0.0
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
        backlog = [(float(r["second"]), float(r.get("backlog", 0))) for r in rows]
        growth = robust_slope(backlog)
        end_backlog = statistics.median(
            [b for _, b in backlog[-max(1, len(backlog) // 4):]]) if backlog else 0.0
        late = None
        if rows and "late_per_s" in rows[0]:
            late = sum(r["late_per_s"] for r in rows) / max(sum(r["sent_per_s"] for r in rows), 1)
        result.append(Window(index, multiplier, begin + settle, end, sent, sent * per_doc,
                             delivered, sum(v["rate_per_s"] for v in ops.values()),
                             probe["axis_cpu"], probe.get("axis_cpu_wait"),
                             probe["generator_cpu"], ops, growth, end_backlog, poll,
                             probe.get("commits"), late_fraction=late))
    if not result:
        raise UserError(f"{run}/probe.json: no samples inside the sending phase")
    return result, raw


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 with fewer than two distinct x)."""
    if len(points) < 2:
        return 0.0
    xs, ys = [x for x, _ in points], [y for _, y in points]
    if max(xs) - min(xs) < 1e-9:
        return 0.0
    return statistics.covariance(xs, ys) / statistics.variance(xs)


def robust_slope(points: list[tuple[float, float]]) -> float:
    """Theil-Sen slope: the median of the slopes between every two points. The reference axis
    stalls for a second now and then (a WAL checkpoint, a collection) and its backlog jumps and
    falls back; a least-squares slope follows a jump at a window's edge, the median does not."""
    slopes = [(y2 - y1) / (x2 - x1) for i, (x1, y1) in enumerate(points)
              for x2, y2 in points[i + 1:] if x2 != x1]
    return statistics.median(slopes) if slopes else 0.0


def knee_of(windows: list[Window]) -> tuple[Window, Window | None]:
    """(the knee: the last window that kept up before the first that did not, that first one or
    None when every window kept up). Refuses a run whose first window already fell behind."""
    above = next((w for w in windows if not w.keeps_up), None)
    kept = [w for w in windows if w.keeps_up and (above is None or w.index < above.index)]
    if not kept:
        raise UserError("the first step of the load test already fell behind (its backlog grew):"
                        " the knee is below it; start lower (a smaller demand.scale)")
    return kept[-1], above


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


def _commit_line(windows: list[Window]) -> tuple[float, float] | None:
    """(fixed seconds, seconds per write) of a group commit: a least-squares line of the mean
    commit time against the mean writes per commit across the windows that kept up (None when
    the axis reports no commits)."""
    points = [(w.commits["mean_batch"], w.commits["mean_s"]) for w in windows
              if w.commits and w.keeps_up]
    if not points:
        return None
    per_write = max(_slope(points), 0.0)
    mean_batch = statistics.fmean(x for x, _ in points)
    fixed = statistics.fmean(y for _, y in points) - per_write * mean_batch
    if fixed < 0.0:  # the line would say a commit costs nothing: keep it through the origin
        per_write = sum(x * y for x, y in points) / sum(x * x for x, _ in points)
        fixed = 0.0
    return fixed, per_write


def _worker_part(labels: dict[str, tuple[float, int]], windows: list[Window]
                 ) -> dict[str, tuple[float, int]]:
    """Each write label's server time less the commit it waited for in its light window (the
    rest is what its worker spends: parsing, checking the signature, the statements)."""
    by_index = {w.index: w for w in windows}
    result = dict(labels)
    for name in WRITES:
        if name in labels:
            mean, index = labels[name]
            commits = by_index[index].commits
            if commits:
                result[name] = (max(mean - commits["mean_s"], 0.0), index)
    return result


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


def calibrate(run: Path, workers: int | None = None, commit_stage: bool = True
              ) -> Calibration:
    """Costs, effective parallelism and the `[axis]` section from one load-test run; with
    `commit_stage` (and commits in the probe) the group commit is a stage of its own and the
    writes' costs are their workers' part."""
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
    commit = _commit_line(windows) if commit_stage else None
    if commit is not None:
        labels = _worker_part(labels, windows)
    costs, source = _costs(windows, labels)
    if commit is not None:
        for operation in ("send", "status", "ack"):
            source[operation] += ", less the mean commit time there"
    for w in windows:
        w.work = _work(w, labels)
    knee_window, above = knee_of(windows)
    reached = above is not None
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
    if commit is not None:
        axis["commit"] = {"fixed_ms": commit[0] * 1000.0, "per_write_ms": commit[1] * 1000.0}
    baseline, per_request = _cpu_line(windows)
    pinning = summary.cpu_pinning
    generator = knee_window.generator_cpu
    allotted = len(pinning["generator"]) if pinning else None
    note = ""
    if generator is not None and allotted and generator > 0.85 * allotted:
        note = (f"the generator used {generator:.2f} of its {allotted} core(s) at the knee: "
                "it may be the bottleneck")
    elif knee_window.late_fraction is not None:
        if knee_window.late_fraction > 0.01:
            note = (f"{knee_window.late_fraction:.1%} of the knee step's sends left late: the "
                    "generator fell behind")
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
              "work": knee_window.work, "commits": knee_window.commits,
              "above": None if above is None else {
                  "step": above.index, "multiplier": above.multiplier,
                  "deliveries_per_s": above.delivered_per_s,
                  "offered_deliveries_per_s": above.offered_deliveries_per_s,
                  "backlog_growth_per_s": above.backlog_growth_per_s}},
        cpu_baseline_cores=baseline, cpu_per_request_ms=per_request * 1000.0,
        deliveries_per_document=per_document,
        nominal_send_rate=float(raw["settings"].get("nominal_send_rate") or 0.0),
        axis=axis, windows=[{**asdict(w), "keeps_up": w.keeps_up} for w in windows],
        cpu_pinning=pinning, generator_note=note,
        signed=summary.bundled_axis and (run / "signing-ca.pem").is_file())


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
                     f" backlog {w['backlog_growth_per_s']:+6.1f}/s in service {w['work']:5.2f}"
                     f" CPU axis {cpu}{wait} generator {gen}{_late(w['late_fraction'])}"
                     f"{'' if w['keeps_up'] else '  FELL BEHIND'}")
    lines.append("  costs (ms): " + ", ".join(f"{op} {c.costs_ms[op]:.3f}" for op in OPERATIONS))
    lines.append("  packages signed with the run's throw-away CA, verified by the axis (--trust-ca)"
                 if c.signed else "  packages not signed (or not verified by the axis)")
    commit = c.axis.get("commit")
    if commit:
        lines.append(f"  group commit: {commit['fixed_ms']:.3f} ms + {commit['per_write_ms']:.4f}"
                     " ms per write (a stage of its own; the writes' costs above are their "
                     "workers' part)")
    if c.knee_reached:
        above = c.knee["above"]
        lines.append(f"  knee at step {c.knee['step']} (the last that kept up; step "
                     f"{above['step']} fell behind, delivering {above['deliveries_per_s']:.1f}/s "
                     f"of {above['offered_deliveries_per_s']:.1f}): "
                     f"{c.knee['deliveries_per_s']:.1f} deliveries/s "
                     f"({c.knee['documents_per_s']:.1f} documents/s); effective "
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


def _late(fraction: float | None) -> str:
    return "" if fraction is None else f" late {fraction:.1%}"


def to_toml(c: Calibration, command: str = "", machine: str = "") -> str:
    """The `[axis]` section with its provenance as comments."""
    lines = ["# Axis capacity measured by `lienthong calibrate` (method: lienthong/calibrate.py,",
             "# docs/simulation.md)."]
    if command:
        lines.append(f"# command: {command}")
    lines.append(f"# date: {c.created}; lienthong {c.lienthong_version}; run {c.run}")
    if machine:
        lines.append(f"# machine: {machine}")
    lines.append("# signatures: every package signed, verified by the axis (--trust-ca)"
                 if c.signed else "# signatures: none verified")
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
    commit = c.axis.get("commit")
    if commit:
        lines += ["", "[axis.commit]", f"fixed_ms = {commit['fixed_ms']:.4f}",
                  f"per_write_ms = {commit['per_write_ms']:.4f}"]
    return "\n".join(lines) + "\n"


def overrides(c: Calibration | dict[str, Any]) -> list[str]:
    """The `[axis]` section as `--set` overrides, for `lienthong simulate`."""
    axis = c.axis if isinstance(c, Calibration) else c["axis"]
    items = [f"axis.workers={axis['workers']}"]
    for operation in OPERATIONS:
        for key in ("fixed_ms", "per_kb_ms"):
            items.append(f"axis.{operation}.{key}={axis[operation][key]:.6f}")
    if axis.get("commit"):
        items += [f"axis.commit.{key}={axis['commit'][key]:.6f}"
                  for key in ("fixed_ms", "per_write_ms")]
    return items
