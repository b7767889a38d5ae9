"""Scheduled callbacks on SimPy's clock and queue: one heap entry, no event object, no process.

A SimPy process costs several events per step (the timeout, the resumption, the process's own
termination). Most of what happens in the axis network is "at time t, call f(x)": a package
arriving at an axis, a recipient polling. So an entry of the queue is just that:
`(time, priority, id, f, x)`, and `run` pops the entries and calls `f(x)`. It is SimPy's own
ordering (time, then priority, then the event id counter, so ties go first-scheduled first) and
its own id counter, hence its event count, on the environment's own queue; what it saves is the
event object per entry and `Environment.step`'s bookkeeping for callbacks that cannot fail or
be interrupted (a third of the cost of an event: the national day's 17 million events).

`scheduler(env)` is the only place in the simulator that pushes onto the queue, and `run` the
only one that pops from it; they are the only code that reads the environment's private
`_queue`, `_eid` and `_now`. Everything else is given the returned `At` function. As the entries
are not SimPy events, such an environment is run by `run(env, until)`, not `env.run`.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any, Protocol

import simpy
from simpy.events import NORMAL, URGENT

Callback = Callable[[Any], None]


class At(Protocol):
    """Call `fn(arg)` at absolute simulated time `when` (an instant already past is taken as
    now)."""

    def __call__(self, when: float, fn: Callback, arg: Any = None) -> None: ...


def scheduler(env: simpy.Environment) -> At:
    """The `At` of one environment, with its queue and counter looked up once (hot path)."""
    queue = env._queue  # type: ignore[attr-defined]
    eid = env._eid  # type: ignore[attr-defined]

    def at(when: float, fn: Callback, arg: Any = None) -> None:
        now = env._now  # type: ignore[attr-defined]
        heappush(queue, (when if when > now else now, NORMAL, next(eid), fn, arg))

    return at


def _nothing(_: Any) -> None:
    """The entry `env.run` leaves behind when it stops (see `run`)."""


def run(env: simpy.Environment, until: float | None = None) -> None:
    """Call the scheduled callbacks in order until simulated time `until` (as `env.run(until)`:
    what is due at `until` itself waits for the next run), or until none is left.

    It takes and leaves the queue exactly as `env.run` would with SimPy events, ids included:
    the stop is an urgent entry at `until`, and when it is reached SimPy schedules its stop
    event once more (a no-op at `until`, popped first by the next run), so the same entry is
    pushed here; the id counter, and with it the runs' `events` figure, stays SimPy's."""
    queue = env._queue  # type: ignore[attr-defined]
    pop = heappop
    if until is None:
        while queue:
            now, _, _, fn, arg = pop(queue)
            env._now = now  # type: ignore[attr-defined]
            fn(arg)
        return
    start = env._now  # type: ignore[attr-defined]
    if until <= start:
        raise ValueError(f"until ({until}) must be greater than the current simulation time")
    eid = env._eid  # type: ignore[attr-defined]
    stop_at = start + (until - start)  # as Environment.schedule computes it
    heappush(queue, (stop_at, URGENT, next(eid), None, None))
    while True:
        now, _, _, fn, arg = pop(queue)
        env._now = now  # type: ignore[attr-defined]
        if fn is None:
            break
        fn(arg)
    heappush(queue, (stop_at, -1, next(eid), _nothing, None))


def events_scheduled(env: simpy.Environment) -> int:
    """Events SimPy has scheduled so far (its id counter; reading it consumes one id)."""
    return next(env._eid)  # type: ignore[attr-defined]
