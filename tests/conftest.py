"""Shared helpers: fixture locations and the ``# case: NAME`` markers in fixture files."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import browse, chromium  # noqa: F401 (the fixtures of the tests in a real browser)
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


# Real, healthy packages from PyPI (pinned, with their dependencies), for test_check_real.py and
# test_runtime_truth.py: installed once into .cache/depscan-tests/real-venv, reused while the pins
# and the Python are the same. setuptools (a vendored tree served by a finder on sys.meta_path, and
# the distutils shim) and six (a finder of its own) are there for the runtime-truth test.
REAL_PINS = (
    "requests==2.34.2", "rich==15.0.0", "jinja2==3.1.6", "attrs==26.1.0", "urllib3==2.8.0", "pygments==2.21.0",
    "setuptools==69.5.1", "six==1.17.0",
)  # fmt: skip
REAL_PACKAGES = (  # the top-level packages of the first six and their dependencies
    "requests", "rich", "jinja2", "markupsafe", "attr", "attrs", "urllib3", "idna", "certifi",
    "charset_normalizer", "markdown_it", "mdurl", "pygments",
)  # fmt: skip


@pytest.fixture(scope="session")
def real_venv() -> Path:
    """The virtual environment holding ``REAL_PINS``, made by the running Python."""
    venv = ROOT / ".cache" / "depscan-tests" / "real-venv"
    stamp = venv / "depscan-pins.json"
    wanted = {"python": sys.version, "pins": list(REAL_PINS)}
    if not (stamp.exists() and json.loads(stamp.read_text()) == wanted):
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        install = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        done = subprocess.run([*install, *REAL_PINS], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"could not install the packages from PyPI: {done.stderr.strip()[-300:]}")
        stamp.write_text(json.dumps(wanted))
    return venv


def site_packages(venv: Path) -> Path:
    (site,) = (venv / "lib").glob("python3*/site-packages")
    return site


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
