"""The SQLite group commit: batching, waiting for another process's lock, checkpoints."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest

from axis import edxml, packages
from axis.store import sqlite_commit
from axis.store.sqlite import SqliteStore
from tests.axis.conftest import A, B

pytestmark = pytest.mark.anyio


def package(number: int) -> tuple[edxml.Package, bytes]:
    body = packages.document(A, [B], f"{A},2026/11/25,{number}")
    return edxml.parse(body), body


@pytest.fixture
async def store(tmp_path):
    s = SqliteStore(str(tmp_path / "axis.db"))
    commits: list[int] = []
    s.set_commit_observer(lambda seconds, size: commits.append(size))
    await s.open()
    s.commits = commits  # type: ignore[attr-defined]
    yield s
    await s.close()


async def test_concurrent_writes_share_commits(store) -> None:
    await asyncio.gather(*(store.send(*package(n)) for n in range(100)))
    assert sum(store.commits) == 100
    assert len(store.commits) < 10  # grouped, not one commit (and fsync) per send
    assert (await store.inbox_count(B))["edoc"] == 100


async def test_waits_for_another_process_lock_without_blocking_reads(store) -> None:
    """Another writer (here a raw connection) holds the lock: the batch waits off the loop,
    reads keep being answered, and the send completes once the lock is released."""
    other = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    send = asyncio.ensure_future(store.send(*package(1)))
    await asyncio.sleep(0.1)
    assert not send.done()
    assert (await store.inbox_count(B))["edoc"] == 0  # the loop still serves reads
    outcome = await asyncio.wait_for(send, 10)
    assert time.monotonic() - started >= 0.4 and not outcome.duplicate
    release.join()
    other.close()


async def test_checkpoints_run_between_batches(store, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_commit, "CHECKPOINT_EVERY", 2)
    calls: list[float] = []
    original = store._checkpoint

    def spy() -> None:
        calls.append(time.monotonic())
        original()

    store._committer._checkpoint = spy
    for n in range(6):
        await store.send(*package(n))
    await asyncio.sleep(0.3)  # the sixth commit's answer goes out before its checkpoint runs
    assert len(calls) == 3
    assert (await store.inbox_count(B))["edoc"] == 6


async def test_close_commits_what_is_queued(tmp_path) -> None:
    s = SqliteStore(str(tmp_path / "axis.db"))
    await s.open()
    sends = [asyncio.ensure_future(s.send(*package(n))) for n in range(20)]
    await asyncio.sleep(0)
    await s.close()
    assert all(not isinstance(r, Exception) for r in await asyncio.gather(*sends))
    again = SqliteStore(str(tmp_path / "axis.db"))
    await again.open()
    assert (await again.inbox_count(B))["edoc"] == 20
    await again.close()


class _SlowCommit:
    """The writer connection, with a COMMIT that takes `delay` seconds (a slow fsync)."""

    def __init__(self, conn: sqlite3.Connection, delay: float) -> None:
        self._conn = conn
        self._delay = delay
        self.commit_threads: list[int] = []

    def execute(self, sql: str, *args):
        if sql == "COMMIT":
            self.commit_threads.append(threading.get_ident())
            time.sleep(self._delay)
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


async def test_commit_runs_off_the_loop_and_answers_after_it(store) -> None:
    """The loop keeps serving while a batch's COMMIT (WAL write, fsync) is under way, and the
    send is answered only once that COMMIT has returned."""
    slow = _SlowCommit(store._committer._conn, 0.4)
    store._committer._conn = slow
    started = time.monotonic()
    send = asyncio.ensure_future(store.send(*package(1)))
    await asyncio.sleep(0.1)
    assert not send.done() and time.monotonic() - started < 0.3  # the loop was not blocked
    assert (await store.inbox_count(B))["edoc"] == 0  # reads go on; nothing committed yet
    outcome = await asyncio.wait_for(send, 10)
    assert time.monotonic() - started >= 0.4 and not outcome.duplicate
    assert slow.commit_threads and threading.get_ident() not in slow.commit_threads
    assert (await store.inbox_count(B))["edoc"] == 1
