"""Agencies are not alike: each agency's sending volume, drawn within its kind, heavy-tailed.

A ministry of finance and a ministry of culture do not send alike, nor a provincial capital's
People's Committee and a mountain district's. Each agency's daily rate is its kind's rate
(`demand.documents_per_day`) times a multiplier drawn from a log-normal distribution of the
kind's `sigma` (`demand.volumes.sigma`; 0 keeps every agency of the kind alike). The multipliers
of a kind's connected agencies are then divided by their mean, so each kind's mean rate, and so
the network's volume per kind, is exactly the scenario's.

Central bodies are ranked: the largest draws go, in order, to `demand.volumes.heaviest` (the
Government Office, then the Ministry of Finance by default), then to the other ministries, then to
the ministerial-level and government agencies and the rest (kinds from
topology/data/central_bodies.toml); within each group the order is random. Elsewhere the draws
fall at random.

Seeded: each kind draws from its own stream of the scenario's seed ("volume:<kind>"), over every
agency of the kind whether connected or not, so the draws do not move when coverage changes.
"""

from __future__ import annotations

import numpy as np

from topology.agencies import Agency
from topology.central import central_bodies
from topology.config import AGENCY_KINDS, DemandVolumes
from topology.streams import stream

CENTRAL_GROUPS = ("ministry",)
"""Central-body kinds that come right after `heaviest`, before every other central body."""


def _central_order(agencies: list[Agency], indices: list[int], volumes: DemandVolumes,
                   structure: str, rng: np.random.Generator) -> list[int]:
    """Central bodies from heaviest to lightest rank: `heaviest` in order, then ministries,
    then the rest, each group shuffled."""
    kinds = {body.code: body.kind for body in central_bodies(structure)}

    def body_code(index: int) -> str:
        return agencies[index].code.rsplit(".", 1)[-1]

    first = [i for code in volumes.heaviest for i in indices if body_code(i) == code]
    rest = [i for i in indices if i not in first]
    ministries = [i for i in rest if kinds.get(body_code(i)) in CENTRAL_GROUPS]
    others = [i for i in rest if i not in ministries]
    return first + list(rng.permutation(ministries)) + list(rng.permutation(others))


def volume_multipliers(agencies: list[Agency], volumes: DemandVolumes, structure: str,
                       seed: int) -> np.ndarray:
    """Per agency index: its rate over its kind's rate (mean 1 over a kind's connected)."""
    multipliers = np.ones(len(agencies))
    for kind in AGENCY_KINDS:
        sigma = volumes.sigma.get(kind)
        indices = [a.index for a in agencies if a.kind == kind]
        if sigma <= 0 or not indices:
            continue
        rng = stream(seed, f"volume:{kind}")
        draws = rng.lognormal(0.0, sigma, len(indices))
        if kind == "central_body":
            order = _central_order(agencies, indices, volumes, structure, rng)
            multipliers[order] = np.sort(draws)[::-1]
        else:
            multipliers[indices] = draws
        connected = [i for i in indices if agencies[i].connected]
        if connected:
            multipliers[indices] /= multipliers[connected].mean()
    return multipliers
