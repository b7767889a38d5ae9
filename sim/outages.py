"""Outage kinds as the simulator reads them: the scenario's vocabulary, shared with the load test.

The kinds (`axis`, `link`), their strict configs, the `Outage` union chosen by `kind` (or by the
one target an entry names) and the windows they add to the run's `OutagePlan` live in
topology/outages.py, because a federated load test plays the same `[[failures.outages]]`
entries (and `--outage` specs) on real processes and must read them with the same names and
times. This module keeps the simulator's names for them; sim/failures.py merges the plan and the
network applies it (an axis refuses requests, a link refuses relays).
"""

from __future__ import annotations

from topology.outages import (
    KINDS,
    AxisOutage,
    LinkOutage,
    Outage,
    OutagePlan,
    Spans,
    outage_kind,
)

__all__ = ["KINDS", "AxisOutage", "LinkOutage", "Outage", "OutagePlan", "Spans", "outage_kind"]
