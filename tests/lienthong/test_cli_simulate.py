"""`lienthong simulate`: the run directory it writes, and one clear line on bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from lienthong.cli import main

MMC = ["--set", "simulation.horizon_s=600", "--set", "simulation.warmup_s=100"]


def test_writes_the_shared_run_layout(tmp_path: Path, scenarios_dir: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    code = main(["simulate", str(scenarios_dir / "validation" / "mmc.toml"), "--out", str(out),
                 "--replications", "3", "--jobs", "2", "--seed", "5", *MMC])
    assert code == 0
    captured = capsys.readouterr()
    assert "replication 3/3 done" in captured.err  # progress on stderr
    assert f"run written to {out}" in captured.out
    assert "judged by Erlang C (M/M/" in captured.out and "s analytic" in captured.out
    summary = json.loads((out / "summary.json").read_text())
    for key in ("scenario", "scenario_sha256", "seed", "replications", "simulated_days",
                "documents", "deliveries", "delivered", "lost", "in_flight", "requests_per_s",
                "throughput_per_s", "latency_s", "sla_met_fraction", "axes", "events",
                "wall_time_s", "versions", "kind"):
        assert key in summary, key
    assert summary["seed"] == 5 and summary["replications"] == 3
    assert summary["kind"] == "simulation" and summary["lost"] == 0
    assert set(summary["latency_s"]) >= {"p50", "p90", "p99", "max", "mean", "mean_ci95"}
    assert summary["latency_s"]["mean_ci95"] > 0
    national = summary["axes"]["axis:national"]
    assert set(national) >= {"utilization", "queue_mean", "wait_s", "arrival_rate_per_s"}
    assert set(national["wait_s"]) == {"mean", "mean_ci95"}
    assert 0.6 < national["utilization"] < 0.9
    with (out / "timeseries.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["time_s", "bin_s", "sent_per_s", "delivered_per_s",
                             "requests_per_s", "backlog"]
    sent = sum(float(r["sent_per_s"]) * float(r["bin_s"]) for r in rows)
    assert sent == pytest.approx(summary["documents"], rel=1e-6)
    assert (out / "latency_cdf.csv").is_file() and (out / "latency_cdf_1-1.csv").is_file()
    for plot in ("latency_cdf.png", "throughput_backlog.png", "axis_utilization.png"):
        assert (out / plot).stat().st_size > 10_000


def test_same_seed_same_summary(tmp_path: Path, scenarios_dir: Path) -> None:
    summaries = []
    for name in ("a", "b"):
        assert main(["simulate", str(scenarios_dir / "validation" / "mmc.toml"), "--quiet",
                     "--no-plots", "--out", str(tmp_path / name), "--replications", "2",
                     *MMC]) == 0
        summary = json.loads((tmp_path / name / "summary.json").read_text())
        for volatile in ("created", "wall_time_s", "simulation_wall_s"):
            summary.pop(volatile)
        summaries.append(summary)
    assert summaries[0] == summaries[1]


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "axis.wrkers=3"], "axis.wrkers: unknown key"),
    (["--set", "axis.workers=zero"], "axis.workers"),
    (["--set", "axis.workers=0"], "greater than or equal to 1"),
    (["--set", "traffic.rate_per_s=-1"], "traffic.rate_per_s"),
    (["--set", "delivery.mode=pigeon"], "delivery.mode"),
    (["--set", "novalue"], "expected KEY=VALUE"),
    (["--replications", "0"], "--replications 0: must be at least 1"),
    (["--jobs", "0"], "--jobs 0: must be at least 1"),
    (["--set", "simulation.warmup_s=5000"], "leaves nothing to measure"),
    (["--set", 'traffic.flows=[{sender = "000.00.00.G01", recipient = "nobody"}]'],
     "traffic.flows.recipient: no agency with code 'nobody'"),
    (["--set", 'failures.outages=[{axis = "axis:moon", start_s = 1, duration_s = 2}]'],
     "no axis named 'axis:moon'"),
    (["--set", 'failures.outages=[{link = "axis:national", start_s = 1, duration_s = 2}]'],
     "is not a provincial or ministry axis"),
    (["--set", "failures.outages=[{start_s = 1, duration_s = 2}]"],
     "exactly one of axis or link"),
    (["--set", "axis.overrides.axis:nation.workers=2"], "axis.overrides: no axis named"),
    (["--outage", "kill:axis:moon@1+2"], "no axis named 'axis:moon'"),
    (["--outage", "kill:axis:national"], "--outage 'kill:axis:national': expected PLAY:axis"),
    (["--outage", "cut:axis:national@1+2"], "axis outages are played as kill or pause"),
    (["--set", "axis.workers+=2"], "axis.workers is not a list: += appends to lists only"),
    (["--outage", "pause:axis:national@1+2"], "pause is played by the load test only"),
    (["--set", "demand.scale=2"], "demand.scale: 2 has no effect with [traffic]"),
])
def test_bad_input_is_one_clear_line(tmp_path: Path, scenarios_dir: Path,
                                     capsys: pytest.CaptureFixture[str], args: list[str],
                                     message: str) -> None:
    code = main(["simulate", str(scenarios_dir / "validation" / "mmc.toml"), "--quiet",
                 "--out", str(tmp_path / "run"), *MMC, *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.startswith("lienthong: error: ") and "Traceback" not in err
    assert not (tmp_path / "run").exists()  # nothing written for a run that cannot start


def test_missing_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(tmp_path / "nope.toml")]) == 2
    assert "no such scenario file" in capsys.readouterr().err


def test_every_cross_reference_error_is_named_on_one_line(
        tmp_path: Path, scenarios_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", str(scenarios_dir / "validation" / "mmc.toml"), "--quiet",
                 "--out", str(tmp_path / "run"), *MMC,
                 "--set", 'traffic.flows=[{sender = "nobody", recipient = "none"}]',
                 "--set", 'failures.outages=[{axis = "axis:moon", start_s = 1, duration_s = 2}]',
                 "--set", "axis.overrides.axis:mars.workers=2"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    for message in ("traffic.flows.sender: no agency with code 'nobody'",
                    "traffic.flows.recipient: no agency with code 'none'",
                    "failures.outages.axis: no axis named 'axis:moon'",
                    "axis.overrides: no axis named 'axis:mars'"):
        assert message in err
    assert not (tmp_path / "run").exists()


def test_a_calendar_run_reports_its_working_day_shape(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["simulate", "baseline-2019", "--out", str(out), "--days", "1",
                 "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert "working-day shape (calendar.day_profile): peak-to-mean 1.45" in printed
    # the busiest axes by the names a planner uses, with the group commit's share
    assert "national axis" in printed and " provincial axis " in printed
    assert "(commit: the group commit's busy share" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["day_profile_peak_to_mean"] == pytest.approx(1.4458, abs=1e-4)
    assert main(["simulate", "baseline-2019", "--out", str(tmp_path / "flat"), "--days", "1",
                 "--no-plots", "--set", "calendar.day_profile={}"]) == 0
    flat = json.loads((tmp_path / "flat" / "summary.json").read_text())
    assert flat["day_profile_peak_to_mean"] == 1.0


def test_an_outage_on_the_command_line_is_the_scenario_entry_it_spells(
        tmp_path: Path, scenarios_dir: Path) -> None:
    """`--outage kill:axis:H01@100+150` adds to the scenario's own outages, the load test's
    spelling: the same run as the [[failures.outages]] entry it stands for, on top of one the
    scenario already has."""
    jackson = str(scenarios_dir / "validation" / "jackson.toml")
    common = ["--quiet", "--no-plots", "--set", "simulation.horizon_s=600",
              "--set", 'failures.outages=[{link = "axis:H02", start_s = 300, duration_s = 60}]']
    spelled, written = tmp_path / "spelled", tmp_path / "written"
    assert main(["simulate", jackson, "--out", str(spelled), *common,
                 "--outage", "kill:axis:H01@100+150"]) == 0
    assert main(["simulate", jackson, "--out", str(written), *common, "--set",
                 'failures.outages+={axis = "axis:H01", start_s = 100, duration_s = 150}']) == 0
    a, b = (json.loads((out / "summary.json").read_text()) for out in (spelled, written))
    assert a["outages_replication_1"] == b["outages_replication_1"] == {"axis:H01": [
        [a["outages_replication_1"]["axis:H01"][0][0],
         a["outages_replication_1"]["axis:H01"][0][0] + 150.0]]}
    assert a["link_outages"] and a["link_retries"] == b["link_retries"]
    assert a["axes"] == b["axes"] and a["latency_s"] == b["latency_s"]
    # each run records what it was run with: the file plus these overrides
    assert a["overrides"][-1] == \
        'failures.outages+={axis = "axis:H01", start_s = 100.0, duration_s = 150.0}'
    assert a["overrides"][:2] == b["overrides"][:2] == common[3::2]
