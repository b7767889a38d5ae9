"""Authenticating agency requests (HMAC signature over the request) and the admin token.

A connected system proves who it is with three headers (see `axis.signing`): its code, a unix
timestamp, and an HMAC of the request under its secret. The check runs in two steps because the
signature covers the body: headers first (cheap rejections need no body), then the signature once
the body has been read under the size limit.

The timestamp window (300 s either way) bounds how long a captured request can be replayed; sends
are idempotent and acks monotonic, so a replay inside the window changes nothing.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

from axis import signing

MAX_SKEW_SECONDS = 300


class AuthError(Exception):
    """Missing or wrong credentials: answered 401 with the message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Claim:
    """What the headers claim, before the body is read and the signature checked."""

    agency: str
    timestamp: str
    signature: str


def claim_from_headers(
    agency: str | None, timestamp: str | None, signature: str | None, now: float | None = None
) -> Claim:
    """Check presence, shape and freshness of the three headers."""
    if (agency and signature and timestamp and len(timestamp) <= 12 and timestamp.isascii()
            and timestamp.isdigit()):  # the common case, checked in one go
        skew = int(timestamp) - (time.time() if now is None else now)
        if -MAX_SKEW_SECONDS <= skew <= MAX_SKEW_SECONDS:
            return Claim(agency, timestamp, signature)
    missing = [
        name
        for name, value in (("X-Agency", agency), ("X-Timestamp", timestamp),
                            ("X-Signature", signature))
        if not value
    ]
    if missing:
        raise AuthError(f"missing authentication header(s): {', '.join(missing)}")
    assert agency and timestamp and signature
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise AuthError(f"X-Timestamp {timestamp[:20]!r} is not unix seconds")
    skew = int(timestamp) - (time.time() if now is None else now)
    if abs(skew) > MAX_SKEW_SECONDS:
        raise AuthError(
            f"X-Timestamp is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} the "
            f"server clock (at most {MAX_SKEW_SECONDS} s allowed)"
        )
    return Claim(agency, timestamp, signature)


def verify(claim: Claim, secret: str, method: str, target: str, body: bytes) -> None:
    """Check the signature; `target` is the path plus "?query" when there is one."""
    expected = signing.signature(secret, method, target, claim.timestamp, body)
    if not hmac.compare_digest(expected.encode(), claim.signature.lower().encode(errors="replace")):
        raise AuthError(
            "X-Signature does not match: expected hex HMAC-SHA256 over "
            "METHOD\\nPATH?QUERY\\nTIMESTAMP\\nhex SHA-256 of the body"
        )


def admin_ok(authorization: str | None, token: str | None) -> bool:
    """True for `Authorization: Bearer <token>` with the configured admin token."""
    if not token or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(errors="replace"), token.encode()
    )
