"""Starting a real axis as a subprocess on a free loopback port, for tests that need one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "admin-token-for-tests-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`python -m axis serve` with the given options; `start`, `kill` (-9), `stop` (TERM)."""

    def __init__(self, store: str, *extra: str, directory: str | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.store = store
        self.extra = list(extra)
        self.directory = directory
        self.env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        handle, name = tempfile.mkstemp(prefix="axis-test-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)

    def start(self, timeout: float = 30) -> ServerProcess:
        command = [sys.executable, "-m", "axis", "serve", "--port", str(self.port),
                   "--store", self.store, "--admin-token", ADMIN, *self.extra]
        if self.directory:
            command += ["--directory", self.directory]
        env = {**os.environ, **self.env}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the handle
            self.process = subprocess.Popen(command, cwd=ROOT, env=env,
                                            stdout=subprocess.DEVNULL, stderr=log,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.output()
                self.log_path.unlink(missing_ok=True)
                raise RuntimeError(f"axis exited: {output[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        output = self.output()
        self.stop()
        raise RuntimeError(f"axis did not become healthy in time: {output[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group (the server and any workers): no shutdown code runs."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """Stop gracefully and remove the log (`start` puts it in its error when it fails)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log_path.unlink(missing_ok=True)

    def output(self) -> str:
        """What the server wrote to stderr so far."""
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
