"""The outage vocabulary the simulator and the load test share: command-line specs, each bad one
named, and the retry back-off both play."""

from __future__ import annotations

import pytest

from topology.outages import (
    KINDS,
    RETRY_INITIAL_S,
    RETRY_MAX_S,
    AxisOutage,
    LinkOutage,
    SpecError,
    backoff,
    backoff_schedule,
    parse_spec,
    spec_text,
)


@pytest.mark.parametrize(("text", "play", "outage"), [
    ("kill:axis:H21@2400+960", "kill", AxisOutage(axis="axis:H21", start_s=2400, duration_s=960)),
    ("pause:axis:axis:national@0+5", "pause",
     AxisOutage(axis="axis:national", start_s=0, duration_s=5)),
    ("cut:link:H21-national@30.5+60", "cut", LinkOutage(link="axis:H21", start_s=30.5,
                                                       duration_s=60)),
    ("cut:link:national-H01@1+1", "cut", LinkOutage(link="axis:H01", start_s=1, duration_s=1)),
    ("cut:link:axis:G05@1+1", "cut", LinkOutage(link="axis:G05", start_s=1, duration_s=1)),
])
def test_a_spec_is_a_play_and_the_scenario_entry_it_stands_for(text, play, outage) -> None:
    spec = parse_spec(text)
    assert (spec.play, spec.outage) == (play, outage)
    assert parse_spec(spec_text(spec)) == spec


@pytest.mark.parametrize(("text", "message"), [
    ("kill:H21@1+1", "expected PLAY:axis:AXIS@START+DURATION"),
    ("kill:axis:H21", "expected PLAY:axis:AXIS@START+DURATION"),
    ("kill:axis:H21@-1+2", "expected PLAY"),
    ("nap:axis:H21@1+1", "axis outages are played as kill or pause, not 'nap'"),
    ("cut:axis:H21@1+1", "not 'cut'"),
    ("kill:link:H21-national@1+1", "link outages are played as cut, not 'kill'"),
    ("cut:link:H21-H01@1+1", "link 'H21-H01': expected AXIS-national"),
    ("cut:link:national@1+1", "expected AXIS-national"),
    ("kill:axis:H21@1+0", "duration_s"),
])
def test_a_bad_spec_is_one_line_naming_it(text, message) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    assert message in str(caught.value) and text in str(caught.value)
    assert "\n" not in str(caught.value)


def test_every_kind_says_how_it_is_played() -> None:
    assert set(KINDS) == {"axis", "link"}
    assert KINDS["axis"].plays[0] == "kill" and KINDS["link"].plays == ("cut",)


def test_the_back_off_doubles_to_its_cap() -> None:
    assert backoff_schedule(RETRY_INITIAL_S, RETRY_MAX_S) == [30, 60, 120, 240, 480, 960, 1200]
    assert backoff_schedule(48, 192) == [48, 96, 192]
    assert backoff_schedule(5, 5) == [5]
    assert [backoff(1, 4, n) for n in range(5)] == [1, 2, 4, 4, 4]
    assert backoff(30, 1200, 10_000) == 1200
