"""The audit's reports: text for a terminal, SARIF for code scanning, and the phrases they share
with the Markdown comment (:mod:`depscan.output.audit_markdown`) and the HTML page
(:mod:`depscan.output.audit_html`). The JSON report is :meth:`depscan.analysis.audit.Audit.to_json`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from depscan import __version__
from depscan.analysis.audit import Audit, Changes, Spot
from depscan.atomic import one_line
from depscan.model.graph import Site
from depscan.output import sarif
from depscan.source import shown_path

PLACES_SHOWN = 3  # per line of the text report and row of the Markdown one; JSON and HTML have them all

# --- the text report ---------------------------------------------------------------------------


def audit_text(report: Audit) -> str:
    """The audit for a terminal: a summary, then each section, sorted and deterministic."""
    lines: list[str] = []
    summary = report.summary()
    interp = report.interpreter
    lines.append(f"# audit of {', '.join(report.targets)} for Python {'.'.join(map(str, interp.version[:3]))}")
    capabilities = ", ".join(f"{name} ({count})" for name, count in summary["capabilities"].items()) or "none"
    lines.append(
        f"{summary['modules']} modules ({summary['audited']} audited), {summary['third_party']} third-party "
        f"distributions, {summary['vendored']} vendored packages, {summary['opaque']} opaque, "
        f"{summary['blindspots']} blind spots; capabilities: {capabilities}"
        + (f"; NOT ANALYSED: {summary['unanalysed']}" if summary["unanalysed"] else "")
    )
    lines.append(f"searched: {report.environment()}")

    def section(title: str, rows: list[str]) -> None:
        lines.append("")
        lines.append(f"{title}:")
        lines.extend(f"  {row}" for row in rows) if rows else lines.append("  (none)")

    if report.unanalysed:
        section("Not analysed (what these modules import and do is unknown)", [_spot_row(s) for s in report.unanalysed])
    third = {}
    for entry in report.inventory:
        if entry.distribution:
            third[entry.distribution] = (
                f"{entry.distribution} {entry.version or '?'}  ({entry.license or 'licence unknown'})"
            )
    section("Third-party distributions", sorted(third.values(), key=str.lower))
    by_category: dict[str, int] = {}
    for entry in report.inventory:
        key = "audited" if entry.audited else entry.category or "missing"
        by_category[key] = by_category.get(key, 0) + 1
    section("Modules", [f"{count:>5}  {key}" for key, count in sorted(by_category.items())])
    section(
        "Vendored packages",
        [
            f"{v.package} {v.version or '(no version declared)'}  as {v.module}  {shown_path(v.path)}"
            + (f"  [version: {version_source_text(v.to_json()['version_source'])}]" if v.version_source else "")
            for v in report.vendored
        ],
    )
    section("Opaque code", [_spot_row(s) for s in report.opaque])
    section(
        "Files of the tree that are not plain source or data",
        [_file_row(item.to_json()) for item in report.files],
    )
    section("What static analysis cannot see", [_spot_row(s) for s in report.blindspots])
    section("Capabilities per package (how many of its modules reach each; the shortest chain)", _package_rows(report))
    rows = []
    for reach in report.capabilities:
        hops = " -> ".join(
            f"{name}"
            + (f" ({shown_path(site.path)}:{site.line})" if site is not None else "")
            + (" [in a function]" if site is not None and site.delayed else "")
            for name, site in reach.chain
        )
        rows.append(
            f"{reach.capability:<16} {reach.module}: {hops}" + (f"  [{reach.via}]" if reach.via not in hops else "")
        )
    section("Capabilities (shortest chain)", rows)
    section(
        "Portability",
        [
            f"{p.module}: {p.status} in {p.since} (target {p.version})"
            + (f"; use {p.replacement}" if p.replacement else "")
            + "  "
            + places(p.sites)
            for p in report.portability
        ]
        + [f"{s['module']} shadows {', '.join(s['hides'])}" for s in report.shadowing],
    )
    section("Diagnostics", [str(d) for d in report.diagnostics])
    return "\n".join(lines) + "\n"


def _package_rows(report: Audit) -> list[str]:
    rows = []
    for package in report.packages:
        count = f"{package.modules} module{'s' * (package.modules != 1)}"
        count += f", {package.opaque} opaque" if package.opaque else ""
        count += f", {package.blindspots} blind spot{'s' * (package.blindspots != 1)}" if package.blindspots else ""
        head = f"{package.name} {package.version or '(no version)'} [{package.kind}, {count}]"
        rows.append(head + ("" if package.capabilities else ": none"))
        for capability, (reached, example) in package.capabilities.items():
            chain = " -> ".join(name for name, _ in example.chain)
            via = f"  [{example.via}]" if example.via not in chain else ""
            rows.append(f"    {capability:<16} {reached:>4}  {chain}{via}")
    return rows


def places(sites: Sequence[Site], shown_as: Callable[[str | None], str] = shown_path) -> str:
    """The first :data:`PLACES_SHOWN` places, and how many more there are (paths shown by ``shown_as``)."""
    shown = ", ".join(f"{shown_as(s.path)}:{s.line}" for s in sites[:PLACES_SHOWN])
    more = len(sites) - PLACES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def version_source_text(source: Mapping[str, Any] | None, shown: Callable[[str], str] = shown_path) -> str:
    """Where a vendored package's version was read (its JSON ``version_source``), in words."""
    if not isinstance(source, Mapping):
        return ""
    where = shown(str(source.get("path") or "")) + (f":{source['line']}" if source.get("line") else "")
    kind = source.get("kind")
    if kind == "metadata":
        return one_line(f"metadata of {source.get('distribution')} in {where}")
    if kind == "requirements":
        return one_line(f"{source.get('distribution')} pinned in {where}")
    return one_line(f"{kind} in {where}")


