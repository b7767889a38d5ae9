"""Outage kinds: one small class per kind of scheduled failure, each with its own strict config.

Joined by the discriminated union `sim.config.Outage` on `kind`; an entry without `kind` is an
axis outage if it names `axis`, a link outage if it names `link` (the format before kinds), so
existing scenario files keep loading. Each kind

- names what it cannot resolve (`problems(axis_names)`, gathered with every other error by
  sim/checks.py), and
- adds its down windows to the run's `OutagePlan` (`plan(...)`), which sim/failures.py merges and
  the network applies (an axis refuses requests, a link refuses relays).

A new kind (the federation adds `kill` and `pause`) is a new class here, added to the union and,
if it acts on something new, a new table in `OutagePlan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag

from topology.agencies import NATIONAL_AXIS
from topology.config import StrictModel

NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Spans = list[tuple[float, float]]


@dataclass
class OutagePlan:
    """Scheduled (down, up) windows by what they act on, in simulated seconds."""

    axes: dict[str, Spans] = field(default_factory=dict)
    """By axis name: the axis refuses every request."""
    links: dict[str, Spans] = field(default_factory=dict)
    """By the non-national axis of a link to the national axis: relays across it fail."""


class AxisOutage(StrictModel):
    """One axis is down (`axis = "axis:H01"`) from `start_s` for `duration_s`: it refuses every
    request; senders and relaying axes retry with back-off."""

    kind: Literal["axis"] = Field(default="axis", exclude=True)
    axis: str
    start_s: NonNegative
    duration_s: Positive

    def problems(self, axis_names: list[str]) -> list[str]:
        if self.axis in axis_names:
            return []
        return [f"failures.outages.axis: no axis named {self.axis!r} "
                f"(e.g. {NATIONAL_AXIS!r}, 'axis:H01')"]

    def plan(self, plan: OutagePlan, start: float) -> None:
        down = start + self.start_s
        plan.axes.setdefault(self.axis, []).append((down, down + self.duration_s))


class LinkOutage(StrictModel):
    """The link between a provincial or ministry axis and the national axis
    (`link = "axis:H01"`) is cut: relays across it, either way, retry with back-off."""

    kind: Literal["link"] = Field(default="link", exclude=True)
    link: str
    start_s: NonNegative
    duration_s: Positive

    def problems(self, axis_names: list[str]) -> list[str]:
        if self.link in axis_names and self.link != NATIONAL_AXIS:
            return []
        return [f"failures.outages.link: {self.link!r} is not a provincial or ministry axis "
                "(its link to the national axis), e.g. 'axis:H01'"]

    def plan(self, plan: OutagePlan, start: float) -> None:
        down = start + self.start_s
        plan.links.setdefault(self.link, []).append((down, down + self.duration_s))


def outage_kind(value: Any) -> str | None:
    """The tag of an outage entry: its `kind`, else inferred from the one target it names."""
    if not isinstance(value, dict):
        return getattr(value, "kind", None)
    if "kind" in value:
        return value["kind"]
    if ("axis" in value) != ("link" in value):
        return "axis" if "axis" in value else "link"
    return None


Outage = Annotated[
    Annotated[AxisOutage, Tag("axis")] | Annotated[LinkOutage, Tag("link")],
    Discriminator(outage_kind, custom_error_type="outage_kind",
                  custom_error_message="an outage names exactly one of axis or link (or a "
                  "kind: 'axis' or 'link')"),
]
"""Every outage kind, chosen by `kind` (sim.config.FailureConfig.outages)."""
