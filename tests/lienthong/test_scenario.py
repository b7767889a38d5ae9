import pytest

from lienthong.errors import UserError
from lienthong.scenario import load_scenario
from topology.scenario_file import ScenarioFileError, apply_overrides, parse_override

GOOD = '[scenario]\nname = "t"\nseed = 3\n'


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["baseline-2019", "target-2020", "reform-2025"])
def test_bundled_scenarios_validate(scenarios_dir, name):
    loaded = load_scenario(scenarios_dir / f"{name}.toml")
    assert loaded.scenario.name == name
    assert len(loaded.sha256) == 64


def test_minimal_scenario_takes_documented_defaults(tmp_path):
    scenario = load_scenario(write(tmp_path, GOOD)).scenario
    assert scenario.seed == 3
    assert scenario.topology.structure == "pre2025"
    assert scenario.demand.mean_recipients == 2.99


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD + "[topology]\nstructur = 'pre2025'\n", r"s\.toml: topology\.structur: unknown key"),
        (GOOD + "[topology]\nstructure = 'pre1990'\n", r"topology\.structure: .*pre2025"),
        (GOOD + "[rollout.coverage]\ncommune_committee = 1.5\n",
         r"rollout\.coverage\.commune_committee: .*less than or equal to 1"),
        (GOOD + "[demand.documents_per_day]\ncentral_body = -2\n",
         r"demand\.documents_per_day\.central_body: .*greater than or equal to 0"),
        (GOOD + "[topology]\ndistrict_divisions = 'many'\n",
         r"topology\.district_divisions: .*integer.*'many'"),
        (GOOD + "[demand.routing]\ndown = 0.5\nup = 0.5\nacross = 0.5\n",
         r"demand\.routing: down \+ up \+ across must be 1"),
        (GOOD + "[calendar]\nwork_periods = ['17:00-07:30']\n",
         r"calendar\.work_periods: .*ends before it starts"),
        (GOOD + "[calendar]\nstart = 2020-01-10\nend = 2020-01-01\n", r"calendar: end .* before"),
        (GOOD + "[topology]\ncommune_divisions = 2\n", r"only possible in the '2025'"),
        ("[scenario]\nseed = 1\n", r"scenario\.name: required key is missing"),
        ('[scenario]\nname = "../etc"\n', r"scenario\.name: .*pattern"),
        (GOOD + "[bogus]\nx = 1\n", r"bogus: unknown key"),
        # TOML's inf passed the >= 0 / > 0 bounds and hung the simulator
        (GOOD + "[demand]\nscale = inf\n", r"demand\.scale: .*finite number"),
        (GOOD + "[axis]\nservice_mean_s = inf\n", r"axis\.service_mean_s: .*finite number"),
        (GOOD + "[loadtest]\ntime_scale = inf\n", r"loadtest\.time_scale: .*finite number"),
    ],
)
def test_bad_scenarios_name_file_key_and_expectation(tmp_path, text, expected):
    with pytest.raises(UserError, match=expected):
        load_scenario(write(tmp_path, text))


def test_malformed_toml_names_the_file_and_line(tmp_path):
    with pytest.raises(UserError, match=r"s\.toml: not valid TOML: .*line 2"):
        load_scenario(write(tmp_path, "[scenario]\nname = \n"))


def test_missing_file_directory_and_binary_file(tmp_path):
    with pytest.raises(UserError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.toml")
    with pytest.raises(UserError, match="is a directory"):
        load_scenario(tmp_path)
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UserError, match="not UTF-8"):
        load_scenario(binary)


def test_overrides_are_typed_and_validated(tmp_path):
    path = write(tmp_path, GOOD)
    loaded = load_scenario(path, ["axis.workers=4", "scenario.seed=9",
                                  "rollout.preset=2019", "demand.scale=1.5"])
    assert loaded.scenario.axis.workers == 4
    assert loaded.scenario.seed == 9
    assert loaded.scenario.rollout.preset == "2019"
    assert loaded.sha256 != load_scenario(path).sha256
    with pytest.raises(UserError, match=r"axis\.wrkers: unknown key"):
        load_scenario(path, ["axis.wrkers=4"])
    with pytest.raises(UserError, match=r"axis\.workers: .*greater than or equal to 1"):
        load_scenario(path, ["axis.workers=0"])
    with pytest.raises(UserError, match="expected KEY=VALUE"):
        load_scenario(path, ["axis.workers"])
    with pytest.raises(UserError, match=r"scenario\.seed is a value, not a section"):
        load_scenario(path, ["scenario.seed.x=1"])


def test_parse_override_reads_toml_values_else_text():
    assert parse_override("a.b=4") == (["a", "b"], 4)
    assert parse_override("a=[1, 2]") == (["a"], [1, 2])
    assert parse_override("a=pre2025") == (["a"], "pre2025")
    with pytest.raises(ScenarioFileError, match="empty part"):
        parse_override("a..b=1")


def test_plus_equals_appends_to_a_list_and_leaves_the_rest():
    data = {"failures": {"outages": [{"axis": "a"}]}, "axis": {"workers": 1}}
    result = apply_overrides(data, ["failures.outages+={axis = 'b'}", "new.list+=3"])
    assert result["failures"]["outages"] == [{"axis": "a"}, {"axis": "b"}]
    assert result["new"]["list"] == [3]  # created when absent
    assert data["failures"]["outages"] == [{"axis": "a"}]  # the original is not touched
    with pytest.raises(ScenarioFileError, match=r"axis\.workers is not a list"):
        apply_overrides(data, ["axis.workers+=1"])


def test_plus_equals_on_a_key_the_file_leaves_out_appends_to_its_default():
    """target-2020 does not set calendar.work_periods: `+=` adds to the default two periods
    rather than replacing them with the one given."""
    scenario = load_scenario("target-2020", ['calendar.work_periods+="17:30-18:00"']).scenario
    assert scenario.calendar.work_periods == ["07:30-11:30", "13:00-17:00", "17:30-18:00"]
    with pytest.raises(UserError, match="nosuch"):
        load_scenario("target-2020", ["nosuch.key+=1"])


def test_a_bad_value_set_on_the_command_line_is_blamed_on_the_option(tmp_path):
    """The file may not even contain the key: the error names the `--set` that set it."""
    with pytest.raises(UserError, match=r"^--set simulation\.start_at=9:00: "
                       r"simulation\.start_at: not a time of day"):
        load_scenario("target-2020", ["simulation.start_at=9:00"])
    with pytest.raises(UserError, match=r"^--set axis=\{wrkers = 3\}: axis\.wrkers: unknown"):
        load_scenario("target-2020", ["axis={wrkers = 3}"])
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "bad"\n[axis]\nwrkers = 3\n')
    with pytest.raises(UserError, match=r"bad\.toml: axis\.wrkers: unknown key"):  # the file's
        load_scenario(bad, ["simulation.horizon_s=60"])
