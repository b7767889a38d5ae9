"""PostgreSQL read connections: reuse, and recovery after the server drops them."""

from __future__ import annotations

import pytest

from axis.store.readers import ReadConnections
from tests.axis.conftest import postgres_url_or_skip

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


async def test_connections_are_reused_and_replaced_after_a_failure() -> None:
    import psycopg

    url = postgres_url_or_skip()
    readers = ReadConnections(url, 2, {})
    await readers.open()
    try:
        async with readers.connection() as conn:
            pid = (await (await conn.execute("SELECT pg_backend_pid()")).fetchone())[0]
        async with readers.connection() as conn:  # the idle one opens now; the first is reused
            pass
        # the server kills our backend, as a restart or an administrator would
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        failures = 0
        for _ in range(4):
            try:
                async with readers.connection() as conn:
                    assert (await (await conn.execute("SELECT 1")).fetchone())[0] == 1
            except psycopg.OperationalError:
                failures += 1
        assert failures <= 1  # at most the one query on the dead connection fails
        async with readers.connection() as conn:
            assert (await (await conn.execute("SELECT 2")).fetchone())[0] == 2
    finally:
        await readers.close()
