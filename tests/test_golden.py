"""Golden files: the text, JSON and DOT outputs of the scan fixture, exactly.

Paths are made relative to the repository and the interpreter's own paths
are replaced by placeholders, so the files are the same on every machine with
the same Python minor version. After an intended change of output, rewrite
them with ``DEPSCAN_UPDATE_GOLDEN=1 make test`` and review the diff.
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from dataclasses import dataclass

import pytest

from conftest import FIXTURES, ROOT
from depscan.analysis.detail import Choice
from depscan.analysis.graph import cycles
from depscan.analysis.scan import ScanResult, scan
from depscan.analysis.view import diagram_view
from depscan.output.diagram import to_dot
from depscan.output.report import scan_json, scan_text
from depscan.resolve.describe import describe

GOLDEN = FIXTURES / "scan" / "golden"
VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"
UPDATE = os.environ.get("DEPSCAN_UPDATE_GOLDEN") == "1"
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")  # as make test-all runs them
NAMES = ("app.txt", "app.json", "app.dot")


@dataclass(frozen=True)
class Scanned:
    """The scan of the fixture program, and the temporary directory its zip archive is in."""

    result: ScanResult
    tmp: str


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    directory = tmp_path_factory.mktemp("golden")
    with zipfile.ZipFile(directory / "bundle.zip", "w") as archive:
        archive.writestr("zmod.py", "import textwrap\nfrom zpkg import inner\n")
        archive.writestr("zpkg/", "")
        archive.writestr("zpkg/__init__.py", "")
        archive.writestr("zpkg/inner.py", "import not_in_zip_xyz\n")
    split = FIXTURES / "scan" / "split"
    paths = [str(split / "one"), str(split / "two"), str(directory / "bundle.zip")]
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        found = scan(describe(sys.executable), ["fixtures/scan/app/main.py"], paths=paths, use_pythonpath=False)
    finally:
        os.chdir(cwd)
    return Scanned(found, str(directory))


def normalise(text: str, scanned: Scanned) -> str:
    interp = scanned.result.interpreter
    replacements = [(scanned.tmp, "<tmp>"), (str(ROOT) + os.sep, "")]
    replacements += [(d, "<stdlib>") for d in sorted(interp.stdlib_dirs, key=len, reverse=True)]
    replacements += [(interp.executable, "<python>"), (interp.prefix, "<prefix>"), (interp.base_prefix, "<base>")]
    # The longest first: the interpreter may live under the repository (its .venv) or not, and the
    # golden files must be the same either way.
    replacements.sort(key=lambda pair: len(pair[0] or ""), reverse=True)
    replacements += [(".".join(map(str, interp.version)), "<version>")]  # patch releases do not matter
    for old, new in replacements:
        if old:
            text = text.replace(old, new)
    return text


def compare(name: str, actual: str) -> None:
    path = GOLDEN / f"{name}-{VERSION}"
    if UPDATE:
        path.write_text(actual)
        return
    if not path.exists():
        pytest.skip(f"no golden file for Python {VERSION}: create it with DEPSCAN_UPDATE_GOLDEN=1")
    assert actual == path.read_text(), f"{path.name} differs; if intended, rewrite with DEPSCAN_UPDATE_GOLDEN=1"


def test_text(scanned: Scanned, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    compare("app.txt", normalise(scan_text(scanned.result, cycles(scanned.result)), scanned))


def test_json(scanned: Scanned) -> None:
    document = json.loads(normalise(scan_json(scanned.result, cycles(scanned.result)), scanned))
    document["depscan_version"] = "<version>"
    compare("app.json", json.dumps(document, indent=2, sort_keys=True) + "\n")


def test_dot(scanned: Scanned, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = scanned.result
    found = cycles(result)
    dot = to_dot(diagram_view(result, found, Choice(include_stdlib=True)), "main.py")
    compare("app.dot", normalise(dot, scanned))


def test_golden_files_exist_for_every_supported_python() -> None:
    """Each Python depscan supports has its golden files, or the tests above skip there and prove nothing."""
    missing = [
        f"{name}-{version}" for name in NAMES for version in SUPPORTED if not (GOLDEN / f"{name}-{version}").exists()
    ]
    assert not missing, missing
