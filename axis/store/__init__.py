"""Durable stores for the axis: one interface (`base.Store`), SQLite and PostgreSQL behind it."""

from __future__ import annotations

from axis.store.base import Store


def open_store(url: str) -> Store:
    """Pick the store for a URL: `postgresql://...` (or `postgres://`), else a SQLite file path.

    `sqlite:///path/to/file.db` and a bare path both mean SQLite; ":memory:" is refused because a
    store that forgets on restart is not durable.
    """
    if url.startswith(("postgresql://", "postgres://")):
        from axis.store.postgres import PostgresStore

        return PostgresStore(url)
    from axis.store.sqlite import SqliteStore

    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    path = path.removeprefix("sqlite://")
    return SqliteStore(path)


__all__ = ["Store", "open_store"]
