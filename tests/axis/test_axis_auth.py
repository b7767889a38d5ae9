"""Header checks, signature verification and the admin token."""

from __future__ import annotations

import pytest

from axis import auth, signing

SECRET = "s" * 24


def test_missing_headers_are_named() -> None:
    with pytest.raises(auth.AuthError, match="X-Timestamp, X-Signature"):
        auth.claim_from_headers("A1", None, "")


@pytest.mark.parametrize("timestamp", ["abc", "1_000", " 100", "+100", "1" * 13, "١٢٣"])
def test_timestamp_must_be_plain_unix_seconds(timestamp: str) -> None:
    with pytest.raises(auth.AuthError, match="unix seconds"):
        auth.claim_from_headers("A1", timestamp, "x", now=100)


def test_replayed_old_timestamp_is_rejected() -> None:
    with pytest.raises(auth.AuthError, match="301 s behind"):
        auth.claim_from_headers("A1", "1000", "x", now=1301)
    with pytest.raises(auth.AuthError, match="ahead"):
        auth.claim_from_headers("A1", "2000", "x", now=1000)
    assert auth.claim_from_headers("A1", "1000", "x", now=1300).agency == "A1"


def test_verify_accepts_the_right_signature_only() -> None:
    target, body = "/v1/documents", b"<x/>"
    good = signing.signature(SECRET, "POST", target, "1000", body)
    auth.verify(auth.Claim("A1", "1000", good), SECRET, "POST", target, body)
    auth.verify(auth.Claim("A1", "1000", good.upper()), SECRET, "POST", target, body)
    for claim, secret, method, path, data in [
        (auth.Claim("A1", "1000", good), "t" * 24, "POST", target, body),
        (auth.Claim("A1", "1000", good), SECRET, "POST", target, b"<y/>"),
        (auth.Claim("A1", "1001", good), SECRET, "POST", target, body),
        (auth.Claim("A1", "1000", good), SECRET, "PUT", target, body),
        (auth.Claim("A1", "1000", "ồ" * 64), SECRET, "POST", target, body),
    ]:
        with pytest.raises(auth.AuthError, match="does not match"):
            auth.verify(claim, secret, method, path, data)


def test_admin_token() -> None:
    assert auth.admin_ok("Bearer tok-0123456789abcdef", "tok-0123456789abcdef")
    assert auth.admin_ok("bearer tok-0123456789abcdef", "tok-0123456789abcdef")
    assert not auth.admin_ok("Bearer wrong", "tok-0123456789abcdef")
    assert not auth.admin_ok("Basic tok-0123456789abcdef", "tok-0123456789abcdef")
    assert not auth.admin_ok(None, "tok-0123456789abcdef")
    assert not auth.admin_ok("Bearer anything", None)
