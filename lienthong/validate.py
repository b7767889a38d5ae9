"""`lienthong validate`: the loop closed in one go - the simulator's predictions checked against
measurements of the reference axis, near saturation as well as at light load.

1. **Knee.** A load test steps the scenario's rate up (`[loadtest.shape] kind = "step"`) with
   the axis and the generator on their own cores; `lienthong.calibrate` derives each
   operation's cost, the axis's effective parallelism and its capacity (the throughput of the
   last step that kept up, in documents per second).
2. **Levels.** For each level (a fraction of that capacity) a constant-rate load test, and a
   simulation of the same scenario at the same rate with the calibrated `[axis]`.
3. **Table.** Measured and predicted throughput (deliveries fetched per second), utilisation
   (the axis's CPU in cores: measured by the probe; predicted from the simulated request rate
   by the calibrated CPU line), mean and 95th-percentile end-to-end latency, and the relative
   error of each; `validation.json` holds the rows.
4. **Without the commit stage.** When the calibration has a group-commit stage (the axis
   reported its commits), every level is simulated a second time with the same measurement
   calibrated without it (each write's whole server time on a worker, M/G/c), and that table is
   written beside (`validation-without-commit-stage.json`): what the stage changes, shown.

The load test drives one reference axis, so the scenario must put every agency it plays on one
axis (as `scenarios/validation/axis-loop.toml` does); a scenario whose simulation loads several
axes is refused. Nothing here is tuned to the goals: the levels are fixed before anything is
measured, and the error is what it is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lienthong.errors import UserError

FIELDS = ("throughput_per_s", "utilization", "latency_mean_s", "latency_p95_s")
PLAIN_FILE = "validation-without-commit-stage.json"
GOALS = {"throughput_per_s": 0.10, "utilization": 0.10, "latency_mean_s": 0.20}
"""Relative error allowed at every level up to 0.85 (Palladio/Descartes-style accuracy)."""


@dataclass
class Plan:
    """What `validate` runs; every duration is real seconds."""

    scenario: str
    out: Path
    levels: list[float] = field(default_factory=lambda: [0.3, 0.6, 0.85])
    step_s: float = 30.0
    steps: int = 16
    increase: float = 1.0
    level_s: float = 60.0
    overrides: list[str] = field(default_factory=list)
    replications: int | None = None
    knee_run: Path | None = None
    pin_cpus: bool = True


def p95(run: Path) -> float | None:
    """The 95th percentile of end-to-end latency from a run's `latency_cdf.csv`."""
    path = run / "latency_cdf.csv"
    if not path.is_file():
        return None
    with path.open() as handle:
        rows = [(float(r["fraction"]), float(r["latency_s"])) for r in csv.DictReader(handle)]
    if not rows:
        return None
    return min(rows, key=lambda row: abs(row[0] - 0.95))[1]


def relative_error(predicted: float | None, measured: float | None) -> float | None:
    if predicted is None or measured is None or measured == 0:
        return None
    return (predicted - measured) / measured


def measured_figures(run: Path) -> dict[str, float | None]:
    from lienthong.results import read_summary

    summary = read_summary(run)
    return {"throughput_per_s": summary.throughput_per_s.mean,
            "utilization": getattr(summary, "axis_cpu", None),
            "latency_mean_s": summary.latency_s.mean, "latency_p95_s": p95(run)}


def predicted_figures(run: Path, calibration: dict[str, Any]) -> dict[str, float | None]:
    from lienthong.calibrate import predicted_cpu
    from lienthong.results import read_summary

    summary = read_summary(run)
    loaded = {name: row for name, row in summary.axes.items() if row.arrival_rate_per_s > 0}
    if len(loaded) != 1:
        raise UserError(f"{run}: the simulation loads {len(loaded)} axes "
                        f"({', '.join(sorted(loaded)) or 'none'}); validate needs every agency "
                        "on one axis, as the load test drives one reference axis")
    (axis,) = loaded.values()
    return {"throughput_per_s": summary.throughput_per_s.mean,
            "utilization": predicted_cpu(calibration, axis.arrival_rate_per_s),
            "latency_mean_s": summary.latency_s.mean, "latency_p95_s": p95(run)}


def row(level: float, measured: dict[str, float | None], predicted: dict[str, float | None]
        ) -> dict[str, Any]:
    return {"level": level, "measured": measured, "predicted": predicted,
            "error": {key: relative_error(predicted[key], measured[key]) for key in FIELDS}}


def goals_met(rows: Sequence[dict[str, Any]], up_to: float = 0.85) -> dict[str, bool]:
    """Per level (as text), whether every goal held."""
    result = {}
    for r in rows:
        if r["level"] > up_to + 1e-9:
            continue
        result[f"{r['level']:g}"] = all(
            r["error"][key] is not None and abs(r["error"][key]) <= limit
            for key, limit in GOALS.items())
    return result


