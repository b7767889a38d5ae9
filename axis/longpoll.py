"""Long polling: hold an inbox request until a delivery arrives for the caller, or time runs out.

Sends in this process wake waiting polls directly after their commit. Sends in other processes
sharing the store reach us through `Store.subscribe` (PostgreSQL LISTEN/NOTIFY); as a safety net,
and for SQLite files shared by several workers, a waiting poll also re-checks the store every
`RECHECK_SECONDS`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

RECHECK_SECONDS = 1.0


class Waiters:
    """Futures of the polls waiting per agency; `wake` releases all of an agency's polls."""

    def __init__(self) -> None:
        self._waiting: dict[str, set[asyncio.Future[None]]] = {}

    def __len__(self) -> int:
        return sum(len(futures) for futures in self._waiting.values())

    def wake(self, agency: str) -> None:
        for future in self._waiting.pop(agency, ()):
            if not future.done():
                future.set_result(None)

    def wake_all(self, agencies: Iterable[str]) -> None:
        for agency in agencies:
            self.wake(agency)

    async def wait(self, agency: str, timeout: float) -> bool:
        """Wait up to `timeout` s for a wake-up; True if woken, False on timeout."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        futures = self._waiting.setdefault(agency, set())
        futures.add(future)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            futures.discard(future)
            if not futures and self._waiting.get(agency) is futures:
                del self._waiting[agency]
