"""Blind spots: what static import analysis cannot see in a module, and the native code it loads.

:func:`find_blindspots` is a pure function from one module's source bytes to
the list of constructs that make its imports unknowable without running it:
code run through ``exec``/``eval``/``compile``, changes of ``sys.path``,
``sys.meta_path``, ``sys.path_hooks`` and ``sys.modules``, a package's
``__path__`` changed by hand, native libraries loaded through ``ctypes`` or
``cffi``, and plugins loaded from entry points. It never raises on bad input:
a module that cannot be parsed has no blind spots to report (the extractor
reports why it cannot be parsed).

Names are resolved through the module's imports and simple assignments, scope
by scope as Python binds them (``import sys as _sys``, ``from sys import path
as p``, ``ffi = FFI()``, ``for ep in entry_points(): ep.load()``), so that a
local function named ``compile`` is not taken for the builtin. The scopes and
their bindings come from :mod:`depscan.extract.scopes`; what each node means is
looked up by its type in a table (``_CHECKS``), as in the extractor.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, get_args

from depscan.extract.scopes import Binding, Scope, ScopeTree, scope_tree
from depscan.extract.walker import parse, unparse
from depscan.source import Columns

__all__ = ["Blindspot", "BlindspotKind", "KINDS", "find_blindspots"]

BlindspotKind = Literal[
    "exec",
    "exec-literal",
    "sys-path",
    "meta-path",
    "path-hooks",
    "sys-modules",
    "package-path",
    "namespace-declaration",
    "native-library",
    "entry-points",
]
KINDS: tuple[BlindspotKind, ...] = get_args(BlindspotKind)


@dataclass(frozen=True, slots=True)
class Blindspot:
    """One construct of a module that static import analysis cannot see through.

    ``line`` and ``col`` are 1-based, ``col`` counted in characters.
    ``expression`` is the call or statement as Python source (at most 200
    characters); ``target`` the literal it names when there is one: the
    library of ``ctypes.CDLL("libc.so.6")``, the directory of
    ``sys.path.append("/opt/lib")``, the key of ``sys.modules["x"] = m``, the
    entry-point group, the code of ``exec("import x")``.
    """

    kind: BlindspotKind
    line: int
    col: int
    expression: str
    detail: str
    target: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "line": self.line,
            "col": self.col,
            "expression": self.expression,
            "detail": self.detail,
            "target": self.target,
        }


T = TypeVar("T")


def find_blindspots(source: bytes, module: str, path: str | None = None) -> list[Blindspot]:
    """The blind spots of one module's source, in the order they appear.

    ``module`` is the module's dotted name (``sys.modules[__name__]`` names
    it); ``path`` only labels the parse. Source that cannot be parsed (syntax
    errors, null bytes, undecodable bytes, a parser out of stack) gives ``[]``.
    """
    return read_source(source, module, path, lambda scopes: None)[0]


def read_source(
    source: bytes, module: str, path: str | None, also: Callable[[ScopeTree], T]
) -> tuple[list[Blindspot], T | None]:
    """:func:`find_blindspots`, and ``also`` of the module's scopes, from one parse (an audit asks
    both of every module: parsing and scoping each once is half its cost). None for ``also`` when
    the source cannot be read."""
    tree, _ = parse(source, path)
    if tree is None:
        return [], None
    try:
        finder = _Finder(source, module, tree)
        finder.run()
        more = also(finder.scopes)
    except (RecursionError, MemoryError):
        return [], None
    return sorted(finder.found, key=lambda spot: (spot.line, spot.col, spot.kind)), more


# --- what is looked for -------------------------------------------------------

_EXEC_FUNCTIONS = {"builtins.exec": "exec", "builtins.eval": "eval", "builtins.compile": "compile"}
_ONLY_AST_FLAGS = frozenset({"ast.PyCF_ONLY_AST", "_ast.PyCF_ONLY_AST"})
_PYCF_ONLY_AST = 0x400

# The lists and dicts of the import system, and the kind their changes get.
_LISTS: dict[str, BlindspotKind] = {
    "sys.path": "sys-path",
    "sys.meta_path": "meta-path",
    "sys.path_hooks": "path-hooks",
}
_DICTS: dict[str, BlindspotKind] = {
    "sys.modules": "sys-modules",
    "sys.path_importer_cache": "path-hooks",
}
_WATCHED: dict[str, BlindspotKind] = {**_LISTS, **_DICTS}
_LIST_MUTATORS = frozenset({"append", "insert", "extend", "remove", "pop", "clear", "sort", "reverse"})
_LIST_MUTATORS |= {"__setitem__", "__delitem__", "__iadd__"}
_DICT_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__", "__ior__"})
# Argument (position, keyword) holding the path or key a mutation names.
_MUTATION_TARGET: dict[str, tuple[int, str | None]] = {
    "append": (0, None),
    "remove": (0, None),
    "insert": (1, None),
    "setdefault": (0, None),
    "pop": (0, None),
    "__setitem__": (0, None),
    "__delitem__": (0, None),
}
_SITE_FUNCTIONS = frozenset({"site.addsitedir"})

_NATIVE_CALLS: dict[str, str] = {
    "ctypes.CDLL": "ctypes.CDLL",
    "ctypes.PyDLL": "ctypes.PyDLL",
    "ctypes.WinDLL": "ctypes.WinDLL",
    "ctypes.OleDLL": "ctypes.OleDLL",
    "ctypes.cdll.LoadLibrary": "ctypes.cdll.LoadLibrary",
    "ctypes.pydll.LoadLibrary": "ctypes.pydll.LoadLibrary",
    "ctypes.windll.LoadLibrary": "ctypes.windll.LoadLibrary",
    "ctypes.oledll.LoadLibrary": "ctypes.oledll.LoadLibrary",
    "ctypes.util.find_library": "ctypes.util.find_library",
    "_ctypes.dlopen": "_ctypes.dlopen",
    "_ctypes.LoadLibrary": "_ctypes.LoadLibrary",
}
_FIND_LIBRARY = "ctypes.util.find_library"
_LOADERS = frozenset({"ctypes.cdll", "ctypes.pydll", "ctypes.windll", "ctypes.oledll"})
_FFI_CLASSES = frozenset({"cffi.FFI", "cffi.api.FFI"})

# Functions reported as entry-point lookups, with the (position, keyword) of their group.
_ENTRY_FUNCTIONS: dict[str, tuple[int | None, str]] = {
    "pkg_resources.iter_entry_points": (0, "group"),
    "pkg_resources.load_entry_point": (1, "group"),
    "pkg_resources.get_entry_map": (1, "group"),
    "pkg_resources.get_entry_info": (1, "group"),
    "pkg_resources.EntryPoint.parse": (0, "src"),
    "importlib.metadata.entry_points": (None, "group"),
    "importlib_metadata.entry_points": (None, "group"),
    "importlib.metadata.EntryPoint": (1, "value"),
    "importlib_metadata.EntryPoint": (1, "value"),
}
# Those whose result is an entry point or a collection of them (load_entry_point loads at once).
_ENTRY_SOURCES = frozenset(_ENTRY_FUNCTIONS) - {"pkg_resources.load_entry_point"}
_LOAD_METHODS = frozenset({"load", "resolve"})
_ENTRY = "@entry-point"  # what a name bound to entry points resolves to
_FFI = "@ffi"  # what a name bound to a cffi.FFI() instance resolves to
# Builtins through which entry points pass unchanged: sorted(entry_points(...)).
_WRAPPERS = frozenset({"builtins.next", "builtins.iter", "builtins.list", "builtins.tuple", "builtins.sorted"})
_WRAPPERS |= {"builtins.set", "builtins.frozenset", "builtins.reversed"}

_NAMESPACE_FUNCTIONS = frozenset({"pkg_resources.declare_namespace"})
_EXTEND_PATH = "pkgutil.extend_path"  # a namespace declaration when assigned to __path__
_IMPORT_CALLS = frozenset({"builtins.__import__", "importlib.__import__", "importlib.import_module"})
# Builtins that matter here; other unbound names resolve to nothing.
_BUILTINS = frozenset(
    {"exec", "eval", "compile", "__import__", "setattr", "next", "iter", "list", "tuple", "sorted", "set"}
    | {"frozenset", "reversed"}
)
# Modules whose ``from m import *`` hides one of those builtins.
_STAR_SHADOWS = {"re": {"compile"}, "regex": {"compile"}, "sre_compile": {"compile"}, "py_compile": {"compile"}}


def _prefixes(names: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for name in names:
        parts = name.split(".")
        out.update(".".join(parts[: index + 1]) for index in range(len(parts)))
    return frozenset(out)


# The dotted names a ``from m import *`` may bring in that matter here.
_KNOWN = _prefixes(
    [
        *(f"{name}.{method}" for name in _WATCHED for method in _LIST_MUTATORS | _DICT_MUTATORS),
        *_SITE_FUNCTIONS,
        *_NATIVE_CALLS,
        *_LOADERS,
        *_FFI_CLASSES,
        *_ENTRY_FUNCTIONS,
        *_NAMESPACE_FUNCTIONS,
        _EXTEND_PATH,
        *_IMPORT_CALLS,
        *_ONLY_AST_FLAGS,
    ]
)


# --- the finder -----------------------------------------------------------------


class _Finder:
    def __init__(self, source: bytes, module: str, tree: ast.Module) -> None:
        self.module = module
        self.scopes = scope_tree(tree, module)
        self.top = self.scopes.top
        self.columns = Columns(source)
        self.found: list[Blindspot] = []
        self.consumed: set[int] = set()  # ids of calls already reported as part of an outer one
        self.resolved: dict[int, str | None] = {}
        self.values: dict[tuple[int, str], str | None] = {}  # (id of a scope, name) -> what the name stands for
        self.resolving: set[tuple[int, str]] = set()
        self.imports_cffi = any(m == "cffi" or m.startswith("cffi.") for m in self.scopes.modules_imported)

    def run(self) -> None:
        checks = _CHECKS
        for node, scope in self.scopes.nodes():
            check = checks.get(type(node))
            if check is None:
                continue
            try:
                check(self, node, scope)
            except RecursionError:  # a chain too long to resolve; its parts are still visited
                pass

    # -- bindings

    def _lookup(self, name: str, scope: Scope) -> str | None:
        owner = scope.owner(name)
        if owner is None:
            if name == "__builtins__":
                return "builtins"
            for star in self.top.stars:
                candidate = f"{star}.{name}"
                if candidate in _KNOWN:
                    return candidate
            if name in _BUILTINS and not any(name in _STAR_SHADOWS.get(star, ()) for star in self.top.stars):
                return f"builtins.{name}"
            return None
        key = (id(owner), name)
        if key in self.values:
            return self.values[key]
        if key in self.resolving:
            return None
        self.resolving.add(key)
        try:
            value = self._binding_value(owner.bindings[name])
        finally:
            self.resolving.discard(key)
        self.values[key] = value
        return value

    def _binding_value(self, bindings: list[Binding]) -> str | None:
        """Imports win (``except ImportError: name = None`` is a fallback), then definitions; others must agree."""
        for kind in ("import", "definition"):
            for binding in bindings:
                if binding.kind == kind:
                    return binding.name
        values: set[str | None] = set()
        for binding in bindings:
            if binding.kind == "other" or binding.expr is None or binding.scope is None:
                return None
            value = self._resolve(binding.expr, binding.scope)
            if binding.kind == "element":
                value = _ENTRY if value == _ENTRY else None
            values.add(value)
            if None in values or len(values) > 1:
                return None
        return values.pop() if values else None

    def _resolve(self, node: ast.AST, scope: Scope) -> str | None:
        """The dotted name an expression stands for (``sys.path``), a marker (entry points, FFI), or None."""
        key = id(node)
        if key in self.resolved:
            return self.resolved[key]
        value = self._resolve_uncached(node, scope)
        self.resolved[key] = value
        return value

    def _resolve_uncached(self, node: ast.AST, scope: Scope) -> str | None:
        resolve = _RESOLVERS.get(type(node))
        return None if resolve is None else resolve(self, node, scope)

    def _resolve_name(self, node: ast.Name, scope: Scope) -> str | None:
        return self._lookup(node.id, scope)

    def _resolve_attribute(self, node: ast.Attribute, scope: Scope) -> str | None:
        base = self._resolve(node.value, scope)
        return None if base is None else f"{base}.{node.attr}"

    def _resolve_subscript(self, node: ast.Subscript, scope: Scope) -> str | None:
        return _ENTRY if self._resolve(node.value, scope) == _ENTRY else None

    def _resolve_walrus(self, node: ast.NamedExpr, scope: Scope) -> str | None:
        return self._resolve(node.value, scope)

    def _resolve_call(self, node: ast.Call, scope: Scope) -> str | None:
        function = self._resolve(node.func, scope)
        if function is None:
            return None
        if function in _FFI_CLASSES:
            return _FFI
        if function in _ENTRY_SOURCES:
            return _ENTRY
        if function.startswith(_ENTRY + ".") and function.rpartition(".")[2] not in _LOAD_METHODS:
            return _ENTRY  # entry_points().select(...), .get(...)
        if function in _WRAPPERS and node.args:
            return _ENTRY if self._resolve(node.args[0], scope) == _ENTRY else None
        if function in _IMPORT_CALLS:
            name = self._literal(_argument(node, 0, "name"), scope)
            if name is None:
                return None
            if function == "importlib.import_module" or _argument(node, 3, "fromlist") is not None:
                return name
            return name.partition(".")[0]
        return None

    def _literal(self, node: ast.AST | None, scope: Scope) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._literal(node.left, scope), self._literal(node.right, scope)
            if left is not None and right is not None:
                return left + right
        if isinstance(node, ast.Name) and node.id == "__name__" and scope.owner("__name__") is None:
            return self.module
        return None

    # -- checks

    # One method per node type worth a look, found through _CHECKS.

    def _call(self, node: ast.Call, scope: Scope) -> None:
        if id(node) not in self.consumed:
            self._check_call(node, scope)

    def _assign(self, node: ast.Assign, scope: Scope) -> None:
        for target in _flatten(node.targets):
            self._check_target(target, node, scope, "assign", node.value)

    def _annotated(self, node: ast.AnnAssign, scope: Scope) -> None:
        if node.value is not None:
            self._check_target(node.target, node, scope, "assign", node.value)

    def _augment(self, node: ast.AugAssign, scope: Scope) -> None:
        self._check_target(node.target, node, scope, "augment", node.value)

    def _delete(self, node: ast.Delete, scope: Scope) -> None:
        for target in _flatten(node.targets):
            self._check_target(target, node, scope, "delete", None)

    def _load(self, node: ast.Attribute | ast.Subscript, scope: Scope) -> None:
        if isinstance(node.ctx, ast.Load):
            self._check_loader(node, scope)

    def _report(self, kind: BlindspotKind, node: ast.expr | ast.stmt, detail: str, target: str | None = None) -> None:
        col = self.columns(node.lineno, node.col_offset)
        self.found.append(Blindspot(kind, node.lineno, col, unparse(node), detail, target))

    def _check_call(self, node: ast.Call, scope: Scope) -> None:
        function = self._resolve(node.func, scope)
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if function is None:
            if method == "dlopen" and self.imports_cffi:
                self._report_native(node, scope, "cffi's FFI.dlopen")
            elif method in _LIST_MUTATORS and self._is_package_path(receiver, scope):
                self._report_package_path(node, f"__path__.{method}()")
            return
        base = function.rpartition(".")[0]
        if function in _EXEC_FUNCTIONS:
            self._check_exec(node, _EXEC_FUNCTIONS[function], scope)
        elif function == "builtins.setattr":
            self._check_setattr(node, scope)
        elif method in _LIST_MUTATORS and base in _LISTS:
            self._report_mutation(_LISTS[base], node, base, method, scope)
        elif method in _DICT_MUTATORS and base in _DICTS:
            self._report_mutation(_DICTS[base], node, base, method, scope)
        elif function in _SITE_FUNCTIONS:
            target = self._literal(_argument(node, 0, "sitedir"), scope)
            self._report("sys-path", node, f"{function}() adds a directory and its .pth files to sys.path", target)
        elif function in _NATIVE_CALLS:
            self._report_native(node, scope, _NATIVE_CALLS[function])
        elif function == _FFI + ".dlopen" or (method == "dlopen" and self.imports_cffi):
            self._report_native(node, scope, "cffi's FFI.dlopen")
        elif function in _NAMESPACE_FUNCTIONS:
            self._report(
                "namespace-declaration",
                node,
                f"{function}() makes {self.module} a legacy namespace package: its __path__ is built at run time",
            )
        elif function in _ENTRY_FUNCTIONS or function.startswith(_ENTRY + "."):
            self._check_entry_points(node, function, scope)
        elif method in _LIST_MUTATORS and self._is_package_path(receiver, scope):
            self._report_package_path(node, f"__path__.{method}()")

    def _check_exec(self, node: ast.Call, name: str, scope: Scope) -> None:
        code = _argument(node, 0, "source" if name == "compile" else None)
        if code is None:
            return
        if name == "compile" and self._only_ast(node, scope):
            return  # compile(..., flags=ast.PyCF_ONLY_AST) parses; nothing runs
        if isinstance(code, ast.Call) and self._resolve(code.func, scope) == "builtins.compile":
            self.consumed.add(id(code))  # exec(compile(src, ...)) is one execution
            inner = _argument(code, 0, "source")
            code = inner if inner is not None else code
        literal = self._code_literal(code, scope)
        if literal is None:
            detail = f"{name}() runs code made at run time: the imports it makes cannot be seen"
            self._report("exec", node, detail)
        else:
            detail = f"{name}() runs code given as a string literal: its imports are not analysed"
            self._report("exec-literal", node, detail, literal)

    def _code_literal(self, node: ast.expr, scope: Scope) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            return node.value.decode("utf-8", "replace")
        if isinstance(node, ast.Name):
            return None  # a variable, even one holding a literal somewhere, is run-time code
        return self._literal(node, scope)

    def _only_ast(self, node: ast.Call, scope: Scope) -> bool:
        flags = _argument(node, 3, "flags")
        pending: list[tuple[ast.expr, Scope]] = [] if flags is None else [(flags, scope)]
        seen: set[int] = set()
        while pending:
            flag, where = pending.pop()
            if id(flag) in seen:
                continue
            seen.add(id(flag))
            if isinstance(flag, ast.BinOp) and isinstance(flag.op, ast.BitOr):
                pending.extend([(flag.left, where), (flag.right, where)])
            elif _has_only_ast(flag) or self._resolve(flag, where) in _ONLY_AST_FLAGS:
                return True
            elif isinstance(flag, ast.Name) and (owner := where.owner(flag.id)) is not None:
                # flags = PyCF_ONLY_AST; flags |= ...: a binding that sets the flag
                for binding in owner.bindings[flag.id]:
                    if binding.kind == "alias" and binding.expr is not None and binding.scope is not None:
                        pending.append((binding.expr, binding.scope))
        return False

    def _check_setattr(self, node: ast.Call, scope: Scope) -> None:
        if len(node.args) < 2 or self._resolve(node.args[0], scope) != "sys":
            return
        attribute = self._literal(node.args[1], scope)
        name = f"sys.{attribute}"
        if name in _WATCHED:
            self._report(_WATCHED[name], node, f"replaces {name} through setattr()")

    def _report_mutation(self, kind: BlindspotKind, node: ast.Call, name: str, method: str, scope: Scope) -> None:
        position, keyword = _MUTATION_TARGET.get(method, (None, None))
        target = None if position is None else self._literal(_argument(node, position, keyword), scope)
        self._report(kind, node, _changes(name, f"{method}()"), target)

    def _report_native(self, node: ast.Call, scope: Scope, via: str) -> None:
        target = self._literal(_argument(node, 0, "name"), scope)
        if via == _FIND_LIBRARY:
            detail = f"looks a native library up by name ({via}), to load it"
        else:
            what = f"the native library {target!r}" if target else "a native library"
            detail = f"loads {what} ({via}): native code depscan cannot see into"
        self._report("native-library", node, detail, target)

    def _check_loader(self, node: ast.Attribute | ast.Subscript, scope: Scope) -> None:
        base = self._resolve(node.value, scope)
        if base not in _LOADERS:
            return
        if isinstance(node, ast.Attribute):
            if node.attr == "LoadLibrary" or node.attr.startswith("_"):
                return
            target: str | None = node.attr
        else:
            target = self._literal(node.slice, scope)
        what = f"the native library {target!r}" if target else "a native library"
        self._report("native-library", node, f"loads {what} ({base}): native code depscan cannot see into", target)

    def _check_entry_points(self, node: ast.Call, function: str, scope: Scope) -> None:
        chain = self._chain_calls(node, scope)
        direct = [call for call in chain if self._resolve(call.func, scope) in _ENTRY_FUNCTIONS]
        loads = function.startswith(_ENTRY + ".") and function.rpartition(".")[2] in _LOAD_METHODS
        if function not in _ENTRY_FUNCTIONS and not loads and not direct:
            return  # eps.select(...) on a name: the entry_points() call that bound it is reported
        self.consumed.update(id(call) for call in chain)
        target = None
        for call in [node, *chain]:
            called = self._resolve(call.func, scope)
            position, keyword = _ENTRY_FUNCTIONS.get(called or "", (None, "group"))
            value = self._literal(_argument(call, position, keyword), scope)
            if value is not None:
                target = value
                break
        if loads:
            detail = "loads an entry point: imports a module named in installed distributions' metadata"
        else:
            shown = function if function in _ENTRY_FUNCTIONS else "entry points"
            detail = f"{shown}: plugins named in installed distributions' metadata are imported at run time"
        self._report("entry-points", node, detail, target)

    def _chain_calls(self, node: ast.Call, scope: Scope) -> list[ast.Call]:
        """The calls a method chain is built on: ``entry_points()`` in ``entry_points().select()[0].load()``."""
        calls: list[ast.Call] = []
        current: ast.expr = node.func
        while True:
            if isinstance(current, (ast.Attribute, ast.Subscript)):
                current = current.value
            elif isinstance(current, ast.Call):
                calls.append(current)
                wrapped = self._resolve(current.func, scope) in _WRAPPERS and current.args
                current = current.args[0] if wrapped else current.func
            else:
                return calls

    def _check_target(
        self, target: ast.expr, statement: ast.stmt, scope: Scope, mode: str, value: ast.expr | None
    ) -> None:
        if isinstance(target, ast.Attribute):
            name = self._resolve(target, scope)
            if name in _WATCHED:
                how = {"assign": "replaced", "augment": "extended in place", "delete": "deleted"}[mode]
                self._report(_WATCHED[name], statement, _changes(name, how))
        elif isinstance(target, ast.Subscript):
            name = self._resolve(target.value, scope)
            if name in _WATCHED:
                key = self._literal(target.slice, scope) if name in _DICTS else None
                how = "an item deleted" if mode == "delete" else "an item set"
                self._report(_WATCHED[name], statement, _changes(name, how), key)
            elif self._is_package_path(target.value, scope):
                self._report_package_path(statement, "__path__[...]")
        elif isinstance(target, ast.Name):
            if target.id == "__path__" and self._is_package_path(target, scope):
                if mode == "assign" and self._is_extend_path(value, scope):
                    self._report(
                        "namespace-declaration",
                        statement,
                        f"pkgutil.extend_path() makes {self.module} a legacy namespace package: "
                        "its __path__ is built at run time",
                    )
                elif mode != "delete":
                    self._report_package_path(statement, "__path__ " + ("+=" if mode == "augment" else "="))
            elif mode == "augment":
                name = self._resolve(target, scope)
                if name in _WATCHED:  # p += [...] with p = sys.path: the list itself grows
                    self._report(_WATCHED[name], statement, _changes(name, "extended in place"))

    def _is_package_path(self, node: ast.expr | None, scope: Scope) -> bool:
        if not isinstance(node, ast.Name) or node.id != "__path__":
            return False
        owner = scope.owner("__path__")
        return owner is None or owner is self.top

    def _is_extend_path(self, value: ast.expr | None, scope: Scope) -> bool:
        return isinstance(value, ast.Call) and self._resolve(value.func, scope) == _EXTEND_PATH

    def _report_package_path(self, node: ast.expr | ast.stmt, how: str) -> None:
        detail = f"changes {self.module}.__path__ ({how}): its submodules may be found anywhere"
        self._report("package-path", node, detail)


_CHECKS: dict[type[ast.AST], Callable[[_Finder, Any, Scope], None]] = {
    ast.Call: _Finder._call,
    ast.Assign: _Finder._assign,
    ast.AnnAssign: _Finder._annotated,
    ast.AugAssign: _Finder._augment,
    ast.Delete: _Finder._delete,
    ast.Attribute: _Finder._load,
    ast.Subscript: _Finder._load,
}

# What an expression names (a module, a function of one, an entry point, an FFI library), by node type.
_RESOLVERS: dict[type[ast.AST], Callable[[_Finder, Any, Scope], str | None]] = {
    ast.Name: _Finder._resolve_name,
    ast.Attribute: _Finder._resolve_attribute,
    ast.Subscript: _Finder._resolve_subscript,
    ast.NamedExpr: _Finder._resolve_walrus,
    ast.Call: _Finder._resolve_call,
}


def _changes(name: str, how: str) -> str:
    effect = {
        "sys.path": "imports after this may find other modules",
        "sys.meta_path": "an import finder depscan cannot model",
        "sys.path_hooks": "an importer for path entries depscan cannot model",
        "sys.path_importer_cache": "the importers of path entries are changed",
        "sys.modules": "imports of those names get whatever is stored there",
    }[name]
    return f"changes {name} ({how}): {effect}"


def _argument(call: ast.Call, position: int | None, keyword: str | None) -> ast.expr | None:
    """The argument at ``position`` or named ``keyword``; None when absent or behind ``*args``."""
    if position is not None:
        for index, arg in enumerate(call.args):
            if isinstance(arg, ast.Starred):
                return arg if index <= position else None
            if index == position:
                return arg
    if keyword is not None:
        for item in call.keywords:
            if item.arg == keyword:
                return item.value
    return None


def _has_only_ast(flag: ast.expr) -> bool:
    return isinstance(flag, ast.Constant) and type(flag.value) is int and bool(flag.value & _PYCF_ONLY_AST)


def _flatten(targets: Iterable[ast.expr]) -> list[ast.expr]:
    out: list[ast.expr] = []
    pending = list(targets)
    while pending:
        target = pending.pop()
        if isinstance(target, (ast.Tuple, ast.List)):
            pending.extend(target.elts)
        elif isinstance(target, ast.Starred):
            pending.append(target.value)
        else:
            out.append(target)
    return out
