"""Relaying across real axis processes: commune -> province -> national -> other province ->
recipient and the status back, a next hop down then back, a relay killed between persisting and
forwarding, and retries that never duplicate; on each kind of store."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest

from axis import packages
from axis.client import Client, signed_request
from axis.federation.trace import HEADER, hops
from axis.xmlsig import TrustedCAs
from loadtest import certificates
from loadtest.xmlsig import PackageSigner
from tests.axis.conftest import STORE_KINDS, postgres_url_or_skip, secret_of
from tests.axis.federation_harness import NATIONAL, Federation, eventually, unique_id

SENDER = "000.00.07.H41"  # a commune-level unit in Nghe An
RECIPIENT = "000.00.03.H01"  # a department of Ha Noi
CENTRAL = "000.00.00.G12"  # a central body the national axis serves itself


@pytest.fixture(params=STORE_KINDS)
def stores(request, tmp_path) -> Iterator[Callable[[str], str]]:
    """A store URL per axis name: SQLite files, or a PostgreSQL schema each."""
    if request.param == "sqlite":
        yield lambda name: str(tmp_path / f"{name}.db")
        return
    url = postgres_url_or_skip()
    schemas: list[str] = []

    def make(name: str) -> str:
        schema = f"fed_{name.lower()}_{secrets.token_hex(4)}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        schemas.append(schema)
        return f"{url}?options=-csearch_path%3D{schema}"

    yield make
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="module")
def signer(ca_dir) -> PackageSigner:
    return PackageSigner(ca_dir)


@pytest.fixture
def federation(stores, ca_dir, signer) -> Iterator[Federation]:
    with Federation(("H41", "H01"), stores, ca_dir / certificates.CA_CERT) as fed:
        fed.signer = signer
        fed.agency("H41", SENDER)
        fed.agency("H01", RECIPIENT)
        fed.agency("national", CENTRAL)
        yield fed


def client(fed: Federation, name: str, code: str) -> Client:
    return Client(fed.axes[name].url, code, secret_of(code), timeout=10)


def inbox_ids(fed: Federation, name: str, code: str) -> list[str]:
    with client(fed, name, code) as c:
        return [d["document_id"] for d in c.inbox(limit=1000)["deliveries"]]


def stage_of(fed: Federation, document_id: str, recipient: str = RECIPIENT) -> str | None:
    with client(fed, "H41", SENDER) as c:
        for doc in c.outbox(limit=1000)["documents"]:
            if doc["document_id"] == document_id:
                for r in doc["recipients"]:
                    if r["recipient"] == recipient:
                        return r["stage"]
    return None


def send(fed: Federation, document_id: str, recipients=(RECIPIENT,)) -> dict:
    with client(fed, "H41", SENDER) as c:
        return c.send(fed.signer.sign(SENDER, packages.document(SENDER, list(recipients),
                                                                document_id)))


def relay_queue(url: str) -> float:
    text = httpx.get(url + "/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("axis_relay_queue{"))


@pytest.mark.slow
def test_three_hops_with_trace_headers_and_status_back(federation: Federation) -> None:
    fed = federation
    document_id = f"{SENDER},2026/12/03,{unique_id()}"
    answer = send(fed, document_id, (RECIPIENT, CENTRAL))
    assert [d["recipient"] for d in answer["deliveries"]] == [RECIPIENT, CENTRAL]
    eventually(lambda: document_id in inbox_ids(fed, "H01", RECIPIENT), what="relayed document")
    eventually(lambda: document_id in inbox_ids(fed, "national", CENTRAL), what="central copy")
    with client(fed, "H01", RECIPIENT) as c:
        item = c.inbox()["deliveries"][0]
        fetched = c.http.send(signed_request(c.http, RECIPIENT, secret_of(RECIPIENT), "GET",
                                             f"/v1/deliveries/{item['id']}"))
        assert hops(fetched.content, fetched.headers[HEADER]) == [
            SENDER, "axis.H41", NATIONAL, "axis.H01"]
        # Relayed twice, the package is byte for byte what the sender signed.
        TrustedCAs.from_file(str(fed.trust_ca)).verify(fetched.content, SENDER)
        c.ack(item["id"], "done")
        c.send(fed.signer.sign(RECIPIENT,
                               packages.status(RECIPIENT, SENDER, document_id, "03")))
    eventually(lambda: stage_of(fed, document_id) == "delivered", what="status back at H41")
    with client(fed, "H41", SENDER) as c:
        statuses = c.inbox(kind="status")["deliveries"]
        assert [s["sender"] for s in statuses] == [RECIPIENT]
        outbox = c.outbox()["documents"][0]
        codes = {r["recipient"]: r["status_codes"] for r in outbox["recipients"]}
        assert codes[RECIPIENT] == ["03"]
    # The same document again is a duplicate everywhere: still one copy at the far end.
    again = send(fed, document_id, (RECIPIENT, CENTRAL))
    assert again["duplicate"] is True
    assert inbox_ids(fed, "national", CENTRAL).count(document_id) == 1


@pytest.mark.slow
def test_next_hop_down_then_back_and_kill_between_persisting_and_forwarding(
        federation: Federation) -> None:
    fed = federation
    national, h41 = fed.axes["national"], fed.axes["H41"]
    national.kill()
    first, second = (f"{SENDER},2026/12/03,{unique_id()}" for _ in range(2))
    send(fed, first)
    assert stage_of(fed, first) == "accepted"
    eventually(lambda: relay_queue(h41.url) == 1, what="queue of 1 at H41")
    send(fed, second)
    # Persisted with acceptance, not yet forwarded: kill -9 the relaying axis, restart it on the
    # same store, then bring the next hop back.
    h41.kill()
    h41.start()
    national.start()
    eventually(lambda: stage_of(fed, second) == "forwarded", what="forwarded after restart")
    ids = eventually(lambda: (lambda got: got if len(got) >= 2 else None)(
        inbox_ids(fed, "H01", RECIPIENT)), what="both documents at the far end")
    assert sorted(ids) == sorted([first, second])
    assert relay_queue(h41.url) == 0


@pytest.mark.slow
def test_a_forward_repeated_after_a_lost_answer_is_not_a_duplicate(
        federation: Federation, stores, request) -> None:
    """The worker forwarded, then died before marking it: the repeat is answered as a
    duplicate and the recipient still has one copy."""
    fed = federation
    document_id = f"{SENDER},2026/12/03,{unique_id()}"
    send(fed, document_id)
    eventually(lambda: stage_of(fed, document_id) == "forwarded", what="first forward")
    eventually(lambda: document_id in inbox_ids(fed, "H01", RECIPIENT), what="delivered")
    h41 = fed.axes["H41"]
    h41.stop()
    requeue(h41.store)
    h41.start()
    eventually(lambda: relay_queue(h41.url) == 0, what="re-forwarded")
    assert stage_of(fed, document_id) == "forwarded"
    assert inbox_ids(fed, "H01", RECIPIENT) == [document_id]


def requeue(store: str) -> None:
    """Put every forwarded delivery back on the relay queue, as if never marked forwarded."""
    sql = ("INSERT INTO relays (delivery, document, next_hop, queued_at) "
           "SELECT id, document, 'axis.national', updated_at FROM deliveries "
           "WHERE state = 'forwarded'")
    undo = "UPDATE deliveries SET state = 'queued' WHERE state = 'forwarded'"
    if store.startswith("postgresql://"):
        with psycopg.connect(store, autocommit=True) as conn:
            conn.execute(sql)
            conn.execute(undo)
        return
    with sqlite3.connect(store) as conn:
        conn.execute(sql)
        conn.execute(undo)
