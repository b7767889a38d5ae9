"""The HTTP endpoints of the axis protocol (see docs/axis.md).

Handlers take the raw `Request` and return ready `Response`s: the body must be read under a size
limit before anything else and is needed verbatim for the signature, and skipping FastAPI's
response validation keeps the hot paths (send, inbox/count) cheap. FastAPI still checks query and
path parameters and documents everything in /openapi.json.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Path, Query, Request
from starlette.responses import Response

from axis import auth, edxml
from axis.checks import Checks
from axis.config import Settings
from axis.directory import DirectoryCache, DirectoryError, check_entry
from axis.federation import trace
from axis.federation.relay import RelayWorker
from axis.federation.roles import Role, make_role
from axis.longpoll import Waiters
from axis.metrics import Metrics
from axis.responses import HTTPError, JSONDecodeError, dumps, json_response, loads
from axis.store.base import ACK_STATES, MAX_ID, Store
from axis.xmlsig import SignatureError, TrustedCAs

log = logging.getLogger("axis.auth")

JSON_LIMIT = 64 * 1024
OFFLOAD_BYTES = edxml.LARGE_BYTES
"""Bodies above this are hashed and parsed on `checks` so one big package does not stall polls."""
UNAUTHENTICATED = ("X-Signature does not verify for this X-Agency: expected a registered "
                   "agency's hex HMAC-SHA256 over METHOD\\nPATH?QUERY\\nTIMESTAMP\\nhex SHA-256 "
                   "of the body")
"""The one answer to an unknown agency and to a wrong signature alike, so that agency codes
cannot be enumerated; the log tells the two apart."""
_NO_SECRET = "\x00 no agency has this secret"


@dataclass
class AxisState:
    """What the handlers share, built once by the app's lifespan."""

    settings: Settings
    store: Store
    directory: DirectoryCache
    waiters: Waiters
    metrics: Metrics
    recheck_seconds: float
    checks: Checks
    trust: TrustedCAs | None = None
    """The CAs agency signatures must chain to (`--trust-ca`); None: packages are not checked."""
    role: Role = dataclasses.field(default_factory=lambda: make_role("standalone"))
    """Place in a federation (`axis.federation.roles`)."""
    relay: RelayWorker | None = None


def _state(request: Request) -> AxisState:
    return request.app.state.axis


async def read_body(request: Request, limit: int, declared: str | None = "") -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed `limit`.

    A declared Content-Length over the limit is refused before reading anything; a chunked body
    is counted while it streams, so an oversized upload never sits in memory whole. `declared`
    is the Content-Length header when the caller has already looked it up (None: absent).
    """
    if declared == "":
        declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise HTTPError(400, f"Content-Length {declared[:20]!r} is not a number")
        if int(declared) > limit:
            raise HTTPError(413, f"body of {declared} bytes exceeds the limit of {limit} bytes")
    # Straight from the ASGI receive channel: Starlette's stream() wrapper costs more than the
    # single message a small package arrives in.
    chunks: list[bytes] = []
    size = 0
    receive = request.receive
    deadline = time.monotonic() + _state(request).settings.body_timeout
    while True:
        try:
            async with asyncio.timeout_at(_loop_deadline(deadline)):
                message = await receive()
        except TimeoutError:
            raise HTTPError(408, "request body not received within "
                                 f"{_state(request).settings.body_timeout:g} s",
                            {"Connection": "close"}) from None
        if message["type"] == "http.disconnect":
            raise HTTPError(400, "client disconnected before the body was complete")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise HTTPError(413, f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    if len(chunks) == 1:
        return chunks[0]
    if size > OFFLOAD_BYTES:
        # Copying megabytes together takes the loop 20 ms per 16 MiB on a busy machine;
        # `bytes.join` releases the GIL for large results, so a check thread does it meanwhile.
        return await _state(request).checks.run(b"".join, chunks)
    return b"".join(chunks)


def _loop_deadline(monotonic_deadline: float) -> float:
    """A `time.monotonic()` deadline on the event loop's clock."""
    return asyncio.get_running_loop().time() + (monotonic_deadline - time.monotonic())


