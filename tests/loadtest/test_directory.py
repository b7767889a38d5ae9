"""Bad targets get one clear line each; a good one gets its agencies registered."""

import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from loadtest.agents import AgencySystem
from loadtest.directory import TargetError, check_target, register, scrape_metrics
from loadtest.runner import free_port

AGENCIES = [AgencySystem(0, "LT.TEST.0001", "Sở Thử nghiệm", 2, 1.0),
            AgencySystem(1, "LT.TEST.0002", "Phòng Thử nghiệm", 3, 0.0)]


class NotAnAxis(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(404)
        self.end_headers()
        self.wfile.write(b"<html>Not Found</html>")

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    server = HTTPServer(("127.0.0.1", 0), NotAnAxis)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def not_http():
    """A TCP service that greets like SSH: not HTTP at all."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def test_nothing_listening():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(TargetError, match="nothing is listening there"):
        check_target(url)


def test_http_but_not_the_axis_protocol(web_server):
    with pytest.raises(TargetError, match=r"does not speak the axis protocol .*404"):
        check_target(web_server)


def test_not_http_at_all(not_http):
    with pytest.raises(TargetError, match="does not speak HTTP"):
        check_target(not_http)


def test_not_a_url():
    with pytest.raises(TargetError, match="expected an http"):
        check_target("127.0.0.1:8080")


def test_wrong_admin_token(axis):
    check_target(axis.url)
    with pytest.raises(TargetError, match="admin token was refused"):
        register(axis.url, "wrong-token", AGENCIES, "k")


def test_registers_and_scrapes_metrics(axis):
    assert register(axis.url, axis.token, AGENCIES, "k") == 2
    metrics = scrape_metrics(axis.url)
    assert metrics is not None and "axis_requests_total" in metrics


def test_command_line_says_it_in_one_line(tiny_scenario, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run([sys.executable, "-m", "lienthong", "loadtest", str(tiny_scenario),
                           "--target", url, "--admin-token", "x", "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert errors == [f"lienthong: error: target {url}: nothing is listening there "
                      "(connection refused)"]
