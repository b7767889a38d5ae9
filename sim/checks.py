"""A scenario's cross-references, checked against its topology: every error at once.

What the schema cannot know (sim/config.py validates each section alone): that an agency code
named by a flow or broadcast exists in this topology and is connected in this rollout, that an
axis named by an override or outage exists, that the run has a horizon and something to measure.
`problems` lists every such error, one line each, without building a simulation; the commands
print them joined on one line (`lienthong simulate`, `lienthong sweep`).
"""

from __future__ import annotations

from sim.inputs import SimInput, SimInputError
from sim.timeframe import TimeFrame
from topology.agencies import NATIONAL_AXIS
from topology.build import Topology


class Lookup:
    """Names a scenario may refer to in one topology: agency codes and axis names."""

    def __init__(self, topology: Topology) -> None:
        self.by_code = topology.network.by_code
        self.axis_names = list(topology.network.axes)

    def agency_problem(self, code: str, key: str) -> str | None:
        """Why `code` (read from scenario key `key`) names no connected agency, or None."""
        agency = self.by_code.get(code)
        if agency is None:
            return f"{key}: no agency with code {code!r} in this topology"
        if not agency.connected:
            return f"{key}: agency {code!r} is not connected in this rollout"
        return None


def problems(inp: SimInput, topology: Topology) -> list[str]:
    """Every cross-reference error of the scenario, in the order of its sections."""
    found: list[str] = []
    try:
        TimeFrame.of(inp)
    except ValueError as error:  # SimInputError included
        found.append(str(error))
    if inp.traffic is not None and inp.demand.scale != 1.0:
        found.append(f"demand.scale: {inp.demand.scale:g} has no effect with [traffic] (its "
                     "flows replace the calendar's demand): scale traffic.rate_per_s instead")
    lookup = Lookup(topology)
    found += [f"axis.overrides: no axis named {name!r} (e.g. {NATIONAL_AXIS!r}, 'axis:H01')"
              for name in sorted(set(inp.axis.overrides) - set(lookup.axis_names))]
    for source in inp.sources:
        found += source.problems(lookup)
    for outage in inp.failures.outages:
        found += outage.problems(lookup.axis_names)
    return found


def check(inp: SimInput, topology: Topology) -> None:
    """Raise `SimInputError` naming every problem (joined on one line), if any."""
    found = problems(inp, topology)
    if found:
        raise SimInputError("; ".join(found))
