"""The level-1 body (`Lnn`) of an agency code: the one part of a code that routing needs.

QCVN 102:2016 writes codes right to left, `ZZZ.YY.XX.Lnn`; since July 2025 commune codes are
written left to right, `Lnn.CCC[.DD]`. In both, `Lnn` names the ministry or central body (G), the
provincial People's Committee (H) or People's Council (K). The axis is a product on its own and
may not import the project's topology package, so this is a small reader of just that part;
tests/axis/test_federation_codes.py pins it to `topology.codes.parse_code`.
"""

from __future__ import annotations

import re

_QCVN102 = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.([GHK]\d{2})$")
_POST2025 = re.compile(r"^([GHK]\d{2})\.\d{3}(?:\.\d{2})?$")
REGION = re.compile(r"^[GH]\d{2}$")
"""What an axis's --region may be: a ministry or central body (G) or a province (H)."""


def level1_body(code: str) -> str | None:
    """'H41' for '000.12.03.H41' or 'H41.151.01'; None for anything that is not such a code."""
    match = _QCVN102.match(code) or _POST2025.match(code)
    if match is None:
        return None
    return match.group(1)


def region_of_body(body: str) -> str:
    """The axis region that serves a body: a provincial People's Council (Knn) is served by its
    province's platform (Hnn); G and H bodies are their own region."""
    return "H" + body[1:] if body.startswith("K") else body
