"""`lienthong demand-fit`: the fit and the hold-outs as a table, one clear line on bad input."""

from __future__ import annotations

import pytest

from lienthong.cli import main


def test_prints_fit_and_hold_outs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demand-fit", "baseline-2019"]) == 0
    out = capsys.readouterr().out
    assert "the scenario holds these values" in out
    assert "demand.uptake: logistic" in out
    assert out.count("hold-out") >= 4 and "1,250,000" in out


def test_another_curve_is_a_refit_the_scenario_does_not_hold(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demand-fit", "baseline-2019", "--curve", "gompertz"]) == 0
    assert "does NOT hold" in capsys.readouterr().out


def test_a_calendar_without_published_figures_is_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demand-fit", "target-2020"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no published figures" in err and "--against" in err


def test_mid_2022_is_fitted_to_july_and_reports_its_hold_out(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demand-fit", "mid-2022"]) == 0
    out = capsys.readouterr().out
    assert "'2022-07'" in out and "the scenario holds these values" in out
    assert "Jan-Jul 2022" in out and "hold-out" in out
