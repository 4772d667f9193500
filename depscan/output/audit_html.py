"""The audit as one self-contained HTML page: a summary, a sortable table per section, the diagram.

:func:`audit_html` takes the JSON document of :meth:`depscan.analysis.audit.Audit.to_json` (and, optionally,
the interactive dependency diagram, :class:`depscan.output.html_view.Viewer`, the viewer of ``--graph
out.html``) and returns a complete HTML5 page that opens in a browser with no network: the style and the
scripts are inline, nothing is fetched (a Content-Security-Policy says so to the browser too, and only
lets the page's own scripts run, by their hashes).

Every string of the document is escaped: module names, paths and expressions come from the audited
code and are treated as hostile. The output depends on the document alone (no clock, no current
directory), so the same audit gives the same page byte for byte.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from depscan.output.audit_html_changes import changes_section
from depscan.output.audit_html_parts import (
    SECTIONS,
    Column,
    Markup,
    chain_text,
    esc,
    rows_of,
    section_html,
    sortable_table,
)
from depscan.output.html_view import Viewer, script_hash

_STYLE = """
:root { --fg: #1d2330; --muted: #5b6475; --line: #d8dde6; --head: #f1f4f9; --accent: #2458b3; --bg: #ffffff; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h2 .count { color: var(--muted); font-weight: normal; font-size: 14px; }
p.meta { color: var(--muted); margin: 0 0 16px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 12.5px; }
nav { margin: 8px 0 16px; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 120px;
  color: inherit; text-decoration: none; background: #fafbfd; }
.card b { display: block; font-size: 22px; }
.card span { color: var(--muted); font-size: 12.5px; }
.badges { margin: 6px 0 0; }
.badge { display: inline-block; margin: 0 6px 6px 0; padding: 2px 10px; border-radius: 999px;
  font-size: 12.5px; background: #e9ecef; color: #343a40; border: 1px solid rgba(0, 0, 0, 0.08); }
.badge b { margin-left: 4px; }
.badge[data-capability="process"] { background: #f8d7da; color: #842029; }
.badge[data-capability="network"] { background: #cfe2ff; color: #084298; }
.badge[data-capability="native"] { background: #fff3cd; color: #664d03; }
.badge[data-capability="deserialisation"] { background: #f3d9fa; color: #6f1a8a; }
.badge[data-capability="filesystem-write"] { background: #d1e7dd; color: #0f5132; }
.badge[data-capability="import-system"] { background: #e2e3f3; color: #2f3480; }
.badge[data-capability="code-execution"] { background: #ffe5d0; color: #8a3a00; }
.none { color: var(--muted); font-style: italic; }
.tools { margin: 4px 0 6px; color: var(--muted); font-size: 12.5px; }
.tools input { font: inherit; padding: 3px 8px; width: 260px; margin-right: 8px; border: 1px solid var(--line);
  border-radius: 4px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 4px 10px; border-bottom: 1px solid var(--line); }
th { background: var(--head); font-weight: 600; white-space: nowrap; position: sticky; top: 0; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th::after { content: " \\2195"; color: #a3abba; font-weight: normal; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; color: var(--accent); }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; color: var(--accent); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.path, td.chain { overflow-wrap: anywhere; }
tbody tr:nth-child(even) { background: #fafbfd; }
tbody tr:hover { background: #eef3fb; }
.diagram .dv { height: 80vh; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""

# Sorting by a click on a column header (Enter or Space on a focused one), a filter box per table.
# Columns marked data-type="number" sort numerically (empty cells last); others compare as text with
# numbers inside compared numerically ("file.py:9" before "file.py:10", "3.6" before "3.10").
_SCRIPT = """
(function () {
  "use strict";
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  function text(cell) { return cell ? (cell.getAttribute("data-sort") || cell.textContent || "").trim() : ""; }
  function number(value) { return value !== "" && isFinite(Number(value)) ? Number(value) : null; }
  function compare(a, b, numeric) {
    if (numeric) {
      var x = number(a), y = number(b);
      if (x !== null && y !== null) { return x - y; }
      if (x !== null) { return -1; }
      if (y !== null) { return 1; }
    }
    return a.localeCompare(b, undefined, {numeric: true, sensitivity: "base"});
  }
  function sortBy(table, index) {
    var header = table.tHead.rows[0].cells[index];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var numeric = header.getAttribute("data-type") === "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r, s) {
      var order = compare(text(r.cells[index]), text(s.cells[index]), numeric);
      if (!ascending) { order = -order; }
      return order || Number(r.getAttribute("data-row")) - Number(s.getAttribute("data-row"));
    });
    each(rows, function (row) { body.appendChild(row); });
    each(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  function filter(table, input, counter) {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var rows = table.tBodies[0].rows, shown = 0;
    each(rows, function (row) {
      var content = row.textContent.toLowerCase();
      var match = words.every(function (word) { return content.indexOf(word) !== -1; });
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    counter.textContent = (words.length ? shown + " of " : "") + rows.length + (rows.length === 1 ? " row" : " rows");
  }
  each(document.querySelectorAll("table.sortable"), function (table) {
    each(table.tBodies[0].rows, function (row, index) { row.setAttribute("data-row", String(index)); });
    each(table.tHead.rows[0].cells, function (header, index) {
      header.tabIndex = 0;
      header.title = "sort by this column";
      header.addEventListener("click", function () { sortBy(table, index); });
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(table, index); }
      });
    });
    var tools = document.querySelector('.tools[data-table="' + table.id + '"]');
    if (tools) {
      var input = tools.querySelector("input"), counter = tools.querySelector("span");
      input.addEventListener("input", function () { filter(table, input, counter); });
      tools.hidden = false;
    }
    table.setAttribute("data-sortable", "ready");
  });
  document.documentElement.setAttribute("data-sortable", "ready");
}());
"""


def _policy(scripts: Sequence[str]) -> str:
    """Nothing is fetched, whatever the document holds; only this page's own scripts run."""
    allowed = " ".join(script_hash(script) for script in scripts)
    return f"default-src 'none'; style-src 'unsafe-inline'; script-src {allowed}; base-uri 'none'"


def audit_html(document: Mapping[str, Any], diagram: Viewer | None = None) -> str:
    """A complete HTML5 page for the audit ``document`` (:meth:`Audit.to_json`), with the dependency
    diagram's viewer when given."""
    page = _Page(document)
    changes = document.get("changes")
    scripts = (*(diagram.scripts if diagram is not None else ()), _SCRIPT)
    targets = [str(t) for t in document.get("targets") or ()]
    python = document.get("python") or {}
    title = "depscan audit" + (f": {', '.join(targets)}" if targets else "")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(_policy(scripts))}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="depscan {esc(document.get("depscan_version") or "")}">',
        f"<title>{esc(title)}</title>",
        f"<style>{_STYLE}{diagram.style if diagram is not None else ''}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{_meta(document, python, page.base)}</p>',
        "</header>",
        _nav(diagram is not None, isinstance(changes, Mapping)),
        page.summary(),
        *([changes_section(changes, page.shown)] if isinstance(changes, Mapping) else []),
        page.spots("unanalysed"),
        page.third_party(),
        page.vendored(),
        page.spots("opaque"),
        page.files(),
        page.spots("blindspots"),
        page.packages(),
        page.capabilities(),
        page.portability(),
        page.shadowing(),
        page.diagnostics(),
    ]
    if diagram is not None:
        parts.append(section_html("diagram", f'<div class="diagram">{diagram.markup}</div>'))
    parts += [
        page.modules(),
        _footer(document),
        *(f"<script>{script}</script>" for script in scripts),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


# --- the page ----------------------------------------------------------------------------------


class _Page:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.inventory: list[Mapping[str, Any]] = list(rows_of(document, "inventory"))
        self.base = _base_directory(self.inventory)

    def shown(self, path: Any) -> str:
        """A path as the page shows it: relative to the audited tree's directory when inside it."""
        if not path:
            return ""
        text = str(path)
        if self.base and text.startswith(self.base + os.sep):
            return text[len(self.base) + 1 :]
        return text

    def path_cell(self, path: Any) -> Markup:
        shown = self.shown(path)
        if not shown:
            return Markup("")
        if shown == str(path):
            return Markup(esc(shown))
        return Markup(f'<span title="{esc(path)}">{esc(shown)}</span>')

    def distributions(self) -> list[tuple[str, str, str, int]]:
        found: dict[str, tuple[str, str, int]] = {}
        for entry in self.inventory:
            name = entry.get("distribution")
            if not name:
                continue
            version, licence, count = found.get(str(name), (str(entry.get("version") or ""), "", 0))
            found[str(name)] = (version, licence or str(entry.get("license") or ""), count + 1)
        return [(name, *found[name]) for name in sorted(found, key=lambda n: (n.lower(), n))]

    def summary(self) -> str:
        summary = self.document.get("summary") or {}
        counts = [
            ("modules", "modules", summary.get("modules", len(self.inventory))),
            ("modules", "audited", summary.get("audited", sum(1 for e in self.inventory if e.get("audited")))),
            ("unanalysed", "not analysed", summary.get("unanalysed", len(rows_of(self.document, "unanalysed")))),
            ("third-party", "third-party distributions", summary.get("third_party", len(self.distributions()))),
            ("vendored", "vendored packages", summary.get("vendored", len(rows_of(self.document, "vendored")))),
            ("opaque", "opaque", summary.get("opaque", len(rows_of(self.document, "opaque")))),
            ("files", "opaque files in the tree", summary.get("files", len(rows_of(self.document, "files")))),
            ("blindspots", "blind spots", summary.get("blindspots", len(rows_of(self.document, "blindspots")))),
            ("portability", "portability", summary.get("portability", len(rows_of(self.document, "portability")))),
            ("shadowing", "shadowing", len(rows_of(self.document, "shadowing"))),
            ("diagnostics", "diagnostics", len(rows_of(self.document, "diagnostics"))),
        ]
        cards = "".join(
            f'<a class="card" href="#{anchor}"><b>{esc(count)}</b><span>{esc(label)}</span></a>'
            for anchor, label, count in counts
        )
        capabilities = summary.get("capabilities")
        if not isinstance(capabilities, Mapping):
            capabilities = {}
            for reach in rows_of(self.document, "capabilities"):
                name = str(reach.get("capability"))
                capabilities[name] = capabilities.get(name, 0) + 1
        badges = (
            "".join(
                f'<span class="badge" data-capability="{esc(name)}">{esc(name)}<b>{esc(count)}</b></span>'
                for name, count in sorted(capabilities.items(), key=lambda item: str(item[0]))
            )
            or '<span class="none">none</span>'
        )
        return (
            '<section id="summary">\n<h2>Summary</h2>\n'
            f'<div class="cards">{cards}</div>\n'
            f'<div class="badges"><strong>Capabilities reached:</strong> {badges}</div>\n</section>'
        )

    def third_party(self) -> str:
        rows = [[name, version, licence, count] for name, version, licence, count in self.distributions()]
        columns = [Column("Distribution"), Column("Version"), Column("Licence"), Column("Modules", numeric=True)]
        return section_html("third-party", sortable_table("third-party", columns, rows), len(rows))

    def vendored(self) -> str:
        from depscan.output.audit import version_source_text

        rows: list[list[Any]] = [
            [
                v.get("package"),
                v.get("version") or "",
                v.get("module"),
                self.path_cell(v.get("path")),
                version_source_text(v.get("version_source"), self.shown),
            ]
            for v in rows_of(self.document, "vendored")
        ]
        columns = [
            Column("Package"),
            Column("Version"),
            Column("Module", css="mono"),
            Column("Where", css="path"),
            Column("Version from", css="path"),
        ]
        return section_html("vendored", sortable_table("vendored", columns, rows), len(rows))

    def spots(self, key: str) -> str:
        rows: list[list[Any]] = [
            [
                s.get("kind"),
                s.get("module"),
                self.path_cell(s.get("path")),
                s.get("line") or "",
                s.get("detail"),
                s.get("target") or "",
            ]
            for s in rows_of(self.document, key)
        ]
        columns = [
            Column("Kind"),
            Column("Module", css="mono"),
            Column("File", css="path"),
            Column("Line", numeric=True),
            Column("Detail"),
            Column("Target", css="mono path"),
        ]
        return section_html(key, sortable_table(key, columns, rows), len(rows))

    def files(self) -> str:
        from depscan.output.audit import file_summary

        rows: list[list[Any]] = [
            [
                f.get("kind"),
                Markup(f'<span title="{esc(f.get("path"))}">{esc(f.get("relative"))}</span>'),
                f.get("size") if f.get("size") is not None else "",
                f.get("sha256") or "",
                f.get("module") or "",
                file_summary(f),
            ]
            for f in rows_of(self.document, "files")
        ]
        columns = [
            Column("Kind"),
            Column("File", css="path"),
            Column("Size", numeric=True),
            Column("SHA-256", css="mono path"),
            Column("Module", css="mono"),
            Column("What"),
        ]
        return section_html("files", sortable_table("files", columns, rows), len(rows))

    def chain(self, reach: Mapping[str, Any]) -> tuple[int, str]:
        """A capability's chain: its number of hops, and the hops in words."""
        return chain_text(reach, self.shown)

    def packages(self) -> str:
        rows: list[list[Any]] = []
        for package in rows_of(self.document, "packages"):
            first = [package.get("name"), package.get("kind"), package.get("version") or "", package.get("modules")]
            first += [package.get("opaque", 0), package.get("blindspots", 0)]  # what it holds that cannot be read
            reached = [c for c in package.get("capabilities") or () if isinstance(c, Mapping)]
            for capability in reached:
                example = capability.get("example")
                _, hops = self.chain(example if isinstance(example, Mapping) else {})
                rows.append([*first, capability.get("capability"), capability.get("modules"), hops])
            if not reached:
                rows.append([*first, "", "", ""])
        columns = [
            Column("Package"),
            Column("Kind"),
            Column("Version"),
            Column("Modules", numeric=True),
            Column("Opaque", numeric=True),
            Column("Blind spots", numeric=True),
            Column("Capability"),
            Column("Modules reaching it", numeric=True),
            Column("Example chain", css="chain mono"),
        ]
        return section_html(
            "packages", sortable_table("packages", columns, rows), len(rows_of(self.document, "packages"))
        )

    def capabilities(self) -> str:
        rows: list[list[Any]] = []
        for reach in rows_of(self.document, "capabilities"):
            hop_count, hops = self.chain(reach)
            rows.append([reach.get("capability"), reach.get("module"), reach.get("via"), hop_count, hops])
        columns = [
            Column("Capability"),
            Column("Module", css="mono"),
            Column("Via", css="mono"),
            Column("Hops", numeric=True),
            Column("Chain", css="chain mono"),
        ]
        return section_html("capabilities", sortable_table("capabilities", columns, rows), len(rows))

    def portability(self) -> str:
        rows: list[list[Any]] = []
        for issue in rows_of(self.document, "portability"):
            sites = [site for site in issue.get("sites") or () if isinstance(site, Mapping)]
            where = ", ".join(f"{self.shown(site.get('path'))}:{site.get('line')}" for site in sites)
            rows.append(
                [
                    issue.get("module"),
                    issue.get("status"),
                    issue.get("since"),
                    issue.get("version"),
                    issue.get("replacement") or "",
                    len(sites),
                    where,
                ]
            )
        columns = [
            Column("Module", css="mono"),
            Column("Status"),
            Column("Since"),
            Column("Target Python"),
            Column("Replacement", css="mono"),
            Column("Imports", numeric=True),
            Column("Imported at", css="path"),
        ]
        return section_html("portability", sortable_table("portability", columns, rows), len(rows))

    def shadowing(self) -> str:
        rows: list[list[Any]] = []
        for entry in rows_of(self.document, "shadowing"):
            hides = entry.get("hides")
            hidden = hides if isinstance(hides, list) else [hides] if hides else []
            rows.append([entry.get("module"), ", ".join(str(h) for h in hidden)])
        columns = [Column("Module", css="mono"), Column("Hides", css="mono")]
        return section_html("shadowing", sortable_table("shadowing", columns, rows), len(rows))

    def diagnostics(self) -> str:
        rows: list[list[Any]] = [
            [
                d.get("code"),
                d.get("severity"),
                d.get("message"),
                self.path_cell(d.get("path")),
                d.get("line") or "",
                d.get("col") or "",
            ]
            for d in rows_of(self.document, "diagnostics")
        ]
        columns = [
            Column("Code", css="mono"),
            Column("Severity"),
            Column("Message"),
            Column("File", css="path"),
            Column("Line", numeric=True),
            Column("Col", numeric=True),
        ]
        return section_html("diagnostics", sortable_table("diagnostics", columns, rows), len(rows))

    def modules(self) -> str:
        rows: list[list[Any]] = [
            [
                e.get("name"),
                e.get("kind"),
                e.get("category") or "",
                "yes" if e.get("audited") else "no",
                e.get("distribution") or "",
                self.path_cell(e.get("path")),
            ]
            for e in self.inventory
        ]
        columns = [
            Column("Module", css="mono"),
            Column("Kind"),
            Column("Category"),
            Column("Audited"),
            Column("Distribution"),
            Column("Path", css="path"),
        ]
        return section_html("modules", sortable_table("modules", columns, rows), len(rows))


# --- pieces ------------------------------------------------------------------------------------


def _base_directory(inventory: Iterable[Mapping[str, Any]]) -> str | None:
    """The directory the audited tree is in: paths under it are shown relative to it (``app/loader.py``)."""
    paths = [str(e["path"]) for e in inventory if e.get("audited") and e.get("path") and os.path.isabs(str(e["path"]))]
    if not paths:
        return None
    try:
        common = os.path.commonpath([os.path.dirname(p) for p in paths])
    except ValueError:  # different drives
        return None
    if os.path.join(common, "__init__.py") in paths:  # the audited directory is a package: show its name
        common = os.path.dirname(common)
    return common if common and common != os.path.dirname(common) else None


def _meta(document: Mapping[str, Any], python: Mapping[str, Any], base: str | None) -> str:
    pieces = [f"Python {esc(python.get('version') or '?')}"]
    if python.get("executable"):
        pieces[0] += f" (<code>{esc(python['executable'])}</code>)"
    pieces.append(f"depscan {esc(document.get('depscan_version') or '?')}")
    if python.get("environment"):
        pieces.append(f"searched: {esc(python['environment'])}")
    if base:
        pieces.append(f"paths relative to <code>{esc(base)}</code>")
    return " &middot; ".join(pieces)


def _nav(with_diagram: bool, with_changes: bool) -> str:
    shown = {"diagram": with_diagram, "changes": with_changes}
    links = [("summary", "Summary")] + [(a, t) for a, t in SECTIONS if shown.get(a, True)]
    return "<nav>" + " ".join(f'<a href="#{anchor}">{esc(title)}</a>' for anchor, title in links) + "</nav>"


def _footer(document: Mapping[str, Any]) -> str:
    schema = f"schema {document.get('schema', '?')} version {document.get('schema_version', '?')}"
    return (
        f"<footer>{esc(schema)} &middot; nothing audited was run: depscan reads sources and metadata as text</footer>"
    )
