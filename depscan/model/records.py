"""The extractor's results: import records, dynamic imports, module facts, diagnostics.

Every class here is a frozen dataclass with a ``to_json`` method giving the
JSON form documented in the README; the JSON field names are a contract.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from depscan.model.conditions import Condition, Target
from depscan.model.diagnostics import Diagnostic as Diagnostic  # re-exported: the model of every layer
from depscan.model.frozen import by_fields

Scope = Literal["module", "class", "function"]
Kind = Literal["import", "from", "star", "future", "call"]
TryRole = Literal["body", "handler"]


@by_fields
@dataclass(frozen=True, slots=True)
class ImportedName:
    """One name of ``from x import name as asname``."""

    name: str
    asname: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "asname": self.asname}


_SHARED_NAMES: dict[tuple[tuple[str, str | None], ...], tuple[ImportedName, ...]] = {}


def imported_names(pairs: tuple[tuple[str, str | None], ...]) -> tuple[ImportedName, ...]:
    """The names of a ``from`` import as (name, asname) pairs, made once per process and shared:
    a large tree imports the same few names thousands of times (a tenth of what its
    extractions hold in memory). They are immutable, so sharing them changes nothing else."""
    names = _SHARED_NAMES.get(pairs)
    if names is None:
        if len(_SHARED_NAMES) >= 200_000:  # bounded, for a long-lived process
            _SHARED_NAMES.clear()
        names = _SHARED_NAMES[pairs] = tuple(map(_imported_name, pairs))
    return names


def _imported_name(pair: tuple[str, str | None]) -> ImportedName:
    """One ImportedName per (name, asname) in the process, as :func:`imported_names` shares tuples."""
    name = _SHARED_NAME.get(pair)
    if name is None:
        if len(_SHARED_NAME) >= 200_000:
            _SHARED_NAME.clear()
        name = _SHARED_NAME[pair] = ImportedName(*pair)
    return name


_SHARED_NAME: dict[tuple[str, str | None], ImportedName] = {}


@by_fields
@dataclass(frozen=True, slots=True)
class Context:
    """Where an import statement sits, as far as the import's fate is concerned.

    ``conditions`` is the conjunction of the enclosing ``if`` tests (negated in
    ``else`` branches), outermost first. ``try_id`` numbers the enclosing
    ``try`` that catches ImportError (1, 2, ... per file): records sharing a
    ``try_id`` are alternatives of each other. ``try_role`` is ``"body"`` for an
    import whose failure is caught, ``"handler"`` for the fallback in the
    ``except`` clause. ``outer_tries`` numbers the enclosing tries (around the
    innermost one) in whose body the import also sits: a failure the inner
    ``try`` lets through, they catch. ``outer_handlers`` numbers those in whose
    handler it sits: it runs only when their imports failed.
    """

    scope: Scope = "module"
    conditions: tuple[Condition, ...] = ()
    try_id: int | None = None
    try_role: TryRole | None = None
    outer_tries: tuple[int, ...] = ()
    outer_handlers: tuple[int, ...] = ()

    def with_scope(self, scope: Scope) -> Context:
        if scope == "function":
            # A function body runs when called, outside any try around its def.
            return Context(scope, self.conditions)
        return dataclasses.replace(self, scope=scope)

    def with_condition(self, condition: Condition) -> Context:
        return dataclasses.replace(self, conditions=(*self.conditions, condition))

    def with_try(self, try_id: int, role: TryRole) -> Context:
        outer, handlers = self.outer_tries, self.outer_handlers
        if self.try_id is not None and self.try_id != try_id:
            if self.try_role == "body":
                outer = (*outer, self.try_id)
            else:
                handlers = (*handlers, self.try_id)
        return Context(self.scope, self.conditions, try_id, role, outer, handlers)

    @property
    def optional(self) -> bool:
        """The program survives this import failing (it is caught)."""
        return self.try_role == "body"

    @property
    def fallback(self) -> bool:
        """This import runs only when another one of the same ``try`` failed."""
        return self.try_role == "handler"

    @property
    def type_checking(self) -> bool:
        return any(condition.is_type_checking for condition in self.conditions)

    @property
    def main_only(self) -> bool:
        """Runs only when the module runs as a script (``if sys.platform != "win32" and __name__ == "__main__":``)."""
        return any(condition.is_main for condition in self.conditions)

    @property
    def delayed(self) -> bool:
        """Runs only when a function is called, not when the module is imported."""
        return self.scope == "function"

    def evaluate(self, target: Target) -> bool | None:
        """Whether the import runs on ``target``: True, False (dead code) or None."""
        result: bool | None = True
        for condition in self.conditions:
            value = condition.evaluate(target)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    def tags(self) -> list[str]:
        """Short words for the text report: ``function``, ``optional``, ``if ...``."""
        tags: list[str] = []
        if self.scope != "module":
            tags.append(self.scope)
        if self.try_role == "body":
            tags.append(f"optional#{self.try_id}")
        elif self.try_role == "handler":
            tags.append(f"fallback#{self.try_id}")
        if self.conditions:
            tags.append("if " + " and ".join(_wrapped(condition) for condition in self.conditions))
        return tags

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "delayed": self.delayed,
            "optional": self.optional,
            "fallback": self.fallback,
            "try": self.try_id,
            "outer_tries": list(self.outer_tries),
            "outer_handlers": list(self.outer_handlers),
            "type_checking": self.type_checking,
            "main": self.main_only,
            "conditions": [{"text": str(c), "tree": c.to_json()} for c in self.conditions],
        }


def _wrapped(condition: Condition) -> str:
    from depscan.model.conditions import Any_

    return f"({condition})" if isinstance(condition, Any_) else str(condition)


@by_fields
@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One import the module makes.

    ``module`` is the absolute name of the module imported (for ``from a
    import b``, ``a``; whether ``a.b`` is a submodule is the resolver's
    question), or None when a relative import cannot be made absolute.
    ``raw`` is the module as written, leading dots included; ``level`` the
    number of dots. ``kind`` is one of ``import`` (``import a.b [as c]``),
    ``from``, ``star`` (``from a import *``), ``future`` and ``call``
    (``importlib.import_module("a")`` or ``__import__("a")`` with literal
    arguments; ``via`` names the function).
    """

    kind: Kind
    module: str | None
    raw: str
    level: int
    line: int
    col: int
    context: Context
    names: tuple[ImportedName, ...] = ()
    alias: str | None = None
    via: str | None = None
    precise: bool = True

    @property
    def statement(self) -> str:
        """The import as Python source, normalised: ``from ..a import b as c``."""
        if self.kind == "call":
            args = repr(self.raw)
            if self.names:
                args += ", fromlist=" + repr([n.name for n in self.names])
            return f"{self.via}({args})"
        if self.kind == "import":
            return f"import {self.raw}" + (f" as {self.alias}" if self.alias else "")
        if self.kind == "star":
            return f"from {self.raw} import *"
        if len(self.names) == 1:  # (most often: a large scan's report writes 70,000 of them)
            only = self.names[0]
            return f"from {self.raw} import {only.name}" + (f" as {only.asname}" if only.asname else "")
        names = ", ".join(n.name + (f" as {n.asname}" if n.asname else "") for n in self.names)
        return f"from {self.raw} import {names}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "module": self.module,
            "raw": self.raw,
            "level": self.level,
            "names": [name.to_json() for name in self.names],
            "alias": self.alias,
            "line": self.line,
            "col": self.col,
            "via": self.via,
            "precise": self.precise,
        }
        data.update(self.context.to_json())
        return data


