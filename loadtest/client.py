"""The axis protocol over one Locust HTTP session: signed requests, tolerant answers.

Every request is signed for the agency it is made on behalf of; one Locust user plays several
agencies over one connection pool. Requests are named by operation (not by URL, which carries
delivery ids) so Locust's statistics have one row per operation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from loadtest.signing import sign
from loadtest.xmlsig import PackageSigner


@dataclass
class Answer:
    status: int
    body: bytes
    ok: bool

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None


class AxisClient:
    """Signed calls for several agencies; `bases` (agency -> base URL) sends each agency's calls
    to its own axis in a federation (the session's host otherwise)."""

    def __init__(self, session: Any, secrets: dict[str, str],
                 signer: PackageSigner | None = None,
                 bases: dict[str, str] | None = None) -> None:
        self.session = session
        self.secrets = secrets
        self.signer = signer
        """Signs every package sent (XML signature with the agency's certificate), if set."""
        self.bases = bases or {}

    def call(self, agency: str, method: str, target: str, name: str, body: bytes = b"",
             content_type: str | None = None) -> Answer:
        headers = sign(agency, self.secrets[agency], method, target, body)
        if content_type:
            headers["Content-Type"] = content_type
        url = self.bases.get(agency, "") + target
        with self.session.request(method, url, name=name, data=body or None,
                                  headers=headers, catch_response=True) as response:
            status = int(response.status_code or 0)
            content = response.content or b""
            ok = 200 <= status < 300
            if ok:
                response.success()
            else:
                text = content[:200].decode("utf-8", "replace")
                response.failure(f"{status} {text}" if status else str(response.error))
        return Answer(status, content, ok)

    def send(self, agency: str, package: bytes, name: str = "send") -> Answer:
        if self.signer is not None:
            package = self.signer.sign(agency, package)
        return self.call(agency, "POST", "/v1/documents", name, package, "application/xml")

    def count(self, agency: str) -> int | None:
        answer = self.call(agency, "GET", "/v1/inbox/count", "inbox/count")
        data = answer.json() if answer.ok else None
        if isinstance(data, dict):
            total = data.get("total", data.get("count"))
            if total is None:
                total = sum(v for v in data.values() if isinstance(v, int))
            return int(total)
        return None

    def inbox(self, agency: str, limit: int, wait: float = 0.0) -> list[dict[str, Any]] | None:
        target = f"/v1/inbox?limit={limit}" + (f"&wait={wait:g}" if wait else "")
        answer = self.call(agency, "GET", target, "inbox (long poll)" if wait else "inbox")
        data = answer.json() if answer.ok else None
        if isinstance(data, dict):
            data = data.get("deliveries", data.get("items"))
        return data if isinstance(data, list) else None

    def fetch(self, agency: str, delivery_id: int) -> Answer:
        return self.call(agency, "GET", f"/v1/deliveries/{delivery_id}", "fetch")

    def ack(self, agency: str, delivery_id: int, state: str = "done") -> Answer:
        body = json.dumps({"status": state}).encode()
        return self.call(agency, "POST", f"/v1/deliveries/{delivery_id}/ack", "ack", body,
                         "application/json")
