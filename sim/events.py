"""Scheduled callbacks on SimPy's clock and queue: one heap entry, no event object, no process.

A SimPy process costs several events per step (the timeout, the resumption, the process's own
termination). Most of what happens in the axis network is "at time t, call f(x)": a package
arriving at an axis, a recipient polling. So an entry of the queue is just that:
`(time, priority, id, f, x)`, and `run` pops the entries and calls `f(x)`. It is SimPy's own
ordering (time, then priority, then the event id counter, so ties go first-scheduled first) and
its own id counter, hence its event count; what it saves is the event object per entry and
`Environment.step`'s bookkeeping for callbacks that cannot fail or be interrupted (a third of
the cost of an event: the national day has 17 million).

Near and far. The heap is what an event costs most: a national day holds about 25,000 pending
entries, 98% of them the status 03 timers (the registration delay, minutes), while what is due
in the next seconds (services, links, wake-ups) is a few hundred. Every push and pop walks the
whole depth, so the far entries are kept in a second heap: an entry goes to the environment's
own queue (near) when due by a mark, to the far heap after it, and the far heap holds nothing
due by the mark. The near heap's first entry is then the first of all as long as it is due by
the mark; when it is not, the mark moves `NEAR_S` past the earliest entry of either heap and
the far entries now due by it move to the near heap. The entries keep their ids, so the order is
exactly the one heap's (a tie at the same instant still goes by id).

`scheduler(env)` is the only place in the simulator that pushes onto the queues, and `run` the
only one that pops from them; they are the only code that reads the environment's private
`_queue`, `_eid` and `_now`. Everything else is given the returned `At` function. As the entries
are not SimPy events (and some wait in the far heap), such an environment is run by
`run(env, until)`, not `env.run`.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any, Protocol
from weakref import WeakKeyDictionary

import simpy
from simpy.events import NORMAL, URGENT

Callback = Callable[[Any], None]

NEAR_S = 10.0
"""How far past the earliest pending entry the near heap reaches after the mark moves: a few
hundred entries at the national day's peak; longer fills the near heap with far timers,
shorter sends more of the near future through the far heap."""


class At(Protocol):
    """Call `fn(arg)` at absolute simulated time `when` (an instant already past is taken as
    now)."""

    def __call__(self, when: float, fn: Callback, arg: Any = None) -> None: ...


class _Far:
    """The far heap of one environment and its mark (see the module's docstring)."""

    __slots__ = ("heap", "mark")

    def __init__(self, env: simpy.Environment) -> None:
        self.heap: list[tuple[float, int, int, Callback | None, Any]] = []
        self.mark: float = env.now + NEAR_S


_FAR: WeakKeyDictionary[simpy.Environment, _Far] = WeakKeyDictionary()


def _far(env: simpy.Environment) -> _Far:
    far = _FAR.get(env)
    if far is None:
        far = _FAR[env] = _Far(env)
    return far


def scheduler(env: simpy.Environment) -> At:
    """The `At` of one environment, with its queues and counter looked up once (hot path)."""
    queue = env._queue  # type: ignore[attr-defined]
    eid = env._eid  # type: ignore[attr-defined]
    far = _far(env)
    far_heap = far.heap

    def at(when: float, fn: Callback, arg: Any = None) -> None:
        now = env._now  # type: ignore[attr-defined]
        if when <= now:
            heappush(queue, (now, NORMAL, next(eid), fn, arg))
        elif when <= far.mark:
            heappush(queue, (when, NORMAL, next(eid), fn, arg))
        else:
            heappush(far_heap, (when, NORMAL, next(eid), fn, arg))

    return at


def _move_mark(queue: list, far: _Far) -> None:
    """The near heap has nothing due by the mark: move the mark `NEAR_S` past the earliest entry
    of either heap, and the far entries due by it to the near heap."""
    far_heap = far.heap
    first = queue[0][0] if queue else far_heap[0][0]
    if far_heap and far_heap[0][0] < first:
        first = far_heap[0][0]
    mark = far.mark = first + NEAR_S
    while far_heap and far_heap[0][0] <= mark:
        heappush(queue, heappop(far_heap))


def _nothing(_: Any) -> None:
    """The entry `env.run` leaves behind when it stops (see `run`)."""


def run(env: simpy.Environment, until: float | None = None) -> None:
    """Call the scheduled callbacks in order until simulated time `until` (as `env.run(until)`:
    what is due at `until` itself waits for the next run), or until none is left.

    It takes and leaves the queue as `env.run` would with SimPy events, ids included: the stop
    is an urgent entry at `until`, and when it is reached SimPy schedules its stop event once
    more (a no-op at `until`, popped first by the next run), so the same entry is pushed here;
    the id counter, and with it the runs' `events` figure, stays SimPy's."""
    queue = env._queue  # type: ignore[attr-defined]
    far = _far(env)
    far_heap = far.heap
    pop, push = heappop, heappush
    if until is None:
        while queue or far_heap:
            if not queue:
                _move_mark(queue, far)
            entry = pop(queue)
            if entry[0] > far.mark:
                push(queue, entry)
                _move_mark(queue, far)
                continue
            env._now = entry[0]  # type: ignore[attr-defined]
            entry[3](entry[4])
        return
    start = env._now  # type: ignore[attr-defined]
    if until <= start:
        raise ValueError(f"until ({until}) must be greater than the current simulation time")
    eid = env._eid  # type: ignore[attr-defined]
    stop_at = start + (until - start)  # as Environment.schedule computes it
    push(queue, (stop_at, URGENT, next(eid), None, None))
    mark = far.mark
    while True:
        now, _, _, fn, arg = entry = pop(queue)  # never empty: the stop entry is in it
        if now > mark:  # the first near entry may not be the first of all
            push(queue, entry)
            _move_mark(queue, far)
            mark = far.mark
            continue
        env._now = now  # type: ignore[attr-defined]
        if fn is None:
            break
        fn(arg)
    push(queue, (stop_at, -1, next(eid), _nothing, None))


def events_scheduled(env: simpy.Environment) -> int:
    """Events SimPy has scheduled so far (its id counter; reading it consumes one id)."""
    return next(env._eid)  # type: ignore[attr-defined]
