"""Python's scopes over a module's syntax tree: what each scope binds, and what a name refers to.

:func:`scope_tree` collects the names each scope binds, scope by scope as Python binds them: a
function's parameters and locals, a class body's names (which its methods do not see), the
comprehensions' own scopes, ``global`` and ``nonlocal``. :meth:`ScopeTree.nodes` then visits every
node of the module once, with the scope it is evaluated in, so that a reader can ask
:meth:`Scope.owner` which binding a name refers to: a parameter or local named ``os`` in a function
is not the module ``os`` imported at the top. The blind-spot finder
(:mod:`depscan.extract.blindspots`) and the audit's attribute uses read modules through it.

As in the extractor (:mod:`depscan.extract.walker`), what a node means is looked up by its type in
a table (``_BINDERS``, ``_PARTS``), not found by a chain of ``isinstance`` tests. The tree is
walked with explicit stacks, never by recursion, so a deeply nested module costs no stack.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Binding", "BindingKind", "Scope", "ScopeTree", "scope_tree"]

BindingKind = Literal["import", "definition", "alias", "element", "other"]


@dataclass(frozen=True, slots=True)
class Binding:
    """How a name is bound: ``import`` (``name`` is the dotted name imported),
    ``definition`` (a top-level ``def`` or ``class``: ``name`` is the module's
    dotted name plus its own), ``alias`` (``name = expr``), ``element`` (``for
    name in expr``) or ``other``."""

    kind: BindingKind
    name: str | None = None
    expr: ast.expr | None = None
    scope: Scope | None = None  # where ``expr`` is evaluated


@dataclass(eq=False, slots=True)
class Scope:
    """One scope: the module, a class body, a function, a lambda or a comprehension."""

    node: ast.AST
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    stars: list[str] = field(default_factory=list)  # modules of `from m import *` here

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, ast.ClassDef)

    @property
    def top(self) -> Scope:
        """The module's scope."""
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def owner(self, name: str) -> Scope | None:
        """The scope whose binding ``name`` refers to from here; None for a builtin or unbound name.

        Enclosing class bodies are passed over, as Python does for the functions inside them.
        """
        current: Scope | None = self
        while current is not None:
            if name in current.globals:
                top = self.top
                return top if name in top.bindings else None
            if (current is self or not current.is_class) and name in current.bindings:
                return current
            current = current.parent
        return None

    def imported(self, name: str) -> str | None:
        """The module ``name`` stands for here when an import binds it (``import os as o``: ``os``).

        Imports win over the scope's other bindings of the name (``except ImportError: os = None``
        is a fallback), as in :mod:`depscan.extract.blindspots`.
        """
        owner = self.owner(name)
        if owner is None:
            return None
        return next((b.name for b in owner.bindings[name] if b.kind == "import"), None)


@dataclass(slots=True)
class ScopeTree:
    """The scopes of one module, and the modules its import statements name."""

    tree: ast.Module
    top: Scope
    made_by: dict[int, Scope]  # id of a def, class, lambda or comprehension -> the scope it makes
    modules_imported: set[str]  # as written: `import a.b` -> a.b, `from a import b` -> a (absolute only)

    def names_importing(self, modules: Collection[str]) -> set[str]:
        """The names an import binds to one of ``modules``, in any scope."""
        return {
            name
            for scope in (self.top, *self.made_by.values())
            for name, bindings in scope.bindings.items()
            if any(binding.kind == "import" and binding.name in modules for binding in bindings)
        }

    def nodes(self) -> Iterator[tuple[ast.AST, Scope]]:
        """Every node of the module (depth first), with the scope it is evaluated in.

        A function's defaults, decorators and annotations are evaluated where it is defined;
        its body in its own scope. Comprehensions likewise: the first iterable outside.
        """
        stack: list[tuple[ast.AST, Scope]] = [(node, self.top) for node in self.tree.body]
        while stack:
            node, scope = stack.pop()
            yield node, scope
            parts = _PARTS.get(type(node))
            if parts is None:
                stack.extend((child, scope) for child in _children(node))
                continue
            outer, inner = parts(node)
            own = self.made_by[id(node)]
            stack.extend((part, scope) for part in outer)
            stack.extend((part, own) for part in inner)


