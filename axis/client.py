"""A small client for the axis protocol: signs every request, sync or async, on top of httpx.

    from axis.client import Client
    with Client("http://127.0.0.1:8080", "000.00.00.H41", secret) as axis:
        axis.send(package_bytes)
        for item in axis.inbox()["deliveries"]:
            body = axis.fetch(item["id"])
            axis.ack(item["id"], "done")

`AsyncClient` has the same methods as coroutines. Each method returns the decoded JSON (the
package bytes for `fetch`) and raises `AxisError` (with `.status` and the server's message) on any
non-2xx answer. For raw access, `signed_request` builds a signed `httpx.Request`.

To an axis that requires XML signatures (`--trust-ca`), pass the agency's key and certificate:
`Client(url, code, secret, signer=Signer.from_pem(key_pem, chain_pem))` signs each package sent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from axis.signing import sign_headers
from axis.xmlsig import Signer

__all__ = ["AsyncClient", "AxisError", "Client", "Signer", "sign_headers"]


class AxisError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def _target(path: str, params: dict[str, Any] | None) -> str:
    query = {k: v for k, v in (params or {}).items() if v is not None}
    return f"{path}?{urlencode(query)}" if query else path


def signed_request(
    client: httpx.Client | httpx.AsyncClient,
    agency: str,
    secret: str,
    method: str,
    target: str,
    body: bytes = b"",
    content_type: str | None = None,
) -> httpx.Request:
    """A request for `target` (path plus any query) with the X-Agency/X-Timestamp/X-Signature
    headers. The target is sent exactly as signed."""
    headers = sign_headers(agency, secret, method, target, body)
    if content_type:
        headers["Content-Type"] = content_type
    return client.build_request(method, target, content=body, headers=headers)


def _result(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        try:
            message = response.json().get("error", response.text)
        except ValueError:
            message = response.text
        raise AxisError(response.status_code, message)
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()
    return response.content


class Client:
    """Blocking client for one agency."""

    def __init__(self, base_url: str, agency: str, secret: str, timeout: float = 30.0,
                 http: httpx.Client | None = None, signer: Signer | None = None) -> None:
        self.agency = agency
        self.secret = secret
        self.signer = signer
        """Signs every package `send` posts (an axis started with --trust-ca requires it)."""
        self.http = http or httpx.Client(base_url=base_url, timeout=timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, params: dict[str, Any] | None = None,
                body: bytes = b"", content_type: str | None = None) -> Any:
        request = signed_request(self.http, self.agency, self.secret, method,
                                 _target(path, params), body, content_type)
        return _result(self.http.send(request))

    def send(self, package: bytes) -> dict[str, Any]:
        if self.signer is not None:
            package = self.signer.sign(package)
        return self.request("POST", "/v1/documents", body=package,
                            content_type="application/xml")

    def inbox(self, kind: str | None = None, limit: int | None = None,
              wait: float | None = None) -> dict[str, Any]:
        return self.request("GET", "/v1/inbox", {"kind": kind, "limit": limit, "wait": wait})

    def count(self) -> dict[str, int]:
        return self.request("GET", "/v1/inbox/count")

    def fetch(self, delivery_id: int) -> bytes:
        return self.request("GET", f"/v1/deliveries/{delivery_id}")

    def ack(self, delivery_id: int, status: str = "done") -> dict[str, Any]:
        return self.request("POST", f"/v1/deliveries/{delivery_id}/ack",
                            body=b'{"status":"%s"}' % status.encode(),
                            content_type="application/json")

    def outbox(self, limit: int | None = None) -> dict[str, Any]:
        return self.request("GET", "/v1/outbox", {"limit": limit})


class AsyncClient:
    """The same as `Client`, with coroutine methods, on an `httpx.AsyncClient`."""

    def __init__(self, base_url: str, agency: str, secret: str, timeout: float = 30.0,
                 http: httpx.AsyncClient | None = None, signer: Signer | None = None) -> None:
        self.agency = agency
        self.secret = secret
        self.signer = signer
        """Signs every package `send` posts (an axis started with --trust-ca requires it)."""
        self.http = http or httpx.AsyncClient(base_url=base_url, timeout=timeout)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(self, method: str, path: str, params: dict[str, Any] | None = None,
                      body: bytes = b"", content_type: str | None = None) -> Any:
        request = signed_request(self.http, self.agency, self.secret, method,
                                 _target(path, params), body, content_type)
        return _result(await self.http.send(request))

    async def send(self, package: bytes) -> dict[str, Any]:
        if self.signer is not None:
            package = self.signer.sign(package)
        return await self.request("POST", "/v1/documents", body=package,
                                  content_type="application/xml")

    async def inbox(self, kind: str | None = None, limit: int | None = None,
                    wait: float | None = None) -> dict[str, Any]:
        return await self.request("GET", "/v1/inbox",
                                  {"kind": kind, "limit": limit, "wait": wait})

    async def count(self) -> dict[str, int]:
        return await self.request("GET", "/v1/inbox/count")

    async def fetch(self, delivery_id: int) -> bytes:
        return await self.request("GET", f"/v1/deliveries/{delivery_id}")

    async def ack(self, delivery_id: int, status: str = "done") -> dict[str, Any]:
        return await self.request("POST", f"/v1/deliveries/{delivery_id}/ack",
                                  body=b'{"status":"%s"}' % status.encode(),
                                  content_type="application/json")

    async def outbox(self, limit: int | None = None) -> dict[str, Any]:
        return await self.request("GET", "/v1/outbox", {"limit": limit})
