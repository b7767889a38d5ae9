"""Running the axis: options, bulk directory load, and uvicorn with one or several workers.

Both `python -m axis serve` and `lienthong axis serve` use `add_arguments` and `serve`, so the
axis runs on its own (it is a product, not a part of lienthong) and the two commands never drift
apart. Bad options raise `ConfigError` with a message naming the option.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import socket
import sys
import tempfile
import time

from axis.config import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_WAIT,
    DEFAULT_STORE,
    Settings,
)

ADMIN_TOKEN_ENV = "LIENTHONG_ADMIN_TOKEN"
ADMIN_TOKEN_ALIAS = "LIENTHONG_AXIS_ADMIN_TOKEN"
"""The one name `axis serve` and `lienthong loadtest` share; the old axis-only name still works."""


SECRET_ENV = "LIENTHONG_AXIS_SECRET"


def env_admin_token() -> str | None:
    return os.environ.get(ADMIN_TOKEN_ENV) or os.environ.get(ADMIN_TOKEN_ALIAS)


class ConfigError(ValueError):
    """A bad option or an unusable store/directory; the message names it."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="TCP port (default 8080)")
    parser.add_argument("--store", default=DEFAULT_STORE,
                        help="SQLite file (default axis.db) or postgresql://user@host/db")
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn worker processes sharing the store (default 1)")
    parser.add_argument("--admin-token", default=None,
                        help="bearer token for the directory endpoints (default: "
                        f"${ADMIN_TOKEN_ENV}, alias ${ADMIN_TOKEN_ALIAS}, else generated and "
                        "printed)")
    parser.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY, metavar="BYTES",
                        help=f"largest request body accepted (default {DEFAULT_MAX_BODY})")
    parser.add_argument("--max-wait", type=float, default=DEFAULT_MAX_WAIT, metavar="SECONDS",
                        help=f"longest long poll held (default {DEFAULT_MAX_WAIT:g})")
    parser.add_argument("--directory", default=None, metavar="FILE",
                        help="JSON or CSV file of code,name,secret loaded into the store first "
                        "(default: none)")
    parser.add_argument("--header-timeout", type=float, default=DEFAULT_HEADER_TIMEOUT,
                        metavar="SECONDS", help="longest a request's line and headers may take "
                        f"to arrive; then 408 (default {DEFAULT_HEADER_TIMEOUT:g})")
    parser.add_argument("--body-timeout", type=float, default=DEFAULT_BODY_TIMEOUT,
                        metavar="SECONDS", help="longest a request's body may take to arrive; "
                        f"then 408 (default {DEFAULT_BODY_TIMEOUT:g})")
    parser.add_argument("--trust-ca", default=None, metavar="FILE",
                        help="PEM file of CA certificates: require every package to carry an "
                        "XML signature of its sender whose certificate chains to one of them "
                        "(default: none, packages are not checked for signatures)")
    parser.add_argument("--null-endpoint", action="store_true",
                        help="also serve POST /bench/null, a no-work baseline for benchmarks "
                        "(default: off)")
    federation = parser.add_argument_group(
        "federation", "several axes relaying to each other (see docs/axis.md, 'Federation')")
    federation.add_argument("--role", default="standalone",
                            help="standalone (default), provincial, platform or national")
    federation.add_argument("--region", default=None, metavar="CODE",
                            help="what a provincial axis (Hnn) or platform (Gnn) serves "
                            "(default: none; required by those roles)")
    federation.add_argument("--upstream", default=None, metavar="URL",
                            help="the national axis (default: none; required by the "
                            "provincial and platform roles)")
    federation.add_argument("--downstream", action="append", default=[], metavar="REGION=URL",
                            help="a regional axis below a national one (repeatable; "
                            "default: none)")
    federation.add_argument("--secret", default=None,
                            help="this axis's secret at its neighbours, where it is registered "
                            f"as axis.REGION or axis.national (default: ${SECRET_ENV}; "
                            "required by every role but standalone)")
    federation.add_argument("--relay-backoff", default="30,120,1200", metavar="S,S,...",
                            help="seconds between failing forwarding rounds to a neighbour "
                            "(default 30,120,1200, as DHX)")
    parser.add_argument("--log-level", default="warning",
                        choices=["critical", "error", "warning", "info", "debug"],
                        help="uvicorn's log level (default warning)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port {args.port}: expected 1-65535")
    if not 1 <= args.workers <= 64:
        raise ConfigError(f"--workers {args.workers}: expected 1-64")
    if args.max_body < 1024:
        raise ConfigError(f"--max-body {args.max_body}: expected at least 1024 bytes")
    if not 0 <= args.max_wait <= 3600:
        raise ConfigError(f"--max-wait {args.max_wait:g}: expected 0-3600 seconds")
    token = args.admin_token or env_admin_token()
    if token is not None and len(token) < 16:
        raise ConfigError("--admin-token: use at least 16 characters")
    if token is None:
        token = secrets.token_urlsafe(24)
    store = args.store
    if not store.startswith(("postgresql://", "postgres://")):
        path = store.removeprefix("sqlite:///")
        parent = os.path.dirname(os.path.abspath(path))
        if store in ("", ":memory:") or not os.path.isdir(parent):
            raise ConfigError(f"--store {store!r}: directory {parent} does not exist")
    for name in ("header_timeout", "body_timeout"):
        if not 0 < getattr(args, name) <= 3600:
            raise ConfigError(f"--{name.replace('_', '-')} {getattr(args, name):g}: expected "
                              "more than 0 and at most 3600 seconds")
    trust_ca = None
    if args.trust_ca is not None:
        from axis.xmlsig import TrustedCAs, TrustError

        try:
            TrustedCAs.from_file(args.trust_ca)
        except TrustError as error:
            raise ConfigError(f"--trust-ca {error}") from None
        trust_ca = os.path.abspath(args.trust_ca)
    return Settings(store=store, admin_token=token, max_body=args.max_body,
                    max_wait=args.max_wait, null_endpoint=args.null_endpoint,
                    workers=args.workers, trust_ca=trust_ca,
                    header_timeout=args.header_timeout, body_timeout=args.body_timeout,
                    **federation_from_args(args))


