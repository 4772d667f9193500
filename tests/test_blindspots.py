"""Blind spots: what static import analysis cannot see, and the native code a module loads.

The fixtures under fixtures/audit/blindspots mark each line with the blind
spots it must give (``# blindspot: KIND``) or ``# clean``; the test compares
what is found with what is marked, exactly.
"""

from __future__ import annotations

import re
import sysconfig
from collections import Counter
from pathlib import Path

import pytest

from conftest import FIXTURES
from depscan.extract.blindspots import KINDS, Blindspot, find_blindspots

BASE = FIXTURES / "audit" / "blindspots"
_MARK = re.compile(r"#\s*blindspot:\s*([\w-]+(?:\s*,\s*[\w-]+)*)\s*$")
_CLEAN = re.compile(r"#\s*clean\s*$")
FIXTURE_FILES = sorted(BASE.rglob("*.py"))


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(BASE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _marks(path: Path) -> tuple[Counter[tuple[int, str]], set[int]]:
    marked: Counter[tuple[int, str]] = Counter()
    clean: set[int] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _MARK.search(line)
        if match:
            for kind in match.group(1).split(","):
                assert kind.strip() in KINDS, f"{path}:{number}: unknown kind {kind!r}"
                marked[(number, kind.strip())] += 1
        elif _CLEAN.search(line):
            clean.add(number)
    return marked, clean


def spots(source: str, module: str = "m") -> list[Blindspot]:
    return find_blindspots(source.encode(), module)


def kinds(source: str) -> list[str]:
    return [spot.kind for spot in spots(source)]


# --- the fixtures ---------------------------------------------------------------


def test_fixtures_cover_every_kind() -> None:
    covered = {kind for path in FIXTURE_FILES for (_, kind) in _marks(path)[0]}
    assert covered == set(KINDS)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda path: str(path.relative_to(BASE)))
def test_fixture_lines_exactly(path: Path) -> None:
    marked, clean = _marks(path)
    found = find_blindspots(path.read_bytes(), _module_of(path), str(path))
    got = Counter((spot.line, spot.kind) for spot in found)
    assert got == marked, "\n".join(
        f"{path.name}:{spot.line}:{spot.col} {spot.kind} {spot.expression}" for spot in found
    )
    assert not clean & {line for line, _ in got}


# --- names resolved through the imports -----------------------------------------

ALIASING = [
    ("import sys as _sys\n_sys.path.append('x')", "sys-path"),
    ("from sys import path as p\np.append('x')", "sys-path"),
    ("from sys import path\npath.insert(0, 'x')", "sys-path"),
    ("import sys\nsearch = sys.path\nsearch.append('x')", "sys-path"),
    ("import os\nos.sys.path.append('x')", None),
    ("from sys import modules\nmodules['x'] = 1", "sys-modules"),
    ("import sys\nsys.modules.pop('x')", "sys-modules"),
    ("import sys\nsys.modules['x']", None),
    ("from sys import meta_path as finders\nfinders.insert(0, None)", "meta-path"),
    ("import sys\nsys.path_hooks.insert(0, None)", "path-hooks"),
    ("from site import addsitedir\naddsitedir('d')", "sys-path"),
    ("from ctypes import CDLL\nCDLL('libc.so.6')", "native-library"),
    ("from ctypes import CDLL as Lib\nLib('libc.so.6')", "native-library"),
    ("import ctypes as c\nc.PyDLL(None)", "native-library"),
    ("import ctypes.util\nctypes.util.find_library('m')", "native-library"),
    ("from ctypes.util import find_library\nfind_library('m')", "native-library"),
    ("from ctypes import util\nutil.find_library('m')", "native-library"),
    ("from ctypes import windll\nwindll.user32", "native-library"),
    ("from cffi import FFI\nFFI().dlopen('x')", "native-library"),
    ("import cffi\nf = cffi.FFI()\nf.dlopen('x')", "native-library"),
    ("class Opener:\n    pass\nOpener().dlopen('x')", None),
    ("from importlib import metadata\nmetadata.entry_points()", "entry-points"),
    ("from importlib.metadata import entry_points\nentry_points()", "entry-points"),
    ("from importlib.metadata import entry_points as eps\neps(group='g')", "entry-points"),
    ("import importlib.metadata\nimportlib.metadata.entry_points()", "entry-points"),
    ("import importlib_metadata as md\nmd.entry_points()", "entry-points"),
    ("import pkg_resources\npkg_resources.iter_entry_points('g')", "entry-points"),
    ("from pkg_resources import load_entry_point\nload_entry_point('d', 'g', 'n')", "entry-points"),
    ("import builtins\nbuiltins.exec(code)", "exec"),
    ("from builtins import eval as ev\nev(code)", "exec"),
    ("import importlib\nimportlib.import_module('sys').path.append('x')", "sys-path"),
    ("def f():\n    import sys as s\n    s.path.append('x')", "sys-path"),
    ("if x:\n    import sys\nelse:\n    sys = None\nsys.path.append('x')", "sys-path"),
    ("def compile(text):\n    pass\ncompile(code)", None),
    ("from re import compile\ncompile(code)", None),
    ("def f(eval):\n    eval(code)", None),
    ("sys.path.append('x')", None),  # sys never imported: not the module
    ("import sys\ndef f(sys):\n    sys.path.append('x')", None),
    ("import sys\nsys.path = list(sys.path)", "sys-path"),
]


