"""Replications of one or several points, on whichever executor the user chose.

A job is (point, replication): `sim.replications.run_one(inp, r)`, a plain function that a
local process or a Dask worker imports by name. Its numbers depend only on the point's input
and r (every random element has its own stream), so the results are the same wherever it ran;
here they are only put back in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lienthong.executors import Executor


def replicate(inp: Any, replication: int) -> Any:
    """One replication of one point (the job every executor runs)."""
    from sim.replications import run_one

    return run_one(inp, replication)


def run_points(points: list[Any], replications: int, executor: Executor,
               report: Callable[[str], None] | None = None) -> list[list[Any]]:
    """Results per point (in order), each a list of its replications 0..n-1 (in order)."""
    say = report or (lambda text: None)
    work = [(inp, r) for inp in points for r in range(replications)]
    done: list[dict[int, Any]] = [{} for _ in points]
    for count, (i, result) in enumerate(executor.map_unordered(replicate, work), start=1):
        point, r = divmod(i, replications)
        done[point][r] = result
        where = f"point {point + 1}/{len(points)}, " if len(points) > 1 else ""
        say(f"{where}replication {r + 1}/{replications} done ({count}/{len(work)}): "
            f"{result.deliveries:,} deliveries, {result.events:,} events in "
            f"{result.wall_s:.1f} s")
    return [[results[r] for r in range(replications)] for results in done]
