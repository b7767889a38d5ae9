"""Failure injection in a federated load test: outage kinds, the schedule, and the backlog.

An outage names an axis by the simulator's name (`axis:H41`, `axis:national`), a start and a
duration in scenario seconds from the start of sending (they follow --time-scale, like
everything else in the run), and a kind from `KINDS`, one small class each:

- `kill`: SIGKILL the axis (no shutdown code runs), restart it on the same store and port when
  the outage ends; what it had acknowledged must survive, and its neighbours queue for it.
- `pause`: SIGSTOP, then SIGCONT: the axis holds its connections but answers nothing, the way a
  hung process or a full-GC stall looks to its neighbours.

They come from the scenario (`[[failures.outages]]` with `axis`, as the simulator reads them;
played as `kill`) or from the command line (`--outage KIND:AXIS@START+DURATION`). While the run
goes on, `BacklogSampler` scrapes every axis's /metrics and keeps each one's backlog (pending
deliveries plus relay queue) over time.
"""

from __future__ import annotations

import abc
import json
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from loadtest.directory import TargetError
from loadtest.federation import AxisNode, Federation


class OutageKind(abc.ABC):
    name: ClassVar[str]

    @abc.abstractmethod
    def down(self, node: AxisNode) -> None: ...

    @abc.abstractmethod
    def up(self, node: AxisNode) -> None: ...


KINDS: dict[str, OutageKind] = {}


def _kind(cls: type[OutageKind]) -> type[OutageKind]:
    KINDS[cls.name] = cls()
    return cls


@_kind
class Kill(OutageKind):
    name = "kill"

    def down(self, node: AxisNode) -> None:
        node.kill()

    def up(self, node: AxisNode) -> None:
        node.start()


@_kind
class Pause(OutageKind):
    name = "pause"

    def down(self, node: AxisNode) -> None:
        node.pause()

    def up(self, node: AxisNode) -> None:
        node.resume()


@dataclass(frozen=True)
class Outage:
    kind: str
    axis: str
    """The simulator's name: axis:national or axis:Hnn."""
    start_s: float
    duration_s: float
    """Both in scenario seconds, from the start of sending."""


_SPEC = re.compile(r"^(\w+):((?:axis:)?[\w.]+)@(\d+(?:\.\d+)?)\+(\d+(?:\.\d+)?)$")


def parse_outage(text: str) -> Outage:
    """'kill:axis:H41@3600+1200' (or kill:H41@...) -> Outage; ValueError naming the fault."""
    match = _SPEC.match(text.strip())
    if match is None:
        raise ValueError(f"--outage {text!r}: expected KIND:AXIS@START+DURATION in scenario "
                         "seconds, e.g. kill:axis:H41@3600+1200")
    kind, axis, start, duration = match.groups()
    if kind not in KINDS:
        raise ValueError(f"--outage {text!r}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if float(duration) <= 0:
        raise ValueError(f"--outage {text!r}: the duration must be positive")
    axis = axis if axis.startswith("axis:") else f"axis:{axis}"
    return Outage(kind, axis, float(start), float(duration))


class Injector(threading.Thread):
    """Plays the outages against the federation's processes; records what really happened
    (unix times of each down and up) in `windows`."""

    def __init__(self, federation: Federation, outages: list[Outage], start: float,
                 time_scale: float, clock_file: Path | None = None) -> None:
        super().__init__(name="lienthong-failures", daemon=True)
        self.federation = federation
        self.start_at = start
        self.clock_file = clock_file
        self.time_scale = time_scale
        by_name = {node.sim_name: node for node in federation.nodes.values()}
        for outage in outages:
            if outage.axis not in by_name:
                raise TargetError(f"outage of {outage.axis}: the federation has "
                                  f"{', '.join(sorted(by_name))}")
        self.plan = sorted(((o, by_name[o.axis]) for o in outages),
                           key=lambda pair: pair[0].start_s)
        self.windows: dict[str, list[list[float]]] = {}
        self.errors: list[str] = []
        self._halt = threading.Event()

    def wait_for_clock(self, path: Path, limit_s: float = 120.0) -> bool:
        """Take the start of sending from the file Locust writes when it fixes its clock."""
        deadline = time.time() + limit_s
        while not self._halt.is_set() and time.time() < deadline:
            try:
                self.start_at = float(json.loads(path.read_text())["start"])
                return True
            except (OSError, ValueError, KeyError):
                self._halt.wait(0.1)
        return False

    def run(self) -> None:
        if self.clock_file is not None and not self.wait_for_clock(self.clock_file):
            return
        for outage, node in self.plan:
            down_at = self.start_at + outage.start_s / self.time_scale
            if self._halt.wait(max(0.0, down_at - time.time())):
                return
            kind = KINDS[outage.kind]
            kind.down(node)
            down = time.time()
            if self._halt.wait(outage.duration_s / self.time_scale):
                kind.up(node)
                return
            try:
                kind.up(node)
            except TargetError as error:
                self.errors.append(str(error))
            self.windows.setdefault(node.sim_name, []).append([down, time.time()])

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=60)


_SAMPLE = re.compile(r"^(axis_pending_deliveries|axis_relay_queue)(?:\{[^}]*\})? "
                     r"([0-9.eE+-]+)$", re.MULTILINE)


def backlog_of(metrics: str) -> tuple[float, float]:
    """(pending deliveries, relay queue summed over next hops) from Prometheus text."""
    pending = relay = 0.0
    for name, value in _SAMPLE.findall(metrics):
        if name == "axis_pending_deliveries":
            pending = float(value)
        else:
            relay += float(value)
    return pending, relay


class BacklogSampler(threading.Thread):
    """Every `interval` s, each axis's backlog from /metrics; an axis that does not answer (down,
    paused) gets no sample for that moment."""

    def __init__(self, federation: Federation, interval: float = 0.5) -> None:
        super().__init__(name="lienthong-backlog", daemon=True)
        self.urls = {node.sim_name: node.url for node in federation.nodes.values()}
        self.interval = interval
        self.rows: list[tuple[float, str, float, float]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            now = time.time()
            for name, url in self.urls.items():
                try:
                    with urllib.request.urlopen(url + "/metrics", timeout=0.5) as response:
                        text = response.read().decode("utf-8", "replace")
                except (urllib.error.URLError, OSError):
                    continue
                pending, relay = backlog_of(text)
                self.rows.append((now, name, pending, relay))
            self._halt.wait(max(0.0, self.interval - (time.time() - now)))

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)
