"""The federation's pure parts: which provinces, which axis serves an agency, each outage kind's
plays, the backlog read from /metrics, and the scenario's scheduled outages."""

from __future__ import annotations

import pytest

from loadtest.agents import AgencySystem
from loadtest.directory import TargetError
from loadtest.failures import PLAYS, backlog_of, played
from loadtest.federation import bases_for, busiest_provinces, parse_axes, region_of
from loadtest.scenario import ScenarioError, read_scenario
from tests.conftest import ROOT
from topology.outages import KINDS, AxisOutage, LinkOutage, Spec


def agency(code: str, per_day: float) -> AgencySystem:
    return AgencySystem(0, code, code, 2, per_day)


def test_provinces_by_demand_and_each_agency_at_its_own_axis() -> None:
    agencies = [agency("000.00.01.H41", 5), agency("000.00.02.H41", 5), agency("K01.003", 8),
                agency("000.00.01.H01", 1), agency("000.00.01.G12", 100), agency("H79.001", 2)]
    assert busiest_provinces(agencies, 2) == ["H41", "H01"]
    with pytest.raises(TargetError, match="only 3 province"):
        busiest_provinces(agencies, 4)
    axes = parse_axes("national=http://n;H41=http://a")
    assert bases_for(["000.00.01.H41", "000.00.01.G12", "H79.001", "K41.002"], axes) == {
        "000.00.01.H41": "http://a", "000.00.01.G12": "http://n", "H79.001": "http://n",
        "K41.002": "http://a"}
    assert region_of("not a code") is None


def test_every_outage_kind_has_its_plays_here() -> None:
    """The scenario's kinds (shared with the simulator) each have every play they list."""
    for kind, cls in KINDS.items():
        assert cls.plays and all(PLAYS[play].kind == kind for play in cls.plays)
    assert {play.name for play in PLAYS.values()} == {p for c in KINDS.values() for p in c.plays}
    entry = LinkOutage(link="axis:H21", start_s=1, duration_s=2)
    assert played(entry) == Spec("cut", entry)
    assert played(AxisOutage(axis="axis:H21", start_s=1, duration_s=2)).play == "kill"


def test_backlog_from_metrics_text() -> None:
    text = ("# HELP axis_pending_deliveries x\naxis_pending_deliveries 7.0\n"
            'axis_relay_queue{next_hop="axis.H41"} 3.0\n'
            'axis_relay_queue{next_hop="axis.H01"} 2.0\n'
            'axis_relay_queue_age_seconds{next_hop="axis.H41"} 9.5\n')
    assert backlog_of(text) == (7.0, 5.0)
    assert backlog_of("") == (0.0, 0.0)


def test_scheduled_outages_are_read_as_the_simulator_reads_them() -> None:
    path = ROOT / "scenarios/target-2020.toml"
    played_scenario = read_scenario(path, [
        'failures.outages=[{axis="axis:H01",start_s=60,duration_s=30},'
        '{link="axis:H02",start_s=90,duration_s=10}]',
        "failures.retry_initial_s=2", "failures.retry_max_s=8"])
    assert played_scenario.outages == (
        AxisOutage(axis="axis:H01", start_s=60, duration_s=30),
        LinkOutage(link="axis:H02", start_s=90, duration_s=10))
    assert (played_scenario.retry_initial_s, played_scenario.retry_max_s) == (2.0, 8.0)
    for override, message in (
            ('failures.outages=[{axis="axis:H01",start_s=1,duration_s=0}]',
             "failures.outages.0.axis.duration_s"),
            ('failures.outages=[{start_s=1,duration_s=1}]', "exactly one of axis or link"),
            ("failures.retry_initial_s=-1", "failures.retry_initial_s"),
            ("failures.retry_max_s=1", "retry_max_s (1) is below"),
            ("failures.mtbf_hours=2", "[failures] is not played")):
        with pytest.raises(ScenarioError) as caught:
            read_scenario(path, [override])
        assert message in str(caught.value) and "\n" not in str(caught.value)
