"""The loop closes at light load: measure the reference axis, calibrate, simulate, compare.

The light-load case of `lienthong validate` (tests/lienthong/test_validate.py checks the
command; results/reference/ holds its run near saturation). At a moderate load (about 2.6
documents/s, 8 deliveries/s, every central body played, one axis) the simulator given the
service times `lienthong calibrate` measured must predict the measured mean end-to-end latency
within 25%. With polling every second most of that latency is the wait for the next poll, which
both sides model the same way (fixed ticks at a random phase); the service times add the rest.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lienthong.calibrate import calibrate, overrides

pytestmark = pytest.mark.slow
LOOP = Path(__file__).parents[1] / "loadtest" / "data" / "loop.toml"


def lienthong(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lienthong", *args], capture_output=True,
                          text=True, timeout=180)


def test_simulator_with_calibrated_service_times_predicts_the_measured_mean(tmp_path):
    measured_dir = tmp_path / "measured"
    done = lienthong("loadtest", str(LOOP), "--run-time", "10", "--out", str(measured_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    measured = json.loads((measured_dir / "summary.json").read_text())
    assert measured["lost"] == 0 and measured["deliveries"] >= 30

    capacity = calibrate(measured_dir)  # one constant step: costs as measured, one worker
    axis = capacity.axis
    assert not capacity.knee_reached and axis["workers"] == 1
    assert 0 < axis["poll"]["fixed_ms"] < 50 and 0 < axis["send"]["fixed_ms"] < 200

    simulated_dir = tmp_path / "simulated"
    sets = [arg for item in overrides(capacity) for arg in ("--set", item)]
    done = lienthong("simulate", str(LOOP), "--out", str(simulated_dir), "--quiet",
                     "--no-plots", *sets)
    assert done.returncode == 0, done.stdout + done.stderr
    simulated = json.loads((simulated_dir / "summary.json").read_text())

    predicted, actual = simulated["latency_s"]["mean"], measured["latency_s"]["mean"]
    assert abs(predicted - actual) / actual < 0.25, (predicted, actual)
    done = lienthong("compare", str(simulated_dir), str(measured_dir), "--out",
                     str(tmp_path / "compare"))
    assert done.returncode == 0 and (tmp_path / "compare" / "latency_cdf.png").is_file()
