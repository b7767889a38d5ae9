"""Sweeps: one scenario, one key varied over values, common random numbers across points.

Every point runs replications 0..n-1 with the same seed, and every random element has its own
stream (topology.streams), so point A and point B see the same arrivals, recipients, sizes and
poll phases: differences between points are the effect of the varied key, not of noise. All
(point, replication) pairs go to one process pool, so a sweep keeps every core busy.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable

from sim.inputs import SimInput
from sim.replications import run_one
from sim.result import ReplicationResult


def _job(job: tuple[int, SimInput, int]) -> tuple[int, ReplicationResult]:
    point, inp, replication = job
    return point, run_one(inp, replication)


def run_sweep(points: list[SimInput], replications: int, jobs: int,
              report: Callable[[str], None] | None = None) -> list[list[ReplicationResult]]:
    """Results per point (in order), each a list of replications (in order)."""
    say = report or (lambda text: None)
    work = [(i, inp, r) for i, inp in enumerate(points) for r in range(replications)]
    done: list[list[ReplicationResult]] = [[] for _ in points]
    if jobs <= 1:
        outputs = map(_job, work)
        for count, (point, result) in enumerate(outputs, start=1):
            done[point].append(result)
            say(f"point {point + 1}/{len(points)}, replication {result.replication + 1}: "
                f"done ({count}/{len(work)})")
    else:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() and \
            sys.platform != "darwin" else "spawn"
        with multiprocessing.get_context(method).Pool(jobs) as pool:
            for count, (point, result) in enumerate(pool.imap_unordered(_job, work), start=1):
                done[point].append(result)
                say(f"point {point + 1}/{len(points)}, replication "
                    f"{result.replication + 1}: done ({count}/{len(work)})")
    return [sorted(results, key=lambda r: r.replication) for results in done]
