"""Property-based tests of the extractor and of guard conditions.

The main property generates random programs: import statements of every kind
placed in random nestings of ``def``/``class``/``if``/``try``/``with``/``for``/
``while`` blocks. Each program is rendered to source together with an
independent model of what must be extracted from it (absolute module, level,
names, line and column, scope, try grouping, conditions, ...), and the two are
compared.

Bugs these tests found are pinned by the regression tests at the end.
"""

from __future__ import annotations

import ast
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from depscan.extract.walker import extract
from depscan.model.conditions import (
    All,
    Any_,
    Condition,
    Const,
    Implementation,
    Main,
    Not,
    Platform,
    Target,
    TypeChecking,
    Unknown,
    Version,
    parse_condition,
)
from depscan.model.records import Extraction

# --- the program model ------------------------------------------------------------

# Vocabulary. None of these names may shadow the names the guards use (sys,
# TYPE_CHECKING, suppress, importlib, ImportError, ...), since the extractor
# follows import aliases when it reads a guard.
# Names starting with two underscores are mangled by the compiler in a class
# body (``import __priv`` in ``class C`` imports ``_C__priv``).
MODULE_PARTS = ("a", "b", "c", "core", "util", "ext", "__priv", "__dunder__")
IMPORTED_NAMES = ("p", "q", "r", "k", "n", "thing", "helper", "__hidden", "__version__")
AS_NAMES = ("x1", "y1", "z1", "w1", "alias_", "_private")
DYNAMIC_EXPRESSIONS = ("name", "mods[0]", "prefix + 'x'", "get_name()", "f'pkg.{sub}'", "names.pop()")

IMPORTERS = (
    ("pkg.sub.mod", False),
    ("pkg.sub", True),
    ("pkg", True),
    ("pkg.sub.mod", True),
    ("a.b.c.d", False),
    ("mod", False),
    ("__main__", False),
)

# How the prologue spells the names the guards use; the condition strings do
# not depend on the spelling (the extractor follows the aliases).
SYS_STYLES = {
    "import sys": ("sys.version_info", "sys.platform"),
    "import sys as _sys": ("_sys.version_info", "_sys.platform"),
    "from sys import version_info, platform": ("version_info", "platform"),
}
TC_STYLES = {
    "from typing import TYPE_CHECKING": "TYPE_CHECKING",
    "import typing": "typing.TYPE_CHECKING",
    "import typing as t": "t.TYPE_CHECKING",
}
SUPPRESS_STYLES = {
    "from contextlib import suppress": "suppress",
    "import contextlib": "contextlib.suppress",
}
IMPORTLIB_STYLES = {
    "import importlib": "importlib.import_module",
    "import importlib as il": "il.import_module",
    "from importlib import import_module": "import_module",
}

# except clauses: (source after "except", whether it catches ImportError)
HANDLER_TYPES = (
    ("ImportError", True),
    ("ModuleNotFoundError", True),
    ("(ValueError, ImportError)", True),
    ("Exception", True),
    ("", True),  # bare except
    ("ValueError", False),
    ("(KeyError, ValueError)", False),
)
TYPED_HANDLERS = tuple(handler for handler in HANDLER_TYPES if handler[0])
# with suppress(...) arguments: (arguments, whether ImportError is suppressed)
SUPPRESS_ARGS = (
    ("ImportError", True),
    ("ImportError, ValueError", True),
    ("ModuleNotFoundError", True),
    ("ValueError", False),
)
_NEGATED_CMP = {">=": "<", "<": ">=", "==": "!=", "!=": "=="}


def resolve(name: str, level: int, importer: str, is_package: bool) -> tuple[str | None, str | None]:
    """Independent re-implementation of importlib's relative name resolution."""
    if level == 0:
        return name, None
    if importer == "__main__":
        return None, "DS021"
    parts = importer.split(".")
    if not is_package:
        parts = parts[:-1]
    if not parts:
        return None, "DS021"
    if level > len(parts):
        return None, "DS020"
    base = ".".join(parts[: len(parts) - level + 1])
    return (f"{base}.{name}" if name else base), None


@dataclass(frozen=True)
class Ctx:
    scope: str = "module"
    conditions: tuple[str, ...] = ()
    owner: str | None = None  # the innermost enclosing class, whose name mangles private names
    # The innermost ImportError-catching try/suppress in the same function: the
    # model's own number for it, and "body" or "handler". A try around a def
    # does not protect the function's body, which runs later when called.
    try_key: int | None = None
    try_role: str | None = None
    in_handler: bool = False  # some enclosing block is an ImportError handler
    # A def inside an ImportError handler, and no try inside the def: whether
    # its imports are "fallback" (the function exists only when the import
    # failed) or plain is a policy choice; their try fields are not checked.
    handler_outside: bool = False

    @property
    def unchecked_try(self) -> bool:
        return self.try_key is None and self.handler_outside

    def enter_function(self) -> Ctx:
        return replace(self, scope="function", try_key=None, try_role=None, handler_outside=self.in_handler)

    def enter_try(self, key: int, role: str) -> Ctx:
        return replace(self, try_key=key, try_role=role, in_handler=self.in_handler or role == "handler")

    def enter_class(self, name: str) -> Ctx:
        return replace(self, scope="function" if self.scope == "function" else "class", owner=name)

    def mangle(self, name: str) -> str:
        if self.owner is None or not name.startswith("__") or name.endswith("__") or "." in name:
            return name
        owner = self.owner.lstrip("_")
        return f"_{owner}{name}" if owner else name

    def cond(self, text: str) -> Ctx:
        return replace(self, conditions=(*self.conditions, text))


