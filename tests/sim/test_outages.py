"""Outage kinds: chosen by `kind`, or by the one target an entry names (the older format)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sim.config import FailureConfig
from sim.outages import AxisOutage, LinkOutage, OutagePlan


def test_kind_is_inferred_from_the_target_or_given() -> None:
    config = FailureConfig.model_validate({"outages": [
        {"axis": "axis:H01", "start_s": 0, "duration_s": 5},
        {"link": "axis:H02", "start_s": 10, "duration_s": 5},
        {"kind": "axis", "axis": "axis:H03", "start_s": 20, "duration_s": 5}]})
    assert [type(o) for o in config.outages] == [AxisOutage, LinkOutage, AxisOutage]
    plan = OutagePlan()
    for outage in config.outages:
        outage.plan(plan, 100.0)
    assert plan.axes == {"axis:H01": [(100.0, 105.0)], "axis:H03": [(120.0, 125.0)]}
    assert plan.links == {"axis:H02": [(110.0, 115.0)]}


def test_the_kind_tag_is_not_part_of_the_dump() -> None:
    """Old and new spellings of the same outage hash alike (lienthong.scenario's sha256)."""
    old = FailureConfig.model_validate(
        {"outages": [{"axis": "axis:H01", "start_s": 0, "duration_s": 5}]})
    new = FailureConfig.model_validate(
        {"outages": [{"kind": "axis", "axis": "axis:H01", "start_s": 0, "duration_s": 5}]})
    assert old.model_dump() == new.model_dump()
    assert "kind" not in old.model_dump()["outages"][0]


@pytest.mark.parametrize(("entry", "message"), [
    ({"start_s": 1, "duration_s": 2}, "exactly one of axis or link"),
    ({"axis": "a", "link": "b", "start_s": 1, "duration_s": 2}, "exactly one of axis or link"),
    ({"kind": "meteor", "axis": "a", "start_s": 1, "duration_s": 2}, "meteor"),
    ({"kind": "link", "axis": "a", "start_s": 1, "duration_s": 2}, "link"),
])
def test_a_bad_entry_is_refused(entry: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FailureConfig.model_validate({"outages": [entry]})
