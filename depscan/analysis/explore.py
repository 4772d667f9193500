"""The interactive page's data: every module of the scan, its ladder of levels of detail, the imports.

The page (:mod:`depscan.output.html_view`) draws a :class:`~depscan.analysis.view.View` and lets the
reader open and close its groups, so it needs more than the view: each module's ladder (its node ids
from the coarsest to itself, :class:`~depscan.analysis.detail.Ladders`) and where the view put it
(``start``, an index into the ladder), every import with the lines that make it (``file:line`` in the
page), the parent links (``import a.b`` loads ``a``: the ``why`` chains follow them), the roots and the
import cycles. Module names and paths are data here; the page inserts them as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from depscan.analysis.detail import Choice, Ladders, distribution_names
from depscan.analysis.view import View

if TYPE_CHECKING:
    from depscan.analysis.graph import Cycle
    from depscan.analysis.scan import ScanResult
    from depscan.model.graph import Edge

EXPLORE_VERSION = 1
"""The version of the page's data (``version`` in it)."""


def explore_data(result: ScanResult, found_cycles: Sequence[Cycle], view: View, title: str = "") -> dict[str, Any]:
    """The page's data for ``view`` of ``result`` (see the module's doc; the README describes the keys)."""
    data = result.graph_data
    names = sorted(data.nodes)
    index = {name: number for number, name in enumerate(names)}
    held = {member: node_id for node_id, node in view.nodes.items() for member in node.members}
    ladders = Ladders(data, Choice(), distribution_names(result, names), result.roots)
    modules = []
    for name in names:
        node = data.nodes[name]
        ladder, start = _ladder(name, ladders.ladder(name), held.get(name))
        modules.append(
            {
                "name": name,
                "category": "missing" if node.kind == "missing" else node.category or "project",
                "kind": node.kind,
                "path": node.path,
                "package": node.is_package,
                "maybe": node.maybe,
                "ladder": list(ladder),
                "start": start,
                "shown": name in held,
            }
        )
    return {
        "version": EXPLORE_VERSION,
        "title": title,
        "modules": modules,
        "imports": [_import(u, v, edge, index, data.nodes) for (u, v), edge in sorted(data.edges.items())],
        "roots": sorted(index[root] for root in result.roots if root in index),
        "cycles": [sorted(index[m] for m in cycle.modules if m in index) for cycle in found_cycles],
        "view": {"nodes": len(view.nodes), "edges": len(view.edges), "focus": view.focus},
    }


def _ladder(name: str, ladder: Sequence[str], shown_as: str | None) -> tuple[tuple[str, ...], int]:
    """``name``'s ladder down to the module itself, and the rung the view put it on (the coarsest when
    the view left it out; a node the ladder lacks, ``project:*``, becomes its first rung)."""
    rungs = tuple(ladder)
    if rungs[-1] != name:  # a stdlib module stops at its top-level name
        parts = name.split(".")
        rungs += tuple(".".join(parts[: i + 1]) for i in range(len(parts)))[len(rungs) - 1 :]
        rungs = tuple(dict.fromkeys(rungs))
    if shown_as is None:
        return rungs, 0
    if shown_as not in rungs:
        return (shown_as, *rungs), 0
    return rungs, rungs.index(shown_as)


def _import(u: str, v: str, edge: Edge, index: Mapping[str, int], nodes: Mapping[str, Any]) -> list[Any]:
    """``[importer, imported, lines, kind]`` (``kind`` ``import`` or ``parent``); a site written in
    another file than the importer's (rare) adds ``[line, path]`` instead of the line."""
    own = nodes[u].path
    lines: list[Any] = [site.line if site.path in (None, own) else [site.line, site.path] for site in edge.sites]
    return [index[u], index[v], lines, edge.kind]
