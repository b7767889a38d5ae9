from pathlib import Path

import pytest

from loadtest.scenario import ScenarioError, read_scenario
from sim.config import DeliveryConfig

ROOT = Path(__file__).resolve().parents[2]


def test_delivery_section_is_the_simulators():
    scenario = read_scenario(ROOT / "scenarios/target-2020.toml", ["delivery.mode=long_poll"])
    assert isinstance(scenario.delivery, DeliveryConfig)
    assert scenario.delivery.mode == "long_poll"
    with pytest.raises(ScenarioError, match=r"delivery\.mode"):
        read_scenario(ROOT / "scenarios/target-2020.toml", ["delivery.mode=carrier_pigeon"])


def test_reads_a_bundled_scenario_with_overrides():
    scenario = read_scenario(ROOT / "scenarios/target-2020.toml",
                             ["loadtest.users=7", "delivery.poll_interval_s=30",
                              "loadtest.shape=step"])
    assert scenario.name == "target-2020" and scenario.seed == 2020
    assert scenario.loadtest.users == 7 and scenario.loadtest.shape.kind == "step"
    assert scenario.delivery.poll_interval_s == 30.0


@pytest.mark.parametrize("override, fragment", [
    ("loadtest.userz=3", "loadtest.userz: unknown key"),
    ("loadtest.users=0", "loadtest.users"),
    ("loadtest.shape=square", "loadtest.shape"),
    ("novalue", "expected KEY=VALUE"),
])
def test_bad_overrides_are_one_clear_line(override, fragment):
    with pytest.raises(ScenarioError) as caught:
        read_scenario(ROOT / "scenarios/target-2020.toml", [override])
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        read_scenario(tmp_path / "nope.toml")


@pytest.mark.parametrize(("scenario", "overrides", "sections"), [
    ("validation/mmc.toml", [], "[traffic] is"),
    ("target-2020.toml", ["failures.mtbf_hours=2"], "[failures] is"),
    ("validation/jackson.toml", ["broadcasts=[]"], "[traffic], [broadcasts] are"),
])
def test_sections_the_load_test_would_ignore_are_refused(scenario, overrides, sections):
    with pytest.raises(ScenarioError) as caught:
        read_scenario(ROOT / "scenarios" / scenario, overrides)
    message = str(caught.value)
    assert f"{sections} not played by the load test" in message and "\n" not in message
