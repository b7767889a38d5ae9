"""Throughput of the reference axis on loopback, against a no-work baseline in the same run.

Starts `python -m axis serve` (one worker, SQLite, 100,000 registered systems loaded with
--directory, --null-endpoint on) and drives it from this process with a minimal HTTP/1.1 client on
asyncio (uvloop when installed): keep-alive connections, requests written as ready-made bytes, and
responses read by Content-Length. That client costs a few microseconds per request, far less than
the server's work, so the server is what is measured; the JSON reports the generator's CPU share so
a reader can check that claim (on a 2-core machine the two share the CPU).

Phases (each with a short warm-up that is not counted):
  null         POST /bench/null with a small package: the HTTP stack reading the body and answering
  send         POST /v1/documents, small package, 1 recipient: durable sends (2xx after commit)
  signed       the same sends, each package carrying an XML signature (ECDSA P-256, agency
               certificate from a throw-away CA) to a second axis started with --trust-ca, which
               verifies every one before storing it; packages are signed before the phase, so the
               generator's signing does not compete with the server
  send3        the same with 3 recipients (deliveries/s = 3 x sends/s)
  cycle        per connection: send to its own recipient, GET inbox, GET the delivery, POST ack
  count        GET /v1/inbox/count signed as a random one of the 100,000 systems

The last line printed is one JSON object with the figures; `send_to_null_ratio` is the send rate
divided by the null rate measured in the same run (the goal is >= 0.5); `signed_to_send_ratio`
is signed sends/s over unsigned sends/s, and `server_cpu_us_per_op.signed` the server CPU a signed
send costs (the measured `send` cost with signatures on). null, send and signed alternate in short
slices so that drift on a shared machine touches all three alike.

    python benchmarks/axis_throughput.py [--seconds 6] [--connections 64] [--systems 100000]
                                         [--postgres URL] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from axis import packages, signing  # noqa: E402
from loadtest import certificates  # noqa: E402
from loadtest.xmlsig import PackageSigner  # noqa: E402

ADMIN = "benchmark-admin-token-0123456789"
HOST = "127.0.0.1"


def secret_of(code: str) -> str:
    return f"bench-secret-{code}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# -- the load generator ------------------------------------------------------------------------

def request_bytes(method: str, target: str, agency: str | None, body: bytes = b"",
                  content_type: str = "application/xml", timestamp: str | None = None) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}"]
    if body:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    if agency is not None:
        ts = timestamp or str(int(time.time()))
        lines += [f"X-Agency: {agency}", f"X-Timestamp: {ts}",
                  f"X-Signature: {signing.signature(secret_of(agency), method, target, ts, body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


class Connection:
    """One keep-alive HTTP/1.1 connection; `call` sends ready bytes and returns (status, body)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def call(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        match = _LENGTH.search(head)
        body = await self.reader.readexactly(int(match.group(1))) if match else b""
        return int(head[9:12]), body

    def close(self) -> None:
        self.writer.close()


class Phase:
    """Counts completed operations after the warm-up, with latencies and generator CPU time."""

    def __init__(self, name: str, seconds: float, warmup: float) -> None:
        self.name = name
        self.start = time.perf_counter() + warmup
        self.end = self.start + seconds
        self.count = 0
        self.errors: dict[int, int] = {}
        self.latencies: list[float] = []
        self.cpu = 0.0
        self.server_cpu = 0.0
        self.total = 0

    def running(self) -> bool:
        return time.perf_counter() < self.end

    def record(self, started: float, status: int, ok: tuple[int, ...] = (200, 201)) -> None:
        now = time.perf_counter()
        self.total += 1
        if status not in ok:
            self.errors[status] = self.errors.get(status, 0) + 1
        if now >= self.start and started >= self.start and now <= self.end:
            self.count += 1
            if len(self.latencies) < 200_000:
                self.latencies.append(now - started)

    def absorb(self, earlier: Phase) -> None:
        """Count an earlier slice of the same phase as if it had been part of this one."""
        mine, theirs = self.end - self.start, earlier.end - earlier.start
        self.cpu = (self.cpu * mine + earlier.cpu * theirs) / (mine + theirs)
        self.count += earlier.count
        self.total += earlier.total
        self.server_cpu += earlier.server_cpu
        self.latencies += earlier.latencies
        self.start -= theirs
        for status, count in earlier.errors.items():
            self.errors[status] = self.errors.get(status, 0) + count

    def server_us(self) -> float:
        """Server CPU microseconds per completed operation (warm-up included on both sides):
        unlike a rate, this does not move when other work shares the machine."""
        return 1e6 * self.server_cpu / self.total if self.total and self.server_cpu else 0.0

    def rate(self) -> float:
        return self.count / (self.end - self.start)

    def percentile_ms(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def server_cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of the server and its worker processes (Linux /proc), or 0."""
    if pid is None:
        return 0.0
    total, pending = 0.0, [pid]
    try:
        while pending:
            current = pending.pop()
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            children = Path(f"/proc/{current}/task/{current}/children")
            if children.exists():
                pending += [int(child) for child in children.read_text().split()]
    except (OSError, ValueError, IndexError):
        return 0.0
    return total


SERVER_PID: int | None = None


async def run_phase(port: int, name: str, connections: int, seconds: float, warmup: float,
                    worker, pid: int | None = None) -> Phase:
    pid = SERVER_PID if pid is None else pid
    phase = Phase(name, seconds, warmup)
    conns = [await Connection.open(port) for _ in range(connections)]
    cpu = time.process_time()
    server_cpu = server_cpu_seconds(pid)
    await asyncio.gather(*(worker(i, conn, phase) for i, conn in enumerate(conns)))
    phase.server_cpu = server_cpu_seconds(pid) - server_cpu
    phase.cpu = (time.process_time() - cpu) / (seconds + warmup)
    for conn in conns:
        conn.close()
    return phase


NULL_PACKAGE = packages.document("S0000", ["R0000"], "S0000,2026/11/25,0")


async def null_worker(i: int, conn: Connection, phase: Phase) -> None:
    request = request_bytes("POST", "/bench/null", f"S{i:04d}", NULL_PACKAGE)
    while phase.running():
        started = time.perf_counter()
        status, _ = await conn.call(request)
        phase.record(started, status)


def send_worker(recipients: int, run: str):
    async def worker(i: int, conn: Connection, phase: Phase) -> None:
        sender = f"S{i:04d}"
        to = [f"R{(i + k) % 1000:04d}" for k in range(recipients)]
        n = 0
        while phase.running():
            n += 1
            body = packages.document(sender, to, f"{sender},2026/11/25,{run}-{n}")
            request = request_bytes("POST", "/v1/documents", sender, body)
            started = time.perf_counter()
            status, _ = await conn.call(request)
            phase.record(started, status, (201,))
    return worker


class SignedPackages:
    """Signed packages made ahead of the phases, each with its own DocumentId (a repeated one
    would be answered as a duplicate, which costs less); more are signed on demand."""

    def __init__(self, ca_dir: Path, count: int, senders: int) -> None:
        self.signer = PackageSigner(ca_dir)
        self.made = 0
        self.ready = [self.make(f"S{n % senders:04d}") for n in range(count)]

    def make(self, sender: str) -> tuple[str, bytes]:
        self.made += 1
        body = packages.document(sender, [f"R{self.made % 1000:04d}"],
                                 f"{sender},2026/11/25,signed-{self.made}")
        return sender, self.signer.sign(sender, body)

    def take(self, i: int) -> tuple[str, bytes]:
        return self.ready.pop() if self.ready else self.make(f"S{i:04d}")


def signed_worker(signed: SignedPackages):
    async def worker(i: int, conn: Connection, phase: Phase) -> None:
        while phase.running():
            sender, body = signed.take(i)
            request = request_bytes("POST", "/v1/documents", sender, body)
            started = time.perf_counter()
            status, _ = await conn.call(request)
            phase.record(started, status, (201,))
    return worker


async def cycle_worker(i: int, conn: Connection, phase: Phase) -> None:
    """send -> list -> fetch -> ack, one delivery at a time, for this connection's own pair."""
    sender, recipient = f"S{i:04d}", f"C{i:04d}"
    list_request = request_bytes("GET", "/v1/inbox?limit=1", recipient)
    n = 0
    while phase.running():
        n += 1
        started = time.perf_counter()
        body = packages.document(sender, [recipient], f"{sender},2026/11/25,cycle-{n}")
        status, _ = await conn.call(request_bytes("POST", "/v1/documents", sender, body))
        if status != 201:
            phase.record(started, status)
            continue
        if n % 50 == 0:  # refresh the timestamp of the reused listing request
            list_request = request_bytes("GET", "/v1/inbox?limit=1", recipient)
        status, listing = await conn.call(list_request)
        [item] = json.loads(listing)["deliveries"]
        target = f"/v1/deliveries/{item['id']}"
        status, fetched = await conn.call(request_bytes("GET", target, recipient))
        assert status == 200 and fetched == body
        status, _ = await conn.call(request_bytes("POST", target + "/ack", recipient,
                                                  b'{"status":"done"}', "application/json"))
        phase.record(started, status)


def count_worker(systems: int):
    async def worker(i: int, conn: Connection, phase: Phase) -> None:
        rng = random.Random(i)
        timestamp = str(int(time.time()))
        requests = [request_bytes("GET", "/v1/inbox/count", f"X{rng.randrange(systems):06d}",
                                  timestamp=timestamp) for _ in range(500)]
        k = 0
        while phase.running():
            k += 1
            started = time.perf_counter()
            status, _ = await conn.call(requests[k % len(requests)])
            phase.record(started, status)
    return worker


# -- the server --------------------------------------------------------------------------------

def write_directory(path: Path, systems: int, connections: int) -> None:
    with path.open("w") as out:
        out.write("code,name,secret\n")
        for prefix, count in (("S", connections), ("R", 1000), ("C", connections),
                              ("X", systems)):
            digits = 6 if prefix == "X" else 4
            for n in range(count):
                code = f"{prefix}{n:0{digits}d}"
                out.write(f"{code},System {code},{secret_of(code)}\n")


def start_server(workdir: Path, port: int, directory: Path, store: str,
                 workers: int, trust_ca: Path | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                    os.environ.get("PYTHONPATH")]))}
    log_path = workdir / ("server-signed.log" if trust_ca else "server.log")
    log = log_path.open("wb")
    signatures = ["--trust-ca", str(trust_ca)] if trust_ca else []
    process = subprocess.Popen(
        [sys.executable, "-m", "axis", "serve", "--port", str(port), "--store", store,
         "--workers", str(workers), "--admin-token", ADMIN, "--directory", str(directory),
         "--null-endpoint", "--log-level", "warning", *signatures],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"axis exited:\n{log_path.read_text()}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if b" 200 " in sock.recv(100):
                    return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("axis did not start")


async def measure(port: int, signed_server: tuple[int, int], signed: SignedPackages,
                  args: argparse.Namespace) -> dict:
    phases = {}
    seconds, warmup, n = args.seconds, args.warmup, args.connections
    # null, send and signed alternate in short slices, so that drift over the run (other work on
    # a shared machine) affects them alike and the ratios stay meaningful
    rounds = 4
    signed_port, signed_pid = signed_server
    for round_ in range(rounds):
        for name, worker, at, pid in (
                ("null", null_worker, port, None),
                ("send", send_worker(1, f"r{round_}"), port, None),
                ("signed", signed_worker(signed), signed_port, signed_pid)):
            phase = await run_phase(at, name, n, seconds / rounds, warmup / rounds, worker, pid)
            if name in phases:
                phase.absorb(phases[name])
            phases[name] = phase
    phases["send3"] = await run_phase(port, "send3", n, seconds, warmup, send_worker(3, "t"))
    phases["cycle"] = await run_phase(port, "cycle", n, seconds, warmup, cycle_worker)
    phases["count"] = await run_phase(port, "count", n, seconds, warmup, count_worker(args.systems))
    for phase in phases.values():
        print(f"{phase.name:6s} {phase.rate():9.0f}/s  p50 {phase.percentile_ms(0.5):6.2f} ms  "
              f"p99 {phase.percentile_ms(0.99):7.2f} ms  server {phase.server_us():6.0f} us/op  "
              f"generator cpu {phase.cpu:.2f}  "
              f"errors {phase.errors or 0}", file=sys.stderr, flush=True)
    send, null, signed_phase = phases["send"], phases["null"], phases["signed"]
    return {
        "benchmark": "axis_throughput",
        "store": "postgresql" if args.postgres else "sqlite (WAL, synchronous=FULL)",
        "workers": args.workers,
        "connections": n,
        "registered_systems": args.systems + 2 * n + 1000,
        "durable_sends_per_s": round(send.rate(), 1),
        "send_p50_ms": round(send.percentile_ms(0.5), 2),
        "send_p99_ms": round(send.percentile_ms(0.99), 2),
        "deliveries_per_s_3_recipients": round(3 * phases["send3"].rate(), 1),
        "full_cycle_per_s": round(phases["cycle"].rate(), 1),
        "count_polls_per_s": round(phases["count"].rate(), 1),
        "null_endpoint_per_s": round(null.rate(), 1),
        "send_to_null_ratio": round(send.rate() / null.rate(), 3) if null.rate() else None,
        "signed_durable_sends_per_s": round(signed_phase.rate(), 1),
        "signed_send_p50_ms": round(signed_phase.percentile_ms(0.5), 2),
        "signed_send_p99_ms": round(signed_phase.percentile_ms(0.99), 2),
        "signed_to_send_ratio": (round(signed_phase.rate() / send.rate(), 3)
                                 if send.rate() else None),
        "signed_to_send_cpu_ratio": (round(send.server_us() / signed_phase.server_us(), 3)
                                     if signed_phase.server_us() else None),
        "signed_packages_signed_during_phases": max(0, signed.made - args.presigned),
        "server_cpu_us_per_op": {name: round(p.server_us()) for name, p in phases.items()},
        "send_to_null_cpu_ratio": (round(null.server_us() / send.server_us(), 3)
                                   if send.server_us() else None),
        "generator_cpu_share": {name: round(p.cpu, 2) for name, p in phases.items()},
        "errors": {name: p.errors for name, p in phases.items() if p.errors},
        "cpu_count": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0, help="uncounted seconds per phase")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--systems", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="measure a PostgreSQL store instead (a throw-away schema is used)")
    parser.add_argument("--workers", type=int, default=1, help="axis worker processes")
    parser.add_argument("--presigned", type=int, default=4000,
                        help="signed packages made before the phases (default 4000)")
    parser.add_argument("--goal", type=float, default=0.5,
                        help="exit 1 if the send/null ratio is below this (default 0.5)")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    workdir = Path(tempfile.mkdtemp(prefix="axis-bench-"))
    process = None
    schema = None
    store = str(workdir / "axis.db")
    signed_store = str(workdir / "axis-signed.db")
    signed_process = None
    if args.postgres:
        import psycopg

        schema = f"axis_bench_{os.getpid()}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
        separator = "&" if "?" in args.postgres else "?"
        store = f"{args.postgres}{separator}options=-csearch_path%3D{schema}"
        signed_store = store
    try:
        directory = workdir / "directory.csv"
        write_directory(directory, args.systems, args.connections)
        port = free_port()
        started = time.perf_counter()
        process = start_server(workdir, port, directory, store, args.workers)
        global SERVER_PID
        SERVER_PID = process.pid
        startup = time.perf_counter() - started
        signed_port = free_port()
        signed_process = start_server(workdir, signed_port, directory, signed_store,
                                      args.workers, certificates.create(workdir / "ca"))
        signed = SignedPackages(workdir / "ca", args.presigned, args.connections)
        result = asyncio.run(measure(port, (signed_port, signed_process.pid), signed, args))
        result["startup_with_directory_s"] = round(startup, 2)
        result["commit_batches"] = _commit_stats(port)
        ratio = result.get("send_to_null_ratio")
        result["goal"] = args.goal
        result["goal_met"] = bool(ratio is not None and ratio >= args.goal and not result["errors"])
        print(json.dumps(result), flush=True)
        return 0 if result["goal_met"] else 1
    finally:
        for running in (process, signed_process):
            if running is not None:
                running.terminate()
                try:
                    running.wait(15)
                except subprocess.TimeoutExpired:
                    running.kill()
        shutil.rmtree(workdir, ignore_errors=True)
        if schema is not None:
            import psycopg

            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _commit_stats(port: int) -> dict:
    """Mean requests per group commit and mean commit time, from the server's /metrics."""
    with socket.create_connection((HOST, port)) as sock:
        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    values = {}
    for line in data.decode().splitlines():
        for key in ("axis_store_commit_seconds_sum", "axis_store_commit_seconds_count",
                    "axis_store_commit_batch_size_sum"):
            if line.startswith(key + " "):
                values[key] = float(line.split()[1])
    commits = values.get("axis_store_commit_seconds_count", 0)
    if not commits:
        return {}
    return {"commits": int(commits),
            "mean_batch": round(values["axis_store_commit_batch_size_sum"] / commits, 1),
            "mean_commit_ms": round(1000 * values["axis_store_commit_seconds_sum"] / commits, 2)}


if __name__ == "__main__":
    sys.exit(main())
