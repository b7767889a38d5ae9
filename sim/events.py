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
in the next seconds (services, links, wake-ups) is a few hundred, and every pop walks the whole
depth. So only the entries due before a mark go to the environment's own queue (near); the
later ones wait in buckets of `NEAR_S` seconds (an append, no order), and the mark is the start
of the first bucket not yet moved. The near heap's first entry is then the first of all as long
as it is before the mark; when it is not, the mark moves past the bucket of the earliest entry
of either, and the buckets now before it are pushed onto the near heap. The entries keep their
ids, so the order is exactly the one heap's (a tie at the same instant still goes by id).

`scheduler(env)` is the only place in the simulator that pushes onto the queues, and `run` the
only one that pops from them; they are the only code that reads the environment's private
`_queue`, `_eid` and `_now`. Everything else is given the returned `At` function. As the entries
are not SimPy events (and some wait in the buckets), such an environment is run by
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
"""The far entries are kept in buckets of this many seconds of simulated time; the near heap
reaches to the end of the current bucket: a few hundred entries at the national day's peak.
Longer fills the near heap with far timers, shorter sends more of the near future through the
buckets."""


class At(Protocol):
    """Call `fn(arg)` at absolute simulated time `when` (an instant already past is taken as
    now)."""

    def __call__(self, when: float, fn: Callback, arg: Any = None) -> None: ...


Entry = tuple[float, int, int, "Callback | None", Any]


class _Far:
    """The far entries of one environment (see the module's docstring): bucket k holds entries
    due at or after k * NEAR_S, in no order; `first` is the first bucket not yet moved to the
    near heap and `mark` its start: every far entry is due at or after the mark."""

    __slots__ = ("buckets", "first", "mark", "order")

    def __init__(self, env: simpy.Environment) -> None:
        self.buckets: dict[int, list[Entry]] = {}
        self.order: list[int] = []
        """The indices of the buckets, as a heap."""
        self.first = int(env.now // NEAR_S) + 1
        self.mark = self.first * NEAR_S

    def add(self, entry: Entry) -> None:
        when = entry[0]
        k = int(when // NEAR_S)
        if k * NEAR_S > when:  # rounding: the bucket's start must not be after the entry
            k -= 1
        if k < self.first:  # rounding at the mark: the entry is due at or after it
            k = self.first
        bucket = self.buckets.get(k)
        if bucket is None:
            self.buckets[k] = [entry]
            heappush(self.order, k)
        else:
            bucket.append(entry)

    def move_mark(self, queue: list[Entry]) -> None:
        """The near heap's first entry is not before the mark (or the near heap is empty): move
        the mark past the bucket of the earliest entry of either, and the far entries before
        it to the near heap."""
        order = self.order
        if queue:
            k = int(queue[0][0] // NEAR_S)
            if order and order[0] < k:
                k = order[0]
        else:
            k = order[0]
        first = (k if k > self.first else self.first) + 1
        buckets = self.buckets
        while order and order[0] < first:
            for entry in buckets.pop(heappop(order)):
                heappush(queue, entry)
        self.first = first
        self.mark = first * NEAR_S


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
    add_far = far.add

    def at(when: float, fn: Callback, arg: Any = None) -> None:
        now = env._now  # type: ignore[attr-defined]
        if when <= now:
            heappush(queue, (now, NORMAL, next(eid), fn, arg))
        elif when < far.mark:
            heappush(queue, (when, NORMAL, next(eid), fn, arg))
        else:
            add_far((when, NORMAL, next(eid), fn, arg))

    return at


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
    pop, push = heappop, heappush
    if until is None:
        while queue or far.order:
            if not queue:
                far.move_mark(queue)
            entry = pop(queue)
            if entry[0] >= far.mark:
                push(queue, entry)
                far.move_mark(queue)
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
        if now >= mark:  # the first near entry may not be the first of all
            push(queue, entry)
            far.move_mark(queue)
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