_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _children(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes``, in the same order, but for the ``ctx`` of names and attributes (a
    ``Load()`` or ``Store()`` node that says nothing a scope needs: a third of the nodes visited)."""
    fields = _FIELDS.get(type(node))
    if fields is None:
        fields = _FIELDS[type(node)] = tuple(name for name in node._fields if name != "ctx")
    found: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            found.append(value)
        elif type(value) is list:
            found += [item for item in value if isinstance(item, ast.AST)]
    return found


def scope_tree(tree: ast.Module, module: str) -> ScopeTree:
    """The scopes of ``tree``, with their bindings; ``module`` names its top-level definitions."""
    top = Scope(tree, None)
    found = ScopeTree(tree, top, {}, set())
    pending: list[tuple[Scope, Iterable[ast.AST]]] = [(top, tree.body)]
    while pending:
        scope, parts = pending.pop()
        collector = _Collector(scope, module, found)
        collector.run(parts)
        pending.extend(collector.nested)
    return found


# --- the parts of a scope-making node --------------------------------------------------------------

_Parts = tuple[list[ast.AST], list[ast.AST]]


def _function_parts(node: ast.FunctionDef | ast.AsyncFunctionDef) -> _Parts:
    args = node.args
    outer: list[ast.AST] = [*_defaults(args), *node.decorator_list]
    outer.extend(arg.annotation for arg in _arguments(args) if arg.annotation is not None)
    if node.returns is not None:
        outer.append(node.returns)
    return outer, list(node.body)


def _lambda_parts(node: ast.Lambda) -> _Parts:
    return list(_defaults(node.args)), [node.body]


def _class_parts(node: ast.ClassDef) -> _Parts:
    return [*node.decorator_list, *node.bases, *node.keywords], list(node.body)


def _comprehension_parts(node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> _Parts:
    first, *rest = node.generators
    inner: list[ast.AST] = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
    inner.extend([first.target, *first.ifs])
    for generator in rest:
        inner.extend([generator.target, generator.iter, *generator.ifs])
    return [first.iter], inner


def _defaults(args: ast.arguments) -> Iterator[ast.expr]:
    yield from args.defaults
    yield from (default for default in args.kw_defaults if default is not None)


def _arguments(args: ast.arguments) -> list[ast.arg]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every.extend(arg for arg in (args.vararg, args.kwarg) if arg is not None)
    return every


# The nodes that make a scope, and how each splits into the parts evaluated outside and inside it.
_PARTS: dict[type[ast.AST], Callable[[Any], _Parts]] = {
    ast.FunctionDef: _function_parts,
    ast.AsyncFunctionDef: _function_parts,
    ast.Lambda: _lambda_parts,
    ast.ClassDef: _class_parts,
    ast.ListComp: _comprehension_parts,
    ast.SetComp: _comprehension_parts,
    ast.GeneratorExp: _comprehension_parts,
    ast.DictComp: _comprehension_parts,
}


# --- collecting one scope's bindings ---------------------------------------------------------------


class _Collector:
    """Records every name one scope binds, without entering the scopes nested in it."""

    def __init__(self, scope: Scope, module: str, found: ScopeTree) -> None:
        self.scope = scope
        self.module = module
        self.found = found
        self.handled: set[int] = set()  # ids of Name targets bound already, with more than "other"
        self.not_local: set[str] = set()
        self.nested: list[tuple[Scope, list[ast.AST]]] = []

    def run(self, parts: Iterable[ast.AST]) -> None:
        opening = _OPENERS.get(type(self.scope.node))
        if opening is not None:
            opening(self, self.scope.node)
        binders = _BINDERS
        stack = list(parts)
        while stack:
            item = stack.pop()
            binder = binders.get(type(item))
            if binder is not None:
                binder(self, item)
            parts_of = _PARTS.get(type(item))
            if parts_of is None:
                stack.extend(_children(item))
                continue
            outer, inner = parts_of(item)
            own = Scope(item, self.scope)
            self.found.made_by[id(item)] = own
            self.nested.append((own, inner))
            stack.extend(outer)
        top = self.found.top
        for name in self.not_local:  # `global x; x = ...` in a function binds the module's x
            bindings = self.scope.bindings.pop(name, [])
            if name in self.scope.globals and self.scope is not top:
                top.bindings.setdefault(name, []).extend(bindings)

    # What a scope binds before its body runs: parameters, a comprehension's targets.

    def parameters(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        for arg in _arguments(node.args):
            self.scope.bind(arg.arg, Binding("other"))

    def generators(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        for index, generator in enumerate(node.generators):
            if isinstance(generator.target, ast.Name):
                where = self.scope.parent if index == 0 else self.scope  # the first iterable is outside
                self.scope.bind(generator.target.id, Binding("element", expr=generator.iter, scope=where))
                self.handled.add(id(generator.target))

    # One method per binding statement or expression, found through _BINDERS.

    def definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        # ctypes' own ``class PyDLL`` is ctypes.PyDLL
        if self.scope.parent is None:
            self.scope.bind(node.name, Binding("definition", f"{self.module}.{node.name}"))
        else:
            self.scope.bind(node.name, Binding("other"))

    def import_(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.modules_imported.add(alias.name)
            if alias.asname:
                self.scope.bind(alias.asname, Binding("import", alias.name))
            else:
                top = alias.name.partition(".")[0]
                self.scope.bind(top, Binding("import", top))

    def import_from(self, node: ast.ImportFrom) -> None:
        absolute = node.module if node.level == 0 and node.module else None
        if absolute is not None:
            self.found.modules_imported.add(absolute)
        for alias in node.names:
            if alias.name == "*":
                if absolute is not None:
                    self.scope.stars.append(absolute)
            elif absolute is not None:
                self.scope.bind(alias.asname or alias.name, Binding("import", f"{absolute}.{alias.name}"))
            else:
                self.scope.bind(alias.asname or alias.name, Binding("other"))

    def global_(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)
        self.not_local.update(node.names)

    def nonlocal_(self, node: ast.Nonlocal) -> None:
        self.not_local.update(node.names)

    def assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.alias(target, node.value)

    def annotated(self, node: ast.AnnAssign | ast.NamedExpr) -> None:
        if node.value is not None:
            self.alias(node.target, node.value)

    def alias(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.scope.bind(target.id, Binding("alias", expr=value, scope=self.scope))
            self.handled.add(id(target))

    def loop(self, node: ast.For | ast.AsyncFor) -> None:
        if isinstance(node.target, ast.Name):
            self.scope.bind(node.target.id, Binding("element", expr=node.iter, scope=self.scope))
            self.handled.add(id(node.target))

    def named(self, node: ast.ExceptHandler | ast.MatchAs | ast.MatchStar) -> None:
        if node.name:
            self.scope.bind(node.name, Binding("other"))

    def mapping_rest(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.scope.bind(node.rest, Binding("other"))

    def name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load) and id(node) not in self.handled:
            self.scope.bind(node.id, Binding("other"))


_OPENERS: dict[type[ast.AST], Callable[[_Collector, Any], None]] = {
    ast.FunctionDef: _Collector.parameters,
    ast.AsyncFunctionDef: _Collector.parameters,
    ast.Lambda: _Collector.parameters,
    ast.ListComp: _Collector.generators,
    ast.SetComp: _Collector.generators,
    ast.GeneratorExp: _Collector.generators,
    ast.DictComp: _Collector.generators,
}

_BINDERS: dict[type[ast.AST], Callable[[_Collector, Any], None]] = {
    ast.FunctionDef: _Collector.definition,
    ast.AsyncFunctionDef: _Collector.definition,
    ast.ClassDef: _Collector.definition,
    ast.Import: _Collector.import_,
    ast.ImportFrom: _Collector.import_from,
    ast.Global: _Collector.global_,
    ast.Nonlocal: _Collector.nonlocal_,
    ast.Assign: _Collector.assign,
    ast.AnnAssign: _Collector.annotated,
    ast.NamedExpr: _Collector.annotated,
    ast.For: _Collector.loop,
    ast.AsyncFor: _Collector.loop,
    ast.ExceptHandler: _Collector.named,
    ast.MatchAs: _Collector.named,
    ast.MatchStar: _Collector.named,
    ast.MatchMapping: _Collector.mapping_rest,
    ast.Name: _Collector.name,
}