def table(rows: Sequence[dict[str, Any]]) -> str:
    """Predicted against measured, one line per level and figure."""
    units = {"throughput_per_s": ("deliveries/s", 1.0), "utilization": ("CPU cores", 1.0),
             "latency_mean_s": ("ms", 1000.0), "latency_p95_s": ("ms", 1000.0)}
    lines = [f"{'level':>5}  {'figure':<16} {'measured':>10} {'predicted':>10} {'error':>8}  "
             "goal"]
    for r in rows:
        for key in FIELDS:
            unit, factor = units[key]
            m, p, e = r["measured"][key], r["predicted"][key], r["error"][key]
            limit = GOALS.get(key)
            mark = "" if limit is None else (
                "-" if e is None else ("ok" if abs(e) <= limit else f"MISSED (±{limit:.0%})"))
            lines.append(f"{r['level']:>5g}  {key:<16} {_num(m, factor):>10} "
                         f"{_num(p, factor):>10} {_pct(e):>8}  {mark}  {unit}")
    return "\n".join(lines)


def _num(value: float | None, factor: float) -> str:
    return "-" if value is None else f"{value * factor:.3f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1%}"


def level_scale(level: float, calibration: dict[str, Any], base_scale: float) -> float:
    """`demand.scale` that offers `level` x the measured capacity (documents per second)."""
    nominal = calibration["nominal_send_rate"]
    capacity = calibration["knee"]["documents_per_s"]
    if nominal <= 0 or capacity <= 0:
        raise UserError("the knee run measured no documents: cannot place the levels")
    return base_scale * level * capacity / nominal


Lienthong = Callable[[list[str]], int]


def run(plan: Plan, lienthong: Lienthong, say: Callable[[str], None] = print
        ) -> list[dict[str, Any]]:
    """Measure the knee, calibrate, then load-test and simulate every level; write the files."""
    from lienthong.calibrate import calibrate, describe, overrides, to_toml
    from lienthong.scenario import load_scenario

    loaded = load_scenario(plan.scenario, plan.overrides)
    if (plan.out / "validation.json").exists():
        raise UserError(f"{plan.out}: already holds a validation; choose another --out")
    plan.out.mkdir(parents=True, exist_ok=True)
    sets = [arg for item in plan.overrides for arg in ("--set", item)]
    # the load tests play the scenario's own demand, as the simulation does
    load_sets = [*sets, "--set", "loadtest.demand_scale=1"]
    pin = ["--pin-cpus"] if plan.pin_cpus else []

    def call(args: list[str], what: str) -> None:
        code = lienthong(args)
        if code == 2:
            raise UserError(f"{what} failed (see above)")

    knee = plan.knee_run
    if knee is None:
        knee = plan.out / "knee"
        shape = (f'loadtest.shape={{kind="step", every_s={plan.step_s:g}, '
                 f'increase={plan.increase:g}}}')
        say(f"validate: stepping {plan.steps} x {plan.step_s:g} s to the knee -> {knee}")
        call(["loadtest", plan.scenario, "--out", str(knee), "--run-time",
              f"{plan.steps * plan.step_s:g}", *pin, *load_sets, "--set", shape], "the knee run")
    calibration = calibrate(knee)
    say(describe(calibration))
    (plan.out / "capacity.toml").write_text(to_toml(calibration))
    data = calibration.to_json()
    (plan.out / "calibration.json").write_text(json.dumps(data, indent=1))
    if not calibration.knee_reached:
        say("validate: warning: the knee was not reached; levels are fractions of the last "
            "step's throughput, a lower bound of the capacity")
    axis_sets = [arg for item in overrides(calibration) for arg in ("--set", item)]

    def simulate(out: Path, extra: list[str], what: str) -> None:
        sim = ["simulate", plan.scenario, "--out", str(out), "--quiet", "--no-plots", *sets,
               *extra]
        if plan.replications:
            sim += ["--replications", str(plan.replications)]
        call(sim, what)

    # the same measurement without the commit stage (each write's whole server time on its
    # worker): the model before the stage, simulated beside it to show what the stage changes
    plain = calibrate(knee, commit_stage=False) if "commit" in calibration.axis else None
    plain_sets = [] if plain is None else [
        arg for item in overrides(plain) for arg in ("--set", item)]
    rows, plain_rows = [], []
    for level in plan.levels:
        scale = level_scale(level, data, loaded.scenario.demand.scale)
        where = plan.out / f"level-{level:g}"
        say(f"validate: level {level:g} (demand.scale {scale:.4g}): load test and simulation")
        scale_set = ["--set", f"demand.scale={scale:.6g}"]
        call(["loadtest", plan.scenario, "--out", str(where / "loadtest"), "--run-time",
              f"{plan.level_s:g}", *pin, *load_sets, "--set", "loadtest.shape=constant",
              *scale_set], f"the load test at level {level:g}")
        simulate(where / "simulation", [*axis_sets, *scale_set],
                 f"the simulation at level {level:g}")
        measured = measured_figures(where / "loadtest")
        rows.append(row(level, measured, predicted_figures(where / "simulation", data)))
        if plain is not None:
            simulate(where / "simulation-without-commit-stage", [*plain_sets, *scale_set],
                     f"the simulation without commit stage at level {level:g}")
            plain_rows.append(row(level, measured, predicted_figures(
                where / "simulation-without-commit-stage", plain.to_json())))
    (plan.out / "validation.json").write_text(json.dumps(rows, indent=1) + "\n")
    if plain_rows:
        (plan.out / PLAIN_FILE).write_text(json.dumps(plain_rows, indent=1) + "\n")
        say("validate: without the commit stage (each write's whole server time on a worker; "
            f"{PLAIN_FILE}):\n" + table(plain_rows))
    return rows
