"""CPU-heavy checks of packages, off the event loop and a bounded number at once.

Parsing a package of megabytes, hashing it for the request signature and verifying its XML
signature take milliseconds to seconds of CPU. Done on the event loop, one such package stalls
every other request (an attack run held the server 3.7 s with a 16 MiB body of four million
empty elements). Here they run on a small pool of threads: the loop goes on answering
(`/healthz`, polls, small sends) between the slices in which a check holds the GIL, and at most
`threads` packages are checked at once, whatever the number of senders; the others wait their
turn in the pool's queue, holding only their already-read body.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

CHECK_THREADS = 2
"""Packages checked at once: the machines the reference runs on have two cores."""


class Checks:
    def __init__(self, threads: int = CHECK_THREADS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="axis-check")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
