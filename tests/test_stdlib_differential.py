"""Differential test: depscan's AST extractor against CPython's own compiler.

For every ``.py`` file of the running interpreter's standard library that
``compile()`` accepts, the imports found by two independent means must agree:

(a) :func:`depscan.extract.walker.extract` (records of kind ``import``, ``from``,
    ``star`` and ``future``), and
(b) the ``IMPORT_NAME`` instructions of the code objects the interpreter
    compiles from the same bytes, read by
    :func:`depscan.extract.bytecode.import_instructions`.

Both sides are reduced to a multiset of ``(module, level, fromlist)`` triples:
``module`` without its leading dots, ``fromlist`` None for ``import a.b`` and
the tuple of imported names otherwise (``("*",)`` for a star import).

The two sides legitimately differ where the compiler rewrites or drops code.
Each such behaviour is a named rule below (see ``RULES``), with the stdlib
file that shows it; nothing else is forgiven. (Private name mangling of
``import __spam`` inside a class, which this test found, is modelled by the
extractor; absolute names are compared as imported, mangling applied.)

Line numbers are used only to tell which bytecode entries belong to which
statement (for the ``finally`` rule); they are not part of the comparison.
"""

from __future__ import annotations

import ast
import multiprocessing
import os
import sysconfig
import warnings
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType

import pytest

from depscan.extract.bytecode import import_instructions
from depscan.extract.walker import extract
from depscan.model.conditions import All, Any_, Condition, Const, Not
from depscan.model.records import ImportRecord

Triple = tuple[str, int, tuple[str, ...] | None]
Entry = tuple[Triple, int]  # (triple, line)

COMPARED_KINDS = frozenset({"import", "from", "star", "future"})
STDLIB = Path(sysconfig.get_paths()["stdlib"])


# --- the rules ------------------------------------------------------------------
#
# Rule "constant-false-guard"
#   The compiler folds an ``if`` test that is a constant (``if 0:``, ``if False:``,
#   ``if not True:``, ``if x and False:``, the ``else`` of ``if 1:``) and emits no
#   code for the dead branch; the extractor keeps such imports and marks them with
#   a ``Const`` condition. So extractor records are dropped when one of their
#   conditions is false *because of Const alone*: the truth value is computed by
#   ``constant_truth`` below, which knows only Const/Not/All/Any_ and treats every
#   other condition (TYPE_CHECKING, version and platform tests, unknown tests) as
#   undecided. ``record.context.evaluate(Target())`` would be wrong here: it makes
#   ``TYPE_CHECKING`` false, and the compiler keeps those imports.
#   Example: test/test_urllib2net.py, OtherNetworkTests.setUp:
#       if 0:  # for debugging
#           import logging
#   (Python 3.13 adds _pyrepl/commands.py, input.py, pager.py, ...: ``if False:``
#   around imports meant for type checkers.)
#   Caveat, deliberately not papered over: the extractor also yields Const for a
#   module flag assigned a constant expression (``X = not True`` then ``if X:``);
#   the compiler keeps that import, so such a case shows up as a bytecode-only
#   difference and fails the test rather than passing silently.
#
# Rule "finally-duplicated"
#   The compiler emits the body of a ``finally`` clause several times: for the
#   normal exit, for the exception path, and before each ``return``/``break``/
#   ``continue`` that leaves the ``try`` (nested ``finally`` clauses multiply).
#   Each copy holds every statement of the body, so for an
#   import statement inside a ``finally`` body (nested in ``if``/``try``/loops
#   there, but not in a ``def`` or ``class``, whose code object is compiled once
#   and shared by the copies) the bytecode count at that line is a positive
#   multiple k of the extractor's count; the rule divides it by k. A count that is
#   not such a multiple, or an import missing from every copy, is still a
#   difference.
#   Examples: cmd.py, Cmd.cmdloop (``finally: ... import readline``); doctest.py,
#   DocTestRunner.run (``import builtins``); test/test_logging.py (``import
#   multiprocessing``); test/test_import/__init__.py, test_issue31286; on 3.10
#   also test/test_xml_etree.py (``from xml.etree import ElementPath``).
#
# ``while 0:`` and ``if not __debug__:`` bodies are marked dead by the extractor
# (a constant False condition), so the constant-false rule covers them.
# Not rules, on purpose (no stdlib file of 3.10-3.13 needs them; a test must not
# forgive what it has never seen): imports in unreachable code after
# return/raise/break/continue, or under constant tests the extractor reads as
# Unknown (``if ():``). The compiler drops these; if the stdlib ever grows one,
# this test fails and the case must be looked at. Compilation uses optimize=0 explicitly so that
# running pytest under -O does not change what the compiler folds.