def request_target(request: Request) -> str:
    """Path plus "?query" exactly as sent on the request line: what the client signed."""
    scope = request.scope
    raw = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string", b"")
    target = raw + b"?" + query if query else raw
    return target.decode("latin-1")


_AUTH_HEADERS = {b"x-agency": 0, b"x-timestamp": 1, b"x-signature": 2, b"content-length": 3}


def _auth_headers(scope: dict) -> list[str | None]:
    """[X-Agency, X-Timestamp, X-Signature, Content-Length] in one pass over the raw headers
    (ASGI names are lowercase; the first occurrence counts, as with `request.headers.get`)."""
    found: list[str | None] = [None, None, None, None]
    for name, value in scope["headers"]:
        index = _AUTH_HEADERS.get(name)
        if index is not None and found[index] is None:
            found[index] = value.decode("latin-1")
    return found


async def authenticate(request: Request, limit: int) -> tuple[str, bytes]:
    """(agency code, body) of a correctly signed request; 401 otherwise.

    An unknown agency is answered exactly as a wrong signature, after the same work (the body is
    read and a signature computed), so the answer does not tell which codes exist.
    """
    state = _state(request)
    agency, timestamp, signature, declared = _auth_headers(request.scope)
    try:
        claim = auth.claim_from_headers(agency, timestamp, signature)
    except auth.AuthError as error:
        raise HTTPError(401, error.message) from None
    directory = state.directory
    secret = directory.cached_secret(claim.agency)
    if secret is None:
        secret = await directory.secret(claim.agency)
    body = await read_body(request, limit, declared)
    target = request_target(request)
    method = request.scope["method"]
    if secret is None:
        with contextlib.suppress(auth.AuthError):
            await _verify(state, claim, _NO_SECRET, method, target, body)
        log.info("401: X-Agency %r is not a registered agency", claim.agency[:64])
        raise HTTPError(401, UNAUTHENTICATED)
    try:
        await _verify(state, claim, secret, method, target, body)
    except auth.AuthError:
        # The cached secret may be stale (changed through another process): check once more.
        fresh = await state.directory.fresh_secret(claim.agency)
        if fresh is None or fresh == secret:
            log.info("401: wrong X-Signature from %r", claim.agency[:64])
            raise HTTPError(401, UNAUTHENTICATED) from None
        try:
            await _verify(state, claim, fresh, method, target, body)
        except auth.AuthError:
            log.info("401: wrong X-Signature from %r", claim.agency[:64])
            raise HTTPError(401, UNAUTHENTICATED) from None
    return claim.agency, body


async def _verify(state: AxisState, claim: auth.Claim, secret: str, method: str, target: str,
                  body: bytes) -> None:
    if len(body) > OFFLOAD_BYTES:
        await state.checks.run(auth.verify, claim, secret, method, target, body)
    else:
        auth.verify(claim, secret, method, target, body)


def require_admin(request: Request) -> None:
    token = _state(request).settings.admin_token
    if not token:
        raise HTTPError(401, "directory endpoints are disabled: start the axis with --admin-token")
    if not auth.admin_ok(request.headers.get("authorization"), token):
        raise HTTPError(401, "missing or wrong admin token (Authorization: Bearer <token>)")


