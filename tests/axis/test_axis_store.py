"""The behavioural contract of a store, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio

import pytest

from axis import edxml, packages
from axis.store.base import Conflict, NotFound, Unprocessable
from tests.axis.conftest import A, B, C

pytestmark = pytest.mark.anyio


def doc(sender: str, recipients, number: int, priority: int = 0) -> tuple[edxml.Package, bytes]:
    body = packages.document(sender, recipients, f"{sender},2026/11/25,{number}", priority=priority)
    return edxml.parse(body), body


async def test_send_creates_one_delivery_per_recipient(store) -> None:
    package, body = doc(A, [B, C], 1)
    outcome = await store.send(package, body)
    assert not outcome.duplicate
    assert [r for _, r in outcome.deliveries] == [B, C]
    for agency in (B, C):
        items = await store.inbox(agency, None, 10)
        assert [(i.document_id, i.sender, i.kind, i.size) for i in items] == [
            (package.document_id, A, "edoc", len(body))
        ]
        assert await store.inbox_count(agency) == {"edoc": 1, "status": 0}
    assert await store.inbox(A, None, 10) == []


async def test_fetch_returns_exact_bytes_to_recipient_and_sender_only(store) -> None:
    package, body = doc(A, [B], 2)
    outcome = await store.send(package, body)
    delivery = outcome.deliveries[0][0]
    for agency in (A, B):
        fetched = await store.fetch(agency, delivery)
        assert fetched is not None and fetched.body == body
    assert await store.fetch(C, delivery) is None
    assert await store.fetch(B, delivery + 1000) is None


async def test_same_document_id_twice_creates_nothing(store) -> None:
    package, body = doc(A, [B, C], 3)
    first = await store.send(package, body)
    again = await store.send(package, body)
    assert again.duplicate
    assert (again.id, again.deliveries) == (first.id, first.deliveries)
    assert (await store.inbox_count(B))["edoc"] == 1
    assert (await store.stats())["documents"] == 1


async def test_concurrent_duplicates_store_one_copy(store) -> None:
    package, body = doc(A, [B], 4)
    outcomes = await asyncio.gather(*(store.send(package, body) for _ in range(20)))
    assert len({o.id for o in outcomes}) == 1
    assert sum(not o.duplicate for o in outcomes) == 1
    assert (await store.inbox_count(B))["edoc"] == 1


async def test_inbox_orders_by_priority_then_age_and_filters_kind(store) -> None:
    for number, priority in [(10, 0), (11, 3), (12, 0), (13, 3), (14, 1)]:
        await store.send(*doc(A, [B], number, priority))
    items = await store.inbox(B, "edoc", 10)
    assert [i.document_id.rsplit(",", 1)[1] for i in items] == ["11", "13", "14", "10", "12"]
    assert [i.document_id for i in await store.inbox(B, None, 2)] == [
        i.document_id for i in items[:2]
    ]
    assert await store.inbox(B, "status", 10) == []


async def test_delivery_stays_until_acknowledged_done(store) -> None:
    outcome = await store.send(*doc(A, [B], 20))
    delivery = outcome.deliveries[0][0]
    assert await store.ack(B, delivery, "fail") == "fail"
    assert await store.ack(B, delivery, "processing") == "processing"
    assert [i.state for i in await store.inbox(B, None, 10)] == ["processing"]
    assert len(await store.inbox(B, None, 10)) == 1
    assert await store.ack(B, delivery, "done") == "done"
    assert await store.inbox(B, None, 10) == []
    assert await store.ack(B, delivery, "done") == "done"  # repeating done is harmless
    with pytest.raises(Conflict):
        await store.ack(B, delivery, "processing")


async def test_a_replayed_acknowledgement_never_moves_a_delivery_backwards(store) -> None:
    """A replayed `fail` moved a delivery from processing back to fail; replays in any order
    now leave it at the furthest state reported (pending < fail < processing < done)."""
    outcome = await store.send(*doc(A, [B], 22))
    delivery = outcome.deliveries[0][0]
    assert await store.ack(B, delivery, "processing") == "processing"
    assert await store.ack(B, delivery, "fail") == "processing"
    assert [i.state for i in await store.inbox(B, None, 10)] == ["processing"]
    assert await store.ack(B, delivery, "processing") == "processing"
    assert await store.ack(B, delivery, "done") == "done"


async def test_only_the_recipient_can_acknowledge(store) -> None:
    outcome = await store.send(*doc(A, [B], 21))
    delivery = outcome.deliveries[0][0]
    for agency in (A, C):
        with pytest.raises(NotFound):
            await store.ack(agency, delivery, "done")
    assert (await store.inbox_count(B))["edoc"] == 1


async def test_status_routes_to_original_sender_and_shows_in_outbox(store) -> None:
    package, body = doc(A, [B, C], 30)
    await store.send(package, body)
    status = edxml.parse(packages.status(B, A, package.document_id, "03"))
    outcome = await store.send(status, packages.status(B, A, package.document_id, "03"))
    assert [r for _, r in outcome.deliveries] == [A]
    assert await store.inbox_count(A) == {"edoc": 0, "status": 1}
    [item] = await store.outbox(A, 10)
    by_recipient = {r["recipient"]: r for r in item.recipients}
    assert by_recipient[B]["status_codes"] == ["03"]
    assert by_recipient[C]["status_codes"] == []
    assert by_recipient[B]["state"] == "pending"


async def test_status_for_a_document_not_received_is_refused(store) -> None:
    package, body = doc(A, [B], 31)
    await store.send(package, body)
    with pytest.raises(Unprocessable, match="not sent to"):
        body = packages.status(C, A, package.document_id)
        await store.send(edxml.parse(body), body)
    assert (await store.inbox_count(A))["status"] == 0


async def test_a_refused_request_does_not_spoil_its_batch(store) -> None:
    good = [doc(A, [B], 40 + i) for i in range(10)]
    bad = packages.status(C, A, "no such document")
    results = await asyncio.gather(
        *(store.send(p, b) for p, b in good), store.send(edxml.parse(bad), bad),
        return_exceptions=True,
    )
    assert isinstance(results[-1], Unprocessable)
    assert all(not isinstance(r, Exception) for r in results[:-1])
    assert (await store.inbox_count(B))["edoc"] == 10


async def test_outbox_lists_newest_first_with_recipient_states(store) -> None:
    for number in range(3):
        outcome = await store.send(*doc(A, [B, C], 50 + number))
    await store.ack(B, outcome.deliveries[0][0], "done")
    items = await store.outbox(A, 2)
    assert [i.document_id.rsplit(",", 1)[1] for i in items] == ["52", "51"]
    assert {r["recipient"]: r["state"] for r in items[0].recipients} == {B: "done", C: "pending"}
    assert await store.outbox(B, 10) == []


async def test_directory_put_list_and_changes(store) -> None:
    assert await store.put_agency("H01.151", "Xã mới", "s" * 20) is True
    assert await store.put_agency("H01.151", "Xã mới (sửa)", "t" * 20) is False
    agency = await store.get_agency("H01.151")
    assert agency is not None and (agency.name, agency.secret) == ("Xã mới (sửa)", "t" * 20)
    codes = [code for code, _ in await store.list_agencies("", 100)]
    assert codes == sorted([A, B, C, "H01.151"])
    assert [code for code, _ in await store.list_agencies(codes[1], 2)] == codes[2:4]
    since = await store.agencies_since(agency.updated_at - 0.001)
    assert "H01.151" in {a.code for a in since}
    assert await store.get_agency("nobody") is None


async def test_bulk_directory_load_is_fast_for_100k(store) -> None:
    import time

    rows = [(f"X{i:06d}", f"System {i}", f"secret-{i:06d}-abcdefgh") for i in range(100_000)]
    started = time.perf_counter()
    assert await store.put_agencies(rows) == 100_000
    assert time.perf_counter() - started < 20
    agency = await store.get_agency("X099999")
    assert agency is not None and agency.secret == "secret-099999-abcdefgh"
    assert len(await store.agencies_since(0)) == 100_003


async def test_stats_count_pending_and_documents(store) -> None:
    outcome = await store.send(*doc(A, [B, C], 60))
    await store.ack(B, outcome.deliveries[0][0], "done")
    assert await store.stats() == {"pending_deliveries": 1, "documents": 1}
    await store.ping()


async def test_an_item_failing_half_written_is_undone_alone(store) -> None:
    """A failure after an item has written (not a clean refusal) must not leak its writes nor
    spoil the other items committed with it."""
    sql = "UPDATE agencies SET name = 'half written' WHERE code = "

    def half_written_sqlite(conn):
        conn.execute(sql + "?", (A,))
        raise RuntimeError("boom after a write")

    async def half_written_postgres(conn):
        await conn.execute(sql + "%s", (A,))
        raise RuntimeError("boom after a write")

    half_written = half_written_postgres if store.kind == "postgresql" else half_written_sqlite

    sends = [store.send(*doc(A, [B], 70 + i)) for i in range(5)]
    results = await asyncio.gather(*sends, store._write(half_written), return_exceptions=True)
    assert isinstance(results[-1], RuntimeError)
    assert not any(isinstance(r, Exception) for r in results[:-1])
    assert (await store.get_agency(A)).name == f"Agency {A}"
    assert (await store.inbox_count(B))["edoc"] == 5
