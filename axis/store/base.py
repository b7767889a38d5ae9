"""The store interface and its records; the errors a store answers with.

Every write the axis acknowledges with a 2xx must be durable first; both stores group concurrent
writes into one transaction (`axis.store.batching`), so under load one commit covers dozens of
requests. Reads are asynchronous methods; the SQLite store answers them directly (they take
microseconds and never wait for the writer, thanks to WAL), the PostgreSQL store over a few
autocommit connections (`axis.store.readers`).
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from axis.edxml import Package

log = logging.getLogger("axis.store")

MAX_ID = 2**63 - 1
"""Largest id either database can hold (SQLite rowid, PostgreSQL BIGSERIAL)."""

ACK_STATES = ("done", "fail", "processing")
"""What a recipient may report for a delivery. Only `done` takes it out of the inbox."""
ACK_ORDER = {"pending": 0, "fail": 1, "processing": 2, "done": 3}
"""A delivery only moves forward in this order: an acknowledgement of an earlier state (a
replay arriving late, in any order) leaves the delivery where it is."""

RELAY_STATES = ("queued", "forwarded", "undeliverable")
"""States of a delivery to a recipient another axis serves (see `axis.federation`): queued for
the next hop (committed with the package's acceptance), forwarded (the next hop stored it), or
undeliverable (the next hop refused it for good). Such deliveries are in nobody's inbox here."""
NOT_PENDING = ("done", *RELAY_STATES)
"""States that do not count as pending deliveries of this axis."""


class StoreError(Exception):
    """A request the store refuses; `status` is the HTTP answer and `message` names the problem."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StoreError):
    status = 404


class Conflict(StoreError):
    status = 409


class Unprocessable(StoreError):
    status = 422


class Unavailable(StoreError):
    """The database failed (disk full, connection lost): nothing was committed; retry later."""

    status = 503


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name: str
    secret: str
    updated_at: float = 0.0


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """The answer to a send; a duplicate send gets the original's outcome with `duplicate` set."""

    id: int
    document_id: str
    kind: str
    sender: str
    created_at: float
    deliveries: tuple[tuple[int, str], ...]
    duplicate: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "document_id": self.document_id,
            "kind": self.kind,
            "sender": self.sender,
            "created_at": self.created_at,
            "deliveries": [{"id": i, "recipient": r} for i, r in self.deliveries],
            "duplicate": self.duplicate,
        }


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    document_id: str
    sender: str
    kind: str
    priority: int
    size: int
    sent_at: float
    state: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "document_id": self.document_id,
            "sender": self.sender,
            "kind": self.kind,
            "priority": self.priority,
            "size": self.size,
            "sent_at": self.sent_at,
            "state": self.state,
        }


@dataclass(frozen=True, slots=True)
class Fetched:
    """A delivery's package bytes and who may see them."""

    id: int
    body: bytes
    document_id: str
    sender: str
    recipient: str
    kind: str
    trace: str = ""
    """The axes' hops (`axis.federation.trace`), empty on a standalone axis."""


@dataclass(frozen=True, slots=True)
class RelayItem:
    """A delivery queued for a neighbouring axis."""

    delivery: int
    document: int
    recipient: str
    next_hop: str
    attempts: int
    queued_at: float


def stage(state: str, status_codes: Sequence[str]) -> str:
    """Where a recipient's copy is, as the sender's outbox shows it: accepted (stored, not yet
    with the recipient or the next hop), forwarded (the next axis has it), delivered (the
    recipient acknowledged it here, or sent a status back from the far end), or undeliverable."""
    if state == "undeliverable":
        return "undeliverable"
    if state == "done" or status_codes:
        return "delivered"
    if state == "forwarded":
        return "forwarded"
    return "accepted"


@dataclass(slots=True)
class OutboxItem:
    id: int
    document_id: str
    kind: str
    sent_at: float
    recipients: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "document_id": self.document_id,
            "kind": self.kind,
            "sent_at": self.sent_at,
            "recipients": [r | {"stage": stage(r["state"], r["status_codes"])}
                           for r in self.recipients],
        }