def _file_row(item: Mapping[str, Any]) -> str:
    return f"{item['kind']:<15} {one_line(item['relative'])}  {size_text(item)}  {file_summary(item)}"


def size_text(item: Mapping[str, Any]) -> str:
    """The size and hash of a file of the tree, as the reports show them."""
    if item.get("sha256") is None:
        return "(not hashed)" if item.get("kind") == "link" and item.get("module") else "(not read)"
    return f"{item['size']} bytes, sha256 {item['sha256']}"


# The kinds of file the scan can find a module in: for the others, "imported" does not apply.
_IMPORTABLE_KINDS = ("extension", "bytecode", "archive")


def file_summary(item: Mapping[str, Any]) -> str:
    """What a file of the tree is, whether a module of the scan is in it, and for a ``.pth`` file what
    ``site`` would do with it, in one line (an item of the JSON document's ``files``)."""
    parts = [str(item.get("detail") or "")]
    if item.get("module") == "__main__":  # (no import finds a file as __main__: the script named)
        parts.append("run as __main__")
    elif item.get("module"):
        parts.append(f"imported as {item['module']}")
    elif item.get("kind") in _IMPORTABLE_KINDS:
        parts.append("no module imports it")
    pth = item.get("pth") or {}
    for key, what in (("paths", "adds to sys.path"), ("imports", "runs at start-up")):
        lines = [line for line in pth.get(key) or () if isinstance(line, Mapping)]
        if lines:
            parts.append(f"{what}: " + ", ".join(f"line {line.get('line')}: {line.get('text')}" for line in lines))
    if item.get("problem"):
        parts.append(f"not read: {item['problem']}")
    return one_line("; ".join(part for part in parts if part))


def _spot_row(spot: Spot) -> str:
    where = f"{shown_path(spot.path)}:{spot.line}" if spot.line else shown_path(spot.path) or spot.module
    target = f"  [{spot.target}]" if spot.target else ""
    return one_line(f"{spot.kind:<18} {where}  {spot.detail}{target}")  # a target is code from the tree


def changes_text(changes: Changes) -> str:
    lines = ["", "Changes since the baseline:"]

    def part(title: str, rows: list[str]) -> None:
        lines.append(f"  {title}: " + ("none" if not rows else ""))
        lines.extend(f"    {row}" for row in rows)

    part("modules added", changes.modules_added)
    part("modules removed", changes.modules_removed)
    part(
        "new capabilities",
        [
            f"{c['capability']} {c['module']}: " + " -> ".join(h["module"] for h in c["chain"])
            for c in changes.capabilities
        ],
    )
    part(
        "new opaque code",
        [f"{o['kind']} {o['module']}" + (f" [{o['target']}]" if o["target"] else "") for o in changes.opaque],
    )
    part(
        "new blind spots",
        [f"{b['kind']} {shown_path(b['path'])}:{b['line']}  {b['detail']}" for b in changes.blindspots],
    )
    part("new portability problems", [f"{p['module']} {p['status']} in {p['version']}" for p in changes.portability])
    part("new or changed files", [f"{f['kind']} {one_line(f['relative'])}" for f in changes.files])
    part("vendored versions", [f"{v['package']} {v['before']} -> {v['after']}" for v in changes.versions])
    return "\n".join(lines) + "\n"


# --- Markdown and SARIF ------------------------------------------------------------------------


def audit_sarif(report: Audit) -> str:
    """SARIF 2.1.0: opaque code and blind spots as warnings, capabilities and portability as notes."""
    rules: dict[str, sarif.Rule] = {}
    results: list[sarif.Result] = []

    def add(rule: str, level: str, message: str, path: str | None, line: int, description: str) -> None:
        rules.setdefault(rule, sarif.Rule(rule, description))
        # A place inside an archive, or gone since, is not a file code scanning can show.
        place = path if path and os.path.exists(path) else None
        results.append(sarif.Result(rule, level, message, place, line if place else 0))

    for spot in report.unanalysed:
        add("unanalysed", "error", f"{spot.module}: {spot.detail}", spot.path, spot.line, "a module not analysed")
    for spot in report.opaque:
        add(f"opaque/{spot.kind}", "warning", f"{spot.module}: {spot.detail}", spot.path, spot.line, "opaque code")
    for item in report.files:  # one that a module is in is opaque code above already, but for a link
        message = f"{item.relative}: {file_summary(item.to_json())}"
        if item.module is None:
            add(f"file/{item.kind}", "warning", message, item.path, 0, "a file of the tree no module imports")
        elif item.kind == "link":
            add("file/link-followed", "warning", message, item.path, 0, "a link out of the tree an import follows")
    for spot in report.blindspots:
        add(f"blindspot/{spot.kind}", "warning", spot.detail, spot.path, spot.line, "what static analysis cannot see")
    for reach in report.capabilities:
        chain = " -> ".join(name for name, _ in reach.chain)
        first = next((site for _, site in reach.chain if site is not None), None)
        module = report.scan.modules.get(reach.module)
        add(
            f"capability/{reach.capability}",
            "note",
            f"{reach.module} reaches {reach.capability}: {chain}",
            first.path if first else module.path if module is not None else None,
            first.line if first else 0,
            f"reaches the {reach.capability} capability",
        )
    for issue in report.portability:
        for site in issue.sites:
            add(
                f"portability/{issue.status}",
                "warning" if issue.status == "removed" else "note",
                f"{issue.module} is {issue.status} in Python {issue.since} (target {issue.version})",
                site.path,
                site.line,
                f"a module {issue.status} in a target Python version",
            )
    return sarif.sarif("depscan audit", __version__, rules, results)
