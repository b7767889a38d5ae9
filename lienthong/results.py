"""The result contract shared by `simulate`, `loadtest` and `sweep`, so `compare` and `report`
can mix their runs: typed summaries, and the one place run directories are written and read.

A run directory holds:

- `summary.json`: one of the typed summaries below (`SimulationSummary`, `LoadtestSummary`,
  `SweepSummary`), told apart by `kind`. Every run has its provenance (`kind`, `scenario`,
  `scenario_sha256`, `seed`, `created`, `versions` {package: version}, `wall_time_s`), and
  simulations and load tests share the measured `Figures`: `documents`, `deliveries`,
  `delivered`, `lost`, `in_flight`, `requests_per_s`, `throughput_per_s` {`mean`, `peak`}
  (deliveries fetched per second), `latency_s` {`p50`, `p90`, `p99`, `max`, `mean`,
  `mean_ci95`, ...} (end-to-end: intended send -> fetched by the recipient), `ack_latency_s`
  (same keys, send -> acknowledged), `sla_met_fraction`. Each kind adds its own keys (the
  simulator `axes`, `events`, `replications`, `simulated_days`; the load test `duplicates`,
  `intended_send_rate`, `achieved_send_rate`, `late_sends`; a sweep its `points`).
- `timeseries.csv`: columns `time_s` (scenario time at the start of the bin), `bin_s`,
  `sent_per_s` (documents), `delivered_per_s` (deliveries fetched), `requests_per_s`,
  `backlog` (deliveries accepted and not yet fetched, at the end of the bin).
- `latency_cdf.csv`: columns `latency_s`, `fraction` - the empirical CDF of end-to-end latency
  at fixed quantiles (see `CDF_QUANTILES`), optionally more files `latency_cdf_<label>.csv`
  per pair of levels (`1-4`: central to commune).
- PNG plots named after what they show.

The summaries are strict: a key the contract does not know, or one it needs and does not find,
is one clear line naming the file and the key (`read_summary`), so a run written by another
version is refused rather than misread. Everything here is plain data in, files out; no
simulation or load-test logic.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from lienthong.errors import UserError
from topology.scenario_file import format_validation_error

CDF_QUANTILES = np.concatenate([np.linspace(0.0, 0.99, 100), np.linspace(0.991, 1.0, 10)])
TIMESERIES_COLUMNS = ("time_s", "bin_s", "sent_per_s", "delivered_per_s", "requests_per_s",
                      "backlog")
TOOLS = ("lienthong", "simpy", "locust", "networkx", "numpy", "vietnamadminunits")


# -- the typed summaries -------------------------------------------------------------------------

class Strict(BaseModel):
    """Unknown keys are errors: the contract is the list of fields, not a suggestion."""

    model_config = ConfigDict(extra="forbid")


class Latency(Strict):
    """Percentiles of a latency in seconds (None when nothing was measured)."""

    p50: float | None
    p90: float | None
    p99: float | None
    max: float | None
    mean: float | None = None
    mean_ci95: float | None = None
    p999: float | None = None
    count: int | None = None


class Throughput(Strict):
    """Deliveries fetched per second: mean over the measurement window and the busiest bin."""

    mean: float
    peak: float


class Provenance(Strict):
    """Where a run came from: enough to run it again and to tell two runs apart."""

    kind: str
    scenario: str
    scenario_sha256: str
    seed: int
    created: str
    versions: dict[str, str]
    wall_time_s: float


class Figures(Strict):
    """What simulations and load tests both measure, under the same names."""

    documents: float
    deliveries: float
    delivered: float
    lost: int
    in_flight: float
    requests_per_s: float
    throughput_per_s: Throughput
    latency_s: Latency
    ack_latency_s: Latency
    sla_met_fraction: float | None


class AxisFigures(Strict):
    workers: int
    utilization: float
    """Busy share of the workers over the measurement window."""
    commit_utilization: float | None = None
    """Busy share of the group-commit stage (one commit at a time; 0 without [axis.commit];
    absent from results written before it was reported). Near 100% it is busy back to back but
    not yet saturated: its batches grow and share the commit's fixed part, until the writes'
    own part (per write x writes/s) reaches 1."""
    queue_mean: float
    wait_s: dict[str, float | None]
    arrival_rate_per_s: float
    poll_rate_per_s: float
    retries: float


class NationalCounts(Strict):
    documents: float
    deliveries: float


class DrainTime(Strict):
    count: int
    mean: float
    max: float


class ServiceSyncFigures(Strict):
    """The public service portal's sync messages, apart from documents (sim.sources.ServiceSync)."""

    sent: float
    delivered: float
    acknowledged: float
    latency_s: Latency
    sla_met_fraction: float | None


