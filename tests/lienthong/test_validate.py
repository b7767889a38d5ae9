"""`lienthong validate`: the table's arithmetic, bad options, and one short run end to end
(tiny steps and one tiny level, loopback only; every process it starts is stopped)."""

import json
import subprocess
import sys

import pytest

from lienthong.commands.validate_cmd import parse_levels
from lienthong.errors import UserError
from lienthong.validate import FIELDS, goals_met, level_scale, relative_error, row, table


def figures(throughput, cpu, mean, p95):
    return dict(zip(FIELDS, (throughput, cpu, mean, p95), strict=True))


def test_rows_hold_measured_predicted_and_relative_error():
    r = row(0.6, figures(100.0, 0.5, 0.4, 0.9), figures(105.0, 0.45, 0.5, None))
    assert r["level"] == 0.6
    assert r["error"]["throughput_per_s"] == pytest.approx(0.05)
    assert r["error"]["utilization"] == pytest.approx(-0.1)
    assert r["error"]["latency_mean_s"] == pytest.approx(0.25)
    assert r["error"]["latency_p95_s"] is None
    assert relative_error(1.0, 0.0) is None
    # latency 25% off: the 20% goal is missed; a level above 0.85 is not judged
    assert goals_met([r, row(1.0, r["measured"], r["measured"])]) == {"0.6": False}
    assert goals_met([row(0.3, r["measured"], figures(109.0, 0.46, 0.47, 1.0))]) == {"0.3": True}
    text = table([r])
    assert "MISSED (±20%)" in text and "+25.0%" in text and "deliveries/s" in text


def test_levels_are_fractions_of_the_measured_capacity():
    calibration = {"nominal_send_rate": 2.0, "knee": {"documents_per_s": 40.0}}
    assert level_scale(0.5, calibration, 1.25) == pytest.approx(1.25 * 0.5 * 40.0 / 2.0)
    with pytest.raises(UserError, match="no documents"):
        level_scale(0.5, {"nominal_send_rate": 0.0, "knee": {"documents_per_s": 1.0}}, 1.0)


@pytest.mark.parametrize("text", ["", "a,b", "0", "0.3,-1", "3"])
def test_bad_levels_are_one_line(text):
    with pytest.raises(UserError, match="--levels"):
        parse_levels(text)


def lienthong(*args):
    return subprocess.run([sys.executable, "-m", "lienthong", *args], capture_output=True,
                          text=True, timeout=300)


def test_bad_options_are_one_line(tmp_path):
    for args, message in [(["--levels", "x"], "--levels"), (["--step-s", "0"], "--step-s"),
                          (["--steps", "0"], "--steps"),
                          (["--knee-run", str(tmp_path)], "not a run directory")]:
        done = lienthong("validate", "validation/axis-loop", *args, "--out",
                         str(tmp_path / "v"))
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_short_validation_writes_the_table(tmp_path):
    out = tmp_path / "v"
    done = lienthong("validate", "validation/axis-loop", "--steps", "2", "--step-s", "4",
                     "--levels", "0.2", "--level-s", "4", "--replications", "1",
                     "--set", "loadtest.drain_s=15", "--out", str(out))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = json.loads((out / "validation.json").read_text())
    assert [r["level"] for r in rows] == [0.2]
    for part in ("measured", "predicted", "error"):
        assert set(rows[0][part]) == set(FIELDS)
    measured, predicted = rows[0]["measured"], rows[0]["predicted"]
    assert measured["throughput_per_s"] > 0 and predicted["throughput_per_s"] > 0
    assert measured["utilization"] > 0 and predicted["utilization"] > 0
    assert measured["latency_mean_s"] > 0 and predicted["latency_p95_s"] > 0
    calibration = json.loads((out / "calibration.json").read_text())
    assert calibration["cpu_pinning"] == {"axis": [0], "generator": [1]} or \
        calibration["cpu_pinning"] is None
    assert "[axis.send]" in (out / "capacity.toml").read_text()
    assert "latency_mean_s" in done.stdout and "goals" in done.stdout
    summary = json.loads((out / "level-0.2" / "loadtest" / "summary.json").read_text())
    assert summary["axis_cpu"] > 0 and summary["generator_cpu"] > 0
