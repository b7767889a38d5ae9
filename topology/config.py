"""Typed, strict configuration of the network: structure, rollout, demand and calendar.

These are the scenario sections that `topology` owns. They are pydantic models with
`extra="forbid"`, so an unknown key in a scenario file is an error rather than a silent default;
`lienthong.scenario` composes them with the simulator's and load test's sections and turns
validation errors into one line naming the file and key.

Defaults come from ../shared/DOMAIN.md; each says where it comes from or that it is an assumption.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from topology.strict import StrictModel
from topology.uptake import Uptake

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=999)]

AGENCY_KINDS: tuple[str, ...] = (
    "central_body",
    "central_department",
    "province_committee",
    "province_department",
    "district_committee",
    "district_division",
    "commune_committee",
    "commune_division",
)
"""Every kind of agency, in level order. Coverage and demand are given per kind."""

KIND_LEVEL: dict[str, int] = {
    "central_body": 1,
    "central_department": 1,
    "province_committee": 2,
    "province_department": 2,
    "district_committee": 3,
    "district_division": 3,
    "commune_committee": 4,
    "commune_division": 4,
}
"""Government level of each kind: 1 central, 2 province, 3 district, 4 commune."""


class PerKind(StrictModel):
    """One non-negative number per kind of agency."""

    central_body: NonNegative = 0.0
    central_department: NonNegative = 0.0
    province_committee: NonNegative = 0.0
    province_department: NonNegative = 0.0
    district_committee: NonNegative = 0.0
    district_division: NonNegative = 0.0
    commune_committee: NonNegative = 0.0
    commune_division: NonNegative = 0.0

    def get(self, kind: str) -> float:
        return float(getattr(self, kind))


class Coverage(StrictModel):
    """Share of the agencies of each kind that are connected to the axis (0 to 1)."""

    central_body: Fraction = 0.0
    central_department: Fraction = 0.0
    province_committee: Fraction = 0.0
    province_department: Fraction = 0.0
    district_committee: Fraction = 0.0
    district_division: Fraction = 0.0
    commune_committee: Fraction = 0.0
    commune_division: Fraction = 0.0

    def get(self, kind: str) -> float:
        return float(getattr(self, kind))


ROLLOUT_PRESETS: dict[str, dict[str, float]] = {
    # 12 Mar 2019: 95 connection points at 2 levels - the central bodies (ministries,
    # ministerial-level and government agencies, National Assembly Office, Party Central Office)
    # and the 63 provinces (DOMAIN.md, "The system being planned"). The provincial departments
    # reach the axis through their province's LGSP.
    "2019": {
        "central_body": 1.0,
        "province_committee": 1.0,
        "province_department": 1.0,
    },
    # Feb 2020 national target: 100% of documents exchanged electronically across all 4 levels.
    "2020-target": {kind: 1.0 for kind in AGENCY_KINDS},
}


class TopologyConfig(StrictModel):
    """Which administrative structure, how many bodies per unit, where axes sit, link figures."""

    structure: Literal["pre2025", "2025"] = "pre2025"
    central_departments: Count = Field(
        default=12,
        description="Departments (vu, cuc, tong cuc) per central body. Assumption: DOMAIN.md "
        "gives no count; ministries have roughly 10-30 units.",
    )
    province_departments: Count | None = Field(
        default=None,
        description="Departments (so, nganh) per province. Default: 19 before 2025 (DOMAIN.md: "
        "17-21), 13 from 2025 (12-15).",
    )
    district_divisions: Count = Field(
        default=12, description="Divisions (phong) per district. DOMAIN.md: 12-13."
    )
    commune_divisions: Count = Field(
        default=0,
        description="Divisions per commune, only in the 2025 structure (optional there).",
    )
    ministry_platforms: list[str] = Field(
        default_factory=list,
        description="Level-1 codes (e.g. 'G12') of central bodies that run their own platform, "
        "or ['all']; their departments attach to it instead of the national axis, so traffic "
        "inside the ministry stays off the national axis.",
    )
    national_axis_lat: float = Field(default=21.0278, ge=8.0, le=24.0)
    national_axis_lon: float = Field(default=105.8342, ge=102.0, le=110.0)
    link_base_latency_ms: NonNegative = Field(
        default=2.0, description="Fixed latency per link (assumption: routers, TLS)."
    )
    link_latency_ms_per_100km: NonNegative = Field(
        default=1.0,
        description="Added per 100 km of great-circle distance (fibre about 0.5 ms/100 km one "
        "way; doubled for indirect routing; assumption).",
    )
    link_bandwidth_mbps: Positive = Field(default=100.0, description="Per link (assumption).")
    link_latency_override_ms: dict[str, NonNegative] = Field(
        default_factory=dict,
        description="Latency of the link from a provincial or ministry axis to the national "
        "axis, by axis name (e.g. 'axis:H41'), replacing the distance-derived value.",
    )

    @model_validator(mode="after")
    def _commune_divisions_only_after_2025(self) -> TopologyConfig:
        if self.commune_divisions and self.structure != "2025":
            raise ValueError(
                "commune_divisions is only possible in the '2025' structure "
                f"(structure is {self.structure!r})"
            )
        return self

    def departments_per_province(self) -> int:
        if self.province_departments is not None:
            return self.province_departments
        return 19 if self.structure == "pre2025" else 13


class RolloutConfig(StrictModel):
    """Who is connected: a preset and/or coverage per kind, drawn from the seed."""

    preset: Literal["none", "2019", "2020-target"] = "none"
    coverage: dict[str, Fraction] = Field(
        default_factory=dict,
        description="Coverage per agency kind (0-1), overriding the preset's value for that kind.",
    )

    @field_validator("preset", mode="before")
    @classmethod
    def _year_as_text(cls, value: object) -> object:
        # `--set rollout.preset=2019` reads 2019 as a number; the preset is its name.
        return str(value) if isinstance(value, int) else value

    @field_validator("coverage")
    @classmethod
    def _known_kinds(cls, value: dict[str, float]) -> dict[str, float]:
        for kind in value:
            if kind not in AGENCY_KINDS:
                raise ValueError(f"unknown agency kind {kind!r}; expected one of {AGENCY_KINDS}")
        return value

    def resolved(self) -> Coverage:
        base = dict(ROLLOUT_PRESETS.get(self.preset, {}))
        base.update(self.coverage)
        return Coverage(**base)


class Routing(StrictModel):
    """Where documents go, as shares of documents: down the hierarchy, up to the parent, across."""

    down: Fraction = 0.45
    up: Fraction = 0.30
    across: Fraction = 0.25

    @model_validator(mode="after")
    def _sums_to_one(self) -> Routing:
        total = self.down + self.up + self.across
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"down + up + across must be 1, got {total:g}")
        return self


class PriorityMix(StrictModel):
    """Share of documents per envelope priority (OtherInfo/Priority 0-3). Assumption."""

    normal: Fraction = 0.85
    urgent: Fraction = 0.10
    very_urgent: Fraction = 0.04
    flash: Fraction = 0.01

    @model_validator(mode="after")
    def _sums_to_one(self) -> PriorityMix:
        total = self.normal + self.urgent + self.very_urgent + self.flash
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"priority shares must sum to 1, got {total:g}")
        return self

    def shares(self) -> tuple[float, float, float, float]:
        return (self.normal, self.urgent, self.very_urgent, self.flash)


class DocumentSize(StrictModel):
    """Log-normal package size (signed PDF plus XML envelope, base64). Assumption."""

    median_kb: Positive = 250.0
    sigma: NonNegative = 1.0
    max_kb: Positive = 20_000.0

    @model_validator(mode="after")
    def _median_below_max(self) -> DocumentSize:
        if self.median_kb > self.max_kb:
            raise ValueError(f"median_kb ({self.median_kb:g}) exceeds max_kb ({self.max_kb:g})")
        return self


class GrowthPoint(StrictModel):
    """Demand multiplier at a date; the simulator interpolates linearly between points."""

    date: dt.date
    factor: NonNegative


def _default_documents_per_day() -> PerKind:
    # Documents sent per agency per working day, all destinations. A provincial department
    # (Agriculture, Tien Giang) sent 4,859 documents from 1 Jan to mid-Nov 2019, about 22 per
    # working day (DOMAIN.md, "Per-agency volumes"); the other kinds are scaled from it by
    # assumption (a committee sends more than one of its divisions, a commune fewer).
    return PerKind(
        central_body=40.0,
        central_department=8.0,
        province_committee=40.0,
        province_department=22.0,
        district_committee=15.0,
        district_division=4.0,
        commune_committee=4.0,
        commune_division=1.0,
    )


def _default_volume_sigma() -> PerKind:
    # Assumption: log-normal spread of agencies' volumes within a kind (sigma of the log). 1.0
    # for central bodies (the Government Office and the big ministries send several times what
    # a small agency does: Ministry of Finance headquarters alone receives about 1,430 documents
    # a working day, DOMAIN.md), 0.8 for departments and divisions (a tax or planning
    # department against an archive), 0.6 for provinces, 0.5 for districts and communes (sized
    # by population, which varies about that much). Weakly grounded: see docs/simulation.md.
    return PerKind(central_body=1.0, central_department=0.8, province_committee=0.6,
                   province_department=0.8, district_committee=0.5, district_division=0.8,
                   commune_committee=0.5, commune_division=0.8)


class DemandVolumes(StrictModel):
    """How unlike the agencies of one kind are (topology/volumes.py)."""

    sigma: PerKind = Field(
        default_factory=_default_volume_sigma,
        description="Log-normal sigma of each agency's volume multiplier, per kind (0: alike). "
        "Each kind's mean is kept. Assumption.",
    )
    heaviest: list[str] = Field(
        default_factory=lambda: ["G22", "G12"],
        description="Level-1 codes of the central bodies given the largest draws, in order "
        "(Government Office, Ministry of Finance); then the other ministries.",
    )


class DemandConfig(StrictModel):
    """How much each agency sends, to whom, how urgent and how large."""

    documents_per_day: PerKind = Field(default_factory=_default_documents_per_day)
    routing: Routing = Field(default_factory=Routing)
    mean_recipients: Annotated[float, Field(ge=1.0, le=100.0)] = Field(
        default=2.99,
        description="Mean recipients per document: 488,165 received / 163,107 sent on the "
        "national axis, 12 Mar - 30 Sep 2019 (DOMAIN.md). The recipient-count distribution "
        "is tuned so the network-wide mean matches it.",
    )
    max_recipients: Annotated[int, Field(ge=1, le=100_000)] = 64
    priority: PriorityMix = Field(default_factory=PriorityMix)
    size: DocumentSize = Field(default_factory=DocumentSize)
    volumes: DemandVolumes = Field(default_factory=DemandVolumes)
    growth: list[GrowthPoint] = Field(
        default_factory=list,
        description="Demand multiplier over time as dated points (linear between, flat beyond); "
        "empty means 1 throughout.",
    )
    uptake: Uptake | None = Field(
        default=None,
        description="Demand multiplier over time as a curve that levels off: adoption per "
        "connection x connection points (topology/uptake.py); multiplies `growth`.",
    )
    scale: Positive = Field(default=1.0, description="Multiplies every rate (what-if load).")

    @field_validator("growth")
    @classmethod
    def _growth_in_date_order(cls, value: list[GrowthPoint]) -> list[GrowthPoint]:
        dates = [point.date for point in value]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("growth points must have strictly increasing dates")
        return value

    @model_validator(mode="after")
    def _max_at_least_mean(self) -> DemandConfig:
        if self.max_recipients < self.mean_recipients:
            raise ValueError(
                f"max_recipients ({self.max_recipients}) is below mean_recipients "
                f"({self.mean_recipients:g})"
            )
        return self


_PERIOD = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def parse_period(text: str) -> tuple[int, int]:
    """'07:30-11:30' -> (27000, 41400) seconds after midnight; raises ValueError if malformed."""
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(f"working period {text!r} is not of the form HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if end <= start or end > 86400:
        raise ValueError(f"working period {text!r} ends before it starts")
    return start, end


class ReportingBursts(StrictModel):
    """Decree 09/2019 reporting windows: upward bursts after the 15th, larger at quarter end."""

    first_day: Annotated[int, Field(ge=1, le=31)] = 15
    last_day: Annotated[int, Field(ge=1, le=31)] = 20
    factor: Annotated[float, Field(ge=0.0, le=100.0)] = 1.3
    quarter_end_factor: Annotated[float, Field(ge=0.0, le=100.0)] = 1.6

    @model_validator(mode="after")
    def _days_ordered(self) -> ReportingBursts:
        if self.last_day < self.first_day:
            raise ValueError(f"last_day ({self.last_day}) before first_day ({self.first_day})")
        return self


CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
"""A time of day, HH:MM (00:00-23:59): day-profile keys, `simulation.start_at`."""


def _default_day_profile() -> dict[str, float]:
    # Assumption (no published timings): documents are signed and sent in waves, a morning peak
    # once the leaders have signed (09:00-10:30) and a larger afternoon one as the day's
    # documents go out before closing (Decree 28/2018: sent the day they are signed), quiet at
    # the start of each period and before lunch. Relative weights, each from its time to the
    # next; normalised so the day's total is unchanged. Peak-to-mean 1.45 over 07:30-17:00.
    return {"07:30": 0.5, "08:30": 1.1, "09:00": 1.5, "10:30": 1.0, "11:00": 0.6,
            "13:00": 0.5, "14:00": 1.0, "15:00": 1.5, "16:30": 0.9}


class CalendarConfig(StrictModel):
    """Working time: when documents are sent (Decree 30/2020 working hours, Mon-Fri)."""

    start: dt.date = dt.date(2020, 6, 1)
    end: dt.date | None = Field(
        default=None, description="Last simulated day (inclusive); default: start only."
    )
    work_periods: list[str] = Field(default_factory=lambda: ["07:30-11:30", "13:00-17:00"])
    working_weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4], description="0 = Monday"
    )
    holidays: list[dt.date] = Field(default_factory=list)
    reporting: ReportingBursts = Field(default_factory=ReportingBursts)
    day_profile: dict[str, NonNegative] = Field(
        default_factory=_default_day_profile,
        description="Within-day shape of sending: relative weight from each time of day "
        "('HH:MM') to the next (the first also holds before it); {} is flat. Default: a "
        "morning and an afternoon peak (assumption). The day's total is unchanged.",
    )

    @field_validator("day_profile")
    @classmethod
    def _profile_valid(cls, value: dict[str, float]) -> dict[str, float]:
        for key in value:
            if not CLOCK.match(key):
                raise ValueError(f"day_profile time {key!r} is not of the form HH:MM")
        return dict(sorted(value.items()))

    @field_validator("work_periods")
    @classmethod
    def _periods_valid(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one working period is needed")
        spans = sorted(parse_period(text) for text in value)
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                raise ValueError("working periods overlap")
        return value

    @model_validator(mode="after")
    def _end_after_start(self) -> CalendarConfig:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        self.profile_segments()  # a profile with no weight in working time is an error
        return self

    def periods_seconds(self) -> list[tuple[int, int]]:
        return sorted(parse_period(text) for text in self.work_periods)

    def profile_segments(self) -> list[list[tuple[int, int, float]]]:
        """Per working period, its (start, end, weight) pieces in seconds of the day, weights
        normalised to a mean of 1 over the working time (flat: one piece of weight 1)."""
        periods = self.periods_seconds()
        steps = [(int(k[:2]) * 3600 + int(k[3:]) * 60, w) for k, w in self.day_profile.items()]
        if not steps:
            return [[(a, b, 1.0)] for a, b in periods]

        def weight_at(t: int) -> float:
            current = steps[0][1]
            for at, w in steps:
                if at <= t:
                    current = w
            return current

        pieces = []
        for a, b in periods:
            cuts = sorted({a, b, *(at for at, _ in steps if a < at < b)})
            pieces.append([(lo, hi, weight_at(lo)) for lo, hi in itertools.pairwise(cuts)])
        total = sum((hi - lo) * w for period in pieces for lo, hi, w in period)
        if total <= 0:
            raise ValueError("day_profile: every working period has weight 0")
        mean = total / sum(b - a for a, b in periods)
        return [[(lo, hi, w / mean) for lo, hi, w in period] for period in pieces]

    def peak_to_mean(self) -> float:
        """Highest rate of the day's profile over its mean over the working time."""
        return max(w for period in self.profile_segments() for _, _, w in period)


class DeliveryConfig(StrictModel):
    """How recipients learn of documents: polling every T seconds, long polling, or push."""

    mode: Literal["poll", "long_poll", "push"] = "poll"
    poll_interval_s: Positive = 60.0
    long_poll_timeout_s: Positive = 30.0
    registration_delay_s: NonNegative = Field(
        default=600.0, description="Mean time from fetch to status 03 (registered)."
    )
    acknowledge: bool = Field(
        default=True, description="Recipients acknowledge each fetched delivery (an ack request)."
    )
    status_messages: bool = Field(
        default=True, description="Recipients send status 01 on fetch and 03 after registration."
    )
    status_size_kb: Positive = Field(
        default=4.0, description="Size of an edXML status package (assumption)."
    )
