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
