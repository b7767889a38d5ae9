import re

import pytest

from lienthong.cli import main
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    runs = []
    for workers in (2, 3):
        out = root / f"mmc-{workers}"
        assert main(["simulate", str(SCENARIOS / "validation" / "mmc.toml"), "--replications", "2",
                     "--jobs", "1", "--out", str(out), "--set", f"axis.workers={workers}"]) == 0
        runs.append(out)
    return runs


def test_report_is_one_file_with_inlined_plots_and_provenance(two_runs, tmp_path, capsys):
    out = tmp_path / "review.html"
    assert main(["report", *map(str, two_runs), "--out", str(out), "--title", "c=2 vs c=3"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<h1>c=2 vs c=3</h1>" in page
    assert "src=\"data:image/png;base64," in page
    assert not re.search(r'src="(?!data:)', page)  # nothing links to files beside it
    for run in two_runs:
        assert run.name in page
    assert page.count("scenario_sha256") == 1
    assert "validation-mmc" in page and "simpy" in page
    assert "report written to" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "{tmp}/r.txt"], "expected an .html file name"),
    (["--out", "{tmp}/missing/r.html"], "does not exist"),
])
def test_bad_output_is_one_line(two_runs, tmp_path, capsys, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(["report", str(two_runs[0]), *args]) == 2
    assert message in capsys.readouterr().err


def test_a_directory_without_a_run_is_refused(tmp_path, capsys):
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2
    assert "not a run directory" in capsys.readouterr().err


@pytest.mark.slow
def test_a_frontier_directory_adds_its_capacity_frontier(two_runs, tmp_path, capsys):
    frontier = tmp_path / "frontier"
    assert main(["frontier", str(SCENARIOS / "validation" / "mmc.toml"), "--vary",
                 "axis.workers=4", "--set", "simulation.horizon_s=600", "--set",
                 "simulation.warmup_s=60", "--set", "delivery.acknowledge=true", "--p99", "60",
                 "--precision", "0.2", "--min-replications", "2", "--max-replications", "3",
                 "--jobs", "1", "--quiet", "--out", str(frontier)]) == 0
    capsys.readouterr()
    out = tmp_path / "with-frontier.html"
    assert main(["report", str(two_runs[0]), str(frontier), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "validation-mmc: capacity frontier" in page
    assert re.search(r"axis\.workers=4: demand up to ×[<>= ]*[0-9.]+ of today", page)
    assert page.count("data:image/png;base64,") >= 5


def test_a_window_of_the_day_is_reported_as_one_not_as_a_day(tmp_path, capsys):
    """A run of one hour (simulation.start_at + horizon_s) covers an eighth of a working day:
    its run length says so, and its counts per working day are its rate over eight hours."""
    import json

    run = tmp_path / "window"
    assert main(["simulate", "target-2020", "--out", str(run), "--no-plots", "--quiet",
                 "--set", "simulation.scope=national", "--set", "simulation.start_at=09:00",
                 "--set", "simulation.horizon_s=3600"]) == 0
    documents = json.loads((run / "summary.json").read_text())["documents"]
    out = tmp_path / "report.html"
    assert main(["report", str(run), "--out", str(out)]) == 0
    text = re.sub(r"<[^>]+>", " ", out.read_text())
    assert "a window of 1 h of a working day" in text
    assert f"{documents * 8:,.0f}" in text
