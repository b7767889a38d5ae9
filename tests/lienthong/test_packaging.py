"""What a user installs: every package, and the bundled scenarios findable by name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

from lienthong.cli import main
from lienthong.scenario import bundled_scenarios
from tests.conftest import ROOT, SCENARIOS

PACKAGES = ("axis", "lienthong", "loadtest", "sim", "topology")


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {init.parent.relative_to(ROOT).as_posix().replace("/", ".")
             for top in PACKAGES for init in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_the_bundled_scenarios_are_the_scenarios_folder() -> None:
    assert bundled_scenarios() == {
        path.relative_to(SCENARIOS).with_suffix("").as_posix(): path
        for path in sorted(SCENARIOS.rglob("*.toml"))}


def test_a_name_resolves_from_any_directory(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["topology", "target-2020", "--json"]) == 0
    assert '"communes": 10035' in capsys.readouterr().out


def test_an_unknown_name_lists_the_known_ones(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", "target-2030"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lienthong: error: target-2030: no such scenario file or bundled")
    assert ", ".join(sorted(bundled_scenarios())) in err  # every one, in name order
    assert "baseline-2019, " in err and "validation/mmc" in err
    assert "\n" not in err and not (tmp_path / "results").exists()


def test_a_path_still_wins(tmp_path, capsys) -> None:
    assert main(["topology", str(tmp_path / "target-2020.toml")]) == 2
    assert "no such scenario file" in capsys.readouterr().err


@pytest.mark.slow
def test_a_non_editable_install_ships_the_scenarios(tmp_path) -> None:
    """Build a wheel, install it without dependencies into a venv that sees this one's
    packages, and ask it for a bundled scenario from an empty directory."""
    source = tmp_path / "source"  # a copy: building writes build/ beside the sources
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "results", "tests", "build", "*.egg-info", "__pycache__", ".*cache"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", str(source), "-w", str(wheels)],
                   check=True, capture_output=True, timeout=300)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], check=True, capture_output=True, text=True)
    ours = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig."
                           "get_paths()['purelib'])"], check=True, capture_output=True, text=True)
    # our dependencies, but not our editable install
    (Path(site.stdout.strip()) / "deps.pth").write_text(ours.stdout.strip() + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    *wheels.glob("*.whl")], check=True, capture_output=True, timeout=300)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(python), "-c", "import lienthong.scenario as s; "
                           "print(s.bundled_dir())"],
                          cwd=empty, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and "site-packages/lienthong/bundled" in done.stdout, done
    done = subprocess.run([str(python), "-m", "lienthong", "topology", "validation/mmc"],
                          cwd=empty, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "validation-mmc" in done.stdout
