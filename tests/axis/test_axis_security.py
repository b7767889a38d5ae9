"""Hostile and broken input over HTTP: each is refused with a 4xx naming the problem, and
nothing is stored."""

from __future__ import annotations

import time

import pytest

from axis import packages, signing
from tests.axis.conftest import A, B, C, secret_of
from tests.axis.test_axis_edxml import BILLION_LAUGHS, EXTERNAL_DTD, XXE

pytestmark = pytest.mark.anyio


async def post(axis, body: bytes, agency: str = A, secret: str | None = None,
               now: float | None = None, path: str = "/v1/documents", headers=None):
    signed = signing.sign_headers(agency, secret or secret_of(agency), "POST", path, body, now)
    signed["Content-Type"] = "application/xml"
    signed.update(headers or {})
    return await axis.http.post(path, content=body, headers=signed)


async def assert_nothing_stored(axis) -> None:
    assert (await axis.store.stats())["documents"] == 0


@pytest.mark.parametrize("body", [XXE, BILLION_LAUGHS, EXTERNAL_DTD], ids=["xxe", "laughs", "dtd"])
async def test_hostile_xml(axis, body: bytes) -> None:
    response = await post(axis, body)
    assert response.status_code == 400
    assert "forbidden XML construct" in response.json()["error"]
    assert "root:" not in response.text
    await assert_nothing_stored(axis)


async def test_truncated_xml(axis) -> None:
    body = packages.document(A, [B], "A,1")
    response = await post(axis, body[:-40])
    assert response.status_code == 400 and "malformed XML" in response.json()["error"]
    await assert_nothing_stored(axis)


async def test_wrong_namespace(axis) -> None:
    body = packages.document(A, [B], "A,1").replace(b"QCVN_102_2016", b"QCVN_102_2099")
    response = await post(axis, body)
    assert response.status_code == 422 and "namespace" in response.json()["error"]
    await assert_nothing_stored(axis)


async def test_missing_field_is_named(axis) -> None:
    body = packages.document(A, [B], "A,1").replace(b"<Subject>", b"<Subjekt>").replace(
        b"</Subject>", b"</Subjekt>")
    response = await post(axis, body)
    assert response.status_code == 422 and "MessageHeader/Subject" in response.json()["error"]


async def test_body_10mb_over_the_limit_is_refused_by_content_length(axis) -> None:
    limit = axis.app.state.axis.settings.max_body
    body = b"<" + b"x" * (limit + 10_000_000)
    response = await post(axis, body)
    assert response.status_code == 413 and str(limit) in response.json()["error"]
    await assert_nothing_stored(axis)


async def test_body_10mb_over_the_limit_is_refused_while_streaming(axis) -> None:
    """Chunked upload without Content-Length: refused after about `limit` bytes, not 10 MB."""
    limit = axis.app.state.axis.settings.max_body
    chunk = b"x" * 65536
    total = limit + 10_000_000
    pulled = 0

    async def chunks():
        nonlocal pulled
        while pulled < total:
            pulled += len(chunk)
            yield chunk

    headers = signing.sign_headers(A, secret_of(A), "POST", "/v1/documents", b"")
    response = await axis.http.post("/v1/documents", content=chunks(), headers=headers)
    assert response.status_code == 413
    assert pulled < limit + 4 * len(chunk)  # stopped reading soon after the limit
    await assert_nothing_stored(axis)


async def test_wrong_signature(axis) -> None:
    body = packages.document(A, [B], "A,1")
    response = await post(axis, body, secret="not-the-secret-0123456789")
    assert response.status_code == 401 and "X-Signature" in response.json()["error"]
    tampered = await post(axis, body, headers={"X-Signature": "0" * 64})
    assert tampered.status_code == 401
    await assert_nothing_stored(axis)


async def test_replayed_old_timestamp(axis) -> None:
    body = packages.document(A, [B], "A,1")
    response = await post(axis, body, now=time.time() - 3600)
    assert response.status_code == 401 and "behind the server clock" in response.json()["error"]
    await assert_nothing_stored(axis)


async def test_missing_credentials_and_unknown_agency(axis) -> None:
    response = await axis.http.get("/v1/inbox/count")
    assert response.status_code == 401 and "X-Agency" in response.json()["error"]
    headers = signing.sign_headers("999.99.99.Z99", "x" * 20, "GET", "/v1/inbox/count")
    response = await axis.http.get("/v1/inbox/count", headers=headers)
    assert response.status_code == 401 and "X-Signature" in response.json()["error"]


async def test_an_unknown_agency_and_a_wrong_signature_are_indistinguishable(axis,
                                                                           caplog) -> None:
    """Different answers would let a caller enumerate the registered codes; the log differs."""
    body = packages.document(A, [B], "A,1")
    caplog.set_level("INFO", logger="axis.auth")
    unknown = await post(axis, packages.document("999.99.99.Z99", [B], "Z,1"),
                         agency="999.99.99.Z99", secret="x" * 20)
    wrong = await post(axis, body, secret="not-the-secret-0123456789")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.content == wrong.content
    assert dict(unknown.headers) == dict(wrong.headers)
    logged = caplog.text
    assert "not a registered agency" in logged and "wrong X-Signature" in logged


async def test_another_agencys_credentials(axis) -> None:
    """C signs with its own secret but claims to be B, or reads B's mail as itself."""
    sent = await post(axis, packages.document(A, [B], "A,1"))
    assert sent.status_code == 201
    delivery = sent.json()["deliveries"][0]["id"]
    impostor = signing.sign_headers(B, secret_of(C), "GET", "/v1/inbox")
    response = await axis.http.get("/v1/inbox", headers=impostor)
    assert response.status_code == 401 and "<edXML" not in response.text
    path = f"/v1/deliveries/{delivery}"
    as_c = signing.sign_headers(C, secret_of(C), "GET", path)
    response = await axis.http.get(path, headers=as_c)
    assert response.status_code == 404 and "edXML" not in response.text


async def test_signature_binds_the_query(axis) -> None:
    """A signature for ?kind=status cannot be reused for ?kind=edoc."""
    headers = signing.sign_headers(B, secret_of(B), "GET", "/v1/inbox?kind=status")
    response = await axis.http.get("/v1/inbox?kind=edoc", headers=headers)
    assert response.status_code == 401
    response = await axis.http.get("/v1/inbox?kind=status", headers=headers)
    assert response.status_code == 200


async def test_stale_cached_secret_heals_on_first_use(axis) -> None:
    """A secret changed behind this process's back (another worker) is accepted at once."""
    new_secret = "a-brand-new-secret-0123456789"
    await axis.store.put_agency(B, f"Agency {B}", new_secret)  # not through this app's cache
    headers = signing.sign_headers(B, new_secret, "GET", "/v1/inbox/count")
    response = await axis.http.get("/v1/inbox/count", headers=headers)
    assert response.status_code == 200
    old = signing.sign_headers(B, secret_of(B), "GET", "/v1/inbox/count")
    assert (await axis.http.get("/v1/inbox/count", headers=old)).status_code == 401


async def test_client_gone_mid_body_is_not_a_server_error(axis) -> None:
    messages = [{"type": "http.request", "body": b"<edXMLEnvelope", "more_body": True},
                {"type": "http.disconnect"}]
    sent: list[dict] = []

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    headers = signing.sign_headers(A, secret_of(A), "POST", "/v1/documents", b"x")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/documents",
             "raw_path": b"/v1/documents", "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    await axis.app(scope, receive, send)
    assert sent[0]["status"] == 400
    await assert_nothing_stored(axis)
