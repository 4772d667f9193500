"""The scan's reports: text for a person, JSON for programs (schema ``depscan/scan``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring
from typing import Any

from depscan import __version__
from depscan.analysis.graph import Cycle
from depscan.analysis.scan import Missing, ScanResult
from depscan.atomic import one_line
from depscan.model.graph import Site
from depscan.output import jsonfmt
from depscan.source import shown_path

SCAN_SCHEMA = "depscan/scan"
SCAN_SCHEMA_VERSION = 1
CATEGORIES = ("project", "third_party", "stdlib")


def _where(site: Site) -> str:
    return f"{shown_path(site.path) or site.importer}:{site.line}"


def summary(result: ScanResult, cycles: Sequence[Cycle]) -> dict[str, int]:
    counts = {category: 0 for category in CATEGORIES}
    for resolution in result.modules.values():
        if resolution.category in counts:
            counts[resolution.category] += 1
    errors = result.errors()
    return {
        "modules": len(result.modules),
        **counts,
        "missing": len(result.missing),
        "missing_errors": len(errors),
        "maybe_missing": len(result.maybe_missing),
        "dynamic": len(result.dynamic),
        "dead": len(result.dead),
        "cycles": len(cycles),
        "diagnostics": len(result.diagnostics),
    }


def scan_text(result: ScanResult, cycles: Sequence[Cycle]) -> str:
    counts = summary(result, cycles)
    interp = result.interpreter
    version = ".".join(map(str, interp.version))
    lines = [
        f"{counts['modules']} modules ({counts['project']} project, {counts['third_party']} third-party, "
        f"{counts['stdlib']} stdlib), {counts['missing']} missing ({counts['missing_errors']} not optional), "
        f"{counts['maybe_missing']} maybe missing, {counts['dynamic']} dynamic imports, {counts['cycles']} cycles",
        f"Python {version}" + (f" at {interp.executable}" if interp.executable else " (from depscan's tables)"),
    ]
    for category, title in (("project", "Project"), ("third_party", "Third-party"), ("stdlib", "Standard library")):
        names = sorted(n for n, r in result.modules.items() if r.category == category)
        if not names:
            continue
        lines += ["", f"{title} modules ({len(names)}):"]
        if category == "stdlib":
            lines += _wrap(names)
            continue
        width = max(len(n) for n in names)
        for name in names:
            resolution = result.modules[name]
            where = shown_path(resolution.path) if resolution.path not in (None, "built-in", "frozen") else ""
            kind = "" if resolution.kind == "source" else f"  [{resolution.kind}]"
            lines.append(f"  {name:<{width}}  {where}{kind}".rstrip())
    if result.missing:
        lines += ["", "Missing:"]
        lines += _missing_lines(result, result.missing.values())
    if result.maybe_missing:
        lines += ["", "Maybe missing (the package's names cannot all be known statically):"]
        lines += _missing_lines(result, result.maybe_missing.values())
    if result.dynamic:
        lines += ["", "Dynamic imports (module not known statically):"]
        for module, dynamic in sorted(result.dynamic, key=lambda d: (d[0], d[1].line)):
            path = result.modules[module].path if module in result.modules else module
            lines.append(f"  {shown_path(path)}:{dynamic.line}  {dynamic.via}({dynamic.expression})")
    if result.dead:
        lines += ["", f"Not imported on Python {version} ({interp.platform}):"]
        for _, site in sorted(result.dead, key=lambda d: (d[1].path or "", d[1].line)):
            lines.append(f"  {_where(site)}  {site.statement}")
    if cycles:
        lines += ["", "Import cycles among project modules:"]
        for cycle in cycles:
            lines.append("  " + " <-> ".join(cycle.modules))
            for u, v, sites in cycle.edges:
                lines.append(f"    {u} -> {v}  ({', '.join(_where(s) for s in sites)})")
            lines.append(f"    suggestion: cut {cycle.cut[0]} -> {cycle.cut[1]}, or move it into a function")
    if result.diagnostics:
        lines += ["", "Diagnostics:"]
        seen: set[str] = set()
        for diagnostic in sorted(result.diagnostics, key=lambda d: (d.path or "", d.line, d.code)):
            text = f"  {shown_path(diagnostic.path) or '<input>'}"
            text += f":{diagnostic.line}" if diagnostic.line else ""
            text += f": {diagnostic.code} {diagnostic.message}"
            if text not in seen:
                seen.add(text)
                lines.append(text)
    return "\n".join(lines) + "\n"


def _wrap(names: Sequence[str], width: int = 96) -> list[str]:
    lines: list[str] = []
    current = " "
    for name in names:
        if len(current) + len(name) + 2 > width:
            lines.append(current.rstrip(", "))
            current = " "
        current += f" {name},"
    if current.strip():
        lines.append(current.rstrip(","))
    return lines


def _missing_lines(result: ScanResult, entries: Any) -> list[str]:
    lines: list[str] = []
    for entry in sorted(entries, key=lambda m: m.name):
        if entry.maybe:
            state = ""
        elif entry.name in result.excused:
            state = f"  (not an error: {result.excused[entry.name]})"
        elif result.satisfied(entry):
            state = "  (optional)"
        else:
            state = ""
        sites = sorted(entry.sites, key=lambda s: (s.path or "", s.line))
        lines.append(f"  {one_line(entry.name)}{state}")  # a name may come from a string: import_module("x\n...")
        for site in sites:
            tags = [
                tag
                for tag, on in (
                    ("optional", site.optional),
                    ("fallback", site.fallback),
                    ("TYPE_CHECKING", site.type_checking),
                    ("in function", site.delayed),
                )
                if on
            ]
            extra = f"  [{', '.join(tags)}]" if tags else ""
            lines.append(f"    {_where(site)}  {site.statement}{extra}")
    return lines


def scan_json(result: ScanResult, cycles: Sequence[Cycle]) -> str:
    """Schema ``depscan/scan``. Its long lists (modules, import edges, missing modules) are laid out
    by templates, item by item (see :class:`_SiteTexts`): a large tree has 100,000 import sites, and
    dicts encoded by the JSON encoder cost a third of such a scan (tests compare the two on real
    scans, character for character)."""
    interp = result.interpreter
    roots = set(result.roots)
    modules = (_module_json(name, result, roots) for name in sorted(result.modules))
    texts = _SiteTexts()
    imports = (
        _edge_json(u, v, edge.sites, texts)
        for u, v, edge in sorted(result.graph_data.imports(), key=lambda item: item[:2])
    )
    document = {
        "schema": SCAN_SCHEMA,
        "schema_version": SCAN_SCHEMA_VERSION,
        "depscan_version": __version__,
        "python": {
            "executable": interp.executable or None,
            "version": ".".join(map(str, interp.version)),
            "implementation": interp.implementation,
            "platform": interp.platform,
        },
        "roots": list(result.roots),
        "summary": summary(result, cycles),
        "modules": modules,
        "imports": imports,
        "missing": (_missing_json(result, m, texts) for m in sorted(result.missing.values(), key=lambda m: m.name)),
        "maybe_missing": (
            _missing_json(result, m, texts) for m in sorted(result.maybe_missing.values(), key=lambda m: m.name)
        ),
        "dynamic": [
            {"module": module, "path": result.modules[module].path if module in result.modules else None, **d.to_json()}
            for module, d in sorted(result.dynamic, key=lambda d: (d[0], d[1].line))
        ],
        "dead": [site.to_json() for _, site in sorted(result.dead, key=lambda d: (d[1].path or "", d[1].line))],
        "cycles": [cycle.to_json() for cycle in cycles],
        "diagnostics": [d.to_json() for d in sorted(result.diagnostics, key=lambda d: (d.path or "", d.line, d.code))],
    }
    return jsonfmt.dumps(document)


def _module_json(name: str, result: ScanResult, roots: set[str]) -> jsonfmt.Encoded:
    """``{"name", "kind", "category", "is_package", "path", "file", "root", "scanned"}`` of a module."""
    found = result.modules[name]
    scanned = name in result.extractions and bool(found.file)
    return jsonfmt.Encoded(
        f'{{"name": {encode_basestring(name)}, "kind": {_string(found.kind)}, "category": {_string(found.category)}'
        f', "is_package": {_BOOLEAN[bool(found.is_package)]}, "path": {_string(found.path)}'
        f', "file": {_string(found.file)}, "root": {_BOOLEAN[name in roots]}, "scanned": {_BOOLEAN[scanned]}}}'
    )


class _SiteTexts:
    """Import sites as the JSON of ``Site.to_json`` (without its closing brace), laid out by a
    template: what the sites of one importer share (its name and path) and what the imports of
    one module share (their contexts, by id: they live as long as the scan's result) written once."""

    def __init__(self) -> None:
        self.heads: dict[tuple[str, str | None], str] = {}
        self.contexts: dict[int, str] = {}

    def open(self, site: Site) -> str:
        head = self.heads.get((site.importer, site.path))
        if head is None:
            if len(self.heads) > 1000:  # (the edges come sorted by importer: the last few are enough)
                self.heads.clear()
            head = self.heads[site.importer, site.path] = (
                f'{{"importer": {encode_basestring(site.importer)}, "path": {_string(site.path)}'
            )
        record = site.record
        context = record.context
        how = self.contexts.get(id(context))
        if how is None:
            how = self.contexts[id(context)] = (
                f'"optional": {_BOOLEAN[context.optional]}, "fallback": {_BOOLEAN[context.fallback]}'
                f', "try": {"null" if context.try_id is None else context.try_id}'
                f', "outer_tries": [{", ".join(map(str, context.outer_tries))}]'
                f', "outer_handlers": [{", ".join(map(str, context.outer_handlers))}]'
                f', "type_checking": {_BOOLEAN[context.type_checking]}, "delayed": {_BOOLEAN[context.delayed]}'
            )
        return (
            f'{head}, "line": {record.line}, "col": {record.col}, "statement": {encode_basestring(record.statement)}'
            f', {how}, "conditional": {_BOOLEAN[site.conditional]}'
        )


def _edge_json(importer: str, imported: str, sites: Iterable[Site], texts: _SiteTexts | None = None) -> jsonfmt.Encoded:
    """``{"from": importer, "to": imported, "sites": [site.to_json(), ...]}`` as :func:`jsonfmt.dumps`
    encodes it (``texts``: kept from edge to edge by the caller)."""
    texts = _SiteTexts() if texts is None else texts
    shown = ", ".join([f"{texts.open(site)}}}" for site in sites])
    return jsonfmt.Encoded(
        f'{{"from": {encode_basestring(importer)}, "to": {encode_basestring(imported)}, "sites": [{shown}]}}'
    )


_BOOLEAN = {False: "false", True: "true"}


def _string(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _missing_json(result: ScanResult, entry: Missing, texts: _SiteTexts) -> jsonfmt.Encoded:
    """``Missing.to_json`` with whether it is an error, why the check excuses it, and which of its
    imports fail (each site's ``error``), as :func:`jsonfmt.dumps` encodes it."""
    error = not entry.maybe and not result.satisfied(entry)
    sites = []
    absolute: dict[str, str] = {}
    for site in entry.sites:
        failing = error
        if error and result.failing is not None:
            path = site.path or ""
            where = absolute.get(path) or absolute.setdefault(path, os.path.abspath(path))
            failing = (where, site.line, site.col) in result.failing
        sites.append(f'{texts.open(site)}, "error": {_BOOLEAN[failing]}}}')
    excused = _string(result.excused.get(entry.name))  # why the check would not call it an error
    return jsonfmt.Encoded(
        f'{{"name": {encode_basestring(entry.name)}, "optional": {_BOOLEAN[entry.optional]}'
        f', "sites": [{", ".join(sites)}], "error": {_BOOLEAN[error]}, "excused": {excused}}}'
    )


# --- why and importers ---------------------------------------------------------------------------

Chain = Sequence[tuple[str, "Site | None"]]  # the root first; each hop with the import that makes it


def why_text(chains: Sequence[Chain]) -> str:
    """Each chain from a root to the module, a hop a line with its ``file:line`` and statement."""
    lines = []
    for number, chain in enumerate(chains, start=1):
        lines += [f"chain {number}:", f"  {chain[0][0]}"]
        for name, site in chain[1:]:
            where = f"{_where(site)}  {site.statement}" if site is not None else "(parent package)"
            lines.append(f"  -> {name}    {where}")
    return "".join(line + "\n" for line in lines)


def why_json(module: str, chains: Sequence[Chain]) -> str:
    """Schema ``depscan/why``: the chains, each a list of hops (``site`` null for the root, and for
    a parent package imported before its submodule)."""
    document = {
        "schema": "depscan/why",
        "schema_version": 1,
        "depscan_version": __version__,
        "module": module,
        "chains": [
            [{"module": name, "site": site.to_json() if site is not None else None} for name, site in chain]
            for chain in chains
        ],
    }
    return jsonfmt.dumps(document)


def importers_text(found: Sequence[tuple[str, Sequence[Site]]]) -> str:
    """An importer a line, with the places it imports the module (none for a transitive one)."""
    lines = [f"{name}  {', '.join(_where(site) for site in sites)}".rstrip() for name, sites in found]
    return "".join(line + "\n" for line in lines)


def importers_json(module: str, transitive: bool, found: Sequence[tuple[str, Sequence[Site]]]) -> str:
    """Schema ``depscan/importers``: each importer with the sites of its imports of the module."""
    document = {
        "schema": "depscan/importers",
        "schema_version": 1,
        "depscan_version": __version__,
        "module": module,
        "transitive": transitive,
        "importers": [{"module": name, "sites": [site.to_json() for site in sites]} for name, sites in found],
    }
    return jsonfmt.dumps(document)