@dataclass
class ExpectedRecord:
    kind: str
    module: str | None
    raw: str
    level: int
    names: tuple[tuple[str, str | None], ...]
    alias: str | None
    via: str | None
    line: int
    col: int
    ctx: Ctx
    statement: str | None  # the normalised statement when it is known to equal the source text


@dataclass
class ExpectedDynamic:
    via: str
    expression: str
    line: int
    col: int
    ctx: Ctx


@dataclass
class Program:
    """A rendered program and the model of its extraction."""

    module: str
    is_package: bool
    lines: list[str] = field(default_factory=list)
    records: list[ExpectedRecord] = field(default_factory=list)
    dynamic: list[ExpectedDynamic] = field(default_factory=list)
    diagnostics: list[tuple[str, int, int]] = field(default_factory=list)
    defined: set[str] = field(default_factory=set)
    star: list[str] = field(default_factory=list)
    tries: int = 0
    # spellings chosen by the prologue
    version_info: str = "sys.version_info"
    platform: str = "sys.platform"
    type_checking: str = "TYPE_CHECKING"
    suppress: str = "suppress"
    import_module: str = "importlib.import_module"

    def source(self, newline: str = "\n") -> str:
        return newline.join(self.lines) + newline


# A program tree is a list of statements; a statement is a tuple whose first
# item says what it is. Leaves are imports, compound statements hold blocks.


_dotted = st.lists(st.sampled_from(MODULE_PARTS), min_size=1, max_size=3).map(".".join)


def call_leaves() -> list[st.SearchStrategy[tuple[Any, ...]]]:
    """import_module / __import__ calls, literal or not: statements, and decorator arguments."""
    return [
        st.tuples(st.just("import_module"), _dotted),
        st.tuples(st.just("__import__"), _dotted, st.none() | st.lists(st.sampled_from(IMPORTED_NAMES), max_size=2)),
        st.tuples(
            st.just("__import__rel"),
            st.sampled_from(MODULE_PARTS),
            st.lists(st.sampled_from(IMPORTED_NAMES), min_size=1, max_size=2),
            st.integers(1, 3),
        ),
        st.tuples(
            st.just("dynamic"), st.sampled_from(("import_module", "__import__")), st.sampled_from(DYNAMIC_EXPRESSIONS)
        ),
    ]


def leaf_strategy(at_module: bool) -> st.SearchStrategy[tuple[Any, ...]]:
    dotted = _dotted
    asname = st.none() | st.sampled_from(AS_NAMES)
    name_list = st.lists(st.tuples(st.sampled_from(IMPORTED_NAMES), asname), min_size=1, max_size=3)
    options = [
        *call_leaves(),
        st.tuples(st.just("import"), st.lists(st.tuples(dotted, asname), min_size=1, max_size=2)),
        st.tuples(st.just("from"), st.just(0), dotted, name_list),
        st.tuples(st.just("from"), st.integers(1, 3), st.none() | dotted, name_list),
        st.tuples(st.just("pass")),
    ]
    if at_module:  # "import *" is only allowed at module level
        options.append(st.tuples(st.just("star"), st.integers(0, 2), dotted))
    return st.one_of(options)


@st.composite
def program_trees(draw: st.DrawFn, max_depth: int = 6, max_statements: int = 40) -> list[tuple[Any, ...]]:
    budget = [draw(st.integers(1, max_statements))]
    leaves = {True: leaf_strategy(True), False: leaf_strategy(False)}
    decorators = st.lists(st.one_of(call_leaves()), max_size=2)
    counter = itertools.count()

    def block(depth: int, at_module: bool) -> list[tuple[Any, ...]]:
        statements = []
        for _ in range(draw(st.integers(0, 4))):
            if budget[0] <= 0:
                break
            budget[0] -= 1
            if depth < max_depth and draw(st.integers(0, 9)) < 5:
                statements.append(compound(depth + 1, at_module))
            else:
                statements.append(draw(leaves[at_module]))
        return statements

    def maybe(depth: int, at_module: bool) -> list[tuple[Any, ...]] | None:
        return block(depth, at_module) if draw(st.booleans()) else None

    def compound(depth: int, at_module: bool) -> tuple[Any, ...]:
        kind = draw(
            st.sampled_from(
                (
                    "def",
                    "async def",
                    "class",
                    "if_tc",
                    "if_version",
                    "if_platform",
                    "if_main",
                    "if_other",
                    "try",
                    "try",
                    "try",
                    "with_suppress",
                    "with_open",
                    "for",
                    "while",
                )
            )
        )
        n = next(counter)
        if kind in ("def", "async def"):
            return (kind, f"f{n}", draw(decorators), block(depth, False))
        if kind == "class":
            name = draw(st.sampled_from((f"C{n}", f"_C{n}", f"__C{n}", "_")))
            return (kind, name, draw(decorators), block(depth, False))
        if kind == "if_version":
            op = draw(st.sampled_from((">=", "<")))
            return (kind, op, draw(st.integers(0, 14)), block(depth, at_module), maybe(depth, at_module))
        if kind == "if_platform":
            value = draw(st.sampled_from(("win32", "darwin", "linux")))
            return (kind, value, block(depth, at_module), maybe(depth, at_module))
        if kind in ("if_tc", "if_main", "if_other"):
            return (kind, block(depth, at_module), maybe(depth, at_module))
        if kind == "try":
            body = block(depth, at_module)
            count = draw(st.integers(0, 2))
            handlers = [
                # a bare "except:" must come last
                (draw(st.sampled_from(HANDLER_TYPES if i == count - 1 else TYPED_HANDLERS)), block(depth, at_module))
                for i in range(count)
            ]
            orelse = maybe(depth, at_module) if handlers else None
            final = maybe(depth, at_module) if handlers else block(depth, at_module)
            return (kind, body, handlers, orelse, final)
        if kind == "with_suppress":
            return (kind, draw(st.sampled_from(SUPPRESS_ARGS)), block(depth, at_module))
        if kind == "with_open":
            return (kind, f"fh{n}", block(depth, at_module))
        if kind in ("for", "while"):
            return (kind, f"item{n}", block(depth, at_module), maybe(depth, at_module))
        raise AssertionError(kind)

    return block(0, True)


