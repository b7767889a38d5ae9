"""The signature: a fixed worked example (also in docs/axis.md) and what it covers."""

from __future__ import annotations

import hashlib
import hmac

from axis import signing


def test_worked_example_from_the_docs() -> None:
    # Recomputed by hand from the definition, so a change in the algorithm cannot pass unseen.
    body = b'{"status":"done"}'
    digest = hashlib.sha256(body).hexdigest().encode()
    message = b"POST\n/v1/deliveries/42/ack\n1764057600\n" + digest
    expected = hmac.new(b"0123456789abcdef0123", message, hashlib.sha256).hexdigest()
    got = signing.signature("0123456789abcdef0123", "POST", "/v1/deliveries/42/ack",
                            "1764057600", body)
    assert got == expected
    assert got == "d9134e4dcebdd72012e5178b69aababf1010a6bf10e06bad5e6b2bcee5cd3835"


def test_empty_body_hashes_as_empty_string() -> None:
    assert signing.body_digest(b"") == hashlib.sha256(b"").hexdigest()
    assert signing.EMPTY_BODY_SHA256.startswith("e3b0c442")


def test_signature_covers_method_path_query_time_and_body() -> None:
    base = ("s" * 20, "GET", "/v1/inbox?kind=edoc", "100", b"")
    reference = signing.signature(*base)
    variants = [
        ("t" * 20, "GET", "/v1/inbox?kind=edoc", "100", b""),
        ("s" * 20, "POST", "/v1/inbox?kind=edoc", "100", b""),
        ("s" * 20, "GET", "/v1/inbox?kind=status", "100", b""),
        ("s" * 20, "GET", "/v1/inbox", "100", b""),
        ("s" * 20, "GET", "/v1/inbox?kind=edoc", "101", b""),
        ("s" * 20, "GET", "/v1/inbox?kind=edoc", "100", b"x"),
    ]
    assert all(signing.signature(*v) != reference for v in variants)


def test_sign_headers() -> None:
    headers = signing.sign_headers("A1", "s" * 20, "get", "/v1/inbox/count", now=1000.7)
    assert headers["X-Agency"] == "A1" and headers["X-Timestamp"] == "1000"
    assert headers["X-Signature"] == signing.signature("s" * 20, "GET", "/v1/inbox/count", "1000")


def test_second_worked_example_from_the_docs() -> None:
    """GET with a query string and an empty body, as printed in docs/axis.md."""
    assert signing.signature("h41-secret-0123456789", "GET", "/v1/inbox?kind=edoc&limit=10",
                             "1764057600") == (
        "5bc0fdb7dc4056831e2ef18862e8067f99e38f87a3ab3ecca6110d5e0e94bc3b")


def test_the_reimplementation_printed_in_the_docs_agrees() -> None:
    """docs/axis.md shows a 10-line implementation for other clients; it must stay right."""
    import re
    import types
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "axis.md").read_text()
    snippet = next(block for block in re.findall(r"```python\n(.*?)```", text, re.S)
                   if "def axis_headers" in block)
    namespace: dict = {}
    exec(snippet, namespace)
    namespace["time"] = types.SimpleNamespace(time=lambda: 1764057600.4)
    headers = namespace["axis_headers"]("000.00.00.H41", "h41-secret-0123456789", "GET",
                                        "/v1/inbox?kind=edoc&limit=10")
    assert headers["X-Signature"] == (
        "5bc0fdb7dc4056831e2ef18862e8067f99e38f87a3ab3ecca6110d5e0e94bc3b")
    assert headers == signing.sign_headers("000.00.00.H41", "h41-secret-0123456789", "GET",
                                           "/v1/inbox?kind=edoc&limit=10", now=1764057600.4)
