"""Central bodies (ministries, ministerial-level and government agencies, offices) per structure.

The list is a small documented data file, `topology/data/central_bodies.toml`, so that a planner
can read and correct it without touching code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from topology.errors import TopologyError


@dataclass(frozen=True, slots=True)
class CentralBody:
    code: str
    """Level-1 code, e.g. 'G12'."""
    name: str
    kind: str
    """ministry, ministerial, government_agency, party or other."""


@lru_cache(maxsize=2)
def central_bodies(structure: str) -> tuple[CentralBody, ...]:
    data = tomllib.loads(resources.files("topology").joinpath("data/central_bodies.toml")
                         .read_text(encoding="utf-8"))
    if structure not in data:
        raise TopologyError(f"no central bodies listed for structure {structure!r}")
    bodies = tuple(CentralBody(**entry) for entry in data[structure])
    codes = [body.code for body in bodies]
    if len(set(codes)) != len(codes):
        raise TopologyError(f"duplicate central body codes in structure {structure!r}")
    return bodies


def platform_bodies(structure: str, listed: list[str]) -> list[str]:
    """The central bodies with their own platform: `listed` as given, or every body for
    ['all']; an unknown code is a TopologyError naming it."""
    codes = [body.code for body in central_bodies(structure)]
    if "all" in listed:
        return codes
    unknown = sorted(set(listed) - set(codes))
    if unknown:
        raise TopologyError(
            f"topology.ministry_platforms: {unknown} are not central bodies of the "
            f"{structure} structure"
        )
    return list(listed)