def _record_maker() -> Callable[..., ImportRecord]:
    """``ImportRecord(...)``, the same record made in half the time: a frozen dataclass's
    ``__init__`` sets each of its eleven fields through ``object.__setattr__``; this sets them
    through the slots' own descriptors. A check of a large tree makes one per import statement
    (Home Assistant: 63,000, a twentieth of the walk). The parameters are the fields, in order,
    with their defaults (a test holds them to the dataclass's)."""
    (
        set_kind,
        set_module,
        set_raw,
        set_level,
        set_line,
        set_col,
        set_context,
        set_names,
        set_alias,
        set_via,
        set_precise,
    ) = (getattr(ImportRecord, f.name).__set__ for f in dataclasses.fields(ImportRecord))
    new = object.__new__

    def new_record(
        kind: Kind,
        module: str | None,
        raw: str,
        level: int,
        line: int,
        col: int,
        context: Context,
        names: tuple[ImportedName, ...] = (),
        alias: str | None = None,
        via: str | None = None,
        precise: bool = True,
    ) -> ImportRecord:
        record = new(ImportRecord)
        set_kind(record, kind)
        set_module(record, module)
        set_raw(record, raw)
        set_level(record, level)
        set_line(record, line)
        set_col(record, col)
        set_context(record, context)
        set_names(record, names)
        set_alias(record, alias)
        set_via(record, via)
        set_precise(record, precise)
        return record

    return new_record


