"""`lienthong frontier`: one tiny real run with a known bound, and one line per bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from lienthong.cli import main

# one axis as M/M/c (scenarios/validation/mmc.toml) with acknowledgements: every delivery is
# two requests of mean 1 s (send, ack) on c workers at 3 documents/s times the multiplier
TINY = ["--set", "simulation.horizon_s=1200", "--set", "simulation.warmup_s=100",
        "--set", "delivery.acknowledge=true", "--min-multiplier", "0.25",
        "--max-multiplier", "4", "--quiet"]


@pytest.mark.slow
def test_tiny_real_frontier(tmp_path: Path, scenarios_dir: Path) -> None:
    out = tmp_path / "f"
    assert main(["frontier", str(scenarios_dir / "validation" / "mmc.toml"), "--vary",
                 "axis.workers=4,5", "--p99", "20", "--precision", "0.1", "--jobs", "2",
                 "--out", str(out), *TINY]) == 0
    document = json.loads((out / "frontier.json").read_text())
    four, five = document["rows"]
    assert four["config"] == {"axis.workers": "4"} and five["config"] == {"axis.workers": "5"}
    for row, workers in ((four, 4), (five, 5)):
        # below the multiplier that makes the axis unstable (utilisation 1), within precision
        assert 0.25 < row["max_multiplier"] < workers / 6.0
        assert row["precision_met"] and row["relative_half_width"] <= 0.1
        low, high = row["max_multiplier_ci95"]
        assert low < row["max_multiplier"] < high
        assert row["latency_at_frontier"]["ack_latency_p99_s"] <= 20.0
        assert not row["at_least"] and not row["below"]
    assert five["max_multiplier_ci95"][0] > four["max_multiplier_ci95"][1]  # more workers
    # common random numbers: the same replication at the same multiplier sends the same
    # documents in both configurations
    with (out / "points.csv").open() as handle:
        runs = list(csv.DictReader(handle))
    assert len(runs) == len(document["points"]) > 10
    by_point: dict[tuple[str, str], set[str]] = {}
    for run in runs:
        by_point.setdefault((run["multiplier"], run["replication"]), set()).add(
            run["deliveries"])
    shared = [v for v in by_point.values() if len(v) >= 1]
    assert shared and all(len(v) == 1 for v in shared)
    assert (out / "frontier.png").stat().st_size > 20_000


def test_an_interrupted_frontier_keeps_the_points_it_ran(
        tmp_path: Path, scenarios_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lienthong.frontier import search

    calls = []
    real = search.FrontierSearch.run

    def interrupted(self, executor, report=None):
        def stop_after_three(run, state):
            report(run, state)
            calls.append(run)
            if len(calls) == 3:
                raise KeyboardInterrupt
        return real(self, executor, stop_after_three)

    monkeypatch.setattr(search.FrontierSearch, "run", interrupted)
    out = tmp_path / "f"
    assert main(["frontier", str(scenarios_dir / "validation" / "mmc.toml"), "--vary",
                 "axis.workers=4", "--jobs", "1", "--out", str(out), *TINY]) == 130
    with (out / "points.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 3


def test_bound_is_reported_as_at_least(tmp_path: Path, scenarios_dir: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "f"
    assert main(["frontier", str(scenarios_dir / "validation" / "mmc.toml"), "--vary",
                 "axis.workers=40", "--jobs", "1", "--out", str(out), "--max-multiplier",
                 "0.5", "--start", "0.5", *TINY[:6], "--quiet"]) == 0
    row = json.loads((out / "frontier.json").read_text())["rows"][0]
    assert row["at_least"] and row["max_multiplier"] == 0.5 and row["max_multiplier_ci95"] is None
    assert "max multiplier >= 0.5" in capsys.readouterr().out


@pytest.mark.parametrize(("options", "message"), [
    (["--vary", "axis.wrkers=1,2"], "axis.wrkers: unknown key"),
    (["--vary", "axis.workers=1,zero"], "axis.workers"),
    (["--vary", "axis.workers"], "expected KEY=V1,V2"),
    (["--vary", "axis.workers=2,2"], "a value is given twice"),
    (["--vary", "axis.workers=2", "--sla", "1.5"], "--sla 1.5: expected a share in (0, 1]"),
    (["--vary", "axis.workers=2", "--precision", "0"], "--precision 0: expected a fraction"),
    (["--vary", "axis.workers=2", "--p99", "-1"], "--p99 -1.0: expected seconds above 0"),
    (["--vary", "axis.workers=2", "--max-multiplier", "nan"], "--max-multiplier nan"),
    (["--vary", "axis.workers=2", "--min-multiplier", "2", "--max-multiplier", "1"],
     "--min-multiplier 2 is above --max-multiplier 1"),
    (["--vary", "axis.workers=2", "--outage", "pause:axis:national@1+2"],
     "pause is played by the load test only"),
    (["--vary", "axis.workers=2", "--start", "100"], "--start 100: expected between"),
    (["--vary", "axis.workers=2", "--min-replications", "1"], "--min-replications 1"),
    (["--vary", "axis.workers=2", "--max-replications", "2"], "--max-replications 2"),
    (["--vary", "axis.workers=2", "--executor", "ray"], "--executor ray: unknown"),
])
def test_bad_input_is_one_line(tmp_path: Path, scenarios_dir: Path,
                               capsys: pytest.CaptureFixture[str], options: list[str],
                               message: str) -> None:
    out = tmp_path / "f"
    code = main(["frontier", str(scenarios_dir / "validation" / "mmc.toml"), "--out",
                 str(out), *TINY, *options])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_unmeasurable_sla_is_one_line(tmp_path: Path, scenarios_dir: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["frontier", str(scenarios_dir / "validation" / "mmc.toml"), "--vary",
                 "axis.workers=2", "--out", str(tmp_path / "f"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "delivery.acknowledge is false" in err


def test_existing_frontier_is_never_overwritten(tmp_path: Path, scenarios_dir: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "f"
    out.mkdir()
    (out / "frontier.json").write_text("{}")
    code = main(["frontier", str(scenarios_dir / "validation" / "mmc.toml"), "--vary",
                 "axis.workers=4", "--out", str(out), "--jobs", "1", *TINY])
    assert code == 2 and "already holds a frontier" in capsys.readouterr().err
    assert (out / "frontier.json").read_text() == "{}"