class Store(abc.ABC):
    """Durable agency directory, documents, per-recipient deliveries and status history.

    Implementations must make `send` and `ack` durable before they return, treat
    (sender, dedup_key) as unique, and never return a delivery to anyone but its recipient or the
    document's sender.
    """

    kind: str = "abstract"
    _on_commit: Callable[[float, int], None] | None = None

    def set_commit_observer(self, observer: Callable[[float, int], None]) -> None:
        """Call `observer(seconds, operations)` after every group commit (for the metrics)."""
        self._on_commit = observer

    def _observe(self, seconds: float, size: int) -> None:
        if self._on_commit is not None:
            self._on_commit(seconds, size)

    @abc.abstractmethod
    async def open(self) -> None:
        """Create the schema if needed and start the writer."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop the writer after committing what it holds, and close connections."""

    # Directory
    @abc.abstractmethod
    async def put_agency(self, code: str, name: str, secret: str) -> bool:
        """Register or update a connected system; True if it is new."""

    @abc.abstractmethod
    async def put_agencies(self, rows: Sequence[tuple[str, str, str]]) -> int:
        """Register or update many (code, name, secret) rows in one transaction."""

    @abc.abstractmethod
    async def get_agency(self, code: str) -> Agency | None: ...

    @abc.abstractmethod
    async def list_agencies(self, after: str, limit: int) -> list[tuple[str, str]]:
        """(code, name) pairs with code > `after`, in code order; never secrets."""

    @abc.abstractmethod
    async def agencies_since(self, updated_after: float) -> list[Agency]:
        """Every agency updated after the given time (all of them for 0): feeds the cache."""

    # Exchange
    @abc.abstractmethod
    async def send(self, package: Package, body: bytes,
                   relay: Mapping[str, str] | None = None, trace: str = "") -> SendOutcome:
        """Store a package and one delivery per recipient, durably; idempotent per dedup key.

        Recipients in `relay` (recipient -> next hop) are served by another axis: their
        deliveries are queued for that hop in the same transaction (state `queued`). `trace`
        is the axes' hops so far (`axis.federation.trace`), kept beside the package."""

    @abc.abstractmethod
    async def inbox(self, agency: str, kind: str | None, limit: int) -> list[InboxItem]:
        """Pending (not yet done) deliveries to `agency`: highest priority first, then oldest."""

    @abc.abstractmethod
    async def inbox_count(self, agency: str) -> dict[str, int]:
        """Pending deliveries to `agency` by kind."""

    @abc.abstractmethod
    async def fetch(self, agency: str, delivery_id: int) -> Fetched | None:
        """The delivery, if `agency` is its recipient or its sender; else None."""

    @abc.abstractmethod
    async def ack(self, agency: str, delivery_id: int, state: str) -> str:
        """Record the recipient's state for a delivery, durably; returns the new state."""

    @abc.abstractmethod
    async def outbox(self, agency: str, limit: int, before: int | None = None) -> list[OutboxItem]:
        """The sender's packages with id < `before` (all when None), newest first, with each
        recipient's state and statuses."""

    def subscribe(self, wake: Callable[[str | None], None]) -> None:
        """Call `wake(agency)` when another process commits a delivery to `agency`, and
        `wake(None)` when deliveries may have been missed (after a lost connection).

        Stores shared between processes implement this (PostgreSQL: LISTEN/NOTIFY); the default
        does nothing, and long polls fall back to re-checking the store (`axis.longpoll`).
        """
        return None

    # Relay queue (axis.federation.relay)
    @abc.abstractmethod
    async def relay_queued(self, next_hop: str, limit: int) -> list[RelayItem]:
        """The oldest deliveries queued for `next_hop`, oldest first."""

    @abc.abstractmethod
    async def relay_document(self, document: int) -> tuple[bytes, str] | None:
        """The stored bytes of a package, as the sender signed them, and its trace."""

    @abc.abstractmethod
    async def relay_settle(self, deliveries: Sequence[int], state: str) -> None:
        """Take deliveries off the relay queue with their final relay state, durably."""

    @abc.abstractmethod
    async def relay_attempted(self, deliveries: Sequence[int]) -> None:
        """Count one more failed attempt to forward these deliveries."""

    @abc.abstractmethod
    async def relay_stats(self) -> list[tuple[str, int, float]]:
        """(next hop, queued deliveries, oldest queued_at) for every hop with a queue."""

    # Operations
    @abc.abstractmethod
    async def stats(self) -> dict[str, int]:
        """{"pending_deliveries": n, "documents": m} for the metrics endpoint."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise if the database cannot answer."""


def next_ack_state(current: str, requested: str, delivery_id: int) -> str:
    """The ack state machine: forward only (`ACK_ORDER`); `done` is final, and reporting
    anything else after it is a conflict the recipient should know about."""
    if current == "done":
        if requested == "done":
            return "done"
        raise Conflict(f"delivery {delivery_id} is already acknowledged done")
    return requested if ACK_ORDER[requested] >= ACK_ORDER[current] else current
