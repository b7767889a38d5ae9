"""Summaries that satisfy the result contract, for tests that make run directories by hand:
the committed reference runs with a few keys changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

REFERENCE = {"simulation": ROOT / "results/reference/target-2020-simulation",
             "loadtest": ROOT / "results/reference/target-2020-loadtest"}


def reference_summary(of: str, **changes: Any) -> dict[str, Any]:
    """A reference run's summary.json as a dict, with `changes` applied on top."""
    summary = json.loads((REFERENCE[of] / "summary.json").read_text())
    summary.update(changes)
    return summary


def write_run(path: Path, of: str, **changes: Any) -> Path:
    """A run directory holding only a summary.json of the given kind."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "summary.json").write_text(json.dumps(reference_summary(of, **changes)))
    return path
