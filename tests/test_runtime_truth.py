"""The runtime-truth test: depscan's scan of ``-m P`` against what ``import P`` really does.

The oracle is the target environment itself, on our own pinned packages (``real_venv`` in
conftest.py), never on code under analysis elsewhere: a fresh ``python -I`` of the virtual
environment imports ``P``, lists the modules that import added to ``sys.modules`` (with each one's
``__name__``, which tells an alias from the module it stands for), then answers, for each name the
scan reports missing or maybe missing, whether it exists there: in ``sys.modules``, as an attribute
of its loaded parent (``from M import name``), or as a module ``find_spec`` finds under a loaded
parent. The scan is ``depscan scan --follow-stdlib --format json -m P`` with ``--python`` that
environment. Two claims are checked, per top-level package:

1. every module ``import P`` loads is in the scan's ``modules``, except those ``UNSEEN`` lists, each
   loaded by a cause no reading of the source can see, with that cause; an alias is excused only
   when the module it stands for is found (or excused itself). An entry no module needs any more
   fails the test, so the table stays true.
2. no module or name that exists at run time is in the scan's ``missing`` (with ``error: true``
   first of all); where the scan cannot tell, it says ``maybe_missing``.

Modules a module puts in ``sys.modules`` under literal names are in the answer too (``ENTRIES``).
"""

from __future__ import annotations

import ast
import fnmatch
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REAL_PACKAGES
from depscan.cli import cli

pytestmark = pytest.mark.slow

# The runtime finders of REAL_PINS: setuptools' and pkg_resources' vendored trees, six's.
TOP_LEVEL = (*REAL_PACKAGES, "setuptools", "pkg_resources", "six")

# Run as `python -I -c ORACLE P`, the names to ask about on stdin (a Python list literal). The
# modules loaded are listed before anything else is imported; `exists` is None for a name whose
# parent `import P` did not load (finding it would run more code: not asked).
ORACLE = """
import sys
before = set(sys.modules)
__import__(sys.argv[1])
loaded = {name: str(getattr(sys.modules[name], "__name__", name)) for name in set(sys.modules) - before}
import ast, importlib.util

def exists(name):
    if name in sys.modules:
        return True
    parent, _, attribute = name.rpartition(".")
    if parent and parent not in sys.modules:
        return None
    if parent and hasattr(sys.modules[parent], attribute):
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False

asked = ast.literal_eval(sys.stdin.read())
print(repr((loaded, {name: exists(name) for name in asked})))
"""


@dataclass(frozen=True)
class Unseen:
    """Modules (an ``fnmatch`` pattern) loaded by a cause no static reader can see."""

    pattern: str
    cause: str
    before: tuple[int, int] | None = None  # only on Pythons older than this


UNSEEN = (
    Unseen("_cython_*", "C code: a Cython-compiled extension (charset_normalizer's) registers its runtime"),
    Unseen("cython_runtime", "C code: the same"),
    Unseen("pyexpat.errors", "C code: the pyexpat extension puts its submodules in sys.modules"),
    Unseen("pyexpat.model", "C code: the same"),
    Unseen("typing.io", "a computed name: typing does sys.modules[io.__name__] = io", before=(3, 13)),
    Unseen("typing.re", "a computed name: the same", before=(3, 13)),
    Unseen(
        "requests.packages.*",
        "computed names: requests/packages.py aliases each loaded module of urllib3, idna and "
        'charset_normalizer (also as chardet), sys.modules[f"requests.packages.{mod}"] in a loop',
    ),
    Unseen(
        "setuptools.extern.*",
        "a runtime finder: the VendorImporter setuptools/extern puts on sys.meta_path loads "
        "setuptools._vendor.X and stores it as setuptools.extern.X too",
    ),
    Unseen("pkg_resources.extern.*", "a runtime finder: the same, pkg_resources/extern's"),
)

# xml/parsers/expat.py does sys.modules['xml.parsers.expat.model'] = model (and 'errors'), literal
# keys at module level: modules of kind "entry" in the scan's answer.
ENTRIES = {"xml.parsers.expat.errors": "pyexpat.errors", "xml.parsers.expat.model": "pyexpat.model"}


