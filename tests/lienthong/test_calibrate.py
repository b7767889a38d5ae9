"""Calibration from a stepped load test, on a run directory made by hand: the probe's counters
are written from known costs, so what calibrate derives can be checked exactly."""

import json

import pytest

from lienthong.calibrate import calibrate, overrides, predicted_cpu, to_toml
from lienthong.errors import UserError
from tests.lienthong.runs import write_run

COSTS = {"send": 0.008, "send_status": 0.009, "fetch": 0.0003, "ack": 0.007,
         "inbox_count": 0.0004, "inbox": 0.0006}
STEP_S = 10
START = 1_000_000.0


def make_step_run(path, sent, delivered, *, slowdown=None, pinning=None, late=0.0,
                  kind="loadtest"):
    """A stepped run: step i sends sent[i] documents/s (3 deliveries each) and delivers
    delivered[i]/s; the axis answers each operation in COSTS x slowdown[i] seconds; its CPU is
    0.05 + 0.0002 x requests/s."""
    slowdown = slowdown or [1.0] * len(sent)
    extra = {"cpu_pinning": pinning, "late_send_fraction": late} if kind == "loadtest" else {}
    write_run(path, kind, scenario="t", **extra)
    samples, totals, cpu = [], {op: [0.0, 0.0] for op in COSTS}, 0.0
    timeline = []
    for step, (s, d) in enumerate(zip(sent, delivered, strict=True)):
        rates = {"send": s, "send_status": 2 * d, "fetch": 3 * d, "ack": 3 * d,
                 "inbox_count": 50.0, "inbox": 0.5 * d}
        for second in range(STEP_S):
            t = START + step * STEP_S + second
            samples.append({"t": t, "axis_cpu_s": cpu, "generator_cpu_s": cpu / 2,
                            "ops": {op: list(v) for op, v in totals.items() if v[0]}})
            for op, rate in rates.items():
                totals[op][0] += rate
                totals[op][1] += rate * COSTS[op] * slowdown[step]
            cpu += 0.05 + 0.0002 * sum(rates.values())
            timeline.append({"second": step * STEP_S + second, "sent_per_s": s,
                             "delivered_per_s": d, "requests_per_s": 0, "backlog": 0})
    samples.append({"t": START + len(sent) * STEP_S, "axis_cpu_s": cpu,
                    "generator_cpu_s": cpu / 2, "ops": totals})
    documents = int(sum(sent) * STEP_S)
    raw = {"start": START, "settings": {"load_s": len(sent) * STEP_S, "nominal_send_rate": 2.0,
                                        "shape": "step", "shape_config": {
                                            "kind": "step", "every_s": STEP_S, "increase": 1.0}},
           "reconciliation": {"documents": {"edoc": documents, "status": 2 * documents},
                              "deliveries": {"edoc": 3 * documents}},
           "timeline": timeline}
    (path / "locust-raw.json").write_text(json.dumps(raw))
    (path / "probe.json").write_text(json.dumps(samples))
    return path


def test_costs_come_from_the_lightest_step_and_parallelism_from_the_knee(tmp_path):
    # the axis keeps up to 30 documents/s, then delivers no more; queueing doubles its times
    run = make_step_run(tmp_path / "r", sent=[10, 20, 30, 40], delivered=[30, 60, 90, 90],
                        slowdown=[1.0, 1.2, 1.5, 2.0])
    c = calibrate(run)
    assert c.costs_ms["send"] == pytest.approx(8.0)
    assert c.costs_ms["status"] == pytest.approx(9.0)
    assert c.costs_ms["ack"] == pytest.approx(7.0)
    assert c.costs_ms["fetch"] == pytest.approx(0.3)
    # poll: count calls (50/s at 0.4 ms) and lists (15/s at 0.6 ms) weighted by their rates
    assert c.costs_ms["poll"] == pytest.approx((50 * 0.4 + 15 * 0.6) / 65)
    assert c.costs_ms["relay"] == c.costs_ms["send"] and "assumption" in c.cost_source["relay"]
    assert c.knee_reached and c.knee["step"] == 2
    # in service at the knee: sum of rate x light-load cost
    work = 30 * 0.008 + 180 * 0.009 + 270 * 0.0003 + 270 * 0.007 + 50 * 0.0004 + 45 * 0.0006
    assert c.effective_parallelism == pytest.approx(work)
    workers = round(work)
    assert c.axis["workers"] == workers
    # costs scaled so that `workers` workers saturate where the axis did
    assert c.axis["send"]["fixed_ms"] == pytest.approx(8.0 * workers / work)
    assert c.knee["documents_per_s"] == pytest.approx(30.0)
    assert c.cpu_baseline_cores == pytest.approx(0.05, abs=1e-6)
    assert c.cpu_per_request_ms == pytest.approx(0.2, rel=1e-6)
    assert predicted_cpu(c, 100.0) == pytest.approx(0.07)
    text = to_toml(c, command="lienthong calibrate r", machine="one core of a 2-core shared VM")
    assert "# command: lienthong calibrate r" in text and "one core of a 2-core" in text
    assert f"workers = {workers}" in text and "[axis.relay]" in text
    assert f"axis.workers={workers}" in overrides(c)


def test_a_load_that_never_reached_the_knee_leaves_costs_as_measured(tmp_path):
    run = make_step_run(tmp_path / "r", sent=[10, 20], delivered=[30, 60])
    c = calibrate(run)
    assert not c.knee_reached and c.effective_parallelism is None
    assert c.axis["workers"] == 1 and c.axis["send"]["fixed_ms"] == pytest.approx(8.0)
    assert calibrate(run, workers=3).axis["workers"] == 3
    assert "knee not reached" in to_toml(c)


def test_a_busy_generator_is_named(tmp_path):
    run = make_step_run(tmp_path / "r", sent=[10, 20, 30, 40], delivered=[30, 60, 90, 90],
                        pinning={"axis": [0], "generator": [1]})
    assert calibrate(run).generator_note == ""
    late = make_step_run(tmp_path / "late", sent=[10, 20], delivered=[30, 60], late=0.05)
    assert "left late" in calibrate(late).generator_note


def test_refuses_a_simulation_and_a_run_without_probe(tmp_path):
    with pytest.raises(UserError, match="calibrate needs a load test"):
        calibrate(make_step_run(tmp_path / "s", [1], [3], kind="simulation"))
    run = make_step_run(tmp_path / "r", [1], [3])
    (run / "probe.json").unlink()
    with pytest.raises(UserError, match=r"no probe\.json"):
        calibrate(run)


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
        calibrate(run)
    with pytest.raises(UserError, match=message):
        read_run(run)  # compare and report read runs through this
