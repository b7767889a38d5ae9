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