@dataclass(frozen=True)
class Truth:
    """What ``import P`` did, and what the scan of ``-m P`` answered."""

    loaded: dict[str, str]  # each module import P added to sys.modules -> its __name__
    exists: dict[str, bool | None]  # each name the scan reports (maybe) missing -> there at run time?
    found: frozenset[str]  # the scan's modules
    missing: list[dict[str, object]]  # the scan's missing entries


@pytest.fixture(scope="module")
def truth(real_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Truth]:
    python = str(real_venv / "bin" / "python")
    where = tmp_path_factory.mktemp("truth")
    config = where / "depscan.toml"
    config.write_text("")  # no project: nothing declared, no settings

    @cache
    def of(package: str) -> Truth:
        options = ["--config", str(config), "--no-cache", "--no-pythonpath", "--python", python]
        arguments = ["scan", *options, "--follow-stdlib", "--format", "json", "-m", package]
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(where)  # no project around
            done = CliRunner().invoke(cli, arguments, env={"VIRTUAL_ENV": None}, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        report = json.loads(done.stdout)
        asked = sorted(entry["name"] for entry in report["missing"] + report["maybe_missing"])
        oracle = subprocess.run(
            [python, "-I", "-c", ORACLE, package], input=repr(asked), capture_output=True, text=True, cwd=where
        )
        assert oracle.returncode == 0, oracle.stderr
        loaded, exists = ast.literal_eval(oracle.stdout)
        return Truth(loaded, exists, frozenset(m["name"] for m in report["modules"]), report["missing"])

    return of


def applies(entry: Unseen) -> bool:
    return entry.before is None or sys.version_info[:2] < entry.before


def cause(module: str) -> Unseen | None:
    return next((e for e in UNSEEN if applies(e) and fnmatch.fnmatchcase(module, e.pattern)), None)


def unexplained(truth: Truth) -> list[str]:
    """The modules ``import P`` loaded that the scan did not find and no listed cause explains (an
    alias is explained when the module it stands for is found, or explained)."""

    def explained(module: str) -> bool:
        real = truth.loaded[module]
        return cause(module) is not None and (real == module or real in truth.found or cause(real) is not None)

    return sorted(m for m in truth.loaded if m not in truth.found and not explained(m))


@pytest.mark.parametrize("package", TOP_LEVEL)
def test_every_module_import_loads_is_found(truth: Callable[[str], Truth], package: str) -> None:
    found = truth(package)
    assert package in found.loaded  # the oracle ran
    assert unexplained(found) == []


@pytest.mark.parametrize("package", TOP_LEVEL)
def test_nothing_there_at_run_time_is_missing(truth: Callable[[str], Truth], package: str) -> None:
    """Not as an error, and not at all: ``missing`` says the name is not there (where it cannot
    tell, the scan says ``maybe_missing``)."""
    found = truth(package)
    there = [entry for entry in found.missing if found.exists[str(entry["name"])]]
    assert [entry["name"] for entry in there if entry["error"]] == []
    assert [entry["name"] for entry in there] == []


def test_every_listed_cause_is_needed(truth: Callable[[str], Truth]) -> None:
    """Each entry of UNSEEN (for this Python) explains a module some package loads and the scan
    does not find: an entry nothing needs any more is taken out."""
    unseen = {m for package in TOP_LEVEL for m in truth(package).loaded if m not in truth(package).found}
    unused = [e.pattern for e in UNSEEN if applies(e) and not any(fnmatch.fnmatchcase(m, e.pattern) for m in unseen)]
    assert unused == []


def test_literal_sys_modules_entries_are_found(truth: Callable[[str], Truth]) -> None:
    """import P loads them under those names, as the modules the values are; the scan has them."""
    assert {name: truth("pkg_resources").loaded.get(name) for name in ENTRIES} == ENTRIES
    assert set(ENTRIES) <= truth("pkg_resources").found
