"""Property-based check of a store against a model of the protocol's semantics.

Hypothesis generates programs of sends (including re-sends of the same DocumentId, different
priorities and fan-outs) and acknowledgements (any state, by the right or the wrong agency);
after each program, every agency's inbox, counts and outbox must be what the model says:
one delivery per recipient, duplicates create nothing, only `done` removes a delivery, `done` is
final, only the recipient may acknowledge, inbox order is priority first, then age.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from axis import edxml, packages
from axis.store.base import ACK_ORDER, Conflict, NotFound
from tests.axis.conftest import STORE_KINDS, postgres_url_or_skip

CODES = ("A1", "B2", "C3", "D4")

sends = st.tuples(
    st.just("send"),
    st.sampled_from(CODES),                                   # sender
    st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True),  # recipients
    st.integers(0, 5),                                        # document number (repeats!)
    st.integers(0, 3),                                        # priority
)
acks = st.tuples(
    st.just("ack"),
    st.sampled_from(CODES),                                   # who acknowledges
    st.integers(0, 30),                                       # index into deliveries so far
    st.sampled_from(["done", "fail", "processing"]),
)
programs = st.lists(st.one_of(sends, acks), min_size=1, max_size=25)


@dataclass
class Model:
    documents: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    deliveries: dict[int, dict] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)


async def run_program(store, program) -> None:
    model = Model()
    for op in program:
        if op[0] == "send":
            _, sender, recipients, number, priority = op
            document_id = f"{sender},2026/11/25,{number}"
            body = packages.document(sender, recipients, document_id, priority=priority)
            outcome = await store.send(edxml.parse(body), body)
            key = (sender, document_id)
            if key in model.documents:
                assert outcome.duplicate
                assert [i for i, _ in outcome.deliveries] == model.documents[key]
                continue
            assert not outcome.duplicate
            assert [r for _, r in outcome.deliveries] == recipients
            model.documents[key] = [i for i, _ in outcome.deliveries]
            for delivery, recipient in outcome.deliveries:
                model.deliveries[delivery] = {"recipient": recipient, "state": "pending",
                                              "priority": priority, "sender": sender}
                model.order.append(delivery)
        else:
            _, agency, index, state = op
            if not model.order:
                continue
            delivery = model.order[index % len(model.order)]
            expected = model.deliveries[delivery]
            if agency != expected["recipient"]:
                with pytest.raises(NotFound):
                    await store.ack(agency, delivery, state)
            elif expected["state"] == "done" and state != "done":
                with pytest.raises(Conflict):
                    await store.ack(agency, delivery, state)
            else:
                forward = ACK_ORDER[state] >= ACK_ORDER[expected["state"]]
                expected["state"] = state if forward else expected["state"]
                assert await store.ack(agency, delivery, state) == expected["state"]
    for code in CODES:
        pending = [d for d in model.order if model.deliveries[d]["recipient"] == code
                   and model.deliveries[d]["state"] != "done"]
        pending.sort(key=lambda d: (-model.deliveries[d]["priority"], d))
        inbox = await store.inbox(code, None, 1000)
        assert [i.id for i in inbox] == pending
        assert [i.state for i in inbox] == [model.deliveries[d]["state"] for d in pending]
        assert (await store.inbox_count(code))["edoc"] == len(pending)
        sent = {(s, doc_id): ids for (s, doc_id), ids in model.documents.items() if s == code}
        outbox = await store.outbox(code, 1000)
        assert {(code, item.document_id) for item in outbox} == set(sent)
        for item in outbox:
            assert [r["delivery"] for r in item.recipients] == sent[(code, item.document_id)]
            for r in item.recipients:
                assert r["state"] == model.deliveries[r["delivery"]]["state"]


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_store_behaves_like_the_model(kind) -> None:
    url = postgres_url_or_skip() if kind == "postgresql" else None
    runner = asyncio.Runner()

    @settings(max_examples=60 if kind == "sqlite" else 20, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(programs)
    def check(program) -> None:
        with tempfile.TemporaryDirectory() as directory:
            runner.run(_with_store(kind, url, directory, program))

    try:
        check()
    finally:
        runner.close()


async def _with_store(kind: str, url: str | None, directory: str, program) -> None:
    if kind == "sqlite":
        from axis.store.sqlite import SqliteStore

        store = SqliteStore(f"{directory}/axis.db")
        schema = None
    else:
        from axis.store.postgres import PostgresStore

        schema = "axis_model_" + secrets.token_hex(6)
        store = PostgresStore(url, schema=schema)
    await store.open()
    try:
        await store.put_agencies([(code, code, f"secret-{code}-0123456789") for code in CODES])
        await run_program(store, program)
    finally:
        await store.close()
        if schema is not None:
            import psycopg

            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
