"""Assembling the axis: routes, error handling, OpenAPI description, and the store's lifetime.

`create_app(settings)` is all a server needs; `app_from_env()` is the factory uvicorn workers use
(see `axis.config`). The OpenAPI document at /openapi.json describes every endpoint, including the
XML request body of a send and the three signature headers, so schemathesis and client
generators can work from it.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from axis import endpoints, http_guard
from axis.checks import Checks
from axis.config import Settings
from axis.directory import DirectoryCache
from axis.edxml import NAMESPACE
from axis.federation.relay import RelayMetrics, RelayWorker
from axis.federation.roles import make_role
from axis.longpoll import Waiters, recheck_seconds
from axis.metrics import Metrics, MetricsMiddleware
from axis.responses import HTTPError, error_response
from axis.store import open_store
from axis.store.base import Store, StoreError
from axis.xmlsig import TrustedCAs

AGENCY_SECURITY = [{"AgencyCode": [], "AgencyTimestamp": [], "AgencySignature": []}]
ADMIN_SECURITY = [{"AdminToken": []}]

ERROR_SCHEMA = {"type": "object", "properties": {"error": {"type": "string"}},
                "required": ["error"]}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"description": "Error", "content": {"application/json": {
        "schema": ERROR_SCHEMA}}} for code in codes}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


SEND_BODY = {"requestBody": {
    "required": True,
    "description": f"An edXML package (QCVN 102:2016, namespace {NAMESPACE}): a document "
                   "(edXMLHeader/MessageHeader) or a status (edXMLHeader/Status).",
    "content": {"application/xml": {"schema": {"type": "string"}}},
}}

DELIVERY_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "recipient": {"type": "string"}}}
SEND_RESULT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "document_id": {"type": "string"}, "kind": {"type": "string"},
    "sender": {"type": "string"}, "created_at": {"type": "number"},
    "deliveries": {"type": "array", "items": DELIVERY_SCHEMA}, "duplicate": {"type": "boolean"}}}
INBOX_ITEM = {"type": "object", "properties": {
    "id": {"type": "integer"}, "document_id": {"type": "string"}, "sender": {"type": "string"},
    "kind": {"type": "string", "enum": ["edoc", "status"]}, "priority": {"type": "integer"},
    "size": {"type": "integer"}, "sent_at": {"type": "number"}, "state": {"type": "string"}}}


def _ok(description: str, schema: dict[str, Any] | None = None, status: int = 200,
        media: str = "application/json") -> dict[int | str, dict[str, Any]]:
    content = {media: {"schema": schema or {"type": "object"}}}
    return {status: {"description": description, "content": content}}


def _agency(*codes: int) -> dict[str, Any]:
    return {"security": AGENCY_SECURITY, "responses": _errors(401, *codes)}


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The ASGI app; it opens the store (from `settings.store` unless one is given) on startup."""
    metrics = Metrics()
    http_guard.configure(settings.header_timeout)
    role = make_role(settings.role, settings.region, settings.upstream,
                     dict(settings.downstream))
    relay_metrics = RelayMetrics(metrics.registry) if role.federated else None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        the_store = store if store is not None else open_store(settings.store)
        the_store.set_commit_observer(metrics.observe_commit)
        await the_store.open()
        directory = DirectoryCache(the_store)
        waiters = Waiters()
        checks = Checks()
        trust = TrustedCAs.from_file(settings.trust_ca) if settings.trust_ca else None
        relay = None
        if relay_metrics is not None:
            assert settings.secret, "a federated axis needs its secret (checked by the CLI)"
            relay = RelayWorker(the_store, role, settings.secret, relay_metrics,
                                backoff=settings.relay_backoff)
        try:
            await directory.start()
            the_store.subscribe(waiters.wake)
            recheck = recheck_seconds(the_store.kind, settings.workers)
            app.state.axis = endpoints.AxisState(settings, the_store, directory, waiters, metrics,
                                                 recheck, checks, trust, role, relay)
            if relay is not None:
                await relay.start()
            _freeze_startup_objects()
            yield
        finally:
            if relay is not None:
                await relay.stop()
            checks.close()
            await directory.stop()
            await the_store.close()

    app = FastAPI(
        title="lienthong reference axis",
        version="1.0",
        description="Document exchange between agencies' document-management systems: edXML "
        "packages in, per-recipient deliveries out, HMAC-signed requests. See docs/axis.md.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        **_without_fastapi_telemetry(),
    )
    _routes(app, settings)
    _error_handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _freeze_startup_objects() -> None:
    """Exempt everything that exists once the axis is up from later garbage collections.

    The modules, routes and directory cache live as long as the process, yet every full
    collection walked them all: a send allocates enough container objects (the parsed package's
    elements, futures, coroutines) to trigger collections often, and those walks cost a send
    about 10% of its CPU time. Objects created later (per request) are collected as before.
    """
    gc.collect()
    gc.freeze()


def _without_fastapi_telemetry() -> dict[str, Any]:
    """Recent FastAPI releases trace every request through OpenTelemetry unless told not to;
    the axis has its own Prometheus metrics, and the check alone costs microseconds per request.
    Older releases have no such option."""
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False,
                          "operation_spans": False}}


