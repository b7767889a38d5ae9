"""Fixtures shared by the axis tests: a store of each kind, and an app wired to it.

The PostgreSQL variant uses LIENTHONG_TEST_POSTGRES_URL and a fresh schema per test, dropped
afterwards. Without the URL it is skipped, unless LIENTHONG_REQUIRE_POSTGRES=1 (CI), where a
missing or unreachable server fails the test instead of hiding it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from loadtest import certificates

POSTGRES_URL = os.environ.get("LIENTHONG_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("LIENTHONG_REQUIRE_POSTGRES") == "1"

STORE_KINDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="module")
def ca_dir(tmp_path_factory) -> Path:
    """A throw-away CA (the load test's own), for the tests that sign or verify packages."""
    directory = tmp_path_factory.mktemp("ca")
    certificates.create(directory)
    return directory


def postgres_url_or_skip() -> str:
    """The test server's URL, after checking it answers; skip or fail as the environment says."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("LIENTHONG_REQUIRE_POSTGRES=1 but LIENTHONG_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL: set LIENTHONG_TEST_POSTGRES_URL")
    import psycopg

    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=5).close()
    except psycopg.Error as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}")
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}")
    return POSTGRES_URL


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """(url, schema): a throw-away schema in the test database."""
    url = postgres_url_or_skip()
    schema = "axis_test_" + secrets.token_hex(6)
    yield url, schema
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=STORE_KINDS)
def store_url(request, tmp_path) -> Iterator[str]:
    """A store URL of each kind for a server process; PostgreSQL gets a fresh schema through the
    connection options."""
    if request.param == "sqlite":
        yield str(tmp_path / "axis.db")
        return
    import psycopg

    url = postgres_url_or_skip()
    schema = "axis_srv_" + secrets.token_hex(6)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def make_store(kind: str, tmp_path, request):
    """A closed store of the given kind with isolated data."""
    if kind == "sqlite":
        from axis.store.sqlite import SqliteStore

        return SqliteStore(str(tmp_path / "axis.db"))
    url, schema = request.getfixturevalue("pg_schema")
    from axis.store.postgres import PostgresStore

    return PostgresStore(url, schema=schema)


@pytest.fixture(params=STORE_KINDS)
async def store(request, tmp_path) -> AsyncIterator:
    """An open store of each kind, with three registered agencies A, B and C."""
    s = make_store(request.param, tmp_path, request)
    await s.open()
    await s.put_agencies([(code, f"Agency {code}", secret_of(code)) for code in AGENCIES])
    try:
        yield s
    finally:
        await s.close()


AGENCIES = ("000.00.00.G22", "000.00.00.H41", "000.00.18.G12")
A, B, C = AGENCIES


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


ADMIN_TOKEN = "admin-token-for-tests-0123456789"


def secret_of(code: str) -> str:
    return f"secret-{code}-0123456789"


class Axis:
    """An in-process axis app with helpers to make signed clients."""

    def __init__(self, app, store) -> None:
        import httpx

        self.app = app
        self.store = store
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                      base_url="http://axis")

    def client(self, code: str, secret: str | None = None):
        from axis.client import AsyncClient

        return AsyncClient("http://axis", code, secret or secret_of(code), http=self.http)

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(params=STORE_KINDS)
async def axis(request, tmp_path) -> AsyncIterator[Axis]:
    """The app on each kind of store, started (lifespan run), with agencies A, B and C."""
    from axis.app import create_app
    from axis.config import Settings

    settings = Settings(store="unused", admin_token=ADMIN_TOKEN, max_body=1_000_000,
                        max_wait=5.0, null_endpoint=True)
    s = make_store(request.param, tmp_path, request)
    app = create_app(settings, store=s)
    async with app.router.lifespan_context(app):
        await s.put_agencies([(code, f"Agency {code}", secret_of(code)) for code in AGENCIES])
        await app.state.axis.directory.refresh()
        harness = Axis(app, s)
        try:
            yield harness
        finally:
            await harness.http.aclose()
