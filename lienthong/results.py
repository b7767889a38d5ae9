"""The result layout shared by `simulate` and `loadtest`, so `compare` can mix them.

A run directory holds:

- `summary.json`: headline figures. Common keys (both kinds of run):
  `kind` ("simulation" or "loadtest"), `scenario`, `scenario_sha256`, `seed`, `created`,
  `versions` {package: version}, `documents`, `deliveries`, `delivered`, `lost`, `in_flight`,
  `requests_per_s`, `throughput_per_s` {`mean`, `peak`} (deliveries fetched per second),
  `latency_s` {`p50`, `p90`, `p99`, `max`, `mean`, `mean_ci95`} (end-to-end: intended send ->
  fetched by the recipient), `ack_latency_s` (same keys, send -> acknowledged),
  `sla_met_fraction`, `wall_time_s`. Each kind adds its own keys (the simulator `axes`,
  `events`, `replications`, `simulated_days`; the load test `duplicates`, `intended_send_rate`,
  `achieved_send_rate`, `late_sends`).
- `timeseries.csv`: columns `time_s` (scenario time at the start of the bin), `bin_s`,
  `sent_per_s` (documents), `delivered_per_s` (deliveries fetched), `requests_per_s`,
  `backlog` (deliveries accepted and not yet fetched, at the end of the bin).
- `latency_cdf.csv`: columns `latency_s`, `fraction` - the empirical CDF of end-to-end latency
  at fixed quantiles (see `CDF_QUANTILES`), optionally more files `latency_cdf_<label>.csv`
  per pair of levels (`1-4`: central to commune).
- PNG plots named after what they show.

Everything here is plain data in, files out; no simulation or load-test logic.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from lienthong.errors import UserError

CDF_QUANTILES = np.concatenate([np.linspace(0.0, 0.99, 100), np.linspace(0.991, 1.0, 10)])
TIMESERIES_COLUMNS = ("time_s", "bin_s", "sent_per_s", "delivered_per_s", "requests_per_s",
                      "backlog")
TOOLS = ("lienthong", "simpy", "locust", "networkx", "numpy", "vietnamadminunits")


def tool_versions() -> dict[str, str]:
    versions = {}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


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


def latency_summary(samples: Sequence[float] | np.ndarray,
                    replication_means: Sequence[float] = ()) -> dict[str, float | None]:
    """p50/p90/p99/max/mean of samples, and a 95% CI half-width of the mean across
    replications (Student t) when there are two or more."""
    values = np.asarray(samples, dtype=float)
    if values.size == 0:
        return {"p50": None, "p90": None, "p99": None, "max": None, "mean": None,
                "mean_ci95": None}
    p50, p90, p99 = np.percentile(values, [50, 90, 99])
    return {"p50": float(p50), "p90": float(p90), "p99": float(p99), "max": float(values.max()),
            "mean": float(values.mean()), "mean_ci95": ci95_half_width(replication_means)}


_T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
          9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 25: 2.060, 30: 2.042, 40: 2.021,
          60: 2.000, 120: 1.980}


def t_quantile_975(dof: int) -> float:
    """Two-sided 95% Student t quantile (table, conservative between entries)."""
    if dof <= 0:
        return math.nan
    for key in sorted(_T_975):
        if dof <= key:
            return _T_975[key]
    return 1.960


def ci95_half_width(values: Sequence[float]) -> float | None:
    data = np.asarray(values, dtype=float)
    if data.size < 2:
        return None
    return float(t_quantile_975(data.size - 1) * data.std(ddof=1) / math.sqrt(data.size))


def cdf_points(samples: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(samples, dtype=float)
    if values.size == 0:
        return np.array([]), np.array([])
    return np.quantile(values, CDF_QUANTILES), CDF_QUANTILES.copy()


def write_summary(path: Path, summary: Mapping[str, Any]) -> None:
    (path / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False,
                                                  default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_timeseries(path: Path, rows: Iterable[Mapping[str, float]]) -> None:
    with (path / "timeseries.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TIMESERIES_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: row.get(key, "") for key in TIMESERIES_COLUMNS})


def write_cdf(path: Path, samples: Sequence[float] | np.ndarray, label: str = "") -> None:
    name = f"latency_cdf_{label}.csv" if label else "latency_cdf.csv"
    latencies, fractions = cdf_points(samples)
    with (path / name).open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["latency_s", "fraction"])
        for latency, fraction in zip(latencies, fractions, strict=True):
            writer.writerow([f"{latency:.6f}", f"{fraction:.4f}"])


def read_summary(path: Path) -> dict[str, Any]:
    """A run directory's summary.json, a JSON object, or a one-line UserError."""
    summary_file = path / "summary.json"
    if not summary_file.is_file():
        raise UserError(f"{path}: not a run directory (no summary.json)")
    try:
        summary = json.loads(summary_file.read_text())
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise UserError(f"{summary_file}: not valid JSON: {error}") from None
    if not isinstance(summary, dict):
        raise UserError(f"{summary_file}: expected a JSON object, found {type(summary).__name__}")
    return summary


def read_run(path: Path) -> dict[str, Any]:
    """Load a run directory for `compare`: its summary, time series and CDFs."""
    summary = read_summary(path)
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
    return {"path": path, "summary": summary, "timeseries": series, "cdfs": cdfs}