def federation_from_args(args: argparse.Namespace) -> dict:
    """The federation settings, checked by building the role once."""
    from axis.federation.relay import parse_backoff
    from axis.federation.roles import RoleError, make_role

    downstream = []
    for item in args.downstream:
        region, sep, url = item.partition("=")
        if not sep:
            raise ConfigError(f"--downstream {item!r}: expected REGION=URL")
        downstream.append((region, url))
    try:
        role = make_role(args.role, args.region, args.upstream, dict(downstream))
        backoff = parse_backoff(args.relay_backoff)
    except RoleError as error:
        raise ConfigError(str(error)) from None
    except ValueError as error:
        raise ConfigError(f"--relay-backoff {error}") from None
    secret = args.secret or os.environ.get(SECRET_ENV)
    if role.federated and (secret is None or not 16 <= len(secret) <= 256):
        raise ConfigError(f"--role {args.role} needs --secret (or ${SECRET_ENV}) of 16-256 "
                          "characters: this axis's secret at its neighbours")
    return {"role": args.role, "region": args.region, "upstream": args.upstream,
            "downstream": tuple(downstream), "secret": secret, "relay_backoff": backoff}


def load_directory(settings: Settings, path: str) -> int:
    """Register every system listed in the file; returns how many."""
    from axis.directory import DirectoryError, load_file
    from axis.store import open_store
    from axis.store.base import StoreError

    try:
        rows = load_file(path)
    except DirectoryError as error:
        raise ConfigError(f"--directory {error}") from None

    async def load() -> int:
        store = open_store(settings.store)
        await store.open()
        try:
            return await store.put_agencies(rows)
        finally:
            await store.close()

    try:
        return asyncio.run(load())
    except StoreError as error:
        raise ConfigError(f"--store {settings.store}: {_one_line(error)}") from None


def check_store(settings: Settings) -> None:
    """Open and close the store once, so a bad URL is one clear line and not a worker crash."""
    from axis.store import open_store
    from axis.store.base import StoreError

    async def probe() -> None:
        store = open_store(settings.store)
        await store.open()
        await store.close()

    try:
        asyncio.run(probe())
    except (StoreError, OSError, ValueError) as error:
        raise ConfigError(f"--store {settings.store}: {_one_line(error)}") from None
    except Exception as error:  # sqlite3/psycopg errors: name them, keep one line
        raise ConfigError(f"--store {settings.store}: {type(error).__name__}: "
                          f"{_one_line(error)}") from None


def check_listen(host: str, port: int) -> None:
    """Bind the address once, so a bad --host or a port in use is one clear line before start-up
    and not uvicorn's log line with exit status 3."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except OSError as error:
        raise ConfigError(f"--host {host} --port {port}: cannot listen there: "
                          f"{error.strerror or error}") from None


def _one_line(error: Exception) -> str:
    return " ".join(str(getattr(error, "message", error)).split())


def serve(args: argparse.Namespace) -> int:
    """Validate options, load the directory if asked, then run uvicorn until stopped."""
    settings = settings_from_args(args)
    check_listen(args.host, args.port)
    check_store(settings)
    if args.directory:
        started = time.perf_counter()
        count = load_directory(settings, args.directory)
        print(f"axis: loaded {count} systems from {args.directory} in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    if not (args.admin_token or env_admin_token()):
        print(f"axis: admin token (generated; set --admin-token to choose one): "
              f"{settings.admin_token}", file=sys.stderr, flush=True)
    import uvicorn

    common = {"host": args.host, "port": args.port, "log_level": args.log_level,
              "access_log": False, "timeout_graceful_shutdown": 10,
              "http": "axis.http_guard:GuardedHttpProtocol"}
    signatures = f"XML signatures required (CAs in {settings.trust_ca})" if settings.trust_ca \
        else "no XML signatures required"
    role = "" if settings.role == "standalone" else \
        f", role {settings.role}{' ' + settings.region if settings.region else ''}"
    print(f"axis: serving on http://{args.host}:{args.port} (store {settings.store}, "
          f"{args.workers} worker(s), {signatures}{role})", file=sys.stderr, flush=True)
    if args.workers == 1:
        from axis.app import create_app

        uvicorn.run(create_app(settings), **common)
        return 0
    os.environ.update(settings.to_env())
    own_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        own_dir = tempfile.mkdtemp(prefix="axis-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_dir
    try:
        uvicorn.run("axis.app:app_from_env", factory=True, workers=args.workers, **common)
    finally:
        if own_dir:
            shutil.rmtree(own_dir, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m axis", description="The reference axis.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_arguments(commands.add_parser("serve", help="run the axis"))
    args = parser.parse_args(argv)
    try:
        return serve(args)
    except ConfigError as error:
        print(f"axis: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
