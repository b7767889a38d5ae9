"""One progress line per finished point, with the time left, on stderr.

Plain timestamped lines rather than a redrawn bar: a frontier runs for minutes to hours, often
with its output captured to a log, and every line says which point finished and how it went.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    def __init__(self, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr

    def say(self, text: str) -> None:
        if not self.quiet:
            print(f"[{time.strftime('%H:%M:%S')}] {text}", file=self.stream, flush=True)
