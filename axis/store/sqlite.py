"""The default store: one SQLite file in WAL mode, written in group commits (`sqlite_commit`).

WAL lets readers run while the writer commits, so inbox polls never queue behind sends, and
`synchronous=FULL` makes every commit reach the disk before the writer reports it: a 2xx survives
`kill -9` and power loss alike. Reads run on the calling thread with one connection per thread;
they are index lookups of microseconds, cheaper to do inline than to hand to a thread pool.

Several axis processes (`--workers N`) may open the same file: SQLite's own locking serialises
their writers (`BEGIN IMMEDIATE` with a busy timeout), and each process batches its own sends.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from axis.edxml import LARGE_BYTES, STATUS, Package
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
    Unavailable,
    next_ack_state,
)
from axis.store.sql import SQLITE_STATEMENTS, inbox_counts, outbox_items, unanswered
from axis.store.sqlite_commit import OffLoop, SqliteCommitter

SQL = SQLITE_STATEMENTS
log = logging.getLogger("axis.store.sqlite")


def _reading(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """A read whose database errors become 503 (JSON) and mark a damaged store."""

    @functools.wraps(method)
    async def read(self: SqliteStore, *args: Any) -> Any:
        try:
            return await method(self, *args)
        except sqlite3.DatabaseError as error:
            raise self._failed(error) from None

    return read


class SqliteStore(Store):
    kind = "sqlite"

    def __init__(self, path: str, on_commit: Callable[[float, int], None] | None = None) -> None:
        if path in ("", ":memory:"):
            raise ValueError("the SQLite store needs a file path (in memory is not durable)")
        self.path = path
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._writer_conn: sqlite3.Connection | None = None
        self._committer: SqliteCommitter | None = None
        self._on_commit = on_commit
        self._fault: str | None = None
        """The first database error that was not a passing lock (a damaged file)."""

    # -- connections ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = OFF")
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            self._readers.append(conn)
        return conn

    async def open(self) -> None:
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        try:
            conn = self._connect()
            self._check_integrity(conn)
            self._check_schema(conn)
            conn.executescript(SQL.schema)
        except sqlite3.DatabaseError as error:
            raise Unavailable(f"{self.path}: {error}") from None
        self._writer_conn = conn
        self._committer = SqliteCommitter(conn, on_commit=self._observe,
                                             checkpoint=self._checkpoint)

    def _check_integrity(self, conn: sqlite3.Connection) -> None:
        """Refuse a damaged file before serving (`PRAGMA quick_check`: every page and index
        entry well-formed; it reads the whole file once, seconds for gigabytes)."""
        rows = conn.execute("PRAGMA quick_check").fetchall()
        lines = [line for row in rows for line in str(row[0]).splitlines()
                 if line and not line.startswith("***")]
        if lines != ["ok"]:
            conn.close()
            more = f" (and {len(lines) - 1} more problems)" if len(lines) > 1 else ""
            raise Unavailable(f"{self.path}: integrity check failed: {lines[0]}{more}; restore "
                              "a backup or repair it (sqlite3 .recover) before serving")

    def _check_schema(self, conn: sqlite3.Connection) -> None:
        """Refuse a store whose tables are not the ones the axis writes (`schema_check`)."""
        columns: dict[str, set[str]] = {}
        unique: set[tuple[str, tuple[str, ...]]] = set()
        for table in schema_check.TABLES:
            names = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
            if not names:
                continue
            columns[table] = names
            for _, index, is_unique, *_ in conn.execute(f'PRAGMA index_list("{table}")'):
                if is_unique:
                    quoted = index.replace('"', '""')
                    key = conn.execute(f'PRAGMA index_info("{quoted}")').fetchall()
                    unique.add((table, tuple(row[2] for row in key)))
        found = schema_check.problems(columns, unique)
        if found:
            conn.close()
            raise Unavailable(schema_check.refusal(self.path, found))

    def _failed(self, error: sqlite3.DatabaseError) -> Unavailable:
        """The answer to a database error; one that is not a passing lock marks the store
        damaged, so that /healthz says so until a restart (which checks the file again)."""
        if not (isinstance(error, sqlite3.OperationalError)
                and ("locked" in str(error) or "busy" in str(error))):
            if self._fault is None:
                log.error("SQLite store %s failed: %s", self.path, error)
            self._fault = f"{type(error).__name__}: {error}"
        return Unavailable(f"store failed: {error}")

    def _checkpoint(self) -> None:
        """A passive WAL checkpoint on a connection of its own (runs on the helper thread)."""
        conn = getattr(self, "_checkpoint_conn", None)
        if conn is None:
            conn = self._checkpoint_conn = self._connect()
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    async def close(self) -> None:
        if self._committer is not None:
            await self._committer.close()
            self._committer = None
        if self._writer_conn is not None:
            self._writer_conn.close()
            self._writer_conn = None
        checkpoint_conn = getattr(self, "_checkpoint_conn", None)
        if checkpoint_conn is not None:
            checkpoint_conn.close()
            self._checkpoint_conn = None
        for conn in self._readers:
            conn.close()
        self._readers.clear()
        self._local = threading.local()

    async def _write(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        assert self._committer is not None, "store is not open"
        try:
            return await self._committer.submit(fn)
        except sqlite3.DatabaseError as error:
            raise self._failed(error) from None

    # -- directory -----------------------------------------------------------------------------
    async def put_agency(self, code: str, name: str, secret: str) -> bool:
        now = time.time()

        def put(conn: sqlite3.Connection) -> bool:
            existed = conn.execute(SQL.agency_exists, (code,)).fetchone()
            conn.execute(SQL.upsert_agency, (code, name, secret, now))
            return existed is None

        return await self._write(put)

    async def put_agencies(self, rows: Sequence[tuple[str, str, str]]) -> int:
        now = time.time()

        def put(conn: sqlite3.Connection) -> int:
            conn.executemany(SQL.upsert_agency,
                             [(code, name, secret, now) for code, name, secret in rows])
            return len(rows)

        return await self._write(put)

    @_reading
    async def get_agency(self, code: str) -> Agency | None:
        row = self._reader().execute(SQL.get_agency, (code,)).fetchone()
        return Agency(*row) if row else None

    @_reading
    async def list_agencies(self, after: str, limit: int) -> list[tuple[str, str]]:
        return self._reader().execute(SQL.list_agencies, (after, limit)).fetchall()

    @_reading
    async def agencies_since(self, updated_after: float) -> list[Agency]:
        rows = self._reader().execute(SQL.agencies_since, (updated_after,)).fetchall()
        return [Agency(*row) for row in rows]

    # -- exchange ------------------------------------------------------------------------------
    async def send(self, package: Package, body: bytes,
                   relay: Mapping[str, str] | None = None, trace: str = "") -> SendOutcome:
        now = time.time()
        relay = relay or {}

        def send(conn: sqlite3.Connection) -> SendOutcome:
            answered = None
            if package.kind == STATUS:
                answered = _answered_document(conn, package)
            # Insert first and look for the original only on conflict: duplicates are rare, so
            # the common case costs one statement instead of two.
            cursor = conn.execute(SQL.insert_document, SQL.document_row(package, body, now))
            if cursor.rowcount == 0:
                return _original_outcome(conn, package)
            document = cursor.lastrowid
            assert document is not None
            if trace:
                conn.execute(SQL.insert_trace, (document, trace))
            deliveries = []
            for recipient in package.recipients:
                hop = relay.get(recipient)
                cursor = conn.execute(
                    SQL.insert_delivery if hop is None else SQL.insert_queued_delivery,
                    (document, recipient, package.kind, package.priority, now))
                assert cursor.lastrowid is not None
                deliveries.append((cursor.lastrowid, recipient))
                if hop is not None:  # queued for the next hop in the same transaction
                    conn.execute(SQL.insert_relay, (cursor.lastrowid, document, hop, now))
            if answered is not None:
                conn.execute(SQL.insert_status,
                             (answered, package.sender, package.status_code, document, now))
            return SendOutcome(document, package.document_id, package.kind, package.sender, now,
                               tuple(deliveries))

        assert self._committer is not None, "store is not open"
        try:
            # the hot path: no extra coroutine; a big body is written off the event loop
            return await self._committer.submit(OffLoop(send) if len(body) > LARGE_BYTES
                                                else send)
        except sqlite3.DatabaseError as error:
            raise self._failed(error) from None

    @_reading
    async def inbox(self, agency: str, kind: str | None, limit: int) -> list[InboxItem]:
        rows = self._reader().execute(*SQL.inbox(agency, kind, limit)).fetchall()
        return [InboxItem(*row) for row in rows]

    @_reading
    async def inbox_count(self, agency: str) -> dict[str, int]:
        return inbox_counts(self._reader().execute(SQL.inbox_count, (agency,)).fetchall())

    @_reading
    async def fetch(self, agency: str, delivery_id: int) -> Fetched | None:
        row = self._reader().execute(SQL.fetch, (delivery_id,)).fetchone()
        if row is None:
            return None
        fetched = Fetched(*row)
        if agency not in (fetched.recipient, fetched.sender):
            return None
        return fetched

    async def ack(self, agency: str, delivery_id: int, state: str) -> str:
        now = time.time()

        def ack(conn: sqlite3.Connection) -> str:
            row = conn.execute(SQL.delivery_state, (delivery_id, agency)).fetchone()
            if row is None:
                raise NotFound(f"no delivery {delivery_id} addressed to {agency}")
            new = next_ack_state(row[0], state, delivery_id)
            if new != row[0]:
                conn.execute(SQL.set_delivery_state, (new, now, delivery_id))
            return new

        return await self._write(ack)

    @_reading
    async def outbox(self, agency: str, limit: int, before: int | None = None) -> list[OutboxItem]:
        conn = self._reader()
        docs = conn.execute(SQL.outbox_documents,
                            (agency, MAX_ID if before is None else before, limit)).fetchall()
        if not docs:
            return []
        ids = [row[0] for row in docs]
        return outbox_items(docs, conn.execute(*SQL.outbox_statuses(ids)),
                            conn.execute(*SQL.outbox_deliveries(ids)))

    # -- relay queue ---------------------------------------------------------------------------
    @_reading
    async def relay_queued(self, next_hop: str, limit: int) -> list[RelayItem]:
        rows = self._reader().execute(SQL.relay_queued, (next_hop, limit)).fetchall()
        return [RelayItem(*row) for row in rows]

    @_reading
    async def relay_document(self, document: int) -> tuple[bytes, str] | None:
        row = self._reader().execute(SQL.relay_document, (document,)).fetchone()
        return None if row is None else (bytes(row[0]), row[1])

    async def relay_settle(self, deliveries: Sequence[int], state: str) -> None:
        now = time.time()

        def settle(conn: sqlite3.Connection) -> None:
            conn.executemany(SQL.delete_relay, [(d,) for d in deliveries])
            conn.executemany(SQL.set_delivery_state, [(state, now, d) for d in deliveries])

        await self._write(settle)

    async def relay_attempted(self, deliveries: Sequence[int]) -> None:
        def attempted(conn: sqlite3.Connection) -> None:
            conn.executemany(SQL.relay_attempted, [(d,) for d in deliveries])

        await self._write(attempted)

    @_reading
    async def relay_stats(self) -> list[tuple[str, int, float]]:
        return self._reader().execute(SQL.relay_stats).fetchall()

    # -- operations ----------------------------------------------------------------------------
    @_reading
    async def stats(self) -> dict[str, int]:
        conn = self._reader()
        pending = conn.execute(SQL.pending_count).fetchone()
        # Rows are never deleted and an INTEGER PRIMARY KEY without AUTOINCREMENT reuses the
        # ids of rolled-back inserts, so max(id) is the count, read from the end of the index
        # instead of a scan that would stall the event loop on a large store.
        documents = conn.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()
        return {"pending_deliveries": pending[0], "documents": documents[0]}

    async def ping(self) -> None:
        if self._fault is not None:
            raise Unavailable(f"store damaged: {self._fault}")
        try:
            self._reader().execute(SQL.ping).fetchone()
        except sqlite3.DatabaseError as error:
            raise self._failed(error) from None


def _original_outcome(conn: sqlite3.Connection, package: Package) -> SendOutcome:
    row = conn.execute(SQL.original_document, (package.sender, package.dedup_key)).fetchone()
    assert row is not None, "conflicting row vanished"
    deliveries = conn.execute(SQL.document_deliveries, (row[0],)).fetchall()
    return SendOutcome(*row, deliveries=tuple(deliveries), duplicate=True)


def _answered_document(conn: sqlite3.Connection, package: Package) -> int:
    """The document a status answers; it must have been sent to the status's sender."""
    row = conn.execute(SQL.answered_document, SQL.answered_args(package)).fetchone()
    if row is None:
        raise unanswered(package)
    return row[0]
