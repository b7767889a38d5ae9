"""What an outside attack run found, each against a real axis process on loopback: big packages
must not stall the server, oversized headers and slow senders are cut off, and a poll whose
client went away does not hold memory.

Every test here bounds its own time and stops the server it started.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from axis import edxml, packages, signing
from tests.axis.server_process import ServerProcess

pytestmark = pytest.mark.slow

A, B = "000.00.00.G22", "000.00.00.H41"


def secret(code: str) -> str:
    return f"secret-{code}-0123456789"


@pytest.fixture
def server(tmp_path):
    directory = tmp_path / "systems.json"
    directory.write_text(json.dumps([{"code": c, "name": c, "secret": secret(c)}
                                     for c in (A, B)]))
    with ServerProcess(str(tmp_path / "axis.db"), directory=str(directory)) as running:
        yield running


def post_signed(url: str, agency: str, body: bytes, timeout: float = 60) -> int:
    headers = signing.sign_headers(agency, secret(agency), "POST", "/v1/documents", body)
    headers["Content-Type"] = "application/xml"
    return httpx.post(url + "/v1/documents", content=body, headers=headers,
                      timeout=timeout).status_code


def big_bodies(kind: str) -> list[list[bytes]]:
    """What each of three senders posts, one package after the other, each of 16 MiB (the
    server's limit). "attack": the attack run's four million empty elements, its 420,000
    recipients (cut at the limit) and one real package; "real": three real packages with a big
    attachment each, all checked and stored, so that three are in flight for several seconds."""
    limit = 16 * 1024 * 1024
    attachment = b"%PDF" * (limit // 6)
    if kind == "real":
        return [[packages.document(A, [B], f"A,big-{sender}-{n}", attachment=attachment)
                 for n in range(3)] for sender in range(3)]
    head = (b'<?xml version="1.0" encoding="UTF-8"?><edXMLEnvelope xmlns="'
            + edxml.NAMESPACE.encode() + b'">')
    empty = head + b"<a/>" * ((limit - len(head) - 20) // 4) + b"</edXMLEnvelope>"
    crowd = packages.document(A, [f"R{i:07d}" for i in range(420_000)], "A,crowd")
    return [[empty], [crowd[:limit]], [packages.document(A, [B], "A,big", attachment=attachment)]]


EXPECTED = {"attack": ([201, 400, 422], [201, 422, 422]), "real": ([201] * 9,)}


def healthz_while_sending(server: ServerProcess, bodies: list[list[bytes]], path: str
                          ) -> tuple[float, list[int]]:
    """(slowest /healthz while one thread per list posts its bodies to `path`, the answers)."""
    answers: list[int] = []

    def send_raw(bodies: list[bytes]) -> None:
        for body in bodies:
            answers.append(send_one(body))

    def send_one(body: bytes) -> int:
        """One sendall of ready bytes: the socket call releases the GIL, so these threads do
        not slow this process's /healthz client and the server is what is measured."""
        headers = signing.sign_headers(A, secret(A), "POST", path, body)
        head = (f"POST {path} HTTP/1.1\r\nHost: axis\r\nConnection: close\r\n"
                f"Content-Type: application/xml\r\nContent-Length: {len(body)}\r\n"
                + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
            sock.sendall(head + body)
            answer = read_answer(sock, 60.0)
        return int(answer[9:12])

    senders = [threading.Thread(target=send_raw, args=(mine,)) for mine in bodies]
    slowest = 0.0
    with httpx.Client(base_url=server.url, timeout=5) as client:
        for sender in senders:
            sender.start()
        deadline = time.monotonic() + 60
        while any(s.is_alive() for s in senders) and time.monotonic() < deadline:
            started = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            slowest = max(slowest, time.perf_counter() - started)
            time.sleep(0.01)
    for sender in senders:
        sender.join(timeout=60)
    return slowest, sorted(answers)


@pytest.mark.parametrize("kind", ["attack", "real"])
def test_healthz_answers_within_100_ms_while_three_16_mib_packages_are_in_flight(
        kind, store_url, tmp_path) -> None:
    """Three senders post 16 MiB packages; the loop keeps answering /healthz within 100 ms.

    Before, parsing stalled it for seconds; then storing (SQLite: 60-80 ms of the loop per
    package on a quiet machine, two packages in one commit twice that; PostgreSQL: 60-100 ms
    of copying the body for the driver) and joining the body's pieces still held it past
    100 ms. The room given on top of the 100 ms is /healthz's slowest answer while the same
    bytes go to the no-work endpoint just before (the same senders, the body read and
    dropped): what the machine and moving 48 MiB over loopback cost, which no server design
    avoids, so that other work on the shared cores does not fail the test."""
    directory = tmp_path / "systems.json"
    directory.write_text(json.dumps([{"code": c, "name": c, "secret": secret(c)}
                                     for c in (A, B)]))
    bodies = big_bodies(kind)
    with ServerProcess(store_url, "--null-endpoint", directory=str(directory)) as server:
        room, nulls = healthz_while_sending(server, bodies, "/bench/null")
        slowest, answers = healthz_while_sending(server, bodies, "/v1/documents")
    assert set(nulls) == {201}, nulls
    assert answers in EXPECTED[kind], answers
    assert slowest < 0.100 + room, (f"/healthz took {1000 * slowest:.0f} ms (while the same "
                                    f"bytes went to the no-work endpoint: {1000 * room:.0f} ms)")


def raw(server: ServerProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def read_answer(sock: socket.socket, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection (or `timeout` passes)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def test_an_oversized_header_gets_431_at_once(server) -> None:
    """A 64 MiB header was read in full (2.8 s of a stalled server); now the first read past
    the limit is answered."""
    sock = raw(server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: axis\r\nX-Padding: ")
    sent, answered = 0, b""
    sock.settimeout(0.05)
    chunk = b"a" * 65536
    try:
        while sent < 64 * 1024 * 1024:
            sock.sendall(chunk)
            sent += len(chunk)
            try:
                answered = sock.recv(65536)
            except TimeoutError:
                continue
            break
    except (BrokenPipeError, ConnectionResetError):
        pass
    answered += read_answer(sock, 2.0)
    sock.close()
    assert answered.startswith(b"HTTP/1.1 431"), answered[:100]
    assert b'"error"' in answered
    assert sent <= 4 * 1024 * 1024  # cut off within a few reads, not after 64 MiB
    assert httpx.get(server.url + "/healthz", timeout=2).status_code == 200


@pytest.fixture
def slow_server(tmp_path):
    directory = tmp_path / "systems.json"
    directory.write_text(json.dumps([{"code": c, "name": c, "secret": secret(c)}
                                     for c in (A, B)]))
    with ServerProcess(str(tmp_path / "axis.db"), "--header-timeout", "1", "--body-timeout",
                       "1", directory=str(directory)) as running:
        yield running


def drip(sock: socket.socket, data: bytes, seconds: float) -> bytes:
    """Send `data` a byte every 0.25 s for at most `seconds`; what the server answered."""
    sock.settimeout(0.25)
    answered = b""
    deadline = time.monotonic() + seconds
    for byte in data:
        if time.monotonic() > deadline:
            break
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            answered += sock.recv(65536)
            if answered:
                break
        except TimeoutError:
            continue
    return answered + read_answer(sock, 1.0)


def test_headers_sent_a_byte_at_a_time_time_out(slow_server) -> None:
    sock = raw(slow_server)
    started = time.monotonic()
    answered = drip(sock, b"GET /healthz HTTP/1.1\r\nHost: axis\r\nX-Slow: " + b"a" * 100, 6.0)
    sock.close()
    assert answered.startswith(b"HTTP/1.1 408"), answered[:100]
    assert time.monotonic() - started < 4.0


def test_a_connection_that_sends_nothing_is_closed(slow_server) -> None:
    sock = raw(slow_server)
    started = time.monotonic()
    answered = read_answer(sock, 5.0)
    sock.close()
    assert answered.startswith(b"HTTP/1.1 408") and time.monotonic() - started < 4.0


def test_a_body_sent_a_byte_at_a_time_times_out(slow_server) -> None:
    body = packages.document(A, [B], "A,slow")
    headers = signing.sign_headers(A, secret(A), "POST", "/v1/documents", body)
    head = ("POST /v1/documents HTTP/1.1\r\nHost: axis\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {len(body)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    sock = raw(slow_server)
    sock.sendall(head)
    started = time.monotonic()
    answered = drip(sock, body, 6.0)
    sock.close()
    assert answered.startswith(b"HTTP/1.1 408"), answered[:100]
    assert b"body" in answered and time.monotonic() - started < 4.0


def waiting_polls(server: ServerProcess) -> float:
    text = httpx.get(server.url + "/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith("axis_long_polls_waiting "):
            return float(line.split()[1])
    raise AssertionError("no axis_long_polls_waiting gauge")


def test_abandoned_long_polls_are_dropped_when_their_clients_go_away(server) -> None:
    """5,000 polls opened and abandoned held 76 MiB for a minute; here 200 are abandoned and
    the axis lets go of them at once, not at their 30 s deadline."""
    target = "/v1/inbox?wait=30"
    socks = []
    for _ in range(200):
        headers = signing.sign_headers(B, secret(B), "GET", target)
        sock = raw(server)
        sock.sendall((f"GET {target} HTTP/1.1\r\nHost: axis\r\n"
                      + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                      + "\r\n").encode())
        socks.append(sock)
    deadline = time.monotonic() + 15
    while waiting_polls(server) < 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert waiting_polls(server) == 200
    for sock in socks:
        sock.close()
    deadline = time.monotonic() + 5
    while waiting_polls(server) > 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert waiting_polls(server) == 0
