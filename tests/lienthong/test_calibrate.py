"""Calibration from a stepped load test, on a run directory made by hand: the probe's counters
are written from known costs, so what calibrate derives can be checked exactly."""

import json

import pytest

from lienthong.calibrate import (
    Window,
    calibrate,
    knee_of,
    overrides,
    predicted_cpu,
    robust_slope,
    to_toml,
)
from lienthong.errors import UserError
from tests.lienthong.runs import write_run

COSTS = {"send": 0.008, "send_status": 0.009, "fetch": 0.0003, "ack": 0.007,
         "inbox_count": 0.0004, "inbox": 0.0006}
STEP_S = 10
START = 1_000_000.0


def make_step_run(path, sent, delivered, *, slowdown=None, pinning=None, late=0.0,
                  kind="loadtest", cpu=None, commits=None, late_per_step=None):
    """A stepped run: step i sends sent[i] documents/s (3 deliveries each) and delivers
    delivered[i]/s (the backlog grows by the difference, as the ledger counts it); the axis
    answers each operation in COSTS x slowdown[i] seconds; its CPU is 0.05 + 0.0002 x
    requests/s (or cpu[i] cores in step i). With `commits`, step i's writes go in commits of
    commits[i] = (writes each, seconds each)."""
    slowdown = slowdown or [1.0] * len(sent)
    extra = {"cpu_pinning": pinning, "late_send_fraction": late} if kind == "loadtest" else {}
    write_run(path, kind, scenario="t", **extra)
    samples, totals, spent = [], {op: [0.0, 0.0] for op in COSTS}, 0.0
    timeline, backlog, committed = [], 0.0, [0.0, 0.0, 0.0]
    for step, (s, d) in enumerate(zip(sent, delivered, strict=True)):
        rates = {"send": s, "send_status": 2 * d, "fetch": 3 * d, "ack": 3 * d,
                 "inbox_count": 50.0, "inbox": 0.5 * d}
        for second in range(STEP_S):
            t = START + step * STEP_S + second
            samples.append({"t": t, "axis_cpu_s": spent, "generator_cpu_s": spent / 2,
                            "ops": {op: list(v) for op, v in totals.items() if v[0]},
                            "commits": list(committed) if commits else None})
            if commits:
                batch, seconds = commits[step]
                done = (rates["send"] + rates["send_status"] + rates["ack"]) / batch
                committed = [committed[0] + done, committed[1] + done * seconds,
                             committed[2] + done * batch]
            for op, rate in rates.items():
                totals[op][0] += rate
                totals[op][1] += rate * COSTS[op] * slowdown[step]
            spent += 0.05 + 0.0002 * sum(rates.values()) if cpu is None else cpu[step]
            backlog = max(0.0, backlog + 3 * s - d)
            timeline.append({"second": step * STEP_S + second, "sent_per_s": s,
                             "delivered_per_s": d, "requests_per_s": 0, "backlog": backlog})
            if late_per_step is not None:
                timeline[-1]["late_per_s"] = late_per_step[step] * s
    samples.append({"t": START + len(sent) * STEP_S, "axis_cpu_s": spent,
                    "generator_cpu_s": spent / 2, "ops": totals,
                    "commits": committed if commits else None})
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


def window(index, offered, delivered, growth, end=1000.0):
    """A window whose backlog grows by `growth`/s and ends at `end` (polls every 0.5 s)."""
    return Window(index, 1.0 + index, 0.0, 1.0, offered / 3, offered, delivered, 0.0, None, None,
                  None, {}, growth, end, 0.5)


def test_the_knee_is_the_last_step_that_kept_up_not_the_one_that_delivered_most():
    # step 3 falls behind; step 4, overloaded, delivers backlog from earlier steps: more than
    # the axis can sustain, so it must not be the knee
    windows = [window(0, 30, 30, 0.0), window(1, 60, 59, 0.5), window(2, 90, 88, 2.0),
               window(3, 120, 95, 25.0), window(4, 150, 130, 20.0)]
    knee, above = knee_of(windows)
    assert knee.index == 2 and above.index == 3


def test_a_step_that_seems_to_keep_up_after_one_fell_behind_is_not_the_knee():
    # past the knee a step can show a flat backlog by chance (collapse, then recovery)
    windows = [window(0, 30, 30, 0.0), window(1, 60, 50, 10.0), window(2, 90, 90, 0.0)]
    assert [w.index if w else None for w in knee_of(windows)] == [0, 1]


def test_a_backlog_that_grows_more_than_five_percent_of_the_offered_rate_falls_behind():
    # delivered 94% of offered: a ratio test with 10% slack would call it kept up; the ledger's
    # backlog grows 6% of the offered rate per second: it did not keep up
    assert not window(0, 100, 94, 6.0).keeps_up
    assert window(0, 100, 97, 4.0).keeps_up
    # a light window: a backlog of a few deliveries in flight is noise, not a queue
    assert window(0, 8, 5, 1.5).keeps_up


