"""The federation's pure parts: which provinces, which axis serves an agency, outage specs, the
backlog read from /metrics, and the scenario's scheduled outages."""

from __future__ import annotations

import pytest

from loadtest.agents import AgencySystem
from loadtest.directory import TargetError
from loadtest.failures import KINDS, backlog_of, parse_outage
from loadtest.federation import bases_for, busiest_provinces, parse_axes, region_of
from loadtest.scenario import ScenarioError, read_scenario
from tests.conftest import ROOT


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


def test_outage_specs() -> None:
    outage = parse_outage("kill:axis:H41@3600+1200")
    assert (outage.kind, outage.axis, outage.start_s, outage.duration_s) == (
        "kill", "axis:H41", 3600.0, 1200.0)
    assert parse_outage("pause:national@0+5").axis == "axis:national"
    assert set(KINDS) == {"kill", "pause"}
    for bad in ("kill:H41", "nap:H41@1+1", "kill:H41@1+0", "kill:H41@-1+2"):
        with pytest.raises(ValueError, match="--outage"):
            parse_outage(bad)


def test_backlog_from_metrics_text() -> None:
    text = ("# HELP axis_pending_deliveries x\naxis_pending_deliveries 7.0\n"
            'axis_relay_queue{next_hop="axis.H41"} 3.0\n'
            'axis_relay_queue{next_hop="axis.H01"} 2.0\n'
            'axis_relay_queue_age_seconds{next_hop="axis.H41"} 9.5\n')
    assert backlog_of(text) == (7.0, 5.0)
    assert backlog_of("") == (0.0, 0.0)


def test_scheduled_axis_outages_are_read_and_the_rest_refused() -> None:
    path = ROOT / "scenarios/target-2020.toml"
    played = read_scenario(path, ['failures.outages=[{axis="axis:H01",start_s=60,'
                                  'duration_s=30}]'])
    assert played.outages == (("axis:H01", 60.0, 30.0),)
    for override, message in (
            ('failures.outages=[{link="axis:H01",start_s=1,duration_s=1}]', "link outages"),
            ('failures.outages=[{axis="H01",start_s=1,duration_s=1}]', "axis must name"),
            ('failures.outages=[{axis="axis:H01",start_s=1,duration_s=0}]', "duration_s > 0"),
            ("failures.mtbf_hours=2", "[failures] is not played")):
        with pytest.raises(ScenarioError) as caught:
            read_scenario(path, [override])
        assert message in str(caught.value) and "\n" not in str(caught.value)
