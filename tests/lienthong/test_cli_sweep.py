"""`lienthong sweep`: one key over values with common random numbers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lienthong.cli import main

SHORT = ["--set", "simulation.horizon_s=600", "--set", "simulation.warmup_s=100"]


def test_more_workers_less_waiting_same_traffic(tmp_path: Path, scenarios_dir: Path) -> None:
    out = tmp_path / "sweep"
    assert main(["sweep", str(scenarios_dir / "validation" / "mmc.toml"), "--quiet",
                 "--vary", "axis.workers=4,6", "--replications", "2", "--jobs", "2",
                 "--out", str(out), *SHORT]) == 0
    with (out / "sweep.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["value"] for row in rows] == ["4", "6"]
    # common random numbers: the same documents arrive at both points
    assert rows[0]["requests_per_s"] == rows[1]["requests_per_s"]
    assert float(rows[1]["national_wait_mean_s"]) < float(rows[0]["national_wait_mean_s"])
    assert float(rows[1]["max_utilization"]) == pytest.approx(
        float(rows[0]["max_utilization"]) * 4 / 6, rel=0.01)  # same work, edges aside
    assert (out / "sweep.png").stat().st_size > 10_000
    from lienthong.results import SweepSummary, read_summary

    summary = read_summary(out)  # the typed contract: every point's whole figures
    assert isinstance(summary, SweepSummary) and summary.key == "axis.workers"
    assert [point.summary.axes["axis:national"].workers for point in summary.points] == [4, 6]


@pytest.mark.parametrize(("vary", "message"), [
    ("axis.workers", "expected KEY=V1,V2"),
    ("axis.workers=1,zero", "axis.workers"),
    ("axis.wrkers=1,2", "axis.wrkers: unknown key"),
])
def test_bad_vary_is_one_clear_line(tmp_path: Path, scenarios_dir: Path,
                                    capsys: pytest.CaptureFixture[str], vary: str,
                                    message: str) -> None:
    code = main(["sweep", str(scenarios_dir / "validation" / "mmc.toml"), "--quiet",
                 "--vary", vary, "--out", str(tmp_path / "s"), *SHORT])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize(("option", "message"), [
    (["--saturation", "1.5"], "--saturation 1.5: expected a share in (0, 1]"),
    (["--sla", "0"], "--sla 0: expected a share in (0, 1]"),
    (["--vary", "delivery.poll_interval_s=30"], "--vary given 2 times"),
    (["--set", "axis.workers=3"], "both set axis.workers: give one"),
])
def test_bad_limits_are_one_clear_line(tmp_path: Path, scenarios_dir: Path,
                                       capsys: pytest.CaptureFixture[str], option: list[str],
                                       message: str) -> None:
    code = main(["sweep", str(scenarios_dir / "validation" / "mmc.toml"), "--quiet",
                 "--vary", "axis.workers=4,5", "--out", str(tmp_path / "s"), *SHORT, *option])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "s").exists()
