"""Diagrams: DOT built here, rendered to SVG, PNG or PDF by Graphviz's ``dot``.

Left to right; nodes coloured by category; missing modules red and dashed;
cycle edges red and bold; optional imports dashed, TYPE_CHECKING-only imports
dotted; project modules clustered by top-level package. The output file is
written atomically; when ``dot`` is missing, fails or does not finish in time
(:data:`DOT_TIMEOUT`), the error says so and the DOT text is written next to
the requested file instead. ``dot`` runs in a process group of its own, killed
whole on a timeout: nothing it started is left running.
"""

from __future__ import annotations

import os
import shlex
import shutil
from typing import Any

import networkx as nx

from depscan.atomic import printable, write_atomic
from depscan.bounded import TimedOut, run_bounded
from depscan.errors import DepscanError
from depscan.output import jsonfmt
from depscan.output.formats import diagram_format, unknown_format
from depscan.source import shown_path

_FILL = {"project": "#cfe2ff", "third_party": "#fff3cd", "stdlib": "#e9ecef"}
DOT_TIMEOUT = 60.0
"""Seconds Graphviz is given to draw a diagram (the CLI's ``DEPSCAN_DOT_TIMEOUT`` changes it)."""
_INSTALL = "install Graphviz: 'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS)"


class DiagramError(DepscanError):
    """The diagram could not be rendered; ``fallback`` names the DOT file written instead, if any."""

    exit_status = 1  # the report was written; the diagram failed

    def __init__(self, message: str, fallback: str | None = None) -> None:
        super().__init__(message)
        self.fallback = fallback


def _quote(text: str) -> str:
    escaped = printable(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped + '"'


def to_dot(view: nx.DiGraph, cycle_edges: set[tuple[str, str]], title: str = "") -> str:
    """DOT text for the diagram view, deterministic (sorted nodes and edges)."""
    lines = [
        "digraph depscan {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.6'
        + (f", label={_quote(title)}, labelloc=t" if title else "")
        + "];",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, fillcolor="#ffffff"];',
        '  edge [color="#555555", arrowsize=0.6];',
    ]
    clusters: dict[str, list[str]] = {}
    loose: list[str] = []
    for node in sorted(view.nodes):
        data = view.nodes[node]
        if data.get("category") == "project" and "." in node:
            clusters.setdefault(node.partition(".")[0], []).append(node)
        elif data.get("category") == "project" and data.get("is_package"):
            clusters.setdefault(node, []).append(node)
        else:
            loose.append(node)
    for package, members in sorted(clusters.items()):
        lines.append(f"  subgraph {_quote('cluster_' + package)} {{")
        lines.append(f'    label={_quote(package)}; style="rounded"; color="#9bb7e0"; fontsize=10;')
        lines.extend("    " + _node(view, node) for node in members)
        lines.append("  }")
    lines.extend("  " + _node(view, node) for node in loose)
    for u, v in sorted(view.edges):
        sites = view.edges[u, v].get("sites", [])
        attributes: list[str] = []
        if (u, v) in cycle_edges:
            attributes += ['color="#d62728"', "penwidth=2"]
        if sites and all(s.type_checking for s in sites):
            attributes.append("style=dotted")
        elif sites and all(s.optional or s.fallback for s in sites):
            attributes.append("style=dashed")
        elif sites and all(s.delayed for s in sites):
            attributes.append('arrowhead="empty"')
        if view.nodes[v].get("kind") == "missing":
            attributes.append('color="#d62728"')
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {_quote(u)} -> {_quote(v)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(view: nx.DiGraph, node: str) -> str:
    data = view.nodes[node]
    attributes: list[str] = []
    if data.get("kind") == "missing":
        label = node + ("\n(maybe missing)" if data.get("maybe") else "\n(missing)")
        attributes += ['style="rounded,dashed"', 'color="#d62728"', 'fontcolor="#d62728"']
    else:
        label = node
        fill = _FILL.get(data.get("category") or "", "#ffffff")
        attributes.append(f'fillcolor="{fill}"')
        if data.get("kind") == "namespace":
            attributes.append('style="rounded,filled,dashed"')
        if data.get("collapsed"):
            attributes.append("shape=box3d")
    attributes.insert(0, f"label={_quote(label)}")
    tooltip = shown_path(data.get("path")) or data.get("kind") or ""
    attributes.append(f"tooltip={_quote(str(tooltip))}")
    return f"{_quote(node)} [{', '.join(attributes)}];"


def node_link(view: nx.DiGraph) -> str:
    data: dict[str, Any] = {"directed": True, "nodes": [], "links": []}
    for node in sorted(view.nodes):
        attributes = {k: v for k, v in view.nodes[node].items() if isinstance(v, (str, bool, int, type(None)))}
        data["nodes"].append({"id": node, **attributes})
    for u, v in sorted(view.edges):
        sites = view.edges[u, v].get("sites", [])
        data["links"].append({"source": u, "target": v, "sites": [s.to_json() for s in sites]})
    return jsonfmt.indented(data)


def write_diagram(
    path: str, view: nx.DiGraph, cycle_edges: set[tuple[str, str]], title: str = "", timeout: float = DOT_TIMEOUT
) -> None:
    """Write the diagram in the format the suffix names; see :data:`FORMATS`."""
    output_format = diagram_format(path)
    if output_format is None:
        raise DiagramError(unknown_format(path))
    if output_format == "json":
        write_atomic(path, node_link(view))
        return
    dot_text = to_dot(view, cycle_edges, title)
    if output_format == "dot":
        write_atomic(path, dot_text)
        return
    try:
        rendered = render(dot_text, output_format, timeout)
    except DiagramError as exc:
        fallback = os.path.splitext(path)[0] + ".dot"
        write_atomic(fallback, dot_text)
        raise DiagramError(
            f"{exc}; {path} was not drawn. The diagram was written as DOT to {fallback}.", fallback
        ) from None
    write_atomic(path, rendered)


def render(dot_text: str, output_format: str, timeout: float = DOT_TIMEOUT) -> bytes:
    """Graphviz's drawing of ``dot_text`` (``svg``, ``png``, ``pdf``), or a DiagramError saying why not.

    ``dot`` runs in a new session (its own process group); after ``timeout`` seconds the whole
    group is killed, so a ``dot`` that started children leaves none behind.
    """
    dot = shutil.which("dot")
    if dot is None:
        raise DiagramError(f"Graphviz's 'dot' is not installed; {_INSTALL}")
    command = [dot, f"-T{output_format}"]
    shown = shlex.join(command)
    try:
        returncode, rendered, errors = run_bounded(command, dot_text.encode("utf-8"), timeout)
    except OSError as exc:
        raise DiagramError(f"cannot run Graphviz ({shown}): {exc.strerror or exc}") from None
    except TimedOut:
        raise DiagramError(f"Graphviz ({shown}) did not finish within {timeout:g} s and was stopped") from None
    if returncode != 0:
        lines = errors.decode("utf-8", "replace").strip().splitlines()
        detail = lines[-1].strip() if lines else "no message"
        raise DiagramError(f"Graphviz failed ({shown}, exit status {returncode}): {detail}")
    return rendered
