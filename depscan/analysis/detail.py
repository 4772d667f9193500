"""Levels of detail: which node of a diagram each module is drawn in.

Each module has a ladder of node ids, from the coarsest to itself: a project
module ``a.b.c`` climbs ``a``, ``a.b``, ``a.b.c``; a third-party one starts at
its distribution (``dist:Django``; its top-level name when no installed
distribution owns it); a stdlib one is ``stdlib:*`` or its top-level module; a
missing one ``missing:*`` (all of them), ``missing:a.*`` or itself. Each family of modules (project,
third_party, stdlib, missing) stands on one rung of its ladders, chosen so the
nodes fit the budget:

- the project at the deepest depth that fits (``--depth N``: at N, whatever it
  costs), with third-party code one node per distribution;
- when the project is drawn whole in at most :data:`SMALL_PROJECT` nodes (a
  script driving a framework: ``manage.py``), third-party code opens at the
  deepest depth that fits the budget left (never deeper than ``--depth``);
- with ``--focus``, the project and third-party code open together, and the
  focused module is always a node of its own;
- when the project at depth 1 is still too many nodes (a script among the
  stdlib's own modules: ``pydoc.py``), its largest top-level nodes stay, with the
  roots, and the rest are one node, ``project:*``;
- the stdlib, when drawn (``--include-stdlib``), one node per top-level module
  when that fits, else one node;
- missing modules each a node when the budget allows it once the rest is
  chosen, else one node per top-level name, else one node for all (the rest is
  chosen with them by top-level name, or in one node when that would be more
  than :data:`MISSING_SHARE` nodes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from depscan.model.graph import ImportGraph

if TYPE_CHECKING:
    from depscan.analysis.scan import ScanResult

BUDGET = 60
"""The nodes of a default diagram (README, *Diagrams of real programs*, says why 60)."""
SMALL_PROJECT = BUDGET // 10
"""A project drawn whole in this many nodes or fewer is a script driving its libraries: they open."""
MISSING_SHARE = BUDGET // 2
"""Missing modules take at most this many nodes when grouped by top-level name, else they are one."""

Ladder = tuple[str, ...]  # a module's node ids, from the coarsest level of detail to the module itself


@dataclass(frozen=True, kw_only=True)
class Choice:
    """What the reader asked for (``--depth``, ``--focus``, ``--radius``, ``--full``, ...)."""

    depth: int | None = None
    focus: str | None = None
    radius: int = 1
    full: bool = False
    include_stdlib: bool = False
    reduce: bool = False
    budget: int = BUDGET


def shown_modules(data: ImportGraph, imports: Sequence[tuple[str, str, object]], choice: Choice) -> list[str]:
    """The modules drawn: the focus's neighbourhood or all; the stdlib only when asked for (or when
    ``full``); a missing module only when a module drawn imports it."""
    nodes = data.nodes
    names: Iterable[str] = nodes
    if choice.focus is not None:
        names = neighbourhood(imports, choice.focus, choice.radius) & nodes.keys()
    kept = {
        name
        for name in names
        if nodes[name].kind != "missing"
        and (choice.full or choice.include_stdlib or nodes[name].category != "stdlib" or name == choice.focus)
    }
    drawn_missing = {v for u, v, _ in imports if u in kept and v in nodes and nodes[v].kind == "missing"}
    if choice.focus is not None:
        drawn_missing &= set(names)
        if nodes[choice.focus].kind == "missing":
            drawn_missing.add(choice.focus)
    return sorted(kept | drawn_missing)


def neighbourhood(imports: Iterable[tuple[str, str, object]], module: str, radius: int) -> set[str]:
    """``module``, what it imports and what imports it, within ``radius`` imports (each way)."""
    forward: dict[str, list[str]] = {}
    backward: dict[str, list[str]] = {}
    for u, v, _ in imports:
        forward.setdefault(u, []).append(v)
        backward.setdefault(v, []).append(u)
    found = {module}
    for step in (forward, backward):
        frontier = {module}
        reached = {module}
        for _ in range(radius):
            frontier = {w for n in frontier for w in step.get(n, ())} - reached
            reached |= frontier
        found |= reached
    return found


def distribution_names(result: ScanResult, shown: Iterable[str]) -> Mapping[str, str]:
    """Each third-party module drawn -> the name of the installed distribution that owns it (absent
    when none does). Read only when there are some: the metadata of every site directory is read."""
    data = result.graph_data
    third = [name for name in shown if data.nodes[name].category == "third_party"]
    if not third:
        return {}
    from depscan.analysis.distributions import installed_distributions
    from depscan.analysis.providers import Providers

    sites = [e.path for e in result.resolver.search.entries if e.origin in ("site", "user-site")]
    installed = installed_distributions(sites)
    owners = Providers([], installed, {}, [])
    found: dict[str, str] = {}
    for name in third:
        owner = owners.owner(data.nodes[name].path)
        names = installed.by_import_name.get(name.partition(".")[0], ()) if owner is None else (owner.name,)
        if names:
            found[name] = names[0]
    return found


_OFFSET = {"project": 1, "third_party": 0, "stdlib": 0, "missing": 0}  # depth = level + offset


class Ladders:
    """Each module's ladder of node ids, and the level of detail chosen on each family's ladders
    (``project``, ``third_party``, ``stdlib``, ``missing``): a level is an index into the ladders."""

    def __init__(
        self, data: ImportGraph, choice: Choice, distributions: Mapping[str, str], roots: Iterable[str] = ()
    ) -> None:
        self.data = data
        self.roots = set(roots)
        self.choice = choice
        self.distributions = distributions
        self.levels: dict[str, int] = {}
        self.tallest: dict[str, int] = {}
        self.by_family: dict[str, list[Ladder]] = {}

    def family(self, name: str) -> str:
        node = self.data.nodes[name]
        return "missing" if node.kind == "missing" else node.category or "project"

    def ladder(self, name: str) -> Ladder:
        if self.choice.full or name == self.choice.focus:
            return (name,)
        parts = name.split(".")
        prefixes = tuple(".".join(parts[: i + 1]) for i in range(len(parts)))
        family = self.family(name)
        if family == "project":
            return prefixes
        if family == "third_party":
            owner = self.distributions.get(name)
            return (f"dist:{owner}" if owner else parts[0], *prefixes)
        if family == "stdlib":
            return ("stdlib:*", parts[0])
        return ("missing:*", f"missing:{parts[0]}.*", name)

    def fit(self, shown: Sequence[str]) -> dict[str, str]:
        """Each module drawn -> its node id, at the levels that fit the budget (see the module's doc)."""
        ladders = {name: self.ladder(name) for name in shown}
        for name, ladder in ladders.items():
            self.by_family.setdefault(self.family(name), []).append(ladder)
        self.tallest = {family: max(map(len, found)) - 1 for family, found in self.by_family.items()}
        self.levels = dict.fromkeys(self.by_family, 0)
        if "missing" in self.by_family:  # by top-level name while the rest is chosen
            self.levels["missing"] = 1 if self._set("missing", 1) <= MISSING_SHARE else 0
        depth = self.choice.depth
        if self.choice.focus is not None:
            self._open(("project", "third_party"), depth)
        else:
            self._open(("project",), depth)
            if self.whole("project") and self.count("project") <= SMALL_PROJECT:
                self._open(("third_party",), None, depth)
        self._open(("stdlib",), None)
        self._open(("missing",), None)
        keys = {name: ladder[self.level(self.family(name), ladder)] for name, ladder in ladders.items()}
        if depth is None and not self.choice.full and self.count() > self.choice.budget:
            self._pool(keys)
        return keys

    def _pool(self, keys: dict[str, str]) -> None:
        """Still too many at depth 1 (many top-level modules: a script among the stdlib's): the
        project's largest top-level nodes stay, with the roots and the focus; the rest become one."""
        project = [name for name in keys if self.family(name) == "project"]
        sizes: dict[str, int] = {}
        for name in project:
            sizes[keys[name]] = sizes.get(keys[name], 0) + 1
        others = len(set(keys.values())) - len(sizes)
        room = max(self.choice.budget - others - 1, 0)
        kept = {keys[name] for name in project if name in self.roots or name == self.choice.focus}
        candidates = sorted(sizes.keys() - kept, key=lambda key: (-sizes[key], key))
        kept.update(candidates[: max(room - len(kept), 0)])
        for name in project:
            if keys[name] not in kept:
                keys[name] = "project:*"

    def _set(self, family: str, level: int) -> int:
        """Put ``family`` at ``level``; its nodes there."""
        self.levels[family] = level
        return self.count(family)

    def level(self, family: str, ladder: Ladder) -> int:
        return min(self.levels.get(family, 0), len(ladder) - 1)

    def whole(self, family: str) -> bool:
        return self.levels.get(family, 0) >= self.tallest.get(family, 0)

    def count(self, *families: str) -> int:
        """The nodes of ``families`` (all when none) at the levels chosen."""
        return len(
            {
                ladder[self.level(family, ladder)]
                for family, found in self.by_family.items()
                if not families or family in families
                for ladder in found
            }
        )

    def _open(self, families: Sequence[str], depth: int | None, deepest: int | None = None) -> None:
        """Set ``families`` at ``depth``, or at the deepest depth (down to ``deepest``) that fits."""
        families = [f for f in families if f in self.by_family]
        if not families:
            return
        top = max(self.tallest[f] + _OFFSET[f] for f in families)
        if depth is not None:
            top = depth
        elif deepest is not None:
            top = min(top, deepest)
        bottom = min(_OFFSET[f] for f in families)
        for chosen in range(top, bottom - 1, -1):
            for family in families:
                self.levels[family] = max(chosen - _OFFSET[family], 0)
            if depth is not None or self.count() <= self.choice.budget:
                return

    def depth(self, family: str) -> int | None:
        """Where ``family`` was collapsed (None when drawn whole or absent)."""
        if family not in self.by_family or self.whole(family):
            return None
        return self.levels[family] + _OFFSET[family]
