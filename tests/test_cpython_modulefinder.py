"""Differential test on CPython's own test cases for :mod:`modulefinder` (``Lib/test/test_modulefinder.py``).

Nothing of that test is copied here: the running interpreter's ``test.test_modulefinder`` is
imported, and its module-level cases are read from it. Each case is a list of five: the module
to import, the modules modulefinder must find, those it must report missing and maybe missing,
and a text describing the source files (a line at the margin names a file, the indented lines
after it are its lines). Each case's files are written to ``tmp_path`` as that test writes them,
then analysed twice:

(a) the oracle, run as that test runs it: ``modulefinder.ModuleFinder(path=[tree, stdlib])``,
    ``import_hook(module)``, then ``.modules`` and ``.any_missing_maybe()``. Its answer must be
    the case's own expectation, so the oracle here is the one CPython tests;
(b) depscan: ``scan(interpreter, [], modules=[module], paths=[tree], use_pythonpath=False)``,
    following the standard library and not (modulefinder follows it; the cases' stdlib modules,
    ``sys``, ``gc``, ``__future__``, import nothing, so the answer must not change).

The modules found (each name with its file), the missing names and the maybe-missing names must
be equal. Where depscan answers differently on purpose, the case is in ``DIFFERENCES`` with the
rules of ``ReferenceFinder`` (``RULES`` in ``tests/test_modulefinder_differential.py``, each
explained there and in the README) that make modulefinder answer as the running program would;
the comparison stays exact, and such a case must still differ from the bare oracle, so a rule
that is no longer needed shows. No case needs the "dead-branches" rule: none of CPython's has a
branch that is dead for the running Python.

CPython's test methods that build their trees in code are covered as ``METHODS`` says, with
cases of our own in ``OWN_CASES``; ``test_every_cpython_test_is_covered`` fails when a CPython
version adds one. Where the interpreter's test suite is not installed (Debian and Ubuntu ship it
apart, in ``libpython3.X-testsuite``), the tests of CPython's cases are skipped with that reason.
"""

from __future__ import annotations

import contextlib
import importlib
import modulefinder
import os
import py_compile
import tempfile
import types
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from test_modulefinder_differential import RULES, Outcome, ReferenceFinder, _described, _interpreter, write_tree

from depscan.analysis.scan import ScanOptions, ScanResult, scan


def _load() -> types.ModuleType | None:
    """The running interpreter's own ``test.test_modulefinder``; None where it is not installed."""
    try:
        module = importlib.import_module("test.test_modulefinder")
    except ImportError:
        return None
    leaked = getattr(module, "TEST_DIR", None)  # 3.10's makes a temporary directory when imported
    if isinstance(leaked, str):
        with contextlib.suppress(OSError):
            os.rmdir(leaked)  # only when empty: nothing of anyone else's is removed
    return module


CPYTHON = _load()
needs_cpython = pytest.mark.skipif(
    CPYTHON is None,
    reason="this Python has no test.test_modulefinder (its test suite, Lib/test, is not installed; "
    "Debian and Ubuntu ship it in libpython3.X-testsuite)",
)


@dataclass(frozen=True)
class CpythonCase:
    """One module-level case of CPython's test, as it lists it."""

    module: str
    found: frozenset[str]
    missing: frozenset[str]
    maybe: frozenset[str]
    text: bytes


def _is_case(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 5
        and isinstance(value[0], str)
        and all(isinstance(names, list) for names in value[1:4])
        and isinstance(value[4], str | bytes)
    )


def _cases(module: types.ModuleType | None) -> dict[str, CpythonCase]:
    """Every module-level case of CPython's test, by the name it has there."""
    cases = {}
    for name, value in vars(module or types.ModuleType("absent")).items():
        if _is_case(value):
            target, found, missing, maybe, text = value
            data = text.encode() if isinstance(text, str) else text
            cases[name] = CpythonCase(target, frozenset(found), frozenset(missing), frozenset(maybe), data)
    return cases


CASES = _cases(CPYTHON)


def case_files(text: bytes) -> dict[str, bytes]:
    """The files a case's text describes: a line at the margin names one, indented lines are its lines."""
    files: dict[str, bytes] = {}
    current = ""
    for line in text.splitlines():
        if line[:1] in (b" ", b"\t"):
            files[current] += line.strip() + b"\n"
        elif line.strip():
            current = line.strip().decode()
            files[current] = b""
    return files


def make_sourceless(root: Path, module: str) -> None:
    """Compile ``module``'s source file to a ``.pyc`` beside it (where Python 2 kept them) and remove the source."""
    source = root / f"{module.replace('.', '/')}.py"
    py_compile.compile(str(source), cfile=str(source.with_suffix(".pyc")), doraise=True)
    source.unlink()


# --- what depscan deliberately answers otherwise -------------------------------------------------
#
# "syntax_error_test": b/module.py does not compile. modulefinder reports `b.module` missing;
#   depscan finds it and reports DS010 (an error) for its file (rule unparsable-is-found): the
#   import fails with SyntaxError, not ImportError; the fix is in that file, not a module to
#   install or a name to correct.

