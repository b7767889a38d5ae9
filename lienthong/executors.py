"""Where replications and sweep points run: in this process, in local processes, or on Dask.

Replications and sweep points are independent jobs (replication r of point p draws every random
element from its own stream, `topology.streams.stream(seed, name, r)`), so where a job runs
cannot change its numbers: the same seed gives the same results on one core, on a process pool
or on a Dask distributed cluster (tests/lienthong/test_executors.py runs one sweep all three
ways and compares). What varies is a registry of small classes with one interface: `submit` a
job, `wait_any` for the next one to finish, `result`; callers that have a fixed list of jobs use
`map_unordered`, callers that choose the next job from the last result (the frontier's
bisection) use `submit` and `wait_any` directly.

    lienthong sweep S --vary K=...                                 # local processes (--jobs)
    lienthong sweep S --vary K=... --executor dask --scheduler tcp://10.0.0.5:8786

docs/cluster.md says how to start a Dask scheduler and its workers.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, ClassVar

from lienthong.errors import UserError


class Executor:
    """Runs jobs `fn(*args)` somewhere and hands back their results."""

    name: ClassVar[str]
    summary: ClassVar[str]

    @classmethod
    def from_options(cls, jobs: int, scheduler: str | None) -> Executor:
        """The executor for the command line's --jobs and --scheduler (each kind checks its
        own options)."""
        if scheduler:
            raise UserError(f"--scheduler {scheduler}: only with --executor dask")
        return cls()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        raise NotImplementedError

    def wait_any(self, pending: set[Any]) -> set[Any]:
        """Block until at least one of `pending` is done; return the done ones."""
        raise NotImplementedError

    def result(self, future: Any) -> Any:
        return future.result()

    @property
    def workers(self) -> int:
        """How many jobs run at once (a hint for how many to keep submitted)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what this executor holds (never the Dask cluster itself)."""

    def describe(self) -> str:
        return f"{self.name} ({self.workers} at once)"

    def map_unordered(self, fn: Callable[..., Any],
                      jobs: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, Any]]:
        """(index of the job, its result) for each job, in the order they finish."""
        index: dict[Any, int] = {}
        for i, args in enumerate(jobs):
            index[self.submit(fn, *args)] = i
        pending = set(index)
        while pending:
            done = self.wait_any(pending)
            pending -= done
            for future in done:
                yield index[future], self.result(future)

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InlineExecutor(Executor):
    """Runs each job at once in this process (`--jobs 1`, and for tests)."""

    name = "inline"
    summary = "in this process, one job after the other"

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as error:  # handed back by result(), as a pool would
            future.set_exception(error)
        return future

    def wait_any(self, pending: set[Any]) -> set[Any]:
        return set(pending)

    @property
    def workers(self) -> int:
        return 1


class LocalProcessExecutor(Executor):
    """A pool of local processes (fork where it is safe, spawn elsewhere)."""

    name = "local"
    summary = "local processes (--jobs of them; the default)"

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise UserError(f"--jobs {jobs}: must be at least 1")
        method = ("fork" if "fork" in multiprocessing.get_all_start_methods()
                  and sys.platform != "darwin" else "spawn")
        self.jobs = jobs
        self.pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method))

    @classmethod
    def from_options(cls, jobs: int, scheduler: str | None) -> Executor:
        if scheduler:
            raise UserError(f"--scheduler {scheduler}: only with --executor dask")
        if jobs == 1:
            return InlineExecutor()  # no pool to start for one job at a time
        return cls(jobs)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self.pool.submit(fn, *args)

    def wait_any(self, pending: set[Any]) -> set[Any]:
        return set(wait(pending, return_when=FIRST_COMPLETED).done)

    @property
    def workers(self) -> int:
        return self.jobs

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """A Dask distributed cluster reached through its scheduler's address.

    Every worker needs this project installed (the same version): jobs are this project's
    functions, pickled by reference. The client is closed at the end; the cluster is not ours
    to stop."""

    name = "dask"
    summary = "a Dask distributed cluster (--scheduler tcp://HOST:8786)"

    connect_timeout_s: ClassVar[float] = 20.0
    """How long to keep trying to reach the scheduler before saying so."""

    def __init__(self, scheduler: str) -> None:
        from distributed import Client

        timeout_s = self.connect_timeout_s
        try:
            self.client = Client(scheduler, timeout=f"{timeout_s}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            why = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise UserError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there "
                            f"({why})") from None
        self.scheduler = scheduler

    @classmethod
    def from_options(cls, jobs: int, scheduler: str | None) -> Executor:
        if not scheduler:
            raise UserError("--executor dask: needs --scheduler tcp://HOST:PORT "
                            "(docs/cluster.md says how to start one)")
        return cls(scheduler)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def wait_any(self, pending: set[Any]) -> set[Any]:
        from distributed import wait as dask_wait

        with self.client.as_current():
            return set(dask_wait(list(pending), return_when="FIRST_COMPLETED").done)

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info()
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def describe(self) -> str:
        return f"dask at {self.scheduler} ({self.workers} worker threads)"

    def close(self) -> None:
        self.client.close()


EXECUTORS: dict[str, type[Executor]] = {
    cls.name: cls for cls in (LocalProcessExecutor, DaskExecutor, InlineExecutor)}


def make_executor(name: str, jobs: int = 1, scheduler: str | None = None) -> Executor:
    """The executor the command line asked for; bad input is one clear line."""
    if name not in EXECUTORS:
        raise UserError(f"--executor {name}: unknown; expected one of {', '.join(EXECUTORS)}")
    if jobs < 1:
        raise UserError(f"--jobs {jobs}: must be at least 1")
    return EXECUTORS[name].from_options(jobs, scheduler)


def add_executor_options(parser: Any) -> None:
    """--executor and --scheduler, the same on every command that runs many jobs (--jobs is
    among lienthong.commands.sim_options)."""
    parser.add_argument("--executor", default=LocalProcessExecutor.name,
                        metavar="|".join(EXECUTORS),
                        help="where jobs run: " + "; ".join(
                            f"{name}: {cls.summary}" for name, cls in EXECUTORS.items()))
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="address of the Dask scheduler (required with --executor dask; "
                        "default: none)")
