"""Property-based run of /openapi.json (schemathesis): no request makes the axis answer 5xx.

Most generated requests would stop at the signature check, so a test-only ASGI wrapper signs
three of every four requests as a registered agency (and adds the admin token): the fuzzing then
reaches the parsers, the store and the state machine behind authentication. A few packages are
sent first so that delivery ids exist to fetch and acknowledge.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import shutil
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from axis import edxml, packages, signing
from axis.app import create_app
from axis.config import Settings
from axis.store.sqlite import SqliteStore
from tests.axis.conftest import ADMIN_TOKEN, AGENCIES, A, B, C, secret_of

FUZZ_EXAMPLES = int(os.environ.get("AXIS_FUZZ_EXAMPLES", "40"))
"""Examples per operation; raise it locally for a deeper run (400 took 40 s, found nothing)."""

_DIR = os.path.join(tempfile.gettempdir(), f"axis-fuzz-{os.getpid()}")
_STORE = SqliteStore(f"{_DIR}/axis.db")  # opened by the app's lifespan, on the first request
# schemathesis ends the app's lifespan (closing the store) after this module's fixtures are gone,
# so the files are removed when the interpreter exits.
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)


async def _seed() -> None:
    store = SqliteStore(f"{_DIR}/axis.db")
    await store.open()
    await store.put_agencies([(code, f"Agency {code}", secret_of(code)) for code in AGENCIES])
    for n in range(5):
        body = packages.document(A, [B, C], f"{A},2026/11/25,{n}")
        await store.send(edxml.parse(body), body)
    await store.close()


@pytest.fixture(scope="module", autouse=True)
def seeded_store():
    """Registered agencies and a few deliveries before the first request."""
    shutil.rmtree(_DIR, ignore_errors=True)
    asyncio.run(_seed())
    yield


_APP = create_app(Settings(store="unused", admin_token=ADMIN_TOKEN, max_body=200_000,
                           max_wait=0.2), store=_STORE)


class SigningWrapper:
    """Signs requests on their way into the app, as the agencies' own clients would."""

    def __init__(self, app) -> None:
        self.app = app
        self.turn = itertools.count()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        turn = next(self.turn)
        if turn % 4 == 3:  # leave some unsigned: the 401 path is fuzzed too
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        agency = (A, B)[turn % 2]
        target = scope["raw_path"] + (b"?" + scope["query_string"] if scope["query_string"]
                                      else b"")
        headers = signing.sign_headers(agency, secret_of(agency), scope["method"],
                                       target.decode("latin-1"), body)
        headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        names = {name.lower().encode() for name in headers}
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() not in names] + [
            (k.lower().encode(), v.encode()) for k, v in headers.items()]
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


_WRAPPED = SigningWrapper(_APP)
_WRAPPED.router = _APP.router  # type: ignore[attr-defined]
schema = schemathesis.openapi.from_asgi("/openapi.json", _WRAPPED)


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case) -> None:
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500, f"{case.method} {case.path}: {response.text[:500]}"


def test_fuzzing_reaches_past_authentication() -> None:
    """The same generator through the same signing wrapper gets 2xx answers as well as 4xx, so
    the fuzzing above goes deep. It draws its own cases: it passes alone, in any order."""
    statuses: dict[int, int] = {}

    @given(case=schema.as_strategy())
    @settings(max_examples=FUZZ_EXAMPLES * 3, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def probe(case) -> None:
        status = case.call().status_code // 100
        statuses[status] = statuses.get(status, 0) + 1

    probe()
    assert statuses.get(2, 0) > 10 and statuses.get(4, 0) > 10, statuses

