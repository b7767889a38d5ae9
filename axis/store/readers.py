"""A fixed set of autocommit connections for PostgreSQL reads, handed out through a queue.

psycopg_pool's pool does much more (sizing, health checks, statistics, a transaction around each
use) and costs about 100 µs of CPU per borrow, three times the cost of the query a poll needs;
reads here are single autocommit statements, so a queue of open connections is all it takes. A
connection that fails is dropped and replaced on its next use, so a database restart heals.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import psycopg


class ReadConnections:
    def __init__(self, url: str, size: int, kwargs: dict[str, Any]) -> None:
        self._url = url
        self._size = size
        self._kwargs = kwargs
        self._idle: asyncio.Queue[psycopg.AsyncConnection | None] = asyncio.Queue()
        self._all: set[psycopg.AsyncConnection] = set()

    async def open(self) -> None:
        """Open one connection now (so a bad URL fails at start); the rest open on demand."""
        self._idle.put_nowait(await self._connect())
        for _ in range(self._size - 1):
            self._idle.put_nowait(None)

    async def _connect(self) -> psycopg.AsyncConnection:
        conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True, **self._kwargs)
        self._all.add(conn)
        return conn

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        conn = await self._idle.get()
        try:
            if conn is None or conn.closed or conn.broken:
                if conn is not None:
                    self._all.discard(conn)
                conn = None
                conn = await self._connect()
            yield conn
        except BaseException:
            # A failed or cancelled query may leave the connection mid-protocol: never reuse it.
            if conn is not None:
                self._all.discard(conn)
                with contextlib.suppress(Exception):
                    await conn.close()
                conn = None
            raise
        finally:
            self._idle.put_nowait(conn)

    async def close(self) -> None:
        for conn in list(self._all):
            await conn.close()
        self._all.clear()
