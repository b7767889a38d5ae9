"""Settings of one axis process, and their round trip through the environment.

`uvicorn --workers N` starts each worker as a fresh interpreter that builds its app from an import
string, so settings cannot be passed as objects: the command line writes them to AXIS_* variables
and every worker reads them back with `Settings.from_env`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_STORE = "axis.db"
DEFAULT_MAX_BODY = 16 * 1024 * 1024
DEFAULT_MAX_WAIT = 60.0
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 60.0


@dataclass(frozen=True)
class Settings:
    store: str = DEFAULT_STORE
    """A SQLite file path (or sqlite:///path), or a postgresql:// URL."""
    admin_token: str | None = None
    """Bearer token for the directory endpoints; None disables them."""
    max_body: int = DEFAULT_MAX_BODY
    """Largest request body accepted, in bytes; larger ones get 413 before they are read."""
    max_wait: float = DEFAULT_MAX_WAIT
    """Longest a long poll (GET /v1/inbox?wait=S) is held."""
    null_endpoint: bool = False
    """Serve POST /bench/null, which reads the body and answers without work (benchmarks)."""
    workers: int = 1
    """Processes serving this store from this command (long polls re-check more often if > 1)."""
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    """Seconds a request's line and headers may take to arrive (`axis.http_guard`)."""
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    """Seconds a request's body may take to arrive once its headers are in."""
    trust_ca: str | None = None
    """PEM file of the CAs agency signing certificates must chain to; None: packages need no
    XML signature (docs/axis.md, "Signatures")."""
    role: str = "standalone"
    """Place in a federation of axes (`axis.federation.roles`): standalone, provincial, platform
    or national."""
    region: str | None = None
    """The province (Hnn) or ministry (Gnn) a provincial axis or platform serves."""
    upstream: str | None = None
    """Base URL of the national axis (provincial and platform roles)."""
    downstream: tuple[tuple[str, str], ...] = ()
    """(region, base URL) of each regional axis below a national one."""
    secret: str | None = None
    """This axis's secret as a registered system of its neighbours (signs what it forwards)."""
    relay_backoff: tuple[float, ...] = (30.0, 120.0, 1200.0)
    """Waits between failing rounds of forwarding to a neighbour (DHX: 30 s, 2 min, 20 min)."""

    def to_env(self) -> dict[str, str]:
        env = {
            "AXIS_STORE": self.store,
            "AXIS_MAX_BODY": str(self.max_body),
            "AXIS_MAX_WAIT": str(self.max_wait),
            "AXIS_NULL_ENDPOINT": "1" if self.null_endpoint else "0",
            "AXIS_WORKERS": str(self.workers),
            "AXIS_HEADER_TIMEOUT": str(self.header_timeout),
            "AXIS_BODY_TIMEOUT": str(self.body_timeout),
        }
        if self.admin_token:
            env["AXIS_ADMIN_TOKEN"] = self.admin_token
        if self.trust_ca:
            env["AXIS_TRUST_CA"] = self.trust_ca
        env["AXIS_ROLE"] = self.role
        env["AXIS_REGION"] = self.region or ""
        env["AXIS_UPSTREAM"] = self.upstream or ""
        env["AXIS_DOWNSTREAM"] = " ".join(f"{r}={url}" for r, url in self.downstream)
        env["AXIS_RELAY_BACKOFF"] = ",".join(f"{d:g}" for d in self.relay_backoff)
        if self.secret:
            env["AXIS_SECRET"] = self.secret
        return env

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            store=env.get("AXIS_STORE", DEFAULT_STORE),
            admin_token=env.get("AXIS_ADMIN_TOKEN") or None,
            max_body=int(env.get("AXIS_MAX_BODY", DEFAULT_MAX_BODY)),
            max_wait=float(env.get("AXIS_MAX_WAIT", DEFAULT_MAX_WAIT)),
            null_endpoint=env.get("AXIS_NULL_ENDPOINT") == "1",
            workers=int(env.get("AXIS_WORKERS", "1")),
            trust_ca=env.get("AXIS_TRUST_CA") or None,
            header_timeout=float(env.get("AXIS_HEADER_TIMEOUT", DEFAULT_HEADER_TIMEOUT)),
            body_timeout=float(env.get("AXIS_BODY_TIMEOUT", DEFAULT_BODY_TIMEOUT)),
            role=env.get("AXIS_ROLE") or "standalone",
            region=env.get("AXIS_REGION") or None,
            upstream=env.get("AXIS_UPSTREAM") or None,
            downstream=tuple(
                tuple(item.split("=", 1)) for item in env.get("AXIS_DOWNSTREAM", "").split()
            ),  # type: ignore[arg-type]
            secret=env.get("AXIS_SECRET") or None,
            relay_backoff=tuple(
                float(d) for d in (env.get("AXIS_RELAY_BACKOFF") or "30,120,1200").split(",")
            ),
        )
