"""The agencies of the four government levels, each with its code, parent, place and axis.

Built from the real administrative units (`admin_units`) and the central bodies list (`central`),
with the number of departments and divisions per unit from the scenario. Who is connected is
decided later by `rollout`; here every agency that exists is listed, in a fixed order, so that
indices are stable for a given structure and configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from topology.admin_units import AdminStructure, load_structure
from topology.central import central_bodies, platform_bodies
from topology.codes import CodeError, Form, fits_qcvn102, format_code
from topology.config import KIND_LEVEL, TopologyConfig
from topology.errors import TopologyError

NATIONAL_AXIS = "axis:national"


@dataclass(slots=True)
class Agency:
    """One agency's document system: a potential connection to the axis."""

    index: int
    code: str
    name: str
    kind: str
    parent: int | None
    """Index of the agency it reports to (a department to its ministry or People's Committee,
    a commune to its district's or, from 2025, its province's committee); None at the top."""
    province: int | None
    """H-number of its province, None for central agencies."""
    axis: str
    """The axis node it attaches to: the national axis, its province's axis or its ministry's."""
    lat: float
    lon: float
    connected: bool = False

    @property
    def level(self) -> int:
        return KIND_LEVEL[self.kind]


def province_axis(number: int) -> str:
    return f"axis:H{number:02d}"


def ministry_axis(body: str) -> str:
    return f"axis:{body}"


class _Builder:
    """Appends agencies in order and assigns codes in the right form."""

    def __init__(self) -> None:
        self.agencies: list[Agency] = []

    def add(self, body: str, path: tuple[int, ...], name: str, kind: str, parent: int | None,
            province: int | None, axis: str, lat: float, lon: float,
            form: Form | None = None) -> int:
        if form is None:
            form = "qcvn102" if fits_qcvn102(path) else "2025"
        if form == "2025" and not 1 <= len(path) <= 2:
            raise TopologyError(f"{name}: unit path {path} fits neither code layout")
        try:
            code = format_code(form, body, path)
        except CodeError as error:
            raise TopologyError(
                f"{name}: {error}; lower the departments or divisions per unit"
            ) from None
        index = len(self.agencies)
        self.agencies.append(Agency(index, code, name, kind, parent, province, axis, lat, lon))
        return index


def _add_central(builder: _Builder, config: TopologyConfig) -> None:
    bodies = central_bodies(config.structure)
    platforms = set(platform_bodies(config.structure, config.ministry_platforms))
    lat, lon = config.national_axis_lat, config.national_axis_lon
    for body in bodies:
        axis = (ministry_axis(body.code) if body.code in platforms
                else NATIONAL_AXIS)
        top = builder.add(body.code, (), body.name, "central_body", None, None, axis, lat, lon)
        for number in range(1, config.central_departments + 1):
            builder.add(body.code, (number,), f"Vụ/Cục {number:02d}, {body.name}",
                        "central_department", top, None, axis, lat, lon)


def _add_local(builder: _Builder, structure: AdminStructure, config: TopologyConfig) -> None:
    departments = config.departments_per_province()
    for province in structure.provinces:
        body = f"H{province.number:02d}"
        axis = province_axis(province.number)
        here = (province.number, axis)
        committee = builder.add(body, (), f"UBND {province.name}", "province_committee", None,
                                *here, province.lat, province.lon)
        for number in range(1, departments + 1):
            builder.add(body, (number,), f"Sở/ngành {number:02d}, {province.name}",
                        "province_department", committee, *here, province.lat, province.lon)
        for offset, district in enumerate(province.districts, start=departments + 1):
            d_lat = district.lat if district.lat is not None else province.lat
            d_lon = district.lon if district.lon is not None else province.lon
            district_committee = builder.add(body, (offset,), f"UBND {district.name}",
                                             "district_committee", committee, *here, d_lat, d_lon)
            for number in range(1, config.district_divisions + 1):
                builder.add(body, (offset, number), f"Phòng {number:02d}, {district.name}",
                            "district_division", district_committee, *here, d_lat, d_lon)
            for sub, commune in enumerate(district.communes, start=config.district_divisions + 1):
                builder.add(body, (offset, sub), f"UBND {commune.name}", "commune_committee",
                            district_committee, *here,
                            commune.lat if commune.lat is not None else d_lat,
                            commune.lon if commune.lon is not None else d_lon)
        for offset, commune in enumerate(province.communes, start=departments + 1):
            c_lat = commune.lat if commune.lat is not None else province.lat
            c_lon = commune.lon if commune.lon is not None else province.lon
            commune_committee = builder.add(body, (offset,), f"UBND {commune.name}",
                                            "commune_committee", committee, *here, c_lat, c_lon,
                                            form="2025")
            for number in range(1, config.commune_divisions + 1):
                builder.add(body, (offset, number), f"Bộ phận {number:02d}, {commune.name}",
                            "commune_division", commune_committee, *here, c_lat, c_lon,
                            form="2025")


def build_agencies(config: TopologyConfig) -> tuple[AdminStructure, list[Agency]]:
    """Every agency of the structure, central first, then province by province."""
    structure = load_structure(config.structure)
    builder = _Builder()
    _add_central(builder, config)
    _add_local(builder, structure, config)
    return structure, builder.agencies
