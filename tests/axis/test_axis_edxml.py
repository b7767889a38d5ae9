"""Parsing edXML: the fields routing needs, and refusal of hostile or broken packages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axis import edxml, packages

A, B, C = "000.00.00.G22", "000.00.00.H41", "000.00.18.G12"
NS = edxml.NAMESPACE


def test_document_fields() -> None:
    package = edxml.parse(packages.document(A, [B, C], "G22,2026/11/25,7", priority=3))
    assert (package.kind, package.sender, package.recipients) == ("edoc", A, (B, C))
    assert (package.document_id, package.priority, package.dedup_key) == (
        "G22,2026/11/25,7", 3, "G22,2026/11/25,7")


def test_status_fields_route_to_original_sender() -> None:
    package = edxml.parse(packages.status(B, A, "G22,2026/11/25,7", "06"))
    assert (package.kind, package.sender, package.recipients) == ("status", B, (A,))
    assert (package.response_for_document, package.status_code) == ("G22,2026/11/25,7", "06")
    other_code = edxml.parse(packages.status(B, A, "G22,2026/11/25,7", "03"))
    assert other_code.dedup_key != package.dedup_key


XXE = f"""<?xml version="1.0"?>
<!DOCTYPE edXMLEnvelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXMLEnvelope xmlns="{NS}"><edXMLHeader><MessageHeader><From><OrganId>&xxe;</OrganId></From>
</MessageHeader></edXMLHeader></edXMLEnvelope>""".encode()

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
              for i in range(1, 10))
    + f']><edXMLEnvelope xmlns="{NS}">&lol9;</edXMLEnvelope>'
).encode()

EXTERNAL_DTD = (f'<?xml version="1.0"?><!DOCTYPE edXMLEnvelope SYSTEM "http://evil.example/x.dtd">'
                f'<edXMLEnvelope xmlns="{NS}"/>').encode()


@pytest.mark.parametrize("body", [XXE, BILLION_LAUGHS, EXTERNAL_DTD], ids=["xxe", "laughs", "dtd"])
def test_hostile_xml_is_refused(body: bytes) -> None:
    with pytest.raises(edxml.PackageError) as error:
        edxml.parse(body)
    assert error.value.status == 400
    assert "forbidden XML construct" in error.value.message
    assert "root:" not in error.value.message  # nothing of /etc/passwd leaks


def test_truncated_xml_is_malformed() -> None:
    body = packages.document(A, [B], "x,1")
    with pytest.raises(edxml.PackageError, match="malformed XML") as error:
        edxml.parse(body[: len(body) // 2])
    assert error.value.status == 400


def test_wrong_namespace_is_named() -> None:
    body = packages.document(A, [B], "x,1").replace(NS.encode(), b"urn:not-edxml")
    with pytest.raises(edxml.PackageError, match="urn:not-edxml") as error:
        edxml.parse(body)
    assert error.value.status == 422


@pytest.mark.parametrize(
    ("element", "message"),
    [
        (b"<DocumentId>x,1</DocumentId>", "MessageHeader/DocumentId"),
        (b"<Subject>Subj</Subject>", "MessageHeader/Subject"),
        (b"<Priority>0</Priority>", "MessageHeader/OtherInfo/Priority"),
        (b"<To><OrganId>000.00.00.H41</OrganId></To>", "MessageHeader/To"),
    ],
)
def test_missing_fields_are_named(element: bytes, message: str) -> None:
    body = packages.document(A, [B], "x,1", subject="Subj")
    assert element in body
    with pytest.raises(edxml.PackageError) as error:
        edxml.parse(body.replace(element, b""))
    assert error.value.status == 422 and message in error.value.message


def test_bad_priority_and_status_code() -> None:
    with pytest.raises(edxml.PackageError, match="Priority"):
        edxml.parse(packages.document(A, [B], "x,1").replace(b"<Priority>0", b"<Priority>9"))
    with pytest.raises(edxml.PackageError, match="StatusCode"):
        edxml.parse(packages.status(B, A, "x,1", "done"))


def test_duplicate_recipient_is_refused() -> None:
    with pytest.raises(edxml.PackageError, match="more than once"):
        edxml.parse(packages.document(A, [B, B], "x,1"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(body: bytes) -> None:
    try:
        edxml.parse(body)
    except edxml.PackageError as error:
        assert error.status in (400, 422)


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda s: s.strip() == s and s.isprintable()))
def test_any_printable_document_id_round_trips(document_id: str) -> None:
    package = edxml.parse(packages.document(A, [B], document_id))
    assert package.document_id == document_id


def test_utf16_and_exotic_encodings_cannot_smuggle_a_dtd() -> None:
    """A DTD hidden from a byte scan by the encoding still reaches defusedxml and is refused."""
    text = XXE.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    with pytest.raises(edxml.PackageError, match="forbidden XML construct"):
        edxml.parse(text.encode("utf-16"))
    ebcdic = b'<?xml version="1.0" encoding="cp037"?>' + XXE.split(b"?>", 1)[1].decode().encode(
        "cp037")
    with pytest.raises(edxml.PackageError) as error:
        edxml.parse(ebcdic)
    assert error.value.status == 400


def test_fast_and_defused_paths_agree() -> None:
    body = packages.document(A, [B, C], "x,1", subject="Tiếng Việt & <ký tự>")
    fast = edxml.parse(body)
    declared = body.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"').decode(
        "utf-8").encode("iso-8859-1", errors="xmlcharrefreplace")
    assert not edxml._plain_utf8_without_declarations(declared)
    assert edxml.parse(declared) == fast
    assert edxml._plain_utf8_without_declarations(body)


def _careful(body: bytes) -> edxml.Package | edxml.PackageError:
    """What the field-by-field path says, without the one-pass shortcut."""
    root = edxml.ET.fromstring(body)
    try:
        header = edxml._child(root, "edXMLHeader", "edXMLEnvelope")
        if root.tag != edxml._ENVELOPE or root.find(edxml._BODY) is None:
            raise edxml.PackageError(422, "envelope")
        status = header.find(edxml._STATUS)
        message = header.find(edxml._MESSAGE_HEADER)
        if status is not None or message is None:
            raise edxml.PackageError(422, "not a document")
        return edxml._parse_document(header, message)
    except edxml.PackageError as error:
        return error


def test_one_pass_document_check_accepts_only_what_the_careful_path_accepts() -> None:
    """Drop each element, or empty each text, of a document in turn: the shortcut either gives
    exactly the careful path's answer or defers to it (None)."""
    import re

    body = packages.document(A, [B, C], "x,1", subject="Subj")
    elements = {m.group(0) for m in re.finditer(rb"<([A-Za-z]+)>[^<]*</\1>", body)}
    starts = {m.group(1) for m in re.finditer(rb"<([A-Za-z]+)>", body)}
    variants = [body.replace(e, b"", 1) for e in elements]
    variants += [body.replace(e, re.sub(rb">[^<]*<", b"> <", e), 1) for e in elements]
    variants += [re.sub(rb"<%s>.*?</%s>" % (s, s), b"", body, count=1, flags=re.S)
                 for s in starts]
    variants += [body.replace(b"<Priority>0", b"<Priority> 3 "), body]
    for variant in variants:
        root = edxml.ET.fromstring(variant)
        fast = edxml._document_fast(root)
        careful = _careful(variant)
        if fast is not None:
            assert fast == careful, variant
        if isinstance(careful, edxml.Package):
            assert edxml.parse(variant) == careful


