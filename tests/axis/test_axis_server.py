"""A real axis process on loopback: crash safety (kill -9), several workers, the command line."""

from __future__ import annotations

import asyncio
import secrets
import time

import httpx
import pytest

from axis import packages
from axis.client import AsyncClient, AxisError
from tests.axis.conftest import AGENCIES, A, B, C, postgres_url_or_skip, secret_of
from tests.axis.server_process import ServerProcess

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
def directory_file(tmp_path):
    path = tmp_path / "directory.csv"
    path.write_text("code,name,secret\n" + "".join(
        f"{code},Agency {code},{secret_of(code)}\n" for code in AGENCIES))
    return str(path)


def clients(url: str) -> dict[str, AsyncClient]:
    return {code: AsyncClient(url, code, secret_of(code), timeout=10) for code in AGENCIES}


async def test_kill_9_loses_nothing_acknowledged(store_url, directory_file) -> None:
    server = ServerProcess(store_url, directory=directory_file).start()
    try:
        senders, per_sender = 4, 150
        confirmed: dict[str, dict] = {}   # document id -> the 2xx answer
        attempted: list[str] = []
        acked_done: set[int] = set()      # deliveries to B whose ack "done" got a 2xx
        ack_unknown: set[int] = set()     # ack sent, answer lost in the crash: either outcome
        stop = asyncio.Event()
        axis = clients(server.url)

        async def send_stream(worker: int) -> None:
            for n in range(per_sender):
                if stop.is_set():
                    return
                document_id = f"{A},2026/11/25,{worker}-{n}"
                attempted.append(document_id)
                try:
                    confirmed[document_id] = await axis[A].send(
                        packages.document(A, [B, C], document_id))
                except (httpx.HTTPError, AxisError):
                    stop.set()  # the server is gone; the outcome of this send is unknown
                    return

        async def ack_stream() -> None:
            while not stop.is_set():
                try:
                    for item in (await axis[B].inbox(limit=50))["deliveries"]:
                        ack_unknown.add(item["id"])
                        await axis[B].ack(item["id"], "done")
                        ack_unknown.discard(item["id"])
                        acked_done.add(item["id"])
                except (httpx.HTTPError, AxisError):
                    return

        async def killer() -> None:
            while len(confirmed) < 150:
                await asyncio.sleep(0.01)
            server.kill()

        await asyncio.wait_for(asyncio.gather(*(send_stream(i) for i in range(senders)),
                                              ack_stream(), killer()), 60)
        assert server.process is not None and server.process.returncode == -9
        assert 150 <= len(confirmed) < senders * per_sender
        for client in axis.values():
            await client.aclose()

        server.start()  # same store: restart after the crash
        axis = clients(server.url)
        # Every confirmed send is there with all its deliveries, bytes unchanged.
        for document_id, answer in confirmed.items():
            assert [d["recipient"] for d in answer["deliveries"]] == [B, C]
            for delivery in answer["deliveries"]:
                body = await axis[delivery["recipient"]].fetch(delivery["id"])
                assert document_id.encode() in body
        # Retrying every send whose outcome was unknown creates nothing twice.
        for document_id in attempted:
            if document_id not in confirmed:
                again = await axis[A].send(packages.document(A, [B, C], document_id))
                confirmed[document_id] = again
        for document_id, answer in list(confirmed.items())[:20]:
            again = await axis[A].send(packages.document(A, [B, C], document_id))
            assert again["duplicate"] and again["deliveries"] == answer["deliveries"]
        # A consumer de-duplicating by delivery id drains B: nothing acked comes back, nothing
        # appears twice, and every document arrives exactly once overall.
        drained: list[int] = []
        while items := (await axis[B].inbox(limit=200))["deliveries"]:
            for item in items:
                drained.append(item["id"])
                await axis[B].ack(item["id"], "done")
        assert not set(drained) & acked_done
        assert len(drained) == len(set(drained))
        expected_b = {next(d["id"] for d in a["deliveries"] if d["recipient"] == B)
                      for a in confirmed.values()}
        assert set(drained) <= expected_b
        assert expected_b - set(drained) - acked_done <= ack_unknown
        assert len(expected_b) == len(attempted)
        assert (await axis[C].count())["edoc"] == len(attempted)
        for client in axis.values():
            await client.aclose()
    finally:
        server.stop()


async def test_two_processes_share_postgresql_and_long_poll_across_them(tmp_path) -> None:
    """A long poll on one axis process is woken by a send taken by another (LISTEN/NOTIFY)."""
    import psycopg

    url = postgres_url_or_skip()
    schema = "axis_srv_" + secrets.token_hex(6)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    store = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    directory = tmp_path / "d.csv"
    directory.write_text("".join(f"{c},Agency {c},{secret_of(c)}\n" for c in AGENCIES))
    first = ServerProcess(store, directory=str(directory)).start()
    second = ServerProcess(store).start()
    try:
        b = AsyncClient(first.url, B, secret_of(B))
        a = AsyncClient(second.url, A, secret_of(A))
        poll = asyncio.ensure_future(b.inbox(wait=10))
        await asyncio.sleep(0.2)
        assert not poll.done()
        sent_at = time.monotonic()
        await a.send(packages.document(A, [B], f"{A},2026/11/25,x"))
        result = await asyncio.wait_for(poll, 5)
        assert len(result["deliveries"]) == 1
        # On PostgreSQL a held poll re-checks by itself only every 30 s, and this one would have
        # answered empty after 10 s: an answer this quick was woken by NOTIFY from the other
        # process (the bound leaves room for a slow CI machine).
        assert time.monotonic() - sent_at < 3
        # the same directory and data are visible from both processes
        assert (await AsyncClient(second.url, B, secret_of(B)).count())["edoc"] == 1
        await a.aclose()
        await b.aclose()
    finally:
        first.stop()
        second.stop()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