def render(tree: list[tuple[Any, ...]], module: str, is_package: bool, styles: tuple[str, str, str, str]) -> Program:
    """Render a program tree to source lines, building the expected extraction alongside."""
    program = Program(module, is_package)
    sys_style, tc_style, suppress_style, importlib_style = styles
    program.version_info, program.platform = SYS_STYLES[sys_style]
    program.type_checking = TC_STYLES[tc_style]
    program.suppress = SUPPRESS_STYLES[suppress_style]
    program.import_module = IMPORTLIB_STYLES[importlib_style]
    root = Ctx()
    # The prologue: the imports the guards need, parsed back by the extractor itself.
    for line in (sys_style, tc_style, suppress_style, importlib_style):
        statement = ast.parse(line).body[0]
        if isinstance(statement, ast.Import):
            emit_leaf(program, ("import", [(a.name, a.asname) for a in statement.names]), 0, root)
        else:
            assert isinstance(statement, ast.ImportFrom) and statement.module
            names = [(a.name, a.asname) for a in statement.names]
            emit_leaf(program, ("from", 0, statement.module, names), 0, root)
    emit_block(program, tree, 0, root)
    return program


def emit_block(program: Program, block: list[tuple[Any, ...]], indent: int, ctx: Ctx) -> None:
    if not block:
        program.lines.append("    " * indent + "pass")
        return
    for statement in block:
        if statement[0] in LEAVES:
            emit_leaf(program, statement, indent, ctx)
        else:
            emit_compound(program, statement, indent, ctx)


def bind(program: Program, name: str, ctx: Ctx) -> None:
    if ctx.scope == "module":
        program.defined.add(name)


def emit_leaf(program: Program, leaf: tuple[Any, ...], indent: int, ctx: Ctx, decorator: bool = False) -> None:
    """One line holding an import statement, or a decorator whose argument is an import call."""
    kind = leaf[0]
    line = len(program.lines) + 1
    prefix = "@register(" if decorator else ""
    col = 4 * indent + 1 + len(prefix)

    def record(
        kind: str,
        module: str | None,
        raw: str,
        level: int,
        names: Iterable[tuple[str, str | None]] = (),
        alias: str | None = None,
        via: str | None = None,
        statement: str | None = None,
    ) -> None:
        program.records.append(
            ExpectedRecord(kind, module, raw, level, tuple(names), alias, via, line, col, ctx, statement)
        )

    def relative(name: str, level: int) -> str | None:
        absolute, problem = resolve(name, level, program.module, program.is_package)
        if problem is not None:
            program.diagnostics.append((problem, line, col))
        return absolute

    if kind == "pass":
        text = "pass"
    elif kind == "import":
        parts = [name + (f" as {asname}" if asname else "") for name, asname in leaf[1]]
        text = "import " + ", ".join(parts)
        for (name, asname), part in zip(leaf[1], parts, strict=True):
            record("import", ctx.mangle(name), name, 0, alias=asname, statement="import " + part)
            bind(program, asname or name.partition(".")[0], ctx)
    elif kind == "from":
        _, level, name, names = leaf
        if level == 0 and name is None:
            name = "z"
        raw = "." * level + (name or "")
        listed = ", ".join(n + (f" as {a}" if a else "") for n, a in names)
        text = f"from {raw} import {listed}"
        mangled = [(ctx.mangle(n), a) for n, a in names]
        absolute = relative(ctx.mangle(name or ""), level)
        record("from", absolute, raw, level, names=mangled, statement=text if mangled == names else None)
        for n, a in names:
            # From the module itself, `x` is bound only if it is a submodule or bound already (the
            # scan's question); `x as y` binds y whatever x is.
            if absolute != program.module or a:
                bind(program, a or n, ctx)
    elif kind == "star":
        _, level, name = leaf
        raw = "." * level + name
        text = f"from {raw} import *"
        absolute = relative(name, level)
        record("star", absolute, raw, level, statement=text)
        if absolute is not None and absolute not in program.star:
            program.star.append(absolute)
    elif kind == "import_module":
        text = f"{program.import_module}({leaf[1]!r})"
        statement = f"importlib.import_module({leaf[1]!r})"
        record("call", leaf[1], leaf[1], 0, via="importlib.import_module", statement=statement)
    elif kind == "__import__":
        _, name, fromlist = leaf
        text = f"__import__({name!r}" + (f", fromlist={fromlist!r}" if fromlist is not None else "") + ")"
        names = [(n, None) for n in fromlist or ()]
        record("call", name, name, 0, names=names, via="__import__", statement=text if fromlist else None)
    elif kind == "__import__rel":
        _, name, fromlist, level = leaf
        text = f"__import__({name!r}, globals(), locals(), {fromlist!r}, {level})"
        raw = "." * level + name
        statement = f"__import__({raw!r}, fromlist={fromlist!r})"
        record(
            "call",
            relative(name, level),
            raw,
            level,
            names=[(n, None) for n in fromlist],
            via="__import__",
            statement=statement,
        )
    elif kind == "dynamic":
        _, function, expression = leaf
        spelled = program.import_module if function == "import_module" else "__import__"
        via = "importlib.import_module" if function == "import_module" else "__import__"
        text = f"{spelled}({expression})"
        program.dynamic.append(ExpectedDynamic(via, expression, line, col, ctx))
    else:
        raise AssertionError(kind)
    program.lines.append("    " * indent + (f"{prefix}{text})" if decorator else text))


