"""The throughput benchmark still runs end to end (a smoke run; the figures are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_benchmark_prints_one_json_line_with_every_figure() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "axis_throughput.py"), "--seconds", "0.6",
         "--warmup", "0.2", "--connections", "8", "--systems", "2000", "--goal", "0",
         "--presigned", "50"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    for key in ("durable_sends_per_s", "full_cycle_per_s", "count_polls_per_s",
                "null_endpoint_per_s", "send_to_null_ratio", "deliveries_per_s_3_recipients",
                "signed_durable_sends_per_s", "signed_to_send_ratio"):
        assert result[key] > 0, key
    assert result["errors"] == {}  # every signed package was verified and stored (201)
    assert result["server_cpu_us_per_op"]["signed"] > 0
    assert result["goal_met"] is True and result["goal"] == 0
    assert result["registered_systems"] == 2000 + 2 * 8 + 1000