DIFFERENCES: dict[str, tuple[str, ...]] = {
    "syntax_error_test": ("unparsable-is-found",),
}

# Known depscan bugs these cases show: none open. (A compile-time syntax error, which none of
# CPython's cases has, is in KNOWN_BUGS of tests/test_modulefinder_differential.py.)

# --- CPython's tests that build their trees in code ------------------------------------------------

SOURCELESS: dict[str, tuple[str, ...]] = {
    "bytecode_test": ("a",),  # its text is empty: test_bytecode writes a.py, compiles it and removes it
}

METHODS: dict[str, str] = {
    "test_bytecode": "bytecode_test's module a is compiled to a.pyc and its source removed (SOURCELESS); "
    "a sourceless module that imports is in OWN_CASES (sourceless-extended-opargs)",
    "test_replace_paths": "maybe_test with replace_paths, which renames the files in the code objects "
    "modulefinder compiles and changes no answer; depscan compiles none (test_replace_paths_changes_no_answer)",
    "test_extended_opargs": "an import after 2**16 constants, from source (extended-opargs), and one whose "
    "name is the 65537th of its module, read from a .pyc, where IMPORT_NAME's operand needs EXTENDED_ARG "
    "(sourceless-extended-opargs, OWN_CASES)",
    "test_load_module_api": "absolute_import_test with a subclass that checks the arguments of "
    "modulefinder's own load_module: nothing of depscan's; the case itself is compared",
}


@needs_cpython
def test_every_cpython_test_is_covered() -> None:
    """Each test of CPython's ModuleFinderTest runs one of CASES as it is, or is in METHODS."""
    assert CPYTHON is not None
    tests = {name: value for name, value in vars(CPYTHON.ModuleFinderTest).items() if name.startswith("test_")}
    plain = {name for name, test in tests.items() if set(test.__code__.co_names) <= {"_do_test", *CASES}}
    assert set(tests) - plain == set(METHODS)
    used = {name for test in tests.values() for name in test.__code__.co_names if name in CASES}
    assert used == set(CASES) and set(SOURCELESS) <= used and set(DIFFERENCES) <= used
    assert all(set(rules) <= set(RULES) for rules in DIFFERENCES.values())


# --- the two answers -------------------------------------------------------------------------------


def search_path(tree: Path) -> list[str]:
    """modulefinder's path in CPython's test: the tree, then the standard library's directory."""
    return [str(tree), os.path.dirname(tempfile.__file__)]


def answer(tree: Path, found: Mapping[str, str | None], missing: Collection[str], maybe: Collection[str]) -> Outcome:
    """The whole answer: each module found with its file (relative to ``tree`` when in it, "" when it has none:
    a builtin module's is None for modulefinder, "built-in" for depscan)."""
    root = os.path.realpath(tree) + os.sep

    def place(path: str | None) -> str:
        return os.path.realpath(path).removeprefix(root) if path and os.path.isfile(path) else ""

    return Outcome({name: place(found[name]) for name in sorted(found)}, frozenset(missing), frozenset(maybe))


def oracle(tree: Path, module: str, finder: modulefinder.ModuleFinder) -> Outcome:
    """``finder``'s answer for ``import module``, as CPython's test asks for it."""
    finder.import_hook(module)
    missing, maybe = finder.any_missing_maybe()
    found = {name: _described(m).__file__ for name, m in finder.modules.items()}
    return answer(tree, found, missing, maybe)


def reference(tree: Path, module: str, rules: Sequence[str]) -> Outcome:
    """The bare oracle, or with ``rules`` the reference finder that applies them."""
    if not rules:
        return oracle(tree, module, modulefinder.ModuleFinder(path=search_path(tree)))
    return oracle(tree, module, ReferenceFinder(tree, rules, path=search_path(tree)))


def depscan_scan(tree: Path, module: str, follow_stdlib: bool) -> ScanResult:
    options = ScanOptions(follow_stdlib=follow_stdlib)
    return scan(_interpreter(), [], modules=[module], paths=[str(tree)], options=options, use_pythonpath=False)


def depscan(tree: Path, module: str, follow_stdlib: bool = False) -> Outcome:
    result = depscan_scan(tree, module, follow_stdlib)
    found = {name: resolution.path for name, resolution in result.modules.items()}
    return answer(tree, found, result.missing, result.maybe_missing)


def assert_agree(tree: Path, module: str, rules: Sequence[str] = ()) -> Outcome:
    """depscan answers as the reference with ``rules``, following the stdlib or not; and, with rules,
    unlike the bare oracle (else the rules are not needed)."""
    expected = reference(tree, module, rules)
    assert depscan(tree, module) == expected
    assert depscan(tree, module, follow_stdlib=True) == expected
    if rules:
        assert reference(tree, module, ()) != expected
    return expected


# --- CPython's cases -------------------------------------------------------------------------------


