"""The fast paths change nothing but time: the answers with every one of them on (worker processes,
the early scan, the extraction cache, stored answers) equal those with all of them off
(``DEPSCAN_FAST_PATHS=0``), on the golden fixture, the check fixtures and real code: a copy of
part of the standard library big enough for workers, and depscan's own source."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, ROOT

pytestmark = pytest.mark.slow

STDLIB_PACKAGES = ("asyncio", "email", "json", "concurrent", "importlib", "xml", "unittest", "logging")


def aged(tree: Path) -> Path:
    """Every file of ``tree`` made a minute old: an answer worked out from files changed in the
    last seconds is never stored."""
    past = time.time() - 60
    for path in [tree, *tree.rglob("*")]:
        os.utime(path, (past, past))
    return tree


def depscan(args: list[str], cwd: Path, fast: bool, cache: Path) -> dict[str, Any]:
    env = {**os.environ, "DEPSCAN_FAST_PATHS": "1" if fast else "0", "PYTHONPATH": ""}
    done = subprocess.run(
        [sys.executable, "-m", "depscan", *args, "--format", "json", "--cache-dir", str(cache)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    summary = document.get("summary", {})
    for key in ("cached", "processes"):  # how the answer was made, not what it is
        summary.pop(key, None)
    return document


def both_ways(args: list[str], cwd: Path, tmp_path: Path) -> dict[str, Any]:
    """The answer with the fast paths off; asserted equal to the cold, the warm and the stored ones."""
    plain = depscan(args, cwd, False, tmp_path / "unused-cache")
    assert not (tmp_path / "unused-cache").exists()  # off means off: not even a cache directory
    cache = tmp_path / "cache"
    cold = depscan(args, cwd, True, cache)
    assert cold == plain
    assert list((cache / "runs").iterdir())  # the answer was stored
    stored = depscan(args, cwd, True, cache)
    if "answer" in stored.get("summary", {}):  # a check's stored JSON says it is one
        assert stored["summary"].pop("answer") == "stored"
    assert stored == plain
    shutil.rmtree(cache / "runs")
    warm = depscan(args, cwd, True, cache)  # every extraction from the cache
    assert warm == plain
    return plain


def test_golden_scan_both_ways(tmp_path: Path) -> None:
    fixture = aged(Path(shutil.copytree(FIXTURES / "scan", tmp_path / "scan")))
    args = ["scan", "app/main.py", "--path", "split/one", "--path", "split/two", "--no-pythonpath"]
    answer = both_ways(args, fixture, tmp_path)
    assert answer["missing"]  # the fixture has missing modules: the comparison is not of empty reports


@pytest.mark.parametrize("project", ["proj", "deps"])
def test_check_fixtures_both_ways(tmp_path: Path, project: str) -> None:
    copy = tmp_path / project
    shutil.copytree(FIXTURES / "check" / project, copy)
    aged(copy)
    answer = both_ways(["check"], copy, tmp_path)
    assert answer["findings"]


def test_real_code_both_ways(tmp_path: Path) -> None:
    """Enough real source (over a MiB) that the check forks its workers and scans early."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    project = tmp_path / "real"
    for name in STDLIB_PACKAGES:
        shutil.copytree(stdlib / name, project / "src" / name, ignore=shutil.ignore_patterns("__pycache__", "test*"))
    (project / "pyproject.toml").write_text('[project]\nname = "real"\nversion = "1"\n')
    aged(project)
    size = sum(path.stat().st_size for path in project.rglob("*.py"))
    assert size > 1024 * 1024
    answer = both_ways(["check", "-j", "2"], project, tmp_path)
    assert answer["summary"]["files"] > 100
    if len(os.sched_getaffinity(0)) > 1:  # the fast path compared was the parallel one
        done = subprocess.run(
            [sys.executable, "-m", "depscan", "check", "-j", "2", "--format", "json", "--no-cache"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert json.loads(done.stdout)["summary"]["processes"] == 2
    scanned = both_ways(["scan", "src/asyncio/__main__.py", "--follow-stdlib"], project, tmp_path)
    assert len(scanned["modules"]) > 100
    tree = both_ways(["scan", "src", "-j", "2"], project, tmp_path)  # every module a root, read over processes
    assert len(tree["roots"]) > 100


def test_depscan_itself_both_ways(tmp_path: Path) -> None:
    copy = tmp_path / "self"
    shutil.copytree(ROOT / "depscan", copy / "depscan", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    aged(copy)
    both_ways(["check"], copy, tmp_path)
    both_ways(["scan", "depscan/cli.py", "--no-pythonpath"], copy, tmp_path)
