"""Relative import names made absolute, as importlib does: a pure function of the importer's name.

Shared by the source walker (:mod:`depscan.extract.walker`) and the bytecode reader
(:mod:`depscan.extract.bytecode`), which import it and not each other; and
:func:`through_namespace_portions`, for a module imported through namespace portions.
"""

from __future__ import annotations

import dataclasses

from depscan.model.records import Extraction, ImportRecord
from depscan.source import namespace_name

__all__ = ["resolve_relative", "through_namespace_portions"]


def resolve_relative(name: str, level: int, importer: str, is_package: bool) -> tuple[str | None, str | None]:
    """Make ``from <level dots><name> import ...`` absolute, as importlib does.

    Returns ``(absolute_name, None)``, or ``(None, code)`` with DS021 when the
    importer is not in a package and DS020 when the dots climb above the
    top-level package.
    """
    if level == 0:
        return name, None
    package = importer if is_package else importer.rpartition(".")[0]
    if not package or importer == "__main__":
        return None, "DS021"
    bits = package.rsplit(".", level - 1)
    if len(bits) < level:
        return None, "DS020"
    base = bits[0]
    return (f"{base}.{name}" if name else base), None


def through_namespace_portions(extraction: Extraction) -> Extraction:
    """A module outside any regular package, whose relative imports cannot be made absolute
    (DS021), read as the module it is when imported through the regular package above it, the
    directories between being namespace portions (``numpy/random/_examples/cffi/extending.py``'s
    ``from .parse import ...`` is ``numpy.random._examples.cffi.parse``). A script run as such
    (``__main__``) keeps its DS021: ``python file.py`` fails there."""
    if extraction.path is None or extraction.module == "__main__":
        return extraction
    if not any(d.code == "DS021" for d in extraction.diagnostics):
        return extraction
    name = namespace_name(extraction.path)
    if name is None:
        return extraction
    fixed: set[int] = set()
    imports: list[ImportRecord] = []
    for record in extraction.imports:
        if record.module is None and record.level and record.kind != "call":
            absolute, problem = resolve_relative(record.raw.lstrip("."), record.level, name, False)
            if problem is None and absolute:
                record = dataclasses.replace(record, module=absolute)
                fixed.add(record.line)
        imports.append(record)
    diagnostics = tuple(d for d in extraction.diagnostics if not (d.code == "DS021" and d.line in fixed))
    return dataclasses.replace(extraction, imports=tuple(imports), diagnostics=diagnostics)
