"""Group commit on the event loop: whatever writes are waiting become one transaction.

Every write the axis acknowledges with a 2xx must be durable first. Paying one commit (one fsync,
or one round trip to PostgreSQL and its fsync) per request would cap the axis at that rate, so
writes queue here: when no batch is running, the next loop iteration starts one with everything
waiting; requests arriving meanwhile form the following batch. Each caller gets its answer only
after the commit of its own batch. Under load one commit covers dozens of requests.

The batch runs on the event loop, not on a writer thread: a thread needs Python's GIL back after
every database call and waits for it up to the interpreter's switch interval (5 ms) while the
loop is busy, which made batches ten times slower than their statements. Subclasses say how a
batch is committed (`_commit`) and what to do between batches (`_after_commit`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from axis.store.base import Unavailable

log = logging.getLogger("axis.store")


class Batcher:
    """Queue of write operations, committed in batches by `_commit` (see the module docstring).

    An operation refuses a request by raising `StoreError` before it writes anything, so a
    refusal needs no undo and does not disturb the rest of its batch.
    """

    def __init__(self, on_commit: Callable[[float, int], None] | None = None,
                 max_batch: int = 512) -> None:
        self._on_commit = on_commit
        self._max_batch = max_batch
        self._pending: list[tuple[Any, asyncio.Future[Any]]] = []
        self._busy = False
        self._closed = False
        self._idle: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def submit(self, fn: Any) -> Any:
        """Run the operation `fn` in the next batch; return its result once committed."""
        if self._closed:
            raise Unavailable("the store is shutting down")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((fn, future))
        if not self._busy:
            self._busy = True
            # Start at the next loop iteration, so requests arriving together share the batch.
            loop.call_soon(self._start_batch)
        return await future

    def _start_batch(self) -> None:
        # keep a reference: the loop holds tasks only weakly
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                started = time.perf_counter()
                try:
                    results = await self._commit([fn for fn, _ in batch])
                except Exception as error:  # the commit failed: nothing of the batch is durable
                    log.exception("store commit failed")
                    results = [Unavailable(f"store commit failed: {error}")] * len(batch)
                if self._on_commit is not None:
                    self._on_commit(time.perf_counter() - started, len(batch))
                _settle(batch, results)
                await self._after_commit()
        finally:
            self._busy = False
            if self._idle is not None:
                self._idle.set()

    async def _commit(self, fns: list[Any]) -> list[Any]:
        """Run the operations in one transaction and commit; one result or exception each."""
        raise NotImplementedError

    async def _after_commit(self) -> None:
        """Housekeeping between batches (the next batch waits for it)."""

    async def close(self) -> None:
        """Commit what is queued, then release resources (`_shutdown`)."""
        self._closed = True
        while self._busy:
            self._idle = asyncio.Event()
            await self._idle.wait()
        await self._shutdown()

    async def _shutdown(self) -> None:
        """Release what the subclass holds."""


def _settle(batch: list[tuple[Any, asyncio.Future[Any]]], results: list[Any]) -> None:
    for (_, future), result in zip(batch, results, strict=True):
        if future.done():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
