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

from depscan.analysis.view import View, ViewEdge, ViewNode
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


def to_dot(view: View, title: str = "") -> str:
    """DOT text for the view, deterministic (its nodes and edges are sorted)."""
    lines = [
        "digraph depscan {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.6'
        + (f", label={_quote(title)}, labelloc=t" if title else "")
        + _layout(view)
        + "];",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, fillcolor="#ffffff"];',
        '  edge [color="#555555", arrowsize=0.6];',
    ]
    clusters, loose = _clusters(view)
    in_cycle = {node: index for index, group in enumerate(view.cycles) for node in group.nodes}
    placed: set[int] = set()
    for package, members in sorted(clusters.items()):
        lines.append(f"  subgraph {_quote('cluster_' + package)} {{")
        lines.append(f'    label={_quote(package)}; style="rounded"; color="#9bb7e0"; fontsize=10;')
        lines.extend(_members(view, members, in_cycle, placed, "    "))
        lines.append("  }")
    lines.extend(_members(view, loose, in_cycle, placed, "  "))
    lines.extend(
        f"  {_quote(edge.source)} -> {_quote(edge.target)}{_edge(view, edge)};" for edge in view.edges.values()
    )
    lines.append("}")
    return "\n".join(lines) + "\n"


LARGE = (100, 300)
"""A drawing past this many nodes or edges is laid out with Graphviz's searches cut short."""
_QUICK = ", nslimit=1, nslimit1=1, mclimit=0.1, remincross=false, splines=false"


def _layout(view: View) -> str:
    """Layout settings: ``dot``'s defaults for a diagram a reader takes in; for a large one (``--full``
    of a real program) network simplex and crossing minimisation cut short and straight edges, which
    draw the 252 nodes and 1,066 edges of a Django project in about 1.5 s instead of 28 s."""
    nodes, edges = LARGE
    return _QUICK if len(view.nodes) > nodes or len(view.edges) > edges else ""


def _clusters(view: View) -> tuple[dict[str, list[str]], list[str]]:
    """The nodes in a box per top-level package (the project's; third-party ones of two nodes or
    more), and the others (with the nodes of an import cycle that runs across boxes)."""
    clusters: dict[str, list[str]] = {}
    loose: list[str] = []
    box: dict[str, str] = {}
    for node in view.nodes.values():
        packaged = node.kind not in _UNBOXED and ("." in node.id or node.is_package)
        if packaged and node.category in ("project", "third_party"):
            box[node.id] = node.id.partition(".")[0]
    for group in view.cycles:  # a cycle across boxes is drawn outside them
        if len({box.get(name) for name in group.nodes}) > 1:
            for name in group.nodes:
                box.pop(name, None)
    for name in view.nodes:
        if name in box:
            clusters.setdefault(box[name], []).append(name)
        else:
            loose.append(name)
    for package, members in list(clusters.items()):
        if view.nodes[members[0]].category == "third_party" and len(members) < 2:
            loose.extend(clusters.pop(package))
    return clusters, sorted(loose)


_UNBOXED = frozenset({"distribution", "stdlib", "missing", "other"})


def _members(view: View, members: list[str], in_cycle: dict[str, int], placed: set[int], indent: str) -> list[str]:
    """The node lines of a box: those of an import cycle in a red box of their own (within the
    box when all its nodes are in it; :func:`_clusters` leaves the others out of every box)."""
    lines: list[str] = []
    for node in members:
        index = in_cycle.get(node)
        if index is None:
            lines.append(indent + _node(view.nodes[node]))
        elif index not in placed:
            placed.add(index)
            lines.append(f"{indent}subgraph {_quote(f'cluster_cycle_{index + 1}')} {{")
            lines.append(f'{indent}  label="import cycle"; style="dashed,bold"; color="#d62728"; fontcolor="#d62728";')
            lines.extend(f"{indent}  {_node(view.nodes[n])}" for n in view.cycles[index].nodes)
            lines.append(f"{indent}}}")
    return lines