def parse_json_object(body: bytes, keys: set[str]) -> dict:
    try:
        data = loads(body)
    except JSONDecodeError:
        raise HTTPError(400, "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise HTTPError(422, f"body must be a JSON object with {', '.join(sorted(keys))}")
    unknown = set(data) - keys
    if unknown:
        raise HTTPError(422, f"unknown field(s) in body: {', '.join(sorted(map(str, unknown)))}")
    return data


# -- operations ------------------------------------------------------------------------------

async def healthz(request: Request) -> Response:
    state = _state(request)
    try:
        await state.store.ping()
    except Exception as error:
        return json_response({"status": "unavailable", "error": str(error)}, 503)
    return json_response({"status": "ok", "store": state.store.kind})


async def metrics(request: Request) -> Response:
    state = _state(request)
    stats = await state.store.stats()
    relay = await state.store.relay_stats() if state.relay is not None else []
    body, content_type = state.metrics.exposition({**stats,
                                                   "long_polls_waiting": len(state.waiters)},
                                                  relay)
    return Response(body, media_type=content_type)


async def put_agency(
    request: Request, code: Annotated[str, Path(min_length=1, max_length=64)]
) -> Response:
    require_admin(request)
    data = parse_json_object(await read_body(request, JSON_LIMIT), {"name", "secret"})
    try:
        code, name, secret = check_entry(code, data.get("name"), data.get("secret"))
    except DirectoryError as error:
        raise HTTPError(422, str(error)) from None
    state = _state(request)
    created = await state.store.put_agency(code, name, secret)
    state.directory.remember(code, secret)
    return json_response({"code": code, "name": name, "created": created},
                         201 if created else 200)


async def list_agencies(
    request: Request,
    after: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    require_admin(request)
    rows = await _state(request).store.list_agencies(after, limit)
    return json_response({
        "agencies": [{"code": code, "name": name} for code, name in rows],
        "next": rows[-1][0] if len(rows) == limit else None,
    })


async def send(request: Request) -> Response:
    state = _state(request)
    agency, body = await authenticate(request, state.settings.max_body)
    try:
        if len(body) > OFFLOAD_BYTES:
            package = await state.checks.run(edxml.parse, body)
        else:
            package = edxml.parse(body)
    except edxml.PackageError as error:
        raise HTTPError(error.status, error.message) from None
    if package.kind != edxml.EDOC:  # metrics: status packages are their own operation
        request.scope["axis.operation"] = "send_status"
    role = state.role
    federated = role.federated
    if federated and role.is_peer(agency):
        package = _relayed(role, agency, package)
    elif package.sender != agency:
        where = "From/OrganId" if package.kind == edxml.EDOC else "Status/From/OrganId"
        raise HTTPError(403, f"{where} is {package.sender[:64]!r} but the request is signed "
                             f"by {agency!r}")
    directory = state.directory
    unknown = []
    relay: dict[str, str] = {}
    for recipient in package.recipients:  # a plain loop: no coroutine unless one is not cached
        hop = role.route(recipient) if federated else None
        if hop is not None:
            relay[recipient] = hop
        elif not directory.cached(recipient) and not await directory.exists(recipient):
            unknown.append(recipient)
    if unknown:
        where = "To/OrganId" if package.kind == edxml.EDOC else "Status/ResponseFor/OrganId"
        named = ", ".join(code[:64] for code in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise HTTPError(422, f"unknown recipient(s) in {where}: {named}{more}")
    if state.trust is not None:
        try:
            await state.checks.run(state.trust.verify, body, package.sender)
        except SignatureError as error:
            raise HTTPError(422, error.message) from None
    hops = ""
    if federated:  # the package's bytes stay as signed; the hops travel beside them
        assert role.code is not None
        incoming = request.headers.get(trace.HEADER, "") if role.is_peer(agency) else ""
        try:
            hops = trace.append(incoming, role.code, time.time())
        except trace.TraceError as error:
            raise HTTPError(422, str(error)) from None
    outcome = await state.store.send(package, body, relay or None, hops)
    if not outcome.duplicate:
        state.waiters.wake_all(package.recipients)
        if relay and state.relay is not None:
            state.relay.wake(set(relay.values()))
    return Response(dumps(outcome.as_json()), status_code=200 if outcome.duplicate else 201,
                    media_type="application/json")


def _relayed(role: Role, peer: str, package: edxml.Package) -> edxml.Package:
    """A package a neighbouring axis forwarded: only for senders on its side, and only for the
    recipients on this side of it (the others it serves itself, or has sent elsewhere)."""
    if not role.accepts_relay(peer, package.sender):
        raise HTTPError(403, f"{peer} may not relay packages from {package.sender[:64]!r}: "
                             "that sender is not on its side of this axis")
    recipients = tuple(r for r in package.recipients if role.route(r) != peer)
    if not recipients:
        raise HTTPError(422, f"none of the recipients is beyond {peer} from here")
    return dataclasses.replace(package, recipients=recipients)


async def inbox(
    request: Request,
    kind: Literal["edoc", "status"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    wait: Annotated[float, Query(ge=0, le=3600)] = 0,
) -> Response:
    state = _state(request)
    agency, _ = await authenticate(request, JSON_LIMIT)
    items = await state.store.inbox(agency, kind, limit)
    if not items and wait > 0:
        # A held poll whose client goes away is dropped at once, not at its deadline (5,000
        # abandoned polls held 76 MiB for a minute).
        gone = asyncio.ensure_future(_disconnected(request))
        try:
            deadline = time.monotonic() + min(wait, state.settings.max_wait)
            while not items:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                waiting = asyncio.ensure_future(
                    state.waiters.wait(agency, min(left, state.recheck_seconds)))
                await asyncio.wait((waiting, gone), return_when=asyncio.FIRST_COMPLETED)
                if gone.done():
                    waiting.cancel()
                    return Response(status_code=204)  # nobody reads it
                items = await state.store.inbox(agency, kind, limit)
        finally:
            gone.cancel()
    return Response(dumps({"deliveries": [i.as_json() for i in items]}),
                    media_type="application/json")


async def _disconnected(request: Request) -> None:
    """Return when the client closes the connection (the body has been read already)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def inbox_count(request: Request) -> Response:
    state = _state(request)
    agency, _ = await authenticate(request, JSON_LIMIT)
    counts = await state.store.inbox_count(agency)
    counts["total"] = counts["edoc"] + counts["status"]
    return Response(dumps(counts), media_type="application/json")


async def fetch(
    request: Request, delivery_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    state = _state(request)
    agency, _ = await authenticate(request, JSON_LIMIT)
    fetched = await state.store.fetch(agency, delivery_id)
    if fetched is None:
        raise HTTPError(404, f"no delivery {delivery_id} sent to or by {agency}")
    headers = {
        "X-Delivery-Id": str(fetched.id),
        "X-Sender": fetched.sender,
        "X-Recipient": fetched.recipient,
        "X-Kind": fetched.kind,
    }
    if fetched.trace:
        headers[trace.HEADER] = fetched.trace
    return Response(fetched.body, media_type="application/xml", headers=headers)


async def ack(
    request: Request, delivery_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    state = _state(request)
    agency, body = await authenticate(request, JSON_LIMIT)
    data = parse_json_object(body, {"status"})
    status = data.get("status")
    if status not in ACK_STATES:
        raise HTTPError(422, f"status must be one of {', '.join(ACK_STATES)}, not {status!r}")
    new = await state.store.ack(agency, delivery_id, status)
    return json_response({"id": delivery_id, "state": new})


async def outbox(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    state = _state(request)
    agency, _ = await authenticate(request, JSON_LIMIT)
    items = await state.store.outbox(agency, limit, before)
    return json_response({
        "documents": [i.as_json() for i in items],
        "next": items[-1].id if len(items) == limit else None,
    })


NULL_ANSWER = dumps({"id": 0, "document_id": "", "kind": "edoc", "sender": "", "created_at": 0.0,
                     "deliveries": [{"id": 0, "recipient": ""}], "duplicate": False})


async def null(request: Request) -> Response:
    """The benchmark's baseline: same HTTP stack, body read under the limit, no work at all."""
    await read_body(request, _state(request).settings.max_body)
    return Response(NULL_ANSWER, status_code=201, media_type="application/json")
