"""The protocol end to end over HTTP (in-process ASGI), against both stores."""

from __future__ import annotations

import asyncio

import pytest

from axis import packages
from axis.client import AxisError, signed_request
from tests.axis.conftest import A, B, C

pytestmark = pytest.mark.anyio


def document_id(sender: str, number: int) -> str:
    return f"{sender},2026/11/25,{number}"


async def test_send_list_fetch_ack_cycle(axis) -> None:
    body = packages.document(A, [B, C], document_id(A, 1), attachment=b"%PDF-1.4 test")
    sent = await axis.client(A).send(body)
    assert sent["duplicate"] is False and len(sent["deliveries"]) == 2
    b = axis.client(B)
    assert await b.count() == {"edoc": 1, "status": 0, "total": 1}
    [item] = (await b.inbox())["deliveries"]
    assert (item["sender"], item["document_id"], item["kind"]) == (A, document_id(A, 1), "edoc")
    assert await b.fetch(item["id"]) == body
    assert (await b.ack(item["id"], "done"))["state"] == "done"
    assert (await b.inbox())["deliveries"] == []
    assert (await axis.client(C).count())["edoc"] == 1  # C's delivery is independent


async def test_duplicate_send_returns_original_result(axis) -> None:
    body = packages.document(A, [B], document_id(A, 2))
    a = axis.client(A)
    first = await a.send(body)
    response = await a.http.send(
        signed_request(a.http, A, a.secret, "POST", "/v1/documents", body, "application/xml")
    )
    assert response.status_code == 200
    again = response.json()
    assert again["duplicate"] is True
    assert (again["id"], again["deliveries"]) == (first["id"], first["deliveries"])
    assert (await axis.client(B).count())["total"] == 1


async def test_status_goes_back_to_sender_and_into_outbox(axis) -> None:
    await axis.client(A).send(packages.document(A, [B], document_id(A, 3)))
    await axis.client(B).send(packages.status(B, A, document_id(A, 3), "03"))
    a = axis.client(A)
    [item] = (await a.inbox(kind="status"))["deliveries"]
    assert item["sender"] == B and item["kind"] == "status"
    assert (await a.inbox(kind="edoc"))["deliveries"] == []
    [doc] = (await a.outbox())["documents"]
    assert doc["recipients"][0]["status_codes"] == ["03"]


async def test_sender_must_be_the_caller(axis) -> None:
    with pytest.raises(AxisError) as error:
        await axis.client(C).send(packages.document(A, [B], document_id(A, 4)))
    assert error.value.status == 403 and "From/OrganId" in error.value.message
    assert (await axis.client(B).count())["total"] == 0


async def test_unknown_recipient_is_named(axis) -> None:
    with pytest.raises(AxisError) as error:
        await axis.client(A).send(packages.document(A, [B, "999.99.99.Z99"], document_id(A, 5)))
    assert error.value.status == 422 and "999.99.99.Z99" in error.value.message
    assert (await axis.client(B).count())["total"] == 0


async def test_other_agencies_cannot_read_or_ack(axis) -> None:
    sent = await axis.client(A).send(packages.document(A, [B], document_id(A, 6)))
    delivery = sent["deliveries"][0]["id"]
    c = axis.client(C)
    for call in (c.fetch(delivery), c.ack(delivery, "done")):
        with pytest.raises(AxisError) as error:
            await call
        assert error.value.status == 404 and "PDF" not in error.value.message
    assert (await c.inbox())["deliveries"] == []
    assert (await c.outbox())["documents"] == []
    assert await axis.client(A).fetch(delivery)  # the sender may read what it sent


async def test_ack_validation(axis) -> None:
    sent = await axis.client(A).send(packages.document(A, [B], document_id(A, 7)))
    delivery = sent["deliveries"][0]["id"]
    b = axis.client(B)
    with pytest.raises(AxisError) as error:
        await b.ack(delivery, "read")
    assert error.value.status == 422 and "done" in error.value.message
    await b.ack(delivery, "done")
    with pytest.raises(AxisError) as error:
        await b.ack(delivery, "processing")
    assert error.value.status == 409


async def test_long_poll_returns_when_a_delivery_arrives(axis) -> None:
    b = axis.client(B)
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.ensure_future(b.inbox(wait=4))
    await asyncio.sleep(0.3)
    assert not poll.done()
    await axis.client(A).send(packages.document(A, [B], document_id(A, 8)))
    result = await asyncio.wait_for(poll, 3)
    assert len(result["deliveries"]) == 1
    assert loop.time() - started < 2.5


