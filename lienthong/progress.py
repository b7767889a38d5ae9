"""Progress lines for long commands: time-stamped, on stderr, with the time left once the work
says how far it is ("(3/8)"), estimated from the pace so far. Plain lines whether or not
stderr is a terminal, so logs and CI output read the same."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable

_DONE = re.compile(r"\((\d+)/(\d+)\)")


def progress(quiet: bool = False) -> Callable[[str], None]:
    """A `say(text)` callback for `lienthong.runs` and `sim.replications`."""
    started = time.monotonic()

    def say(text: str) -> None:
        if quiet:
            return
        match = _DONE.search(text)
        if match:
            done, total = int(match.group(1)), int(match.group(2))
            if 0 < done < total:
                left = (time.monotonic() - started) / done * (total - done)
                text += f"; about {_duration(left)} left"
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    return say


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
