from pathlib import Path

import pytest

from lienthong.compare import headline_rows, to_scenario_time
from lienthong.results import LoadtestSummary, Run, SimulationSummary
from tests.lienthong.runs import reference_summary

LATENCY = {"p50": 0.5, "p90": 0.55, "p99": 0.58, "max": 0.6, "mean": 0.6, "count": 10}


def run(kind: str, scale: float, directory: str = "") -> Run:
    changes = {"scenario": "s", "latency_s": LATENCY,
               "throughput_per_s": {"mean": 4.8, "peak": 9.6}, "requests_per_s": 96.0}
    if kind == "loadtest":
        summary = LoadtestSummary.model_validate(
            reference_summary(kind, time_scale=scale, **changes))
    else:
        summary = SimulationSummary.model_validate(reference_summary(kind, **changes))
    return Run(Path(f"/runs/{directory or kind}"), summary,
               {"time_s": [27000.0], "delivered_per_s": [48.0], "sent_per_s": [4.8],
                "requests_per_s": [96.0], "backlog": [3.0]},
               {"all": ([0.1, 1.0], [0.0, 1.0])})


def test_a_compressed_load_test_in_scenario_units():
    scaled = to_scenario_time(run("loadtest", 48.0))
    summary = scaled.summary
    assert summary.latency_s.p50 == 24.0 and summary.latency_s.count == 10
    assert summary.latency_s.mean == pytest.approx(28.8)
    assert summary.latency_s.mean_ci95 is None
    assert summary.throughput_per_s.mean == pytest.approx(0.1)
    assert summary.time_base == "scenario"
    assert scaled.timeseries["delivered_per_s"] == [1.0]
    assert scaled.timeseries["backlog"] == [3.0]
    assert scaled.cdfs["all"][0] == pytest.approx([4.8, 48.0])


def test_simulations_and_uncompressed_runs_are_left_alone():
    for original in (run("simulation", 48.0), run("loadtest", 1.0)):
        assert to_scenario_time(original) is original


def test_headline_table_has_one_column_per_run_named_once():
    rows = headline_rows([run("simulation", 1.0, "s-simulation-1"), run("loadtest", 48.0)])
    assert rows[0][1:] == ["s-simulation-1", "s (loadtest, loadtest)"]
    latency = next(row for row in rows if row[0] == "latency p50 (s)")
    assert latency[1:] == ["0.5000", "0.5000"]


def test_compare_never_overwrites_a_comparison(tmp_path):
    from lienthong.compare import compare
    from lienthong.errors import UserError
    from tests.conftest import ROOT

    runs = [ROOT / "results/reference/target-2020-simulation",
            ROOT / "results/reference/target-2020-loadtest"]
    result = compare(runs, tmp_path / "c", scenario_time=True)
    assert {p.name for p in (tmp_path / "c").iterdir()} == {
        "latency_cdf.png", "throughput.png", "backlog.png", "headline.txt", "report.html"}
    assert "target-2020-loadtest" in result["table"]
    before = (tmp_path / "c" / "headline.txt").read_bytes()
    with pytest.raises(UserError, match="already holds a comparison"):
        compare(runs, tmp_path / "c")
    assert (tmp_path / "c" / "headline.txt").read_bytes() == before


def test_predicted_and_measured_drain_side_by_side_in_scenario_seconds():
    drain = {"count": 1, "mean": 950.0, "max": 950.0}
    simulated = SimulationSummary.model_validate(reference_summary(
        "simulation", scenario="s", outages_replication_1={"axis:H21": [[29400.0, 30720.0]]},
        drain_time_s={"axis:H21": drain}, link_outages={}))
    measured = LoadtestSummary.model_validate(reference_summary(
        "loadtest", scenario="s", time_scale=48.0, outages={"axis:H21": [[50.0, 77.5]]},
        drain_time_s={"axis:H21": {"count": 1, "mean": 16.0, "max": 16.0}},
        link_outages={"axis:H20": [[90.0, 95.0]]}))
    runs = [Run(Path("/runs/s-simulation"), simulated, {}, {}),
            to_scenario_time(Run(Path("/runs/s-loadtest"), measured, {}, {}))]
    rows = {row[0]: row[1:] for row in headline_rows(runs)}
    assert rows["axis:H21 down (s)"] == ["1320.0", "1320.0"]
    assert rows["axis:H21 drain (s)"] == ["950.0", "768.0"]
    assert rows["link H20-national cut (s)"] == ["-", "240.0"]
