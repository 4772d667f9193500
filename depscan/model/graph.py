"""The import graph, typed: modules (nodes), imports between them (edges), and the sites that make
each import, which keep the extractor's record of it (its place, statement and context).

The scan builds it as plain dataclasses in dicts; :meth:`ImportGraph.to_networkx` makes a
``networkx.DiGraph`` of it for the queries and diagrams that want one (importing networkx
costs about a tenth of a second, which ``depscan check`` has no graph query to spend on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal, cast

from depscan.model.records import Context, ImportRecord

if TYPE_CHECKING:
    import networkx as nx

EdgeKind = Literal["import", "parent"]  # an import statement; a package imported before its submodule


@dataclass(frozen=True, slots=True)
class Site:
    """Where an import is written: the importing module, its file, and the extractor's record of
    the statement (place, text, context); ``conditional`` when a guard around it has no known
    value for the target."""

    importer: str
    path: str | None
    record: ImportRecord
    conditional: bool = False

    @property
    def line(self) -> int:
        return self.record.line

    @property
    def col(self) -> int:
        return self.record.col

    @property
    def statement(self) -> str:
        return self.record.statement

    @property
    def context(self) -> Context:
        return self.record.context

    @property
    def optional(self) -> bool:
        return self.record.context.optional

    @property
    def fallback(self) -> bool:
        return self.record.context.fallback

    @property
    def try_id(self) -> int | None:
        return self.record.context.try_id

    @property
    def type_checking(self) -> bool:
        return self.record.context.type_checking

    @property
    def delayed(self) -> bool:
        return self.record.context.delayed

    @property
    def outer_tries(self) -> tuple[int, ...]:  # enclosing tries whose body holds this one's
        return self.record.context.outer_tries

    def where(self) -> str:
        return f"{self.path or self.importer}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        return {
            "importer": self.importer,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "statement": self.statement,
            "optional": self.optional,
            "fallback": self.fallback,
            "try": self.try_id,
            "outer_tries": list(self.outer_tries),
            "outer_handlers": list(self.record.context.outer_handlers),
            "type_checking": self.type_checking,
            "delayed": self.delayed,
            "conditional": self.conditional,
        }


def _site_maker() -> Callable[..., Site]:
    """``Site(...)``, made as :func:`depscan.model.records.new_record` makes a record: through the
    slots' descriptors (a scan makes one per import statement it reads)."""
    set_importer, set_path, set_record, set_conditional = (getattr(Site, f.name).__set__ for f in fields(Site))
    new = object.__new__

    def new_site(importer: str, path: str | None, record: ImportRecord, conditional: bool = False) -> Site:
        site = new(Site)
        set_importer(site, importer)
        set_path(site, path)
        set_record(site, record)
        set_conditional(site, conditional)
        return site

    return new_site


new_site = cast("type[Site]", _site_maker())  # (typed as the class: calls checked as its own are)


@dataclass(slots=True)
class Node:
    """A module: how it was found (``kind``: source, extension, namespace, ..., or ``missing``),
    its path and category (None when missing); ``maybe`` for a name that may be missing."""

    kind: str
    path: str | None = None
    category: str | None = None
    is_package: bool = False
    maybe: bool = False

    def attributes(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "category": self.category,
            "is_package": self.is_package,
            "maybe": self.maybe,
        }


@dataclass(slots=True)
class Edge:
    """An import of one module by another, with every site that makes it (none for a parent edge)."""

    kind: EdgeKind
    sites: tuple[Site, ...] = ()  # (a tuple: most edges have one site, and a large tree has 100,000 edges)


@dataclass(slots=True)
class ImportGraph:
    """Modules by name; edges by (importer, imported)."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], Edge] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.nodes

    def imports(self) -> list[tuple[str, str, Edge]]:
        """The import edges (not the parent ones), as (importer, imported, edge)."""
        return [(u, v, edge) for (u, v), edge in self.edges.items() if edge.kind == "import"]

    def to_networkx(self) -> nx.DiGraph:
        """The graph for networkx: node attributes as :meth:`Node.attributes`, edges with ``kind``
        and ``sites``."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from((name, node.attributes()) for name, node in self.nodes.items())
        graph.add_edges_from((u, v, {"kind": edge.kind, "sites": edge.sites}) for (u, v), edge in self.edges.items())
        return graph