@pytest.mark.parametrize(("source", "kind"), ALIASING, ids=[source.split("\n")[-1] for source, _ in ALIASING])
def test_aliasing(source: str, kind: str | None) -> None:
    assert kinds(source) == ([] if kind is None else [kind])


# --- targets, positions, JSON ----------------------------------------------------

TARGETS = [
    ("import ctypes\nctypes.CDLL('libc.so.6')", "libc.so.6"),
    ("import ctypes\nctypes.CDLL(name='libm.so.6')", "libm.so.6"),
    ("import ctypes\nctypes.cdll.LoadLibrary('libz.so' + '.1')", "libz.so.1"),
    ("import ctypes\nctypes.CDLL(path)", None),
    ("import ctypes\nctypes.cdll.kernel32", "kernel32"),
    ("import ctypes.util\nctypes.util.find_library('ssl')", "ssl"),
    ("import cffi\ncffi.FFI().dlopen('libsqlite3.so')", "libsqlite3.so"),
    ("import sys\nsys.path.append('/opt/lib')", "/opt/lib"),
    ("import sys\nsys.path.insert(0, '/opt/first')", "/opt/first"),
    ("import sys\nsys.modules['fake'] = None", "fake"),
    ("import sys\nsys.modules[__name__] = None", "pkg.mod"),
    ("import site\nsite.addsitedir('/srv')", "/srv"),
    ("exec('import os')", "import os"),
    ("exec(code)", None),
    ("from importlib.metadata import entry_points\nentry_points(group='console_scripts')", "console_scripts"),
    ("import pkg_resources\npkg_resources.iter_entry_points('gui_scripts')", "gui_scripts"),
]


@pytest.mark.parametrize(("source", "target"), TARGETS, ids=[source.split("\n")[-1] for source, _ in TARGETS])
def test_literal_targets(source: str, target: str | None) -> None:
    [spot] = spots(source, "pkg.mod")
    assert spot.target == target


def test_positions_are_characters_and_sorted() -> None:
    source = "import sys\nnom_é = 'ü'; sys.path.append('x')\nexec(code)\n"
    found = spots(source)
    assert [(spot.line, spot.col, spot.kind) for spot in found] == [(2, 14, "sys-path"), (3, 1, "exec")]


def test_expression_is_shortened() -> None:
    source = "exec(" + " + ".join(f"part{index}" for index in range(200)) + ")"
    [spot] = spots(source)
    assert len(spot.expression) == 200
    assert spot.expression.startswith("exec(part0 + part1") and spot.expression.endswith("...")


def test_to_json() -> None:
    [spot] = spots("import ctypes\nlib = ctypes.CDLL('libc.so.6')\n")
    assert spot.to_json() == {
        "kind": "native-library",
        "line": 2,
        "col": 7,
        "expression": "ctypes.CDLL('libc.so.6')",
        "detail": spot.detail,
        "target": "libc.so.6",
    }
    assert "libc.so.6" in spot.detail


