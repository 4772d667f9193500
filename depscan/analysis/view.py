"""The diagram's view of a scan: the modules drawn at a level of detail a reader can take in.

A view is data, not drawing: nodes (a module, or a group saying what it holds),
merged edges (with the module-level imports they stand for) and cycle groups;
:mod:`depscan.output.diagram` draws it as DOT, or writes it as JSON for a viewer.

The default view fits :data:`BUDGET` nodes. The project's packages come first,
collapsed at the deepest depth that fits (``django.db.models.fields`` at depth 2
is drawn in ``django.db — 41 modules``); third-party code is one node per
distribution (the top-level name when no installed distribution owns it), or,
for a project so small that it is a script driving a framework (at most
:data:`SMALL_PROJECT` nodes drawn whole), opened at the deepest depth that fits
the budget left; the standard library is hidden (``include_stdlib``: one node
per top-level module when they fit, else one node). Missing modules stay
visible, grouped by top-level name when there are more than
:data:`MISSING_SHARE`; a missing module only hidden modules import is hidden
with them. ``--depth``, ``--focus`` (the modules within ``radius`` imports of one
module, either way) and ``full`` (every module, as the scan found it) choose
otherwise. An import cycle (the scan's, among project modules) whose modules
fall in several nodes is a group; one inside a single node marks that node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from depscan.analysis.detail import Choice, Ladders, distribution_names, shown_modules
from depscan.model.graph import ImportGraph, Node, Site

if TYPE_CHECKING:
    from depscan.analysis.graph import Cycle
    from depscan.analysis.scan import ScanResult


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewNode:
    """A node: one module, or a group (``kind`` ``package``, ``distribution``, ``stdlib``,
    ``missing``, ``other``: the project's smaller top-level nodes when even they are too many)
    and the modules it holds (``members``, sorted)."""

    id: str
    name: str
    kind: str
    category: str | None
    members: tuple[str, ...]
    path: str | None = None
    is_package: bool = False
    maybe: bool = False  # a missing module (or all of a missing group) only maybe missing
    cycle: bool = False  # holds every module of an import cycle
    collapsed: bool = False  # a group, not one module

    @property
    def holds(self) -> str | None:
        """``41 modules``, ``3 missing``; None for one module."""
        if not self.collapsed:
            return None
        count = len(self.members)
        if self.kind == "missing":
            return f"{count} {'maybe missing' if self.maybe else 'missing'}"
        return f"{count} module{'s' if count != 1 else ''}"

    @property
    def label(self) -> str:
        return f"{self.name} — {self.holds}" if self.holds else self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "kind": self.kind,
            "category": self.category,
            "collapsed": self.collapsed,
            "members": list(self.members),
            "path": self.path,
            "is_package": self.is_package,
            "maybe": self.maybe,
            "cycle": self.cycle,
        }


@dataclass(frozen=True, slots=True)
class ViewEdge:
    """Imports from the modules of ``source`` to those of ``target``: ``imports`` (module pairs) and
    their sites; ``cycle`` when one of them belongs to an import cycle."""

    source: str
    target: str
    imports: tuple[tuple[str, str], ...]
    sites: tuple[Site, ...]
    cycle: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "count": len(self.imports),
            "cycle": self.cycle,
            "imports": [{"from": u, "to": v} for u, v in self.imports],
            "sites": [site.to_json() for site in self.sites],
        }


@dataclass(frozen=True, slots=True)
class CycleGroup:
    """Nodes that hold the modules of one import cycle (or of several that share a node)."""

    nodes: tuple[str, ...]
    modules: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class View:
    """What the diagram draws, and how it was chosen (for the line that says so)."""

    nodes: dict[str, ViewNode]
    edges: dict[tuple[str, str], ViewEdge]
    cycles: list[CycleGroup]
    modules: int  # in the scan's graph
    shown: int  # of them, held by a node
    hidden_stdlib: int  # stdlib modules left out
    project_depth: int | None = None  # where the project was collapsed (None: drawn whole)
    project_tops: tuple[str, ...] = ()  # its top-level packages collapsed there
    third_party_depth: int | None = None  # 0: one node per distribution; None: drawn whole
    reduced: int = 0  # edges left out by the transitive reduction
    focus: str | None = None
    radius: int = 1
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Node-link JSON (``networkx.node_link_graph`` reads it), with the groups and the choice."""
        return {
            "directed": True,
            "multigraph": False,
            "graph": {
                "modules": self.modules,
                "shown": self.shown,
                "hidden_stdlib": self.hidden_stdlib,
                "project_depth": self.project_depth,
                "third_party_depth": self.third_party_depth,
                "focus": self.focus,
                "radius": self.radius if self.focus else None,
                "reduced": self.reduced,
                "cycles": [{"nodes": list(g.nodes), "modules": list(g.modules)} for g in self.cycles],
            },
            "nodes": [node.to_json() for node in self.nodes.values()],
            "links": [edge.to_json() for edge in self.edges.values()],
        }


def diagram_view(result: ScanResult, found_cycles: Sequence[Cycle] = (), choice: Choice | None = None) -> View:
    """The view of the scan ``choice`` asks for (the default view when None); ``found_cycles`` are
    :func:`depscan.analysis.graph.cycles` of it. ``choice.focus`` must be a module of the scan."""
    choice = choice or Choice()
    data = result.graph_data
    imports = [(u, v, edge.sites) for u, v, edge in data.imports()]
    shown = shown_modules(data, imports, choice)
    ladders = Ladders(data, choice, distribution_names(result, shown), result.roots)
    keys = ladders.fit(shown)
    nodes = _nodes(data, keys)
    ids = {name: nodes_id for nodes_id, node in nodes.items() for name in node.members}
    edges = _edges(imports, ids, found_cycles)
    groups, marked = _cycle_groups(found_cycles, ids)
    for node_id in marked:
        nodes[node_id] = replace(nodes[node_id], cycle=True)
    view = View(
        nodes=nodes,
        edges=edges,
        cycles=groups,
        modules=len(data.nodes),
        shown=len(shown),
        hidden_stdlib=sum(1 for n in data.nodes.values() if n.category == "stdlib")
        - sum(1 for name in shown if data.nodes[name].category == "stdlib"),
        project_depth=ladders.depth("project"),
        project_tops=_collapsed_tops(nodes, "project"),
        third_party_depth=ladders.depth("third_party"),
        focus=choice.focus,
        radius=choice.radius,
    )
    return _reduced(view) if choice.reduce else view


def _nodes(data: ImportGraph, keys: Mapping[str, str]) -> dict[str, ViewNode]:
    """The nodes, by id (sorted): a group holding one module is that module's node."""
    members: dict[str, list[str]] = {}
    for name, key in sorted(keys.items()):
        members.setdefault(key, []).append(name)
    nodes: dict[str, ViewNode] = {}
    for key, names in sorted(members.items()):
        if len(names) == 1 and (key == names[0] or ":" in key):
            node = _module_node(names[0], data.nodes[names[0]])
        else:
            node = _group_node(key, names, data)
        nodes[node.id] = node
    return dict(sorted(nodes.items()))


def _module_node(name: str, node: Node) -> ViewNode:
    return ViewNode(
        id=name,
        name=name,
        kind=node.kind,
        category=node.category,
        members=(name,),
        path=node.path,
        is_package=node.is_package,
        maybe=node.maybe,
    )


def _group_node(key: str, names: Sequence[str], data: ImportGraph) -> ViewNode:
    first = data.nodes[names[0]]
    kind, _, shown_name = key.rpartition(":")
    if not kind:
        kind, shown_name = "package", key
    elif kind == "dist":
        kind = "distribution"
    elif kind == "stdlib":
        shown_name = "standard library"
    elif kind == "project":
        kind, shown_name = "other", "other modules"
    elif kind == "missing":
        shown_name = shown_name.removesuffix(".*") if shown_name != "*" else "not found"
    package = data.nodes.get(key)
    return ViewNode(
        id=key,
        name=shown_name,
        kind=kind,
        category=first.category,
        members=tuple(names),
        path=package.path if package is not None else None,
        is_package=True,
        maybe=kind == "missing" and all(data.nodes[name].maybe for name in names),
        collapsed=True,
    )


def _edges(
    imports: Iterable[tuple[str, str, Sequence[Site]]], ids: Mapping[str, str], found_cycles: Sequence[Cycle]
) -> dict[tuple[str, str], ViewEdge]:
    """The imports between modules drawn, merged by the nodes that hold them (none inside a node)."""
    in_cycles = {(u, v) for cycle in found_cycles for u, v, _ in cycle.edges}
    merged: dict[tuple[str, str], tuple[list[tuple[str, str]], list[Site]]] = {}
    for u, v, sites in imports:
        a, b = ids.get(u), ids.get(v)
        if a is None or b is None or a == b:
            continue
        pairs, all_sites = merged.setdefault((a, b), ([], []))
        pairs.append((u, v))
        all_sites.extend(sites)
    return {
        key: ViewEdge(key[0], key[1], tuple(sorted(pairs)), tuple(sites), any(p in in_cycles for p in pairs))
        for key, (pairs, sites) in sorted(merged.items())
    }


def _cycle_groups(found_cycles: Sequence[Cycle], ids: Mapping[str, str]) -> tuple[list[CycleGroup], set[str]]:
    """The cycle groups (cycles that share a node merged into one group), and the nodes that hold a
    whole cycle by themselves."""
    groups: list[tuple[set[str], set[str]]] = []  # (nodes, modules)
    marked: set[str] = set()
    for cycle in found_cycles:
        modules = {m for m in cycle.modules if m in ids}
        nodes = {ids[m] for m in modules}
        if len(nodes) == 1 and len(modules) == len(cycle.modules):
            marked |= nodes
            continue
        if len(nodes) < 2:
            continue
        for other in [g for g in groups if g[0] & nodes]:
            groups.remove(other)
            nodes |= other[0]
            modules |= other[1]
        groups.append((nodes, modules))
    found = [CycleGroup(tuple(sorted(nodes)), tuple(sorted(modules))) for nodes, modules in groups]
    return sorted(found, key=lambda group: group.nodes), marked - {n for g in found for n in g.nodes}


def _collapsed_tops(nodes: Mapping[str, ViewNode], category: str) -> tuple[str, ...]:
    """The top-level packages of ``category`` with a collapsed package node."""
    return tuple(
        sorted({n.name.partition(".")[0] for n in nodes.values() if n.kind == "package" and n.category == category})
    )


def _reduced(view: View) -> View:
    """``--reduce``: ``view`` without the edges other paths imply (``reduced`` says how many).

    networkx reduces acyclic graphs only, so the view is condensed first (the nodes
    of an import cycle among those drawn become one) and the condensation reduced.
    Between two components the reduction keeps, one edge stays: the one that merges
    the most imports (the first by name among equals); the edges inside a component
    all stay (each is needed to go round it). What leads to what is unchanged.
    """
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(view.nodes)
    graph.add_edges_from(view.edges)
    condensed = nx.condensation(graph)
    component = condensed.graph["mapping"]
    kept_pairs = set(nx.transitive_reduction(condensed).edges)
    kept: dict[tuple[str, str], ViewEdge] = {}
    chosen: set[tuple[int, int]] = set()
    for key, edge in sorted(view.edges.items(), key=lambda item: (-len(item[1].imports), item[0])):
        pair = (component[key[0]], component[key[1]])
        if pair[0] == pair[1] or (pair in kept_pairs and pair not in chosen):
            kept[key] = edge
            chosen.add(pair)
    return replace(view, edges=dict(sorted(kept.items())), reduced=len(view.edges) - len(kept))
