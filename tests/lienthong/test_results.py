"""The result contract: every kind of run is written and read through one typed summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lienthong.errors import UserError
from lienthong.results import (
    LoadtestSummary,
    SimulationSummary,
    read_run,
    read_summary,
    write_cdf,
    write_summary,
)
from tests.conftest import ROOT
from tests.lienthong.runs import reference_summary, write_run

REFERENCE_SUMMARIES = sorted(p for p in (ROOT / "results/reference").iterdir()
                             if (p / "summary.json").is_file())
REFERENCE_RUNS = [p for p in REFERENCE_SUMMARIES
                  if json.loads((p / "summary.json").read_text())["kind"] != "sweep"]
REFERENCE_SWEEPS = [p for p in REFERENCE_SUMMARIES if p not in REFERENCE_RUNS]


@pytest.mark.parametrize("path", REFERENCE_RUNS, ids=lambda p: p.name)
def test_the_reference_runs_read_as_typed_summaries(path: Path) -> None:
    run = read_run(path)
    assert run.kind in ("simulation", "loadtest")
    assert run.summary.scenario in path.name and run.cdfs["all"][0]
    assert len(run.timeseries["time_s"]) > 0


@pytest.mark.parametrize("path", REFERENCE_SWEEPS, ids=lambda p: p.name)
def test_the_reference_sweeps_read_as_typed_summaries(path: Path) -> None:
    sweep = read_summary(path)
    assert sweep.kind == "sweep" and sweep.scenario in path.name and len(sweep.points) > 1


@pytest.mark.parametrize("kind", ["simulation", "loadtest"])
def test_written_and_read_back_unchanged(tmp_path: Path, kind: str) -> None:
    model = {"simulation": SimulationSummary, "loadtest": LoadtestSummary}[kind]
    summary = model.model_validate(reference_summary(kind))
    write_summary(tmp_path, summary)
    assert read_summary(tmp_path) == summary


@pytest.mark.parametrize(("change", "message"), [
    ({"latency_p99": 3.0}, "summary.json: latency_p99: unknown key"),
    ({"latency_s": {"p50": 1.0, "p90": 1.0, "p99": 1.0, "max": 1.0, "p42": 1.0}},
     "summary.json: latency_s.p42: unknown key"),
    ({"documents": None}, "summary.json: documents:"),
    ({"kind": "spreadsheet"}, "kind 'spreadsheet' is not a run lienthong writes"),
])
def test_an_unknown_or_bad_key_is_one_line(tmp_path: Path, change: dict, message: str) -> None:
    run = write_run(tmp_path / "run", "simulation", **change)
    with pytest.raises(UserError) as caught:
        read_run(run)
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("kind", ["simulation", "loadtest"])
def test_a_missing_key_is_one_line(tmp_path: Path, kind: str) -> None:
    data = reference_summary(kind)
    del data["sla_met_fraction"]
    (tmp_path / "summary.json").write_text(json.dumps(data))
    with pytest.raises(UserError) as caught:
        read_summary(tmp_path)
    assert str(caught.value) == (f"{tmp_path / 'summary.json'}: sla_met_fraction: required "
                                 "key is missing")


def test_compare_and_report_refuse_a_sweep_in_one_line(tmp_path: Path) -> None:
    from lienthong.results import SweepSummary, provenance

    write_summary(tmp_path, SweepSummary(**provenance("sweep", "s", "0" * 64, 1, 1.0),
                                         key="axis.workers", points=[]))
    with pytest.raises(UserError, match="a sweep; compare and report take"):
        read_run(tmp_path)


def test_one_cdf_file_layout(tmp_path: Path) -> None:
    write_cdf(tmp_path, [0.5, 1.25], [0.0, 1.0], "1-4")
    assert (tmp_path / "latency_cdf_1-4.csv").read_text().splitlines() == [
        "latency_s,fraction", "0.500000,0.0000", "1.250000,1.0000"]
