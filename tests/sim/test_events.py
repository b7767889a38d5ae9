"""The event loop: SimPy's order and event count, with or without the far heap."""

from __future__ import annotations

import random

import pytest
import simpy
from simpy.events import NORMAL

from sim import events
from sim.events import events_scheduled, run, scheduler

DELAYS = (0.0, 0.25, 0.5, 1.0, 2.0, events.NEAR_S, 3 * events.NEAR_S, 500.0)
"""Quarter seconds: now + delay is exact, so SimPy's times and ours are the same floats. Ties
at one instant are frequent; some delays land in the far heap, some exactly on the mark."""


def _trace(ours: bool, seed: int, chunks: int) -> tuple[list[tuple[float, int]], int]:
    """Callbacks that schedule more callbacks, run to 2000 s in `chunks` runs: what ran when,
    and the event count."""
    env = simpy.Environment(initial_time=10.0)
    rng = random.Random(seed)
    seen: list[tuple[float, int]] = []
    counter = iter(range(10**9))

    def schedule(delay: float, label: int) -> None:
        if ours:
            at(env.now + delay, fire, label)
        else:
            event = env.event()
            event._ok, event._value = True, None
            event.callbacks.append(lambda _, label=label: fire(label))
            env.schedule(event, NORMAL, delay)

    def fire(label: int) -> None:
        seen.append((env.now, label))
        for _ in range(rng.choice((0, 1, 1, 2))):
            if len(seen) < 3000:
                schedule(rng.choice(DELAYS), next(counter))

    at = scheduler(env)
    for _ in range(50):
        schedule(rng.choice(DELAYS), next(counter))
    for k in range(1, chunks + 1):
        until = 10.0 + 2000.0 * k / chunks
        if ours:
            run(env, until)
        else:
            env.run(until=until)
    return seen, events_scheduled(env)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_order_and_event_count_as_simpy(seed: int) -> None:
    for chunks in (1, 7):
        simpy_trace, simpy_events = _trace(False, seed, chunks)
        ours_trace, ours_events = _trace(True, seed, chunks)
        assert len(simpy_trace) > 1000
        assert ours_trace == simpy_trace
        assert ours_events == simpy_events


def test_run_to_the_end_takes_the_far_heap_too() -> None:
    env = simpy.Environment()
    seen: list[float] = []
    at = scheduler(env)
    for t in (5000.0, 3.0, 5000.0 + events.NEAR_S, 1.0):
        at(t, lambda _: seen.append(env.now))
    run(env)
    assert seen == [1.0, 3.0, 5000.0, 5000.0 + events.NEAR_S]


def test_until_must_be_ahead() -> None:
    env = simpy.Environment(initial_time=5.0)
    with pytest.raises(ValueError, match="greater than the current"):
        run(env, 5.0)


def test_one_call_is_one_simpy_event() -> None:
    env = simpy.Environment()
    seen: list[float] = []
    for t in (3.0, 1.0, 2.0):
        scheduler(env)(t, lambda ev: seen.append(env.now))
    run(env)
    assert seen == [1.0, 2.0, 3.0]
    assert events_scheduled(env) == 3  # ids 0, 1, 2 used; reading takes the next
