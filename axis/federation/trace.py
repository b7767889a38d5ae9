"""The axes' TraceHeaders: each hop's organ id and time, carried beside the package.

QCVN 102 keeps a TraceHeaderList in the edXML header, and each system a package passes through
adds one TraceHeader (its OrganId and the time). Since 2020 packages also carry the sending
agency's enveloped XML signature, which covers every byte of the package but the signature
itself: an axis that spliced its TraceHeader into the package would break the signature for the
next axis and for the recipient. So the package's bytes travel untouched, the sender's own
TraceHeaders stay in it, and the axes' hops travel beside it: in the `X-Trace` header of a
forward (from a neighbouring axis only), stored with the document, and returned in the
`X-Trace` header of a fetch. Each hop is `OrganId@yyyy/MM/dd HH:mm:ss.ffffff` (UTC), hops are
separated by `; `, oldest first.
"""

from __future__ import annotations

import datetime as dt
import re

HEADER = "X-Trace"
MAX_HOPS = 16
"""More hops than any federation has (agency -> province -> national -> province is 3): a
longer trace is a loop or a forgery, refused."""

_ORGAN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STAMP = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6}$")
_SENDER_ORGAN = re.compile(rb"<(?:[\w.-]+:)?TraceHeader>\s*<(?:[\w.-]+:)?OrganId>([^<]*)</")


class TraceError(ValueError):
    """An X-Trace header that is not a list of hops; the message names the fault."""


def stamp(unix: float) -> str:
    """edXML's 'yyyy/MM/dd HH:mm:ss' with microseconds, in UTC."""
    return dt.datetime.fromtimestamp(unix, dt.UTC).strftime("%Y/%m/%d %H:%M:%S.%f")


def parse(text: str) -> list[tuple[str, str]]:
    """(OrganId, timestamp) of each hop in an X-Trace value; raises TraceError."""
    if not text.strip():
        return []
    hops = []
    for item in text.split(";"):
        organ, sep, when = item.strip().partition("@")
        if not sep or not _ORGAN.match(organ) or not _STAMP.match(when):
            raise TraceError(f"{HEADER} hop {item.strip()[:80]!r}: expected "
                             "OrganId@yyyy/MM/dd HH:mm:ss.ffffff")
        hops.append((organ, when))
    if len(hops) > MAX_HOPS:
        raise TraceError(f"{HEADER} has {len(hops)} hops; at most {MAX_HOPS}")
    return hops


def append(text: str, organ_id: str, unix: float) -> str:
    """The X-Trace value `text` (checked) with this hop added at its end."""
    hops = [*parse(text), (organ_id, stamp(unix))]
    if len(hops) > MAX_HOPS:
        raise TraceError(f"{HEADER} has {len(hops) - 1} hops already; at most {MAX_HOPS}")
    return "; ".join(f"{organ}@{when}" for organ, when in hops)


def hops(body: bytes, text: str = "") -> list[str]:
    """The OrganIds a package passed through, in order: the TraceHeaders in its bytes (the
    sender's) followed by the axes' hops of its X-Trace value."""
    inside = [m.group(1).decode().strip() for m in _SENDER_ORGAN.finditer(body)]
    return inside + [organ for organ, _ in parse(text)]