def _routes(app: FastAPI, settings: Settings) -> None:
    route = app.add_api_route
    route("/healthz", endpoints.healthz, methods=["GET"], tags=["operations"],
          summary="Liveness and store reachability", responses=_ok("Healthy") | _errors(503))
    route("/metrics", endpoints.metrics, methods=["GET"], tags=["operations"],
          summary="Prometheus metrics",
          responses=_ok("Metrics", {"type": "string"}, media="text/plain"))
    route("/v1/agencies/{code}", endpoints.put_agency, methods=["PUT"], tags=["directory"],
          summary="Register or update a connected system",
          openapi_extra={"security": ADMIN_SECURITY} | _json_body({
              "type": "object", "required": ["name", "secret"], "additionalProperties": False,
              "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 300},
                             "secret": {"type": "string", "minLength": 16, "maxLength": 256}}}),
          responses=_ok("Updated") | _ok("Registered", status=201) | _errors(400, 401, 413, 422))
    route("/v1/agencies", endpoints.list_agencies, methods=["GET"], tags=["directory"],
          summary="List connected systems (code and name, never secrets), in code order",
          openapi_extra={"security": ADMIN_SECURITY}, responses=_errors(401))
    route("/v1/documents", endpoints.send, methods=["POST"], tags=["exchange"],
          summary="Send an edXML document or status package",
          description="201 once the package and one delivery per recipient are committed; 200 "
          "with the original result if the sender already sent this DocumentId (or this "
          "status).",
          openapi_extra=SEND_BODY | _agency(400, 403, 413, 422, 503),
          responses=_ok("Stored", SEND_RESULT, 201) | _ok("Duplicate", SEND_RESULT))
    route("/v1/inbox", endpoints.inbox, methods=["GET"], tags=["exchange"],
          summary="Pending deliveries to the caller: highest priority first, then oldest",
          description="With wait=S the request is held up to S seconds (at most the server's "
          "limit) until a delivery arrives.",
          openapi_extra=_agency(),
          responses=_ok("Pending deliveries", {"type": "object", "properties": {
              "deliveries": {"type": "array", "items": INBOX_ITEM}}}))
    route("/v1/inbox/count", endpoints.inbox_count, methods=["GET"], tags=["exchange"],
          summary="Number of pending deliveries by kind (the cheap poll)",
          openapi_extra=_agency(),
          responses=_ok("Counts", {"type": "object", "properties": {
              "edoc": {"type": "integer"}, "status": {"type": "integer"},
              "total": {"type": "integer"}}}))
    route("/v1/deliveries/{delivery_id}", endpoints.fetch, methods=["GET"], tags=["exchange"],
          summary="The package bytes of a delivery, exactly as sent",
          openapi_extra=_agency(404),
          responses=_ok("The package", {"type": "string"}, media="application/xml"))
    route("/v1/deliveries/{delivery_id}/ack", endpoints.ack, methods=["POST"],
          tags=["exchange"], summary="Acknowledge a delivery: done (leaves the inbox), fail or "
          "processing",
          openapi_extra=_agency(400, 404, 409, 413, 422) | _json_body({
              "type": "object", "required": ["status"], "additionalProperties": False,
              "properties": {"status": {"type": "string", "enum": ["done", "fail",
                                                                   "processing"]}}}),
          responses=_ok("New state"))
    route("/v1/outbox", endpoints.outbox, methods=["GET"], tags=["exchange"],
          summary="The caller's sent packages, newest first, with each recipient's state and "
          "the status codes it sent back",
          openapi_extra=_agency(), responses=_ok("Sent packages"))
    if settings.null_endpoint:
        route("/bench/null", endpoints.null, methods=["POST"], include_in_schema=False)


def _error_handlers(app: FastAPI) -> None:
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPError)
        return error_response(error.status, error.message, error.headers)

    async def store_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StoreError)
        return error_response(error.status, error.message)

    async def validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        problems = []
        for item in error.errors()[:5]:
            where = " ".join(str(part) for part in item.get("loc", ()))
            problems.append(f"{where}: {item.get('msg', 'invalid')}")
        return error_response(422, "; ".join(problems) or "invalid request")

    async def starlette_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        return error_response(error.status_code, str(error.detail), error.headers)

    async def unexpected(request: Request, error: Exception) -> Response:
        # Starlette logs the traceback; the caller gets the documented shape, never plain text.
        return error_response(500, "internal error: the axis failed to answer; see its log")

    app.add_exception_handler(Exception, unexpected)
    app.add_exception_handler(HTTPError, http_error)
    app.add_exception_handler(StoreError, store_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, starlette_error)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        schema.setdefault("components", {})["securitySchemes"] = {
            "AgencyCode": {"type": "apiKey", "in": "header", "name": "X-Agency",
                           "description": "The calling system's code"},
            "AgencyTimestamp": {"type": "apiKey", "in": "header", "name": "X-Timestamp",
                                "description": "Unix seconds; at most 300 s from server time"},
            "AgencySignature": {"type": "apiKey", "in": "header", "name": "X-Signature",
                                "description": "hex HMAC-SHA256(secret, METHOD\\nPATH?QUERY\\n"
                                "TIMESTAMP\\nhex SHA-256(body))"},
            "AdminToken": {"type": "http", "scheme": "bearer"},
        }
        app.openapi_schema = schema
    return app.openapi_schema


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory axis.app:app_from_env` (used by `--workers N`)."""
    return create_app(Settings.from_env())
