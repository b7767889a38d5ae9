"""Which agency systems a load test plays, and how they are split among Locust users.

Senders are drawn from the scenario's connected agencies by demand weight (documents per working
day), without replacement, from their own random stream: the same seed plays the same agencies
in every process, so workers on other machines agree without being told. Every agency a sender
may address (its candidates in the demand model, down, up and across) is played as well, so each
delivery the demand model produces has someone who polls for it, fetches it and answers it.

Each Locust user plays one group: `agencies_per_user` senders plus an equal share of the
receive-only agencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from topology.build import Topology
from topology.streams import stream


@dataclass(frozen=True, slots=True)
class AgencySystem:
    """One agency's document system as a Locust user plays it."""

    index: int
    code: str
    name: str
    level: int
    documents_per_day: float
    """Its sending rate per working day (0 for a receive-only system)."""


@dataclass(frozen=True)
class Plan:
    groups: list[list[AgencySystem]]
    """One list of agency systems per Locust user."""
    by_code: dict[str, AgencySystem] = field(repr=False)

    @property
    def agencies(self) -> list[AgencySystem]:
        return list(self.by_code.values())

    @property
    def senders(self) -> list[AgencySystem]:
        return [a for a in self.by_code.values() if a.documents_per_day > 0]

    @property
    def documents_per_day(self) -> float:
        return float(sum(a.documents_per_day for a in self.senders))


def sample_senders(model: Topology, count: int, seed: int) -> list[int]:
    """Agency indices of `count` senders drawn by demand weight (all of them if fewer exist)."""
    profiles = model.demand.profiles
    if count >= len(profiles):
        return [p.agency for p in profiles]
    weights = np.array([p.documents_per_day for p in profiles], dtype=float)
    rng = stream(seed, "loadtest.senders")
    picks = rng.choice(len(profiles), size=count, replace=False, p=weights / weights.sum())
    return [profiles[int(i)].agency for i in sorted(picks)]


def make_plan(model: Topology, users: int, agencies_per_user: int, seed: int) -> Plan:
    """Senders by weight, their possible recipients, split into `users` groups."""
    demand = model.demand
    agencies = model.network.agencies
    senders = sample_senders(model, users * agencies_per_user, seed)
    receivers: set[int] = set()
    for index in senders:
        for candidates in demand.by_agency[index].candidates:
            receivers.update(int(i) for i in candidates)
    receive_only = sorted(receivers - set(senders))

    def system(index: int, rate: float) -> AgencySystem:
        agency = agencies[index]
        return AgencySystem(index, agency.code, agency.name, agency.level, rate)

    groups: list[list[AgencySystem]] = [[] for _ in range(users)]
    for position, index in enumerate(senders):
        groups[position % users].append(system(index, demand.by_agency[index].documents_per_day))
    for position, index in enumerate(receive_only):
        groups[(len(senders) + position) % users].append(system(index, 0.0))
    by_code = {a.code: a for group in groups for a in group}
    return Plan(groups, by_code)