def test_byte_order_mark_and_declaration_keep_the_fast_path() -> None:
    body = packages.document(A, [B], "x,1")
    assert edxml._plain_utf8_without_declarations(b"\xef\xbb\xbf" + body)
    assert not edxml._plain_utf8_without_declarations(
        b"\xef\xbb\xbf" + body.replace(b'encoding="UTF-8"', b'encoding="latin-1"'))
    assert edxml.parse(b"\xef\xbb\xbf" + body) == edxml.parse(body)


def test_a_body_of_millions_of_empty_elements_is_refused_on_the_way() -> None:
    """An attack run stalled the server 3.7 s with 16 MiB of `<a/>`; the element budget stops
    the parse after `MAX_ELEMENTS` instead of building a tree of four million elements."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?><edXMLEnvelope xmlns="'
            + edxml.NAMESPACE.encode() + b'">')
    body = head + b"<a/>" * 4_000_000 + b"</edXMLEnvelope>"
    with pytest.raises(edxml.PackageError) as caught:
        edxml.parse(body)
    assert caught.value.status == 422 and "more than" in caught.value.message
    assert str(edxml.MAX_ELEMENTS) in caught.value.message


def test_a_big_package_of_real_shape_is_parsed() -> None:
    body = packages.document("A1", ["B1", "B2"], "D,1", attachment=b"%PDF" * 3_000_000)
    assert len(body) > edxml.LARGE_BYTES
    parsed = edxml.parse(body)
    assert parsed.recipients == ("B1", "B2") and parsed.document_id == "D,1"


@pytest.mark.parametrize("body", [XXE, BILLION_LAUGHS, EXTERNAL_DTD], ids=["xxe", "laughs", "dtd"])
def test_a_big_hostile_body_is_refused_wherever_its_dtd_falls(body: bytes) -> None:
    """Big bodies are searched for a DTD slice by slice; one across two slices is found too."""
    declaration, rest = body.split(b"?>", 1)
    rest = rest.lstrip()
    head = declaration + b"?><!--"
    for doctype_at in (64 * 1024 - 4, 64 * 1024, 3 * 64 * 1024 - 1):
        pad = b"x" * (doctype_at - len(head) - len(b"-->"))
        big = head + pad + b"-->" + rest + b"<!--" + b"x" * edxml.LARGE_BYTES + b"-->"
        assert big.index(b"<!DOCTYPE") == doctype_at
        with pytest.raises(edxml.PackageError) as error:
            edxml.parse(big)
        assert error.value.status == 400
        assert "forbidden XML construct" in error.value.message, error.value.message


def test_more_recipients_than_the_limit_are_refused_naming_the_limit() -> None:
    many = [f"R{i:05d}" for i in range(edxml.MAX_RECIPIENTS + 1)]
    with pytest.raises(edxml.PackageError) as caught:
        edxml.parse(packages.document("A1", many, "D,1"))
    assert caught.value.status == 422
    assert f"at most {edxml.MAX_RECIPIENTS}" in caught.value.message
    assert edxml.parse(packages.document("A1", many[:-1], "D,2")).recipients == tuple(many[:-1])
