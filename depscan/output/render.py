"""Text and JSON forms of extraction results (``depscan imports``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from depscan import __version__
from depscan.model.records import Extraction
from depscan.output import jsonfmt

IMPORTS_SCHEMA = "depscan/imports"
IMPORTS_SCHEMA_VERSION = 1


def imports_json(extractions: Sequence[Extraction]) -> str:
    document: dict[str, Any] = {
        "schema": IMPORTS_SCHEMA,
        "schema_version": IMPORTS_SCHEMA_VERSION,
        "depscan_version": __version__,
        "files": [extraction.to_json() for extraction in extractions],
    }
    return jsonfmt.dumps(document)


def imports_text(extractions: Sequence[Extraction]) -> str:
    """One block per file: a header, then a row per import, dynamic import and problem."""
    blocks = [_file_block(extraction) for extraction in extractions]
    return "\n".join(blocks)


def _file_block(extraction: Extraction) -> str:
    kind = " package" if extraction.is_package else ""
    source = ", from bytecode" if extraction.source_kind == "bytecode" else ""
    lines = [f"{extraction.path or '<input>'}  ({extraction.module}{kind}{source})"]
    rows: list[tuple[int, int, str, str, str]] = []
    for record in extraction.imports:
        target = record.module if record.module is not None else "?"
        rows.append((record.line, record.col, target, record.statement, "  ".join(record.context.tags())))
    for dynamic in extraction.dynamic:
        tags = ["dynamic", *dynamic.context.tags()]
        rows.append((dynamic.line, dynamic.col, "?", f"{dynamic.via}({dynamic.expression})", "  ".join(tags)))
    rows.sort(key=lambda row: (row[0], row[1]))
    if rows:
        place = [f"{line}:{col}" if col else str(line) for line, col, *_ in rows]
        width_place = max(map(len, place))
        width_target = max(len(row[2]) for row in rows)
        width_statement = max(len(row[3]) for row in rows)
        for where, (_, _, target, statement, context) in zip(place, rows, strict=True):
            text = f"  {where:<{width_place}}  {target:<{width_target}}  {statement:<{width_statement}}  {context}"
            lines.append(text.rstrip())
    elif extraction.ok:
        lines.append("  (no imports)")
    facts = extraction.facts
    if facts.all_names is not None:
        exported = list(facts.all_names) + [f"{ref.module}.__all__" for ref in facts.all_refs]
        exact = "" if facts.all_exact else "  (partly unknown)"
        lines.append(f"  __all__: {', '.join(exported) if exported else '(empty)'}{exact}")
    if facts.namespace:
        lines.append(f"  legacy namespace package ({facts.namespace})")
    for diagnostic in extraction.diagnostics:
        lines.append(f"  {diagnostic}")
    return "\n".join(lines) + "\n"


def imports_summary(extractions: Sequence[Extraction]) -> str:
    files = len(extractions)
    imports = sum(len(e.imports) for e in extractions)
    dynamic = sum(len(e.dynamic) for e in extractions)
    problems = sum(len(e.diagnostics) for e in extractions)
    failed = sum(1 for e in extractions if not e.ok)
    parts = [_plural(files, "file"), _plural(imports, "import"), f"{dynamic} dynamic", _plural(problems, "diagnostic")]
    if failed:
        parts.append(f"{failed} not analysed")
    return ", ".join(parts)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


RESOLVE_SCHEMA = "depscan/resolve"
RESOLVE_SCHEMA_VERSION = 1


def resolve_json(results: Sequence[Any], shadows: dict[str, list[str]], interp: Any, resolver: Any) -> str:
    modules = []
    for result in results:
        data = result.to_json()
        data["shadows"] = shadows.get(result.name, [])
        modules.append(data)
    document = {
        "schema": RESOLVE_SCHEMA,
        "schema_version": RESOLVE_SCHEMA_VERSION,
        "depscan_version": __version__,
        "python": {
            "executable": interp.executable,
            "version": ".".join(map(str, interp.version)),
            "implementation": interp.implementation,
            "platform": interp.platform,
        },
        "sys_path": [entry.to_json() for entry in resolver.search.entries],
        "pth_imports": [line.to_json() for line in resolver.search.pth_imports],
        "modules": modules,
    }
    return jsonfmt.dumps(document)


_FINDER_WORDS = {
    "builtin": "built into the interpreter",
    "frozen": "frozen into the interpreter",
    "path": "path finder",
    "zip": "zipimport",
    "editable": "setuptools editable finder",
    "distutils-shim": "setuptools' distutils shim",
    "table": "depscan's stdlib table",
    "alias": "os's alias for its platform's path module",
}


def resolve_text(results: Sequence[Any], shadows: dict[str, list[str]], interp: Any, resolver: Any) -> str:
    origins = {entry.path: entry.origin for entry in resolver.search.entries}
    version = ".".join(map(str, interp.version))
    if interp.from_tables:
        lines = [f"# Python {version} from depscan's tables (no interpreter: only --path entries are searched)"]
    else:
        lines = [f"# Python {version} at {interp.executable}"]
    for result in results:
        if not result.found:
            lines.append(f"{result.name}: NOT FOUND ({result.reason})")
            if result.searched:
                lines.append("  searched:")
                lines.extend(f"    {entry}" for entry in result.searched)
            continue
        what = ("package" if result.is_package else "module") if result.kind != "namespace" else "namespace package"
        if result.kind == "stdlib":
            lines.append(f"{result.name}: {what} of the standard library (location unknown without an interpreter)")
            continue
        kind = "" if result.kind == "namespace" else f" ({result.kind})"
        lines.append(f"{result.name}: {what}{kind}, {result.category}")
        if result.path and result.path not in ("built-in", "frozen"):
            lines.append(f"  origin:    {result.path}")
        if result.kind == "namespace" or (result.is_package and len(result.locations) > 1):
            lines.append("  locations: " + ("\n             ".join(result.locations) or "(none)"))
        how = _FINDER_WORDS.get(result.finder or "", result.finder or "")
        if result.entry:
            where = origins.get(result.entry)
            how += f", entry {result.entry}" + (f" ({where})" if where else "")
        lines.append(f"  found by:  {how}")
        if result.legacy_namespace:
            lines.append(f"  legacy namespace package ({result.legacy_namespace})")
        for hidden in shadows.get(result.name, []):
            lines.append(f"  SHADOWS {hidden}")
    return "\n".join(lines) + "\n"