@needs_cpython
@pytest.mark.parametrize("name", sorted(CASES) or ["(none)"])
def test_cpython_case(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    write_tree(tmp_path, case_files(case.text))
    for module in SOURCELESS.get(name, ()):
        write_tree(tmp_path, {f"{module}.py": "flag = True\n"})
        make_sourceless(tmp_path, module)
    bare = reference(tmp_path, case.module, ())
    assert (frozenset(bare.found), bare.missing, bare.maybe) == (case.found, case.missing, case.maybe)
    assert_agree(tmp_path, case.module, DIFFERENCES.get(name, ()))


@needs_cpython
def test_syntax_error_case_is_a_diagnostic(tmp_path: Path) -> None:
    """What depscan says instead of modulefinder's missing ``b.module`` (DIFFERENCES)."""
    write_tree(tmp_path, case_files(CASES["syntax_error_test"].text))
    result = depscan_scan(tmp_path, CASES["syntax_error_test"].module, follow_stdlib=False)
    assert "b.module" in result.modules and not result.missing
    assert [(d.code, d.path) for d in result.diagnostics] == [("DS010", str(tmp_path / "b" / "module.py"))]


@needs_cpython
def test_replace_paths_changes_no_answer(tmp_path: Path) -> None:
    """CPython's test_replace_paths: modulefinder with replace_paths answers as without, and as depscan."""
    case = CASES["maybe_test"]
    write_tree(tmp_path, case_files(case.text))
    replaced = [(str(tmp_path / "a" / "module.py"), str(tmp_path / "a" / "spam.py"))]
    finder = modulefinder.ModuleFinder(path=search_path(tmp_path), replace_paths=replaced)
    renamed = oracle(tmp_path, case.module, finder)
    assert renamed == assert_agree(tmp_path, case.module)


# --- cases of our own, for the tests that build their trees in code -----------------------------

MANY = 2**16  # more than two bytes of operand: an import after this many constants or names needs EXTENDED_ARG


@dataclass(frozen=True)
class OwnCase:
    module: str
    files: dict[str, str | bytes]
    found: set[str]
    missing: set[str] = field(default_factory=set)
    sourceless: tuple[str, ...] = ()  # modules compiled to a .pyc beside their source, the source removed


def _after_names(count: int) -> str:
    """A statement naming ``count`` distinct names (each an entry of the module's co_names)."""
    return f"NAMES = ({', '.join(f'n{i}' for i in range(count))},)\n"


OWN_CASES: dict[str, OwnCase] = {
    "extended-opargs": OwnCase(  # CPython's own shape: a literal list of constants before the import
        "alpha",
        {"alpha.py": f"{list(range(MANY))!r}\nimport bravo\nimport absent_one\n", "bravo.py": ""},
        {"alpha", "bravo"},
        {"absent_one"},
    ),
    "sourceless-extended-opargs": OwnCase(  # IMPORT_NAME's operand is past 65535 names
        "alpha",
        {
            "alpha.py": f"{_after_names(MANY)}import bravo\nfrom charlie import delta, nothing\n",
            "bravo.py": "",
            "charlie/__init__.py": "",
            "charlie/delta.py": "",
        },
        {"alpha", "bravo", "charlie", "charlie.delta"},
        {"charlie.nothing"},
        sourceless=("alpha",),
    ),
    "sourceless-package": OwnCase(
        "alpha",
        {"alpha/__init__.py": "from . import bravo\nimport absent_one\n", "alpha/bravo.py": ""},
        {"alpha", "alpha.bravo"},
        {"absent_one"},
        sourceless=("alpha.__init__",),
    ),
    "coding-cookie-on-line-two": OwnCase(
        "alpha",
        {
            "alpha.py": b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nNAME = 'P\xe2t\xe9'\nimport bravo\n",
            "bravo.py": "import absent_one\n",
        },
        {"alpha", "bravo"},
        {"absent_one"},
    ),
    "utf8-byte-order-mark": OwnCase(
        "alpha",
        {"alpha.py": "\ufeffNAME = '\u2090'\nimport bravo\n".encode(), "bravo.py": ""},
        {"alpha", "bravo"},
    ),
}


@pytest.mark.parametrize("name", OWN_CASES)
def test_own_case(name: str, tmp_path: Path) -> None:
    case = OWN_CASES[name]
    write_tree(tmp_path, case.files)
    for module in case.sourceless:
        make_sourceless(tmp_path, module)
    expected = assert_agree(tmp_path, case.module)
    assert set(expected.found) == case.found and expected.missing == case.missing


def test_sourceless_import_needs_extended_args(tmp_path: Path) -> None:
    """The sourceless case tests what it says: its import's operand does not fit in two bytes."""
    write_tree(tmp_path, OWN_CASES["sourceless-extended-opargs"].files)
    code: Any = compile((tmp_path / "alpha.py").read_bytes(), "alpha.py", "exec")
    assert code.co_names.index("bravo") >= MANY
