"""A link between two axes that a run can cut and restore: a real TCP proxy in between.

In a federated run every axis talks to its neighbour directly unless an outage names their link.
Then the provincial axis's `--upstream` and the national axis's `--downstream` for that province
point at one proxy each (one per direction, as each side opens its own connections), and the
failure injector cuts the link by stopping both proxies and restores it by starting them again on
the same ports. The proxy is socat (Debian package `socat`), a well-kept relay that needs no code
of ours: `socat TCP-LISTEN:PORT,fork,reuseaddr TCP:127.0.0.1:TARGET`. It runs in a process group
of its own, so a cut (SIGKILL to the group) resets the connections in flight as well as refusing
new ones, which is what a relaying axis sees when a leased line drops: its forwards fail at once
and it backs off (`--relay-backoff`), while each axis's own agencies, who do not go through the
link, carry on.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from loadtest.directory import TargetError

LOOPBACK = "127.0.0.1"
SOCAT = "socat"


def socat_path() -> str:
    """The socat executable; a TargetError naming the package if it is missing."""
    path = shutil.which(SOCAT)
    if path is None:
        raise TargetError("a link outage (cut:link:...) needs socat for its TCP proxy: "
                          "apt-get install socat")
    return path


@dataclass
class Proxy:
    """One direction of a link: accepts on `port`, relays each connection to `target_port`."""

    port: int
    target_port: int
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        argv = [socat_path(), f"TCP-LISTEN:{self.port},bind={LOOPBACK},fork,reuseaddr",
                f"TCP:{LOOPBACK}:{self.target_port}"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while not _listening(self.port):
            if self.process.poll() is not None:
                raise TargetError(f"socat for port {self.port} exited "
                                  f"({self.process.returncode}); see {self.log}")
            if time.monotonic() > deadline:
                self.stop()
                raise TargetError(f"socat did not listen on {self.port} within {timeout:g} s")
            time.sleep(0.02)

    def stop(self) -> None:
        """SIGKILL the proxy and every connection it forked; wait for it."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        self.process = None


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((LOOPBACK, port)) == 0


@dataclass
class Link:
    """Both directions of the link between a regional axis and the national one."""

    region: str
    up: Proxy
    """region -> national: the regional axis's --upstream."""
    down: Proxy
    """national -> region: the national axis's --downstream for this region."""
    cut_now: bool = False

    @property
    def sim_name(self) -> str:
        """The simulator's name of this link: its non-national axis (`axis:H21`)."""
        return f"axis:{self.region}"

    def start(self) -> None:
        self.up.start()
        self.down.start()
        self.cut_now = False

    def cut(self) -> None:
        self.up.stop()
        self.down.stop()
        self.cut_now = True

    def restore(self) -> None:
        self.start()

    def stop(self) -> None:
        self.up.stop()
        self.down.stop()
