"""Request signing for the axis protocol, written again from docs/axis.md (issue 4).

The load test must reach the axis only over HTTP, as any other agency system would, so it does not
import `axis`: it signs requests from the protocol text alone. A test checks the result against the
reference implementation, which keeps the two honest without coupling them.

    X-Signature = hex HMAC-SHA256(secret,
                                  METHOD "\\n" PATH?QUERY "\\n" TIMESTAMP "\\n" hex SHA-256(body))
"""

from __future__ import annotations

import hashlib
import hmac
import time

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def signature(secret: str, method: str, target: str, timestamp: str, body: bytes = b"") -> str:
    """Hex HMAC-SHA256 over the request; `target` is the path with its query string."""
    digest = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
    message = f"{method.upper()}\n{target}\n{timestamp}\n{digest}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(agency: str, secret: str, method: str, target: str, body: bytes = b"",
         now: float | None = None) -> dict[str, str]:
    """The three authentication headers (X-Agency, X-Timestamp, X-Signature) for one request."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        "X-Agency": agency,
        "X-Timestamp": timestamp,
        "X-Signature": signature(secret, method, target, timestamp, body),
    }


def agency_secret(key: str, code: str) -> str:
    """The secret an agency system uses in this run, derived so every Locust process agrees.

    Workers on other machines derive the same secrets from the same key without any message;
    the key is per run (random unless given), so secrets do not outlive the run.
    """
    return hmac.new(key.encode(), code.encode(), hashlib.sha256).hexdigest()[:32]
