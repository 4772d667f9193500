"""The extractor: every import a module makes, read from its source without running it.

:func:`extract` is a pure function from source bytes, the importer's dotted
name and whether it is a package, to an :class:`~depscan.model.records.Extraction`.
It never raises on bad input: undecodable bytes, syntax errors and parser
exhaustion become diagnostics.

Speed matters (every later stage reads every file through here), so the walk
visits statements only. Expressions are searched for ``import_module`` /
``__import__`` calls and walrus bindings only on the lines whose text mentions
them, found first with a byte search over the source.
"""

from __future__ import annotations
import __future__

import ast
import bisect
import dataclasses
import io
import os
import re
import tokenize
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from depscan import DEFAULT_MAX_BYTES
from depscan.extract import budget, grammar
from depscan.extract.bytecode import extract_bytecode
from depscan.extract.relative import resolve_relative
from depscan.model.conditions import (
    All,
    Any_,
    Available,
    Condition,
    Const,
    Flag,
    HasName,
    Not,
    Unknown,
    parse_condition,
)
from depscan.model.records import (
    SUPPRESSION,
    AllRef,
    Context,
    Diagnostic,
    DynamicImport,
    Extraction,
    ImportedName,
    ImportRecord,
    Kind,
    ModuleFacts,
    NewerSyntax,
    imported_names,
    new_record,
    suppressed_codes,
)
from depscan.source import Columns, declares_an_encoding, module_name_for, read_bytes, source_text

__all__ = ["extract", "extract_bytes", "extract_file", "extract_newer", "literal_str", "parse", "unparse"]

# Exceptions whose handler makes the imports of a ``try`` body optional.
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
_IMPORT_FUNCTIONS = {
    "importlib.import_module": "importlib.import_module",
    "importlib.__import__": "__import__",
    "__import__": "__import__",
    "builtins.__import__": "__import__",
    # Imports the module, or skips the test when it cannot: an import that never fails a run.
    "pytest.importorskip": "pytest.importorskip",
}
_FUNCTION_HOMES = frozenset(name.rpartition(".")[0] for name in _IMPORT_FUNCTIONS)  # from importlib import ...
_FUTURE_FEATURES = frozenset(__future__.all_feature_names)
_SKIP_IF = frozenset({"pytest.mark.skipif", "unittest.skipIf"})  # the test runs where the condition is false
_SKIP_UNLESS = frozenset({"unittest.skipUnless"})  # ... where it is true
# Each import function's parameters, by position (else import_module's: name, package).
_PARAMETERS = {
    "__import__": ("name", "globals", "locals", "fromlist", "level"),
    "pytest.importorskip": ("name", "minversion", "reason", "exc_type"),
}
_NONE: frozenset[str] = frozenset()  # one empty set for every module that needs one
_SUPPRESSION = re.compile(SUPPRESSION.encode("ascii"), re.IGNORECASE)
_WALRUS = re.compile(rb":=")  # (the regex engine finds it in half the time ``in`` takes: ':' is everywhere)
_PY2_HINTS = ("Missing parentheses in call to", "multiple exception types must be parenthesized")


def extract(source: bytes, module: str = "__main__", is_package: bool = False, path: str | None = None) -> Extraction:
    """Extract the imports, dynamic imports, facts and diagnostics of one module.

    ``module`` is the importer's dotted name (relative imports are resolved
    against it); ``path`` is used only to label diagnostics.
    """
    return _extract(source, module, is_package, path, _parse(source, path))


def extract_newer(
    source: bytes,
    module: str = "__main__",
    is_package: bool = False,
    path: str | None = None,
    every_string: bool = False,
) -> Extraction:
    """:func:`extract` through the reader of newer grammars, whether or not the running parser
    reads the source (the tests compare the two); ``every_string``: see :func:`grammar.rewrite`."""
    problem = Diagnostic("DS010", "syntax error: the reader of newer grammars cannot lex it", path)
    return _extract(source, module, is_package, path, _parse_newer(source, path, problem, every_string, forced=True))


_Parsed = tuple[ast.Module | None, Diagnostic | None, NewerSyntax | None]


def _extract(source: bytes, module: str, is_package: bool, path: str | None, parsed: _Parsed) -> Extraction:
    tree, problem, newer = parsed
    if tree is None:
        assert problem is not None
        return Extraction(module, is_package, path, diagnostics=(problem,))
    walker = _Walker(source, module, is_package, path)
    if problem is not None:  # the note that a newer grammar was read
        walker.diagnostics.append(problem)
    try:
        walker.run(tree)
    except (RecursionError, MemoryError):
        diagnostic = Diagnostic("DS014", "too deeply nested to analyse", path)
        return Extraction(module, is_package, path, diagnostics=(diagnostic,))
    if walker.compile_problem is not None:  # it does not import: nothing of it runs
        return Extraction(module, is_package, path, diagnostics=(walker.compile_problem,))
    return dataclasses.replace(walker.result(), newer_syntax=newer) if newer is not None else walker.result()