def test_a_stall_at_the_edge_of_a_step_is_not_a_backlog_that_grows():
    # the backlog hovers around 50 and jumps to 300 in the last two seconds (the axis stalled):
    # least squares would call that +4/s; the median of pairwise slopes sees a flat backlog
    points = [(float(t), 50.0 + (t % 3)) for t in range(28)] + [(28.0, 250.0), (29.0, 300.0)]
    assert robust_slope(points) == pytest.approx(0.0, abs=0.1)
    assert robust_slope([(float(t), 3.0 * t) for t in range(10)]) == pytest.approx(3.0)
    assert robust_slope([(1.0, 5.0)]) == 0.0


def test_a_backlog_filling_up_to_what_waits_for_polls_is_not_a_queue():
    # the first seconds of a run: 20 deliveries/s offered, polls every 0.5 s, the backlog grows
    # from 0 to 12 (2 x 20 x 0.5 + 10 = 30 wait for polls normally): it keeps up
    assert window(0, 20, 14, 4.0, end=12.0).keeps_up
    assert not window(0, 20, 14, 4.0, end=45.0).keeps_up


def test_a_first_step_that_already_fell_behind_is_refused():
    with pytest.raises(UserError, match=r"first step .* already fell behind"):
        knee_of([window(0, 100, 60, 40.0), window(1, 200, 60, 140.0)])


def test_a_run_past_the_knee_calibrates_from_the_last_step_that_kept_up(tmp_path):
    # the axis keeps up with 20 documents/s (60 deliveries); at 30/s it delivers 75 and falls
    # behind; at 40/s it delivers 100 (draining): the old rule took 100/s as capacity
    run = make_step_run(tmp_path / "r", sent=[10, 20, 30, 40], delivered=[30, 60, 75, 100],
                        cpu=[0.15, 0.2, 0.5, 0.3])
    c = calibrate(run)
    assert c.knee["step"] == 1 and c.knee["documents_per_s"] == pytest.approx(20.0)
    assert c.knee["above"]["step"] == 2
    assert c.knee["above"]["deliveries_per_s"] == pytest.approx(75.0)
    work = 20 * 0.008 + 120 * 0.009 + 180 * 0.0003 + 180 * 0.007 + 50 * 0.0004 + 30 * 0.0006
    assert c.effective_parallelism == pytest.approx(work)
    # the CPU line is fitted over the steps that kept up only
    requests = {0: 10 + 60 + 90 + 90 + 50 + 15, 1: 20 + 120 + 180 + 180 + 50 + 30}
    slope = (0.2 - 0.15) / (requests[1] - requests[0])
    assert c.cpu_per_request_ms == pytest.approx(slope * 1000.0)
    assert c.cpu_baseline_cores == pytest.approx(0.15 - slope * requests[0])


def test_the_group_commit_is_a_stage_of_its_own_fitted_from_the_steps_that_kept_up(tmp_path):
    # commits take 4 ms + 0.1 ms per write; step 3 (falling behind) is left out of the line
    commits = [(1.0, 0.0041), (3.0, 0.0043), (6.0, 0.0046), (20.0, 0.05)]
    run = make_step_run(tmp_path / "r", sent=[10, 20, 30, 40], delivered=[30, 60, 90, 90],
                        commits=commits)
    c = calibrate(run)
    assert c.axis["commit"]["fixed_ms"] == pytest.approx(4.0)
    assert c.axis["commit"]["per_write_ms"] == pytest.approx(0.1)
    # a write's cost is its server time in the lightest step less the commit it waited for
    assert c.costs_ms["send"] == pytest.approx(8.0 - 4.1)
    assert c.costs_ms["ack"] == pytest.approx(7.0 - 4.1)
    assert c.costs_ms["fetch"] == pytest.approx(0.3)  # a read waits for no commit
    assert "less the mean commit time" in c.cost_source["send"]
    work = (30 * 0.0039 + 180 * 0.0049 + 270 * 0.0003 + 270 * 0.0029 + 50 * 0.0004
            + 45 * 0.0006)
    assert c.effective_parallelism == pytest.approx(work)
    assert "[axis.commit]" in to_toml(c) and "axis.commit.per_write_ms=0.100000" in overrides(c)
    plain = calibrate(run, commit_stage=False)
    assert "commit" not in plain.axis and plain.costs_ms["send"] == pytest.approx(8.0)


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
    # per step: sends late only in the overloaded step are not the generator's fault at the knee
    overloaded = make_step_run(tmp_path / "o", sent=[10, 20, 30, 40], delivered=[30, 60, 90, 90],
                               late=0.2, late_per_step=[0.0, 0.0, 0.0, 0.8])
    assert calibrate(overloaded).generator_note == ""
    behind = make_step_run(tmp_path / "b", sent=[10, 20, 30, 40], delivered=[30, 60, 90, 90],
                           late_per_step=[0.0, 0.0, 0.05, 0.8])
    assert "5.0% of the knee step's sends left late" in calibrate(behind).generator_note


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