LEAVES = frozenset({"pass", "import", "from", "star", "import_module", "__import__", "__import__rel", "dynamic"})


def emit_compound(program: Program, node: tuple[Any, ...], indent: int, ctx: Ctx) -> None:
    pad = "    " * indent
    out = program.lines.append
    kind = node[0]

    def new_try() -> int:
        program.tries += 1
        return program.tries

    def if_else(
        test: str, condition: str, negated: str, body: list[tuple[Any, ...]], orelse: list[tuple[Any, ...]] | None
    ) -> None:
        out(f"{pad}if {test}:")
        emit_block(program, body, indent + 1, ctx.cond(condition))
        if orelse is not None:
            out(f"{pad}else:")
            emit_block(program, orelse, indent + 1, ctx.cond(negated))

    if kind in ("def", "async def", "class"):
        # decorators are evaluated in the enclosing scope, before the def runs
        for decorator in node[2]:
            emit_leaf(program, decorator, indent, ctx, decorator=True)
    if kind in ("def", "async def"):
        _, name, _, body = node
        out(f"{pad}{kind} {name}():")
        bind(program, name, ctx)
        emit_block(program, body, indent + 1, ctx.enter_function())
    elif kind == "class":
        _, name, _, body = node
        out(f"{pad}class {name}:")
        bind(program, name, ctx)
        emit_block(program, body, indent + 1, ctx.enter_class(name))
    elif kind == "if_tc":
        _, body, orelse = node
        if_else(program.type_checking, "TYPE_CHECKING", "not TYPE_CHECKING", body, orelse)
    elif kind == "if_version":
        _, op, minor, body, orelse = node
        value = f"(3, {minor})"
        if_else(
            f"{program.version_info} {op} {value}",
            f"sys.version_info {op} {value}",
            f"sys.version_info {_NEGATED_CMP[op]} {value}",
            body,
            orelse,
        )
    elif kind == "if_platform":
        _, value, body, orelse = node
        if_else(
            f'{program.platform} == "{value}"', f"sys.platform == {value!r}", f"sys.platform != {value!r}", body, orelse
        )
    elif kind == "if_main":
        _, body, orelse = node
        if_else('__name__ == "__main__"', "__name__ == '__main__'", "not __name__ == '__main__'", body, orelse)
    elif kind == "if_other":
        _, body, orelse = node
        if_else("flag", "flag", "not flag", body, orelse)
    elif kind == "try":
        _, body, handlers, orelse, final = node
        catching = any(catches for (_, catches), _ in handlers)
        body_ctx = handler_ctx = ctx
        if catching:
            key = new_try()
            body_ctx = ctx.enter_try(key, "body")
            handler_ctx = ctx.enter_try(key, "handler")
        out(f"{pad}try:")
        emit_block(program, body, indent + 1, body_ctx)
        for (type_text, catches), handler in handlers:
            out(f"{pad}except {type_text}:" if type_text else f"{pad}except:")
            emit_block(program, handler, indent + 1, handler_ctx if catches else ctx)
        if orelse is not None:  # runs only when the body's imports worked: optional with them
            out(f"{pad}else:")
            emit_block(program, orelse, indent + 1, body_ctx)
        if final is not None:
            out(f"{pad}finally:")
            emit_block(program, final, indent + 1, ctx)
    elif kind == "with_suppress":
        _, (arguments, catches), body = node
        out(f"{pad}with {program.suppress}({arguments}):")
        emit_block(program, body, indent + 1, ctx.enter_try(new_try(), "body") if catches else ctx)
    elif kind == "with_open":
        _, name, body = node
        out(f'{pad}with open("data.txt") as {name}:')
        bind(program, name, ctx)
        emit_block(program, body, indent + 1, ctx)
    elif kind in ("for", "while"):
        _, name, body, orelse = node
        if kind == "for":
            out(f"{pad}for {name} in range(3):")
            bind(program, name, ctx)
        else:
            out(f"{pad}while flag:")
        emit_block(program, body, indent + 1, ctx)
        if orelse is not None:
            out(f"{pad}else:")
            emit_block(program, orelse, indent + 1, ctx)
    else:
        raise AssertionError(kind)


