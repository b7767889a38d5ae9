"""Roles and routing, the axes' trace, the code reader's contract with topology's, and the
federation options of `axis serve` (each bad one is one line)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axis import packages
from axis.federation.codes import level1_body, region_of_body
from axis.federation.relay import parse_backoff
from axis.federation.roles import NATIONAL_CODE, ROLES, RoleError, make_role
from axis.federation.trace import MAX_HOPS, TraceError, append, hops
from topology.codes import CodeError, format_code, parse_code

NATIONAL_URL = "http://127.0.0.1:9000"


def test_a_provincial_axis_serves_its_province_and_sends_the_rest_upstream() -> None:
    role = make_role("provincial", "H41", NATIONAL_URL)
    assert role.code == "axis.H41" and role.peers == {NATIONAL_CODE: NATIONAL_URL}
    assert role.route("000.12.03.H41") is None
    assert role.route("H41.151.01") is None
    assert role.route("000.00.00.K41") is None  # its People's Council
    assert role.route("000.00.03.H01") == NATIONAL_CODE
    assert role.route("000.00.00.G12") == NATIONAL_CODE
    assert role.route("not-a-code") is None  # served here if registered, else 422


def test_the_national_axis_relays_to_regions_with_an_axis_and_serves_the_others() -> None:
    role = make_role("national", downstream={"H41": "http://127.0.0.1:9001",
                                             "G05": "http://127.0.0.1:9002"})
    assert role.code == NATIONAL_CODE
    assert role.route("000.12.03.H41") == "axis.H41"
    assert role.route("K41.007") == "axis.H41"
    assert role.route("000.00.01.G05") == "axis.G05"
    assert role.route("000.00.01.G12") is None
    assert role.route("000.00.01.H01") is None


def test_a_neighbour_relays_only_for_senders_on_its_side() -> None:
    national = make_role("national", downstream={"H41": "http://127.0.0.1:9001"})
    assert national.accepts_relay("axis.H41", "000.00.07.H41")
    assert not national.accepts_relay("axis.H41", "000.00.07.H01")
    province = make_role("provincial", "H41", NATIONAL_URL)
    assert province.accepts_relay(NATIONAL_CODE, "000.00.07.H01")
    assert not province.accepts_relay(NATIONAL_CODE, "000.00.07.H41")


def test_standalone_routes_nothing_and_every_role_is_registered() -> None:
    assert set(ROLES) == {"standalone", "provincial", "platform", "national"}
    role = make_role("standalone")
    assert not role.federated and role.route("000.00.03.H01") is None


@pytest.mark.parametrize(("name", "region", "upstream", "downstream", "message"), [
    ("provincial", None, NATIONAL_URL, {}, "--region Hnn"),
    ("provincial", "G05", NATIONAL_URL, {}, "--region Hnn"),
    ("platform", "G05", None, {}, "--upstream URL"),
    ("provincial", "H41", "ftp://x", {}, "--upstream 'ftp://x'"),
    ("national", "H41", None, {}, "takes no --region"),
    ("national", None, None, {"X1": NATIONAL_URL}, "Gnn or Hnn"),
    ("standalone", "H41", None, {}, "need --role"),
    ("hub", None, None, {}, "expected one of"),
])
def test_bad_role_options_are_named(name, region, upstream, downstream, message) -> None:
    with pytest.raises(RoleError) as error:
        make_role(name, region, upstream, downstream)
    assert message in str(error.value)


@given(st.sampled_from("GHK"), st.integers(0, 99),
       st.lists(st.integers(1, 99), max_size=3), st.booleans())
def test_the_code_reader_agrees_with_topology(letter, number, path, post2025) -> None:
    """Pinned to topology.codes: the same level-1 body for every code either form can write."""
    body = f"{letter}{number:02d}"
    form = "2025" if post2025 else "qcvn102"
    try:
        code = format_code(form, body, tuple(path))
    except CodeError:
        return
    assert level1_body(code) == parse_code(code).body


@pytest.mark.parametrize("text", ["axis.H41", "H41", "000.00.00.H4", "H41.1", "x.000.00.00.H41"])
def test_what_is_not_a_code_has_no_body(text) -> None:
    assert level1_body(text) is None


def test_region_of_a_council_is_its_province() -> None:
    assert region_of_body("K41") == "H41" and region_of_body("G05") == "G05"


def test_the_axes_hops_travel_beside_the_package() -> None:
    once = append("", "axis.H41", 1_764_000_000.25)
    twice = append(once, NATIONAL_CODE, 1_764_000_001.5)
    assert twice == ("axis.H41@2025/11/24 16:00:00.250000; "
                     "axis.national@2025/11/24 16:00:01.500000")
    body = packages.document("000.00.07.H41", ["000.00.03.H01"], "d1")
    assert hops(body, twice) == ["000.00.07.H41", "axis.H41", NATIONAL_CODE]
    assert hops(body) == ["000.00.07.H41"]


@pytest.mark.parametrize(("text", "fault"), [
    ("axis.H41", "expected OrganId@yyyy/MM/dd HH:mm:ss.ffffff"),
    ("axis.H41@yesterday", "expected OrganId@"),
    ("<x>@2025/11/24 16:00:00.250000", "expected OrganId@"),
    ("; ".join(["a@2025/11/24 16:00:00.250000"] * (MAX_HOPS + 1)), f"at most {MAX_HOPS}"),
])
def test_a_forged_or_looping_trace_is_refused(text, fault) -> None:
    with pytest.raises(TraceError, match=re.escape(fault)):
        append(text, "axis.H01", 0)


def test_backoff_option() -> None:
    assert parse_backoff("30,120,1200") == (30.0, 120.0, 1200.0)
    for bad in ("", "a", "0", "-1,2", "1e9"):
        with pytest.raises(ValueError):
            parse_backoff(bad)


@pytest.mark.parametrize(("argv", "message"), [
    (["--role", "provincial", "--upstream", NATIONAL_URL],
     "--role provincial needs --region Hnn (got None)"),
    (["--role", "national", "--downstream", "H41"], "--downstream 'H41': expected REGION=URL"),
    (["--role", "national", "--relay-backoff", "0"], "--relay-backoff '0': each delay"),
    (["--role", "national"], "--role national needs --secret"),
])
def test_federation_options_are_one_line(tmp_path, capsys, monkeypatch, argv, message) -> None:
    from lienthong.cli import main

    monkeypatch.delenv("LIENTHONG_AXIS_SECRET", raising=False)
    assert main(["axis", "serve", "--store", str(tmp_path / "a.db"), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"lienthong: error: {message}"), err
