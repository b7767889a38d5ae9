"""Checking a target and registering the played agency systems, before any load is sent.

Runs outside Locust (the `lienthong loadtest` runner) and inside it (the locustfile's master,
for plain `locust -f` runs), so it uses only the standard library. Each way a target can be wrong
becomes one line that says what is wrong and at which URL: nothing listening, something that does
not speak the axis protocol, or an admin token the axis refuses.
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from loadtest.agents import AgencySystem
from loadtest.signing import agency_secret


class TargetError(Exception):
    """The target cannot be load-tested; the message is one line naming the URL and the fault."""


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(f"target {url!r}: expected an http:// or https:// URL with a host")
    return url.rstrip("/")


def _request(url: str, method: str = "GET", body: bytes | None = None,
             headers: dict[str, str] | None = None, timeout: float = 10.0
             ) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _explain(base: str, error: BaseException) -> str:
    reason = getattr(error, "reason", error)
    if isinstance(reason, ConnectionRefusedError):
        return f"target {base}: nothing is listening there (connection refused)"
    if isinstance(reason, socket.timeout | TimeoutError):
        return f"target {base}: no answer within the timeout"
    if isinstance(reason, socket.gaierror):
        return f"target {base}: unknown host ({reason})"
    if isinstance(error, http.client.HTTPException | ConnectionResetError):
        return (f"target {base}: does not speak HTTP as the axis protocol expects "
                f"({type(error).__name__})")
    return f"target {base}: cannot connect ({reason})"


def check_target(base: str, timeout: float = 10.0) -> dict:
    """GET /healthz must answer JSON {"status": "ok", ...}; anything else is a `TargetError`."""
    base = check_url(base)
    try:
        status, body = _request(base + "/healthz", timeout=timeout)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise TargetError(_explain(base, error)) from None
    try:
        health = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        health = None
    if status != 200 or not isinstance(health, dict) or health.get("status") != "ok":
        snippet = body[:60].decode("utf-8", "replace").replace("\n", " ")
        raise TargetError(f"target {base}: does not speak the axis protocol (GET /healthz "
                          f"answered {status}: {snippet!r})")
    return health


def register(base: str, admin_token: str, agencies: Iterable[AgencySystem], key: str,
             threads: int = 8, timeout: float = 30.0) -> int:
    """PUT /v1/agencies/{code} for every agency (name and derived secret); returns the count."""
    return register_systems(base, admin_token, [
        (agency.code, agency.name[:300] or agency.code, agency_secret(key, agency.code))
        for agency in agencies], threads, timeout)


def register_systems(base: str, admin_token: str, rows: Sequence[tuple[str, str, str]],
                     threads: int = 8, timeout: float = 30.0) -> int:
    """PUT /v1/agencies/{code} for every (code, name, secret); returns the count."""
    base = check_url(base)

    def put(row: tuple[str, str, str]) -> None:
        code, name, secret = row
        body = json.dumps({"name": name, "secret": secret}).encode()
        headers = {"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"}
        try:
            status, answer = _request(f"{base}/v1/agencies/{code}", "PUT", body, headers,
                                      timeout)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise TargetError(_explain(base, error)) from None
        if status == 401:
            raise TargetError(f"target {base}: the admin token was refused (401 on PUT "
                              f"/v1/agencies/{code}); pass the axis's --admin-token")
        if status not in (200, 201):
            snippet = answer[:120].decode("utf-8", "replace")
            raise TargetError(f"target {base}: registering {code} failed ({status}: "
                              f"{snippet})")

    if rows:
        put(rows[0])  # the first one alone: a wrong token gives one error, not thousands
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(put, rows[1:]))
    return len(rows)


def scrape_metrics(base: str, timeout: float = 10.0) -> str | None:
    """The target's Prometheus /metrics text, or None if it has none."""
    try:
        status, body = _request(check_url(base) + "/metrics", timeout=timeout)
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return None
    return body.decode("utf-8", "replace") if status == 200 else None