CONSTANT_FALSE_GUARD = "constant-false-guard"
FINALLY_DUPLICATED = "finally-duplicated"
RULES = frozenset({CONSTANT_FALSE_GUARD, FINALLY_DUPLICATED})


def constant_truth(condition: Condition) -> bool | None:
    """The truth of ``condition`` decided from ``Const`` leaves only; None if undecided."""
    if isinstance(condition, Const):
        return condition.value
    if isinstance(condition, Not):
        value = constant_truth(condition.arg)
        return None if value is None else not value
    if isinstance(condition, All):
        values = [constant_truth(arg) for arg in condition.args]
        if any(value is False for value in values):
            return False
        return True if all(value is True for value in values) else None
    if isinstance(condition, Any_):
        values = [constant_truth(arg) for arg in condition.args]
        if any(value is True for value in values):
            return True
        return False if all(value is False for value in values) else None
    return None


def under_constant_false_guard(record: ImportRecord) -> bool:
    """Rule constant-false-guard: the compiler emits no code for this import."""
    return any(constant_truth(condition) is False for condition in record.context.conditions)


def finally_import_lines(tree: ast.Module) -> set[int]:
    """The lines of the import statements inside a ``finally`` body, in the same code object."""
    lines: set[int] = set()

    def walk(body: list[ast.stmt], inside: bool) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if inside:
                    lines.add(node.lineno)
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                walk(node.body, False)  # its own code object, built once and shared by the copies
                continue
            for name in ("body", "orelse", "finalbody"):
                block = getattr(node, name, None)
                if isinstance(block, list):
                    walk(block, inside or name == "finalbody")
            for clause in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
                walk(clause.body, inside)

    walk(tree.body, False)
    return lines


def collapse_finally_copies(ast_entries: Counter[Entry], bytecode_entries: Counter[Entry], lines: set[int]) -> int:
    """Rule finally-duplicated, in place on ``bytecode_entries``; returns the copies removed."""
    removed = 0
    for entry, count in list(bytecode_entries.items()):
        expected = ast_entries.get(entry, 0)
        if entry[1] in lines and expected and count > expected and count % expected == 0:
            bytecode_entries[entry] = expected
            removed += count - expected
    return removed


# --- the comparison ---------------------------------------------------------------


@dataclass
class Comparison:
    """The outcome for one source: what each side has that the other lacks."""

    ast_only: Counter[Triple]
    bytecode_only: Counter[Triple]
    imports: int  # IMPORT_NAME instructions compared
    extraction_ok: bool
    applied: Counter[str] = field(default_factory=Counter)  # rule -> entries it forgave
    lines: dict[Triple, list[int]] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        return self.extraction_ok and not self.ast_only and not self.bytecode_only

    def describe(self, where: str) -> str:
        if not self.extraction_ok:
            return f"{where}: compiles, but the extractor could not read it"
        parts = [f"{where}:"]
        for label, diff in (("extractor only", self.ast_only), ("bytecode only", self.bytecode_only)):
            for triple, count in sorted(diff.items(), key=repr):
                parts.append(f"    {label}: {triple} x{count} (lines {self.lines.get(triple)})")
        return "\n".join(parts)


def ast_triple(record: ImportRecord) -> Triple:
    """Side (a): the record as ``(module without dots, level, fromlist)``."""
    fromlist: tuple[str, ...] | None
    if record.kind == "import":
        fromlist = None
    elif record.kind == "star":
        fromlist = ("*",)
    else:
        fromlist = tuple(name.name for name in record.names)
    # Absolute names as imported (private name mangling applied); relative ones as written.
    name = record.module if record.level == 0 and record.module is not None else record.raw.lstrip(".")
    return (name, record.level, fromlist)


