"""Cross-references of a scenario against its topology: every error at once, no simulation."""

from __future__ import annotations

import dataclasses

import pytest

from sim.checks import check, problems
from sim.inputs import SimInputError
from sim.outages import AxisOutage, LinkOutage
from sim.replications import build
from sim.sources import Broadcast
from tests.sim.simcase import sim_input


def test_a_bundled_scenario_has_no_problems() -> None:
    inp = sim_input("validation/jackson.toml")
    assert problems(inp, build(inp)) == []
    check(inp, build(inp))


def test_every_problem_is_listed_in_section_order() -> None:
    inp = sim_input("validation/jackson.toml", [
        "simulation.warmup_s=5000",
        'traffic.flows=[{sender = "000.00.00.H01", recipient = "nobody"}]',
        "axis.overrides.axis:moon.workers=2"])
    inp = dataclasses.replace(
        inp, broadcasts=[Broadcast(sender="000.00.00.X99", to_kind="province_committee")],
        failures=inp.failures.model_copy(update={"outages": [
            AxisOutage(axis="axis:mars", start_s=0.0, duration_s=1.0),
            LinkOutage(link="axis:national", start_s=0.0, duration_s=1.0)]}))
    found = problems(inp, build(inp))
    assert [line.split(":")[0] for line in found] == [
        "simulation.warmup_s", "axis.overrides", "traffic.flows.recipient",
        "broadcasts.sender", "failures.outages.axis", "failures.outages.link"]
    with pytest.raises(SimInputError) as error:
        check(inp, build(inp))
    assert str(error.value) == "; ".join(found) and "\n" not in str(error.value)


def test_an_agency_that_exists_but_is_not_connected_is_named() -> None:
    inp = sim_input("validation/jackson.toml",
                    ['traffic.flows=[{sender = "000.00.00.H01", recipient = "000.00.00.G22"}]',
                     "rollout.coverage={ province_committee = 1.0 }"])
    network = build(inp).network
    assert not network.by_code["000.00.00.G22"].connected
    assert problems(inp, build(inp)) == [
        "traffic.flows.recipient: agency '000.00.00.G22' is not connected in this rollout"]
