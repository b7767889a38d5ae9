"""A federation of reference axes on loopback for one load test: a national axis and N
provincial ones, each its own process with its own SQLite store, relaying to each other.

Which provinces: the ones given, or those carrying most of the sample's demand (the played
senders' documents per day, by the level-1 body of their codes). Every played agency is
registered at the axis that serves it (its province's, else the national one), and every user
talks to its own agency's axis (`axes_env` carries the map to the Locust processes). Axes are
registered systems of each other (`axis.H41` at the national axis, `axis.national` at each
province), with secrets made for the run.

The load test does not import the axis: it starts `lienthong axis serve` processes, and an axis
can be killed (SIGKILL, restarted later on the same store and port) or paused (SIGSTOP/SIGCONT)
by the failure injector (`loadtest.failures`); a link named by a link outage runs through TCP
proxies the injector can cut and restore (`loadtest.links`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from loadtest.agents import AgencySystem
from loadtest.directory import TargetError, check_target, register_systems
from loadtest.links import Link, Proxy
from topology.codes import CodeError, parse_code

LOOPBACK = "127.0.0.1"
NATIONAL = "national"
AXES_ENV = "LIENTHONG_AXES"
"""name=URL pairs separated by ';', read by the Locust processes (`bases_for`)."""


def region_of(code: str) -> str | None:
    """The province (Hnn) an agency belongs to, or None for a central body or a non-code."""
    try:
        body = parse_code(code).body
    except CodeError:
        return None
    if body[0] == "G":
        return None
    return "H" + body[1:]


def busiest_provinces(agencies: Iterable[AgencySystem], count: int) -> list[str]:
    """The `count` provinces whose played senders send the most documents per day."""
    load: dict[str, float] = {}
    for agency in agencies:
        region = region_of(agency.code)
        if region is not None:
            load[region] = load.get(region, 0.0) + agency.documents_per_day
    ranked = sorted(load, key=lambda r: (-load[r], r))
    if len(ranked) < count:
        raise TargetError(f"--federated {count}: the sample has agencies of only "
                          f"{len(ranked)} province(s)")
    return ranked[:count]


def parse_axes(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split(";") if "=" in item)


def bases_for(codes: Iterable[str], axes: dict[str, str]) -> dict[str, str]:
    """Agency code -> base URL of the axis that serves it."""
    national = axes[NATIONAL]
    return {code: axes.get(region_of(code) or NATIONAL, national) for code in codes}


@dataclass
class AxisNode:
    """One axis process; `start` (again after a kill), `kill`, `pause`, `resume`, `stop`."""

    name: str
    port: int
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None
    down: bool = field(default=False)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def sim_name(self) -> str:
        """The simulator's name for this axis (`axis:national`, `axis:H41`)."""
        return f"axis:{self.name}"

    def start(self, timeout: float = 30.0) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                            env={**os.environ, **self.env},
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise TargetError(f"axis {self.name} exited at start "
                                  f"({self.process.returncode}); see {self.log}")
            try:
                check_target(self.url, timeout=2.0)
                self.down = False
                return
            except TargetError:
                if time.monotonic() > deadline:
                    raise TargetError(f"axis {self.name} did not answer /healthz within "
                                      f"{timeout:g} s; see {self.log}") from None
                time.sleep(0.1)

    def _signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(10)
        self.down = True

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)
        self.down = True

    def resume(self) -> None:
        self._signal(signal.SIGCONT)
        self.down = False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self._signal(signal.SIGCONT)
        self._signal(signal.SIGINT)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()


class Federation:
    """National + provincial axes started from `command` (`lienthong axis serve` with
    {host} {port} {store} {token} {trust_ca} to fill in; every axis trusts the run's throw-away
    signing CA, so each verifies the agencies' signatures on what it accepts or is relayed)."""

    def __init__(self, command: Sequence[str], out: Path, regions: Sequence[str], token: str,
                 relay_backoff: str = "1,2,4", trust_ca: Path | None = None,
                 links: Sequence[str] = ()) -> None:
        if not command:
            raise TargetError("no reference axis command to start a federation with")
        self.token = token
        self.regions = list(regions)
        ports = {name: _free_port() for name in (NATIONAL, *self.regions)}
        self.secrets = {name: secrets.token_hex(16) for name in ports}
        urls = {name: f"http://{LOOPBACK}:{port}" for name, port in ports.items()}
        # A link a run may cut goes through a TCP proxy each way (`loadtest.links`); the others
        # are direct. `upstream`/`downstream` are the URLs each side is given for the other.
        self.links: dict[str, Link] = {}
        upstream = {region: urls[NATIONAL] for region in self.regions}
        downstream = {region: urls[region] for region in self.regions}
        for region in links:
            if region not in self.regions:
                raise TargetError(f"link outage of axis:{region}: the federation's provincial "
                                  f"axes are {', '.join(self.regions)}")
            log = out / f"link-{region}.log"
            link = Link(region, Proxy(_free_port(), ports[NATIONAL], log),
                        Proxy(_free_port(), ports[region], log))
            self.links[region] = link
            upstream[region], downstream[region] = link.up.url, link.down.url
        self.nodes: dict[str, AxisNode] = {}
        for name, port in ports.items():
            store = out / f"axis-{name}.sqlite3"
            for stale in out.glob(f"axis-{name}.sqlite3*"):
                stale.unlink()
            fill = {"host": LOOPBACK, "port": str(port), "store": str(store), "token": token,
                    "trust_ca": str(trust_ca or "")}
            argv = [part.format(**fill) for part in command]
            if name == NATIONAL:
                argv += ["--role", "national"]
                for region in self.regions:
                    argv += ["--downstream", f"{region}={downstream[region]}"]
            else:
                argv += ["--role", "provincial", "--region", name, "--upstream", upstream[name]]
            argv += ["--relay-backoff", relay_backoff]
            self.nodes[name] = AxisNode(name, port, argv,
                                        {"LIENTHONG_AXIS_SECRET": self.secrets[name]},
                                        out / f"axis-{name}.log")

    @property
    def urls(self) -> dict[str, str]:
        return {name: node.url for name, node in self.nodes.items()}

    def env(self) -> dict[str, str]:
        return {AXES_ENV: ";".join(f"{n}={u}" for n, u in self.urls.items())}

    def start(self) -> None:
        for link in self.links.values():
            link.start()
        for node in self.nodes.values():
            node.start()
        national = self.nodes[NATIONAL].url
        for region in self.regions:
            register_systems(national, self.token,
                             [(f"axis.{region}", f"axis {region}", self.secrets[region])])
            register_systems(self.nodes[region].url, self.token,
                             [("axis.national", "national axis", self.secrets[NATIONAL])])

    def register(self, agencies: Sequence[AgencySystem], key: str) -> int:
        """Register each played agency at its own axis."""
        from loadtest.signing import agency_secret

        bases = bases_for([a.code for a in agencies], self.urls)
        by_base: dict[str, list[tuple[str, str, str]]] = {}
        for agency in agencies:
            by_base.setdefault(bases[agency.code], []).append(
                (agency.code, agency.name, agency_secret(key, agency.code)))
        return sum(register_systems(base, self.token, rows) for base, rows in by_base.items())

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()
        for link in self.links.values():
            link.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])