@st.composite
def programs(draw: st.DrawFn) -> Program:
    module, is_package = draw(st.sampled_from(IMPORTERS))
    styles = (
        draw(st.sampled_from(sorted(SYS_STYLES))),
        draw(st.sampled_from(sorted(TC_STYLES))),
        draw(st.sampled_from(sorted(SUPPRESS_STYLES))),
        draw(st.sampled_from(sorted(IMPORTLIB_STYLES))),
    )
    return render(draw(program_trees()), module, is_package, styles)


# --- comparing ----------------------------------------------------------------------


def context_fields(ctx: Ctx) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "scope": ctx.scope,
        "conditions": ctx.conditions,
        "type_checking": "TYPE_CHECKING" in ctx.conditions,
        "main": "__name__ == '__main__'" in ctx.conditions,
    }
    if not ctx.unchecked_try:
        fields["optional"] = ctx.try_role == "body"
        fields["fallback"] = ctx.try_role == "handler"
    return fields


def actual_context_fields(context: Any, expected: Ctx) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "scope": context.scope,
        "conditions": tuple(str(c) for c in context.conditions),
        "type_checking": context.type_checking,
        "main": context.main_only,
    }
    if not expected.unchecked_try:
        fields["optional"] = context.optional
        fields["fallback"] = context.fallback
    return fields


def check_try_grouping(pairs: list[tuple[Ctx, Any]]) -> None:
    """The model's try numbers and the extractor's try ids must be the same partition."""
    forward: dict[int | None, int | None] = {}
    backward: dict[int | None, int | None] = {}
    for expected, actual in pairs:
        if expected.unchecked_try:
            continue
        mine, theirs = expected.try_key, actual.try_id
        assert (mine is None) == (theirs is None), (mine, theirs)
        assert (mine is None) == (actual.try_role is None)
        if theirs is not None:
            assert isinstance(theirs, int) and theirs >= 1
        assert forward.setdefault(mine, theirs) == theirs, f"model try {mine} split over ids {forward[mine]}, {theirs}"
        assert backward.setdefault(theirs, mine) == mine, f"try id {theirs} joins model trys {backward[theirs]}, {mine}"


def check_program(program: Program, result: Extraction) -> None:
    source = program.source()
    assert isinstance(result, Extraction)
    assert result.ok, (result.diagnostics, source)
    assert result.module == program.module and result.is_package == program.is_package

    actual = sorted(result.imports, key=lambda r: (r.line, r.col))
    expected = sorted(program.records, key=lambda r: (r.line, r.col))
    assert [(r.line, r.col, r.raw) for r in actual] == [(r.line, r.col, r.raw) for r in expected], source
    for got, want in zip(actual, expected, strict=True):
        got_fields = {
            "kind": got.kind,
            "module": got.module,
            "raw": got.raw,
            "level": got.level,
            "names": tuple((n.name, n.asname) for n in got.names),
            "alias": got.alias,
            "via": got.via,
            "precise": got.precise,
            **actual_context_fields(got.context, want.ctx),
        }
        want_fields = {
            "kind": want.kind,
            "module": want.module,
            "raw": want.raw,
            "level": want.level,
            "names": want.names,
            "alias": want.alias,
            "via": want.via,
            "precise": True,
            **context_fields(want.ctx),
        }
        assert got_fields == want_fields, f"line {want.line}: {program.lines[want.line - 1].strip()}\n{source}"
        if want.statement is not None:
            assert got.statement == want.statement
        json.dumps(got.to_json())

    actual_dynamic = sorted(result.dynamic, key=lambda d: (d.line, d.col))
    expected_dynamic = sorted(program.dynamic, key=lambda d: (d.line, d.col))
    assert [(d.line, d.col, d.via, d.expression) for d in actual_dynamic] == [
        (d.line, d.col, d.via, d.expression) for d in expected_dynamic
    ], source
    for got_dynamic, want_dynamic in zip(actual_dynamic, expected_dynamic, strict=True):
        assert actual_context_fields(got_dynamic.context, want_dynamic.ctx) == context_fields(want_dynamic.ctx), source

    check_try_grouping(
        [(want.ctx, got.context) for got, want in zip(actual, expected, strict=True)]
        + [(want.ctx, got.context) for got, want in zip(actual_dynamic, expected_dynamic, strict=True)]
    )

    assert sorted((d.code, d.line, d.col) for d in result.diagnostics) == sorted(program.diagnostics), source
    assert result.facts.defined == tuple(sorted(program.defined)), source
    assert list(result.facts.star_imports) == program.star, source
    assert result.facts.future == ()
    assert result.facts.all_names is None


# --- the extractor against the model --------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_extract_matches_model(program: Program) -> None:
    source = program.source()
    compile(source, "<generated>", "exec", dont_inherit=True)  # the generator makes valid Python
    check_program(program, extract(source.encode(), program.module, program.is_package))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.sampled_from(["\r\n", "\r"]))
def test_newline_style_gives_the_same_result(program: Program, newline: str) -> None:
    unix = extract(program.source("\n").encode(), program.module, program.is_package)
    other = extract(program.source(newline).encode(), program.module, program.is_package)
    assert other.to_json() == unix.to_json()
    check_program(program, other)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_extract_is_deterministic_on_programs(program: Program) -> None:
    data = program.source().encode()
    first = extract(data, program.module, program.is_package)
    second = extract(data, program.module, program.is_package)
    assert first.to_json() == second.to_json()
    assert json.loads(json.dumps(first.to_json())) == first.to_json()


