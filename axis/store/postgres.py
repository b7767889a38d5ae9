"""The shared store: PostgreSQL, so several axis processes (on one machine or many) serve as one.

Writes are grouped (`batching.Batcher`: one transaction per batch, on the event loop) on a
dedicated async connection. Reads use a few autocommit connections (`readers`).
Uniqueness of (sender, dedup_key) is enforced by the database, so two processes racing to store
the same document end with one copy, and the loser answers with the winner's result.

Each committed delivery sends `NOTIFY axis_inbox, '<recipient>'`; every process LISTENs and wakes
its own long polls, so a long poll answered by process A learns about a send taken by process B
within milliseconds instead of at its next re-check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import psycopg

from axis.edxml import STATUS, Package
from axis.store import schema_check
from axis.store.base import (
    MAX_ID,
    Agency,
    Fetched,
    InboxItem,
    NotFound,
    OutboxItem,
    RelayItem,
    SendOutcome,
    Store,
    StoreError,
    Unavailable,
    next_ack_state,
)
from axis.store.batching import Batcher
from axis.store.readers import ReadConnections
from axis.store.sql import POSTGRESQL_STATEMENTS, inbox_counts, outbox_items, unanswered

log = logging.getLogger("axis.store.postgres")

CHANNEL = "axis_inbox"

SQL = POSTGRESQL_STATEMENTS
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_SCHEMA_LOCK = 0x4158_4953  # "AXIS": serialises schema creation across starting processes
_DAMAGE_CLASSES = ("42", "XX", "58")
"""SQLSTATE classes of a damaged store, not of a passing failure: an undefined table or column
(someone altered the schema), an internal error or corrupted data, a file missing on disk."""
_COLUMNS = ("SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()")
_UNIQUE_KEYS = (
    "SELECT t.relname, array_agg(a.attname::text ORDER BY k.n) FROM pg_index i "
    "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace s ON s.oid = t.relnamespace "
    "CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
    "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
    "WHERE i.indisunique AND i.indisvalid AND s.nspname = current_schema() "
    "GROUP BY i.indexrelid, t.relname")


class _BodyDumper(psycopg.adapt.Dumper):
    """Package bodies go to PostgreSQL as they are (binary bytea), not copied first.

    psycopg's own dumper copies the bytes into a new buffer, on the event loop: for a 16 MiB
    package that, and libpq's own copy, kept every other request waiting 56 ms plus 40 ms (more
    on a busy machine). libpq still copies the body into its output buffer; nothing else does."""

    format = psycopg.pq.Format.BINARY
    oid = psycopg.postgres.types["bytea"].oid

    def dump(self, obj: Any) -> Any:
        return obj


class _Replay(Exception):
    """An unexpected error inside an operation: replay the batch with savepoints."""


class _PostgresBatcher(Batcher):
    """Batches of writes on one async connection: a transaction per batch, savepoints (a round
    trip each) only when an operation fails unexpectedly and the batch is replayed."""

    def __init__(self, connect: Callable[[], Awaitable[psycopg.AsyncConnection]],
                 on_commit: Callable[[float, int], None] | None = None) -> None:
        super().__init__(on_commit, max_batch=256)
        self._connect = connect
        self._conn: psycopg.AsyncConnection | None = None

    async def _commit(self, fns: list[Any]) -> list[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = await self._connect()
        try:
            try:
                return await self._transaction(self._conn, fns, savepoints=False)
            except _Replay:
                return await self._transaction(self._conn, fns, savepoints=True)
        except psycopg.OperationalError:
            await self._conn.close()
            self._conn = None
            raise

    @staticmethod
    async def _transaction(conn: psycopg.AsyncConnection, fns: list[Any],
                           savepoints: bool) -> list[Any]:
        results: list[Any] = []
        async with conn.transaction():
            for fn in fns:
                try:
                    if savepoints:
                        async with conn.transaction():
                            results.append(await fn(conn))
                    else:
                        results.append(await fn(conn))
                except StoreError as error:
                    results.append(error)
                except psycopg.OperationalError:
                    raise
                except Exception as error:
                    if not savepoints:
                        raise _Replay from error
                    results.append(error)
        return results

    async def _shutdown(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


class PostgresStore(Store):
    kind = "postgresql"

    def __init__(
        self,
        url: str,
        schema: str | None = None,
        on_commit: Callable[[float, int], None] | None = None,
        readers: int = 16,
    ) -> None:
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid PostgreSQL schema name {schema!r}")
        self.url = url
        self.schema = schema
        self._kwargs: dict[str, Any] = {}
        if schema is not None:
            self._kwargs["options"] = f"-c search_path={schema}"
        self._reader_count = readers
        self._readers: ReadConnections | None = None
        self._committer: _PostgresBatcher | None = None
        self._on_commit = on_commit
        self._listeners: list[Callable[[str | None], None]] = []
        self._listen_task: asyncio.Task[None] | None = None
        self._fault: str | None = None
        """The first error that says the store is damaged (an altered schema, corrupted data)."""

    # -- lifecycle -----------------------------------------------------------------------------
    async def open(self) -> None:
        try:
            found = await asyncio.to_thread(self._setup)
        except psycopg.Error as error:
            raise Unavailable(f"cannot open PostgreSQL store: {error}") from error
        if found:
            raise Unavailable(schema_check.refusal("PostgreSQL store", found))
        self._readers = ReadConnections(self.url, self._reader_count, self._kwargs)
        try:
            await self._readers.open()
        except psycopg.Error as error:
            raise Unavailable(f"cannot open PostgreSQL store: {error}") from error
        self._committer = _PostgresBatcher(self._connect_writer, on_commit=self._observe)
        if self._listeners:
            self._start_listening()

    def _setup(self) -> list[str]:
        """Check the tables that exist (`schema_check`), then create what is missing; the
        problems found, if any (then nothing is created)."""
        with psycopg.connect(self.url, autocommit=True, connect_timeout=10,
                             **self._kwargs) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            if self.schema is not None:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            columns: dict[str, set[str]] = {}
            for table, column in conn.execute(_COLUMNS):
                columns.setdefault(table, set()).add(column)
            unique = {(table, tuple(key)) for table, key in conn.execute(_UNIQUE_KEYS)}
            found = schema_check.problems(columns, unique)
            if not found:
                conn.execute(SQL.schema)
            return found

    def _failed(self, error: psycopg.Error) -> Unavailable:
        """The answer to a database error (503); one that says the store is damaged (see
        `_DAMAGE_CLASSES`) is remembered, so that /healthz says so until a restart, whose
        start-up check looks at the schema again."""
        if (error.sqlstate or "")[:2] in _DAMAGE_CLASSES:
            if self._fault is None:
                log.error("PostgreSQL store failed: %s", error)
            self._fault = f"{type(error).__name__}: {_first_line(error)}"
        return Unavailable(f"PostgreSQL store failed: {_first_line(error)}")

    async def close(self) -> None:
        if self._listen_task is not None:
            self._listen_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listen_task
            self._listen_task = None
        if self._committer is not None:
            await self._committer.close()
            self._committer = None
        if self._readers is not None:
            await self._readers.close()
            self._readers = None

    async def _write(self, fn: Callable[[psycopg.AsyncConnection], Awaitable[Any]]) -> Any:
        assert self._committer is not None, "store is not open"
        try:
            return await self._committer.submit(fn)
        except psycopg.Error as error:
            raise self._failed(error) from None

    async def _connect_writer(self) -> psycopg.AsyncConnection:
        conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True, **self._kwargs)
        conn.adapters.register_dumper(bytes, _BodyDumper)
        return conn

    async def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        assert self._readers is not None, "store is not open"
        try:
            async with self._readers.connection() as conn:
                cursor = await conn.execute(sql, args)
                return await cursor.fetchall()
        except psycopg.OperationalError as error:
            raise Unavailable(f"PostgreSQL unavailable: {_first_line(error)}") from error
        except psycopg.Error as error:
            raise self._failed(error) from None

    # -- notifications -------------------------------------------------------------------------
    def subscribe(self, wake: Callable[[str | None], None]) -> None:
        self._listeners.append(wake)
        if self._readers is not None and self._listen_task is None:
            self._start_listening()

    def _start_listening(self) -> None:
        self._listen_task = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, **self._kwargs
                )
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    for wake in self._listeners:  # anything sent while not listening
                        wake(None)
                    async for note in conn.notifies():
                        for wake in self._listeners:
                            wake(note.payload)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # server restart: keep trying, polls re-check meanwhile
                log.warning("LISTEN connection lost (%s); reconnecting", error)
                await asyncio.sleep(1.0)

    # -- directory -----------------------------------------------------------------------------
    async def put_agency(self, code: str, name: str, secret: str) -> bool:
        now = time.time()

        async def put(conn: psycopg.AsyncConnection) -> bool:
            cursor = await conn.execute(SQL.upsert_agency + " RETURNING (xmax = 0)",
                                        (code, name, secret, now))
            row = await cursor.fetchone()
            return bool(row and row[0])

        return await self._write(put)

    async def put_agencies(self, rows: Sequence[tuple[str, str, str]]) -> int:
        now = time.time()

        async def put(conn: psycopg.AsyncConnection) -> int:
            await conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS agencies_load "
                "(code TEXT, name TEXT, secret TEXT) ON COMMIT DELETE ROWS"
            )
            async with conn.cursor() as cursor, cursor.copy(
                "COPY agencies_load (code, name, secret) FROM STDIN"
            ) as copy:
                for row in rows:
                    await copy.write_row(row)
            await conn.execute(
                "INSERT INTO agencies (code, name, secret, updated_at) "
                "SELECT DISTINCT ON (code) code, name, secret, %s FROM agencies_load "
                "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
                "secret = excluded.secret, updated_at = excluded.updated_at",
                (now,),
            )
            await conn.execute("DELETE FROM agencies_load")
            return len(rows)

        return await self._write(put)

    async def get_agency(self, code: str) -> Agency | None:
        rows = await self._rows(SQL.get_agency, (code,))
        return Agency(*rows[0]) if rows else None

    async def list_agencies(self, after: str, limit: int) -> list[tuple[str, str]]:
        rows = await self._rows(SQL.list_agencies, (after, limit))
        return [(code, name) for code, name in rows]

    async def agencies_since(self, updated_after: float) -> list[Agency]:
        rows = await self._rows(SQL.agencies_since, (updated_after,))
        return [Agency(*row) for row in rows]

    # -- exchange ------------------------------------------------------------------------------
    async def send(self, package: Package, body: bytes,
                   relay: Mapping[str, str] | None = None, trace: str = "") -> SendOutcome:
        now = time.time()
        relay = relay or {}

        async def send(conn: psycopg.AsyncConnection) -> SendOutcome:
            answered = None
            if package.kind == STATUS:
                answered = await _answered_document(conn, package)
            cursor = await conn.execute(SQL.insert_document + " RETURNING id",
                                        SQL.document_row(package, body, now))
            row = await cursor.fetchone()
            if row is None:
                return await _original_outcome(conn, package)
            document = row[0]
            if trace:
                await conn.execute(SQL.insert_trace, (document, trace))
            # One round trip: insert the deliveries and notify each recipient's listeners
            # (notifications are delivered at commit, never for a rolled-back insert).
            if relay:
                deliveries = await _insert_relayed(conn, document, package, relay, now)
            else:
                cursor = await conn.execute(
                    "WITH added AS (INSERT INTO deliveries (document, recipient, kind, "
                    "priority, state, updated_at) SELECT %s, r, %s, %s, 'pending', %s FROM "
                    "unnest(%s::text[]) WITH ORDINALITY AS t(r, n) ORDER BY n "
                    "RETURNING id, recipient) SELECT id, recipient, pg_notify(%s, recipient) "
                    "FROM added",
                    (document, package.kind, package.priority, now, list(package.recipients),
                     CHANNEL),
                )
                deliveries = await cursor.fetchall()
            if answered is not None:
                await conn.execute(SQL.insert_status,
                                   (answered, package.sender, package.status_code, document, now))
            return SendOutcome(document, package.document_id, package.kind, package.sender, now,
                               tuple(sorted((i, r) for i, r, _ in deliveries)))

        return await self._write(send)

    async def inbox(self, agency: str, kind: str | None, limit: int) -> list[InboxItem]:
        return [InboxItem(*row) for row in await self._rows(*SQL.inbox(agency, kind, limit))]

    async def inbox_count(self, agency: str) -> dict[str, int]:
        return inbox_counts(await self._rows(SQL.inbox_count, (agency,)))

    async def fetch(self, agency: str, delivery_id: int) -> Fetched | None:
        rows = await self._rows(SQL.fetch, (delivery_id,))
        if not rows:
            return None
        fetched = Fetched(*rows[0])
        if agency not in (fetched.recipient, fetched.sender):
            return None
        return Fetched(fetched.id, bytes(fetched.body), fetched.document_id, fetched.sender,
                       fetched.recipient, fetched.kind, fetched.trace)

    async def ack(self, agency: str, delivery_id: int, state: str) -> str:
        now = time.time()

        async def ack(conn: psycopg.AsyncConnection) -> str:
            cursor = await conn.execute(SQL.delivery_state, (delivery_id, agency))
            row = await cursor.fetchone()
            if row is None:
                raise NotFound(f"no delivery {delivery_id} addressed to {agency}")
            new = next_ack_state(row[0], state, delivery_id)
            if new != row[0]:
                await conn.execute(SQL.set_delivery_state, (new, now, delivery_id))
            return new

        return await self._write(ack)

    async def outbox(self, agency: str, limit: int, before: int | None = None) -> list[OutboxItem]:
        docs = await self._rows(SQL.outbox_documents,
                                (agency, MAX_ID if before is None else before, limit))
        if not docs:
            return []
        ids = [row[0] for row in docs]
        return outbox_items(docs, await self._rows(*SQL.outbox_statuses(ids)),
                            await self._rows(*SQL.outbox_deliveries(ids)))

    # -- relay queue ---------------------------------------------------------------------------
    async def relay_queued(self, next_hop: str, limit: int) -> list[RelayItem]:
        return [RelayItem(*row) for row in await self._rows(SQL.relay_queued, (next_hop, limit))]

    async def relay_document(self, document: int) -> tuple[bytes, str] | None:
        rows = await self._rows(SQL.relay_document, (document,))
        return (bytes(rows[0][0]), rows[0][1]) if rows else None

    async def relay_settle(self, deliveries: Sequence[int], state: str) -> None:
        now = time.time()
        ids = list(deliveries)

        async def settle(conn: psycopg.AsyncConnection) -> None:
            await conn.execute("DELETE FROM relays WHERE delivery = ANY(%s)", (ids,))
            await conn.execute(
                "UPDATE deliveries SET state = %s, updated_at = %s WHERE id = ANY(%s)",
                (state, now, ids))

        await self._write(settle)

    async def relay_attempted(self, deliveries: Sequence[int]) -> None:
        ids = list(deliveries)

        async def attempted(conn: psycopg.AsyncConnection) -> None:
            await conn.execute(
                "UPDATE relays SET attempts = attempts + 1 WHERE delivery = ANY(%s)", (ids,))

        await self._write(attempted)

    async def relay_stats(self) -> list[tuple[str, int, float]]:
        rows = await self._rows(SQL.relay_stats)
        return [(hop, int(count), float(oldest)) for hop, count, oldest in rows]

    # -- operations ----------------------------------------------------------------------------
    async def stats(self) -> dict[str, int]:
        pending = await self._rows(SQL.pending_count)
        documents = await self._rows("SELECT count(*) FROM documents")
        return {"pending_deliveries": int(pending[0][0]), "documents": int(documents[0][0])}

    async def ping(self) -> None:
        if self._fault is not None:
            raise Unavailable(f"store damaged: {self._fault}")
        await self._rows(SQL.ping)


async def _insert_relayed(conn: psycopg.AsyncConnection, document: int, package: Package,
                          relay: Mapping[str, str], now: float) -> list[tuple[int, str, Any]]:
    """The deliveries of a package some of whose recipients another axis serves: those are
    queued for their next hop in the same transaction (and wake no local long poll)."""
    states = ["queued" if r in relay else "pending" for r in package.recipients]
    cursor = await conn.execute(
        "WITH added AS (INSERT INTO deliveries (document, recipient, kind, priority, state, "
        "updated_at) SELECT %s, r, %s, %s, s, %s FROM unnest(%s::text[], %s::text[]) "
        "WITH ORDINALITY AS t(r, s, n) ORDER BY n RETURNING id, recipient, state) "
        "SELECT id, recipient, CASE WHEN state = 'pending' THEN pg_notify(%s, recipient) END "
        "FROM added",
        (document, package.kind, package.priority, now, list(package.recipients), states,
         CHANNEL),
    )
    deliveries = await cursor.fetchall()
    queued = [(i, relay[r]) for i, r, _ in deliveries if r in relay]
    await conn.execute(
        "INSERT INTO relays (delivery, document, next_hop, queued_at) "
        "SELECT d, %s, h, %s FROM unnest(%s::bigint[], %s::text[]) AS t(d, h)",
        (document, now, [i for i, _ in queued], [h for _, h in queued]),
    )
    return deliveries


def _first_line(error: Exception) -> str:
    """psycopg's messages carry DETAIL and HINT lines; an answer or a log line takes one."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


async def _original_outcome(conn: psycopg.AsyncConnection, package: Package) -> SendOutcome:
    cursor = await conn.execute(SQL.original_document, (package.sender, package.dedup_key))
    row = await cursor.fetchone()
    assert row is not None, "conflicting row vanished"
    cursor = await conn.execute(SQL.document_deliveries, (row[0],))
    deliveries = await cursor.fetchall()
    return SendOutcome(*row, deliveries=tuple((i, r) for i, r in deliveries), duplicate=True)


async def _answered_document(conn: psycopg.AsyncConnection, package: Package) -> int:
    """The document a status answers; it must have been sent to the status's sender."""
    cursor = await conn.execute(SQL.answered_document, SQL.answered_args(package))
    row = await cursor.fetchone()
    if row is None:
        raise unanswered(package)
    return row[0]
