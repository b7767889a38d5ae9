"""Rollout coverage: which agencies are connected, drawn deterministically from the seed.

Coverage is a share per kind of agency. For each kind, exactly round(share x count) agencies are
connected, chosen uniformly from that kind's own random stream, so raising the coverage of
communes leaves the choice of connected districts unchanged.
"""

from __future__ import annotations

import numpy as np

from topology.agencies import Agency
from topology.config import AGENCY_KINDS, Coverage
from topology.streams import stream


def draw_connected(agencies: list[Agency], coverage: Coverage, seed: int) -> None:
    """Set `connected` on every agency according to the coverage of its kind."""
    by_kind: dict[str, list[int]] = {kind: [] for kind in AGENCY_KINDS}
    for agency in agencies:
        by_kind[agency.kind].append(agency.index)
    for kind, indices in by_kind.items():
        share = coverage.get(kind)
        count = round(share * len(indices))
        if count == len(indices):
            chosen = indices
        elif count == 0:
            chosen = []
        else:
            rng = stream(seed, f"rollout:{kind}")
            chosen = rng.choice(np.asarray(indices), size=count, replace=False).tolist()
        for index in chosen:
            agencies[index].connected = True
