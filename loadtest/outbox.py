"""A second opinion on the ledger, from the axis itself: every sender's outbox after the run.

The ledger knows what the load generator saw; the outbox (`GET /v1/outbox`) says what the axis
holds: each package sent by a played agency, each recipient's delivery state, and the status
codes that came back. After a complete drain every delivery of the run is acknowledged `done`;
anything else is a delivery the axis still considers pending - lost from the recipient's point
of view, whatever the generator believed. Works across any number of Locust processes and
machines, since it asks the axis and not the processes.
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from loadtest.agents import AgencySystem
from loadtest.signing import agency_secret, sign

LIMIT = 1000
MAX_PAGES = 1000


def outbox_page(base: str, code: str, secret: str, before: int | None = None,
                timeout: float = 30.0) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the sender's outbox, newest first, and the id to continue before."""
    target = f"/v1/outbox?limit={LIMIT}" + (f"&before={before}" if before else "")
    request = urllib.request.Request(base + target,
                                     headers=sign(code, secret, "GET", target, b""))
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        data = json.loads(answer.read())
    if not isinstance(data, dict):
        return [], None
    return data.get("documents", []), data.get("next")


def outbox(base: str, code: str, secret: str, since: float) -> tuple[list[dict[str, Any]], bool]:
    """Everything the sender sent at or after `since`, paging back (`before=`) as far as needed;
    True as well if the axis gives no way to page further and more may exist."""
    documents: list[dict[str, Any]] = []
    before = None
    for _ in range(MAX_PAGES):
        page, following = outbox_page(base, code, secret, before)
        documents += [d for d in page if float(d.get("sent_at", 0.0)) >= since]
        if not page or following is None or float(page[-1].get("sent_at", 0.0)) < since:
            return documents, False
        before = following
    return documents, True


def check(base: str, agencies: Iterable[AgencySystem], key: str, since: float,
          threads: int = 8) -> dict[str, Any]:
    """Delivery states of everything the played agencies sent at or after `since`."""
    states: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    truncated = 0
    errors = 0

    def one(agency: AgencySystem) -> tuple[list[dict[str, Any]], bool] | None:
        try:
            return outbox(base, agency.code, agency_secret(key, agency.code), since)
        except (OSError, ValueError):
            return None

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for answer in pool.map(one, list(agencies)):
            if answer is None:
                errors += 1
                continue
            documents, more = answer
            truncated += more
            for document in documents:
                kind = document.get("kind", "edoc")
                kinds[kind] += 1
                for recipient in document.get("recipients", []):
                    states[recipient.get("state", "?")] += 1
                    if kind == "edoc":
                        codes = set(recipient.get("status_codes", []))
                        answered["01"] += "01" in codes
                        answered["03"] += "03" in codes
    total = sum(states.values())
    return {"documents": dict(kinds), "deliveries": total, "states": dict(states),
            "not_done": total - states.get("done", 0),
            "edoc_deliveries_with_status": dict(answered),
            "senders_truncated": truncated, "errors": errors}
