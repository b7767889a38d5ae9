"""Benchmark: one working day of target-2020 at national scale, against raw SimPy.

All four levels of the pre-2025 structure connected (scenarios/target-2020.toml), polling every
60 s, fetch, acknowledgement and status 01/03 messages; demand scaled up so that the day holds
at least 1 million deliveries. Budget (issue 3): at most 60 s and 2 GiB in one process.

Absolute times drift on shared machines, so the same run also times a raw SimPy M/M/c loop
(a source process, `Resource` requests, exponential service: SimPy's own idiom) and prints the
ratio of the model's wall time per SimPy event to the raw loop's (goal: at most 2; the raw loop
runs before and after the model and both runs are pooled, so drifting load weighs on both
sides). Both count
events the same way: SimPy's event id counter, i.e. every event pushed on the heap. The network
build is timed separately (it is the topology benchmark's business). Exits 1 when a budget is
missed. The last line is one JSON object.

    python benchmarks/sim_national_day.py [--scale 2.95] [--raw-customers 300000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET_S = 60.0
BUDGET_MIB = 2048.0
MIN_DELIVERIES = 1_000_000


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def raw_simpy(customers: int, servers: int = 4, rate: float = 3.5, service: float = 1.0,
              seed: int = 1) -> tuple[int, float]:
    """The textbook SimPy M/M/c: returns (events, wall seconds)."""
    rnd = random.Random(seed)
    env = simpy.Environment()
    resource_ = simpy.Resource(env, capacity=servers)

    def customer():
        with resource_.request() as request:
            yield request
            yield env.timeout(rnd.expovariate(1.0 / service))

    def source():
        for _ in range(customers):
            yield env.timeout(rnd.expovariate(rate))
            env.process(customer())

    env.process(source())
    start = time.perf_counter()
    env.run()
    wall = time.perf_counter() - start
    return next(env._eid), wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=2.95,
                        help="demand.scale (default 2.95: about 1.03 million deliveries)")
    parser.add_argument("--raw-customers", type=int, default=300_000)
    args = parser.parse_args()

    from lienthong.scenario import load_scenario
    from sim.inputs import SimInput
    from sim.model import NetworkSim
    from topology.build import build_topology

    scenario = load_scenario(ROOT / "scenarios" / "target-2020.toml",
                             [f"demand.scale={args.scale}"]).scenario
    inp = SimInput.of(scenario)
    start = time.perf_counter()
    model = build_topology(inp.topology, inp.rollout, inp.demand, inp.seed)
    build_s = time.perf_counter() - start
    print(f"network built in {build_s:.1f} s: {len(model.network.connected):,} connected "
          f"systems, {model.demand.deliveries_per_day:,.0f} expected deliveries", flush=True)

    raw_before = raw_simpy(args.raw_customers)
    print(f"raw SimPy M/M/c: {raw_before[0]:,} events in {raw_before[1]:.2f} s "
          f"({raw_before[0] / raw_before[1]:,.0f} events/s)", flush=True)

    sim = NetworkSim(inp, model, replication=0)
    result = sim.run().as_dict()
    # raw SimPy again after the model, so that load drifting on a shared machine during the
    # run weighs on both sides of the ratio
    raw_after = raw_simpy(args.raw_customers, seed=2)
    print(f"raw SimPy M/M/c again: {raw_after[0]:,} events in {raw_after[1]:.2f} s "
          f"({raw_after[0] / raw_after[1]:,.0f} events/s)", flush=True)
    raw_events, raw_wall = raw_before[0] + raw_after[0], raw_before[1] + raw_after[1]
    raw_rate = raw_events / raw_wall
    wall = result["wall_s"]
    events = result["events"]
    rate = events / wall
    ratio = raw_rate / rate
    rss = peak_rss_mib()
    requests = sum(axis["jobs"] for axis in result["axes"].values())
    print(f"model: {result['documents']:,} documents, {result['deliveries']:,} deliveries, "
          f"{result['statuses_sent']:,} status packages, {requests:,} simulated requests "
          f"(+ {result['poll_rate_per_s']:,.0f} idle polls/s aggregated); {events:,} events in "
          f"{wall:.1f} s ({rate:,.0f} events/s)")
    print(f"cost per event: model / raw SimPy = {ratio:.2f} (goal <= 2); "
          f"per simulated request: {wall / max(requests, 1) * 1e6:.2f} us vs raw SimPy "
          f"{raw_wall / (2 * args.raw_customers) * 1e6:.2f} us per customer")
    ok = True
    for what, good in (("deliveries >= 1 million", result["deliveries"] >= MIN_DELIVERIES),
                       (f"wall <= {BUDGET_S:g} s", wall <= BUDGET_S),
                       (f"peak RSS <= {BUDGET_MIB:g} MiB", rss <= BUDGET_MIB),
                       ("overhead ratio <= 2", ratio <= 2.0)):
        print(f"{'ok  ' if good else 'MISS'} {what}")
        ok = ok and good
    print(json.dumps({"deliveries": result["deliveries"], "events": events,
                      "wall_s": round(wall, 2), "events_per_s": round(rate),
                      "raw_simpy_events_per_s": round(raw_rate),
                      "overhead_ratio": round(ratio, 3), "peak_rss_mib": round(rss, 1),
                      "build_s": round(build_s, 2), "documents": result["documents"],
                      "simulated_requests": requests,
                      "request_overhead_ratio": round((wall / requests)
                                                      / (raw_wall / (2 * args.raw_customers)), 3),
                      "status_packages": result["statuses_sent"]}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
