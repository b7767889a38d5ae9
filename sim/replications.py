"""Independent replications, run in parallel processes.

Replication r draws every random element from `stream(seed, name, r)`: replications are
independent of each other and of how many run at once, so `--jobs 1` and `--jobs 8` give the same
numbers, and the same seed always gives the same numbers. The network (who is connected) is
drawn once from the scenario seed and shared by all replications: replications vary the traffic,
not the rollout. Each worker process builds the network once and runs its share.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable

from sim.inputs import SimInput
from sim.model import NetworkSim
from sim.result import ReplicationResult
from topology.build import Topology, build_topology

_MODELS: dict[str, Topology] = {}


def build(inp: SimInput) -> Topology:
    """The network of a scenario, built once per process."""
    key = "|".join([str(inp.seed), inp.topology.model_dump_json(), inp.rollout.model_dump_json(),
                     inp.demand.model_dump_json()])
    if key not in _MODELS:
        _MODELS.clear()
        _MODELS[key] = build_topology(inp.topology, inp.rollout, inp.demand, inp.seed)
    return _MODELS[key]


def run_one(inp: SimInput, replication: int,
            progress: Callable[[float], None] | None = None) -> ReplicationResult:
    return NetworkSim(inp, build(inp), replication).run(progress)


def _worker(job: tuple[SimInput, int]) -> ReplicationResult:
    inp, replication = job
    return run_one(inp, replication)


def run_replications(inp: SimInput, replications: int, jobs: int = 1,
                     report: Callable[[str], None] | None = None) -> list[ReplicationResult]:
    """Run replications 0..n-1 (in `jobs` processes) and return their results in order."""
    jobs = max(1, min(jobs, replications))
    say = report or (lambda text: None)
    results: list[ReplicationResult] = []
    if jobs == 1:
        for r in range(replications):
            last = [-1]

            def progress(fraction: float, r: int = r, last: list[int] = last) -> None:
                step = int(fraction * 4)
                if step > last[0]:
                    last[0] = step
                    say(f"replication {r + 1}/{replications}: {fraction:.0%} of the horizon")

            result = run_one(inp, r, progress)
            results.append(result)
            say(f"replication {r + 1}/{replications} done: {result.deliveries:,} deliveries, "
                f"{result.events:,} events in {result.wall_s:.1f} s")
        return results
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() and \
        sys.platform != "darwin" else "spawn"
    context = multiprocessing.get_context(method)
    say(f"running {replications} replications in {jobs} processes")
    with context.Pool(jobs) as pool:
        for result in pool.imap_unordered(_worker, [(inp, r) for r in range(replications)]):
            results.append(result)
            say(f"replication {result.replication + 1}/{replications} done "
                f"({len(results)}/{replications}): {result.deliveries:,} deliveries, "
                f"{result.events:,} events in {result.wall_s:.1f} s")
    return sorted(results, key=lambda r: r.replication)


def default_jobs() -> int:
    return max(1, (os.cpu_count() or 1))
