"""The axis servers of one replication: workers, costs, idle-poll streams, retries.

Every axis gets the scenario's workers (or its override), an idle-poll stream at the rate of the
systems it serves (N systems polling every T s, or re-polling every long-poll timeout: N / T per
second; none for push), exponential service if `axis.service_mean_s` is set, and the scenario's
retry back-off for refused requests. Each draws from its own named streams, so adding an axis
does not move another's numbers.
"""

from __future__ import annotations

import simpy

from sim.axis_server import AxisServer, ExpBuffer
from sim.costs import Costs
from sim.failures import backoff
from sim.inputs import SimInput
from sim.metrics import Bins
from topology.streams import stream


def axis_servers(env: simpy.Environment, inp: SimInput, names: list[str],
                 systems_per_axis: list[int], costs: Costs, bins: Bins,
                 replication: int) -> list[AxisServer]:
    cap, delivery, seed = inp.axis.effective(), inp.delivery, inp.seed  # / axis.speedup
    polling = {"poll": delivery.poll_interval_s, "long_poll": delivery.long_poll_timeout_s}
    interval = polling.get(delivery.mode)

    def retry(attempt: int) -> float:
        return backoff(inp.failures, attempt)

    servers = []
    for name, systems in zip(names, systems_per_axis, strict=True):
        workers, mean = cap.for_axis(name)
        rate = systems / interval if interval else 0.0
        server = AxisServer(
            env, name, workers, poll_rate_per_s=rate, poll_cost_s=costs.poll,
            poll_gap=ExpBuffer(stream(seed, f"polls:{name}", replication), 1.0 / rate)
            if rate > 0 else None,
            service_exp=ExpBuffer(stream(seed, f"service:{name}", replication), mean)
            if mean else None,
            retry=retry,
            commit=None if cap.commit is None else (cap.commit.fixed_ms / 1e3,
                                                    cap.commit.per_write_ms / 1e3))
        server.request_bins = bins.requests
        server.bin_origin, server.bin_rate = bins.origin, 1.0 / bins.width
        servers.append(server)
    return servers
