"""DESIGN.md's import rule, checked on the source: imports run one way.

`lienthong` may import all; `sim` and `loadtest` import only `topology`; `topology` imports
none of the others; `axis` imports nothing else of the project (it is a product on its own, and
the load test reaches it only over HTTP). Imports inside functions and under TYPE_CHECKING
count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

ALLOWED = {
    "lienthong": {"lienthong", "topology", "sim", "loadtest", "axis"},
    "sim": {"sim", "topology"},
    "loadtest": {"loadtest", "topology"},
    "topology": {"topology"},
    "axis": {"axis"},
}


def project_imports(path: Path) -> set[tuple[str, int]]:
    """(top-level project package, line) of every import in a file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in ALLOWED:
                found.add((top, node.lineno))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_run_one_way(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {top}"
             for path in files for top, line in sorted(project_imports(path))
             if top not in ALLOWED[package]]
    assert not wrong, f"{package} may import only {sorted(ALLOWED[package])}: {wrong}"


def test_the_checker_sees_lazy_and_from_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import sim.model\ndef f():\n    from lienthong.results import Run\n"
                      "from . import x\nimport numpy\n")
    assert project_imports(source) == {("sim", 1), ("lienthong", 3)}
