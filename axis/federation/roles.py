"""Axis roles: which neighbour, if any, a package for a given recipient goes to.

A role is a small class in `ROLES`, chosen with `--role`. Routing follows from the recipient's
code (its level-1 body, `codes.level1_body`) and the neighbours this axis was given, never from a
hand-kept table of agencies:

- `standalone` (the default): a single axis that serves everyone it has registered.
- `provincial` (region Hnn): serves its province's bodies (Hnn and the People's Council Knn);
  everything else goes to the upstream (national) axis.
- `platform` (region Gnn): a ministry's platform; serves that ministry's codes, the rest upstream.
- `national`: passes a package on to the axis of the recipient's region when it has one as a
  downstream neighbour, and delivers to every other body itself (the central bodies it serves).

Each axis has a code of its own (`axis.H41`, `axis.national`) under which it is a registered
system of its neighbours, exactly as an agency is of its axis: it signs what it forwards with its
own secret, and a neighbour's relayed package is accepted only for senders that neighbour serves.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import ClassVar
from urllib.parse import urlsplit

from axis.federation.codes import REGION, level1_body, region_of_body

NATIONAL_CODE = "axis.national"


def axis_code(region: str) -> str:
    """The code a regional axis has in its neighbours' directories."""
    return f"axis.{region}"


class RoleError(ValueError):
    """Options that do not make a valid role; the message names the option."""


def _check_url(option: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RoleError(f"{option} {url!r}: expected http(s)://host:port")
    return url.rstrip("/")


class Role(abc.ABC):
    """What an axis does with a recipient it does not serve itself."""

    name: ClassVar[str]

    def __init__(self, region: str | None, upstream: str | None,
                 downstream: Mapping[str, str]) -> None:
        self.region = region
        self.peers: dict[str, str] = {}
        """Neighbour code -> base URL: where packages for that neighbour are forwarded."""

    @property
    @abc.abstractmethod
    def code(self) -> str | None:
        """This axis's own code at its neighbours (None: it has no neighbours)."""

    @abc.abstractmethod
    def route(self, recipient: str) -> str | None:
        """The neighbour that a package for `recipient` goes to; None to deliver it here."""

    def is_peer(self, code: str) -> bool:
        return code in self.peers

    def accepts_relay(self, peer: str, sender: str) -> bool:
        """A neighbour may relay packages only from senders on its side of this axis."""
        return self.route(sender) == peer

    @property
    def federated(self) -> bool:
        """Part of a federation (any role but standalone), even before it has neighbours."""
        return self.code is not None


ROLES: dict[str, type[Role]] = {}


def register(cls: type[Role]) -> type[Role]:
    ROLES[cls.name] = cls
    return cls


def make_role(name: str, region: str | None = None, upstream: str | None = None,
              downstream: Mapping[str, str] | None = None) -> Role:
    if name not in ROLES:
        raise RoleError(f"--role {name!r}: expected one of {', '.join(ROLES)}")
    return ROLES[name](region, upstream, downstream or {})


@register
class Standalone(Role):
    """One axis for everyone: no neighbours, every recipient must be registered here."""

    name = "standalone"

    def __init__(self, region: str | None, upstream: str | None,
                 downstream: Mapping[str, str]) -> None:
        if region or upstream or downstream:
            raise RoleError("--region, --upstream and --downstream need --role "
                            "provincial, platform or national")
        super().__init__(region, upstream, downstream)

    @property
    def code(self) -> str | None:
        return None

    def route(self, recipient: str) -> str | None:
        return None


class _Regional(Role):
    """An axis serving one region's codes and sending everything else upstream."""

    letter: ClassVar[str]

    def __init__(self, region: str | None, upstream: str | None,
                 downstream: Mapping[str, str]) -> None:
        if not region or not REGION.match(region) or region[0] != self.letter:
            raise RoleError(f"--role {self.name} needs --region {self.letter}nn "
                            f"(got {region!r})")
        if not upstream:
            raise RoleError(f"--role {self.name} needs --upstream URL (the national axis)")
        if downstream:
            raise RoleError(f"--downstream is for --role national, not {self.name}")
        super().__init__(region, upstream, downstream)
        self.peers[NATIONAL_CODE] = _check_url("--upstream", upstream)
        self._code = axis_code(region)

    @property
    def code(self) -> str | None:
        return self._code

    def route(self, recipient: str) -> str | None:
        body = level1_body(recipient)
        if body is None or region_of_body(body) == self.region:
            return None
        return NATIONAL_CODE


@register
class Provincial(_Regional):
    name = "provincial"
    letter = "H"


@register
class Platform(_Regional):
    name = "platform"
    letter = "G"


@register
class National(Role):
    """The hub: regions with an axis of their own get their packages relayed there."""

    name = "national"

    def __init__(self, region: str | None, upstream: str | None,
                 downstream: Mapping[str, str]) -> None:
        if region or upstream:
            raise RoleError("--role national takes no --region or --upstream (it is the top)")
        super().__init__(region, upstream, downstream)
        for downstream_region, url in downstream.items():
            if not REGION.match(downstream_region):
                raise RoleError(f"--downstream {downstream_region}=...: the region must be "
                                "Gnn or Hnn")
            self.peers[axis_code(downstream_region)] = _check_url(
                f"--downstream {downstream_region}=", url)

    @property
    def code(self) -> str | None:
        return NATIONAL_CODE

    def route(self, recipient: str) -> str | None:
        body = level1_body(recipient)
        if body is None:
            return None
        peer = axis_code(region_of_body(body))
        return peer if peer in self.peers else None
