"""The sent/received ledger: what the axis accepted, what recipients fetched, what went missing.

Every Locust process keeps a `Journal` of what its users did (accepted sends with their
recipients, fetches) and hands it over in deltas; the master merges every delta into one `Ledger`
(in a single-process run the journal and the ledger live side by side). After the drain the
ledger reconciles:

- `lost`: deliveries the axis accepted (2xx to the send) that no recipient ever fetched;
- `duplicates`: extra fetches of a delivery already fetched (at-least-once delivery showing);
- `unexpected`: fetches of deliveries no accepted send accounts for (a send whose answer was
  lost but which the axis committed) - not a loss, but worth knowing.

A delivery is identified by (package key, recipient): the DocumentId for documents, and
"DocumentId|status code|status sender" for status packages, which have no id of their own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

EDOC = "edoc"
STATUS = "status"


def status_key(document_id: str, code: str, sender: str) -> str:
    return f"{document_id}|{code}|{sender}"


@dataclass
class Journal:
    """What one process's users did since the last `take()`."""

    sent: list[list[Any]] = field(default_factory=list)
    fetched: list[list[Any]] = field(default_factory=list)

    def record_sent(self, kind: str, key: str, recipients: list[str], when: float) -> None:
        self.sent.append([kind, key, recipients, when])

    def record_fetch(self, kind: str, key: str, recipient: str, when: float) -> None:
        self.fetched.append([kind, key, recipient, when])

    def take(self) -> dict[str, list[list[Any]]]:
        delta = {"sent": self.sent, "fetched": self.fetched}
        self.sent, self.fetched = [], []
        return delta


@dataclass(frozen=True)
class Reconciliation:
    deliveries: dict[str, int]
    """Accepted deliveries by kind."""
    delivered: dict[str, int]
    """Distinct accepted deliveries fetched at least once, by kind."""
    lost: dict[str, int]
    duplicates: int
    unexpected: int
    lost_examples: list[tuple[str, str]]

    @property
    def total_lost(self) -> int:
        return sum(self.lost.values())


class Ledger:
    """The merged view: expected deliveries and how often each was fetched."""

    def __init__(self) -> None:
        self.expected: dict[tuple[str, str], str] = {}
        self.fetches: Counter[tuple[str, str]] = Counter()
        self.unexpected: Counter[tuple[str, str]] = Counter()
        self.documents: Counter[str] = Counter()

    def merge(self, delta: dict[str, list[list[Any]]]) -> None:
        for kind, key, recipients, _when in delta.get("sent", ()):
            self.documents[kind] += 1
            for recipient in recipients:
                self.expected[(key, recipient)] = kind
        for _kind, key, recipient, _when in delta.get("fetched", ()):
            self.fetches[(key, recipient)] += 1

    def outstanding(self) -> int:
        """Accepted deliveries not fetched yet (the drain waits for this to reach 0)."""
        return sum(1 for delivery in self.expected if delivery not in self.fetches)

    def reconcile(self, examples: int = 10) -> Reconciliation:
        deliveries: Counter[str] = Counter()
        delivered: Counter[str] = Counter()
        lost: Counter[str] = Counter()
        lost_examples: list[tuple[str, str]] = []
        for delivery, kind in self.expected.items():
            deliveries[kind] += 1
            if self.fetches.get(delivery, 0) > 0:
                delivered[kind] += 1
            else:
                lost[kind] += 1
                if len(lost_examples) < examples:
                    lost_examples.append(delivery)
        duplicates = sum(count - 1 for count in self.fetches.values() if count > 1)
        unexpected = sum(1 for delivery in self.fetches if delivery not in self.expected)
        kinds = (EDOC, STATUS)
        return Reconciliation({k: deliveries[k] for k in kinds}, {k: delivered[k] for k in kinds},
                              {k: lost[k] for k in kinds}, duplicates, unexpected, lost_examples)
