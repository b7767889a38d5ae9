"""Long polling: hold an inbox request until a delivery arrives for the caller, or time runs out.

Sends in this process wake waiting polls directly after their commit. Sends in other processes
sharing the store reach us through `Store.subscribe` (PostgreSQL LISTEN/NOTIFY, which also wakes
every poll after its connection is re-established, since notifications may have been missed).
Several workers on one SQLite file have no such channel, so there a waiting poll re-checks the
store every `SHARED_FILE_RECHECK` seconds; otherwise only every `SAFETY_RECHECK` seconds, which
keeps 100,000 held polls from turning into 100,000 queries a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

SHARED_FILE_RECHECK = 1.0
SAFETY_RECHECK = 30.0


def recheck_seconds(store_kind: str, workers: int) -> float:
    """How often a held poll looks at the store by itself (see the module docstring)."""
    return SHARED_FILE_RECHECK if store_kind == "sqlite" and workers > 1 else SAFETY_RECHECK


class Waiters:
    """Futures of the polls waiting per agency; `wake` releases all of an agency's polls."""

    def __init__(self) -> None:
        self._waiting: dict[str, set[asyncio.Future[None]]] = {}

    def __len__(self) -> int:
        return sum(len(futures) for futures in self._waiting.values())

    def wake(self, agency: str | None) -> None:
        """Release the polls of `agency`; None releases every poll (something may have been
        missed, so all re-check)."""
        if agency is None:
            waiting, self._waiting = self._waiting, {}
            futures = [f for group in waiting.values() for f in group]
        else:
            futures = list(self._waiting.pop(agency, ()))
        for future in futures:
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
