"""End to end: `lienthong loadtest --federated`: a national and two provincial axes on loopback,
one of them killed and restarted mid-run, or its link to the national axis cut and restored;
nothing lost, nothing twice, outage and drain recorded. Short and bounded (about 30 s each);
every axis and proxy process is stopped by the command itself."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


FAST_RETRY = ("--set", "loadtest.max_failure_ratio=1", "--set", "failures.retry_initial_s=1",
              "--set", "failures.retry_max_s=4")
"""tiny runs at time scale 1: senders and relays back off 1, 2, then every 4 s."""


def loadtest(*args: str, timeout: float = 420) -> subprocess.CompletedProcess:
    """Run the command; on timeout interrupt it (Ctrl-C: it stops every axis and proxy it
    started, each in a session of its own) before failing. The bound is for a loaded shared
    machine: a run takes ~30 s."""
    process = subprocess.Popen([sys.executable, "-m", "lienthong", "loadtest", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_a_killed_provincial_axis_loses_nothing_and_its_backlog_drains(tiny_scenario,
                                                                        tmp_path) -> None:
    out = tmp_path / "federated"
    done = loadtest(str(tiny_scenario), "--provinces", "H12,H28", "--run-time", "8",
                    "--outage", "kill:axis:H12@2+3", *FAST_RETRY, "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["lost"] == 0 and summary["duplicates"] == 0 and summary["drained"]
    assert summary["delivered"] == summary["deliveries"] > 0
    fed = summary["federation"]
    assert set(fed["axes"]) == {"axis:national", "axis:H12", "axis:H28"}
    assert fed["outage_kinds"] == {"axis:H12": "kill"} and fed["errors"] == []
    [(down, up)] = summary["outages"]["axis:H12"]
    assert 1.5 < down < 4 and up - down >= 3.0
    assert fed["backlog_drain_s"]["axis:H12"]["count"] == 1
    # the last package the outage held back (a retried send or relay), if one was due in it
    assert set(summary["drain_time_s"]) <= {"axis:H12"}
    # the backlog was sampled from every axis, and not from H12 while it was down
    with (out / "backlog_axes.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {row["axis"] for row in rows} == set(fed["axes"])
    assert not [r for r in rows if r["axis"] == "axis:H12"
                and down + 0.6 < float(r["time_s"]) < up - 0.6]
    assert (out / "backlog_axes.png").stat().st_size > 10_000
    assert "axis:H12: down" in done.stdout and "drained" in done.stdout
    # each axis kept its own store; the killed one was restarted on the same file
    assert (out / "axis-H12.sqlite3").is_file() and (out / "metrics-H12.prom").is_file()


def test_a_cut_link_loses_nothing_and_the_relays_catch_up(tiny_scenario, tmp_path) -> None:
    out = tmp_path / "cut"
    done = loadtest(str(tiny_scenario), "--provinces", "H12,H28", "--run-time", "6",
                    "--outage", "cut:link:H12-national@1+3", *FAST_RETRY, "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["lost"] == 0 and summary["duplicates"] == 0 and summary["drained"]
    fed = summary["federation"]
    assert fed["outage_kinds"] == {"axis:H12": "cut"} and fed["errors"] == []
    assert fed["relay_backoff_s"] == [1.0, 2.0, 4.0]
    [(down, up)] = summary["link_outages"]["axis:H12"]
    assert 0.5 < down < 3 and up - down >= 3.0
    assert summary["outages"] == {}  # no axis went down: each kept serving its own agencies
    assert "link H12-national: cut" in done.stdout
    assert (out / "link-H12.log").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["--outage", "kill:axis:H12@2+3"], "need --federated N or --provinces"),
    (["--federated", "2", "--outage", "explode:axis:H12@1+1"],
     "axis outages are played as kill or pause, not 'explode'"),
    (["--federated", "2", "--outage", "kill:H12"], "expected PLAY:axis:AXIS@START+DURATION"),
    (["--provinces", "H12,H28", "--outage", "cut:link:H01-national@1+1"],
     "link outage of axis:H01: the federation's provincial axes are H12, H28"),
    (["--provinces", "H12,X1"], "--provinces 'H12,X1'"),
    (["--federated", "3", "--provinces", "H12,H28"], "give one of them"),
    (["--federated", "2", "--relay-backoff", "x"], "--relay-backoff"),
    (["--federated", "2", "--target", "http://127.0.0.1:9"], "cannot be combined"),
])
def test_bad_federation_options_are_one_line(tiny_scenario, tmp_path, args, message) -> None:
    done = loadtest(str(tiny_scenario), *args, "--out", str(tmp_path / "x"), timeout=60)
    assert done.returncode == 2
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "x").exists()
