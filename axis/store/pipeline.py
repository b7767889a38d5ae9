"""Group commit for SQLite on the event loop thread, without a writer thread.

A writer thread that executes statements needs the GIL back after every SQLite call and, after
its fsync, to hand the answers back; while the event loop is busy answering requests it waits
for the GIL up to the interpreter's switch interval (5 ms) each time, and a batch of 30 sends
that SQLite writes in half a millisecond took ten to twenty. So the whole batch runs inline on
the loop thread: `BEGIN IMMEDIATE`, the statements (microseconds each), and `COMMIT`, whose
fsync blocks the loop for a fraction of a millisecond once per batch, which is far cheaper.

Requests arriving while a batch runs form the next batch, started at the next loop iteration;
each caller gets its answer only after the commit of its own batch. Two things that could block
the loop for long go to one helper thread instead: waiting for the write lock when another
process sharing the file holds it (`BEGIN IMMEDIATE` is first tried without waiting), and WAL
checkpoints. Automatic checkpoints are off on the writer connection; every `CHECKPOINT_EVERY`
commits the helper checkpoints on its own connection while the next batch waits. Writes must
pause meanwhile: a checkpoint racing with new commits never catches up, so the WAL could never
start over and would grow without bound. Reads (polls) go on during the checkpoint.

A refusal (`StoreError`) is raised by an operation before it writes, so it costs nothing to undo.
Any other exception may leave an operation half written: the batch is then rolled back and
replayed with one savepoint per operation, so only the failing one is lost.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from axis.store.base import StoreError, Unavailable

log = logging.getLogger("axis.store.sqlite")

Operation = Callable[[sqlite3.Connection], Any]

CHECKPOINT_EVERY = 50
"""Commits between WAL checkpoints; a batch appends a few dozen pages, so the WAL stays at a
few megabytes."""
LOCK_WAIT_MS = 30_000
"""How long a batch waits for another process's write lock before failing with 503."""


class PipelinedCommitter:
    """Serialises the writes of one process into batches, each one transaction on `conn`."""

    def __init__(self, conn: sqlite3.Connection,
                 on_commit: Callable[[float, int], None] | None = None,
                 max_batch: int = 512,
                 checkpoint: Callable[[], None] | None = None) -> None:
        conn.execute("PRAGMA busy_timeout = 0")
        if checkpoint is not None:
            conn.execute("PRAGMA wal_autocheckpoint = 0")
        self._conn = conn
        self._checkpoint = checkpoint
        self._commits = 0
        self._on_commit = on_commit
        self._max_batch = max_batch
        self._pending: list[tuple[Operation, asyncio.Future[Any]]] = []
        self._busy = False
        self._closed = False
        self._idle: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="axis-sqlite-commit")

    async def submit(self, fn: Operation) -> Any:
        """Run `fn(connection)` in the next batch; return its result once committed."""
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
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                started = time.perf_counter()
                try:
                    results = await self._commit(loop, [fn for fn, _ in batch])
                except Exception as error:  # lock or commit failed: nothing of the batch is durable
                    log.exception("SQLite commit failed")
                    results = [Unavailable(f"store commit failed: {error}")] * len(batch)
                if self._on_commit is not None:
                    self._on_commit(time.perf_counter() - started, len(batch))
                if self._checkpoint is not None and self._commits % CHECKPOINT_EVERY == 0:
                    # answer this batch first; the next one waits for the checkpoint
                    self._settle(batch, results)
                    await loop.run_in_executor(self._thread, self._run_checkpoint)
                    continue
                self._settle(batch, results)
        finally:
            self._busy = False
            if self._idle is not None:
                self._idle.set()

    @staticmethod
    def _settle(batch: list[tuple[Operation, asyncio.Future[Any]]], results: list[Any]) -> None:
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _commit(self, loop: asyncio.AbstractEventLoop, fns: list[Operation]) -> list[Any]:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # another process holds the write lock: wait off-loop
            await loop.run_in_executor(self._thread, self._begin_waiting)
        results: list[Any] = []
        try:
            for fn in fns:
                try:
                    results.append(fn(conn))
                except StoreError as error:
                    results.append(error)
        except Exception:
            conn.execute("ROLLBACK")
            return self._replay(fns)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._commits += 1
        return results

    def _begin_waiting(self) -> None:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        finally:
            conn.execute("PRAGMA busy_timeout = 0")

    def _run_checkpoint(self) -> None:
        try:
            assert self._checkpoint is not None
            self._checkpoint()
        except Exception as error:  # a checkpoint can always be retried later
            log.warning("WAL checkpoint failed: %s", error)

    def _replay(self, fns: list[Operation]) -> list[Any]:
        """The slow, careful path: one savepoint per operation."""
        conn = self._conn
        results: list[Any] = []
        self._begin_blocking()
        try:
            for fn in fns:
                conn.execute("SAVEPOINT item")
                try:
                    results.append(fn(conn))
                except Exception as error:
                    conn.execute("ROLLBACK TO item")
                    results.append(error)
                conn.execute("RELEASE item")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return results

    def _begin_blocking(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            self._begin_waiting()

    async def close(self) -> None:
        """Commit what is queued, then stop the helper thread."""
        self._closed = True
        while self._busy:
            self._idle = asyncio.Event()
            await self._idle.wait()
        self._thread.shutdown(wait=True)
