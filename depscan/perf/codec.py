"""The extraction codec: an :class:`~depscan.model.records.Extraction` as compact JSON and back.

Extractions are stored as compact JSON in a tuple layout (:func:`encode_extraction`),
never pickled: a cache directory can be planted in a repository, and loading it
must not run code. Decoding checks every field, and any malformed data is a
:class:`CacheError`. The store (:mod:`depscan.perf.cache`) keeps what this makes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from sys import intern
from typing import Any, Final, Literal, cast

from depscan.model.conditions import (
    All,
    Any_,
    Available,
    Condition,
    Const,
    Flag,
    HasName,
    Implementation,
    Main,
    Not,
    Platform,
    TypeChecking,
    Unknown,
    Version,
)
from depscan.model.diagnostics import Severity
from depscan.model.records import (
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
    Scope,
    TryRole,
    imported_names,
    new_record,
)

FORMAT_VERSION: Final = 8
"""The first item of every encoded extraction; bump when the layout changes."""


class CacheError(Exception):
    """Cached data that cannot be encoded or decoded."""


# --- serialisation -----------------------------------------------------------------
#
# The layout, a JSON array (``None`` is ``null``, indices count from 0):
#
#   [FORMAT_VERSION, module, is_package, path, source_kind,
#    conditions, contexts, imports, dynamic, facts, diagnostics, newer_syntax, suppressions]
#
# ``conditions`` is a table of every distinct condition node; compound nodes
# refer to their arguments by index, always to an earlier entry, so the table
# is decoded in one pass and cannot loop:
#   ["c", value]  ["t"]  ["m"]  ["v", cmp, [ints], start, stop, index]
#   ["p", subject, cmp, [strs]]  ["i", subject, cmp, value]  ["u", text]
#   ["n", arg]  ["a", [args]]  ["o", [args]]  ["f", module] (available)  ["g", module, name] (flag)
#   ["h", module, name] (hasattr)
# ``contexts`` is a table of the distinct contexts: [scope, [conditions], try_id, try_role, [outer_tries],
# [outer_handlers]].
# imports:     [kind, module, raw, level, line, col, context, names, alias, via, precise],
#              each name a string (no ``as``) or [name, asname]
# dynamic:     [via, expression, line, col, context]
# facts:       [all_names, all_refs, all_exact, defined, guarded, star_imports,
#               unbound_self_imports, dynamic_globals, future, namespace, vendored, module_aliases, flags,
#               module_entries],
#              vendored as [[package, [names]]...], flags as [[name, condition]...],
#              module_entries as [[name, [conditions], value module or null]...]
#              guarded as [[name, [[conditions]...]]...]
# diagnostics: [code, message, path, line, col, severity]
# newer_syntax: null or [[major, minor], message, line, col]
# suppressions: [[line, [codes] or null]...]

_KINDS = frozenset({"import", "from", "star", "future", "call"})
_SCOPES = frozenset({"module", "class", "function"})
_TRY_ROLES = frozenset({None, "body", "handler"})
_SEVERITIES = frozenset({"error", "warning", "info"})
_SOURCE_KINDS = frozenset({"source", "bytecode"})
_VERSION_CMPS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_PLATFORM_SUBJECTS = frozenset({"sys.platform", "os.name", "platform.system()"})
_PLATFORM_CMPS = frozenset({"==", "!=", "startswith", "in", "not in"})
_IMPL_SUBJECTS = frozenset({"sys.implementation.name", "platform.python_implementation()"})
_IMPL_CMPS = frozenset({"==", "!="})

# The fields each class's layout holds, in order. Should the model gain a field
# this table does not know, the cache turns itself off (encoding and decoding
# raise CacheError) rather than lose it; tests/test_cache.py fails until the
# layout is extended.
LAYOUT_FIELDS: Final[dict[type, tuple[str, ...]]] = {
    Extraction: (
        "module",
        "is_package",
        "path",
        "imports",
        "dynamic",
        "facts",
        "diagnostics",
        "source_kind",
        "newer_syntax",
        "suppressions",
    ),
    NewerSyntax: ("version", "message", "line", "col"),
    ImportRecord: ("kind", "module", "raw", "level", "line", "col", "context", "names", "alias", "via", "precise"),
    ImportedName: ("name", "asname"),
    Context: ("scope", "conditions", "try_id", "try_role", "outer_tries", "outer_handlers"),
    DynamicImport: ("via", "expression", "line", "col", "context"),
    ModuleFacts: (
        "all_names",
        "all_refs",
        "all_exact",
        "defined",
        "guarded",
        "star_imports",
        "unbound_self_imports",
        "dynamic_globals",
        "future",
        "namespace",
        "vendored",
        "module_aliases",
        "flags",
        "module_entries",
    ),
    AllRef: ("module",),
    Diagnostic: ("code", "message", "path", "line", "col", "severity"),
    Const: ("value",),
    TypeChecking: (),
    Main: (),
    Version: ("cmp", "value", "start", "stop", "index"),
    Platform: ("subject", "cmp", "values"),
    Implementation: ("subject", "cmp", "value"),
    Available: ("module",),
    Flag: ("module", "name"),
    HasName: ("module", "name"),
    Unknown: ("_node", "_text"),  # not a dataclass: its slots (the text is what is kept)
    Not: ("arg",),
    All: ("args",),
    Any_: ("args",),
}


def _layout_problems() -> list[str]:
    problems = []
    for cls, expected in LAYOUT_FIELDS.items():
        if dataclasses.is_dataclass(cls):
            actual = tuple(f.name for f in dataclasses.fields(cls))
        else:
            actual = tuple(cls.__dict__.get("__slots__", ()))
        if actual != expected:
            problems.append(f"the cache does not know the fields of {cls.__name__}: {actual} (knows {expected})")
    return problems


_LAYOUT_PROBLEMS: Final = _layout_problems()

_dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False, allow_nan=False).encode
_loads = json.loads
_NONE: frozenset[str] = frozenset()  # shared by every extraction with no unbound self-import


class _Encoder:
    def __init__(self) -> None:
        self.conditions: list[list[Any]] = []
        self.condition_ids: dict[Condition, int] = {}
        self.contexts: list[list[Any]] = []
        self.context_ids: dict[Context, int] = {}

    def condition(self, condition: Condition) -> int:
        index = self.condition_ids.get(condition)
        if index is not None:
            return index
        kind = type(condition)
        item: list[Any]
        if kind is Const:
            item = ["c", cast(Const, condition).value]
        elif kind is TypeChecking:
            item = ["t"]
        elif kind is Main:
            item = ["m"]
        elif kind is Version:
            v = cast(Version, condition)
            item = ["v", v.cmp, list(v.value), v.start, v.stop, v.index]
        elif kind is Platform:
            p = cast(Platform, condition)
            item = ["p", p.subject, p.cmp, list(p.values)]
        elif kind is Implementation:
            i = cast(Implementation, condition)
            item = ["i", i.subject, i.cmp, i.value]
        elif kind is Unknown:
            item = ["u", cast(Unknown, condition).text]
        elif kind is Available:
            item = ["f", cast(Available, condition).module]
        elif kind is Flag:
            flag = cast(Flag, condition)
            item = ["g", flag.module, flag.name]
        elif kind is HasName:
            has = cast(HasName, condition)
            item = ["h", has.module, has.name]
        elif kind is Not:
            item = ["n", self.condition(cast(Not, condition).arg)]
        elif kind is All:
            item = ["a", [self.condition(arg) for arg in cast(All, condition).args]]
        elif kind is Any_:
            item = ["o", [self.condition(arg) for arg in cast(Any_, condition).args]]
        else:
            raise CacheError(f"cannot encode a condition of type {kind.__name__}")
        index = len(self.conditions)
        self.conditions.append(item)
        self.condition_ids[condition] = index
        return index

    def context(self, context: Context) -> int:
        index = self.context_ids.get(context)
        if index is None:
            conditions = [self.condition(c) for c in context.conditions]
            index = len(self.contexts)
            item = [
                context.scope,
                conditions,
                context.try_id,
                context.try_role,
                list(context.outer_tries),
                list(context.outer_handlers),
            ]
            self.contexts.append(item)
            self.context_ids[context] = index
        return index

    def extraction(self, e: Extraction) -> list[Any]:
        context = self.context
        imports = [
            [
                r.kind,
                r.module,
                r.raw,
                r.level,
                r.line,
                r.col,
                context(r.context),
                [n.name if n.asname is None else [n.name, n.asname] for n in r.names],
                r.alias,
                r.via,
                r.precise,
            ]
            for r in e.imports
        ]
        dynamic = [[d.via, d.expression, d.line, d.col, context(d.context)] for d in e.dynamic]
        f = e.facts
        facts = [
            None if f.all_names is None else list(f.all_names),
            [ref.module for ref in f.all_refs],
            f.all_exact,
            list(f.defined),
            [
                [name, [[self.condition(c) for c in conditions] for conditions in bindings]]
                for name, bindings in f.guarded
            ],
            list(f.star_imports),
            sorted(f.unbound_self_imports),
            f.dynamic_globals,
            list(f.future),
            f.namespace,
            [[package, list(names)] for package, names in f.vendored],
            f.module_aliases,
            [[name, self.condition(condition)] for name, condition in f.flags],
            [[name, [self.condition(c) for c in conditions], value] for name, conditions, value in f.module_entries],
        ]
        diagnostics = [[d.code, d.message, d.path, d.line, d.col, d.severity] for d in e.diagnostics]
        newer = e.newer_syntax
        return [
            FORMAT_VERSION,
            e.module,
            e.is_package,
            e.path,
            e.source_kind,
            self.conditions,
            self.contexts,
            imports,
            dynamic,
            facts,
            diagnostics,
            None if newer is None else [list(newer.version), newer.message, newer.line, newer.col],
            [[line, None if codes is None else list(codes)] for line, codes in e.suppressions],
        ]


def encode_extraction(extraction: Extraction) -> bytes:
    """The extraction as compact ASCII JSON; :func:`decode_extraction` gives it back, equal."""
    if _LAYOUT_PROBLEMS:
        raise CacheError(_LAYOUT_PROBLEMS[0])
    try:
        return _dumps(_Encoder().extraction(extraction)).encode("ascii")
    except CacheError:
        raise
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise CacheError(f"cannot encode the extraction: {exc}") from exc


def decode_extraction(data: bytes) -> Extraction:
    """Rebuild an extraction from :func:`encode_extraction`'s output.

    Every field is checked; anything malformed raises :class:`CacheError`.
    Nothing in the data can make this run code: it is JSON, read into the
    model's own classes.
    """
    if not isinstance(data, bytes):
        raise CacheError(f"cached data is {type(data).__name__}, not bytes")
    if _LAYOUT_PROBLEMS:
        raise CacheError(_LAYOUT_PROBLEMS[0])
    try:
        return _decode(_loads(data))
    except CacheError:
        raise
    except Exception as exc:  # malformed in some way no check above caught: still only a CacheError
        raise CacheError(f"malformed cached extraction: {type(exc).__name__}: {exc}") from exc


def _bad(what: str) -> CacheError:
    return CacheError(f"malformed cached extraction: {what}")


def _is_str_or_none(value: object) -> bool:
    return value is None or type(value) is str


def _str_tuple(items: object, what: str) -> tuple[str, ...]:
    if type(items) is not list:
        raise _bad(what)
    for item in items:
        if type(item) is not str:
            raise _bad(what)
    return tuple(items)


def _index(value: object, table: Sequence[Any], what: str) -> Any:
    if type(value) is not int or not 0 <= value < len(table):
        raise _bad(what)
    return table[value]


def _decode(obj: Any) -> Extraction:
    if type(obj) is not list or len(obj) != 13 or obj[0] != FORMAT_VERSION or type(obj[0]) is not int:
        raise _bad("not an extraction of this format")
    _, module, is_package, path, source_kind, conds, ctxs, imports, dynamic, facts, diags, newer, quiet = obj
    if type(module) is not str or type(is_package) is not bool or not _is_str_or_none(path):
        raise _bad("module, is_package or path")
    if type(source_kind) is not str or source_kind not in _SOURCE_KINDS:
        raise _bad("source kind")
    conditions = _decode_conditions(conds)
    contexts = _decode_contexts(ctxs, conditions)
    return Extraction(
        module,
        is_package,
        path,
        _decode_imports(imports, contexts),
        _decode_dynamic(dynamic, contexts),
        _decode_facts(facts, conditions),
        _decode_diagnostics(diags),
        cast(Literal["source", "bytecode"], source_kind),
        _decode_newer(newer),
        _decode_suppressions(quiet),
    )


def _decode_suppressions(items: object) -> tuple[tuple[int, tuple[str, ...] | None], ...]:
    if type(items) is not list:
        raise _bad("suppressions")
    kept: list[tuple[int, tuple[str, ...] | None]] = []
    for item in items:
        if type(item) is not list or len(item) != 2 or type(item[0]) is not int:
            raise _bad("suppression")
        kept.append((item[0], None if item[1] is None else _str_tuple(item[1], "suppressed codes")))
    return tuple(kept)


def _decode_conditions(items: object) -> list[Condition]:
    """The table of conditions; each entry decoded by its tag, its references to earlier entries only."""
    if type(items) is not list:
        raise _bad("conditions")
    table: list[Condition] = []
    for item in items:
        if type(item) is not list or not item or type(item[0]) is not str:
            raise _bad("condition")
        decode = _CONDITION_DECODERS.get((item[0], len(item)))
        if decode is None:
            raise _bad("condition")
        table.append(decode(item, table))
    return table


def _unknown(item: list[Any], table: list[Condition]) -> Condition:
    if type(item[1]) is not str:
        raise _bad("condition")
    return Unknown(item[1])


def _available(item: list[Any], table: list[Condition]) -> Condition:
    if type(item[1]) is not str or not item[1]:
        raise _bad("condition")
    return Available(item[1])


def _flag(item: list[Any], table: list[Condition]) -> Condition:
    if type(item[1]) is not str or not item[1] or type(item[2]) is not str or not item[2]:
        raise _bad("condition")
    return Flag(item[1], item[2])


def _has_name(item: list[Any], table: list[Condition]) -> Condition:
    if type(item[1]) is not str or not item[1] or type(item[2]) is not str:
        raise _bad("condition")
    return HasName(item[1], item[2])


def _const(item: list[Any], table: list[Condition]) -> Condition:
    if type(item[1]) is not bool:
        raise _bad("condition")
    return Const(item[1])


def _version(item: list[Any], table: list[Condition]) -> Condition:
    _, cmp, value, start, stop, index = item
    if type(cmp) is not str or cmp not in _VERSION_CMPS or type(value) is not list or not value:
        raise _bad("version condition")
    for part in (*value, start, stop, index):
        if part is not None and (type(part) is not int or part < 0):
            raise _bad("version condition")
    if None in value:
        raise _bad("version condition")
    return Version(cmp, tuple(value), start, stop, index)


def _platform(item: list[Any], table: list[Condition]) -> Condition:
    _, subject, cmp, values = item
    if type(subject) is not str or subject not in _PLATFORM_SUBJECTS:
        raise _bad("platform condition")
    if type(cmp) is not str or cmp not in _PLATFORM_CMPS:
        raise _bad("platform condition")
    strings = _str_tuple(values, "platform condition")
    if not strings:
        raise _bad("platform condition")
    return Platform(subject, cmp, strings)


def _implementation(item: list[Any], table: list[Condition]) -> Condition:
    _, subject, cmp, value = item
    if type(subject) is not str or subject not in _IMPL_SUBJECTS:
        raise _bad("implementation condition")
    if type(cmp) is not str or cmp not in _IMPL_CMPS or type(value) is not str:
        raise _bad("implementation condition")
    return Implementation(subject, cmp, value)


def _not(item: list[Any], table: list[Condition]) -> Condition:
    return Not(_index(item[1], table, "condition reference"))


def _all(item: list[Any], table: list[Condition]) -> Condition:
    return All(_references(item[1], table))


def _any(item: list[Any], table: list[Condition]) -> Condition:
    return Any_(_references(item[1], table))


def _references(items: object, table: list[Condition]) -> tuple[Condition, ...]:
    if type(items) is not list:
        raise _bad("condition")
    return tuple(_index(arg, table, "condition reference") for arg in items)


# A condition's decoder by its tag and the length of its entry (see the layout above).
_CONDITION_DECODERS: dict[tuple[str, int], Callable[[list[Any], list[Condition]], Condition]] = {
    ("u", 2): _unknown,
    ("c", 2): _const,
    ("f", 2): _available,
    ("g", 3): _flag,
    ("h", 3): _has_name,
    ("t", 1): lambda item, table: TypeChecking(),
    ("m", 1): lambda item, table: Main(),
    ("v", 6): _version,
    ("p", 4): _platform,
    ("i", 4): _implementation,
    ("n", 2): _not,
    ("a", 2): _all,
    ("o", 2): _any,
}


def _decode_contexts(items: object, conditions: list[Condition]) -> list[Context]:
    if type(items) is not list:
        raise _bad("contexts")
    table: list[Context] = []
    for item in items:
        if type(item) is not list or len(item) != 6:
            raise _bad("context")
        scope, refs, try_id, try_role, outer, handlers = item
        if type(scope) is not str or scope not in _SCOPES or type(refs) is not list:
            raise _bad("context")
        if (try_id is not None and type(try_id) is not int) or not _is_str_or_none(try_role):
            raise _bad("context")
        if try_role not in _TRY_ROLES or type(outer) is not list or type(handlers) is not list:
            raise _bad("context")
        for number in (*outer, *handlers):
            if type(number) is not int:
                raise _bad("context")
        guards = tuple(_index(ref, conditions, "condition reference") for ref in refs)
        role = cast("TryRole | None", try_role)
        table.append(Context(cast(Scope, scope), guards, try_id, role, tuple(outer), tuple(handlers)))
    return table


def _decode_imports(items: object, contexts: list[Context]) -> tuple[ImportRecord, ...]:
    if type(items) is not list:
        raise _bad("imports")
    records: list[ImportRecord] = []
    append = records.append
    for item in items:
        if type(item) is not list or len(item) != 11:
            raise _bad("import record")
        kind, module, raw, level, line, col, ctx, names, alias, via, precise = item
        if (
            type(kind) is not str
            or kind not in _KINDS
            or not (module is None or type(module) is str)
            or type(raw) is not str
            or type(level) is not int
            or level < 0
            or type(line) is not int
            or type(col) is not int
            or type(names) is not list
            or not (alias is None or type(alias) is str)
            or not (via is None or type(via) is str)
            or type(precise) is not bool
        ):
            raise _bad("import record")
        pairs: list[tuple[str, str | None]] = []
        for name in names:
            if type(name) is str:
                pairs.append((name, None))
            elif type(name) is list and len(name) == 2 and type(name[0]) is str and type(name[1]) is str:
                pairs.append((name[0], name[1]))
            else:
                raise _bad("imported name")
        context = _index(ctx, contexts, "context reference")
        imported = imported_names(tuple(pairs))
        module = None if module is None else intern(module)  # one string per name, not one per import
        raw = intern(raw)
        append(new_record(cast(Kind, kind), module, raw, level, line, col, context, imported, alias, via, precise))
    return tuple(records)


def _decode_dynamic(items: object, contexts: list[Context]) -> tuple[DynamicImport, ...]:
    if type(items) is not list:
        raise _bad("dynamic imports")
    records: list[DynamicImport] = []
    for item in items:
        if type(item) is not list or len(item) != 5:
            raise _bad("dynamic import")
        via, expression, line, col, ctx = item
        if type(via) is not str or type(expression) is not str or type(line) is not int or type(col) is not int:
            raise _bad("dynamic import")
        records.append(DynamicImport(via, expression, line, col, _index(ctx, contexts, "context reference")))
    return tuple(records)


def _decode_facts(item: object, conditions: list[Condition]) -> ModuleFacts:
    if type(item) is not list or len(item) != 14:
        raise _bad("module facts")
    all_names, all_refs, all_exact, defined, guarded, star_imports, unbound, dynamic_globals, future, namespace = item[
        :10
    ]
    vendored, module_aliases, flags, entries = item[10:]
    if type(all_exact) is not bool or type(dynamic_globals) is not bool or type(module_aliases) is not bool:
        raise _bad("module facts")
    if type(vendored) is not list or any(type(entry) is not list or len(entry) != 2 for entry in vendored):
        raise _bad("vendored packages")
    if not _is_str_or_none(namespace) or type(guarded) is not list:
        raise _bad("module facts")
    guards: list[tuple[str, tuple[tuple[Condition, ...], ...]]] = []
    for entry in guarded:
        if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str or type(entry[1]) is not list:
            raise _bad("guarded name")
        bindings: list[tuple[Condition, ...]] = []
        for binding in entry[1]:
            if type(binding) is not list:
                raise _bad("guarded name")
            bindings.append(tuple(_index(ref, conditions, "condition reference") for ref in binding))
        guards.append((entry[0], tuple(bindings)))
    return ModuleFacts(
        all_names=None if all_names is None else _str_tuple(all_names, "__all__"),
        all_refs=tuple(AllRef(name) for name in _str_tuple(all_refs, "__all__ references")),
        all_exact=all_exact,
        defined=_str_tuple(defined, "defined names"),
        guarded=tuple(guards),
        star_imports=_str_tuple(star_imports, "star imports"),
        unbound_self_imports=frozenset(_str_tuple(unbound, "unbound self-imports")) if unbound else _NONE,
        dynamic_globals=dynamic_globals,
        future=_str_tuple(future, "future imports"),
        namespace=namespace,
        vendored=tuple(
            (_str_tuple([package], "vendored package")[0], _str_tuple(names, "vendored names"))
            for package, names in vendored
        ),
        module_aliases=module_aliases,
        flags=_flags(flags, conditions),
        module_entries=_module_entries(entries, conditions),
    )


def _module_entries(
    items: object, conditions: list[Condition]
) -> tuple[tuple[str, tuple[Condition, ...], str | None], ...]:
    if type(items) is not list:
        raise _bad("module entries")
    entries: list[tuple[str, tuple[Condition, ...], str | None]] = []
    for entry in items:
        if type(entry) is not list or len(entry) != 3 or type(entry[0]) is not str or type(entry[1]) is not list:
            raise _bad("module entry")
        if not _is_str_or_none(entry[2]):
            raise _bad("module entry")
        guards = tuple(_index(ref, conditions, "condition reference") for ref in entry[1])
        entries.append((entry[0], guards, entry[2]))
    return tuple(entries)


def _flags(items: object, conditions: list[Condition]) -> tuple[tuple[str, Condition], ...]:
    if type(items) is not list:
        raise _bad("flags")
    found: list[tuple[str, Condition]] = []
    for entry in items:
        if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str:
            raise _bad("flag")
        found.append((entry[0], _index(entry[1], conditions, "condition reference")))
    return tuple(found)


def _decode_newer(item: object) -> NewerSyntax | None:
    if item is None:
        return None
    if type(item) is not list or len(item) != 4:
        raise _bad("newer syntax")
    version, message, line, col = item
    if type(version) is not list or len(version) != 2 or any(type(part) is not int for part in version):
        raise _bad("newer syntax version")
    if type(message) is not str or type(line) is not int or type(col) is not int:
        raise _bad("newer syntax")
    return NewerSyntax((version[0], version[1]), message, line, col)


def _decode_diagnostics(items: object) -> tuple[Diagnostic, ...]:
    if type(items) is not list:
        raise _bad("diagnostics")
    diagnostics: list[Diagnostic] = []
    for item in items:
        if type(item) is not list or len(item) != 6:
            raise _bad("diagnostic")
        code, message, path, line, col, severity = item
        if type(code) is not str or type(message) is not str or not _is_str_or_none(path):
            raise _bad("diagnostic")
        if type(line) is not int or type(col) is not int or type(severity) is not str or severity not in _SEVERITIES:
            raise _bad("diagnostic")
        diagnostics.append(Diagnostic(code, message, path, line, col, cast(Severity, severity)))
    return tuple(diagnostics)
