"""The default store: one SQLite file in WAL mode, written in group commits (`pipeline`).

WAL lets readers run while the writer commits, so inbox polls never queue behind sends, and
`synchronous=FULL` makes every commit reach the disk before the writer reports it: a 2xx survives
`kill -9` and power loss alike. Reads run on the calling thread with one connection per thread;
they are index lookups of microseconds, cheaper to do inline than to hand to a thread pool.

Several axis processes (`--workers N`) may open the same file: SQLite's own locking serialises
their writers (`BEGIN IMMEDIATE` with a busy timeout), and each process batches its own sends.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from axis.edxml import EDOC, STATUS, Package
from axis.store.base import (
    MAX_ID,
    Agency,
    Fetched,
    InboxItem,
    NotFound,
    OutboxItem,
    SendOutcome,
    Store,
    Unprocessable,
    next_ack_state,
)
from axis.store.pipeline import PipelinedCommitter

SCHEMA = """
CREATE TABLE IF NOT EXISTS agencies (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS agencies_updated ON agencies(updated_at);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    sender TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    document_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    priority INTEGER NOT NULL,
    size INTEGER NOT NULL,
    created_at REAL NOT NULL,
    body BLOB NOT NULL,
    UNIQUE (sender, dedup_key)
);
CREATE INDEX IF NOT EXISTS documents_outbox ON documents(sender, id);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    document INTEGER NOT NULL REFERENCES documents(id),
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_inbox
    ON deliveries(recipient, priority DESC, id) WHERE state <> 'done';
