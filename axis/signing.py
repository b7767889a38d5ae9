"""The request signature every agency call carries; shared by the server and the client.

    X-Signature = hex(HMAC-SHA256(secret,
                                  METHOD "\\n" PATH "\\n" TIMESTAMP "\\n" hex(SHA-256(body))))

PATH is the request target exactly as sent on the request line: the percent-encoded path, plus
"?" and the query string when there is one. An empty body is hashed like any other byte string
(SHA-256 of zero bytes, e3b0c442...b855). Everything is UTF-8; the signature is lowercase hex.

Signing the body hash rather than the body lets a client sign a large package with one pass over
it, and the method and path stop a signature for one call from being replayed against another.
The timestamp bounds replays in time (see `axis.auth`). This module has no dependencies so that
clients can copy it.
"""

from __future__ import annotations

import hashlib
import hmac
import time

EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def body_digest(body: bytes) -> str:
    """Hex SHA-256 of the body, the last line of the signed string."""
    return hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_SHA256


def string_to_sign(method: str, path: str, timestamp: str, digest: str) -> bytes:
    """The exact bytes that are signed (see the module docstring)."""
    return f"{method.upper()}\n{path}\n{timestamp}\n{digest}".encode()


def signature(secret: str, method: str, path: str, timestamp: str, body: bytes = b"") -> str:
    """Hex HMAC-SHA256 of the request, as sent in X-Signature."""
    message = string_to_sign(method, path, timestamp, body_digest(body))
    return hmac.digest(secret.encode(), message, "sha256").hex()


def sign_headers(
    agency: str,
    secret: str,
    method: str,
    path: str,
    body: bytes = b"",
    now: float | None = None,
) -> dict[str, str]:
    """The three authentication headers for one request; `path` includes any query string."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        "X-Agency": agency,
        "X-Timestamp": timestamp,
        "X-Signature": signature(secret, method, path, timestamp, body),
    }
