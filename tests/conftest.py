"""Shared helpers: fixture locations and the ``# case: NAME`` markers in fixture files."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as _hypothesis_settings

from depscan.extract.walker import extract_file
from depscan.model.records import Extraction, ImportRecord

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
_CASE = re.compile(rb"#\s*case:\s*([\w-]+)")


def case_lines(path: Path) -> dict[str, int]:
    """Map each ``# case: NAME`` marker of a fixture file to its 1-based line."""
    cases: dict[str, int] = {}
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        match = _CASE.search(line)
        if match:
            name = match.group(1).decode()
            assert name not in cases, f"duplicate case {name} in {path}"
            cases[name] = number
    return cases


def records_on(extraction: Extraction, line: int) -> list[ImportRecord]:
    return [record for record in extraction.imports if record.line == line]


@pytest.fixture(scope="session", autouse=True)
def _private_secret(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The caches' signing secret (depscan.trust) in a directory of the tests' own, for the
    tests and the depscan processes they start: not the user's."""
    import os

    saved = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    if saved is None:
        del os.environ["XDG_STATE_HOME"]
    else:
        os.environ["XDG_STATE_HOME"] = saved


@pytest.fixture(scope="session")
def extracted() -> dict[str, Extraction]:
    """Every fixture under fixtures/extract, extracted once, keyed by relative path."""
    base = FIXTURES / "extract"
    return {str(path.relative_to(base)): extract_file(path) for path in sorted(base.rglob("*.py"))}


@pytest.fixture
def world_tmp() -> Iterator[Path]:
    """A temporary directory every user can traverse (pytest's tmp_path is private to its owner).

    Tests that drop privileges to check "permission denied" need the parents to
    be traversable, or they would pass for the wrong reason.
    """
    directory = Path(tempfile.mkdtemp(prefix="depscan-test-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        for path in directory.rglob("*"):
            with contextlib.suppress(OSError):
                if not path.is_symlink():
                    path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(directory, ignore_errors=True)


# Property tests run the same examples on every run, so that CI's answer does not depend on luck;
# DEPSCAN_HYPOTHESIS_EXPLORE=1 explores new ones (and keeps failures in .hypothesis/).

_hypothesis_settings.register_profile("depscan", derandomize=True, database=None)
_hypothesis_settings.register_profile("explore", derandomize=False)
_hypothesis_settings.load_profile("explore" if os.environ.get("DEPSCAN_HYPOTHESIS_EXPLORE") == "1" else "depscan")
