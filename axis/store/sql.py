"""The SQL both stores run, written once; each store renders it through its `Dialect`.

The statements are written with `?` placeholders and SQLite's spelling; a dialect swaps the
placeholders (`%s` for psycopg) and names the column types. What genuinely differs between the
databases stays in the store that needs it (PostgreSQL inserts a document's deliveries in one
round trip with `unnest` and notifies listeners; SQLite inserts them one by one, which costs
microseconds in-process). Rows read back are turned into records here too (`outbox_items`,
`inbox_counts`), so both stores answer in the same shape by construction.

A new store (or a new table, such as a relay queue) adds its statements here and gets both
renderings for free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from axis.edxml import EDOC, STATUS, Package
from axis.store.base import NOT_PENDING, OutboxItem, Unprocessable

SCHEMA = """
CREATE TABLE IF NOT EXISTS agencies (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret TEXT NOT NULL,
    updated_at {real} NOT NULL
);
CREATE INDEX IF NOT EXISTS agencies_updated ON agencies(updated_at);
CREATE TABLE IF NOT EXISTS documents (
    id {serial} PRIMARY KEY,
    sender TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    document_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    priority INTEGER NOT NULL,
    size INTEGER NOT NULL,
    created_at {real} NOT NULL,
    body {blob} NOT NULL,
    UNIQUE (sender, dedup_key)
);
CREATE INDEX IF NOT EXISTS documents_outbox ON documents(sender, id);
CREATE TABLE IF NOT EXISTS deliveries (
    id {serial} PRIMARY KEY,
    document {reference} NOT NULL REFERENCES documents(id),
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    updated_at {real} NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_inbox
    ON deliveries(recipient, priority DESC, id) WHERE state <> 'done';
CREATE INDEX IF NOT EXISTS deliveries_document ON deliveries(document);
CREATE TABLE IF NOT EXISTS statuses (
    id {serial} PRIMARY KEY,
    document {reference} NOT NULL REFERENCES documents(id),
    recipient TEXT NOT NULL,
    status_code TEXT NOT NULL,
    status_document {reference} NOT NULL REFERENCES documents(id),
    created_at {real} NOT NULL
);
CREATE INDEX IF NOT EXISTS statuses_document ON statuses(document);
CREATE TABLE IF NOT EXISTS relays (
    delivery {reference} PRIMARY KEY REFERENCES deliveries(id),
    document {reference} NOT NULL REFERENCES documents(id),
    next_hop TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    queued_at {real} NOT NULL
);
CREATE INDEX IF NOT EXISTS relays_hop ON relays(next_hop, delivery);
CREATE TABLE IF NOT EXISTS traces (
    document {reference} PRIMARY KEY REFERENCES documents(id),
    hops TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Dialect:
    """How one database spells what `Statements` needs."""

    name: str
    placeholder: str
    serial: str
    reference: str
    real: str
    blob: str
    lock_row: str
    """Appended to a read that precedes an update of the same row in a write transaction
    (SQLite's writer holds the whole database already)."""

    def render(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def any_of(self, column: str, ids: Sequence[int]) -> tuple[str, tuple[Any, ...]]:
        """`column` is one of `ids`: (SQL fragment, its arguments)."""
        if self.name == "postgresql":
            return f"{column} = ANY({self.placeholder})", (list(ids),)
        return f"{column} IN ({','.join('?' * len(ids))})", tuple(ids)


SQLITE = Dialect("sqlite", "?", serial="INTEGER", reference="INTEGER", real="REAL",
                 blob="BLOB", lock_row="")
POSTGRESQL = Dialect("postgresql", "%s", serial="BIGSERIAL", reference="BIGINT",
                     real="DOUBLE PRECISION", blob="BYTEA", lock_row=" FOR UPDATE")


class Statements:
    """Every statement the stores share, rendered for one dialect once, at import."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        q = dialect.render
        self.schema = SCHEMA.format(serial=dialect.serial, reference=dialect.reference,
                                    real=dialect.real, blob=dialect.blob)
        # directory
        self.agency_exists = q("SELECT 1 FROM agencies WHERE code = ?")
        self.upsert_agency = q(
            "INSERT INTO agencies (code, name, secret, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
            "secret = excluded.secret, updated_at = excluded.updated_at")
        self.get_agency = q("SELECT code, name, secret, updated_at FROM agencies WHERE code = ?")
        self.list_agencies = q(
            "SELECT code, name FROM agencies WHERE code > ? ORDER BY code LIMIT ?")
        self.agencies_since = q(
            "SELECT code, name, secret, updated_at FROM agencies WHERE updated_at > ?")
        # exchange: writes
        self.insert_document = q(
            "INSERT INTO documents (sender, dedup_key, document_id, kind, priority, size, "
            "created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (sender, dedup_key) DO NOTHING")
        self.insert_delivery = q(
            "INSERT INTO deliveries (document, recipient, kind, priority, state, updated_at) "
            "VALUES (?, ?, ?, ?, 'pending', ?)")
        # relay queue (axis.federation): a delivery for a recipient another axis serves
        self.insert_queued_delivery = q(
            "INSERT INTO deliveries (document, recipient, kind, priority, state, updated_at) "
            "VALUES (?, ?, ?, ?, 'queued', ?)")
        self.insert_relay = q(
            "INSERT INTO relays (delivery, document, next_hop, queued_at) VALUES (?, ?, ?, ?)")
        self.relay_queued = q(
            "SELECT r.delivery, r.document, d.recipient, r.next_hop, r.attempts, r.queued_at "
            "FROM relays r JOIN deliveries d ON d.id = r.delivery WHERE r.next_hop = ? "
            "ORDER BY r.delivery LIMIT ?")
        self.insert_trace = q("INSERT INTO traces (document, hops) VALUES (?, ?)")
        self.relay_document = q(
            "SELECT doc.body, coalesce(t.hops, '') FROM documents doc "
            "LEFT JOIN traces t ON t.document = doc.id WHERE doc.id = ?")
        self.delete_relay = q("DELETE FROM relays WHERE delivery = ?")
        self.relay_attempted = q("UPDATE relays SET attempts = attempts + 1 WHERE delivery = ?")
        self.relay_stats = (
            "SELECT next_hop, count(*), min(queued_at) FROM relays GROUP BY next_hop")
        self.insert_status = q(
            "INSERT INTO statuses (document, recipient, status_code, status_document, "
            "created_at) VALUES (?, ?, ?, ?, ?)")
        self.original_document = q(
            "SELECT id, document_id, kind, sender, created_at FROM documents "
            "WHERE sender = ? AND dedup_key = ?")
        self.document_deliveries = q(
            "SELECT id, recipient FROM deliveries WHERE document = ? ORDER BY id")
        self.answered_document = q(
            "SELECT doc.id FROM documents doc JOIN deliveries d ON d.document = doc.id "
            "WHERE doc.sender = ? AND doc.dedup_key = ? AND doc.kind = 'edoc' "
            "AND d.recipient = ? LIMIT 1")
        self.delivery_state = q(
            "SELECT state FROM deliveries WHERE id = ? AND recipient = ?" + dialect.lock_row)
        self.set_delivery_state = q("UPDATE deliveries SET state = ?, updated_at = ? WHERE id = ?")
        # exchange: reads
        inbox = (
            "SELECT d.id, doc.document_id, doc.sender, d.kind, d.priority, doc.size, "
            "doc.created_at, d.state FROM deliveries d JOIN documents doc ON doc.id = d.document "
            "WHERE d.recipient = ? AND d.state <> 'done'")
        order = " ORDER BY d.priority DESC, d.id LIMIT ?"
        self.inbox_any = q(inbox + order)
        self.inbox_of_kind = q(inbox + " AND d.kind = ?" + order)
        self.inbox_count = q(
            "SELECT kind, count(*) FROM deliveries WHERE recipient = ? AND state <> 'done' "
            "GROUP BY kind")
        self.fetch = q(
            "SELECT d.id, doc.body, doc.document_id, doc.sender, d.recipient, d.kind, "
            "coalesce(t.hops, '') FROM deliveries d JOIN documents doc ON doc.id = d.document "
            "LEFT JOIN traces t ON t.document = doc.id WHERE d.id = ?")
        self.outbox_documents = q(
            "SELECT id, document_id, kind, created_at FROM documents WHERE sender = ? "
            "AND id < ? ORDER BY id DESC LIMIT ?")
        # operations
        self.pending_count = ("SELECT count(*) FROM deliveries WHERE state NOT IN ("
                              + ", ".join(f"'{state}'" for state in NOT_PENDING) + ")")
        self.ping = "SELECT 1"

    def inbox(self, agency: str, kind: str | None, limit: int) -> tuple[str, tuple[Any, ...]]:
        if kind is None:
            return self.inbox_any, (agency, limit)
        return self.inbox_of_kind, (agency, kind, limit)

    def outbox_statuses(self, ids: Sequence[int]) -> tuple[str, tuple[Any, ...]]:
        where, args = self.dialect.any_of("document", ids)
        return self.dialect.render(
            f"SELECT document, recipient, status_code FROM statuses WHERE {where} ORDER BY id"
        ), args

    def outbox_deliveries(self, ids: Sequence[int]) -> tuple[str, tuple[Any, ...]]:
        where, args = self.dialect.any_of("document", ids)
        return self.dialect.render(
            f"SELECT id, document, recipient, state, updated_at FROM deliveries WHERE {where} "
            "ORDER BY id"
        ), args

    @staticmethod
    def document_row(package: Package, body: bytes, now: float) -> tuple[Any, ...]:
        """The arguments of `insert_document`."""
        return (package.sender, package.dedup_key, package.document_id, package.kind,
                package.priority, len(body), now, body)

    @staticmethod
    def answered_args(package: Package) -> tuple[Any, ...]:
        """The arguments of `answered_document` for a status package."""
        return (package.response_for_organ, package.response_for_document, package.sender)


SQLITE_STATEMENTS = Statements(SQLITE)
POSTGRESQL_STATEMENTS = Statements(POSTGRESQL)


def unanswered(package: Package) -> Unprocessable:
    """The refusal of a status whose document was never sent to the status's sender."""
    return Unprocessable(
        f"Status/ResponseFor names document {package.response_for_document!r} from "
        f"{package.response_for_organ}, which was not sent to {package.sender}"
    )


def inbox_counts(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Pending deliveries by kind, with every kind present."""
    counts = {EDOC: 0, STATUS: 0}
    counts.update((kind, int(n)) for kind, n in rows)
    return counts


def outbox_items(documents: Iterable[tuple[Any, ...]],
                 statuses: Iterable[tuple[int, str, str]],
                 deliveries: Iterable[tuple[int, int, str, str, float]]) -> list[OutboxItem]:
    """Outbox records from the rows of `outbox_documents`, `outbox_statuses` and
    `outbox_deliveries`, in the documents' order."""
    items = {row[0]: OutboxItem(*row) for row in documents}
    codes: dict[tuple[int, str], list[str]] = {}
    for document, recipient, code in statuses:
        codes.setdefault((document, recipient), []).append(code)
    for delivery, document, recipient, state, updated in deliveries:
        items[document].recipients.append({
            "delivery": delivery,
            "recipient": recipient,
            "state": state,
            "updated_at": updated,
            "status_codes": codes.get((document, recipient), []),
        })
    return list(items.values())