def _edge(view: View, edge: ViewEdge) -> str:
    attributes: list[str] = []
    sites = edge.sites
    if edge.cycle:
        attributes += ['color="#d62728"', "penwidth=2"]
    if sites and all(s.type_checking for s in sites):
        attributes.append("style=dotted")
    elif sites and all(s.optional or s.fallback for s in sites):
        attributes.append("style=dashed")
    elif sites and all(s.delayed for s in sites):
        attributes.append('arrowhead="empty"')
    if view.nodes[edge.target].kind == "missing":
        attributes.append('color="#d62728"')
    if len(edge.imports) > 1:
        attributes += [f'label="{len(edge.imports)}"', "fontsize=8", 'fontcolor="#555555"']
    return f" [{', '.join(attributes)}]" if attributes else ""


def _node(node: ViewNode) -> str:
    attributes: list[str] = []
    if node.kind == "missing":
        said = node.holds or ("maybe missing" if node.maybe else "missing")
        label = f"{node.name}\n({said})"
        attributes += ['style="rounded,dashed"', 'color="#d62728"', 'fontcolor="#d62728"']
    else:
        label = node.name + (f"\n{node.holds}" if node.holds else "")
        fill = _FILL.get(node.category or "", "#ffffff")
        attributes.append(f'fillcolor="{fill}"')
        if node.kind == "namespace":
            attributes.append('style="rounded,filled,dashed"')
        if node.collapsed:
            attributes.append("shape=box3d")
    if node.cycle:
        attributes += ['color="#d62728"', "penwidth=2"]
    attributes.insert(0, f"label={_quote(label)}")
    tooltip = node.label if node.collapsed else shown_path(node.path) or node.kind
    attributes.append(f"tooltip={_quote(str(tooltip))}")
    return f"{_quote(node.id)} [{', '.join(attributes)}];"


def write_diagram(path: str, view: View, title: str = "", timeout: float = DOT_TIMEOUT) -> None:
    """Write the diagram in the format the suffix names; see :data:`FORMATS`."""
    output_format = diagram_format(path)
    if output_format is None:
        raise DiagramError(unknown_format(path))
    if output_format == "json":
        write_atomic(path, jsonfmt.indented(view.to_json()))
        return
    if output_format == "html":  # the page needs the whole scan: depscan.app.scan writes it
        raise DiagramError(f"{path}: the interactive page is written from a scan, not from a view")
    dot_text = to_dot(view, title)
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


def diagram_lines(path: str, view: View) -> list[str]:
    """What the diagram shows, and how to see more: one line, two when something was collapsed."""
    what = f"{len(view.nodes)} nodes and {len(view.edges)} edges for {view.shown} of {view.modules} modules"
    if view.hidden_stdlib:
        what += f" (the stdlib's {view.hidden_stdlib} left out: --include-stdlib)"
    if view.reduced:
        what += f"; {view.reduced} edges implied by others left out (--reduce)"
    lines = [f"diagram: {path}: {what}"]
    said = _collapsed(view)
    if view.focus is not None:
        said.insert(0, f"{view.focus} and what is within {view.radius} import{'s' if view.radius > 1 else ''} of it")
    if said:
        more = [f"--depth {view.project_depth + 1}"] if view.project_depth is not None else []
        more += ["--focus MODULE"] if view.focus is None else [f"--radius {view.radius + 1}"]
        lines.append(f"diagram: {'; '.join(said)}; {' or '.join(more)} for more, --full for every module")
    return lines


def _collapsed(view: View) -> list[str]:
    """What the view collapsed, in a few words each."""
    said: list[str] = []
    if view.project_depth is not None:
        tops = view.project_tops
        named = ", ".join(tops[:3]) + (f" and {len(tops) - 3} more" if len(tops) > 3 else "")
        said.append(f"{named or 'the project'} collapsed at depth {view.project_depth}")
    kinds = {node.kind for node in view.nodes.values()}
    if view.third_party_depth == 0 and "distribution" in kinds:
        said.append("third-party code one node per distribution")
    elif view.third_party_depth:
        said.append(f"third-party code collapsed at depth {view.third_party_depth}")
    if "other" in kinds:
        said.append("the project's smaller top-level modules in one node")
    if "stdlib" in kinds:
        said.append("the stdlib in one node")
    if "missing" in kinds and any(node.collapsed and node.kind == "missing" for node in view.nodes.values()):
        said.append("missing modules grouped")
    return said
