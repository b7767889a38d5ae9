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
        )