class SimulationFigures(Figures):
    """The simulator's figures (`sim.summary.summarize`), without provenance."""

    replications: int
    simulated_days: float
    horizon_s: float
    warmup_s: float
    scope: str
    delivery_mode: str
    counts_note: str
    day_profile_peak_to_mean: float | None = None
    """Peak over mean of the calendar's within-day sending rate (None: stationary traffic)."""
    acknowledged: float
    national_axis: NationalCounts
    status_packages: float
    poll_requests_per_s: float
    latency_by_level_pair_s: dict[str, Latency]
    latency_by_priority_s: dict[str, Latency]
    axes: dict[str, AxisFigures]
    outages_replication_1: dict[str, Any]
    outages_per_replication: float
    drain_time_s: dict[str, DrainTime]
    link_outages: dict[str, Any]
    link_retries: float
    drained_at_s: float
    polls_with_work: float
    events: int
    events_per_replication: float
    simulation_wall_s: float
    service_sync: ServiceSyncFigures | None = None
    """Only when the scenario has [service_sync]: its messages, not counted among documents."""


class SimulationSummary(Provenance, SimulationFigures):
    kind: Literal["simulation"] = "simulation"
    scenario_file: str
    overrides: list[str] = Field(default_factory=list)
    """The `--set` and `--outage` overrides the file was run with (`scenario_sha256` is of the
    scenario after them): what to add to the file to run it again."""


class Threshold(Strict):
    limit: float | None
    value: float | None
    ok: bool


class Federation(Strict):
    """The axes of a federated load test (national and provincial, `axis:NAME`), the peak
    backlog of each (pending deliveries plus relay queue) and how outages were played."""

    axes: dict[str, str]
    regions: list[str]
    backlog_max: dict[str, float]
    backlog_file: str
    outage_kinds: dict[str, str]
    """How each outage was played (kill, pause, cut), by its axis or link."""
    backlog_drain_s: dict[str, DrainTime]
    errors: list[str]
    relay_backoff_s: list[float] = []
    """The axes' relay back-off as run, real seconds (the last repeats)."""


