"""An audit of real vendored code: pip's own ``pip/_vendor``, in the virtual environment running the tests.

pip lists what it vendors, with the versions, in ``pip/_vendor/vendor.txt``: every version the
audit reads from the code must be the one listed there. The rest was examined by hand once (pip
23.2.1) and is pinned as golden facts, checked when that pip is the one installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from depscan.analysis.audit import Audit, audit
from depscan.analysis.distributions import normalise
from depscan.analysis.scan import ScanOptions
from depscan.resolve.describe import describe

pytestmark = pytest.mark.slow
VENDOR = next(
    (Path(p) / "pip" / "_vendor" for p in sys.path if (Path(p) / "pip" / "_vendor" / "vendor.txt").exists()), None
)
# Vendored as a module of another name than its distribution's.
IMPORT_NAMES = {"cachecontrol": "cachecontrol", "pyproject-hooks": "pyproject_hooks", "setuptools": "pkg_resources"}
PINNED_PIP = "23.2.1"


@pytest.fixture(scope="module")
def report() -> Audit:
    if VENDOR is None:
        pytest.skip("no pip with a vendor.txt on sys.path")
    return audit(describe(sys.executable), [str(VENDOR)], options=ScanOptions())


def listed() -> dict[str, str]:
    assert VENDOR is not None
    versions = {}
    for line in (VENDOR / "vendor.txt").read_text().splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)==([^\s#]+)", line)
        if match:
            versions[normalise(match.group(1))] = match.group(2)
    return versions


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def test_every_vendored_package_is_found_and_its_declared_version_is_pip_s(report: Audit) -> None:
    found = {v.package: v for v in report.vendored}
    for name, version in listed().items():
        package = IMPORT_NAMES.get(name, name.replace("-", "_"))
        assert package in found, name
        declared = found[package].version
        assert declared is not None, name  # vendor.txt pins every one: 6 of 23 had none in pip 23.2.1
        assert _release(declared) == _release(version), (name, declared, version)


def test_golden_facts(report: Audit) -> None:
    from importlib.metadata import version

    assert VENDOR is not None  # the report fixture skips without it
    installed = version("pip")  # read from its metadata: pip itself is not imported
    if installed != PINNED_PIP:
        pytest.skip(f"golden facts are for pip {PINNED_PIP}, not {installed}")
    sources = {v.package: v.version_source for v in report.vendored if v.version_source}
    pinned = {package for package, source in sources.items() if source.kind == "requirements"}
    assert pinned == {"pkg_resources", "pyparsing", "rich", "tenacity", "typing_extensions", "webencodings"}
    assert (sources["pkg_resources"].distribution, sources["pkg_resources"].line) == ("setuptools", 19)
    assert {source.kind for package, source in sources.items() if package not in pinned} == {"__version__"}
    assert {(s.kind, s.module) for s in report.opaque} == {
        ("native-library", "pip._vendor.packaging._manylinux"),
        ("native-library", "pip._vendor.urllib3.contrib._securetransport.bindings"),
    }
    paths = {
        f"{Path(s.path or '').relative_to(VENDOR).as_posix()}:{s.line}"
        for s in report.blindspots
        if s.kind == "sys-path"
    }
    assert "__init__.py:58" in paths and "distlib/wheel.py:799" in paths
    reaches = {(r.capability, r.module): [name for name, _ in r.chain] for r in report.capabilities}
    assert reaches["network", "pip._vendor.requests.sessions"] == [
        "pip._vendor.requests.sessions", "pip._vendor.requests.adapters", "socket",
    ]  # fmt: skip
    assert ("process", "pip._vendor.six") not in reaches  # pip/__init__'s main() imports it, not the package
    gone = "deprecated" if sys.version_info < (3, 12) else "removed"  # removed in 3.12, the target's own
    problems = {(p.module, p.status) for p in report.portability}
    assert ("distutils", gone) in problems
    # pkg_resources: `try: import _imp` / `except ImportError: import imp as _imp`: _imp is found, so the
    # fallback never runs (distlib/wheel.py's `import imp` is under sys.version_info[0] < 3: dead).
    assert not [p for p in report.portability if p.module == "imp"]
    assert not report.diagnostics


SETUPTOOLS = next(
    (Path(p) / "setuptools" / "_vendor" for p in sys.path if (Path(p) / "setuptools" / "_vendor").is_dir()), None
)
PINNED_SETUPTOOLS = "65.5.0"


def test_setuptools_vendor_golden_facts() -> None:
    """setuptools' _vendor, examined by hand once (setuptools 65.5.0, the one ensurepip puts in a venv)."""
    from importlib.metadata import version

    if SETUPTOOLS is None or version("setuptools") != PINNED_SETUPTOOLS:
        pytest.skip(f"golden facts are for setuptools {PINNED_SETUPTOOLS}")
    report = audit(describe(sys.executable), [str(SETUPTOOLS)], options=ScanOptions())
    assert {(v.package, v.version) for v in report.vendored} == {
        ("importlib_metadata", None), ("importlib_resources", None), ("jaraco", None),
        ("more_itertools", "8.8.0"), ("ordered_set", "3.1"), ("packaging", "21.3"), ("pyparsing", None),
        ("tomli", "2.0.1"), ("typing_extensions", None), ("zipp", None),
    }  # fmt: skip
    assert [(s.kind, s.module) for s in report.opaque] == [
        ("native-library", "setuptools._vendor.packaging._manylinux")
    ]
    spots = {
        (s.kind, Path(s.path or "").relative_to(SETUPTOOLS).as_posix(), s.line)
        for s in report.blindspots
        if s.kind != "pth-exec"
    }
    assert spots == {
        ("dynamic-import", "importlib_metadata/__init__.py", 194),
        ("meta-path", "importlib_metadata/_compat.py", 22),
        ("dynamic-import", "importlib_resources/_common.py", 44),
        ("exec", "jaraco/functools.py", 519),
    }
    assert not report.diagnostics  # setuptools/logging.py is setuptools.logging, not a top-level logging


def test_markdown_of_pips_vendor_fits_a_pull_request_comment(tmp_path: Path) -> None:
    """pip's _vendor gave 136 KB of Markdown (pip 24.0; 111 KB for 23.2.1): the comment fits GitHub's
    65,536 characters, names every vendored package with its version, and the whole report is written
    beside it, the comment's last line naming it."""
    if VENDOR is None:
        pytest.skip("no pip with a vendor.txt on sys.path")
    from click.testing import CliRunner

    from depscan.cli import cli

    comment = tmp_path / "audit.md"
    done = CliRunner().invoke(cli, ["audit", "--no-cache", "--format", "markdown", "-o", str(comment), str(VENDOR)])
    assert done.exit_code == 0, done.output
    text = comment.read_text()
    assert len(text.encode()) <= 65_536
    whole = (tmp_path / "audit.full.md").read_text()
    assert len(whole) > 65_536 and "left out" not in whole
    for name, version in listed().items():
        package = IMPORT_NAMES.get(name, name.replace("-", "_"))
        row = re.search(rf"\| \*\*{re.escape(package)}\*\* \| vendored \| ([^|]+) \|", text)
        assert row is not None and _release(row.group(1)) == _release(version), name
    assert text.rstrip().splitlines()[-1].endswith("audit.full.md`.")
    assert "the whole report is in" in done.stderr
