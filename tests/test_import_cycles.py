"""No import cycle in depscan, imports inside functions included (README, Architecture).

The module import graph is read with :mod:`ast` from depscan's own files: every ``import`` and
``from ... import`` of a depscan module at any depth (a function-level import is an edge too, as it
runs when the function does), except those under ``if TYPE_CHECKING:``, which never run. Importing
``a.b.c`` runs ``a`` and ``a.b`` first, so an edge also goes to each package above the target.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "depscan"

Graph = dict[str, set[str]]


def _module_of(path: Path, top: Path) -> tuple[str, bool]:
    """The dotted name of a file under ``top`` (a directory on sys.path), and whether it is an ``__init__``."""
    parts = list(path.relative_to(top).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement under ``node`` that can run (not the body of ``if TYPE_CHECKING:``)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
        return
    if isinstance(node, ast.If) and _is_type_checking(node.test):
        children: list[ast.AST] = list(node.orelse)
    else:
        children = list(ast.iter_child_nodes(node))
    for child in children:
        yield from _imports(child)


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, modules: set[str]) -> set[str]:
    """The depscan modules an import statement runs: what it names, a submodule it imports, the packages above."""
    if isinstance(node, ast.Import):
        named = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = importer if is_package else importer.rpartition(".")[0]
            anchor = package.rsplit(".", node.level - 1)[0]
            base = f"{anchor}.{base}" if base else anchor
        named = [base, *(f"{base}.{alias.name}" for alias in node.names)]
    found: set[str] = set()
    for name in named:
        if name not in modules:
            continue
        parts = name.split(".")
        found.update(".".join(parts[: index + 1]) for index in range(len(parts)))
    found.discard(importer)
    return found


def import_graph(package: Path) -> Graph:
    """importer -> the modules of ``package`` it imports, for every ``.py`` file of the package."""
    files = {path: _module_of(path, package.parent) for path in sorted(package.rglob("*.py"))}
    modules = {module for module, _ in files.values()}
    graph: Graph = {}
    for path, (module, is_package) in files.items():
        tree = ast.parse(path.read_bytes(), filename=str(path))
        edges = graph.setdefault(module, set())
        for node in _imports(tree):
            edges |= _targets(node, module, is_package, modules)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """One cycle through each strongly connected component of more than one module, as a path a -> ... -> a."""
    found: list[list[str]] = []
    for component in _components(graph):
        if len(component) > 1:
            found.append(_cycle_in(graph, component))
    return sorted(found)


def _components(graph: Graph) -> list[set[str]]:
    """Tarjan's strongly connected components, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            successor = next(successors, None)
            if successor is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    components.append(_pop_component(stack, on_stack, node))
            elif successor not in index:
                index[successor] = low[successor] = len(index)
                stack.append(successor)
                on_stack.add(successor)
                work.append((successor, iter(sorted(graph.get(successor, ())))))
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
    return components


def _pop_component(stack: list[str], on_stack: set[str], root: str) -> set[str]:
    """The modules above ``root`` on Tarjan's stack, and ``root``: one strongly connected component."""
    component: set[str] = set()
    while root not in component:
        member = stack.pop()
        on_stack.discard(member)
        component.add(member)
    return component


def _cycle_in(graph: Graph, component: set[str]) -> list[str]:
    """The shortest cycle through the first module of ``component`` (breadth first, within it)."""
    start = min(component)
    came_from: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for successor in sorted(graph[node] & component):
            if successor == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if successor not in came_from:
                came_from[successor] = node
                queue.append(successor)
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover - a component has one


def test_depscan_has_no_import_cycle() -> None:
    found = [" -> ".join(cycle) for cycle in cycles(import_graph(PACKAGE))]
    assert not found, "import cycles in depscan:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({"a.py": "import pkg.b", "b.py": "import pkg.a"}, [["pkg.a", "pkg.b", "pkg.a"]], id="top-level"),
        pytest.param(
            {"a.py": "def f():\n    from pkg import b", "b.py": "from . import a"},
            [["pkg.a", "pkg.b", "pkg.a"]],
            id="function-level-and-relative",
        ),
        pytest.param(
            {"a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.b", "b.py": "import pkg.a"},
            [],
            id="type-checking-only",
        ),
        pytest.param(
            {"sub/__init__.py": "from pkg import a", "a.py": "import pkg.sub.c", "sub/c.py": ""},
            [["pkg.a", "pkg.sub", "pkg.a"]],
            id="through-the-package-above",
        ),
        pytest.param(
            {"a.py": "import pkg.b", "b.py": "import pkg.c", "c.py": "from pkg.a import x", "d.py": "import pkg.a"},
            [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]],
            id="three-long",
        ),
    ],
)
def test_cycles_are_found_and_named(tmp_path: Path, files: dict[str, str], expected: list[list[str]]) -> None:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    assert cycles(import_graph(root)) == expected
