"""``depscan check`` on the planted-defects project of ``make accuracy``: every defect caught, nothing else.

``fixtures/accuracy/planted`` is a small healthy project (it declares click and
imports it, with an optional ``try``/``except ImportError`` import besides) in
which each planted defect sits on a line marked ``# planted: KIND``: an
undeclared third-party import, typos in module names, a deleted module still
imported, a name that does not exist. ``benchmarks/accuracy.py`` runs every
tool on it in its corpus venv; this test runs depscan alone, on the Python
running the tests (which has click and packaging: depscan depends on both), so
it needs no network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from depscan.cli import cli

PLANTED = FIXTURES / "accuracy" / "planted"
MARK = re.compile(r"#\s*planted:\s*([\w-]+)")
CODES = {"undeclared-import": "DS002", "module-typo": "DS001", "deleted-module": "DS001", "missing-name": "DS001"}
"""The code each kind of planted defect must be reported with."""


def planted(root: Path) -> set[tuple[str, int, str]]:
    """Every ``# planted: KIND`` line of the project: (file, line, the code expected there)."""
    found = set()
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for kind in MARK.findall(line):
                found.add((path.relative_to(root).as_posix(), number, CODES[kind]))
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "planted"
    shutil.copytree(PLANTED, copy)
    return copy


def check_findings(cwd: Path) -> tuple[int, set[tuple[str, int, str]]]:
    """``depscan check --format json`` of the whole project in ``cwd``: its exit code and (file, line, code)s."""
    old = os.getcwd()
    try:
        os.chdir(cwd)
        args = ["check", "--python", sys.executable, "--no-cache", "--no-pythonpath", "--format", "json"]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    findings = json.loads(result.stdout)["findings"]
    return result.exit_code, {(Path(f["path"]).as_posix(), f["line"], f["code"]) for f in findings}


def test_the_fixture_plants_every_kind() -> None:
    assert {code for _, _, code in planted(PLANTED)} == {"DS001", "DS002"}
    kinds = {kind for path in PLANTED.rglob("*.py") for kind in MARK.findall(path.read_text(encoding="utf-8"))}
    assert kinds == set(CODES)


def test_every_planted_defect_is_caught_and_nothing_else(project: Path) -> None:
    status, found = check_findings(project)
    assert found == planted(project)
    assert status == 1


def test_the_healthy_project_is_silent(project: Path) -> None:
    """Without its planted lines the project has no finding: the check is not just reporting every line."""
    for path in project.rglob("*.py"):
        kept = [line for line in path.read_text(encoding="utf-8").splitlines() if not MARK.search(line)]
        text = "\n".join(kept) + "\n"
        path.write_text(text.replace("packaging.version.Version", "str"), encoding="utf-8")
    status, found = check_findings(project)
    assert found == set()
    assert status == 0
