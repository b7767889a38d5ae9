import json

import pytest

from lienthong.calibrate import calibrate, parse_prometheus, server_means, to_toml
from lienthong.errors import UserError
from tests.lienthong.runs import write_run

HEADER = ("Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
          "Min Response Time,Max Response Time,Average Content Size,Requests/s\n")


def make_run(path, send_s, send_bytes, kind="loadtest"):
    write_run(path, kind, scenario="t", requests_per_s=10.0, delivery_mode="poll")
    metrics = []
    for op, mean, count in [("send", send_s, 100), ("fetch", 0.002, 300), ("ack", 0.001, 300),
                            ("inbox_count", 0.0005, 1000)]:
        metrics.append(f'axis_request_seconds_sum{{operation="{op}"}} {mean * count}')
        metrics.append(f'axis_request_seconds_count{{operation="{op}"}} {count}')
    (path / "metrics.prom").write_text("# HELP x\n" + "\n".join(metrics) + "\n")
    # the client sees every operation 1 ms slower than the server
    rows = [("POST", "send", 100, send_s + 0.001, send_bytes),
            ("POST", "send status 01", 50, 0.004, 0), ("GET", "fetch", 300, 0.003, 1000),
            ("POST", "ack", 300, 0.002, 0), ("GET", "inbox/count", 1000, 0.0015, 0),
            ("E2E", "deliver", 300, 0.5, 0)]
    (path / "locust_stats.csv").write_text(HEADER + "".join(
        f"{t},{n},{c},0,0,{m * 1000},0,0,{size},1\n" for t, n, c, m, size in rows))
    (path / "locust-raw.json").write_text(json.dumps(
        {"counters": {"accepted_sends": 100, "accepted_bytes": send_bytes * 100}}))
    return path


def test_parses_labelled_samples():
    text = 'a_sum{operation="send",x="1"} 2.5\na_count{operation="send"} 5\n# comment\n'
    samples = parse_prometheus(text)
    assert samples[("a_sum", (("operation", "send"), ("x", "1")))] == 2.5
    means = server_means('axis_request_seconds_sum{operation="ack"} 0.5\n'
                         'axis_request_seconds_count{operation="ack"} 100\n')
    assert means == {"ack": (0.005, 100)}


def test_one_run_gives_fixed_costs_net_of_the_client_overhead(tmp_path):
    result = calibrate([make_run(tmp_path / "a", 0.010, 10 * 1024)])
    axis = result["axis"]
    assert result["measured"][0]["client_overhead_ms"] == pytest.approx(1.0)
    assert axis["send"]["fixed_ms"] == pytest.approx(10.0)
    assert axis["send"]["per_kb_ms"] == 0.0
    assert axis["status"]["fixed_ms"] == pytest.approx(3.0)
    assert axis["poll"]["fixed_ms"] == pytest.approx(0.5)
    assert axis["fetch"]["fixed_ms"] == pytest.approx(2.0)
    assert "[axis.send]" in to_toml(result) and "fixed_ms = 10.0000" in to_toml(result)


def test_runs_at_two_sizes_give_the_per_kb_part(tmp_path):
    small = make_run(tmp_path / "small", 0.005, 10 * 1024)   # 5 ms at 10 KB
    large = make_run(tmp_path / "large", 0.025, 110 * 1024)  # 25 ms at 110 KB
    send = calibrate([small, large])["axis"]["send"]
    assert send["per_kb_ms"] == pytest.approx(0.2)
    assert send["fixed_ms"] == pytest.approx(3.0)


def test_refuses_a_simulation_run(tmp_path):
    with pytest.raises(UserError, match="calibrate needs a load test"):
        calibrate([make_run(tmp_path / "s", 0.01, 100, kind="simulation")])


@pytest.mark.parametrize(("content", "message"), [
    (b"{bad", "not valid JSON"), (b"[1, 2]", "expected a JSON object, found list"),
    (b"\xff\xfe\x00", "not valid JSON")])
def test_a_broken_summary_is_one_line_for_calibrate_compare_and_report(tmp_path, content,
                                                                       message):
    from lienthong.results import read_run

    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_bytes(content)
    with pytest.raises(UserError, match=message):
        calibrate([run])
    with pytest.raises(UserError, match=message):
        read_run(run)  # compare and report read runs through this
