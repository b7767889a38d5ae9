"""The outbox check pages back through a sender's outbox on the real axis."""

import time
import urllib.request

from loadtest import edxml, outbox
from loadtest.agents import AgencySystem
from loadtest.directory import register
from loadtest.signing import agency_secret, sign

SENDER = AgencySystem(0, "LT.OUTBOX.S", "Sender", 2, 1.0)
RECEIVER = AgencySystem(1, "LT.OUTBOX.R", "Receiver", 3, 0.0)


def test_counts_states_over_several_pages(axis, monkeypatch):
    key = "outbox-test"
    register(axis.url, axis.token, [SENDER, RECEIVER], key)
    since = time.time() - 1
    secret = agency_secret(key, SENDER.code)
    for n in range(5):
        body = edxml.document(SENDER.code, [RECEIVER.code], f"{SENDER.code},2020/06/01,OB{n}",
                              intended=time.time())
        headers = sign(SENDER.code, secret, "POST", "/v1/documents", body)
        headers["Content-Type"] = "application/xml"
        request = urllib.request.Request(axis.url + "/v1/documents", data=body, method="POST",
                                         headers=headers)
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 201
    monkeypatch.setattr(outbox, "LIMIT", 2)  # five documents: three pages
    result = outbox.check(axis.url, [SENDER, RECEIVER], key, since)
    assert result["documents"] == {"edoc": 5} and result["deliveries"] == 5
    assert result["not_done"] == 5 and "done" not in result["states"]
    assert result["senders_truncated"] == 0 and result["errors"] == 0
    assert result["edoc_deliveries_with_status"] == {"01": 0, "03": 0}