class LoadtestSummary(Provenance, Figures):
    """A load test's figures in real seconds (`time_base` "real"), with the time scale it ran
    at, so `compare --scenario-time` can put it in scenario units."""

    kind: Literal["loadtest"] = "loadtest"
    duplicates: int
    unexpected: int
    foreign_deliveries: int = 0
    """Deliveries fetched that an earlier run (or someone else) sent: cleared, never counted."""
    demand_scale: float = 1.0
    """The load test's multiple of the scenario's demand (loadtest.demand_scale)."""
    status_latency_s: Latency
    statuses: dict[str, int]
    intended_send_rate: float
    scheduled_send_rate: float
    achieved_send_rate: float
    late_sends: int
    late_send_fraction: float
    failed_sends: int
    late_polls: int
    requests: int
    failures: int
    failure_ratio: float
    drained: bool
    lost_examples: list[Any]
    outbox: dict[str, Any] | None
    users: int
    agencies: dict[str, Any]
    processes: int
    time_scale: float
    time_base: Literal["real", "scenario"]
    load_s: float
    shape: str
    delivery_mode: str
    poll_interval_s: float
    target: str
    bundled_axis: bool
    axis_cpu: float | None = None
    """CPU of the bundled axis over the sending phase, in cores (None: a remote target)."""
    generator_cpu: float | None = None
    """CPU of the load generator (Locust, all processes) over the sending phase, in cores."""
    cpu_pinning: dict[str, list[int]] | None = None
    """Cores the axis and the generator were pinned to (`--pin-cpus`), or None."""
    thresholds: dict[str, Threshold]
    passed: bool
    federation: Federation | None = None
    """A federated run's axes, outages and drain (`lienthong.federation_run`)."""
    outages: dict[str, list[list[float]]] | None = None
    """Outage windows (down, up) per axis, in seconds from the start of sending, as the
    simulator's `outages_replication_1`."""
    drain_time_s: dict[str, DrainTime] | None = None
    """Per axis: outage end -> the last package its outage held back stored by it (the
    simulator's key)."""
    link_outages: dict[str, list[list[float]]] | None = None
    """Link outages (down, up) by the link's regional axis, as the simulator's `link_outages`,
    in seconds from the start of sending."""


class SweepPoint(Strict):
    """One value of the varied key: its headline figures, and the simulator's whole figures."""

    key: str
    value: str
    latency_p50_s: float | None
    latency_p99_s: float | None
    latency_mean_s: float | None
    latency_mean_ci95_s: float | None
    ack_latency_p99_s: float | None
    sla_met_fraction: float | None
    max_utilization: float
    busiest_axis: str
    national_wait_mean_s: float | None
    national_utilization: float | None = None
    """Busy share of the national axis's workers (None: no national axis)."""
    requests_per_s: float
    in_flight: float
    summary: SimulationFigures


SWEEP_HEADLINES = tuple(name for name in SweepPoint.model_fields
                        if name not in ("key", "value", "summary"))


class Saturation(Strict):
    """Where the national axis saturates along a sweep of a numeric key (lienthong sweep):
    the value at which its utilisation crosses `utilization_limit` (linear interpolation
    between the two points around the crossing), and the first value at which the SLA share
    falls below `sla_limit`. None where the values swept do not reach it."""

    utilization_limit: float
    crosses_at: float | None
    between: list[float] | None
    """The two values swept around the crossing."""
    sla_limit: float
    sla_lost_at: float | None
    highest_value: float
    utilization_at_highest: float


class SweepSummary(Provenance):
    kind: Literal["sweep"] = "sweep"
    key: str
    points: list[SweepPoint]
    national_saturation: Saturation | None = None
    """Only for a numeric key with a national axis."""


RunSummary = Annotated[SimulationSummary | LoadtestSummary | SweepSummary,
                       Field(discriminator="kind")]
_RUN_SUMMARY: TypeAdapter[Any] = TypeAdapter(RunSummary)


def provenance(kind: str, scenario: str, sha256: str, seed: int, wall_time_s: float
               ) -> dict[str, Any]:
    """The provenance keys of a run made now with the tools installed here."""
    return {"kind": kind, "scenario": scenario, "scenario_sha256": sha256, "seed": seed,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "versions": tool_versions(), "wall_time_s": wall_time_s}


def tool_versions() -> dict[str, str]:
    versions = {}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


# -- writing -------------------------------------------------------------------------------------

def default_run_dir(root: Path, scenario: str, kind: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / "runs" / f"{scenario}-{kind}-{stamp}"


def prepare_run_dir(path: Path) -> Path:
    """Create the directory; refuse one that already holds a run, never overwrite results."""
    if (path / "summary.json").exists():
        raise UserError(f"{path}: already holds a run (summary.json); choose another --out")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"{path}: cannot create run directory: {error.strerror}") from None
    return path


