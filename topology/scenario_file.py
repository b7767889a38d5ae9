"""Reading scenario files: TOML in, `--set KEY=VALUE` applied, errors phrased for the user.

Both `lienthong.scenario` (the whole scenario) and `loadtest.scenario` (the sections a Locust
worker needs, without importing `lienthong`) read the same files the same way, so this lives in
the package both may import. Every failure is a `ScenarioFileError` whose message is one line
naming the file and the key at fault.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError


class ScenarioFileError(ValueError):
    """A scenario file that cannot be read, overridden or validated; one line, names the key."""


def read_toml(path: str | Path) -> dict[str, Any]:
    """The raw contents of a scenario file."""
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioFileError(f"{path}: no such scenario file") from None
    except IsADirectoryError:
        raise ScenarioFileError(f"{path}: is a directory, expected a .toml scenario file") from None
    except OSError as error:
        raise ScenarioFileError(f"{path}: cannot read: {error.strerror}") from None
    try:
        return tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioFileError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioFileError(f"{path}: not valid TOML: {error}") from None


def parse_override(text: str) -> tuple[list[str], Any]:
    """`axis.workers=4` -> (['axis', 'workers'], 4). The value is read as TOML, else as text."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioFileError(f"--set {text!r}: expected KEY=VALUE, for example axis.workers=4")
    parts = key.split(".")
    if any(not part for part in parts):
        raise ScenarioFileError(f"--set {text!r}: key {key!r} has an empty part")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return parts, value


def override_key(text: str) -> tuple[str, bool]:
    """`a.b+=1` -> ('a.b', True): the key an override sets, and whether it appends to it."""
    key = text.partition("=")[0].strip()
    return key.removesuffix("+"), key.endswith("+")


def covers(outer: str, inner: str) -> bool:
    """Whether setting the key `outer` sets `inner` too: the same key, or one inside it."""
    return bool(outer) and (inner == outer or inner.startswith(outer + "."))


def apply_overrides(data: dict[str, Any], overrides: list[str],
                    default_of: Callable[[dict[str, Any], list[str]], Any] | None = None
                    ) -> dict[str, Any]:
    """A copy of the raw scenario with each `--set` applied (validation comes after).
    `KEY+=VALUE` appends VALUE to the list at KEY instead of replacing it: a command-line
    outage adds to the scenario's own (`failures.outages+={...}`). A KEY the file does not set
    starts from its default, `default_of(data so far, path)` (the schema's, so that
    `calendar.work_periods+=...` keeps the default periods); without one it starts empty."""
    result = copy.deepcopy(data)
    for text in overrides:
        _, value = parse_override(text)
        key, append = override_key(text)
        parts = key.split(".")
        node = result
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                where = ".".join(parts[: depth + 1])
                raise ScenarioFileError(f"--set {text!r}: {where} is a value, not a section")
            node = child
        if not append:
            node[parts[-1]] = value
            continue
        if parts[-1] not in node and default_of is not None:
            node[parts[-1]] = copy.deepcopy(default_of(result, parts))
        items = node.setdefault(parts[-1], [])
        if not isinstance(items, list):
            raise ScenarioFileError(f"--set {text!r}: {'.'.join(parts)} is not a list: "
                                    "+= appends to lists only")
        items.append(value)
    return result


def format_validation_error(source: str, error: ValidationError, prefix: str = "",
                            overrides: list[str] | None = None) -> str:
    """Phrase pydantic's errors as `SOURCE: KEY: message`, the first three, on one line. A key
    that one of `overrides` set is blamed on it (`--set KEY=VALUE: KEY: message`), not on the
    file, which may not even contain it."""
    lines = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(part) for part in ((prefix,) if prefix else ()) + tuple(item["loc"]))
        source_here = next((f"--set {text}" for text in reversed(overrides or [])
                            if covers(override_key(text)[0], loc)), source)
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "required key is missing"
        else:
            message = item["msg"].removeprefix("Value error, ")
            if "input" in item and not isinstance(item["input"], dict | list):
                message += f" (got {item['input']!r})"
        lines.append(f"{source_here}: {loc or '(top level)'}: {message}")
    return "; ".join(lines[:3]) + (f" (and {len(lines) - 3} more)" if len(lines) > 3 else "")

