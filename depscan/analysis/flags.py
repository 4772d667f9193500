"""Flags one module tests that another binds: ``from django.utils.version import PY314`` then
``if PY314: import annotationlib``, or ``if six.PY2: import Queue``.

The extractor reads such a test as a :class:`~depscan.model.conditions.Flag` (the module and
the name); the module that binds the name records, in its facts, the condition it binds it to
(``PY314 = sys.version_info >= (3, 14)``). Here each flag is replaced by that condition,
through as many modules as it is passed on (``from .version import PY314`` in a package's
``__init__``, ``PY3 = not compat.PY2``), so that the guard is evaluated like a local one. A flag
whose module cannot be read, or that it does not bind to a condition it reads, stays unknown.

An availability test (``importlib.util.find_spec("x") is not None``, or a name a ``try`` binds
one way where ``x`` imports and another where it does not) is decided here too, by whether ``x``
is found in the target environment: what the check and the scan say of a missing module is said
of that environment, and an import under the test runs exactly where ``x`` is there. And
``hasattr(m, "name")`` of a standard library module is told, version by version, by depscan's
tables of its names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from depscan.model.conditions import Condition, Flag, has_flag, substitute
from depscan.model.records import Context, Extraction


class FlagValues:
    """The condition each flag stands for, read from the modules that bind them (memoised)."""

    def __init__(
        self,
        extraction_of: Callable[[str], Extraction | None],
        found: Callable[[str], bool],
        has: Callable[[str, str], Condition | None],
    ) -> None:
        self.extraction_of = extraction_of
        self.found = found  # whether a module is found in the target environment
        self.has = has  # hasattr(module, name), as a condition on the target, when it can be told
        self.values: dict[tuple[str, str], Condition | None] = {}

    def __call__(self, module: str, name: str) -> Condition | None:
        key = (module, name)
        if key not in self.values:
            self.values[key] = None  # while it is worked out: a flag defined by itself is unknown
            self.values[key] = self._value(module, name)
        return self.values[key]

    def _value(self, module: str, name: str) -> Condition | None:
        extraction = self.extraction_of(module)
        if extraction is None:
            return None
        bound = dict(extraction.facts.flags).get(name) or _passed_on(extraction, name)
        return None if bound is None else substitute(bound, self, self.found, self.has)


def _passed_on(extraction: Extraction, name: str) -> Flag | None:
    """``from M import NAME [as name]`` at module level, outside any test or try: M's flag."""
    for record in extraction.imports:
        context = record.context
        if record.kind != "from" or record.module is None or context.scope != "module":
            continue
        if context.conditions or context.try_id is not None:
            continue
        for imported in record.names:
            if (imported.asname or imported.name) == name:
                return Flag(record.module, imported.name)
    return None


def with_flags(extraction: Extraction, values: FlagValues) -> Extraction:
    """The extraction with the flags its guards read put in (itself when it reads none)."""
    if not any(has_flag(c) for record in extraction.imports for c in record.context.conditions):
        return extraction
    done: dict[Context, Context] = {}

    def context(old: Context) -> Context:
        new = done.get(old)
        if new is None:
            conditions = tuple(substitute(c, values, values.found, values.has) for c in old.conditions)
            same = all(a is b for a, b in zip(conditions, old.conditions, strict=True))
            new = done[old] = old if same else dataclasses.replace(old, conditions=conditions)
        return new

    imports = tuple(dataclasses.replace(r, context=context(r.context)) for r in extraction.imports)
    dynamic = tuple(dataclasses.replace(d, context=context(d.context)) for d in extraction.dynamic)
    return dataclasses.replace(extraction, imports=imports, dynamic=dynamic)
