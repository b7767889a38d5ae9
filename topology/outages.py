"""Scheduled outages as a scenario names them: one registry of kinds for the simulator and the
load test.

A `[[failures.outages]]` entry names what fails (an axis, or the link between an axis and the
national axis), when (`start_s`, scenario seconds from the start of the run: of the simulated
period, or of sending in a load test, which divides them by its --time-scale like every other
scenario time) and for how long (`duration_s`). Each kind is a small class with its own strict
config, chosen by `kind` (or by the one target an entry names, the format before kinds, so older
scenario files keep loading). The simulator (sim/failures.py) models each kind - an axis refuses
every request, a link refuses every relay across it - and a federated load test
(loadtest/failures.py) plays it on real processes, in one of the ways the kind lists in `plays`
(the first is what a scenario's entry gets): an axis is killed (SIGKILL, restarted on the same
store) or paused (SIGSTOP/SIGCONT), a link's TCP proxy is cut. Both read the entries through this
module, so the names and times are the same by construction; the load test refuses a kind it
has no play for, naming it, rather than running another question than the scenario asks.

The command line spells one outage `PLAY:TARGET@START+DURATION` (`parse_spec`), e.g.
`kill:axis:H21@2400+960` or `cut:link:H21-national@2400+960`; `lienthong simulate --outage` and
`lienthong loadtest --outage` both read it, so one line gives the same failure to both.

A new kind is a new class here (with its `plays`), tagged into `Outage`, with its model in
sim/failures.py (a table in `OutagePlan` if it acts on something new) and its plays in
loadtest/failures.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Field, Tag, ValidationError

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

    plays: ClassVar[tuple[str, ...]] = ("kill", "pause")
    kind: Literal["axis"] = Field(default="axis", exclude=True)
    axis: str
    start_s: NonNegative
    duration_s: Positive

    @property
    def target(self) -> str:
        return self.axis

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

    plays: ClassVar[tuple[str, ...]] = ("cut",)
    kind: Literal["link"] = Field(default="link", exclude=True)
    link: str
    start_s: NonNegative
    duration_s: Positive

    @property
    def target(self) -> str:
        return self.link

    def problems(self, axis_names: list[str]) -> list[str]:
        if self.link in axis_names and self.link != NATIONAL_AXIS:
            return []
        return [f"failures.outages.link: {self.link!r} is not a provincial or ministry axis "
                "(its link to the national axis), e.g. 'axis:H01'"]

    def plan(self, plan: OutagePlan, start: float) -> None:
        down = start + self.start_s
        plan.links.setdefault(self.link, []).append((down, down + self.duration_s))


RETRY_INITIAL_S = 30.0
RETRY_MAX_S = 1200.0
"""The back-off of a sender or relaying axis whose next hop does not answer: `retry_initial_s`,
doubling, capped at `retry_max_s` (scenario seconds; [failures] sets them). The simulator models
every refused request retrying so; a federated load test plays the same schedule, divided by its
--time-scale, in its agency systems' retries and its axes' relay back-off."""


def backoff(initial_s: float, max_s: float, attempt: int) -> float:
    """Delay before retry number `attempt + 1`: initial x 2^attempt, capped at `max_s`."""
    return min(initial_s * 2.0 ** min(attempt, 60), max_s)


def backoff_schedule(initial_s: float, max_s: float) -> list[float]:
    """The distinct delays of the back-off, up to and including the cap (the last repeats):
    30, 60, ..., 960, 1200 for the defaults."""
    delays = [backoff(initial_s, max_s, 0)]
    while delays[-1] < max_s:
        delays.append(backoff(initial_s, max_s, len(delays)))
    return delays


KINDS: dict[str, type[AxisOutage] | type[LinkOutage]] = {"axis": AxisOutage, "link": LinkOutage}
"""Every outage kind by its tag; the simulator and the load test each cover all of them."""


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


class SpecError(ValueError):
    """A command-line outage that does not parse; the message names it and the expected form."""


_SPEC = re.compile(r"^(?P<play>\w+):(?P<kind>axis|link):(?P<target>[\w.:-]+)"
                   r"@(?P<start>\d+(?:\.\d+)?)\+(?P<duration>\d+(?:\.\d+)?)$")
SPEC_FORM = ("PLAY:axis:AXIS@START+DURATION or cut:link:AXIS-national@START+DURATION, in "
             "scenario seconds (e.g. kill:axis:H21@2400+960)")


def _axis_name(text: str) -> str:
    return text if text.startswith("axis:") else f"axis:{text}"


def _link_name(text: str) -> str:
    """`H21-national`, `national-H21`, `H21` or `axis:H21` -> the simulator's `axis:H21`."""
    ends = [part for part in text.removeprefix("axis:").split("-") if part != "national"]
    if len(ends) != 1 or not ends[0]:
        raise SpecError(f"link {text!r}: expected AXIS-national, e.g. H21-national")
    return _axis_name(ends[0])


@dataclass(frozen=True)
class Spec:
    """One outage from the command line: how to play it, and the scenario entry it stands for."""

    play: str
    outage: AxisOutage | LinkOutage


def parse_spec(text: str) -> Spec:
    """'kill:axis:H21@2400+960' -> Spec('kill', AxisOutage(...)); SpecError naming the fault."""
    match = _SPEC.match(text.strip())
    if match is None:
        raise SpecError(f"--outage {text!r}: expected {SPEC_FORM}")
    play, kind = match["play"], match["kind"]
    cls = KINDS[kind]
    if play not in cls.plays:
        raise SpecError(f"--outage {text!r}: {kind} outages are played as "
                        f"{' or '.join(cls.plays)}, not {play!r}")
    try:
        target = _axis_name(match["target"]) if kind == "axis" else _link_name(match["target"])
        entry = {kind: target, "start_s": float(match["start"]),
                 "duration_s": float(match["duration"])}
        return Spec(play, cls.model_validate(entry))
    except SpecError as error:
        raise SpecError(f"--outage {text!r}: {error}") from None
    except ValidationError as error:
        detail = error.errors()[0]
        where = ".".join(str(part) for part in detail["loc"])
        raise SpecError(f"--outage {text!r}: {where}: {detail['msg']}") from None


def spec_text(spec: Spec) -> str:
    """The command-line spelling of a spec (the inverse of `parse_spec`)."""
    outage = spec.outage
    target = outage.target if outage.kind == "axis" else \
        f"{outage.target.removeprefix('axis:')}-national"
    return f"{spec.play}:{outage.kind}:{target}@{outage.start_s:g}+{outage.duration_s:g}"
