"""The agency directory: loading it in bulk from a file, and caching secrets in memory.

Every agency request needs the caller's secret, so the directory lives in memory (100k systems
take about 20 MB); the store stays the source of truth. Other processes sharing the store may
register systems too, so a cache miss falls back to the store, a background refresh picks up
changed secrets within a few seconds, and a signature that fails against a cached secret is
checked once more against the store's current one before the request is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import logging
import re
import time
from pathlib import Path

from axis.store.base import Store

log = logging.getLogger("axis.directory")

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MIN_SECRET, MAX_SECRET, MAX_NAME = 16, 256, 300
REFRESH_SECONDS = 2.0
NEGATIVE_TTL = 1.0


class DirectoryError(ValueError):
    """A directory entry or file is invalid; the message names the file, line or field."""


def check_entry(code: str, name: str, secret: str, where: str = "") -> tuple[str, str, str]:
    """Validate one (code, name, secret); codes are QCVN 102 codes or the newer dotted forms."""
    prefix = f"{where}: " if where else ""
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise DirectoryError(
            f"{prefix}agency code {code!r} is invalid: use 1-64 letters, digits, '.', '_' or '-'"
        )
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise DirectoryError(f"{prefix}name of {code} must be 1-{MAX_NAME} characters")
    if not isinstance(secret, str) or not MIN_SECRET <= len(secret) <= MAX_SECRET:
        raise DirectoryError(
            f"{prefix}secret of {code} must be {MIN_SECRET}-{MAX_SECRET} characters"
        )
    return code, name, secret


def load_file(path: str | Path) -> list[tuple[str, str, str]]:
    """Read (code, name, secret) rows from JSON or CSV.

    JSON: a list of {"code", "name", "secret"} objects, or an object mapping code to
    {"name", "secret"}. CSV: columns code,name,secret, with or without that header line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise DirectoryError(f"{path}: cannot read directory file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise DirectoryError(f"{path}: directory file is not UTF-8") from None
    rows = _from_json(path, text) if path.suffix.lower() == ".json" else _from_csv(path, text)
    seen: set[str] = set()
    for code, _, _ in rows:
        if code in seen:
            raise DirectoryError(f"{path}: agency code {code} appears more than once")
        seen.add(code)
    return rows


def _from_json(path: Path, text: str) -> list[tuple[str, str, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DirectoryError(f"{path}: invalid JSON at line {error.lineno}: {error.msg}") from None
    if isinstance(data, dict):
        data = [{"code": code, **entry} if isinstance(entry, dict) else {"code": code}
                for code, entry in data.items()]
    if not isinstance(data, list):
        raise DirectoryError(f"{path}: expected a list of {{code, name, secret}} objects")
    rows = []
    for index, entry in enumerate(data):
        where = f"{path}: entry {index + 1}"
        if not isinstance(entry, dict):
            raise DirectoryError(f"{where}: expected an object with code, name and secret")
        unknown = set(entry) - {"code", "name", "secret"}
        if unknown:
            raise DirectoryError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        rows.append(check_entry(entry.get("code"), entry.get("name"), entry.get("secret"), where))
    return rows


def _from_csv(path: Path, text: str) -> list[tuple[str, str, str]]:
    rows = []
    for number, record in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not record or all(not field.strip() for field in record):
            continue
        if number == 1 and [f.strip().lower() for f in record] == ["code", "name", "secret"]:
            continue
        if len(record) != 3:
            raise DirectoryError(f"{path}: line {number}: expected 3 fields code,name,secret, "
                                 f"found {len(record)}")
        code, name, secret = (field.strip() for field in record)
        rows.append(check_entry(code, name, secret, f"{path}: line {number}"))
    return rows


class DirectoryCache:
    """code -> secret in memory, filled from the store and refreshed in the background."""

    def __init__(self, store: Store, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._store = store
        self._secrets: dict[str, str] = {}
        self._missing: dict[str, float] = {}
        self._newest = 0.0
        self._refresh_seconds = refresh_seconds
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._secrets)

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.get_running_loop().create_task(self._refresh_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def refresh(self) -> None:
        """Load the agencies changed after the newest change already seen.

        A change whose transaction commits late with an older timestamp (a slow commit, clocks
        of several machines sharing PostgreSQL) can be missed here; `fresh_secret` repairs such
        an entry the first time a signature made with the new secret fails against the old one.
        """
        for agency in await self._store.agencies_since(self._newest):
            self._secrets[agency.code] = agency.secret
            self._missing.pop(agency.code, None)
            self._newest = max(self._newest, agency.updated_at)

    async def fresh_secret(self, code: str) -> str | None:
        """Re-read one agency from the store, bypassing the cache (after a failed signature)."""
        agency = await self._store.get_agency(code)
        if agency is None:
            self._secrets.pop(code, None)
            return None
        self._secrets[code] = agency.secret
        return agency.secret

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_seconds)
            try:
                await self.refresh()
            except Exception as error:  # keep serving from the cache; the store may be back soon
                log.warning("directory refresh failed: %s", error)

    def remember(self, code: str, secret: str) -> None:
        self._secrets[code] = secret
        self._missing.pop(code, None)

    def cached_secret(self, code: str) -> str | None:
        """The secret if the code is in memory (the common case, without a coroutine)."""
        return self._secrets.get(code)

    async def secret(self, code: str) -> str | None:
        """The agency's secret, or None if it is not registered."""
        secret = self._secrets.get(code)
        if secret is not None:
            return secret
        if not CODE_PATTERN.match(code):
            return None
        now = time.monotonic()
        if self._missing.get(code, 0.0) > now:
            return None
        agency = await self._store.get_agency(code)
        if agency is None:
            if len(self._missing) > 100_000:
                self._missing.clear()
            self._missing[code] = now + NEGATIVE_TTL
            return None
        self._secrets[code] = agency.secret
        return agency.secret

    def cached(self, code: str) -> bool:
        """True if the code is in memory: the common case, answered without a coroutine."""
        return code in self._secrets

    async def exists(self, code: str) -> bool:
        return code in self._secrets or await self.secret(code) is not None
