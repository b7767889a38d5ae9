"""Demand sources: one class per kind, joined by a discriminated union on `kind`."""

from __future__ import annotations

import dataclasses

from pydantic import TypeAdapter

from sim.config import DemandSource
from sim.sources import Broadcast, CalendarDemand, StationaryTraffic
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
