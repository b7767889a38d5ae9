"""Group commit for SQLite (`batching.Batcher`), run inline on the event loop thread.

A batch is `BEGIN IMMEDIATE` and the statements (microseconds each) on the loop: far cheaper
than handing them to a writer thread, which waits for the GIL after every SQLite call (see
`batching`). Only the `COMMIT` goes to a helper thread: it writes the WAL and fsyncs it (a
millisecond or more) without needing the GIL, so the loop keeps parsing and authenticating the
next requests instead of standing still, at the price of one GIL hand-off per batch. The
batch's callers are answered only once that COMMIT has returned.

Two other things that could block the loop for long go to the same helper thread: waiting for
the write lock when another process sharing the file holds it (`BEGIN IMMEDIATE` is first tried
without waiting), and WAL checkpoints. Automatic checkpoints are off on the writer connection;
every `CHECKPOINT_EVERY` commits the helper checkpoints on its own connection while the next
batch waits. Writes must pause meanwhile: a checkpoint racing with new commits never catches up,
so the WAL could never start over and would grow without bound. Reads (polls) go on meanwhile.

A batch holding an `OffLoop` operation (a package of megabytes) runs whole on the helper thread,
`BEGIN` to `COMMIT`: SQLite writes a 16 MiB blob as thousands of overflow pages, 80 ms of the
loop's time on a quiet machine and well over 100 ms on a busy one, during which no other request
(not even `/healthz`) was answered. `sqlite3` releases the GIL while a statement runs, so the
loop goes on meanwhile; there is one helper thread, so such batches run one at a time.

A refusal (`StoreError`) is raised by an operation before it writes, so it costs nothing to undo.
Any other exception may leave an operation half written: the batch is then rolled back and
replayed with one savepoint per operation, so only the failing one is lost.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from axis.store.base import StoreError
from axis.store.batching import Batcher

log = logging.getLogger("axis.store.sqlite")

Operation = Callable[[sqlite3.Connection], Any]


class OffLoop:
    """An operation too heavy for the event loop (see the module docstring): its batch is
    written on the helper thread."""

    __slots__ = ("fn",)

    def __init__(self, fn: Operation) -> None:
        self.fn = fn

    def __call__(self, conn: sqlite3.Connection) -> Any:
        return self.fn(conn)

CHECKPOINT_EVERY = 50
"""Commits between WAL checkpoints; a batch appends a few dozen pages, so the WAL stays at a
few megabytes."""
LOCK_WAIT_MS = 30_000
"""How long a batch waits for another process's write lock before failing with 503."""


class SqliteCommitter(Batcher):
    """Batches of SQLite writes on one connection, committed inline on the event loop."""

    def __init__(self, conn: sqlite3.Connection,
                 on_commit: Callable[[float, int], None] | None = None,
                 max_batch: int = 512,
                 checkpoint: Callable[[], None] | None = None) -> None:
        super().__init__(on_commit, max_batch)
        conn.execute("PRAGMA busy_timeout = 0")
        if checkpoint is not None:
            conn.execute("PRAGMA wal_autocheckpoint = 0")
        self._conn = conn
        self._checkpoint = checkpoint
        self._commits = 0
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="axis-sqlite-helper")

    async def _commit(self, fns: list[Operation]) -> list[Any]:
        if any(isinstance(fn, OffLoop) for fn in fns):
            results = await asyncio.get_running_loop().run_in_executor(
                self._thread, self._commit_off_loop, fns)
            self._commits += 1
            return results
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # another process holds the write lock: wait off-loop
            await asyncio.get_running_loop().run_in_executor(self._thread, self._begin_waiting)
        results, replayed = self._apply(conn, fns)
        if replayed:
            return results
        # The statements are done; COMMIT is the WAL write and its fsync, during which the
        # connection is idle and the GIL released: the loop serves other requests meanwhile.
        commit = asyncio.get_running_loop().run_in_executor(self._thread, conn.execute, "COMMIT")
        try:
            await commit
        except BaseException:
            # A failed COMMIT is rolled back here; if only the wait was cancelled (shutdown), the
            # COMMIT is still running on the helper thread and must not be interfered with.
            if commit.done() and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._commits += 1
        return results

    def _apply(self, conn: sqlite3.Connection, fns: list[Operation]) -> tuple[list[Any], bool]:
        """Every operation of the batch inside the open transaction, one result each (a
        `StoreError` is that operation's answer, not the batch's). An unexpected failure rolls
        the batch back and replays it with one savepoint per operation, so one bad operation
        cannot take its neighbours' writes with it: `(results, True)` then, and there is
        nothing left to commit."""
        results: list[Any] = []
        try:
            for fn in fns:
                try:
                    results.append(fn(conn))
                except StoreError as error:
                    results.append(error)
        except Exception:
            conn.execute("ROLLBACK")
            return self._replay(fns), True
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return results, False

    async def _after_commit(self) -> None:
        # Writes pause during a checkpoint: one racing with new commits never catches up.
        if self._checkpoint is not None and self._commits % CHECKPOINT_EVERY == 0:
            await asyncio.get_running_loop().run_in_executor(self._thread, self._run_checkpoint)

    def _commit_off_loop(self, fns: list[Operation]) -> list[Any]:
        """A whole batch on the helper thread: the statements, then `COMMIT`."""
        conn = self._conn
        self._begin_blocking()
        results, replayed = self._apply(conn, fns)
        if not replayed:
            with self._committed():
                pass
        return results

    @contextmanager
    def _committed(self) -> Iterator[None]:
        """The open transaction's last statements: `COMMIT` after the block; on any failure
        (an exception, a cancellation) roll back what is still open and re-raise."""
        conn = self._conn
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _begin_blocking(self) -> None:
        """`BEGIN IMMEDIATE` on the helper thread, waiting for the write lock if another
        process holds it (off the loop, so waiting blocks nobody)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            self._begin_waiting()

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
        with self._committed():
            for fn in fns:
                conn.execute("SAVEPOINT item")
                try:
                    results.append(fn(conn))
                except Exception as error:
                    conn.execute("ROLLBACK TO item")
                    results.append(error)
                conn.execute("RELEASE item")
        return results

    async def _shutdown(self) -> None:
        self._thread.shutdown(wait=True)