def extract_file(
    path: str | os.PathLike[str],
    module: str | None = None,
    is_package: bool | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> Extraction:
    """Read and extract one file; a ``.pyc`` goes through the bytecode reader.

    ``module`` and ``is_package`` default to what the packages around the
    file say (see :func:`depscan.source.module_name_for`).
    """
    name = os.fspath(path)
    if module is None or is_package is None:
        guessed, guessed_package = module_name_for(name)
        module = guessed if module is None else module
        is_package = guessed_package if is_package is None else is_package
    data = read_bytes(name, max_bytes)
    if isinstance(data, Diagnostic):
        return Extraction(module, is_package, name, diagnostics=(data,))
    return extract_bytes(data, module, is_package, name)


def extract_bytes(data: bytes, module: str, is_package: bool, path: str) -> Extraction:
    """The extraction of a file's bytes, already read: the one place a ``.pyc`` (by its name, a file's
    or an archive member's) goes to the bytecode reader and anything else to the parser."""
    if path.endswith(".pyc"):
        return extract_bytecode(data, module, is_package, path)
    return extract(data, module, is_package, path)


# --- parsing ------------------------------------------------------------------


def parse(source: bytes, path: str | None = None) -> tuple[ast.Module | None, Diagnostic | None]:
    """The syntax tree of a module's source, or the diagnostic that says why there is none.

    Syntax of a Python newer than the running one is read too (:mod:`depscan.extract.grammar`).
    Never raises on bad input; ``path`` only labels the diagnostic.
    """
    tree, problem, _ = _parse(source, path)
    return tree, (problem if tree is None else None)


def _parse(source: bytes, path: str | None) -> _Parsed:
    """The tree, the diagnostic (with a tree: the note that it was read with a newer grammar), and
    the syntax newer than Python 3.10 the source uses."""
    if budget.too_many_tokens(source):  # (the parser's memory grows with the tokens: a gigabyte a million)
        return None, _too_many_tokens(path), None
    tree, problem = _host_parse(source, path)
    if tree is not None:
        needed = grammar.newer_than_oldest(source)
        if needed is None:
            return tree, None, None
        version, error = needed
        said = _syntax_diagnostic(error, source, path)
        return tree, None, NewerSyntax(version, said.message, said.line, said.col)
    assert problem is not None
    if problem.code != "DS010" or b"\0" in source:
        return None, problem, None
    return _parse_newer(source, path, problem)


def _parse_newer(
    source: bytes, path: str | None, problem: Diagnostic, every_string: bool = False, forced: bool = False
) -> _Parsed:
    """A source the running parser refuses, read with the constructs of newer grammars rewritten
    (``forced``: even when there are none)."""
    rewritten = grammar.rewrite(source, every_string)
    if rewritten is None or not (rewritten.constructs or forced):
        return None, problem, None
    if budget.too_many_tokens(rewritten.text.encode("utf-8", "surrogatepass")):  # (parentheses may be added)
        return None, _too_many_tokens(path), None
    tree, again = _host_parse(rewritten.text, path, source)
    if tree is None:
        return None, again if again is not None and again.code == "DS010" else problem, None
    if not rewritten.constructs:
        return tree, None, None
    construct, line, col = rewritten.newest()
    version = ".".join(map(str, construct.version))
    host = ".".join(map(str, grammar.HOST))
    what = construct.what
    newer = NewerSyntax(
        construct.version, f"syntax error: {what} is only supported in Python {version} and greater", line, col
    )
    note = f"read with depscan's reader of the Python {version} grammar: the parser of Python {host} refuses {what}"
    return tree, Diagnostic("DS016", note, path, line, col, "info"), newer


def _too_many_tokens(path: str | None) -> Diagnostic:
    message = f"more than {budget.MAX_TOKENS:,} tokens, too many to parse in bounded memory; not parsed"
    return Diagnostic("DS014", message, path)


def _host_parse(
    source: bytes | str, path: str | None, original: bytes | None = None
) -> tuple[ast.Module | None, Diagnostic | None]:
    """The running parser's tree, or its diagnostic (``original``: the bytes ``source`` was made from)."""
    raw = original if original is not None else source
    assert isinstance(raw, bytes)
    try:
        with grammar.quietly():  # the analysed file's warnings are not ours to show
            return ast.parse(source), None
    except SyntaxError as exc:
        return None, _syntax_diagnostic(exc, raw, path)
    except ValueError as exc:  # Python 3.10: "source code string cannot contain null bytes"
        return None, _null_byte_diagnostic(raw, path, str(exc))
    except (RecursionError, MemoryError):
        return None, Diagnostic("DS014", "too deeply nested for the parser (it ran out of stack)", path)


def _syntax_diagnostic(exc: SyntaxError, source: bytes, path: str | None) -> Diagnostic:
    message = exc.msg or "invalid syntax"
    if "null bytes" in message:
        return _null_byte_diagnostic(source, path, message)
    if (
        message.startswith(("(unicode error)", "unknown encoding", "encoding problem"))
        or "is not a text encoding" in message  # a cookie naming a codec such as hex or rot13
        or isinstance(exc.__cause__, UnicodeError)
    ):
        return _decode_diagnostic(source, path, message)
    if any(hint in message for hint in _PY2_HINTS):
        message += " (Python 2 code?)"
    line = exc.lineno or 0
    col = exc.offset or 0
    return Diagnostic("DS010", f"syntax error: {message}", path, max(line, 0), max(col, 0))


def _null_byte_diagnostic(source: bytes, path: str | None, message: str) -> Diagnostic:
    index = source.find(b"\0")
    line, col = _position_of(source, index) if index >= 0 else (0, 0)
    return Diagnostic("DS010", "source contains a null byte; Python refuses to compile it", path, line, col)


def _decode_diagnostic(source: bytes, path: str | None, message: str) -> Diagnostic:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as exc:
        return Diagnostic("DS011", f"cannot decode: {exc.msg}", path, max(exc.lineno or 0, 0))
    try:
        source.decode(encoding)
    except UnicodeDecodeError as exc:
        line, col = _position_of(source, exc.start)
        byte = source[exc.start : exc.start + 1].hex()
        return Diagnostic("DS011", f"cannot decode as {encoding}: byte 0x{byte} is invalid", path, line, col)
    except LookupError:
        return Diagnostic("DS011", f"cannot decode: unknown or unsupported encoding {encoding!r}", path)
    return Diagnostic("DS011", f"cannot decode: {message}", path)


def _position_of(source: bytes, index: int) -> tuple[int, int]:
    line_start = source.rfind(b"\n", 0, index) + 1
    return source.count(b"\n", 0, index) + 1, index - line_start + 1


def _as_parsed(source: bytes) -> bytes:
    """The source as the parser reads its names, for the byte searches that let the walk pass
    statements by: identifiers are NFKC-normalised (PEP 3131), so ``__future__`` or
    ``import_module`` spelt with a full-width or mathematical letter is the ASCII name to Python.
    Line for line the same text, as UTF-8 (an ASCII source is its own)."""
    if source.isascii() and not declares_an_encoding(source):
        return source
    return unicodedata.normalize("NFKC", source_text(source)).encode("utf-8", "surrogatepass")


def _hot_lines(source: bytes, words: Sequence[bytes]) -> list[int]:
    """The 1-based numbers of the lines that contain any of ``words``, sorted."""
    starts: list[int] = []
    for word in words:
        start = source.find(word)
        while start >= 0:
            starts.append(start)
            start = source.find(word, start + 1)
    return _lines_of(source, starts)


def _loud_and_hot_lines(source: bytes) -> tuple[list[int], list[int]]:
    """The lines that hold a loud word (``import``, ``globals``), and of those the lines that hold a
    hot word (``import_module``, ``__import__``, ``importorskip``: a call that may import). A function
    or class body none of whose lines is loud can neither import nor bind module names: the walk
    passes it by; expressions are searched for calls only on hot lines. Every hot word holds
    ``import``, so the search for it finds them too (three searches of every file fewer: 2% of a
    large check)."""
    loud: list[int] = []
    hot: list[int] = []
    start = source.find(b"import")
    while start >= 0:
        loud.append(start)
        after = start + 6
        if (
            source.startswith(b"_module", after)
            or source.startswith(b"orskip", after)
            or (source.startswith(b"__", after) and start >= 2 and source[start - 2 : start] == b"__")
        ):
            hot.append(start)
        start = source.find(b"import", start + 1)
    start = source.find(b"globals")
    while start >= 0:
        loud.append(start)
        start = source.find(b"globals", start + 1)
    return _lines_of(source, loud), _lines_of(source, hot) if hot else []


def _lines_of(source: bytes, offsets: list[int]) -> list[int]:
    """Line numbers of byte offsets, counting newlines once across the file."""
    lines: list[int] = []
    line, position = 1, 0
    for offset in sorted(offsets):
        line += source.count(b"\n", position, offset)
        position = offset
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


# --- the walk -----------------------------------------------------------------


@dataclass
class _AllState:
    names: list[str] | None = None
    refs: list[AllRef] = field(default_factory=list)
    exact: bool = True


class _Walker:
    def __init__(self, source: bytes, module: str, is_package: bool, path: str | None) -> None:
        self.module = module
        self.is_package = is_package
        self.path = path
        self.columns = Columns(source)
        source = _as_parsed(source)
        if b"\r" in source:  # lines end at \r too; count them on a \n-only copy
            source = source.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        self.source = source
        self.loud, self.hot = _loud_and_hot_lines(source)
        self.walrus = _hot_lines(source, (b":=",)) if _WALRUS.search(source) is not None else []
        self.searching = bool(self.hot or self.walrus)  # any expression worth a look?
        self.legacy_ns = is_package and (b"extend_path" in source or b"declare_namespace" in source)
        self.records: list[ImportRecord] = []
        self.dynamic: list[DynamicImport] = []
        self.diagnostics: list[Diagnostic] = []
        self.aliases: dict[str, str] = {}  # local name -> dotted name it was imported as
        self.named: dict[str, Condition] = {}  # module flags such as PY2 = sys.version_info < (3,)
        # compiled = False, bound once at module level: a flag for other modules (None: not one).
        self.constants: dict[str, bool | None] = {}
        # A name a try's body binds by importing one module and its handler by importing another
        # (try: import cython / except ImportError: from pkg.util import cython): the body's module
        # and what the name stood for there. (try id, name) -> the same, for the body's bindings.
        self.alternatives: dict[str, tuple[str, str]] = {}
        self.body_bindings: dict[tuple[int, str], tuple[str, str]] = {}
        self.defined: set[str] = set()
        self.unguarded: set[str] = set()  # bound at least once outside any if-test
        self.guarded: dict[str, list[tuple[Condition, ...]]] = {}  # name -> the guards of each binding
        self.star: list[str] = []
        self.unbound_self: set[str] = set()
        self.dynamic_globals = False
        self.globals_aliases: set[str] = set()  # names bound to globals() (`_globals = globals()`)
        self.flags: dict[str, int] = {}  # name -> the try whose imports succeeded when it is true
        self.future: list[str] = []
        self.all = _AllState()
        self.all_lines: list[int] = []  # the lines of the changes of __all__ read at module level
        self.string_lists: dict[str, tuple[str, ...]] = {}  # module-level names bound to tuples of strings
        self.vendored: list[tuple[str, tuple[str, ...]]] = []
        self.module_aliases = False
        self.entries: dict[str, tuple[tuple[Condition, ...], str | None]] = {}  # sys.modules["<module>.x"] = v
        self.namespace: str | None = None
        self.classes: list[str] = []  # enclosing class names, for private name mangling
        self.loops = 0  # module-level loop bodies the walk is in ('break' and 'continue' belong there)
        # A statement the parser takes and the compiler refuses ('return' at module level): the module
        # fails to import with SyntaxError, as an unparsable one does.
        self.compile_problem: Diagnostic | None = None

    # The walk proper. Statement nesting is bounded by the parser (100 levels of
    # indentation), so recursion over statements is safe.

    def run(self, tree: ast.Module) -> None:
        self.check_future(tree.body)
        self.block(tree.body, Context())

    def check_future(self, body: list[ast.stmt]) -> None:
        """Future imports must come first and name real features, or the module won't compile."""
        mention = self.source.find(b"__future__")
        if mention < 0:  # (most modules: no statement to look at)
            return
        index = first = 0
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            index = first = 1  # the docstring
        while index < len(body) and _is_future(body[index]):
            self.future_names(body[index])  # type: ignore[arg-type]
            index += 1
        if index == first + 1 and self.source.find(b"__future__", mention + 1) < 0:
            return  # one future import, the one mention of __future__: no other future import
        for node in body[index:]:  # (a type test each: the statements of a large module)
            if type(node) is ast.ImportFrom and _is_future(node):
                message = "syntax error: from __future__ imports must occur at the beginning of the file"
                col = self.columns(node.lineno, node.col_offset)
                self.diagnostics.append(Diagnostic("DS010", message, self.path, node.lineno, col))
                self.future_names(node)

    def future_names(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name not in _FUTURE_FEATURES:
                message = f"syntax error: future feature {alias.name} is not defined"
                col = self.columns(node.lineno, node.col_offset)
                self.diagnostics.append(Diagnostic("DS010", message, self.path, node.lineno, col))

    def result(self) -> Extraction:
        all_names = None if self.all.names is None else tuple(self.all.names)
        facts = ModuleFacts(
            all_names=all_names,
            all_refs=tuple(self.all.refs),
            all_exact=self.all.exact and not self.all_changed_elsewhere(),
            defined=tuple(sorted(self.defined)),
            guarded=tuple(
                (name, tuple(dict.fromkeys(guards)))
                for name, guards in sorted(self.guarded.items())
                if name not in self.unguarded
            ),
            star_imports=tuple(dict.fromkeys(self.star)),
            unbound_self_imports=frozenset(self.unbound_self) if self.unbound_self else _NONE,
            dynamic_globals=self.dynamic_globals,
            future=tuple(self.future),
            namespace=self.namespace,
            vendored=tuple(self.vendored),
            module_aliases=self.module_aliases,
            flags=self.flags_for_others(),
            module_entries=tuple((name, guards, value) for name, (guards, value) in self.entries.items()),
        )
        return Extraction(
            self.module,
            self.is_package,
            self.path,
            tuple(self.records),
            tuple(self.dynamic),
            facts,
            tuple(self.diagnostics),
            suppressions=self.suppressions(),
        )

    def block(self, body: Iterable[ast.stmt], ctx: Context) -> None:
        dispatch = _DISPATCH
        for node in body:
            handler = dispatch.get(type(node))
            if handler is not None:
                handler(self, node, ctx)

    # One method per statement type, found through _DISPATCH: a dict lookup
    # instead of a chain of isinstance tests (this walk is the hot loop).

    def s_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> None:
        if self.searching:
            header: list[ast.AST] = [*node.decorator_list, node.args]
            if node.returns is not None:
                header.append(node.returns)
            self.expressions(node, ctx, header)
        if ctx.scope == "module":
            self.define(node.name, ctx)
        if self.heard(node):
            outer = self.globals_aliases  # (a name bound to globals() in the body is the body's own)
            self.globals_aliases = set(outer)
            try:
                self.block(node.body, self.skip_markers(node, ctx).with_scope("function"))
            finally:
                self.globals_aliases = outer

    def s_class(self, node: ast.ClassDef, ctx: Context) -> None:
        if self.searching:
            self.expressions(node, ctx, (*node.decorator_list, *node.bases, *node.keywords))
        if ctx.scope == "module":
            self.define(node.name, ctx)
        if not self.heard(node):
            return
        self.classes.append(node.name)
        inner = self.skip_markers(node, ctx)
        self.block(node.body, inner if ctx.scope == "function" else inner.with_scope("class"))
        self.classes.pop()

    def skip_markers(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, ctx: Context) -> Context:
        """A test skipped unless a condition holds runs its body only where it does:
        ``@pytest.mark.skipif(os.name != "nt")``, ``@unittest.skipIf(...)``, ``@unittest.skipUnless(...)``;
        pytest's condition may be a string, which it evaluates with ``os``, ``sys`` and ``platform``."""
        for decorator in node.decorator_list:
            if not (isinstance(decorator, ast.Call) and decorator.args):
                continue
            marker = self.qualify(decorator.func) or ""
            test = _skip_condition(decorator.args[0], marker)
            if test is None:
                continue
            if marker in _SKIP_IF:
                ctx = ctx.with_condition(self.condition(test).negate())
            elif marker in _SKIP_UNLESS:
                ctx = ctx.with_condition(self.condition(test))
        return ctx

    def heard(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
        """Could the body of ``node`` import, or bind module names? Not when no line of it says so.

        Imports, import calls and ``globals()`` name themselves on a line of the
        body (``import``, ``import_module``, ``__import__``, ``globals``; an alias
        of an import function is on a hot line); nothing else in a function or
        class body reaches the module's facts. Most bodies are neither, and not
        walking them is most of the walk saved.
        """
        first, last = node.lineno, node.end_lineno or node.lineno  # (a body's decorators sit above its lines)
        return _any_between(self.loud, first, last) or _any_between(self.hot, first, last)

    def s_if(self, node: ast.If, ctx: Context) -> None:
        if self.searching:
            self.expressions(node, ctx, (node.test,))
        if self.flags:
            flag, negated = _flag_test(node.test)
            if flag in self.flags:  # `if HAS_X:` after `try: import x; HAS_X = True except ImportError: ...`
                try_id = self.flags[flag]
                worked, failed = ctx.with_try(try_id, "body"), ctx.with_try(try_id, "handler")
                self.block(node.body, failed if negated else worked)
                self.block(node.orelse, worked if negated else failed)
                return
        condition = self.condition(node.test)
        self.block(node.body, ctx.with_condition(condition))
        if node.orelse:
            self.block(node.orelse, ctx.with_condition(condition.negate()))

    def s_with(self, node: ast.With | ast.AsyncWith, ctx: Context) -> None:
        if self.searching:
            self.expressions(node, ctx, node.items)
        if ctx.scope == "module":
            for item in node.items:
                if item.optional_vars is not None:
                    self.bind_target(item.optional_vars, ctx)
        inner = ctx
        if any(self.suppresses_import_error(item.context_expr) for item in node.items):
            inner = ctx.with_try(node.lineno, "body")  # a try is known by the line it starts on
        self.block(node.body, inner)

    def s_for(self, node: ast.For | ast.AsyncFor, ctx: Context) -> None:
        if self.searching:
            self.expressions(node, ctx, (node.iter,))
        if ctx.scope == "module":
            self.bind_target(node.target, ctx)
        self.loop_body(node.body, ctx)
        self.block(node.orelse, ctx)

    def s_while(self, node: ast.While, ctx: Context) -> None:
        if self.searching:
            self.expressions(node, ctx, (node.test,))
        test = node.test
        if isinstance(test, ast.Constant) and not test.value:  # `while 0:` never runs
            self.loop_body(node.body, ctx.with_condition(Const(False)))
        else:
            self.loop_body(node.body, ctx)
        self.block(node.orelse, ctx)

    def loop_body(self, body: list[ast.stmt], ctx: Context) -> None:
        self.loops += 1
        try:
            self.block(body, ctx)
        finally:
            self.loops -= 1

    def s_match(self, node: ast.Match, ctx: Context) -> None:
        if self.searching:
            self.expressions(node, ctx, (node.subject,))
        for case in node.cases:
            if case.guard is not None and self.searching:
                self.expressions(node, ctx, (case.guard,))
            self.block(case.body, ctx)

    def s_assign(self, node: ast.Assign, ctx: Context) -> None:
        if self.searching:
            self.expressions(node, ctx, (node.value,))
        self.assign(node.targets, node.value, ctx)

    def s_annassign(self, node: ast.AnnAssign, ctx: Context) -> None:
        if node.value is not None:
            if self.searching:
                self.expressions(node, ctx, (node.value,))
            self.assign([node.target], node.value, ctx)
        elif ctx.scope == "module" and type(node.target) is ast.Name and self.path and self.path.endswith(".pyi"):
            self.define(node.target.id, ctx)  # a stub declares what the module has: `errorTab: dict[int, str]`

    def s_augassign(self, node: ast.AugAssign, ctx: Context) -> None:
        if self.searching:
            self.expressions(node, ctx, (node.value,))
        if ctx.scope == "module" and isinstance(node.target, ast.Name):
            self.define(node.target.id, ctx)
            if node.target.id == "__all__" and isinstance(node.op, ast.Add):
                self.all_lines.append(node.lineno)
                self.all_add(node.value)
            elif node.target.id == "__path__" and self.is_package:
                self.module_aliases = True  # __path__ += [...]: see module_call

    def s_expr(self, node: ast.Expr, ctx: Context) -> None:
        if ctx.scope != "function" and isinstance(node.value, (ast.Yield, ast.YieldFrom, ast.Await)):
            word = "await" if isinstance(node.value, ast.Await) else "yield"
            self.refused(node, f"'{word}' outside function")
        if self.searching:
            self.expressions(node, ctx, (node.value,))
        if isinstance(node.value, ast.Call):
            func = node.value.func
            writes = (
                isinstance(func, ast.Attribute)
                and func.attr in ("update", "setdefault")
                and self.is_globals(func.value)
            )
            if writes or self.hands_on_globals(node.value, ctx):
                self.dynamic_globals = True  # globals().update(...), f(globals()), exec(source)
            if ctx.scope == "module":
                self.module_call(node.value)

    def s_return(self, node: ast.Return, ctx: Context) -> None:
        if ctx.scope != "function":  # (a class body in a function keeps the scope "function": not told)
            self.refused(node, "'return' outside function")
        self.s_other(node, ctx)

    def s_break(self, node: ast.Break | ast.Continue, ctx: Context) -> None:
        if ctx.scope == "module" and not self.loops:
            self.refused(
                node, "'break' outside loop" if isinstance(node, ast.Break) else "'continue' not properly in loop"
            )

    def s_nonlocal(self, node: ast.Nonlocal, ctx: Context) -> None:
        if ctx.scope == "module":
            self.refused(node, "nonlocal declaration not allowed at module level")

    def refused(self, node: ast.stmt, message: str) -> None:
        """The compiler refuses ``node`` where it stands (see :attr:`compile_problem`); the first is said."""
        if self.compile_problem is None:
            col = self.columns(node.lineno, node.col_offset)
            self.compile_problem = Diagnostic("DS010", f"syntax error: {message}", self.path, node.lineno, col)

    def s_other(self, node: ast.stmt, ctx: Context) -> None:
        """return, del, raise, assert: only their expressions matter."""
        if self.searching:
            self.expressions(node, ctx, [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)])

    def s_type_alias(self, node: ast.stmt, ctx: Context) -> None:  # Python 3.12: type X = ...
        if ctx.scope == "module":
            self.define(node.name.id, ctx)  # type: ignore[attr-defined]

    # -- imports -----------------------------------------------------------------

    def import_(self, node: ast.Import, ctx: Context) -> None:
        line = node.lineno
        col = self.columns(line, node.col_offset)
        for alias in node.names:
            module = self.mangle(alias.name) if self.classes else alias.name
            self.records.append(new_record("import", module, alias.name, 0, line, col, ctx, alias=alias.asname))
            if alias.asname:
                self.aliases[alias.asname] = alias.name
                bound = alias.asname
            else:
                bound = alias.name.partition(".")[0]
                self.aliases[bound] = bound
            self.bound_by_import(bound, module if alias.asname else bound, ctx)
            if ctx.scope == "module":
                self.define(bound, ctx)

    def mangle(self, name: str) -> str:
        """Private name mangling, which the compiler applies to imports in a class too.

        ``import __spam`` inside ``class A`` imports ``_A__spam``; dotted names
        and ``__dunder__`` names are left alone.
        """
        if not name.startswith("__") or name.endswith("__") or "." in name:
            return name
        owner = self.classes[-1].lstrip("_")
        return f"_{owner}{name}" if owner else name

    def import_from(self, node: ast.ImportFrom, ctx: Context) -> None:
        name = node.module or ""
        level = node.level or 0
        raw = "." * level + name
        if self.classes:
            name = self.mangle(name)
        line = node.lineno
        col = self.columns(line, node.col_offset)
        absolute = self.absolute(name, level, line, col) if level else name
        if self.classes:
            names = imported_names(tuple([(self.mangle(a.name), a.asname) for a in node.names]))
        else:
            names = imported_names(tuple([(a.name, a.asname) for a in node.names]))
        kind: Kind
        if level == 0 and name == "__future__":
            kind = "future"
            self.future.extend(alias.name for alias in node.names)
        elif len(names) == 1 and names[0].name == "*":
            kind = "star"
            names = ()
            if absolute is not None:
                self.star.append(absolute)
        else:
            kind = "from"
        self.records.append(new_record(kind, absolute, raw, level, line, col, ctx, names))
        if kind == "star":
            return
        if (
            absolute is not None
            and absolute != self.module
            and absolute not in _FUNCTION_HOMES
            and (ctx.scope != "module" or ctx.try_id is None)
        ):
            self.bind_from(node.names, absolute, ctx)
            return
        for alias in node.names:
            bound = alias.asname or alias.name
            if absolute is not None:
                self.alias(bound, f"{absolute}.{alias.name}")
                self.bound_by_import(bound, None, ctx)
            if absolute != self.module:
                if ctx.scope == "module":
                    self.define(bound, ctx)
                continue
            # `from . import x` in the package itself does not define x: it works only when x is a
            # submodule or is bound already. Run at import time, it finds what is bound so far.
            if ctx.scope != "function" and alias.name not in self.defined and not self.star:
                self.unbound_self.add(alias.name)
            # `from . import x as y` binds y, whatever x is (when the import works at all).
            if alias.asname is not None and ctx.scope == "module":
                self.define(alias.asname, ctx)

    def bind_from(self, names: list[ast.alias], absolute: str, ctx: Context) -> None:
        """The names ``from absolute import ...`` binds, in the common case: another module than
        this one, not one that holds an import function, outside a try's body or handler at module
        level. What :meth:`alias`, :meth:`bound_by_import` and :meth:`define` do for each name, in
        one loop: this is the most frequent statement of real code (two fifths of the walk)."""
        aliases, prefix = self.aliases, absolute + "."
        if ctx.scope != "module":  # a local name: the module's own stay what they were
            for alias in names:
                aliases[alias.asname or alias.name] = prefix + alias.name
            return
        constants, alternatives, named = self.constants, self.alternatives, self.named
        defined, unguarded, conditions = self.defined, self.unguarded, ctx.conditions
        for alias in names:
            bound = alias.asname or alias.name
            aliases[bound] = prefix + alias.name
            if alternatives:
                alternatives.pop(bound, None)
            constants[bound] = None
            if named:
                named.pop(bound, None)
            defined.add(bound)
            if not conditions:
                unguarded.add(bound)
            elif bound not in unguarded:
                self.guarded.setdefault(bound, []).append(conditions)

    def bound_by_import(self, name: str, module: str | None, ctx: Context) -> None:
        """``name`` just bound by an import (``module``: the module it is, for ``import m``): the
        alternatives of a try are kept (see :attr:`alternatives`)."""
        if ctx.scope != "module":
            return  # (a local name: the module's own stays what it was)
        self.alternatives.pop(name, None)
        self.constants[name] = None
        self.named.pop(name, None)
        if ctx.try_id is None:
            return
        if ctx.try_role == "body" and module is not None:
            self.body_bindings[(ctx.try_id, name)] = (module, self.aliases[name])
        elif ctx.try_role == "handler" and (ctx.try_id, name) in self.body_bindings:
            self.alternatives[name] = self.body_bindings[(ctx.try_id, name)]

    def flag_of(self, node: ast.expr) -> Condition | None:
        """What a name bound by an import stands for in a test: a flag of the module it comes from
        (``six.PY2``; ``from m import PY2``); where a try binds it one way or another, the body's
        where its module is found, else the handler's. ``hasattr(m, "name")`` of an imported
        module: whether it has the name."""
        if isinstance(node, ast.Call):
            return self.has_name(node)
        if not isinstance(node, (ast.Name, ast.Attribute)):
            return None
        head: ast.expr = node
        while isinstance(head, ast.Attribute):
            head = head.value
        if not isinstance(head, ast.Name) or head.id not in self.aliases:
            return None
        dotted = self.qualify(node)
        if dotted is None or "." not in dotted:
            return None
        module, _, name = dotted.rpartition(".")
        flag = Flag(module, name)
        other = self.alternatives.get(head.id)
        if other is None:
            return flag
        found, stood = other
        first_module, _, first_name = (stood + dotted[len(self.aliases[head.id]) :]).rpartition(".")
        if not first_module:
            return None
        first = Flag(first_module, first_name)
        return Any_((All((Available(found), first)), All((Not(Available(found)), flag))))

    def has_name(self, call: ast.Call) -> Condition | None:
        """``hasattr(m, "name")`` where ``m`` is a module bound by an import (not a name of its own)."""
        if not (isinstance(call.func, ast.Name) and call.func.id == "hasattr" and "hasattr" not in self.defined):
            return None
        if len(call.args) != 2 or call.keywords or not isinstance(call.args[0], (ast.Name, ast.Attribute)):
            return None
        name = literal_str(call.args[1])
        head: ast.expr = call.args[0]
        while isinstance(head, ast.Attribute):
            head = head.value
        if name is None or not isinstance(head, ast.Name) or head.id not in self.aliases:
            return None
        module = self.qualify(call.args[0])
        return HasName(module, name) if module is not None else None

    def flags_for_others(self) -> tuple[tuple[str, Condition], ...]:
        """The module's flags, and its names bound to True or False at module level that no
        ``global`` statement rebinds (``compiled = False`` in a shim module)."""
        flags = dict(self.named)
        constants = [(name, value) for name, value in self.constants.items() if value is not None]
        if constants:
            declared = {
                name.decode("utf-8", "replace")
                for names in _GLOBAL.findall(self.source)
                for name in re.split(rb"[\s,\\]+", names)
            }
            for name, value in constants:
                if name not in flags and name not in declared:
                    flags[name] = Const(value)
        return tuple(sorted(flags.items(), key=lambda item: item[0]))

    def alias(self, name: str, dotted: str) -> None:
        """Remember what a local name stands for.

        A new name for ``import_module`` or ``__import__`` makes the lines that
        use it worth searching, as the lines naming the function itself are.
        """
        self.aliases[name] = dotted
        if dotted in _IMPORT_FUNCTIONS and name not in ("import_module", "__import__", "importorskip") and self.hot:
            word = re.compile(rb"(?<![\w.])" + re.escape(name.encode()) + rb"\b")
            self.hot = sorted(set(self.hot).union(_regex_lines(self.source, word)))
            self.searching = True

    def absolute(self, name: str, level: int, line: int, col: int) -> str | None:
        absolute, problem = resolve_relative(name, level, self.module, self.is_package)
        if problem == "DS021":
            message = "relative import in a module that is not in a package (no known parent package)"
            self.diagnostics.append(Diagnostic(problem, message, self.path, line, col))
        elif problem == "DS020":
            message = f"relative import {'.' * level + name!r} goes beyond the top-level package of {self.module!r}"
            self.diagnostics.append(Diagnostic(problem, message, self.path, line, col))
        return absolute

    # -- try / with --------------------------------------------------------------

    def try_(self, node: ast.Try, ctx: Context) -> None:  # also ast.TryStar, which has the same fields
        # A handler that raises again (`except ImportError: raise Configured(...)`) does not cope.
        catching = any(
            self.catches_import_error(handler.type) and not _raises(handler.body) for handler in node.handlers
        )
        if catching:  # a try is known by the line it starts on: no two start on one line
            body_ctx = ctx.with_try(node.lineno, "body")
            handler_ctx = ctx.with_try(node.lineno, "handler")
        else:
            body_ctx = handler_ctx = ctx
        self.block(node.body, body_ctx)
        for handler in node.handlers:
            if handler.type is not None and self.searching:
                self.expressions(handler, ctx, (handler.type,))
            caught = self.catches_import_error(handler.type) and not _raises(handler.body)
            self.block(handler.body, handler_ctx if caught else ctx)
            if catching and caught:
                self.success_flags(node.body, handler.body, node.lineno)
        # `else:` runs only when the body's imports succeeded: part of the same optional feature.
        self.block(node.orelse, body_ctx)
        self.block(node.finalbody, ctx)

    def success_flags(self, body: list[ast.stmt], handler: list[ast.stmt], try_id: int) -> None:
        """``HAS_X = True`` in the body (or ``False`` in the handler): the flag says the imports worked."""
        for statements, value in ((body, True), (handler, False)):
            for node in statements:
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Constant)
                    and node.value.value is value
                ):
                    self.flags[node.targets[0].id] = try_id

    def catches_import_error(self, node: ast.expr | None) -> bool:
        if node is None:
            return True
        if isinstance(node, ast.Tuple):
            return any(self.catches_import_error(elt) for elt in node.elts)
        dotted = self.qualify(node)
        return dotted is not None and dotted.rpartition(".")[2] in _IMPORT_ERRORS

    def suppresses_import_error(self, node: ast.expr) -> bool:
        if not isinstance(node, ast.Call):
            return False
        called = self.qualify(node.func)
        function = called.rpartition(".")[2] if called is not None else None
        if function == "suppress":
            return any(self.catches_import_error(arg) for arg in node.args)
        # A test that expects the import to fail: pytest.raises(ImportError), self.assertRaises(...).
        if function in ("raises", "assertRaises", "assertRaisesRegex") and node.args:
            return self.catches_import_error(node.args[0])
        return False

    # -- names ---------------------------------------------------------------------

    def qualify(self, node: ast.expr) -> str | None:
        """The dotted name a Name/Attribute chain stands for, through import aliases."""
        attrs: list[str] = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.aliases.get(node.id, node.id)
        if not attrs:
            return head
        return head + "." + ".".join(reversed(attrs))

    def condition(self, test: ast.expr) -> Condition:
        try:
            return parse_condition(test, self.qualify, self.named, self.flag_of)
        except RecursionError:
            return Unknown("<deeply nested condition>")

    def define(self, name: str, ctx: Context) -> None:
        """A name bound at module level; one bound only under if-tests keeps their conditions."""
        self.defined.add(name)
        if not ctx.conditions:
            self.unguarded.add(name)
        elif name not in self.unguarded:
            self.guarded.setdefault(name, []).append(ctx.conditions)

    def bind_target(self, target: ast.expr, ctx: Context) -> None:
        if isinstance(target, ast.Name):
            self.define(target.id, ctx)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.bind_target(elt, ctx)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value, ctx)

    def is_globals(self, node: ast.expr) -> bool:
        """``globals()``, or a name bound to it (``namespace = globals()``)."""
        return _is_globals_call(node) or (isinstance(node, ast.Name) and node.id in self.globals_aliases)

    def hands_on_globals(self, call: ast.Call, ctx: Context) -> bool:
        """A call that may bind names of the module it does not list: one ``globals()`` is passed
        to (protobuf's ``_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)``, which
        makes every message class of a generated ``*_pb2`` module), or an ``exec`` at module level
        that runs in the module's namespace (twisted's Yapps parser is one ``exec`` of its
        source). ``f(**globals())`` only reads them, as do the builtins of :data:`_READ_ONLY`
        (``dict(globals())``, ``print(namespace)``)."""
        func = call.func
        if type(func) is ast.Name and func.id in _READ_ONLY:
            return False
        for arg in call.args:
            if self.is_globals(arg):
                return True
        for keyword in call.keywords:
            if keyword.arg is not None and self.is_globals(keyword.value):
                return True
        return (
            ctx.scope == "module"
            and type(func) is ast.Name
            and func.id == "exec"
            and len(call.args) == 1
            and not call.keywords
        )

    def assign(self, targets: Sequence[ast.expr], value: ast.expr, ctx: Context) -> None:
        top = ctx.scope == "module"
        if _is_globals_call(value):
            # Bound to a name: what is written through that name binds names of the module.
            self.globals_aliases.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(value, ast.Call) and self.hands_on_globals(value, ctx):
            self.dynamic_globals = True  # result = build(DESCRIPTOR, globals())
        for target in targets:
            if not isinstance(target, ast.Name):
                if isinstance(target, ast.Subscript) and self.is_globals(target.value):
                    self.dynamic_globals = True  # globals()[name] = ..., namespace[name] = ...
                elif top and isinstance(target, ast.Subscript) and self.qualify(target.value) == "sys.modules":
                    # sys.modules["pkg.alias"] = module: names under this one may be served without
                    # files. Not when the module only replaces itself with an object it makes
                    # (pygments.lexers: sys.modules[__name__] = _automodule(__name__)), whose
                    # __path__ is its own: its submodules are still files.
                    if not self.module_entry(target.slice, value, ctx):
                        self.module_aliases = self.module_aliases or not self.replaces_itself(target, value)
                elif top:
                    self.bind_target(target, ctx)
                continue
            name = target.id
            dotted = self.qualify(value) if self.hot and isinstance(value, (ast.Name, ast.Attribute)) else None
            if dotted in _IMPORT_FUNCTIONS:
                self.alias(name, dotted)  # imp = importlib.import_module
            if not top:
                continue
            self.define(name, ctx)
            listed = _literal_strs(value) if isinstance(value, (ast.Tuple, ast.List)) else None
            if listed is not None:
                self.string_lists[name] = tuple(listed)  # names = ('packaging', ...): VendorImporter's
            if name == "__all__":
                previous = self.all
                self.all = _AllState(names=[])
                self.all_add(value, previous)
            elif name == "__path__" and self.legacy_ns and isinstance(value, ast.Call):
                func = value.func
                attr = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if attr == "extend_path" or (self.qualify(func) or "").endswith(".extend_path"):
                    self.namespace = "pkgutil"
            condition = self.condition(value) if self.may_be_flag(value) else None
            self.alternatives.pop(name, None)
            if condition is not None and not isinstance(condition, Unknown) and not ctx.conditions:
                self.named[name] = condition
            else:
                self.named.pop(name, None)  # bound to something else, or only where a test holds
            first = name not in self.constants and not ctx.conditions and ctx.try_id is None
            if first and isinstance(value, ast.Constant) and isinstance(value.value, bool):
                self.constants[name] = value.value
            else:
                self.constants[name] = None  # bound again, or to something else: no constant

    def may_be_flag(self, value: ast.expr) -> bool:
        """What a module-level flag can be bound to: a test (``PY2 = sys.version_info[0] == 2``), or
        another flag, of this module or imported (``PY3 = not PY2``; ``IS_WIN = compat.WIN``)."""
        if isinstance(value, (ast.Compare, ast.BoolOp, ast.UnaryOp)):
            return True
        head: ast.expr = value
        while isinstance(head, ast.Attribute):
            head = head.value
        return isinstance(head, ast.Name) and (head.id in self.named or head.id in self.aliases)

    def replaces_itself(self, target: ast.Subscript, value: ast.expr) -> bool:
        """``sys.modules[__name__] = Maker(...)`` (or a name bound to one): the module replaced by an
        object it makes (not by another module: a call of an import function, or an imported name)."""
        key = target.slice
        if not (isinstance(key, ast.Name) and key.id == "__name__"):
            return False
        if isinstance(value, ast.Name):  # (newmod = _automodule(__name__) first): not an imported module
            return value.id not in self.aliases
        return isinstance(value, ast.Call) and (self.qualify(value.func) or "") not in _IMPORT_FUNCTIONS

    def module_entry(self, key: ast.expr, value: ast.expr, ctx: Context) -> bool:
        """``sys.modules[KEY] = ...`` at module level, KEY a literal name below this module's own
        (``"xml.parsers.expat.model"`` in ``xml.parsers.expat``, ``__name__ + ".x"``,
        ``f"{__name__}.x"``): kept with its conditions and the module the value names (an imported
        name); in an ``except`` handler it may not run, which is kept as a condition not known. True
        when kept: the scan then knows the entry, and other names below this module are not made
        uncertain by it."""
        name = self.literal_module_name(key)
        if name is None or not name.startswith(self.module + "."):
            return False
        conditions = ctx.conditions
        if ctx.try_role == "handler" or ctx.outer_handlers:
            conditions = (*conditions, Unknown("an exception was handled"))
        if name not in self.entries or not conditions:  # put there unconditionally wins
            root = value
            while isinstance(root, ast.Attribute):
                root = root.value
            dotted = self.qualify(value) if isinstance(root, ast.Name) and root.id in self.aliases else None
            self.entries[name] = (conditions, dotted)
        return True

    def literal_module_name(self, key: ast.expr) -> str | None:
        if isinstance(key, ast.Constant):
            return key.value if isinstance(key.value, str) else None
        if isinstance(key, ast.BinOp) and isinstance(key.op, ast.Add):
            left = self.literal_module_name(key.left)
            right = self.literal_module_name(key.right)
            return None if left is None or right is None else left + right
        if isinstance(key, ast.Name) and key.id == "__name__":
            return self.module
        if isinstance(key, ast.JoinedStr):
            parts: list[str] = []
            for part in key.values:
                if isinstance(part, ast.FormattedValue):
                    if part.conversion != -1 or part.format_spec is not None:
                        return None
                    text = self.literal_module_name(part.value)
                else:
                    text = self.literal_module_name(part)
                if text is None:
                    return None
                parts.append(text)
            return "".join(parts)
        return None

    def suppressions(self) -> tuple[tuple[int, tuple[str, ...] | None], ...]:
        """The ``# depscan: ignore[...]`` comments, by line (see :attr:`Extraction.suppressions`)."""
        if _SUPPRESSION.search(self.source) is None:
            return ()
        found: dict[int, tuple[str, ...] | None] = {}
        line, position = 1, 0
        for match in _SUPPRESSION.finditer(self.source):
            line += self.source.count(b"\n", position, match.start())
            position = match.start()
            if line not in found:  # the first on its line counts
                listed = match.group(1)
                found[line] = suppressed_codes(None if listed is None else listed.decode("ascii"))
        return tuple(found.items())

    def all_changed_elsewhere(self) -> bool:
        """``__all__`` changed where no static reading follows it: in a function, a lambda or a class
        body (a helper called at import time, an ``@export`` decorator), through a subscript, or
        after ``global __all__``. Its names are then unknown, never a confident error."""
        if self.all.names is None or b"__all__" not in self.source:
            return False
        read = set(self.all_lines)
        return any(line not in read for line in _regex_lines(self.source, _ALL_CHANGED))

    def module_call(self, call: ast.Call) -> None:
        """Top-level calls that mean something: ``__all__.extend``, namespace declarations."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        if isinstance(func.value, ast.Name) and func.value.id == "__all__" and self.all.names is not None:
            self.all_lines.append(call.lineno)
            if func.attr == "extend" and len(call.args) == 1:
                self.all_add(call.args[0])
            elif func.attr == "append" and len(call.args) == 1:
                self.all_add(ast.List(elts=[call.args[0]], ctx=ast.Load()))
            elif func.attr == "remove" and len(call.args) == 1:
                arg = call.args[0]
                if isinstance(arg, ast.Constant) and arg.value in self.all.names:
                    self.all.names.remove(arg.value)
                else:
                    self.all.exact = False
            else:
                self.all.exact = False
        elif func.attr == "declare_namespace" and self.legacy_ns:
            self.namespace = "pkg_resources"
        elif func.attr == "install" and isinstance(func.value, ast.Call):
            self.vendor_importer(func.value)
        elif func.attr in ("append", "insert", "extend") and self.qualify(func.value) == "sys.meta_path":
            # A finder of its own (six's moves): modules under this one may be served without files.
            self.module_aliases = True
        elif func.attr in ("update", "setdefault") and self.qualify(func.value) == "sys.modules":
            self.module_aliases = True  # sys.modules.update({...}): entries not read one by one
        elif func.attr in ("append", "insert", "extend") and _is_name(func.value, "__path__") and self.is_package:
            # Directories it works out (twisted.plugins' pluginPackagePaths): its submodules may lie
            # outside its own, where no static reading looks.
            self.module_aliases = True

    def vendor_importer(self, call: ast.Call) -> None:
        """``VendorImporter(__name__, names, "pkg._vendor").install()`` (setuptools' ``extern``):
        ``<this module>.X`` is served from ``pkg._vendor.X``, else ``X``, for each X of ``names``."""
        if not (self.qualify(call.func) or "").endswith("VendorImporter") or not 2 <= len(call.args) <= 3:
            return
        root, listed = call.args[0], call.args[1]
        if not (isinstance(root, ast.Name) and root.id == "__name__"):
            return
        names = (
            self.string_lists.get(listed.id)
            if isinstance(listed, ast.Name)
            else tuple(_literal_strs(listed) or ()) or None
        )
        package = literal_str(call.args[2]) if len(call.args) == 3 else self.module.replace("extern", "_vendor")
        if names and package and all(part.isidentifier() for part in package.split(".")):
            self.vendored.append((package, tuple(names)))

    # -- __all__ -------------------------------------------------------------------

    def all_add(self, value: ast.expr, previous: _AllState | None = None) -> None:
        """Add what ``value`` holds to ``__all__``; ``previous`` is what ``__all__`` named before."""
        previous = previous or self.all
        if self.all.names is None:
            self.all.names = []
        for item in list(self.all_items(value, previous)):
            if isinstance(item, AllRef):
                if item not in self.all.refs:
                    self.all.refs.append(item)
            elif item is None:
                self.all.exact = False
            else:
                self.all.names.append(item)

    def all_items(self, value: ast.expr, previous: _AllState) -> Iterator[str | AllRef | None]:
        """The strings, references to other modules' ``__all__`` and unknowns in an expression."""
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            for elt in value.elts:
                if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                    yield elt.value
                elif isinstance(elt, ast.Starred):
                    yield from self.all_items(elt.value, previous)
                else:
                    yield None
        elif isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
            yield from self.all_items(value.left, previous)
            yield from self.all_items(value.right, previous)
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("list", "tuple"):
            if len(value.args) == 1 and not value.keywords:
                yield from self.all_items(value.args[0], previous)
            else:
                yield None
        elif isinstance(value, (ast.Name, ast.Attribute)):
            dotted = self.qualify(value)
            if dotted == "__all__":  # __all__ = __all__ + [...]
                if previous.names is None:
                    yield None
                    return
                yield from previous.names
                yield from previous.refs
                if not previous.exact:
                    yield None
                return
            if dotted is not None and dotted.endswith(".__all__"):
                yield AllRef(dotted[: -len(".__all__")])
            else:
                yield None
        else:
            yield None

    # -- expressions: import_module / __import__ calls, walrus bindings ---------------

    def expressions(self, stmt: ast.stmt | ast.excepthandler, ctx: Context, nodes: Iterable[ast.AST]) -> None:
        """Search the expressions of one statement, on the lines that need it."""
        if not self.hot and not (self.walrus and ctx.scope == "module"):
            return
        first = stmt.lineno
        for decorator in getattr(stmt, "decorator_list", ()):  # decorators sit above the def line
            first = min(first, decorator.lineno)
        last = stmt.end_lineno or first
        check_calls = _any_between(self.hot, first, last)
        check_walrus = ctx.scope == "module" and _any_between(self.walrus, first, last)
        if not (check_calls or check_walrus):
            return
        stack: list[tuple[ast.AST, bool]] = [(node, False) for node in nodes]
        while stack:
            node, in_lambda = stack.pop()
            if check_calls and isinstance(node, ast.Call):
                self.call(node, ctx.with_scope("function") if in_lambda else ctx)
            elif check_walrus and isinstance(node, ast.NamedExpr) and not in_lambda:
                self.bind_target(node.target, ctx)
            nested = in_lambda or isinstance(node, ast.Lambda)
            stack.extend((child, nested) for child in ast.iter_child_nodes(node))

    def call(self, node: ast.Call, ctx: Context) -> None:
        via = _IMPORT_FUNCTIONS.get(self.qualify(node.func) or "")
        if via is None:
            return
        line = node.lineno
        col = self.columns(line, node.col_offset)
        arguments = _bind_arguments(node, _PARAMETERS.get(via, ("name", "package")))
        if arguments is None or "name" not in arguments:
            return
        name = literal_str(arguments["name"])
        if name is None:
            self.dynamic.append(DynamicImport(via, unparse(arguments["name"]), line, col, ctx))
            return
        names: tuple[ImportedName, ...] = ()
        if via == "__import__":
            level = _literal_int(arguments["level"]) if "level" in arguments else 0
            fromlist = arguments.get("fromlist")
            from_names = _literal_strs(fromlist) if fromlist is not None else ()
            if level is None or from_names is None:
                self.dynamic.append(DynamicImport(via, unparse(node), line, col, ctx))
                return
            names = tuple(ImportedName(n) for n in from_names)
            bare = name
        else:
            stripped = name.lstrip(".")
            level = len(name) - len(stripped)
            bare = stripped
            if level:
                package = arguments.get("package")
                base = self.package_argument(package) if package is not None else None
                if base is None:
                    self.dynamic.append(DynamicImport(via, unparse(node), line, col, ctx))
                    return
                importer, importer_is_package = base
                absolute, problem = resolve_relative(bare, level, importer, importer_is_package)
                if problem is not None:
                    message = f"import_module({name!r}) climbs above the package it is anchored to"
                    self.diagnostics.append(Diagnostic("DS020", message, self.path, line, col))
                self.records.append(new_record("call", absolute, name, level, line, col, ctx, via=via))
                return
        absolute = self.absolute(bare, level, line, col) if level else bare
        raw = "." * level + bare
        self.records.append(new_record("call", absolute, raw, level, line, col, ctx, names, via=via))

    def package_argument(self, node: ast.expr) -> tuple[str, bool] | None:
        """The anchor of ``import_module(".x", package=...)`` as (name, is_package)."""
        literal = literal_str(node)
        if literal is not None:
            return literal, True
        if isinstance(node, ast.Name) and node.id == "__name__":
            return self.module, True
        if isinstance(node, ast.Name) and node.id == "__package__":
            return self.package_name(), True
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            if isinstance(node.value, ast.Name) and node.value.id == "__spec__":
                return self.package_name(), True
        return None

    def package_name(self) -> str:
        return self.module if self.is_package else self.module.rpartition(".")[0]


_DISPATCH: dict[type[ast.AST], Callable[[_Walker, Any, Context], None]] = {
    ast.Import: _Walker.import_,
    ast.ImportFrom: _Walker.import_from,
    ast.FunctionDef: _Walker.s_function,
    ast.AsyncFunctionDef: _Walker.s_function,
    ast.ClassDef: _Walker.s_class,
    ast.If: _Walker.s_if,
    ast.Try: _Walker.try_,
    ast.With: _Walker.s_with,
    ast.AsyncWith: _Walker.s_with,
    ast.For: _Walker.s_for,
    ast.AsyncFor: _Walker.s_for,
    ast.While: _Walker.s_while,
    ast.Match: _Walker.s_match,
    ast.Assign: _Walker.s_assign,
    ast.AnnAssign: _Walker.s_annassign,
    ast.AugAssign: _Walker.s_augassign,
    ast.Expr: _Walker.s_expr,
    ast.Return: _Walker.s_return,
    ast.Break: _Walker.s_break,
    ast.Continue: _Walker.s_break,
    ast.Nonlocal: _Walker.s_nonlocal,
    ast.Delete: _Walker.s_other,
    ast.Raise: _Walker.s_other,
    ast.Assert: _Walker.s_other,
}
if hasattr(ast, "TryStar"):  # except* (3.11)
    _DISPATCH[ast.TryStar] = _Walker.try_
if hasattr(ast, "TypeAlias"):  # type X = ... (3.12)
    _DISPATCH[ast.TypeAlias] = _Walker.s_type_alias


# The names of the ``global`` statements (a function that rebinds a module-level constant).
_GLOBAL = re.compile(rb"\bglobal[ \t]+([\w \t,\\]+)")


def _raises(body: list[ast.stmt]) -> bool:
    """The block ends in a ``raise`` of its own (not inside an ``if``): the failure goes on."""
    return bool(body) and isinstance(body[-1], ast.Raise)


def _flag_test(test: ast.expr) -> tuple[str | None, bool]:
    """``if NAME:`` -> (NAME, False), ``if not NAME:`` -> (NAME, True); else (None, False)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name):
        return test.operand.id, True
    if isinstance(test, ast.Name):
        return test.id, False
    return None, False


_READ_ONLY = frozenset(
    {"dict", "list", "tuple", "set", "frozenset", "sorted", "len", "iter", "print", "repr", "str", "id"}
)
"""Builtins that only read the mapping they are given: ``globals()`` handed to one binds nothing."""


def _is_name(node: ast.expr, name: str) -> bool:
    return type(node) is ast.Name and node.id == name


def _is_globals_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "globals"


# A change of __all__ (a method that changes a list, +=, a subscript assigned or deleted, global).
_ALL_CHANGED = re.compile(
    rb"\b__all__\s*(?:\.\s*(?:append|extend|insert|remove|pop|clear|__iadd__)\b|\+=|\[[^\]\n]*\]\s*=(?!=))"
    rb"|\bdel\s+__all__\s*\[|\bglobal\b[^\n]*\b__all__\b"
)


def _skip_condition(argument: ast.expr, marker: str) -> ast.expr | None:
    """The condition of a skip marker as an expression: pytest's string form parsed (its names
    ``os``, ``sys``, ``platform`` are the modules), another constant not read."""
    if not isinstance(argument, ast.Constant):
        return argument
    if marker != "pytest.mark.skipif" or not isinstance(argument.value, str) or len(argument.value) > 500:
        return None
    try:
        return ast.parse(argument.value.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _regex_lines(source: bytes, pattern: re.Pattern[bytes]) -> list[int]:
    return _lines_of(source, [match.start() for match in pattern.finditer(source)])


def _is_future(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__" and not node.level


def _any_between(lines: list[int], first: int, last: int) -> bool:
    index = bisect.bisect_left(lines, first)
    return index < len(lines) and lines[index] <= last


def _bind_arguments(call: ast.Call, params: Sequence[str]) -> dict[str, ast.expr] | None:
    """Match a call's arguments to parameter names; None if they cannot be read."""
    bound: dict[str, ast.expr] = {}
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred) or index >= len(params):
            return None
        bound[params[index]] = arg
    for keyword in call.keywords:
        if keyword.arg is None or keyword.arg not in params:
            return None
        bound[keyword.arg] = keyword.value
    return bound


def literal_str(node: ast.expr) -> str | None:
    """A string written as a literal, or literals joined by ``+``; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = literal_str(node.left), literal_str(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def _literal_int(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _literal_strs(node: ast.expr) -> tuple[str, ...] | None:
    if isinstance(node, ast.Constant) and node.value is None:
        return ()
    if isinstance(node, (ast.List, ast.Tuple)):
        values = [literal_str(elt) for elt in node.elts]
        if all(value is not None for value in values):
            return tuple(value for value in values if value is not None)
    return None


def unparse(node: ast.AST) -> str:
    """An expression as Python source, for a message: at most 200 characters."""
    try:
        text = ast.unparse(node)
    except (ValueError, RecursionError, MemoryError):  # pragma: no cover - a parsed tree always unparses
        return "<expression>"
    return text if len(text) <= 200 else text[:197] + "..."
