import json
import os

import pytest

from loadtest.probe import (
    Probe,
    at,
    commit_counters,
    operation_counters,
    read_probe,
    tree_cpu_seconds,
    tree_cpu_wait_seconds,
    window,
)

EXPOSITION = """# HELP axis_request_seconds Time to answer a request, by operation
# TYPE axis_request_seconds histogram
axis_request_seconds_bucket{le="0.001",operation="send"} 3.0
axis_request_seconds_bucket{le="+Inf",operation="send"} 10.0
axis_request_seconds_count{operation="send"} 10.0
axis_request_seconds_sum{operation="send"} 0.08
axis_request_seconds_bucket{le="+Inf",operation="fetch"} 4.0
axis_request_seconds_count{operation="fetch"} 4.0
axis_request_seconds_sum{operation="fetch"} 0.002
# HELP axis_requests_total HTTP requests answered, by operation and status code
# TYPE axis_requests_total counter
axis_requests_total{operation="send",status="201"} 10.0
"""


def test_counters_per_operation_come_from_the_histogram_only():
    assert operation_counters(EXPOSITION) == {"send": [10.0, 0.08], "fetch": [4.0, 0.002]}
    assert operation_counters("") == {}


COMMITS = """# TYPE axis_store_commit_seconds histogram
axis_store_commit_seconds_bucket{le="+Inf"} 20.0
axis_store_commit_seconds_count 20.0
axis_store_commit_seconds_sum 0.1
# TYPE axis_store_commit_batch_size histogram
axis_store_commit_batch_size_bucket{le="+Inf"} 20.0
axis_store_commit_batch_size_count 20.0
axis_store_commit_batch_size_sum 70.0
"""


def test_commit_counters_give_commits_their_time_and_the_writes_they_carried():
    assert commit_counters(EXPOSITION + COMMITS) == [20.0, 0.1, 70.0]
    assert commit_counters(EXPOSITION) is None  # a target that does not report its commits


def test_a_window_gives_the_commits_per_second_their_mean_time_and_batch():
    samples = [{**sample(100.0, 1.0, 2.0, 0, 0.0), "commits": [10.0, 0.05, 30.0]},
               {**sample(102.0, 1.5, 2.1, 10, 0.05), "commits": [30.0, 0.15, 110.0]}]
    commits = window(samples, 100.0, 102.0)["commits"]
    assert commits["rate_per_s"] == pytest.approx(10.0)
    assert commits["mean_s"] == pytest.approx(0.005)
    assert commits["mean_batch"] == pytest.approx(4.0)
    assert window([sample(100.0, 1.0, 2.0, 0, 0.0), sample(101.0, 1.0, 2.0, 1, 0.01)],
                  100.0, 101.0)["commits"] is None  # older probe files have no commits


def test_cpu_of_this_process_and_of_a_process_that_is_gone():
    assert tree_cpu_seconds(os.getpid()) > 0
    assert tree_cpu_seconds(None) is None
    assert tree_cpu_seconds(2**22 + 12345) is None  # above pid_max defaults: no such process
    assert tree_cpu_wait_seconds(os.getpid()) >= 0.0  # Linux: /proc/PID/task/*/schedstat
    assert tree_cpu_wait_seconds(None) is None


def sample(t, axis, generator, sends, send_s):
    return {"t": t, "axis_cpu_s": axis, "generator_cpu_s": generator,
            "ops": {"send": [sends, send_s]}}


def test_window_gives_cores_rates_and_mean_server_times():
    samples = [sample(100.0, 1.0, 2.0, 0, 0.0), sample(101.0, 1.5, 2.1, 10, 0.05),
               sample(103.0, 2.5, 2.3, 50, 0.25)]
    assert at(samples, 102.5)["t"] == 101.0 and at(samples, 50.0)["t"] == 100.0
    w = window(samples, 101.0, 103.0)
    assert w["axis_cpu"] == pytest.approx(0.5) and w["generator_cpu"] == pytest.approx(0.1)
    assert w["ops"]["send"]["rate_per_s"] == pytest.approx(20.0)
    assert w["ops"]["send"]["mean_s"] == pytest.approx(0.005)
    assert window(samples, 103.0, 103.0) is None
    assert window([], 0.0, 1.0) is None


def test_a_probe_without_a_target_still_samples_cpu_and_writes_its_file(tmp_path):
    probe = Probe("http://127.0.0.1:9", os.getpid(), None, tmp_path, interval_s=0.05)
    probe.start()
    samples = probe.stop()
    assert samples and samples[-1]["axis_cpu_s"] > 0 and samples[-1]["ops"] == {}
    assert read_probe(tmp_path) == json.loads((tmp_path / "probe.json").read_text())