CREATE INDEX IF NOT EXISTS deliveries_document ON deliveries(document);
CREATE TABLE IF NOT EXISTS statuses (
    id INTEGER PRIMARY KEY,
    document INTEGER NOT NULL REFERENCES documents(id),
    recipient TEXT NOT NULL,
    status_code TEXT NOT NULL,
    status_document INTEGER NOT NULL REFERENCES documents(id),
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS statuses_document ON statuses(document);
"""


class SqliteStore(Store):
    kind = "sqlite"

    def __init__(self, path: str, on_commit: Callable[[float, int], None] | None = None) -> None:
        if path in ("", ":memory:"):
            raise ValueError("the SQLite store needs a file path (in memory is not durable)")
        self.path = path
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._writer_conn: sqlite3.Connection | None = None
        self._committer: PipelinedCommitter | None = None
        self._on_commit = on_commit

    def set_commit_observer(self, observer: Callable[[float, int], None]) -> None:
        self._on_commit = observer

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
        conn = self._connect()
        conn.executescript(SCHEMA)
        self._writer_conn = conn
        self._committer = PipelinedCommitter(conn, on_commit=self._observe,
                                             checkpoint=self._checkpoint)

    def _checkpoint(self) -> None:
        """A passive WAL checkpoint on a connection of its own (runs on the helper thread)."""
        conn = getattr(self, "_checkpoint_conn", None)
        if conn is None:
            conn = self._checkpoint_conn = self._connect()
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _observe(self, seconds: float, size: int) -> None:
        if self._on_commit is not None:
            self._on_commit(seconds, size)

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
        return await self._committer.submit(fn)

    # -- directory -----------------------------------------------------------------------------
    async def put_agency(self, code: str, name: str, secret: str) -> bool:
        now = time.time()

        def put(conn: sqlite3.Connection) -> bool:
            existed = conn.execute("SELECT 1 FROM agencies WHERE code = ?", (code,)).fetchone()
            conn.execute(
                "INSERT INTO agencies (code, name, secret, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
                "secret = excluded.secret, updated_at = excluded.updated_at",
                (code, name, secret, now),
            )
            return existed is None

        return await self._write(put)

    async def put_agencies(self, rows: Sequence[tuple[str, str, str]]) -> int:
        return await self._write(self._bulk_put(rows))

    @staticmethod
    def _bulk_put(rows: Sequence[tuple[str, str, str]]) -> Callable[[sqlite3.Connection], int]:
        now = time.time()

        def put(conn: sqlite3.Connection) -> int:
            conn.executemany(
                "INSERT INTO agencies (code, name, secret, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
                "secret = excluded.secret, updated_at = excluded.updated_at",
                [(code, name, secret, now) for code, name, secret in rows],
            )
            return len(rows)

        return put

    async def get_agency(self, code: str) -> Agency | None:
        row = self._reader().execute(
            "SELECT code, name, secret, updated_at FROM agencies WHERE code = ?", (code,)
        ).fetchone()
        return Agency(*row) if row else None

    async def list_agencies(self, after: str, limit: int) -> list[tuple[str, str]]:
        return self._reader().execute(
            "SELECT code, name FROM agencies WHERE code > ? ORDER BY code LIMIT ?", (after, limit)
        ).fetchall()

    async def agencies_since(self, updated_after: float) -> list[Agency]:
        rows = self._reader().execute(
            "SELECT code, name, secret, updated_at FROM agencies WHERE updated_at > ?",
            (updated_after,),
        ).fetchall()
        return [Agency(*row) for row in rows]

    # -- exchange ------------------------------------------------------------------------------
    async def send(self, package: Package, body: bytes) -> SendOutcome:
        now = time.time()

        def send(conn: sqlite3.Connection) -> SendOutcome:
            answered = None
            if package.kind == STATUS:
                answered = _answered_document(conn, package)
            # Insert first and look for the original only on conflict: duplicates are rare, so
            # the common case costs one statement instead of two.
            cursor = conn.execute(
                "INSERT INTO documents (sender, dedup_key, document_id, kind, priority, size, "
                "created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (sender, dedup_key) DO NOTHING",
                (package.sender, package.dedup_key, package.document_id, package.kind,
                 package.priority, len(body), now, body),
            )
            if cursor.rowcount == 0:
                return _original_outcome(conn, package)
            document = cursor.lastrowid
            assert document is not None
            deliveries = []
            for recipient in package.recipients:
                cursor = conn.execute(
                    "INSERT INTO deliveries (document, recipient, kind, priority, state, "
                    "updated_at) VALUES (?, ?, ?, ?, 'pending', ?)",
                    (document, recipient, package.kind, package.priority, now),
                )
                assert cursor.lastrowid is not None
                deliveries.append((cursor.lastrowid, recipient))
            if answered is not None:
                conn.execute(
                    "INSERT INTO statuses (document, recipient, status_code, status_document, "
                    "created_at) VALUES (?, ?, ?, ?, ?)",
                    (answered, package.sender, package.status_code, document, now),
                )
            return SendOutcome(document, package.document_id, package.kind, package.sender, now,
                               tuple(deliveries))

        assert self._committer is not None, "store is not open"
        return await self._committer.submit(send)

    async def inbox(self, agency: str, kind: str | None, limit: int) -> list[InboxItem]:
        sql = (
            "SELECT d.id, doc.document_id, doc.sender, d.kind, d.priority, doc.size, "
            "doc.created_at, d.state FROM deliveries d JOIN documents doc ON doc.id = d.document "
            "WHERE d.recipient = ? AND d.state <> 'done'"
        )
        args: tuple[Any, ...] = (agency,)
        if kind is not None:
            sql += " AND d.kind = ?"
            args += (kind,)
        sql += " ORDER BY d.priority DESC, d.id LIMIT ?"
        rows = self._reader().execute(sql, (*args, limit)).fetchall()
        return [InboxItem(*row) for row in rows]

    async def inbox_count(self, agency: str) -> dict[str, int]:
        rows = self._reader().execute(
            "SELECT kind, count(*) FROM deliveries WHERE recipient = ? AND state <> 'done' "
            "GROUP BY kind",
            (agency,),
        ).fetchall()
        counts = {EDOC: 0, STATUS: 0}
        counts.update(rows)
        return counts

    async def fetch(self, agency: str, delivery_id: int) -> Fetched | None:
        row = self._reader().execute(
            "SELECT d.id, doc.body, doc.document_id, doc.sender, d.recipient, d.kind "
            "FROM deliveries d JOIN documents doc ON doc.id = d.document WHERE d.id = ?",
            (delivery_id,),
        ).fetchone()
        if row is None:
            return None
        fetched = Fetched(*row)
        if agency not in (fetched.recipient, fetched.sender):
            return None
        return fetched

    async def ack(self, agency: str, delivery_id: int, state: str) -> str:
        now = time.time()

        def ack(conn: sqlite3.Connection) -> str:
            row = conn.execute(
                "SELECT state FROM deliveries WHERE id = ? AND recipient = ?",
                (delivery_id, agency),
            ).fetchone()
            if row is None:
                raise NotFound(f"no delivery {delivery_id} addressed to {agency}")
            new = next_ack_state(row[0], state, delivery_id)
            if new != row[0]:
                conn.execute(
                    "UPDATE deliveries SET state = ?, updated_at = ? WHERE id = ?",
                    (new, now, delivery_id),
                )
            return new

        return await self._write(ack)

    async def outbox(self, agency: str, limit: int, before: int | None = None) -> list[OutboxItem]:
        conn = self._reader()
        docs = conn.execute(
            "SELECT id, document_id, kind, created_at FROM documents WHERE sender = ? "
            "AND id < ? ORDER BY id DESC LIMIT ?",
            (agency, MAX_ID if before is None else before, limit),
        ).fetchall()
        if not docs:
            return []
        items = {row[0]: OutboxItem(*row) for row in docs}
        marks = ",".join("?" * len(items))
        statuses: dict[tuple[int, str], list[str]] = {}
        for document, recipient, code in conn.execute(
            f"SELECT document, recipient, status_code FROM statuses WHERE document IN ({marks}) "
            "ORDER BY id",
            tuple(items),
        ):
            statuses.setdefault((document, recipient), []).append(code)
        for delivery, document, recipient, state, updated in conn.execute(
            f"SELECT id, document, recipient, state, updated_at FROM deliveries "
            f"WHERE document IN ({marks}) ORDER BY id",
            tuple(items),
        ):
            items[document].recipients.append({
                "delivery": delivery,
                "recipient": recipient,
                "state": state,
                "updated_at": updated,
                "status_codes": statuses.get((document, recipient), []),
            })
        return list(items.values())

    # -- operations ----------------------------------------------------------------------------
    async def stats(self) -> dict[str, int]:
        conn = self._reader()
        pending = conn.execute("SELECT count(*) FROM deliveries WHERE state <> 'done'").fetchone()
        # Rows are never deleted and an INTEGER PRIMARY KEY without AUTOINCREMENT reuses the
        # ids of rolled-back inserts, so max(id) is the count, read from the end of the index
        # instead of a scan that would stall the event loop on a large store.
        documents = conn.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()
        return {"pending_deliveries": pending[0], "documents": documents[0]}

    async def ping(self) -> None:
        self._reader().execute("SELECT 1").fetchone()


def _original_outcome(conn: sqlite3.Connection, package: Package) -> SendOutcome:
    row = conn.execute(
        "SELECT id, document_id, kind, sender, created_at FROM documents "
        "WHERE sender = ? AND dedup_key = ?",
        (package.sender, package.dedup_key),
    ).fetchone()
    assert row is not None, "conflicting row vanished"
    deliveries = conn.execute(
        "SELECT id, recipient FROM deliveries WHERE document = ? ORDER BY id", (row[0],)
    ).fetchall()
    return SendOutcome(*row, deliveries=tuple(deliveries), duplicate=True)


def _answered_document(conn: sqlite3.Connection, package: Package) -> int:
    """The document a status answers; it must have been sent to the status's sender."""
    row = conn.execute(
        "SELECT doc.id FROM documents doc JOIN deliveries d ON d.document = doc.id "
        "WHERE doc.sender = ? AND doc.dedup_key = ? AND doc.kind = 'edoc' AND d.recipient = ?",
        (package.response_for_organ, package.response_for_document, package.sender),
    ).fetchone()
    if row is None:
        raise Unprocessable(
            f"Status/ResponseFor names document {package.response_for_document!r} from "
            f"{package.response_for_organ}, which was not sent to {package.sender}"
        )
    return row[0]