async def test_several_workers_aggregate_metrics(tmp_path, directory_file) -> None:
    server = ServerProcess(str(tmp_path / "axis.db"), "--workers", "2",
                           directory=directory_file).start()
    try:
        axis = clients(server.url)
        for n in range(20):
            await axis[A].send(packages.document(A, [B], f"{A},2026/11/25,{n}"))
        # Separate connections spread over both workers; the counts must add up anyway.
        total = 0.0
        for _ in range(5):
            async with httpx.AsyncClient() as fresh:
                text = (await fresh.get(server.url + "/metrics")).text
            total = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                        if line.startswith('axis_requests_total{operation="send",status="201"}'))
            assert 'axis_pending_deliveries 20.0' in text
        assert total == 20
        for client in axis.values():
            await client.aclose()
    finally:
        server.stop()


def test_command_line_rejects_bad_options_in_one_line(tmp_path, capsys) -> None:
    from lienthong.cli import main

    assert main(["axis", "serve", "--port", "70000"]) == 2
    assert capsys.readouterr().err.strip() == "lienthong: error: --port 70000: expected 1-65535"
    bad = tmp_path / "d.csv"
    bad.write_text("A1,One,short\n")
    # A port nobody listens on: the default 8080 may be taken on a shared machine, and the port
    # is checked before the other options.
    port = ["--port", str(free_port())]
    assert main(["axis", "serve", *port, "--store", str(tmp_path / "a.db"),
                 "--directory", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--directory" in err[0] and "line 1: secret of A1" in err[0]
    assert main(["axis", "serve", *port, "--store", str(tmp_path / "missing" / "a.db")]) == 2
    assert "--store" in capsys.readouterr().err


def test_a_port_in_use_or_a_bad_host_is_one_line_before_start_up(tmp_path, capsys) -> None:
    import socket

    from lienthong.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["axis", "serve", "--port", str(port),
                     "--store", str(tmp_path / "a.db")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"lienthong: error: --host 127.0.0.1 --port {port}: cannot listen there: "
                   "Address already in use"]
    assert not (tmp_path / "a.db").exists()
    assert main(["axis", "serve", "--host", "999.1.1.1", "--store", str(tmp_path / "a.db")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("lienthong: error: --host 999.1.1.1 --port 8080")


def test_body_10mb_over_the_limit_on_a_real_server(tmp_path, directory_file) -> None:
    """Over real sockets: refused with 413 whether the size is declared or streamed, and the
    server stays healthy (it answered without reading the 10 MB)."""
    from axis import signing

    server = ServerProcess(str(tmp_path / "axis.db"), "--max-body", "1000000",
                           directory=directory_file).start()
    try:
        body = b"<" + b"x" * 11_000_000
        headers = signing.sign_headers(A, secret_of(A), "POST", "/v1/documents", body)
        response = httpx.post(server.url + "/v1/documents", content=body, headers=headers,
                              timeout=30)
        assert response.status_code == 413 and "1000000" in response.json()["error"]

        def chunks():
            for _ in range(170):  # 11 MB without a Content-Length
                yield b"x" * 65536

        response = httpx.post(server.url + "/v1/documents", content=chunks(), headers=headers,
                              timeout=30)
        assert response.status_code == 413
        assert httpx.get(server.url + "/healthz").json()["status"] == "ok"
    finally:
        server.stop()


async def test_long_poll_across_sqlite_workers_answers_within_the_recheck(
        tmp_path, directory_file) -> None:
    """Two workers on one SQLite file: whichever worker holds the poll and whichever takes the
    send, the poll answers within the shared-file re-check interval (1 s)."""
    server = ServerProcess(str(tmp_path / "axis.db"), "--workers", "2",
                           directory=directory_file).start()
    try:
        for n in range(3):
            async with httpx.AsyncClient(base_url=server.url) as poll_http, \
                    httpx.AsyncClient(base_url=server.url) as send_http:
                b = AsyncClient(server.url, B, secret_of(B), http=poll_http)
                a = AsyncClient(server.url, A, secret_of(A), http=send_http)
                poll = asyncio.ensure_future(b.inbox(wait=10))
                await asyncio.sleep(0.2)
                assert not poll.done()
                sent_at = time.monotonic()
                sent = await a.send(packages.document(A, [B], f"{A},2026/11/25,w{n}"))
                result = await asyncio.wait_for(poll, 5)
                assert [d["id"] for d in result["deliveries"]] == [sent["deliveries"][0]["id"]]
                assert time.monotonic() - sent_at < 3  # 1 s re-check, room for a slow machine
                await b.ack(sent["deliveries"][0]["id"])
    finally:
        server.stop()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_one_admin_token_name_with_the_old_one_as_alias(monkeypatch):
    from axis.server import env_admin_token

    monkeypatch.delenv("LIENTHONG_ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("LIENTHONG_AXIS_ADMIN_TOKEN", "old-name-token-0123456789")
    assert env_admin_token() == "old-name-token-0123456789"
    monkeypatch.setenv("LIENTHONG_ADMIN_TOKEN", "shared-name-token-0123456789")
    assert env_admin_token() == "shared-name-token-0123456789"  # the shared name wins


def test_a_trust_ca_file_without_certificates_is_one_line(tmp_path, capsys) -> None:
    from lienthong.cli import main

    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n")
    assert main(["axis", "serve", "--port", str(free_port()), "--store",
                 str(tmp_path / "a.db"), "--trust-ca", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--trust-ca" in err[0] and "ca.pem" in err[0]