def compile_source(source: bytes, path: str) -> CodeType | None:
    """Compile as the interpreter would (no inherited __future__ flags, no -O); None if it refuses."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning / DeprecationWarning for old escapes
        try:
            return compile(source, path, "exec", dont_inherit=True, optimize=0)
        except (SyntaxError, ValueError):
            return None


def compare_source(
    source: bytes,
    module: str = "pkg.mod",
    is_package: bool = False,
    path: str = "<snippet>",
    code: CodeType | None = None,
    rules: frozenset[str] = RULES,
) -> Comparison:
    """Run both sides on ``source`` and apply ``rules``; ``code`` defaults to compiling ``source``."""
    if code is None:
        code = compile_source(source, path)
        assert code is not None, f"{path} does not compile"
    with warnings.catch_warnings():
        # The extractor's ast.parse obeys the caller's warning filters (see
        # WARNINGS_BUG); give it the same quiet, deterministic setting as compile().
        warnings.simplefilter("ignore")
        extraction = extract(source, module, is_package, path)
    applied: Counter[str] = Counter()

    ast_entries: Counter[Entry] = Counter()
    for record in extraction.imports:
        if record.kind not in COMPARED_KINDS:
            continue
        if CONSTANT_FALSE_GUARD in rules and under_constant_false_guard(record):
            applied[CONSTANT_FALSE_GUARD] += 1
            continue
        ast_entries[(ast_triple(record), record.line)] += 1

    bytecode_entries: Counter[Entry] = Counter()
    for name, level, fromlist, line, _scope in import_instructions(code):
        bytecode_entries[((name, level, fromlist), line)] += 1
    imports = sum(bytecode_entries.values())

    # The finally rule only changes bytecode counts that differ from the extractor's,
    # so it is a no-op when the entries already agree; parsing only when they do not
    # keeps the whole-stdlib run fast.
    if FINALLY_DUPLICATED in rules and ast_entries != bytecode_entries:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
        lines = finally_import_lines(tree)
        removed = collapse_finally_copies(ast_entries, bytecode_entries, lines)
        if removed:
            applied[FINALLY_DUPLICATED] += removed

    ast_triples: Counter[Triple] = Counter()
    bytecode_triples: Counter[Triple] = Counter()
    where: dict[Triple, list[int]] = {}
    for counter, entries in ((ast_triples, ast_entries), (bytecode_triples, bytecode_entries)):
        for (triple, line), count in entries.items():
            counter[triple] += count
            where.setdefault(triple, []).append(line)
    return Comparison(
        ast_only=ast_triples - bytecode_triples,
        bytecode_only=bytecode_triples - ast_triples,
        imports=imports,
        extraction_ok=extraction.ok,
        applied=applied,
        lines={triple: sorted(set(lines)) for triple, lines in where.items()},
    )


# --- extractor bugs the differential found ----------------------------------------------

# --- the standard library ----------------------------------------------------------------


def stdlib_files() -> Iterator[Path]:
    """Every ``.py`` under the stdlib root, test suites and test data included, not site-packages."""
    for dirpath, dirnames, filenames in os.walk(STDLIB):
        if Path(dirpath) == STDLIB:
            dirnames[:] = [name for name in dirnames if name not in ("site-packages", "dist-packages")]
        dirnames.sort()
        for filename in sorted(filenames):
            if filename.endswith(".py"):
                yield Path(dirpath, filename)


def module_name(relative: str) -> tuple[str, bool]:
    """``email/mime/text.py`` -> ``("email.mime.text", False)``; ``email/__init__.py`` -> ``("email", True)``."""
    parts = relative.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def compare_stdlib_file(relative: str) -> Comparison | None:
    """The comparison for one stdlib file, None when the interpreter does not compile it."""
    path = STDLIB / relative
    source = path.read_bytes()
    code = compile_source(source, str(path))
    if code is None:
        return None
    module, is_package = module_name(relative)
    return compare_source(source, module, is_package, str(path), code)


def compare_stdlib(relatives: list[str]) -> Iterator[tuple[str, Comparison | None]]:
    """``compare_stdlib_file`` over many files, on every core when the platform can fork."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    workers = min(cores, 4)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for relative in relatives:
            yield relative, compare_stdlib_file(relative)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from zip(relatives, pool.map(compare_stdlib_file, relatives, chunksize=16), strict=True)


@pytest.mark.slow
def test_stdlib_extractor_agrees_with_compiler() -> None:
    files = compared = imports = uncompilable = 0
    applied: Counter[str] = Counter()
    unexplained: list[str] = []
    relatives = [path.relative_to(STDLIB).as_posix() for path in stdlib_files()]
    for relative, result in compare_stdlib(relatives):
        files += 1
        if result is None:
            uncompilable += 1  # Python 2 test data, bad encodings on purpose, ...
            continue
        compared += 1
        imports += result.imports
        applied += result.applied
        if result.equal:
            continue
        unexplained.append(result.describe(relative))

    summary = (
        f"{files} files under {STDLIB}, {compared} compared, {uncompilable} do not compile; "
        f"{imports} import instructions; rules applied: {dict(applied)}"
    )
    print(summary)  # shown with pytest -rP
    # A differential test that compares nothing passes trivially: make sure it did not.
    assert compared > 1500, summary
    assert imports > 8000, summary
    assert uncompilable < 0.05 * files, summary
    assert not unexplained, summary + "\n" + "\n".join(unexplained)


# --- the rules and the comparison on hand-written snippets ----------------------------------