# Typed as the class it makes: a call is checked against the dataclass's own parameters.
new_record = cast("type[ImportRecord]", _record_maker())


@by_fields
@dataclass(frozen=True, slots=True)
class DynamicImport:
    """An import whose module is not a literal: ``import_module(name)``."""

    via: str
    expression: str
    line: int
    col: int
    context: Context

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "via": self.via,
            "expression": self.expression,
            "line": self.line,
            "col": self.col,
        }
        data.update(self.context.to_json())
        return data


@by_fields
@dataclass(frozen=True, slots=True)
class AllRef:
    """``__all__`` taken from another module: ``__all__ = sub.__all__ + [...]``."""

    module: str

    def to_json(self) -> str:
        return self.module


@by_fields
@dataclass(frozen=True, slots=True)
class ModuleFacts:
    """What the module tells about itself, statically.

    ``all_names`` is the list ``__all__`` evaluates to when that could be worked
    out, None when the module has no ``__all__``; ``all_refs`` names modules
    whose ``__all__`` is added in (they must be looked up to complete it);
    ``all_exact`` is False when some part of ``__all__`` could not be read.
    ``defined`` holds every name bound at module level; ``guarded`` lists those
    bound only under ``if`` tests, each with the conditions of every binding
    (outermost first), so that a scan can drop the names a target never binds.
    ``unbound_self_imports`` are the names the module imports from itself
    (``from . import x`` in a package's ``__init__``) at import time before
    anything binds them: unless they are submodules, those imports fail.
    ``dynamic_globals`` is True when the module binds names through
    ``globals()`` (``globals()[name] = ...``, ``globals().update(...)``, the
    same through a name bound to ``globals()``, ``globals()`` passed to a call,
    a module-level ``exec`` in its own namespace): its names cannot all be
    known. ``vendored`` holds what a ``VendorImporter`` the module installs
    serves (setuptools' and pkg_resources' ``extern``): for each, the package
    it looks in first and the top-level names it serves, so that
    ``<module>.X`` is ``<package>.X``, else ``X``. ``flags`` are the names the
    module binds, at module level, to a
    condition it reads (``PY2 = sys.version_info[0] == 2``; a name imported from
    another module, as a :class:`~depscan.model.conditions.Flag`), for the modules
    that test them. ``module_aliases`` is True when
    the module puts entries in ``sys.modules`` or a finder on ``sys.meta_path``
    at import time, or (a package) adds directories to its own ``__path__``:
    its submodules may be there without files where a static reading looks. ``module_entries``
    are the entries it puts there under literal names below its own
    (``sys.modules['xml.parsers.expat.model'] = model``, ``sys.modules[__name__ + '.x']``),
    each with the conditions it is put under and the module the value names, when
    it names one: once the module has run, an import of such a name finds it.
    """

    all_names: tuple[str, ...] | None = None
    all_refs: tuple[AllRef, ...] = ()
    all_exact: bool = True
    defined: tuple[str, ...] = ()  # sorted (a tuple: a fifth of a frozenset's memory, on every module)
    guarded: tuple[tuple[str, tuple[tuple[Condition, ...], ...]], ...] = ()
    star_imports: tuple[str, ...] = ()
    unbound_self_imports: frozenset[str] = field(default_factory=frozenset)
    dynamic_globals: bool = False
    future: tuple[str, ...] = ()
    namespace: str | None = None  # "pkgutil" or "pkg_resources" for legacy namespace packages
    vendored: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (package looked in first, names served)
    module_aliases: bool = False  # sys.modules[...] = ... at import time
    flags: tuple[tuple[str, Condition], ...] = ()  # module-level names bound to a condition: PY2 = ...
    # sys.modules["pkg.x"] = value: the name, the conditions, the module value names when it names one
    module_entries: tuple[tuple[str, tuple[Condition, ...], str | None], ...] = ()

    def defined_for(self, target: Target) -> frozenset[str]:
        """The names bound at module level on ``target``: those bound only in dead branches left out."""
        if not self.guarded:
            return frozenset(self.defined)
        dead = {
            name
            for name, bindings in self.guarded
            if all(Context(conditions=conditions).evaluate(target) is False for conditions in bindings)
        }
        return frozenset(self.defined).difference(dead)

    def to_json(self) -> dict[str, Any]:
        return {
            "all": None if self.all_names is None else list(self.all_names),
            "all_refs": [ref.to_json() for ref in self.all_refs],
            "all_exact": self.all_exact,
            "defined": list(self.defined),
            "guarded": [
                {
                    "name": name,
                    "bindings": [
                        [{"text": str(c), "tree": c.to_json()} for c in conditions] for conditions in bindings
                    ],
                }
                for name, bindings in self.guarded
            ],
            "star_imports": list(self.star_imports),
            "unbound_self_imports": sorted(self.unbound_self_imports),
            "dynamic_globals": self.dynamic_globals,
            "future": list(self.future),
            "namespace": self.namespace,
            "vendored": [{"package": package, "names": list(names)} for package, names in self.vendored],
            "module_aliases": self.module_aliases,
            "flags": [{"name": name, "text": str(c), "tree": c.to_json()} for name, c in self.flags],
            "module_entries": [
                {
                    "name": name,
                    "conditions": [{"text": str(c), "tree": c.to_json()} for c in conditions],
                    "value": value,
                }
                for name, conditions, value in self.module_entries
            ],
        }


