import pytest

from axis.edxml import parse
from loadtest import edxml


def test_documents_are_valid_edxml_for_the_reference_parser():
    package = edxml.document("000.00.00.H41", ["000.00.01.H41", "000.00.02.H41"],
                             "000.00.00.H41,2020/06/01,LT1-7", intended=1_591_000_000.25,
                             priority=3, size_bytes=20_000)
    parsed = parse(package)
    assert parsed.kind == "edoc" and parsed.sender == "000.00.00.H41"
    assert parsed.recipients == ("000.00.01.H41", "000.00.02.H41")
    assert parsed.priority == 3 and parsed.document_id.endswith("LT1-7")
    assert 18_000 <= len(package) <= 21_000


def test_status_packages_are_valid_and_routed_to_the_sender():
    package = edxml.status("000.00.01.H41", "000.00.00.H41", "D,2020/06/01,1", "03",
                           intended=1_591_000_000.0)
    parsed = parse(package)
    assert parsed.kind == "status" and parsed.recipients == ("000.00.00.H41",)
    assert parsed.status_code == "03" and edxml.status_code(package) == "03"


@pytest.mark.parametrize("when", [1_591_000_000.0, 1_591_000_000.123456, 1_700_000_123.999999])
def test_intended_time_round_trips_to_the_microsecond(when):
    package = edxml.document("A", ["B"], "A,2020/06/01,1", intended=when)
    assert edxml.intended_time(package) == pytest.approx(when, abs=1e-6)


def test_small_sizes_get_no_attachment_and_large_ones_are_built_fast():
    assert b"Attachment" not in edxml.document("A", ["B"], "A,x,1", intended=0.0, size_bytes=10)
    big = edxml.document("A", ["B"], "A,x,2", intended=0.0, size_bytes=8 * 1024 * 1024)
    assert abs(len(big) - 8 * 1024 * 1024) < 4096
    assert edxml.intended_time(b"<x/>") is None
