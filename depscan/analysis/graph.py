"""Graph queries over a scan: cycles, import chains, reverse dependencies (the diagram's view is
:mod:`depscan.analysis.view`).

The scan's graph is a :class:`networkx.DiGraph` whose edges run importer ->
imported; ``kind="import"`` edges carry their import sites, ``kind="parent"``
edges say that importing ``a.b`` runs the package ``a`` first.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from depscan.analysis.scan import ScanResult
from depscan.model.graph import Edge, Site

if TYPE_CHECKING:
    import networkx as nx


def import_edges(graph: nx.DiGraph) -> nx.DiGraph:
    """The graph of ``import`` edges only (parent-package edges left out)."""
    import networkx as nx

    view = nx.DiGraph()
    view.add_nodes_from(graph.nodes(data=True))
    view.add_edges_from((u, v, d) for u, v, d in graph.edges(data=True) if d.get("kind") == "import")
    return view


@dataclass
class Cycle:
    modules: list[str]
    edges: list[tuple[str, str, list[Site]]]
    cut: tuple[str, str]  # the import suggested to cut (or move into a function)

    def to_json(self) -> dict[str, Any]:
        return {
            "modules": self.modules,
            "edges": [{"from": u, "to": v, "sites": [s.to_json() for s in sites]} for u, v, sites in self.edges],
            "suggested_cut": {"from": self.cut[0], "to": self.cut[1]},
        }


def cycles(result: ScanResult) -> list[Cycle]:
    """Strongly connected components among project modules, with the imports forming them.

    Imports run only inside functions do not form a cycle at import time and are
    left out. The suggested cut is the edge with the fewest import sites,
    preferring one into a module nearer the package root.

    Worked out on the scan's own dicts rather than through networkx: this is
    the one graph query every scan report makes, and importing networkx would
    cost it about a tenth of a second (more than the rest of a warm run).
    """
    data = result.graph_data
    project = {name for name, node in data.nodes.items() if node.category == "project"}
    edges: list[tuple[str, str, Edge]] = []
    successors: dict[str, list[str]] = {n: [] for n in project}
    for (u, v), edge in data.edges.items():
        if edge.kind != "import" or u not in project or v not in project:
            continue
        for site in edge.sites:
            if site.record.context.scope != "function":  # (not Site.delayed)
                break
        else:  # (no site, or each in a function)
            continue
        edges.append((u, v, edge))
        successors[u].append(v)
    components = [c for c in strongly_connected(sorted(project), successors.__getitem__) if len(c) >= 2]
    component_of = {name: number for number, component in enumerate(components) for name in component}
    inside: list[list[tuple[str, str, list[Site]]]] = [[] for _ in components]
    for u, v, edge in edges:  # (once over the edges, not once for each cycle)
        number = component_of.get(u)
        if number is not None and component_of.get(v) == number:
            inside[number].append((u, v, list(edge.sites)))
    found: list[Cycle] = []
    for component, edges_inside in zip(components, inside, strict=True):
        edges_inside.sort(key=lambda e: (e[0], e[1]))
        cut = min(edges_inside, key=lambda e: (len(e[2]), e[1].count("."), e[0], e[1]))
        found.append(Cycle(sorted(component), edges_inside, (cut[0], cut[1])))
    return sorted(found, key=lambda c: c.modules)


def strongly_connected(nodes: Iterable[str], successors: Callable[[str], Iterable[str]]) -> list[set[str]]:
    """The strongly connected components of a directed graph (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    for start in nodes:
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        work = [(start, iter(successors(start)))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors(child))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def why(result: ScanResult, module: str, limit: int = 5) -> list[list[tuple[str, Site | None]]]:
    """The shortest import chains from the roots to ``module``, each hop with its first site."""
    import networkx as nx

    graph = result.graph
    if module not in graph:
        return []
    chains: list[list[tuple[str, Site | None]]] = []
    for root in result.roots:
        if root not in graph:
            continue
        try:
            paths = nx.all_shortest_paths(graph, root, module)
            for path in paths:
                chain: list[tuple[str, Site | None]] = [(path[0], None)]
                for u, v in itertools.pairwise(path):
                    sites = graph.edges[u, v].get("sites") or []
                    chain.append((v, sites[0] if sites else None))
                chains.append(chain)
                if len(chains) >= limit:
                    return chains
        except nx.NetworkXNoPath:
            continue
    chains.sort(key=len)
    return chains[:limit]


def importers(result: ScanResult, module: str, transitive: bool = False) -> list[str]:
    """Who imports ``module``: directly, or through any chain."""
    import networkx as nx

    graph = import_edges(result.graph)
    if module not in graph:
        return []
    if transitive:
        return sorted(nx.ancestors(graph, module))
    return sorted(graph.predecessors(module))
