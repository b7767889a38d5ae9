"""The axis server: priorities, FIFO, aggregated polls equal explicit polls, outages."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from sim.axis_server import AxisServer, ExpBuffer
from sim.events import run, scheduler


def _record(starts: dict, name: str):
    def on_start(finish: float, arg: object) -> None:
        starts[name] = finish
    return on_start


def test_flash_overtakes_normal_but_does_not_preempt() -> None:
    env = simpy.Environment()
    server = AxisServer(env, "a", workers=1)
    finishes: dict[str, float] = {}
    server.submit(5.0, 0, _record(finishes, "first"), None)      # starts at 0, ends at 5
    server.submit(1.0, 0, _record(finishes, "normal"), None)     # waits
    server.submit(1.0, 3, _record(finishes, "flash"), None)      # waits, but is served first
    run(env, 10.0)
    assert finishes == {"first": 5.0, "flash": 6.0, "normal": 7.0}
    snapshot = server.snapshot()
    assert snapshot["wait_sum_s"] == pytest.approx(5.0 + 6.0)
    assert snapshot["utilization"] == pytest.approx(0.7)  # busy 7 s of 10 s
    assert snapshot["queue_mean"] == pytest.approx(11.0 / 10.0)  # Little: total wait / span


def test_fifo_within_a_priority_and_parallel_workers() -> None:
    env = simpy.Environment()
    server = AxisServer(env, "a", workers=2)
    finishes: dict[str, float] = {}
    for name in ("a", "b", "c", "d"):
        server.submit(2.0, 1, _record(finishes, name), None)
    run(env)
    assert finishes == {"a": 2.0, "b": 2.0, "c": 4.0, "d": 4.0}


def test_writes_wait_for_a_group_commit_that_carries_all_that_finished_meanwhile() -> None:
    # commits take 4 s + 1 s per write; workers are plentiful, so only the commit queues
    env = simpy.Environment()
    server = AxisServer(env, "a", workers=8, commit=(4.0, 1.0))
    answered: dict[str, float] = {}
    at = scheduler(env)

    def write(name: str, service: float):
        return lambda _: server.submit_write(service, 0, _record(answered, name), None)

    at(0.0, write("w1", 1.0))  # worker done at 1: no commit running, one of 1 write: 1 -> 6
    at(2.0, write("w2", 1.0))  # done at 3, 4, 5 while w1's commit runs: the next commit
    at(3.0, write("w3", 1.0))  # carries all three, 6 -> 6 + 4 + 3 = 13
    at(4.0, write("w4", 1.0))
    at(20.0, write("w5", 0.5))  # the stage is idle again: 20.5 -> 25.5
    server.submit(1.0, 0, _record(answered, "read"), None)  # a read is answered by its worker
    run(env)
    assert answered == {"read": 1.0, "w1": 6.0, "w2": 13.0, "w3": 13.0, "w4": 13.0,
                        "w5": 25.5}
    assert (server.commits, server.committed) == (3, 5)
    # commits 1-6, 6-13 and 20.5-25.5: 17 s, counted when each starts (as the workers' busy
    # time is), over the run's 20.5 s; its own utilisation, beside the workers' (5 writes
    # and a read, 5.5 s of work on 8 workers)
    assert env.now == 20.5
    snapshot = server.snapshot()
    assert snapshot["commit_utilization"] == pytest.approx(17.0 / 20.5)
    assert snapshot["utilization"] == pytest.approx(5.5 / (8 * 20.5))


def test_without_a_commit_stage_a_write_is_answered_by_its_worker() -> None:
    env = simpy.Environment()
    server = AxisServer(env, "a", workers=1)
    answered: dict[str, float] = {}
    server.submit_write(2.0, 0, _record(answered, "w"), None)
    run(env)
    assert answered == {"w": 2.0} and server.commits == 0
    assert server.snapshot()["commit_utilization"] == 0.0


def _poll_times(seed: int, rate: float, horizon: float) -> list[float]:
    gaps = ExpBuffer(np.random.default_rng(seed), 1.0 / rate)
    times, t = [], 0.0
    while True:
        t += gaps()
        if t > horizon:
            return times
        times.append(t)


def _run_server(lazy: bool, rate: float, cost: float, horizon: float,
                doc_times: list[float]) -> list[float]:
    env = simpy.Environment()
    server = AxisServer(env, "a", workers=1, poll_rate_per_s=rate if lazy else 0.0,
                        poll_cost_s=cost,
                        poll_gap=ExpBuffer(np.random.default_rng(9), 1.0 / rate)
                        if lazy else None)
    server.poll_window = math.inf
    finishes: dict[str, float] = {}
    if not lazy:
        for t in _poll_times(9, rate, horizon * 2):
            scheduler(env)(t, lambda ev: server.submit(cost, 0, lambda f, a: None, None))
    for i, t in enumerate(doc_times):
        scheduler(env)(t, lambda ev, i=i: server.submit(0.01, 0, _record(finishes, str(i)), None))
    run(env, horizon * 2)
    return [finishes[str(i)] for i in range(len(doc_times))]


def test_lazy_poll_stream_equals_explicit_polls() -> None:
    """With gap skipping off, polls fed lazily at each touch delay documents exactly as the
    same polls submitted one by one as events."""
    rate, cost, horizon = 40.0, 0.02, 200.0  # 80% of one worker is polling
    doc_times = np.sort(np.random.default_rng(5).uniform(0, horizon, 600)).tolist()
    results = [_run_server(lazy, rate, cost, horizon, doc_times) for lazy in (True, False)]
    assert results[0] == pytest.approx(results[1], abs=1e-9)


def test_skipped_polls_still_count_as_load() -> None:
    env = simpy.Environment()
    rate, cost = 100.0, 0.001
    server = AxisServer(env, "a", workers=2, poll_rate_per_s=rate, poll_cost_s=cost,
                        poll_gap=ExpBuffer(np.random.default_rng(1), 1.0 / rate))
    for k in range(1, 11):  # a touch every 1000 s: nearly everything is skipped
        scheduler(env)(k * 1000.0, lambda ev: server.submit(0.001, 0, lambda f, a: None, None))
    run(env, 10_000.0)
    snapshot = server.snapshot()
    assert snapshot["poll_rate_per_s"] == pytest.approx(rate, rel=0.01)
    assert snapshot["utilization"] == pytest.approx(rate * cost / 2, rel=0.01)


def test_outage_refuses_then_retries_and_loses_nothing() -> None:
    env = simpy.Environment()
    server = AxisServer(env, "a", workers=1, retry=lambda attempt: 10.0 * 2 ** attempt)
    finishes: dict[str, float] = {}
    scheduler(env)(5.0, server.go_down)
    scheduler(env)(100.0, server.come_up)
    for name, t in (("before", 1.0), ("during", 20.0)):
        scheduler(env)(t, lambda ev, name=name: server.submit(1.0, 0, _record(finishes, name),
                                                              None))
    run(env)
    assert finishes["before"] == 2.0
    # refused at 20, retried at 30, 50, 90 (still down), then at 170: served
    assert finishes["during"] == pytest.approx(171.0)
    assert server.retries == 4
    assert server.drain_times == [pytest.approx(70.0)]  # up at 100, the last retry served at 170


@pytest.mark.parametrize("touches_per_s", [0.01, 1.0, 4.0, 20.0])
def test_idle_polls_are_systems_over_interval_whatever_the_document_load(
        touches_per_s: float) -> None:
    """Issue 11: skipping a quiet gap must not drop the poll pending at its start. 420 systems
    polling every 60 s (7 polls/s) on one axis, touched by documents at up to 20 per second:
    the idle-poll count stays systems / interval within 2%."""
    env = simpy.Environment()
    systems, interval, horizon = 420, 60.0, 6000.0
    rate = systems / interval
    server = AxisServer(env, "a", workers=8, poll_rate_per_s=rate, poll_cost_s=0.0005,
                        poll_gap=ExpBuffer(np.random.default_rng(2), 1.0 / rate))
    at = scheduler(env)
    times = np.sort(np.random.default_rng(3).uniform(0, horizon, int(touches_per_s * horizon)))
    for t in times.tolist():
        at(t, lambda ev: server.submit(0.001, 0, lambda f, a: None, None))
    run(env, horizon)
    snapshot = server.snapshot()
    assert snapshot["poll_rate_per_s"] == pytest.approx(systems / interval, rel=0.02)
