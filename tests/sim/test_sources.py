"""Demand sources: one class per kind, joined by a discriminated union on `kind`."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import TypeAdapter, ValidationError

from sim.checks import problems
from sim.config import DemandSource
from sim.replications import build, run_one
from sim.sources import Broadcast, CalendarDemand, ServiceSync, StationaryTraffic
from sim.summary import histograms, summarize
from tests.sim.simcase import sim_input

SOURCE = TypeAdapter(DemandSource)


def test_the_union_picks_the_class_by_kind() -> None:
    assert isinstance(SOURCE.validate_python({"kind": "calendar"}), CalendarDemand)
    traffic = SOURCE.validate_python({"kind": "traffic", "rate_per_s": 2.0, "flows": [
        {"sender": "a", "recipient": "b"}]})
    assert isinstance(traffic, StationaryTraffic) and traffic.rate_per_s == 2.0
    broadcast = SOURCE.validate_python({"kind": "broadcast", "sender": "a",
                                        "to_kind": "province_committee"})
    assert isinstance(broadcast, Broadcast) and broadcast.time == "08:00"


def test_traffic_replaces_the_calendar_and_broadcasts_add_to_it() -> None:
    calendar = sim_input("baseline-2019.toml")
    assert [type(s) for s in calendar.sources] == [CalendarDemand]
    traffic = sim_input("validation/mmc.toml")
    extra = Broadcast(sender="000.00.00.G22", to_kind="province_committee")
    both = dataclasses.replace(traffic, broadcasts=[extra])
    assert [type(s) for s in both.sources] == [StationaryTraffic, Broadcast]


SYNC = ["simulation.days=1", "simulation.horizon_s=3600", "simulation.scope='national'"]


def test_service_sync_is_a_kind_of_its_own() -> None:
    sync = SOURCE.validate_python({"kind": "service_sync", "per_day": 1000.0})
    assert isinstance(sync, ServiceSync) and sync.portal == "000.00.00.G22"
    with pytest.raises(ValidationError, match="unknown agency kind 'moon'"):
        SOURCE.validate_python({"kind": "service_sync", "from_kind": "moon"})
    with pytest.raises(ValidationError, match="per_day"):
        SOURCE.validate_python({"kind": "service_sync", "per_day": 0})
    with_sync = sim_input("baseline-2019.toml", [*SYNC, "service_sync={per_day=1000}"])
    assert [type(s) for s in with_sync.sources] == [CalendarDemand, ServiceSync]


def test_an_unknown_portal_is_named() -> None:
    inp = sim_input("baseline-2019.toml", [*SYNC, "service_sync={portal='000.00.00.X99'}"])
    assert problems(inp, build(inp)) == [
        "service_sync.portal: no agency with code '000.00.00.X99' in this topology"]


def test_sync_traffic_is_counted_apart_and_leaves_the_documents_draws_alone() -> None:
    """The syncs draw from their own streams: the same documents are sent with and without
    them (common random numbers), their latency and SLA are reported apart, and the national
    axis carries their load (one `status` request each where stored or relayed)."""
    per_day = 40_000.0
    plain = sim_input("baseline-2019.toml", SYNC)
    synced = sim_input("baseline-2019.toml", [*SYNC, f"service_sync={{per_day={per_day}}}"])
    a, b = run_one(plain, 0), run_one(synced, 0)
    assert a.sync is None and b.sync is not None
    assert (b.documents, b.deliveries, b.national_deliveries) == \
        (a.documents, a.deliveries, a.national_deliveries)
    assert b.sla_count == a.sla_count and b.latency_count == a.latency_count
    expected = per_day / 8.0  # the first hour of an 8-hour working day
    assert b.sync["sent"] == pytest.approx(expected, rel=0.1)
    assert b.sync["delivered"] == b.sync["acked"] == b.sync["sent"]
    assert b.sync["sla_count"] == b.sync["sent"] and b.sync["sla_met"] == b.sync["sent"]
    assert b.sync["latency_mean_s"] > 0
    national = "axis:national"
    extra = b.axes[national]["arrival_rate_per_s"] - a.axes[national]["arrival_rate_per_s"]
    # each sync is relayed into the national axis, fetched and acknowledged there: 3 requests
    assert extra == pytest.approx(3 * b.sync["sent"] / 3600.0, rel=0.05)
    assert b.axes[national]["utilization"] > a.axes[national]["utilization"]
    block = summarize(synced, [b], histograms([b]))["service_sync"]
    assert block["sent"] == b.sync["sent"] and block["latency_s"]["count"] == b.sync["sent"]
    assert "service_sync" not in summarize(plain, [a], histograms([a]))