def test_package_path_names_the_module() -> None:
    [spot] = spots("__path__.append('x')", "pkg.sub")
    assert spot.kind == "package-path" and "pkg.sub.__path__" in spot.detail


# --- hostile input ----------------------------------------------------------------

HOSTILE = {
    "null-byte": b"import sys\nsys.path.append('x')\0\n",
    "nested-parens": b"import sys\nx = " + b"(" * 100_000 + b"1" + b")" * 100_000 + b"\n",
    "invalid-utf8": b"import sys\nsys.path.append('\xff\xfe')\n",
    "bad-cookie": b"# -*- coding: no-such-codec -*-\nimport sys\nsys.path.append('x')\n",
    "syntax-error": b"import sys\nsys.path.append('x'\n",
    "deep-unary": b"exec(" + b"-" * 100_000 + b"1)\n",
    "long-sum": b"exec(" + b"+".join([b"a"] * 100_000) + b")\n",
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_gives_nothing(source: bytes) -> None:
    assert find_blindspots(source, "m", "hostile.py") == []


def test_a_chain_too_long_to_resolve_does_not_raise() -> None:
    # Parses, but resolving the chain needs more stack than Python allows: that node is
    # skipped, the rest of the module is still read.
    chain = "a" + ".b" * 990
    found = spots(f"import sys\nx = {chain}\nsys.path.append('x')\n")
    assert [(spot.line, spot.kind) for spot in found] == [(3, "sys-path")]


def test_latin1_source_is_read() -> None:
    source = "# -*- coding: latin-1 -*-\nimport sys\nnom = 'é'; sys.path.append('x')\n".encode("latin-1")
    [spot] = find_blindspots(source, "m")
    assert (spot.line, spot.col, spot.kind) == (3, 12, "sys-path")


# --- real code: the running interpreter's standard library ---------------------------


def _stdlib_files() -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return sorted(path for path in stdlib.rglob("*.py") if "site-packages" not in path.parts)


def _line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


@pytest.mark.slow
def test_stdlib_smoke() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = _stdlib_files()
    assert len(files) > 500
    found: dict[str, set[tuple[int, str, str | None]]] = {}
    for path in files:
        parts = list(path.relative_to(stdlib).with_suffix("").parts)
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        result = find_blindspots(path.read_bytes(), module, str(path))
        for spot in result:
            assert spot.kind in KINDS and spot.line >= 1 and spot.col >= 1
            assert 0 < len(spot.expression) <= 200
        found[path.relative_to(stdlib).as_posix()] = {(spot.line, spot.kind, spot.target) for spot in result}

    site = stdlib / "site.py"
    assert (_line_of(site, "sys.path[:] = L"), "sys-path", None) in found["site.py"]
    assert (_line_of(site, "sys.path.append(sitedir)"), "sys-path", None) in found["site.py"]
    util = stdlib / "ctypes" / "util.py"
    assert (_line_of(util, "print(cdll.msvcrt)"), "native-library", "msvcrt") in found["ctypes/util.py"]
    line = _line_of(util, 'cdll.LoadLibrary("libm.dylib")')
    assert (line, "native-library", "libm.dylib") in found["ctypes/util.py"]
    init = stdlib / "ctypes" / "__init__.py"
    line = _line_of(init, "self._handle = _dlopen(self._name, mode)")
    assert (line, "native-library", None) in found["ctypes/__init__.py"]
    # Inside ctypes, its own classes are the loaders.
    assert (_line_of(init, "pythonapi = PyDLL(None)"), "native-library", None) in found["ctypes/__init__.py"]
    assert (_line_of(site, "addsitedir(sitedir, known_paths)"), "sys-path", None) in found["site.py"]
    # runpy runs the code of the module it is given.
    assert any(kind == "exec" for _, kind, _ in found["runpy.py"])
    # ast.parse compiles with PyCF_ONLY_AST: nothing runs.
    assert not any(kind.startswith("exec") for _, kind, _ in found["ast.py"])
    assert sum(len(spots) for spots in found.values()) > 100