def test_hand_made_deep_nesting_matches_model() -> None:
    """Sanity check of the model itself on a known six-deep nesting."""
    tree: list[tuple[Any, ...]] = [("from", 2, "core", [("p", None)])]
    for depth in range(6):
        kind = ("try", "def", "if_version", "class", "with_suppress", "if_tc")[depth]
        if kind == "try":
            tree = [("try", tree, [(("ImportError", True), [("import", [("b", None)])])], None, None)]
        elif kind == "def":
            tree = [("def", f"f{depth}", [("import_module", "deco")], tree)]
        elif kind == "if_version":
            tree = [("if_version", ">=", 9, tree, [("import", [("c", None)])])]
        elif kind == "class":
            tree = [("class", f"C{depth}", [], tree)]
        elif kind == "with_suppress":
            tree = [("with_suppress", ("ImportError", True), tree)]
        else:
            tree = [("if_tc", tree, None)]
    styles = ("import sys", "import typing", "import contextlib", "import importlib")
    program = render(tree, "pkg.sub.mod", False, styles)
    check_program(program, extract(program.source().encode(), program.module, program.is_package))
    deepest = next(r for r in program.records if r.raw == "..core")
    assert deepest.module == "pkg.core" and deepest.col == 4 * 6 + 1
    assert deepest.ctx.conditions == ("TYPE_CHECKING", "sys.version_info >= (3, 9)")


# --- never raising --------------------------------------------------------------------

ENCODING_COOKIES = (
    b"",
    b"# -*- coding: latin-1 -*-\n",
    b"# coding: utf-8\n",
    b"# coding: bogus\n",
    b"# coding: utf-16\n",
    b"\xef\xbb\xbf",
    b"\xef\xbb\xbf# coding: latin-1\n",
    b"#!/bin/python\n",
)


def check_never_raises(data: bytes, module: str = "pkg.mod", is_package: bool = False) -> Extraction:
    result = extract(data, module, is_package)
    assert isinstance(result, Extraction)
    if not result.ok:
        assert result.diagnostics
        assert not result.imports and not result.dynamic
    for diagnostic in result.diagnostics:
        assert diagnostic.line >= 0 and diagnostic.col >= 0
        str(diagnostic)
    json.dumps(result.to_json())
    return result


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ENCODING_COOKIES), st.binary(max_size=300), st.sampled_from(IMPORTERS))
def test_extract_never_raises_on_bytes(cookie: bytes, data: bytes, importer: tuple[str, bool]) -> None:
    check_never_raises(cookie + data, *importer)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from(("utf-8", "utf-16", "latin-1")))
def test_extract_never_raises_on_text(text: str, encoding: str) -> None:
    check_never_raises(text.encode(encoding, "replace"))


PYTHONISH = st.lists(
    st.sampled_from(
        [
            "import ",
            "from ",
            " import ",
            "a",
            ".",
            "..",
            " as ",
            ", ",
            "*",
            "(",
            ")",
            "\n",
            "    ",
            ":",
            "if ",
            "try",
            "except ImportError",
            "def f()",
            "class C",
            "importlib.import_module",
            "__import__",
            "'x'",
            '"y"',
            "sys.version_info",
            " >= ",
            "(3, 9)",
            "TYPE_CHECKING",
            "\\",
            "#",
            "é",
            "\t",
            "\r",
            "\x00",
            "\ufeff",
            " := ",
            "lambda: ",
            "__all__ = ",
            "[",
            "]",
            "+",
            "else",
            "with suppress(ImportError)",
            "async ",
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(PYTHONISH, st.sampled_from(IMPORTERS))
def test_extract_never_raises_on_python_like_text(text: str, importer: tuple[str, bool]) -> None:
    first = check_never_raises(text.encode("utf-8"), *importer)
    assert extract(text.encode("utf-8"), *importer).to_json() == first.to_json()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.data())
def test_extract_never_raises_on_mutated_programs(program: Program, data: st.DataObject) -> None:
    source = bytearray(program.source().encode())
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(source)))
        action = data.draw(st.sampled_from(("insert", "delete", "replace")))
        chunk = data.draw(st.binary(min_size=1, max_size=4) | st.sampled_from([b"\n", b" ", b":", b"(", b"\xc3\xa9"]))
        if action == "insert":
            source[position:position] = chunk
        elif action == "delete":
            del source[position : position + len(chunk)]
        else:
            source[position : position + len(chunk)] = chunk
    check_never_raises(bytes(source), program.module, program.is_package)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_extract_is_deterministic(data: bytes) -> None:
    assert extract(data, "pkg.mod", False).to_json() == extract(data, "pkg.mod", False).to_json()


def test_deeply_nested_input_is_a_diagnostic() -> None:
    for data in (b"(" * 5000 + b")" * 5000, b"x = " + b"-" * 100_000 + b"1\n", b"if x:\n" + b" if x:\n" * 200):
        result = check_never_raises(data)
        assert not result.ok


# --- conditions: evaluation of version tests --------------------------------------------

# micro values standing in for "any integer" when deciding whether the known part
# of the version determines a comparison on its own
_ANY_INT = range(-3, 25)
_NON_NEGATIVE = range(0, 25)


