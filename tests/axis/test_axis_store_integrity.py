"""A damaged SQLite store: refused at start-up in one line; if it breaks while serving, reads
answer 503 in the JSON error shape and /healthz says the store is damaged."""

from __future__ import annotations

import asyncio
import os
import sqlite3

import httpx
import pytest

from axis import edxml, packages, signing
from axis.store.sqlite import SqliteStore
from tests.axis.conftest import ADMIN_TOKEN, AGENCIES, A, B, secret_of
from tests.axis.server_process import free_port


def damaged_store(path) -> None:
    """A store with deliveries whose inbox index has a page overwritten with garbage."""

    async def fill() -> None:
        store = SqliteStore(str(path))
        await store.open()
        await store.put_agencies([(code, code, secret_of(code)) for code in AGENCIES])
        for n in range(300):
            body = packages.document(A, [B], f"A,{n}")
            await store.send(edxml.parse(body), body)
        await store.close()

    asyncio.run(fill())
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'deliveries_inbox'"
                        ).fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as file:
        file.seek((root - 1) * size + 8)
        file.write(os.urandom(200))


def test_a_damaged_store_is_refused_at_start_up_in_one_line(tmp_path, capsys) -> None:
    from lienthong.cli import main

    path = tmp_path / "axis.db"
    damaged_store(path)
    assert main(["axis", "serve", "--port", str(free_port()), "--store", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "integrity check failed" in err[0] and "--store" in err[0]


@pytest.mark.anyio
async def test_a_store_damaged_while_serving_answers_503_and_healthz_says_so(
        tmp_path, monkeypatch) -> None:
    from axis.app import create_app
    from axis.config import Settings

    path = tmp_path / "axis.db"
    await asyncio.to_thread(damaged_store, path)  # it runs its own event loop
    # as if the damage happened after the start-up check
    monkeypatch.setattr(SqliteStore, "_check_integrity", lambda self, conn: None)
    store = SqliteStore(str(path))
    app = create_app(Settings(store="unused", admin_token=ADMIN_TOKEN), store=store)
    async with app.router.lifespan_context(app):
        await app.state.axis.directory.refresh()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://axis") as http:
            assert (await http.get("/healthz")).status_code == 200
            answer = await http.get("/v1/inbox", headers=signing.sign_headers(
                B, secret_of(B), "GET", "/v1/inbox"))
            assert answer.status_code == 503
            assert "malformed" in answer.json()["error"]
            health = await http.get("/healthz")
            assert health.status_code == 503 and "damaged" in health.json()["error"]


@pytest.mark.anyio
async def test_an_unexpected_failure_is_a_json_500(axis, monkeypatch) -> None:
    async def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(axis.store, "inbox_count", broken)
    transport = httpx.ASGITransport(app=axis.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://axis") as http:
        answer = await http.get("/v1/inbox/count", headers=signing.sign_headers(
            A, secret_of(A), "GET", "/v1/inbox/count"))
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/json")
    assert "error" in answer.json() and "boom" not in answer.text


# -- a store whose schema is not the axis's, and a PostgreSQL that cannot be reached ----------

def _open_and_close(url: str) -> None:
    from axis.store import open_store

    async def run() -> None:
        store = open_store(url)
        await store.open()
        await store.close()

    asyncio.run(run())


def _alter(url: str, statement: str) -> None:
    if url.startswith("postgresql://"):
        import psycopg

        if statement.startswith("DROP TABLE"):
            statement += " CASCADE"  # the relay queue refers to deliveries
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(statement)
    else:
        conn = sqlite3.connect(url, isolation_level=None)
        conn.execute(statement)
        conn.close()


def _tables(url: str) -> set[str]:
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            return {row[0] for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()")}
    conn = sqlite3.connect(url)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master "
                                               "WHERE type = 'table'")}
    finally:
        conn.close()


DAMAGE = {
    "a column dropped": ("ALTER TABLE documents DROP COLUMN body",
                         "table documents lacks column(s) body"),
    "a table dropped": ("DROP TABLE deliveries", "table deliveries is missing"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_schema_is_refused_at_start_up_in_one_line(store_url, damage, capsys) -> None:
    """`CREATE TABLE IF NOT EXISTS` passed over both: the axis then served, and every send
    failed (or every pending delivery was lost to a new, empty table)."""
    from lienthong.cli import main

    statement, problem = DAMAGE[damage]
    _open_and_close(store_url)
    _alter(store_url, statement)
    tables = _tables(store_url)
    assert main(["axis", "serve", "--port", str(free_port()), "--store", store_url]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "--store" in err[0] and "schema check failed" in err[0] and problem in err[0]
    assert _tables(store_url) == tables  # nothing recreated over the damage


def test_a_postgresql_unique_key_dropped_is_refused(store_url, capsys) -> None:
    if not store_url.startswith("postgresql://"):
        pytest.skip("SQLite cannot drop a table's UNIQUE constraint")
    from lienthong.cli import main

    _open_and_close(store_url)
    _alter(store_url, "ALTER TABLE documents DROP CONSTRAINT documents_sender_dedup_key_key")
    assert main(["axis", "serve", "--port", str(free_port()), "--store", store_url]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "lacks its unique key (sender, dedup_key)" in err[0], err


def test_an_unreachable_postgresql_is_refused_at_start_up_in_one_line(capsys) -> None:
    from lienthong.cli import main

    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    assert main(["axis", "serve", "--port", str(free_port()), "--store", url]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--store" in err[0] and "cannot open PostgreSQL store" in err[0], err


class Proxy:
    """A TCP relay to PostgreSQL that the test can cut (every connection closed, nothing
    listening) and restore: the store on the far side of it becomes unreachable."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers += [writer, up_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def _postgres_app(url: str, schema: str):
    from axis.app import create_app
    from axis.config import Settings
    from axis.store.postgres import PostgresStore

    store = PostgresStore(url, schema=schema)
    app = create_app(Settings(store="unused", admin_token=ADMIN_TOKEN), store=store)
    return app, store


def _inbox_headers() -> dict[str, str]:
    return signing.sign_headers(B, secret_of(B), "GET", "/v1/inbox")


@pytest.mark.postgres
@pytest.mark.anyio
async def test_a_postgresql_store_damaged_while_serving_answers_503_and_healthz_says_so(
        pg_schema) -> None:
    url, schema = pg_schema
    app, store = await _postgres_app(url, schema)
    async with app.router.lifespan_context(app):
        await store.put_agencies([(code, code, secret_of(code)) for code in AGENCIES])
        await app.state.axis.directory.refresh()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://axis") as http:
            assert (await http.get("/healthz")).status_code == 200
            await asyncio.to_thread(
                _alter, f"{url}?options=-csearch_path%3D{schema}",
                "ALTER TABLE deliveries RENAME COLUMN recipient TO someone")
            answer = await http.get("/v1/inbox", headers=_inbox_headers())
            assert answer.status_code == 503 and "recipient" in answer.json()["error"]
            body = packages.document(A, [B], "A,after-damage")
            headers = signing.sign_headers(A, secret_of(A), "POST", "/v1/documents", body)
            sent = await http.post("/v1/documents", content=body, headers=headers)
            assert sent.status_code == 503 and "error" in sent.json()
            health = await http.get("/healthz")
            assert health.status_code == 503 and "damaged" in health.json()["error"]


@pytest.mark.postgres
@pytest.mark.anyio
async def test_an_unreachable_postgresql_while_serving_answers_503_until_it_is_back(
        pg_schema) -> None:
    """Unlike damage, a lost server is a passing state: /healthz says so while it lasts."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    url, schema = pg_schema
    target = conninfo_to_dict(url)
    proxy = Proxy(str(target.get("host", "127.0.0.1")), int(target.get("port", 5432)))
    await proxy.start()
    app, store = await _postgres_app(make_conninfo(url, host="127.0.0.1", port=proxy.port),
                                     schema)
    async with app.router.lifespan_context(app):
        await store.put_agencies([(code, code, secret_of(code)) for code in AGENCIES])
        await app.state.axis.directory.refresh()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://axis") as http:
            assert (await http.get("/healthz")).status_code == 200
            await proxy.cut()
            for _ in range(2):  # a broken connection, then a refused one
                health = await http.get("/healthz")
                assert health.status_code == 503, health.text
                assert health.json()["status"] == "unavailable" and health.json()["error"]
                answer = await http.get("/v1/inbox", headers=_inbox_headers())
                assert answer.status_code == 503 and answer.json()["error"]
            await proxy.start()
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/v1/inbox", headers=_inbox_headers())).status_code == 200
        await proxy.cut()  # the store closes its connections before the relay goes
