import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.codes import CodeError, ParsedCode, fits_qcvn102, format_code, parse_code


@pytest.mark.parametrize(
    ("code", "body", "path"),
    [
        ("000.00.00.G22", "G22", ()),  # Government Office
        ("000.00.00.G12", "G12", ()),  # Ministry of Finance
        ("000.00.18.G12", "G12", (18,)),  # General Department of Taxation
        ("000.00.00.H41", "H41", ()),  # Nghe An
        ("000.12.03.H41", "H41", (3, 12)),
        ("007.12.03.H41", "H41", (3, 12, 7)),
    ],
)
def test_published_and_layout_examples_parse(code, body, path):
    parsed = parse_code(code)
    assert parsed == ParsedCode("qcvn102", body, path)
    assert format_code("qcvn102", body, path) == code


def test_post_2025_form_for_units_the_13_character_layout_cannot_hold():
    assert not fits_qcvn102((151,))
    assert parse_code("H01.151") == ParsedCode("2025", "H01", (151,))
    assert parse_code("H01.151.01").depth == 3
    assert format_code("2025", "H01", (151, 1)) == "H01.151.01"


@pytest.mark.parametrize(
    "bad",
    ["", "000.00.00.X01", "00.00.00.G01", "000.05.00.G01", "000.00.00.G1", "H01.000",
     "H01.1234", "H01.151.001", "000.00.00.G01 "],
)
def test_malformed_codes_are_rejected_with_a_reason(bad):
    with pytest.raises(CodeError, match=repr(bad) if bad else "neither"):
        parse_code(bad)


@pytest.mark.parametrize(("form", "path"), [("qcvn102", (100,)), ("qcvn102", (1, 2, 3, 4)),
                                            ("2025", ()), ("2025", (1, 100))])
def test_paths_that_do_not_fit_are_refused(form, path):
    with pytest.raises(CodeError):
        format_code(form, "H01", path)


@given(
    body=st.from_regex(r"[GHK]\d\d", fullmatch=True),
    path=st.lists(st.integers(1, 999), max_size=3).map(tuple),
)
def test_round_trip_in_whichever_form_fits(body, path):
    if fits_qcvn102(path):
        form = "qcvn102"
    elif 1 <= len(path) <= 2 and (len(path) == 1 or path[1] <= 99):
        form = "2025"
    else:
        return
    code = format_code(form, body, path)
    assert parse_code(code) == ParsedCode(form, body, path)