RULE_EXAMPLES = [
    pytest.param(CONSTANT_FALSE_GUARD, "if 0:  # for debugging\n    import logging\n", id="if-0"),
    pytest.param(CONSTANT_FALSE_GUARD, "if False:\n    from .types import KeySpec\n", id="if-False-relative"),
    pytest.param(CONSTANT_FALSE_GUARD, "if not True:\n    from m import *\n", id="if-not-True-star"),
    pytest.param(CONSTANT_FALSE_GUARD, "if 1:\n    import a\nelse:\n    import b\n", id="else-of-if-1"),
    pytest.param(CONSTANT_FALSE_GUARD, "if x and False:\n    import a\n", id="and-False"),
    pytest.param(CONSTANT_FALSE_GUARD, "def f():\n    if '':\n        import a\n", id="in-function"),
    pytest.param(CONSTANT_FALSE_GUARD, "class C:\n    if None:\n        import a\n    import b\n", id="in-class"),
    pytest.param(FINALLY_DUPLICATED, "try:\n    pass\nfinally:\n    import readline\n", id="finally"),
    pytest.param(
        FINALLY_DUPLICATED,
        "def f():\n    try:\n        return 1\n    finally:\n        if x:\n            from . import a, b\n",
        id="finally-after-return",
    ),
    pytest.param(
        FINALLY_DUPLICATED,
        "for x in y:\n    try:\n        if x:\n            break\n        continue\n"
        "    finally:\n        import a, a\n",
        id="finally-four-copies",
    ),
    pytest.param(
        FINALLY_DUPLICATED,
        "try:\n    pass\nfinally:\n    try:\n        pass\n    finally:\n        import b\n",
        id="nested-finally",
    ),
]


@pytest.mark.parametrize(("rule", "source"), RULE_EXAMPLES)
def test_rule_is_needed_and_enough(rule: str, source: str) -> None:
    without = compare_source(source.encode(), rules=RULES - {rule})
    assert not without.equal, "the snippet does not show the compiler behaviour the rule is for"
    result = compare_source(source.encode())
    assert result.equal, result.describe("<snippet>")
    assert set(result.applied) == {rule}


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\n", id="TYPE_CHECKING"),
        pytest.param("import sys\nif sys.version_info < (3,):\n    import a\n", id="version"),
        pytest.param("import sys\nif sys.platform == 'win32':\n    import a\nelse:\n    import b\n", id="platform"),
        pytest.param("if x or False:\n    import a\n", id="or-False"),
        pytest.param("try:\n    import a\nexcept ImportError:\n    import b\nelse:\n    import c\n", id="try"),
        pytest.param("with x:\n    import a\nwhile x:\n    import b\nelse:\n    import c\n", id="with-while"),
        pytest.param("try:\n    pass\nfinally:\n    def f():\n        import a\n", id="def-in-finally"),
    ],
)
def test_rules_leave_live_imports_alone(source: str) -> None:
    result = compare_source(source.encode(), rules=frozenset())
    assert result.equal, result.describe("<snippet>")
    assert compare_source(source.encode()).applied == Counter()


@pytest.mark.parametrize(
    ("source", "compiled"),
    [
        pytest.param("import a\n", "import b\n", id="module"),
        pytest.param("from . import a\n", "from .. import a\n", id="level"),
        pytest.param("from m import a\n", "from m import a, b\n", id="fromlist"),
        pytest.param("from m import *\n", "from m import a\n", id="star"),
        pytest.param("import a.b\n", "import a\n", id="dotted"),
        pytest.param("import a\n", "import a\nimport a\n", id="count"),
        pytest.param("if 0:\n    import a\n", "if 1:\n    import a\n", id="const-rule-no-cover"),
        pytest.param(
            "try:\n    pass\nfinally:\n    import a\nimport a\n",
            "try:\n    pass\nfinally:\n    import a\n\n",
            id="finally-rule-no-cover",
        ),
        pytest.param(
            "try:\n    pass\nfinally:\n    import a, a, a\n",
            "try:\n    pass\nfinally:\n    import a, a\n",
            id="finally-not-a-multiple",
        ),
    ],
)
def test_comparison_detects_differences(source: str, compiled: str) -> None:
    """The comparison, rules included, cannot be fooled into agreement: feed it mismatched sides."""
    code = compile_source(compiled.encode(), "<compiled>")
    assert code is not None
    assert not compare_source(source.encode(), code=code).equal


def test_name_mangling_in_class_bodies() -> None:
    source = b"class A:\n    import __spam\n    from __eggs import x\n\n    def f(self):\n        import __ham\n"
    result = compare_source(source)
    assert result.equal, result.describe("<snippet>")


def test_extract_is_independent_of_warning_filters() -> None:
    source = b'import a\npattern = "\\("  # an invalid escape sequence\n'
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        extraction = extract(source, "pkg.mod", False, "<snippet>")
    assert extraction.ok, extraction.diagnostics
    assert [record.raw for record in extraction.imports] == ["a"]


def test_module_name() -> None:
    assert module_name("email/mime/text.py") == ("email.mime.text", False)
    assert module_name("email/__init__.py") == ("email", True)
    assert module_name("os.py") == ("os", False)
