"""The HTML report's "Changes since the baseline" section (:mod:`depscan.output.audit_html`).

It reads the ``changes`` part of the audit's JSON document (:meth:`depscan.analysis.audit.Changes.to_json`):
first the review of a dependency update (a row per distribution added, removed or changed, then what is
new in each: capabilities with the chain that brings each, opaque code, ``.pth`` lines, blind spots), then
the other changes (modules added and removed, new capabilities, opaque code, files, blind spots and
portability problems, vendored versions changed). Every string is escaped and every table is sortable
as the page's others are; the section is built from the document alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from depscan.output.audit_html_parts import ARROW, Column, chain_text, esc, rows_of, section_html, sortable_table
from depscan.output.review import news

# What a row of the dependency update counts (its JSON key), and the column's title.
_NEWS_COUNTS = (
    ("new_capabilities", "New capabilities"),
    ("new_opaque", "New opaque code"),
    ("new_pth_lines", "New .pth lines"),
    ("new_blindspots", "New blind spots"),
)


def changes_section(changes: Mapping[str, Any], shown: Callable[[Any], str]) -> str:
    """The section for ``changes`` (a document's ``changes``); ``shown`` gives a path as the page shows it."""
    distributions = rows_of(changes, "distributions")
    parts = []
    if distributions:
        parts += [
            f"<h3>Dependency update: {esc(_counts(distributions))}</h3>",
            sortable_table("update", _UPDATE_COLUMNS, [_update_row(d) for d in distributions]),
            "<h3>What is new in each distribution</h3>",
            sortable_table("update-news", _NEWS_COLUMNS, _news_rows(distributions)),
        ]
        parts.append("<h3>Other changes</h3>")
    parts.append(sortable_table("changes", _CHANGE_COLUMNS, _change_rows(changes, shown)))
    return section_html("changes", "\n".join(parts))


_UPDATE_COLUMNS = (
    Column("Distribution"),
    Column("Status"),
    Column("Before"),
    Column("After"),
    *(Column(title, numeric=True) for _, title in _NEWS_COUNTS),
)
_NEWS_COLUMNS = (Column("Distribution"), Column("New"), Column("Detail", css="chain mono"))
_CHANGE_COLUMNS = (Column("Change"), Column("Module", css="mono"), Column("Detail", css="chain mono"))


def _counts(distributions: list[Mapping[str, Any]]) -> str:
    statuses = [str(d.get("status")) for d in distributions]
    return ", ".join(f"{statuses.count(status)} {status}" for status in ("added", "changed", "removed"))


def _update_row(change: Mapping[str, Any]) -> list[Any]:
    counts = [len(rows_of(change, key)) for key, _ in _NEWS_COUNTS]
    return [change.get("name"), change.get("status"), change.get("before") or "", change.get("after") or "", *counts]


def _news_rows(distributions: list[Mapping[str, Any]]) -> list[list[Any]]:
    return [[change.get("name"), what, detail] for change in distributions for what, detail in news(change)]


def _change_rows(changes: Mapping[str, Any], shown: Callable[[Any], str]) -> list[list[Any]]:
    """A row per change that is not a distribution's: what changed, the module, what it is."""
    rows: list[list[Any]] = [["module added", name, ""] for name in _names(changes, "modules_added")]
    rows += [["module removed", name, ""] for name in _names(changes, "modules_removed")]
    rows += [
        [f"new capability: {c.get('capability')}", c.get("module"), chain_text(c, shown)[1]]
        for c in rows_of(changes, "new_capabilities")
    ]
    rows += [
        [f"new opaque code: {o.get('kind')}", o.get("module"), _place(o, shown) + _target(o)]
        for o in rows_of(changes, "new_opaque")
    ]
    rows += [
        [f"new or changed file: {f.get('kind')}", f.get("module") or "", _file(f)]
        for f in rows_of(changes, "new_files")
    ]
    rows += [
        [f"new blind spot: {b.get('kind')}", b.get("module"), f"{_place(b, shown)} {b.get('detail') or ''}".strip()]
        for b in rows_of(changes, "new_blindspots")
    ]
    rows += [
        [f"new portability problem: {p.get('status')}", p.get("module"), _portability(p)]
        for p in rows_of(changes, "new_portability")
    ]
    rows += [
        [f"vendored version: {v.get('package')}", v.get("module"), f"{v.get('before')} {ARROW} {v.get('after')}"]
        for v in rows_of(changes, "vendored_versions")
    ]
    return rows


def _place(spot: Mapping[str, Any], shown: Callable[[Any], str]) -> str:
    where = shown(spot.get("path"))
    return f"{where}:{spot['line']}" if where and spot.get("line") else where


def _target(spot: Mapping[str, Any]) -> str:
    return f" [{spot['target']}]" if spot.get("target") else ""


def _file(item: Mapping[str, Any]) -> str:
    facts = f"{item.get('size')} bytes, sha256 {item['sha256']}" if item.get("sha256") else "not read"
    return f"{item.get('relative')} ({facts})"


def _portability(issue: Mapping[str, Any]) -> str:
    replacement = f"; use {issue['replacement']}" if issue.get("replacement") else ""
    return f"in Python {issue.get('version')}{replacement}"


def _names(document: Mapping[str, Any], key: str) -> list[str]:
    return [str(name) for name in document.get(key) or ()]
