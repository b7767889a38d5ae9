"""The real administrative units of Vietnam, from the `vietnamadminunits` package.

Two structures: `pre2025` (63 provinces, 696 districts, 10,035 communes, as of 1 Mar 2025) and
`2025` (34 provinces, 3,321 communes, no district level, from 1 Jul 2025). The package ships both
with coordinates; this module turns its rows into small frozen records, once per process.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from vietnamadminunits.database import get_data

from topology.errors import TopologyError

_TABLES = {"pre2025": "admin_units_legacy", "2025": "admin_units"}

# Official names the package shortens or has since renamed; used only to order provinces for
# their H-codes (see `province_number`).
_OFFICIAL_SORT_NAME = {"Huế": "Thừa Thiên Huế"}

_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"


@dataclass(frozen=True, slots=True)
class Commune:
    code: str
    name: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name: str
    lat: float | None
    lon: float | None
    communes: tuple[Commune, ...]


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    number: int
    """Position in Vietnamese alphabetical order, 1-based: the `nn` of its H-code."""
    lat: float
    lon: float
    districts: tuple[District, ...]
    """Empty in the 2025 structure, where communes sit directly under the province."""
    communes: tuple[Commune, ...]
    """Only in the 2025 structure."""


@dataclass(frozen=True, slots=True)
class AdminStructure:
    name: str
    provinces: tuple[Province, ...]

    @property
    def district_count(self) -> int:
        return sum(len(p.districts) for p in self.provinces)

    @property
    def commune_count(self) -> int:
        return sum(len(p.communes) + sum(len(d.communes) for d in p.districts)
                   for p in self.provinces)


def vietnamese_sort_key(name: str) -> tuple[int, ...]:
    """Order by the Vietnamese alphabet (a ă â b c d đ ...), ignoring tone marks."""
    key = []
    for char in name.lower():
        decomposed = unicodedata.normalize("NFD", char)
        # keep the letter-forming marks (breve, circumflex, horn), drop tones
        kept = "".join(c for c in decomposed if not unicodedata.combining(c)
                       or c in "\u0306\u0302\u031b")
        letter = unicodedata.normalize("NFC", kept)
        key.append(_ALPHABET.index(letter) + 1 if letter in _ALPHABET else 0)
    return tuple(key)


def province_number_order(names: list[str]) -> list[str]:
    """Province names in H-code order: Vietnamese alphabetical order of the official name.

    This reproduces the published code of Nghe An (H41) in the pre-2025 list; the other numbers
    follow the same rule but were not checked against the official register.
    """
    return sorted(names, key=lambda n: vietnamese_sort_key(_OFFICIAL_SORT_NAME.get(n, n)))


def _coordinate(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


@lru_cache(maxsize=2)
def load_structure(structure: str) -> AdminStructure:
    """Load one structure; cached, since every build of the network starts here."""
    if structure not in _TABLES:
        raise TopologyError(f"unknown structure {structure!r}; expected one of {list(_TABLES)}")
    rows = get_data(table=_TABLES[structure])
    province_rows: dict[str, dict] = {}
    districts: dict[str, dict[str, list]] = {}
    district_rows: dict[tuple[str, str], dict] = {}
    communes_direct: dict[str, list[Commune]] = {}
    seen_communes: set[str] = set()
    for row in rows:
        pcode = row["provinceCode"]
        province_rows.setdefault(pcode, row)
        commune = None
        if row.get("wardCode") and row["wardCode"] not in seen_communes:
            seen_communes.add(row["wardCode"])
            commune = Commune(row["wardCode"], row["ward"], _coordinate(row.get("wardLat")),
                              _coordinate(row.get("wardLon")))
        if structure == "pre2025":
            dcode = row["districtCode"]
            district_rows.setdefault((pcode, dcode), row)
            bucket = districts.setdefault(pcode, {}).setdefault(dcode, [])
            if commune is not None:
                bucket.append(commune)
        elif commune is not None:
            communes_direct.setdefault(pcode, []).append(commune)
    order = province_number_order([r["provinceShort"] for r in province_rows.values()])
    number = {name: i + 1 for i, name in enumerate(order)}
    provinces = []
    for pcode, prow in sorted(province_rows.items()):
        district_list = tuple(
            District(dcode, district_rows[(pcode, dcode)]["district"],
                     _coordinate(district_rows[(pcode, dcode)].get("districtLat")),
                     _coordinate(district_rows[(pcode, dcode)].get("districtLon")),
                     tuple(sorted(communes, key=lambda c: c.code)))
            for dcode, communes in sorted(districts.get(pcode, {}).items())
        )
        provinces.append(Province(
            code=pcode, name=prow["province"], number=number[prow["provinceShort"]],
            lat=float(prow["provinceLat"]), lon=float(prow["provinceLon"]),
            districts=district_list,
            communes=tuple(sorted(communes_direct.get(pcode, []), key=lambda c: c.code)),
        ))
    provinces.sort(key=lambda p: p.number)
    return AdminStructure(structure, tuple(provinces))