async def test_long_poll_times_out_empty(axis) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await axis.client(B).inbox(wait=0.3))["deliveries"] == []
    assert 0.25 < loop.time() - started < 2


async def test_directory_endpoints_need_the_admin_token(axis) -> None:
    payload = {"name": "Xã A", "secret": "x" * 32}
    response = await axis.http.put("/v1/agencies/H01.151", json=payload)
    assert response.status_code == 401
    response = await axis.http.put("/v1/agencies/H01.151", json=payload,
                                   headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    response = await axis.http.put("/v1/agencies/H01.151", json=payload,
                                   headers=axis.admin_headers())
    assert response.status_code == 201 and response.json()["created"] is True
    response = await axis.http.get("/v1/agencies", params={"limit": 2},
                                   headers=axis.admin_headers())
    listed = response.json()
    assert [a["code"] for a in listed["agencies"]] == sorted([A, B, C, "H01.151"])[:2]
    assert listed["next"] is not None and "secret" not in response.text
    # the new system can use the axis at once
    new = axis.client("H01.151", "x" * 32)
    assert (await new.count())["total"] == 0


async def test_directory_rejects_bad_entries(axis) -> None:
    response = await axis.http.put("/v1/agencies/H01.152", json={"name": "n", "secret": "short"},
                                   headers=axis.admin_headers())
    assert response.status_code == 422 and "secret" in response.json()["error"]
    response = await axis.http.put("/v1/agencies/bad%20code", json={"name": "n",
                                   "secret": "s" * 20}, headers=axis.admin_headers())
    assert response.status_code == 422 and "code" in response.json()["error"]


async def test_healthz_metrics_and_openapi(axis) -> None:
    await axis.client(A).send(packages.document(A, [B, C], document_id(A, 9)))
    await axis.client(B).send(packages.status(B, A, document_id(A, 9), "01"))
    await axis.client(B).count()
    assert (await axis.http.get("/healthz")).json()["status"] == "ok"
    text = (await axis.http.get("/metrics")).text
    assert "axis_pending_deliveries 3.0" in text
    assert "axis_documents_stored 2.0" in text
    assert 'axis_requests_total{operation="send",status="201"} 1.0' in text
    # a status package is its own operation (its cost differs; calibrate needs them apart)
    assert 'axis_requests_total{operation="send_status",status="201"} 1.0' in text
    assert 'axis_request_seconds_count{operation="inbox_count"} 1.0' in text
    assert "axis_store_commit_seconds_count" in text
    spec = (await axis.http.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in ("/v1/documents", "/v1/inbox", "/v1/inbox/count", "/v1/deliveries/{delivery_id}",
                 "/v1/deliveries/{delivery_id}/ack", "/v1/outbox", "/v1/agencies",
                 "/v1/agencies/{code}", "/healthz", "/metrics"):
        assert path in paths
    assert "application/xml" in paths["/v1/documents"]["post"]["requestBody"]["content"]
    assert "/bench/null" not in paths


async def test_outbox_pages_backwards(axis) -> None:
    a = axis.client(A)
    for n in range(5):
        await a.send(packages.document(A, [B], document_id(A, 100 + n)))
    seen, before = [], None
    while True:
        params = {"limit": 2, "before": before}
        page = await a.request("GET", "/v1/outbox", params)
        seen += [d["document_id"].rsplit(",", 1)[1] for d in page["documents"]]
        if page["next"] is None:
            break
        before = page["next"]
    assert seen == ["104", "103", "102", "101", "100"]


async def test_wake_none_releases_every_held_poll(axis) -> None:
    """What a store does after missing notifications: every held poll re-checks at once."""
    waiters = axis.app.state.axis.waiters
    polls = [asyncio.ensure_future(waiters.wait(code, 5)) for code in (A, B, C)]
    await asyncio.sleep(0.05)
    assert len(waiters) == 3
    waiters.wake(None)
    assert await asyncio.gather(*polls) == [True, True, True]
    assert len(waiters) == 0


def test_recheck_interval_depends_on_the_deployment() -> None:
    from axis.longpoll import SAFETY_RECHECK, SHARED_FILE_RECHECK, recheck_seconds

    assert recheck_seconds("sqlite", 2) == SHARED_FILE_RECHECK
    assert recheck_seconds("sqlite", 1) == SAFETY_RECHECK
    assert recheck_seconds("postgresql", 4) == SAFETY_RECHECK
