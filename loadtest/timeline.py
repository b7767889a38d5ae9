"""Per-second counts over the run, for throughput and backlog over time.

Bins are whole unix seconds so that counts from different processes (and machines with
synchronised clocks) fall into the same bins when the master adds them up.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any


class Timeline:
    def __init__(self) -> None:
        self.bins: defaultdict[str, Counter[int]] = defaultdict(Counter)

    def count(self, column: str, when: float, amount: int = 1) -> None:
        self.bins[column][int(when)] += amount

    def take(self) -> dict[str, dict[int, int]]:
        out = {column: dict(counter) for column, counter in self.bins.items()}
        self.bins = defaultdict(Counter)
        return out

    def merge(self, delta: dict[str, Any]) -> None:
        for column, counter in delta.items():
            for second, amount in counter.items():
                self.bins[column][int(second)] += amount

    def rows(self, start: float, end: float) -> list[dict[str, float]]:
        """One row per real second from `start` to `end`: sends (documents), deliveries
        fetched, requests, sends that left late (by the second they were due), each per second,
        and the backlog (accepted, not yet fetched)."""
        first, last = int(start), int(end)
        rows = []
        backlog = 0
        for second in range(first, last + 1):
            backlog += (self.bins["accepted_deliveries"].get(second, 0)
                        - self.bins["fetches"].get(second, 0))
            rows.append({"second": second - first,
                         "sent_per_s": self.bins["sent"].get(second, 0),
                         "delivered_per_s": self.bins["delivered"].get(second, 0),
                         "requests_per_s": self.bins["requests"].get(second, 0),
                         "late_per_s": self.bins["late_sends"].get(second, 0),
                         "backlog": max(backlog, 0)})
        return rows