@by_fields
@dataclass(frozen=True, slots=True)
class NewerSyntax:
    """Syntax a module uses that Pythons older than ``version`` refuse, at its first place.

    ``message`` is the syntax error (DS010) an older Python gives; see
    :func:`depscan.extract.grammar.for_version`.
    """

    version: tuple[int, int]
    message: str
    line: int = 0
    col: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "version": ".".join(map(str, self.version)),
            "message": self.message,
            "line": self.line,
            "col": self.col,
        }


@by_fields
@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything the extractor learns from one module's source."""

    module: str
    is_package: bool
    path: str | None
    imports: tuple[ImportRecord, ...] = ()
    dynamic: tuple[DynamicImport, ...] = ()
    facts: ModuleFacts = field(default_factory=ModuleFacts)
    diagnostics: tuple[Diagnostic, ...] = ()
    source_kind: Literal["source", "bytecode"] = "source"
    newer_syntax: NewerSyntax | None = None  # syntax newer than Python 3.10: the oldest Python it needs
    # The lines with a `# depscan: ignore[...]` comment, each with the codes it names (None: all),
    # upper-case; for the check (not part of the JSON: the check's findings show their effect).
    suppressions: tuple[tuple[int, tuple[str, ...] | None], ...] = ()

    @property
    def ok(self) -> bool:
        """False when the file could not be read or parsed at all."""
        return not any(d.severity == "error" and d.code in _FATAL for d in self.diagnostics)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "module": self.module,
            "is_package": self.is_package,
            "source": self.source_kind,
            "imports": [record.to_json() for record in self.imports],
            "dynamic": [record.to_json() for record in self.dynamic],
            "facts": self.facts.to_json(),
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "newer_syntax": None if self.newer_syntax is None else self.newer_syntax.to_json(),
        }


SUPPRESSION = r"#\s*depscan:\s*ignore(?:\[([A-Za-z0-9_,\s-]*)\])?"
"""The comment that silences the check's findings on its line, as a pattern (case-insensitive)."""


def suppressed_codes(listed: str | None) -> tuple[str, ...] | None:
    """The codes a suppression comment names (its pattern's group), upper-case and sorted; None for
    a comment that names none: it silences every code."""
    return None if listed is None else tuple(sorted({code.strip().upper() for code in listed.split(",")}))


# Codes after which nothing was extracted; see depscan.model.diagnostics.
_FATAL = frozenset({"DS010", "DS011", "DS012", "DS013", "DS014", "DS030", "DS031"})
