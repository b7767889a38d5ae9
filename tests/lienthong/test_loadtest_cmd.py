"""End to end: `lienthong loadtest` against the reference axis, short and bounded.

The tiny scenario sends for 4 s at about one document a second from 3 users' agencies, polls
every 0.5 s and drains within seconds; each run finishes in well under 30 s.
"""

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lienthong.commands.loadtest_cmd import parse_duration
from lienthong.errors import UserError
from loadtest.context import build_context, resolve_settings
from loadtest.scenario import read_scenario
from loadtest.shapes import arrivals
from tests.lienthong.runs import write_run
from topology.streams import stream

pytestmark = pytest.mark.slow


def loadtest(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lienthong", "loadtest", *args],
                          capture_output=True, text=True, timeout=timeout)


def e2e_rows(run: Path) -> dict[str, dict[str, str]]:
    with (run / "locust_stats.csv").open() as handle:
        return {row["Name"]: row for row in csv.DictReader(handle) if row["Type"] == "E2E"}


@pytest.fixture(scope="module")
def bundled_two_processes(tiny_scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "two-processes"
    done = loadtest(str(tiny_scenario), "--processes", "2", "--run-time", "3", "--out", str(out))
    return out, done


def scheduled_sends(scenario: Path, load_s: float) -> int:
    """The intended sends of a run, drawn offline from the same named random streams."""
    loaded = read_scenario(scenario)
    context = build_context(loaded, resolve_settings(loaded, load_s=load_s), "local")
    return sum(len(list(arrivals(context.rate_per_s(a.documents_per_day), context.profile,
                                 stream(loaded.seed, f"loadtest.arrivals.{a.code}"))))
               for a in context.plan.senders)


def test_two_processes_against_the_bundled_axis_lose_nothing(bundled_two_processes,
                                                             tiny_scenario):
    out, done = bundled_two_processes
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kind"] == "loadtest" and summary["processes"] == 2
    # workers follow the master's sending time (3 s here, not the scenario's 4 s): every
    # intended send, and only those, went out, even from a worker whose users started late
    # (on a loaded machine they do: what was due is sent at once and counted late)
    assert summary["documents"] == scheduled_sends(tiny_scenario, 3.0) > 0
    assert summary["bundled_axis"] and summary["target"].startswith("http://127.0.0.1:")
    assert summary["documents"] > 0 and summary["deliveries"] >= summary["documents"]
    assert summary["lost"] == 0 and summary["duplicates"] == 0
    assert summary["delivered"] == summary["deliveries"]
    assert summary["statuses"]["sent"] == 2 * summary["deliveries"]  # 01 and 03 for each
    assert summary["statuses"]["lost"] == 0 and summary["drained"]
    assert 0 < summary["latency_s"]["p50"] <= summary["latency_s"]["p99"] < 5.0
    assert summary["achieved_send_rate"] > 0 and summary["intended_send_rate"] > 0
    assert summary["passed"] and "PASSED" in done.stdout
    # the axis's own view agrees: every delivery of the run is acknowledged done
    outbox = summary["outbox"]
    assert outbox["deliveries"] == summary["deliveries"] + summary["statuses"]["sent"]
    assert outbox["not_done"] == 0 and outbox["errors"] == 0
    assert outbox["edoc_deliveries_with_status"] == {"01": summary["deliveries"],
                                                     "03": summary["deliveries"]}
    # end-to-end latency is in Locust's own statistics, one sample per delivery
    rows = e2e_rows(out)
    assert int(rows["deliver"]["Request Count"]) == summary["deliveries"]
    assert int(rows["ack"]["Request Count"]) == summary["deliveries"]
    assert int(rows["status deliver"]["Request Count"]) == summary["statuses"]["delivered"]
    for name in ("timeseries.csv", "latency_cdf.csv", "metrics.prom", "latency_cdf.png",
                 "locust_failures.csv"):
        assert (out / name).is_file(), name
    # every package was signed with the run's throw-away CA, which the bundled axis required
    assert (out / "signing-ca.pem").is_file()
    assert "XML signatures required" in (out / "axis.log").read_text()


def test_a_failed_threshold_exits_non_zero(axis, tiny_scenario, tmp_path):
    out = tmp_path / "strict"
    done = loadtest(str(tiny_scenario), "--target", axis.url, "--admin-token", axis.token,
                    "--max-p99", "0.000001", "--run-time", "3", "--out", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED p99_latency_s" in done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["lost"] == 0 and summary["processes"] == 1
    assert not summary["thresholds"]["p99_latency_s"]["ok"]
    assert summary["thresholds"]["lost"]["ok"] and not summary["bundled_axis"]


def test_compare_lays_runs_side_by_side(bundled_two_processes, tmp_path):
    out, _ = bundled_two_processes
    fake_sim = write_run(tmp_path / "sim", "simulation", scenario="tiny", documents=5,
                         deliveries=15, latency_s={"p50": 0.3, "p90": 0.5, "p99": 0.6,
                                                   "max": 0.7, "mean": 0.31})
    (fake_sim / "latency_cdf.csv").write_text("latency_s,fraction\n0.1,0.0\n0.3,0.5\n0.6,1.0\n")
    report = tmp_path / "compare"
    done = subprocess.run([sys.executable, "-m", "lienthong", "compare", str(out),
                           str(fake_sim), "--out", str(report)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "tiny (loadtest, two-processes)" in done.stdout and "(simulation, sim)" in done.stdout
    assert "latency p99 (s)" in done.stdout and "0.6000" in done.stdout
    for name in ("latency_cdf.png", "throughput.png", "backlog.png", "report.html"):
        assert (report / name).stat().st_size > 1000, name


def test_compare_refuses_a_directory_without_a_run(tmp_path):
    done = subprocess.run([sys.executable, "-m", "lienthong", "compare", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not a run directory" in done.stderr


@pytest.mark.parametrize("text, seconds", [("60", 60.0), ("60s", 60.0), ("2m", 120.0),
                                           ("1.5h", 5400.0)])
def test_run_time_forms(text, seconds):
    assert parse_duration(text) == seconds


def test_bad_run_time():
    with pytest.raises(UserError, match="--run-time"):
        parse_duration("soon")


def test_bad_target_url_is_refused_before_a_run_directory_is_made(tiny_scenario, tmp_path):
    out = tmp_path / "run"
    done = loadtest(str(tiny_scenario), "--target", "notaurl", "--out", str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("lienthong: error: target 'notaurl'")
    assert "Traceback" not in done.stderr and not out.exists()


def test_a_section_the_load_test_would_ignore_is_refused_before_a_run_directory(tmp_path):
    out = tmp_path / "run"
    done = loadtest(str(Path(__file__).parents[2] / "scenarios/validation/mmc.toml"),
                    "--out", str(out), timeout=60)
    assert done.returncode == 2, done.stderr
    assert "[traffic] is not played by the load test" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not out.exists()


def test_a_run_that_cannot_start_leaves_no_run_directory(tiny_scenario, tmp_path):
    from loadtest.runner import free_port

    out = tmp_path / "run"
    done = loadtest(str(tiny_scenario), "--target", f"http://127.0.0.1:{free_port()}",
                    "--admin-token", "x" * 20, "--out", str(out), timeout=60)
    assert done.returncode == 2 and "lienthong: error:" in done.stderr
    assert not out.exists()


def test_a_run_that_sent_nothing_fails(axis, tiny_scenario, tmp_path):
    out = tmp_path / "silent"
    done = loadtest(str(tiny_scenario), "--target", axis.url, "--admin-token", axis.token,
                    "--run-time", "2", "--set", "loadtest.demand_scale=0.000001",
                    "--out", str(out))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == 0 and not summary["thresholds"]["documents"]["ok"]
    assert done.returncode == 1 and "FAILED documents: 0 < 1" in done.stderr


def test_deliveries_left_by_an_earlier_run_are_apart_and_not_in_latency(axis, tiny_scenario,
                                                                         tmp_path):
    """Run 1 polls too rarely to fetch what it sent (and is cut short); run 2, on the same
    axis, clears those deliveries and counts them apart: they are not in its ledger and they
    do not enter its latency."""
    first = loadtest(str(tiny_scenario), "--target", axis.url, "--admin-token", axis.token,
                     "--run-time", "3", "--set", "loadtest.poll_interval_s=60",
                     "--set", "loadtest.drain_s=0.5", "--out", str(tmp_path / "first"))
    left = json.loads((tmp_path / "first" / "summary.json").read_text())["lost"]
    assert first.returncode == 1 and left > 0
    time.sleep(2.0)  # the second run starts well after the first one's sends
    second = loadtest(str(tiny_scenario), "--target", axis.url, "--admin-token", axis.token,
                      "--run-time", "3", "--out", str(tmp_path / "second"))
    summary = json.loads((tmp_path / "second" / "summary.json").read_text())
    assert summary["foreign_deliveries"] >= left
    assert summary["unexpected"] == 0 and summary["lost"] == 0
    assert summary["latency_s"]["max"] < 2.0  # the leftovers waited > 2 s: not counted
    assert second.returncode == 0, second.stderr
