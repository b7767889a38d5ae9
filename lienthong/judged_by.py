"""The figure a run is judged by, where there is one, printed beside its own figures.

baseline-2019 is fitted to what the national axis published for 12 Mar - 30 Sep 2019, mid-2022
to July 2022; the
M/M/c validation scenario has Erlang C's exact waiting time. A run of either says how close it
came, so a reader does not have to look the target up. One small function per scenario, in
`JUDGES`; a scenario without one prints nothing more.
"""

from __future__ import annotations

from collections.abc import Callable

from lienthong.results import SimulationSummary
from lienthong.scenario import Scenario


def _against_counts(summary: SimulationSummary, period: str, documents: int, deliveries: int,
                    note: str) -> str:
    """The national axis's simulated counts against published ones, each with its error."""
    national = summary.national_axis
    return (f"judged by the published national-axis counts {period}: documents "
            f"{national.documents:,.0f} vs {documents:,} "
            f"({100 * (national.documents / documents - 1):+.2f}%), deliveries "
            f"{national.deliveries:,.0f} vs {deliveries:,} "
            f"({100 * (national.deliveries / deliveries - 1):+.2f}%); {note}")


def _baseline_2019(scenario: Scenario, summary: SimulationSummary) -> str:
    from sim.demand_fit import PUBLISHED_DELIVERIES, PUBLISHED_DOCUMENTS

    return _against_counts(summary, "(12 Mar - 30 Sep 2019)", PUBLISHED_DOCUMENTS,
                           PUBLISHED_DELIVERIES, "fitted targets, so this checks the fit, it "
                           "does not validate a prediction")


def _mid_2022(scenario: Scenario, summary: SimulationSummary) -> str:
    from sim.holdout import JULY_2022_RECEIVED, JULY_2022_SENT

    return _against_counts(summary, "of July 2022", JULY_2022_SENT, JULY_2022_RECEIVED,
                           "fitted targets (the hold-out, Jan-Jul 2022: lienthong demand-fit "
                           "mid-2022)")


def _mmc(scenario: Scenario, summary: SimulationSummary) -> str:
    from sim.analytic import mmc

    assert scenario.traffic is not None
    axis = summary.axes["axis:national"]
    offered = scenario.traffic.rate_per_s * scenario.axis.service_mean_s
    if offered >= axis.workers:
        return (f"judged by Erlang C (M/M/{axis.workers}): no steady state, the offered load "
                f"{offered:g} is not below {axis.workers} workers (the queue grows)")
    theory = mmc(scenario.traffic.rate_per_s, scenario.axis.service_mean_s, axis.workers)
    wait, ci = axis.wait_s["mean"], axis.wait_s["mean_ci95"]
    interval = f" ± {ci:.3g}" if ci else ""
    return (f"judged by Erlang C (M/M/{axis.workers}): mean wait {wait:.3g}{interval} s vs "
            f"{theory.wait:.3g} s analytic; utilisation {100 * axis.utilization:.1f}% vs "
            f"{100 * theory.utilization:.1f}%")


JUDGES: dict[str, Callable[[Scenario, SimulationSummary], str]] = {
    "baseline-2019": _baseline_2019,
    "mid-2022": _mid_2022,
    "validation-mmc": _mmc,
}


def judged_by(scenario: Scenario, summary: SimulationSummary) -> str | None:
    judge = JUDGES.get(scenario.name)
    return judge(scenario, summary) if judge else None
