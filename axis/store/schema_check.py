"""Is an existing store's schema the one the axis writes? Checked before serving, by both stores.

`CREATE TABLE IF NOT EXISTS` passes over a table that lost a column, and would quietly recreate
an empty `deliveries` table next to a `documents` table full of packages: every pending delivery
would be lost and every send would fail later, one request at a time, with a database error. So
a store whose tables exist is compared with `sql.SCHEMA` first: every table, every column, and
the unique key the idempotent send relies on. A store with none of the tables is new and is
created; a store with some of the `FOUNDING` tables is damaged. A table added to the schema
later is created where it is missing (an upgrade), and indexes that are not unique keys are
recreated by the schema script itself, so their absence is repaired, not refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set

from axis.store.sql import SCHEMA

_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", re.DOTALL)
_UNIQUE = re.compile(r"UNIQUE \(([^)]*)\)")
_CONSTRAINTS = ("UNIQUE", "PRIMARY", "FOREIGN", "CHECK", "CONSTRAINT")


def _expected() -> tuple[dict[str, tuple[str, ...]], set[tuple[str, tuple[str, ...]]]]:
    tables: dict[str, tuple[str, ...]] = {}
    unique: set[tuple[str, tuple[str, ...]]] = set()
    for name, body in _TABLE.findall(SCHEMA):
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        tables[name] = tuple(line.split()[0] for line in lines
                             if not line.startswith(_CONSTRAINTS))
        for columns in _UNIQUE.findall(body):
            unique.add((name, tuple(c.strip() for c in columns.split(","))))
    return tables, unique


TABLES, UNIQUE_KEYS = _expected()
"""Each table's columns, and the (table, columns) unique keys other than primary keys."""
FOUNDING = ("agencies", "documents", "deliveries", "statuses")
"""The tables every axis store has had from the start: one missing beside the others is lost
data, never an older version's store."""


def problems(columns: Mapping[str, Set[str]],
             unique: Set[tuple[str, tuple[str, ...]]]) -> list[str]:
    """What is wrong with a store whose tables have `columns` (table -> column names, only the
    tables that exist) and `unique` keys; empty for a sound store and for a new, empty one."""
    if not any(table in columns for table in TABLES):
        return []
    found = []
    for table, expected in TABLES.items():
        if table not in columns:
            if table in FOUNDING:
                found.append(f"table {table} is missing")
            continue
        missing = [column for column in expected if column not in columns[table]]
        if missing:
            found.append(f"table {table} lacks column(s) {', '.join(missing)}")
    for table, key in sorted(UNIQUE_KEYS):
        if table in columns and (table, key) not in unique:
            found.append(f"table {table} lacks its unique key ({', '.join(key)})")
    return found


def refusal(where: str, found: list[str]) -> str:
    """The one line that refuses a damaged store."""
    return (f"{where}: schema check failed: {'; '.join(found)}; restore a backup before "
            "serving (the axis does not repair a damaged store)")
