"""The pieces of the HTML audit report (:mod:`depscan.output.audit_html`) that its sections share: the
section list, escaping, a sortable table, a capability's chain in words.

Every string given to them is escaped (it may come from the audited code); a :class:`Markup` cell is
HTML built from escaped parts, not escaped again.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ARROW = "\u2192"

# Section ids and titles, in page order (the diagram and the module list come last: they are long).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("changes", "Changes since the baseline"),  # only with a baseline
    ("unanalysed", "Not analysed"),
    ("third-party", "Third-party distributions"),
    ("vendored", "Vendored packages"),
    ("opaque", "Opaque code"),
    ("files", "Files of the tree that are not plain source or data"),
    ("blindspots", "What static analysis cannot see"),
    ("packages", "Capabilities per package"),
    ("capabilities", "Capabilities"),
    ("portability", "Portability"),
    ("shadowing", "Shadowing"),
    ("diagnostics", "Diagnostics"),
    ("diagram", "Dependency diagram"),
    ("modules", "Modules"),
)


class Markup(str):
    """Text that is already HTML (built here from escaped parts): a table cell that is not escaped again."""

    __slots__ = ()


@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool = False
    css: str = ""  # a class for its cells: "path", "chain", "mono"


def chain_text(reach: Mapping[str, Any], shown: Callable[[Any], str]) -> tuple[int, str]:
    """A capability's chain (``reach``, with ``chain`` a list of hops): its number of hops, and the hops
    in words, each path as ``shown`` gives it."""
    chain = [hop for hop in reach.get("chain") or () if isinstance(hop, Mapping)]
    hops = f" {ARROW} ".join(
        str(hop.get("module"))
        + (f" ({shown(hop.get('path'))}:{hop.get('line')})" if hop.get("path") else "")
        + (" [in a function]" if hop.get("in_function") else "")
        for hop in chain
    )
    return max(len(chain) - 1, 0), hops


def esc(value: Any) -> str:
    """Any value as escaped HTML text (quotes too: it may end up in an attribute); None is empty."""
    return "" if value is None else html.escape(str(value), quote=True)


def rows_of(document: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [row for row in document.get(key) or () if isinstance(row, Mapping)]


def section_html(anchor: str, body: str, count: int | None = None) -> str:
    title = dict(SECTIONS)[anchor]
    counted = f' <span class="count">({count})</span>' if count is not None else ""
    return f'<section id="{anchor}">\n<h2>{esc(title)}{counted}</h2>\n{body}\n</section>'


def sortable_table(name: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> str:
    """A sortable table, or "none" when there are no rows."""
    if not rows:
        return '<p class="none">none</p>'
    table_id = f"table-{name}"
    head = "".join(
        f'<th scope="col"{_classes(column, header=True)}{_NUMBER if column.numeric else ""}>{esc(column.title)}</th>'
        for column in columns
    )
    body = "\n".join(
        "<tr>" + "".join(f"<td{_classes(c)}>{_cell(v)}</td>" for c, v in zip(columns, row, strict=True)) + "</tr>"
        for row in rows
    )
    tools = (
        f'<div class="tools" data-table="{table_id}" hidden>'
        '<input type="search" placeholder="Filter rows" aria-label="Filter the table">'
        f"<span>{len(rows)} {'row' if len(rows) == 1 else 'rows'}</span>"
        "</div>"
    )
    return (
        f'{tools}\n<div class="scroll"><table class="sortable" id="{table_id}">\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>"
    )


_NUMBER = ' data-type="number"'


def _classes(column: Column, header: bool = False) -> str:
    names = (["num"] if column.numeric else []) + ([] if header else column.css.split())
    return f' class="{" ".join(names)}"' if names else ""


def _cell(value: Any) -> str:
    if isinstance(value, Markup):
        return str(value)
    return esc(value)
