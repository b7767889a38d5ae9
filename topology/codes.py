"""Agency identifier codes: the 13-character QCVN 102:2016 layout and the post-2025 form.

QCVN 102:2016 (also Decree 30/2020 Annex VI) reads right to left: `ZZZ.YY.XX.Lnn`, where `Lnn` is
the level-1 body (G ministries and central agencies, H provincial People's Committees, K
provincial People's Councils), `XX` a level-2 unit (a department or a district under a province),
`YY` level 3 (a commune or division under a district) and `ZZZ` level 4. `XX` holds at most 99
units, which a 2025 province with up to 168 communes overflows; since July 2025 commune codes are
written left to right as `H01.151`, with sub-units `H01.151.01`. Both forms parse here into the
same `ParsedCode`, and `format_code` writes a parsed code back unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Form = Literal["qcvn102", "2025"]

_QCVN102 = re.compile(r"^(\d{3})\.(\d{2})\.(\d{2})\.([GHK]\d{2})$")
_POST2025 = re.compile(r"^([GHK]\d{2})\.(\d{3})(?:\.(\d{2}))?$")

_QCVN102_LIMITS = (99, 99, 999)
"""Largest number each level (XX, YY, ZZZ) can hold in the 13-character layout."""


class CodeError(ValueError):
    """A string that is not an agency code in either form; the message says why."""


@dataclass(frozen=True, slots=True)
class ParsedCode:
    """A code read back into its levels.

    `body` is the level-1 body (e.g. 'H41'); `path` the unit numbers below it, top down
    (e.g. (3, 12) for `000.12.03.H41`: unit 3 of Nghe An, its sub-unit 12). `depth` is 1 for the
    body itself, plus one per level below it.
    """

    form: Form
    body: str
    path: tuple[int, ...]

    @property
    def depth(self) -> int:
        return 1 + len(self.path)


def format_code(form: Form, body: str, path: tuple[int, ...] = ()) -> str:
    """Write a code; raises `CodeError` if the levels do not fit the chosen form."""
    if not re.fullmatch(r"[GHK]\d{2}", body):
        raise CodeError(f"level-1 body {body!r} is not a letter G/H/K and two digits")
    if any(number < 1 for number in path):
        raise CodeError(f"unit numbers start at 1, got {path}")
    if form == "qcvn102":
        if len(path) > 3:
            raise CodeError(f"the 13-character layout has 4 levels, got {1 + len(path)}")
        for number, limit in zip(path, _QCVN102_LIMITS, strict=False):
            if number > limit:
                raise CodeError(f"unit {number} does not fit the 13-character layout (max {limit})")
        xx, yy, zzz = ((*tuple(path), 0, 0, 0))[:3]
        return f"{zzz:03d}.{yy:02d}.{xx:02d}.{body}"
    if not 1 <= len(path) <= 2:
        raise CodeError(f"the post-2025 form has a unit and an optional sub-unit, got {path}")
    if path[0] > 999 or (len(path) == 2 and path[1] > 99):
        raise CodeError(f"unit numbers {path} do not fit the post-2025 form (999, 99)")
    return f"{body}.{path[0]:03d}" + (f".{path[1]:02d}" if len(path) == 2 else "")


def fits_qcvn102(path: tuple[int, ...]) -> bool:
    """Whether a unit path can be written in the 13-character layout."""
    return len(path) <= 3 and all(
        1 <= n <= limit for n, limit in zip(path, _QCVN102_LIMITS, strict=False)
    )


def parse_code(code: str) -> ParsedCode:
    """Read a code in either form back into its levels; raises `CodeError` naming the fault."""
    match = _QCVN102.match(code)
    if match:
        zzz, yy, xx, body = match.groups()
        numbers = [int(xx), int(yy), int(zzz)]
        while numbers and numbers[-1] == 0:
            numbers.pop()
        if 0 in numbers:
            raise CodeError(f"{code!r}: a lower level is set under an empty higher level")
        return ParsedCode("qcvn102", body, tuple(numbers))
    match = _POST2025.match(code)
    if match:
        body, unit, sub = match.groups()
        path = (int(unit),) + ((int(sub),) if sub else ())
        if 0 in path:
            raise CodeError(f"{code!r}: unit numbers start at 1")
        return ParsedCode("2025", body, path)
    raise CodeError(
        f"{code!r} is neither a QCVN 102 code (ZZZ.YY.XX.Lnn) nor a post-2025 code (Lnn.CCC[.DD])"
    )