def version_subjects() -> st.SearchStrategy[tuple[str, str]]:
    """(source text of the subject, kind) where kind is "tuple" or "int"."""
    return st.one_of(
        st.just(("sys.version_info", "tuple")),
        st.sampled_from(["[:1]", "[:2]", "[:3]", "[0:2]", "[1:3]", "[0:3]", "[1:2]"]).map(
            lambda s: (f"sys.version_info{s}", "tuple")
        ),
        st.sampled_from(["[0]", "[1]", "[2]", ".major", ".minor", ".micro"]).map(
            lambda s: (f"sys.version_info{s}", "int")
        ),
    )


def _qualify(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def parse(text: str) -> Condition:
    node = ast.parse(text, mode="eval").body
    return parse_condition(node, _qualify, {})


def real_results(expression: str, known: tuple[int, ...], fillers: range) -> set[bool]:
    """What the expression gives for every sys.version_info starting with ``known``."""
    code = compile(expression, "<condition>", "eval")
    results = set()
    for rest in itertools.product(fillers, repeat=3 - len(known)):
        version = (*known, *rest, "final", 0)
        results.add(eval(code, {"sys": _FakeSys(version)}))
    return results


class _VersionInfo(tuple[Any, ...]):
    major = property(lambda self: self[0])
    minor = property(lambda self: self[1])
    micro = property(lambda self: self[2])


class _FakeSys:
    def __init__(self, version: tuple[Any, ...]) -> None:
        self.version_info = _VersionInfo(version)


@settings(max_examples=300, deadline=None)
@given(
    version_subjects(),
    st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
    st.lists(st.integers(0, 12), min_size=1, max_size=3),
    st.integers(0, 12),
    st.booleans(),
    st.booleans(),
    st.lists(st.integers(0, 12), min_size=1, max_size=3).map(tuple),
)
def test_version_condition_evaluates_like_python(
    subject: tuple[str, str],
    op: str,
    items: list[int],
    number: int,
    flipped: bool,
    negated: bool,
    known: tuple[int, ...],
) -> None:
    subject_text, subject_kind = subject
    if subject_kind == "int":
        literal = str(number)
    else:
        literal = "(" + ", ".join(map(str, items)) + ("," if len(items) == 1 else "") + ")"
    flip = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
    text = f"{literal} {flip[op]} {subject_text}" if flipped else f"{subject_text} {op} {literal}"
    if negated:
        text = f"not ({text})"
    condition = parse(text)
    assert isinstance(condition, Version), (text, condition)

    value = condition.evaluate(Target(version=known))
    # Sound: a definite answer holds for every real sys.version_info with that prefix.
    possible = real_results(text, known, _NON_NEGATIVE)
    if value is not None:
        assert possible == {value}, (text, known, value, possible)
    # Complete: definite when the known items decide the comparison whatever
    # the others are. For the whole sys.version_info, when the known prefix and
    # the literal differ within their common length or the literal is no longer
    # than the prefix; for an item or a slice, when every item it reads is known.
    decided = real_results(text, known, _ANY_INT)
    if subject_text == "sys.version_info":
        width = min(len(known), len(items))
        must_decide = known[:width] != tuple(items[:width]) or len(items) <= len(known)
    else:
        must_decide = condition.index is not None and condition.index < len(known)
        must_decide |= condition.index is None and (condition.stop or 5) <= len(known)
    if must_decide:
        assert len(decided) == 1 and value == next(iter(decided)), (text, known, value)
    # Not required (None there is imprecise, not wrong): tests decided only
    # because micro >= 0 (``sys.version_info >= (3, 9, 0)`` for (3, 9)), or only
    # by the lengths (``sys.version_info == (3, 9, 1)`` is always False, as is
    # ``sys.version_info[:2] == (3,)``).

    assert condition.evaluate(Target()) is None
    negation = condition.negate().evaluate(Target(version=known))
    assert negation == (None if value is None else not value)


@pytest.mark.parametrize(
    ("text", "version", "expected"),
    [
        ("sys.version_info >= (3, 9)", (3, 9), True),
        ("sys.version_info >= (3, 10)", (3, 9), False),
        ("sys.version_info < (3,)", (2, 7), True),
        ("sys.version_info == (3, 9)", (3, 9), False),  # a 5-tuple never equals a 2-tuple
        ("sys.version_info[:2] == (3, 9)", (3, 9), True),
        ("sys.version_info > (3, 9, 1)", (3, 9), None),
        ("sys.version_info.major == 2", (3,), False),
        ("sys.version_info[2] >= 1", (3, 9), None),
    ],
)
def test_version_condition_examples(text: str, version: tuple[int, ...], expected: bool | None) -> None:
    assert parse(text).evaluate(Target(version=version)) is expected


# --- conditions: JSON round trips and negation -------------------------------------------

leaf_conditions = st.one_of(
    st.builds(Const, st.booleans()),
    st.just(TypeChecking()),
    st.just(Main()),
    st.builds(
        Version,
        st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
        st.lists(st.integers(0, 20), min_size=1, max_size=3).map(tuple),
    ),
    st.builds(
        lambda cmp, value, index: Version(cmp, (value,), index=index),
        st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
        st.integers(0, 20),
        st.integers(0, 2),
    ),
    st.builds(
        lambda cmp, value, start, stop: Version(cmp, value, start, stop),
        st.sampled_from(["==", "<", ">="]),
        st.lists(st.integers(0, 20), min_size=1, max_size=3).map(tuple),
        st.none() | st.integers(0, 2),
        st.integers(1, 3),
    ),
    st.builds(
        Platform,
        st.sampled_from(["sys.platform", "os.name", "platform.system()"]),
        st.sampled_from(["==", "!=", "in", "not in", "startswith"]),
        st.lists(
            st.sampled_from(["win32", "linux", "darwin", "nt", "posix", "Linux", "freebsd"]), min_size=1, max_size=3
        ).map(tuple),
    ),
    st.builds(
        Implementation,
        st.sampled_from(["sys.implementation.name", "platform.python_implementation()"]),
        st.sampled_from(["==", "!="]),
        st.sampled_from(["cpython", "CPython", "pypy", "PyPy"]),
    ),
    st.builds(Unknown, st.text(max_size=20)),
)
conditions_strategy = st.recursive(
    leaf_conditions,
    lambda children: st.one_of(
        st.builds(Not, children),
        st.builds(All, st.lists(children, max_size=3).map(tuple)),
        st.builds(Any_, st.lists(children, max_size=3).map(tuple)),
    ),
    max_leaves=12,
)
targets = st.builds(
    Target.for_platform,
    st.none() | st.lists(st.integers(2, 4), min_size=1, max_size=3).map(tuple),
    st.none() | st.sampled_from(["win32", "linux", "darwin", "cygwin", "freebsd13"]),
    st.none() | st.sampled_from(["cpython", "pypy"]),
)


@settings(max_examples=300, deadline=None)
@given(conditions_strategy, targets, st.booleans())
def test_negation_is_three_valued_not(condition: Condition, target: Target, type_checking: bool) -> None:
    target = replace(target, type_checking=type_checking)
    value = condition.evaluate(target)
    assert value in (True, False, None)
    negated = condition.negate()
    assert negated.evaluate(target) == (None if value is None else not value)


@settings(max_examples=200, deadline=None)
@given(conditions_strategy, targets)
def test_parsed_condition_text_reads_back(condition: Condition, target: Target) -> None:
    """str() of a parsed condition is Python that parses back to an equivalent condition."""
    assume(not _has_unknown(condition))
    text = str(condition)
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        pytest.fail(f"str() of {condition!r} is not Python: {text!r}")
    reparsed = parse_condition(node, _qualify, {})
    assert reparsed.evaluate(target) == condition.evaluate(target), (text, reparsed)


def _has_unknown(condition: Condition) -> bool:
    if isinstance(condition, Unknown):
        return True
    if isinstance(condition, Not):
        return _has_unknown(condition.arg)
    if isinstance(condition, (All, Any_)):
        # empty All/Any_ print as "" which is not an expression
        return not condition.args or any(_has_unknown(arg) for arg in condition.args)
    return False


# --- regressions: bugs these properties found (fixed in b40cfe2) ---------------------------


@pytest.mark.parametrize(
    "source",
    [
        "try:\n    def f():\n        import x\nexcept ImportError:\n    f = None\n",
        "from contextlib import suppress\nwith suppress(ImportError):\n    def f():\n        import x\n",
        "try:\n    g = lambda: __import__('x')\nexcept ImportError:\n    pass\n",
    ],
)
def test_import_in_function_is_not_protected_by_enclosing_try(source: str) -> None:
    records = [r for r in extract(source.encode(), "m").imports if r.module == "x"]
    assert len(records) == 1
    assert not records[0].context.optional


@pytest.mark.parametrize("keyword", ["def f():", "class C:"])
def test_import_call_in_decorator_is_found(keyword: str) -> None:
    source = f"import importlib\n@register(importlib.import_module('plugin'))\n{keyword}\n    pass\n"
    records = [r for r in extract(source.encode(), "m").imports if r.kind == "call"]
    assert [(r.module, r.line) for r in records] == [("plugin", 2)]


def test_cr_newlines_find_calls() -> None:
    source = b"import importlib\rx = 1\rimportlib.import_module('a')\r__import__('b')\r"
    result = extract(source, "m")
    assert result.ok
    assert [(r.module, r.line) for r in result.imports if r.kind == "call"] == [("a", 3), ("b", 4)]


def test_relative_import_in_class_is_mangled() -> None:
    source = b"class A:\n    from .__r import __s\n"
    (record,) = extract(source, "pkg.m").imports
    assert (record.module, [n.name for n in record.names]) == ("pkg._A__r", ["_A__s"])


# --- the graph: strongly connected components, against networkx -----------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=25).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=4 * n)
        )
    )
)
def test_strongly_connected_components_match_networkx(graph: tuple[int, list[tuple[int, int]]]) -> None:
    import networkx as nx

    from depscan.analysis.graph import strongly_connected

    count, edges = graph
    nodes = [f"m{i}" for i in range(count)]
    successors: dict[str, list[str]] = {n: [] for n in nodes}
    reference = nx.DiGraph()
    reference.add_nodes_from(nodes)
    for a, b in edges:
        successors[nodes[a]].append(nodes[b])
        reference.add_edge(nodes[a], nodes[b])
    ours = strongly_connected(nodes, successors.__getitem__)
    assert sorted(map(sorted, ours)) == sorted(map(sorted, nx.strongly_connected_components(reference)))


def test_strongly_connected_components_of_a_long_chain_need_no_recursion() -> None:
    from depscan.analysis.graph import strongly_connected

    nodes = [f"m{i}" for i in range(20_000)]
    successors = {n: [nodes[(i + 1) % len(nodes)]] for i, n in enumerate(nodes)}  # one ring
    assert [len(c) for c in strongly_connected(nodes, successors.__getitem__)] == [20_000]
