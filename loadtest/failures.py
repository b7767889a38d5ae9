"""Failure injection in a federated load test: how each outage kind is played, the schedule,
and the backlog.

The outage kinds and their names are the scenario's, shared with the simulator
(topology/outages.py): an `axis` outage names an axis by the simulator's name (`axis:H41`,
`axis:national`), a `link` outage the link between a regional axis and the national one (named
by the regional axis, `axis:H41`); both start `start_s` scenario seconds after sending starts
and last `duration_s` (they follow --time-scale, like everything else in the run). Here each
kind's plays are one small class each (`PLAYS`):

- `kill` (axis): SIGKILL the axis (no shutdown code runs), restart it on the same store and port
  when the outage ends; what it had acknowledged must survive, and its neighbours queue for it.
- `pause` (axis): SIGSTOP, then SIGCONT: the axis holds its connections but answers nothing, the
  way a hung process or a full-GC stall looks to its neighbours.
- `cut` (link): stop the TCP proxies carrying the link (loadtest/links.py), both ways, and start
  them again when it ends; each axis's own agencies carry on.

They come from the scenario (`[[failures.outages]]`, each kind played its first way: an axis
killed, a link cut) or from the command line (`--outage PLAY:KIND:TARGET@START+DURATION`, read by
`topology.outages.parse_spec`). While the run goes on, `BacklogSampler` scrapes every axis's
/metrics and keeps each one's backlog (pending deliveries plus relay queue) over time.
"""

from __future__ import annotations

import abc
import json
import re
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, ClassVar

from loadtest.directory import TargetError
from loadtest.federation import Federation
from topology.outages import KINDS, AxisOutage, LinkOutage, Spec


class Play(abc.ABC):
    """One way of playing an outage kind on the federation's processes."""

    name: ClassVar[str]
    kind: ClassVar[str]
    """The topology.outages kind it plays (`axis`, `link`)."""

    @abc.abstractmethod
    def down(self, target: Any) -> None: ...

    @abc.abstractmethod
    def up(self, target: Any) -> None: ...


PLAYS: dict[str, Play] = {}


def _play(cls: type[Play]) -> type[Play]:
    PLAYS[cls.name] = cls()
    return cls


@_play
class Kill(Play):
    name = "kill"
    kind = "axis"

    def down(self, target: Any) -> None:
        target.kill()

    def up(self, target: Any) -> None:
        target.start()


@_play
class Pause(Play):
    name = "pause"
    kind = "axis"

    def down(self, target: Any) -> None:
        target.pause()

    def up(self, target: Any) -> None:
        target.resume()


@_play
class Cut(Play):
    name = "cut"
    kind = "link"

    def down(self, target: Any) -> None:
        target.cut()

    def up(self, target: Any) -> None:
        target.restore()


def played(outage: AxisOutage | LinkOutage) -> Spec:
    """A scenario entry as the load test plays it: its kind's first play."""
    return Spec(KINDS[outage.kind].plays[0], outage)


class Injector(threading.Thread):
    """Plays the outages against the federation's processes; records what really happened
    (unix times of each down and up) in `windows`."""

    def __init__(self, federation: Federation, outages: list[Spec], start: float,
                 time_scale: float, clock_file: Path | None = None) -> None:
        super().__init__(name="lienthong-failures", daemon=True)
        self.federation = federation
        self.start_at = start
        self.clock_file = clock_file
        self.time_scale = time_scale
        targets: dict[str, dict[str, Any]] = {
            "axis": {node.sim_name: node for node in federation.nodes.values()},
            "link": {link.sim_name: link for link in federation.links.values()},
        }
        self.plan = []
        for spec in outages:
            found = targets[spec.outage.kind]
            if spec.outage.target not in found:
                raise TargetError(f"{spec.outage.kind} outage of {spec.outage.target}: the "
                                  f"federation has {', '.join(sorted(found)) or 'none'}")
            self.plan.append((spec, found[spec.outage.target]))
        self.plan.sort(key=lambda pair: pair[0].outage.start_s)
        self.windows: dict[str, list[list[float]]] = {}
        """Axis outages as played: (down, up) unix times by axis."""
        self.link_windows: dict[str, list[list[float]]] = {}
        """Link outages as played, by the link's regional axis (the simulator's names)."""
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
        for spec, target in self.plan:
            outage = spec.outage
            down_at = self.start_at + outage.start_s / self.time_scale
            if self._halt.wait(max(0.0, down_at - time.time())):
                return
            play = PLAYS[spec.play]
            play.down(target)
            down = time.time()
            if self._halt.wait(outage.duration_s / self.time_scale):
                play.up(target)
                return
            try:
                play.up(target)
            except TargetError as error:
                self.errors.append(str(error))
            windows = self.windows if outage.kind == "axis" else self.link_windows
            windows.setdefault(outage.target, []).append([down, time.time()])

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
