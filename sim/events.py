"""Scheduled callbacks on SimPy's event loop: one heap entry, no generator, no process.

A SimPy process costs several events per step (the timeout, the resumption, the process's own
termination). Most of what happens in the axis network is "at time t, call f(x)": a package
arriving at an axis, a recipient polling. `Call` is the smallest object `simpy.Environment.step`
accepts: it has `callbacks` and `_ok`, nothing else, so one scheduled action is exactly one SimPy
event.

`scheduler(env)` is the only place in the simulator that pushes onto SimPy's queue, as
`Environment.schedule` is in SimPy: it pushes the same tuple with the same event id counter (so
SimPy's ordering and event count hold) without the extra call, and it is the only code that
reads the environment's private `_queue`, `_eid` and `_now`. Everything else is given the
returned `At` function.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from typing import Any, Protocol

import simpy
from simpy.events import NORMAL


class Call:
    """A bare event: `step` calls `fn(event)`; the callback reads its data from `event.arg`."""

    __slots__ = ("arg", "callbacks")
    _ok = True


class At(Protocol):
    """Call `fn(event)` with `event.arg = arg` at absolute simulated time `when` (an instant
    already past is taken as now)."""

    def __call__(self, when: float, fn: Callable[[Call], None], arg: Any = None) -> None: ...


def scheduler(env: simpy.Environment) -> At:
    """The `At` of one environment, with its queue and counter looked up once (hot path)."""
    queue = env._queue  # type: ignore[attr-defined]
    eid = env._eid  # type: ignore[attr-defined]

    def at(when: float, fn: Callable[[Call], None], arg: Any = None) -> None:
        event = Call()
        event.callbacks = (fn,)
        event.arg = arg
        now = env._now  # type: ignore[attr-defined]
        heappush(queue, (when if when > now else now, NORMAL, next(eid), event))

    return at


def events_scheduled(env: simpy.Environment) -> int:
    """Events SimPy has scheduled so far (its id counter; reading it consumes one id)."""
    return next(env._eid)  # type: ignore[attr-defined]
