"""Closed-form queueing results the simulator is checked against.

- M/M/c (Erlang C): Poisson arrivals at rate lambda, c identical exponential servers with mean
  service time S, FIFO. Offered load a = lambda S, utilisation rho = a / c < 1. The probability
  of waiting is Erlang's C formula; Wq = C(c, a) S / (c - a); W = Wq + S; Lq = lambda Wq and
  L = lambda W (Little's law). Reference value: PDQ's bank model (4 tellers, 0.35 customers a
  minute, 10 minutes each) gives Wq = 14.7572 min, R = 24.7572 min, L = 8.6650, Lq = 5.1650.
- Open Jackson networks: external Poisson arrivals gamma_i, Markov routing P; the throughputs
  solve lambda = gamma + P^T lambda, and each node behaves as an independent M/M/c_i queue at
  its lambda_i (product form). A tandem of axes is such a network (Burke: the departures of a
  stable M/M/c queue are Poisson).
- Little's law L = lambda W holds for any stable system, and is used as a consistency check on
  the simulator's own time averages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MMc:
    """Steady-state figures of an M/M/c queue."""

    arrival_rate: float
    service_time: float
    servers: int
    utilization: float
    p_wait: float
    wait: float
    """Mean time in queue, Wq."""
    response: float
    """Mean time in system, W = Wq + S (PDQ's residence time)."""
    queue_length: float
    """Mean number waiting, Lq."""
    in_system: float
    """Mean number in system, L."""


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in M/M/c, computed stably via Erlang B recursion."""
    if servers < 1:
        raise ValueError("servers must be at least 1")
    if not 0.0 <= offered_load < servers:
        raise ValueError(f"unstable: offered load {offered_load:g} >= servers {servers}")
    b = 1.0  # Erlang B for 0 servers
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    rho = offered_load / servers
    return b / (1.0 - rho + rho * b)


def mmc(arrival_rate: float, service_time: float, servers: int) -> MMc:
    a = arrival_rate * service_time
    c = erlang_c(servers, a)
    wait = c * service_time / (servers - a)
    response = wait + service_time
    return MMc(arrival_rate, service_time, servers, a / servers, c, wait, response,
               arrival_rate * wait, arrival_rate * response)


def jackson(external: Sequence[float], routing: Sequence[Sequence[float]],
            service_times: Sequence[float], servers: Sequence[int]) -> list[MMc]:
    """Each node of an open Jackson network as an M/M/c queue at its total arrival rate.

    `routing[i][j]` is the probability that a job leaving node i goes to node j (the rest
    leave the network)."""
    gamma = np.asarray(external, dtype=float)
    p = np.asarray(routing, dtype=float)
    if p.shape != (len(gamma), len(gamma)):
        raise ValueError("routing must be a square matrix matching the external rates")
    rates = np.linalg.solve(np.eye(len(gamma)) - p.T, gamma)
    return [mmc(float(rate), float(s), int(c))
            for rate, s, c in zip(rates, service_times, servers, strict=True)]


def path_response(nodes: Sequence[MMc], path: Sequence[int]) -> float:
    """Mean sojourn of a job visiting `path` once each: the sum of the nodes' W."""
    return sum(nodes[i].response for i in path)


def littles_law_gap(mean_number: float, arrival_rate: float, mean_time: float) -> float:
    """Relative gap between L and lambda W (0 when Little's law holds exactly)."""
    expected = arrival_rate * mean_time
    if expected == 0:
        return 0.0 if mean_number == 0 else math.inf
    return abs(mean_number - expected) / expected
