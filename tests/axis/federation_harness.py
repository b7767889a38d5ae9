"""A small federation of real axis processes on loopback: one national axis and two provincial
ones, each with its own store, registered as systems of each other, each requiring agencies' XML
signatures from one throw-away CA (`--trust-ca`), for the relay tests."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.axis.conftest import secret_of
from tests.axis.server_process import ADMIN, ServerProcess, free_port

FAST_BACKOFF = "0.2,0.4,0.8"
NATIONAL = "axis.national"


def axis_secret(code: str) -> str:
    return f"axis-secret-{code}-0123456789"


def register(url: str, code: str, secret: str) -> None:
    response = httpx.put(f"{url}/v1/agencies/{code}", json={"name": code, "secret": secret},
                         headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
    assert response.status_code in (200, 201), response.text


class Federation:
    """national + provincial axes for the given regions; `stores(name)` gives each its store."""

    def __init__(self, regions: tuple[str, ...], store: Callable[[str], str],
                 trust_ca: Path) -> None:
        self.trust_ca = trust_ca
        self.signer: Any = None
        """What signs each agency's packages (the tests set a `PackageSigner` on this CA)."""
        self.ports = {name: free_port() for name in ("national", *regions)}
        self.regions = regions
        url = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        downstream = [arg for r in regions for arg in ("--downstream", f"{r}={url[r]}")]
        self.axes: dict[str, ServerProcess] = {
            "national": self._process(store("national"), "national", downstream, NATIONAL),
        }
        for region in regions:
            self.axes[region] = self._process(
                store(region), region, ["--role", "provincial", "--region", region,
                                        "--upstream", url["national"]], f"axis.{region}")

    def _process(self, store: str, name: str, extra: list[str], code: str) -> ServerProcess:
        role = ["--role", "national"] if name == "national" else []
        process = ServerProcess(store, *role, *extra, "--relay-backoff", FAST_BACKOFF,
                                "--trust-ca", str(self.trust_ca),
                                env={"LIENTHONG_AXIS_SECRET": axis_secret(code)})
        process.port = self.ports[name]
        process.url = f"http://127.0.0.1:{process.port}"
        return process

    def start(self) -> Federation:
        for process in self.axes.values():
            process.start()
        national = self.axes["national"].url
        for region in self.regions:
            register(national, f"axis.{region}", axis_secret(f"axis.{region}"))
            register(self.axes[region].url, NATIONAL, axis_secret(NATIONAL))
        return self

    def agency(self, name: str, code: str) -> None:
        register(self.axes[name].url, code, secret_of(code))

    def stop(self) -> None:
        for process in self.axes.values():
            process.stop()

    def __enter__(self) -> Federation:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def eventually(check: Callable[[], object], timeout: float = 20.0, what: str = "") -> object:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.1)


def unique_id() -> str:
    return secrets.token_hex(4)
