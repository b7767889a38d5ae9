"""A link a run can cut and restore: socat proxies in front of a small TCP echo server on
loopback. Cutting refuses new connections and resets the ones in flight; restoring serves again
on the same port. Without socat it is skipped locally and fails in CI
(LIENTHONG_REQUIRE_SOCAT=1, .ci/run installs the Debian package)."""

from __future__ import annotations

import os
import shutil
import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from loadtest.directory import TargetError
from loadtest.links import Link, Proxy, socat_path
from loadtest.runner import free_port


@pytest.fixture(autouse=True)
def _socat() -> None:
    if shutil.which("socat") is None:
        if os.environ.get("LIENTHONG_REQUIRE_SOCAT"):
            pytest.fail("socat is required (LIENTHONG_REQUIRE_SOCAT) and not installed")
        pytest.skip("socat is not installed (apt-get install socat)")


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(1024):
            self.request.sendall(data)


@pytest.fixture
def echo() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.settimeout(5)
    return sock


def echoes(sock: socket.socket) -> bool:
    sock.sendall(b"ping")
    return sock.recv(16) == b"ping"


def test_a_cut_link_refuses_and_resets_then_serves_again(echo, tmp_path) -> None:
    link = Link("H21", Proxy(free_port(), echo, tmp_path / "link.log"),
                Proxy(free_port(), echo, tmp_path / "link.log"))
    link.start()
    try:
        assert link.sim_name == "axis:H21"
        open_before = connect(link.up.port)
        assert echoes(open_before) and echoes(connect(link.down.port))
        link.cut()
        assert link.cut_now
        for port in (link.up.port, link.down.port):
            with pytest.raises(ConnectionRefusedError):
                connect(port)
        with pytest.raises(OSError):  # reset, or closed at once
            open_before.sendall(b"ping")
            if open_before.recv(16) == b"":
                raise ConnectionResetError("closed by the cut")
        link.restore()
        assert echoes(connect(link.up.port)) and echoes(connect(link.down.port))
    finally:
        link.stop()
    assert link.up.process is None and link.down.process is None
    with pytest.raises(ConnectionRefusedError):
        connect(link.up.port)


def test_a_missing_socat_is_named(monkeypatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(TargetError, match="apt-get install socat"):
        socat_path()