def write_summary(path: Path, summary: SimulationSummary | LoadtestSummary | SweepSummary
                  ) -> None:
    """summary.json of a run directory: the typed summary, keys in the contract's order."""
    data = summary.model_dump(mode="json")
    (path / "summary.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_timeseries(path: Path, rows: Iterable[Mapping[str, float]]) -> None:
    with (path / "timeseries.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TIMESERIES_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: row.get(key, "") for key in TIMESERIES_COLUMNS})


def cdf_points(samples: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An empirical CDF at `CDF_QUANTILES` from raw samples (a load test's latencies)."""
    values = np.asarray(samples, dtype=float)
    if values.size == 0:
        return np.array([]), np.array([])
    return np.quantile(values, CDF_QUANTILES), CDF_QUANTILES.copy()


def write_cdf(path: Path, latencies: Sequence[float] | np.ndarray,
              fractions: Sequence[float] | np.ndarray, label: str = "") -> None:
    """`latency_cdf.csv` (or `latency_cdf_<label>.csv`): latency in seconds at each fraction."""
    name = f"latency_cdf_{label}.csv" if label else "latency_cdf.csv"
    with (path / name).open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["latency_s", "fraction"])
        for latency, fraction in zip(latencies, fractions, strict=True):
            writer.writerow([f"{latency:.6f}", f"{fraction:.4f}"])


# -- reading -------------------------------------------------------------------------------------

def read_summary(path: Path) -> SimulationSummary | LoadtestSummary | SweepSummary:
    """A run directory's typed summary, or a one-line UserError naming the file and key."""
    summary_file = path / "summary.json"
    if not summary_file.is_file():
        raise UserError(f"{path}: not a run directory (no summary.json)")
    try:
        data = json.loads(summary_file.read_text())
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise UserError(f"{summary_file}: not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise UserError(f"{summary_file}: expected a JSON object, found {type(data).__name__}")
    kind = data.get("kind")
    if kind not in ("simulation", "loadtest", "sweep"):
        raise UserError(f"{summary_file}: kind {kind!r} is not a run lienthong writes "
                        "(expected simulation, loadtest or sweep)")
    try:
        return _RUN_SUMMARY.validate_python(data)
    except ValidationError as error:
        message = format_validation_error(str(summary_file), error)
        # pydantic puts the union's tag first in each location: drop it, the file says the kind
        raise UserError(message.replace(f"{summary_file}: {kind}.", f"{summary_file}: "))\
            from None


@dataclass(frozen=True)
class Run:
    """A simulation or load-test run directory as `compare` and `report` read it."""

    path: Path
    summary: SimulationSummary | LoadtestSummary
    timeseries: dict[str, list[float]] = field(default_factory=dict)
    cdfs: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.summary.kind

    def with_(self, **changes: Any) -> Run:
        return replace(self, **changes)


def read_run(path: Path) -> Run:
    """Load a run directory for `compare`: its summary, time series and CDFs."""
    summary = read_summary(path)
    if isinstance(summary, SweepSummary):
        raise UserError(f"{path}: a sweep; compare and report take simulation and load-test "
                        "runs (open its sweep.png, or simulate one point)")
    series: dict[str, list[float]] = {column: [] for column in TIMESERIES_COLUMNS}
    if (path / "timeseries.csv").is_file():
        with (path / "timeseries.csv").open() as handle:
            for row in csv.DictReader(handle):
                for column in TIMESERIES_COLUMNS:
                    raw = row.get(column, "")
                    series[column].append(float(raw) if raw not in ("", None) else math.nan)
    cdfs: dict[str, tuple[list[float], list[float]]] = {}
    for cdf_file in sorted(path.glob("latency_cdf*.csv")):
        label = cdf_file.stem.removeprefix("latency_cdf").lstrip("_") or "all"
        with cdf_file.open() as handle:
            rows = list(csv.DictReader(handle))
        cdfs[label] = ([float(r["latency_s"]) for r in rows], [float(r["fraction"]) for r in rows])
    return Run(path, summary, series, cdfs)
