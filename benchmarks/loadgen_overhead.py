"""Load generator overhead: requests per CPU-second of lienthong's agency-system users against a
trivial loopback endpoint, beside plain Locust `FastHttpUser`s against the same endpoint, measured
in the same run. Prints one JSON line at the end; the ratio's goal is at least 0.5.

Why per CPU-second: on a shared 2-core machine the endpoint and the generator compete for cores,
so requests per wall-second would measure the machine. The CPU time of the generator process
(from /proc) over a window after warm-up, against the requests the endpoint counted in that
window, measures the generator alone: the cost of signing, building packages, keeping the ledger
and timing intended sends, per request.

The lienthong users sign every package with an XML signature (an agency certificate from a
throw-away CA), as they do in a load test; the ratio (the goal) is measured so. A third run
without package signatures gives `ratio_unsigned`, the price of signing beside it.

    python benchmarks/loadgen_overhead.py [--window 10] [--users 10]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from loadtest import certificates  # noqa: E402 - after the path is set

LOCUSTFILE = ROOT / "loadtest" / "locustfile.py"
TICKS = os.sysconf("SC_CLK_TCK")

SERVER = textwrap.dedent('''
    # A minimal keep-alive HTTP/1.1 responder: one sendall per answer (no Nagle stalls), no
    # framework, so the endpoint costs as little as possible and is the same for both runs.
    import socket, sys
    from gevent.server import StreamServer
    count = 0
    SEND = b'{"id": 1, "document_id": "x", "kind": "edoc", "sender": "", "deliveries": []}'
    ANSWERS = {
        b"/healthz": (b"200 OK", b'{"status": "ok"}'),
        b"/v1/inbox/count": (b"200 OK", b'{"edoc": 0, "status": 0, "total": 0}'),
        b"/v1/inbox": (b"200 OK", b'{"deliveries": []}'),
        b"/v1/documents": (b"201 Created", SEND),
    }
    def answer(path):
        status, body = ANSWERS.get(path, (b"200 OK", b'{"ok": true}'))
        return (b"HTTP/1.1 " + status + b"\\r\\nContent-Type: application/json\\r\\n"
                b"Content-Length: " + str(len(body)).encode() + b"\\r\\n\\r\\n" + body)
    def handle(sock, address):
        try:
            serve(sock)
        except OSError:  # the generator closed or reset its connection at the end
            pass
    def serve(sock):
        global count
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        while True:
            while b"\\r\\n\\r\\n" not in buffer:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            head, _, buffer = buffer.partition(b"\\r\\n\\r\\n")
            lines = head.split(b"\\r\\n")
            path = lines[0].split(b" ")[1].split(b"?")[0]
            length = 0
            for line in lines[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            while len(buffer) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            buffer = buffer[length:]
            if path == b"/__count":
                body = str(count).encode()
                sock.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: " + str(len(body)).encode()
                             + b"\\r\\n\\r\\n" + body)
                continue
            count += 1
            sock.sendall(answer(path))
    StreamServer(("127.0.0.1", int(sys.argv[1])), handle).serve_forever()
''')

PLAIN = textwrap.dedent('''
    from locust import constant, task
    from locust.contrib.fasthttp import FastHttpUser

    class Plain(FastHttpUser):
        wait_time = constant(0)

        @task
        def poll(self):
            self.client.get("/v1/inbox/count", name="inbox/count")
''')

SCENARIO = textwrap.dedent('''
    [scenario]
    name = "loadgen-overhead"
    seed = 3
    [rollout]
    preset = "2019"
    [demand]
    scale = 3000.0
    [demand.size]
    median_kb = 2.0
    sigma = 0.5
    [delivery]
    poll_interval_s = 0.05
    [loadtest]
    time_scale = 1.0
    shape = "constant"
    demand_scale = 1.0
    drain_s = 1.0
    late_threshold_s = 1.0
''')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc (the generator, not its parent)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def served(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__count", timeout=5) as answer:
        return int(answer.read())


def _wait_for_first_request(process: subprocess.Popen, port: int, log: Path,
                            limit: float = 180.0) -> None:
    """Warm-up counts from the generator's first request, not from its start: importing Locust,
    lxml and signxml took over 11 s on a busy 2-core machine, and a window measured before that
    read 0 requests."""
    before, deadline = served(port), time.monotonic() + limit
    while served(port) == before:
        if process.poll() is not None:
            raise SystemExit(f"generator exited early; see {log}")
        if time.monotonic() > deadline:
            raise SystemExit(f"generator sent nothing in {limit:g} s; see {log}")
        time.sleep(0.2)


def measure(argv: list[str], port: int, warmup: float, window: float, log: Path) -> dict:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        _wait_for_first_request(process, port, log)
        time.sleep(warmup)
        if process.poll() is not None:
            raise SystemExit(f"generator exited early; see {log}")
        cpu0, count0, wall0 = cpu_seconds(process.pid), served(port), time.monotonic()
        time.sleep(window)
        cpu1, count1, wall1 = cpu_seconds(process.pid), served(port), time.monotonic()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    requests, cpu = count1 - count0, max(cpu1 - cpu0, 1e-9)
    return {"requests": requests, "cpu_s": round(cpu, 3),
            "requests_per_s": round(requests / (wall1 - wall0), 1),
            "requests_per_cpu_s": round(requests / cpu, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds before measuring")
    parser.add_argument("--users", type=int, default=10, help="Locust users in both runs")
    parser.add_argument("--goal", type=float, default=0.5,
                        help="exit 1 if the ratio is below this (default 0.5)")
    args = parser.parse_args()
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="lienthong-loadgen-"))
    certificates.create(work)
    (work / "server.py").write_text(SERVER)
    (work / "plain.py").write_text(PLAIN)
    (work / "scenario.toml").write_text(SCENARIO)
    server = subprocess.Popen([sys.executable, str(work / "server.py"), str(port)],
                              start_new_session=True)
    host = f"http://127.0.0.1:{port}"
    run_time = f"{int(args.warmup + args.window + 210)}s"  # start-up, then warm-up and window
    common = ["--headless", "--host", host, "-u", str(args.users), "-r", "100", "-t", run_time,
              "--only-summary", "--loglevel", "WARNING"]
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                served(port)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the trivial endpoint did not start") from None
                time.sleep(0.1)
        plain = measure([sys.executable, "-m", "locust", "-f", str(work / "plain.py"), *common],
                        port, args.warmup, args.window, work / "plain.log")
        lienthong = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *common,
                     "--scenario", str(work / "scenario.toml"), "--no-register",
                     "--secret-key", "benchmark"]
        ours = measure([*lienthong, "--signing-ca", str(work)], port, args.warmup,
                       args.window, work / "lienthong.log")
        unsigned = measure(lienthong, port, args.warmup, args.window,
                           work / "lienthong-unsigned.log")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    ratio = ours["requests_per_cpu_s"] / plain["requests_per_cpu_s"]
    print(f"plain FastHttpUser: {plain}")
    print(f"lienthong users:    {ours} (packages signed)")
    print(f"lienthong unsigned: {unsigned}")
    print(json.dumps({"lienthong_requests_per_cpu_s": ours["requests_per_cpu_s"],
                      "fasthttpuser_requests_per_cpu_s": plain["requests_per_cpu_s"],
                      "lienthong_requests_per_s": ours["requests_per_s"],
                      "fasthttpuser_requests_per_s": plain["requests_per_s"],
                      "lienthong_unsigned_requests_per_cpu_s": unsigned["requests_per_cpu_s"],
                      "ratio": round(ratio, 3), "signed": True,
                      "ratio_unsigned": round(unsigned["requests_per_cpu_s"]
                                              / plain["requests_per_cpu_s"], 3),
                      "goal": args.goal,
                      "goal_met": ratio >= args.goal, "users": args.users,
                      "window_s": args.window}))
    return 0 if ratio >= args.goal else 1


if __name__ == "__main__":
    sys.exit(main())
