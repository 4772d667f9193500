"""The scan: from the targets a user names, follow every import without running anything.

A worklist, not recursion: each module found is extracted once, its imports
are resolved (relative ones against its package; ``import a.b.c`` finds ``a``,
``a.b`` and ``a.b.c``; ``from pkg import name`` tries the submodule
``pkg.name`` first, then a name defined in ``pkg``), what is found is followed
according to the follow policy, and what is not is recorded.

``missing`` and ``maybe_missing`` mean what they mean for the standard
library's :mod:`modulefinder`: a module that cannot be found is missing; for
``from pkg import name`` where ``pkg`` is found but has no submodule ``name``,
``pkg.name`` is missing unless ``pkg`` defines ``name``, and only *maybe*
missing when ``pkg`` star-imports from a module whose names cannot be known
statically. The differences: imports in branches that are dead for the target
Python are neither followed nor reported missing (they are listed as
``dead``); imports guarded by ``try/except ImportError`` are marked optional,
and an optional import whose alternative in the same ``try`` resolves is not
an error; the stdlib's own imports are not followed unless asked.
"""

from __future__ import annotations

import fnmatch
import gc
import os
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from depscan import DEFAULT_MAX_BYTES
from depscan.analysis.flags import FlagValues, with_flags
from depscan.analysis.names import StdlibNames, module_attributes, stdlib_has
from depscan.extract.grammar import for_version, quietly
from depscan.extract.relative import through_namespace_portions
from depscan.extract.walker import extract_bytes, extract_file
from depscan.model.conditions import All, Available, Condition, Target
from depscan.model.graph import Edge, ImportGraph, Node, Site, new_site
from depscan.model.records import Context, Diagnostic, DynamicImport, Extraction, ImportRecord
from depscan.resolve.interpreter import Interpreter
from depscan.resolve.resolver import Category, Resolution, Resolver, build_search_path
from depscan.source import forget_directories, module_name_for, namespace_name, same_file

if TYPE_CHECKING:
    import networkx as nx

Reader = Callable[[str, str, bool, "int | None"], Extraction]  # path, module, is_package, max_bytes
ManyReader = Callable[
    [list[tuple[str, str, bool]], "int | None", "Callable[[int], object] | None"],
    Mapping[tuple[str, str, bool], Extraction],
]  # the files, max_bytes, told how many are done


@dataclass
class ScanOptions:
    follow_stdlib: bool = False
    follow_third_party: bool = True
    max_depth: int | None = None
    include: Sequence[str] = ()  # module-name globs to follow (all when empty)
    exclude: Sequence[str] = ()  # module-name globs never followed
    max_bytes: int | None = DEFAULT_MAX_BYTES
    type_checking: bool = False  # evaluate TYPE_CHECKING as true (what a type checker sees)
    target: Target | None = None  # guards are evaluated for this; default: the interpreter's version and platform
    read: Reader | None = (
        None  # how a module's file is read (a cache of extractions: depscan.perf); default: extract_file
    )
    # Reads many files at once (the roots of a package or a source tree, before the scan starts):
    # their extractions by (path, module, is_package), at most max_bytes each, told how many are done.
    # depscan.perf reads them over processes; None: each is read when the scan comes to it.
    read_many: ManyReader | None = None
    platforms: Sequence[str] = ()  # the sys.platform values the code runs on (empty: the target's)
    # The oldest Python version the code runs on: a module whose syntax needs a newer one is a
    # syntax error (DS010), as it is there. None: the target's version, else the interpreter's.
    oldest: tuple[int, ...] | None = None


@dataclass
class Missing:
    name: str
    sites: list[Site] = field(default_factory=list)
    maybe: bool = False
    # The sites' (importer, record), for a look-up that does not grow with them (a module missing
    # at thousands of sites: a list searched with ``in`` made a large scan quadratic).
    seen: set[tuple[str, ImportRecord]] = field(default_factory=set, repr=False, compare=False)

    def add(self, site: Site) -> None:
        seen = self.seen
        known = len(seen)
        seen.add((site.importer, site.record))  # (a record's hash is worked out once, not twice)
        if len(seen) > known:
            self.sites.append(site)

    @property
    def optional(self) -> bool:
        """Every site is protected by a try (or is a fallback)."""
        return all(site.optional or site.fallback for site in self.sites)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "optional": self.optional, "sites": [s.to_json() for s in self.sites]}


@dataclass
class ScanResult:
    roots: list[str]
    graph_data: ImportGraph
    modules: dict[str, Resolution]
    extractions: dict[str, Extraction]
    missing: dict[str, Missing]
    maybe_missing: dict[str, Missing]
    dead: list[tuple[str, Site]]
    dynamic: list[tuple[str, DynamicImport]]
    diagnostics: list[Diagnostic]
    interpreter: Interpreter
    resolver: Resolver

    # (importer, try line) -> its imports: (site, resolved, in the try's handler)
    try_groups: dict[tuple[str, int], list[tuple[Site, bool, bool]]] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)  # what the user named, and the directories walked
    # Missing modules the check's rules do not call an error, with why (analysis.check.excused).
    excused: dict[str, str] = field(default_factory=dict)
    failing: set[tuple[str, int, int]] | None = None  # (path, line, col) of the sites it calls errors

    def depends_on(self) -> list[str]:
        """Every file and directory the result was worked out from (for :mod:`depscan.perf.runcache`)."""
        read = [e.path for e in self.extractions.values() if e.path]
        return [*self.inputs, *read, *self.resolver.depends_on()]

    @cached_property
    def graph(self) -> nx.DiGraph:
        """Nodes are modules (``kind``, ``path``, ``category``, ``is_package``; ``maybe`` for missing ones);
        edges run importer -> imported with their ``kind`` and ``sites``."""
        return self.graph_data.to_networkx()

    def errors(self) -> list[Missing]:
        """Missing modules that would break the program: not covered by a ``try`` at every site."""
        return [m for m in self.missing.values() if not self.satisfied(m)]

    def satisfied(self, missing: Missing) -> bool:
        return missing.name in self.excused or all(self.covered(site) for site in missing.sites)

    def _primaries_found(self, importer: str, try_id: int) -> bool:
        """Every import in the body of the ``try`` is found (and there is one)."""
        body = [resolved for other, resolved, fallback in self.try_groups.get((importer, try_id), []) if not fallback]
        return bool(body) and all(body)

    def never_runs(self, site: Site) -> bool:
        """In the handler of a ``try`` (its own or one around it) whose imports are all found: a
        fallback that never runs."""
        handlers = (
            *site.context.outer_handlers,
            *((site.try_id,) if site.fallback and site.try_id is not None else ()),
        )
        return any(self._primaries_found(site.importer, handler) for handler in handlers)

    def covered(self, site: Site) -> bool:
        """A failing import inside ``try/except ImportError`` is fine when an alternative of the
        same ``try`` resolves, or when the ``try`` has no alternative import at all (the handler
        copes some other way, as ``requests = None`` does)."""
        if _guarded_by_availability(site) or site.record.via == SKIPS_WHEN_MISSING:
            return True
        if self.never_runs(site):
            return True
        tries = [(site.try_id, site.fallback)] if site.try_id is not None else []
        # A failure that gets out of a nested try is caught by the tries around it, as their body's.
        tries += [(outer, False) for outer in site.outer_tries]
        for try_id, fallback in tries:
            group = self.try_groups.get((site.importer, try_id), [])
            if any(resolved for other, resolved, _ in group if other != site):
                return True
            if not fallback and not any(other_fallback for _, _, other_fallback in group):
                return True
        return False


class Scanner:
    def __init__(self, interp: Interpreter, resolver: Resolver, options: ScanOptions | None = None) -> None:
        self.interp = interp
        self.resolver = resolver
        self.options = options or ScanOptions()
        platform_target = self.options.target or Target.for_platform(
            interp.version[:2], interp.platform, interp.implementation
        )
        # TYPE_CHECKING imports are followed and marked: both branches may be live.
        self.target = Target(
            platform_target.version,
            platform_target.platform,
            platform_target.os_name,
            platform_target.system,
            platform_target.implementation,
            True if self.options.type_checking else None,
        )
        self.oldest = self.options.oldest or (platform_target.version or interp.version)[:2]
        self.graph = ImportGraph()
        platforms = self.options.platforms or [self.target.platform or interp.platform]
        self.stdlib_names = StdlibNames(interp, platforms)
        self.modules: dict[str, Resolution] = {}
        self.extractions: dict[str, Extraction] = {}
        self.missing: dict[str, Missing] = {}
        self.maybe: dict[str, Missing] = {}
        self.dead: list[tuple[str, Site]] = []
        self.dynamic: list[tuple[str, DynamicImport]] = []
        self.diagnostics: list[Diagnostic] = []
        self.depth: dict[str, int] = {}
        self.queue: deque[str] = deque()
        self.roots: list[str] = []
        self.root_names: set[str] = set()  # the same, to look in (a check has thousands of roots)
        self.unknown_names: set[str] = set()  # modules whose defined names cannot be known
        self.names_cache: dict[str, tuple[frozenset[str], bool]] = {}
        self.resolved: dict[str, Resolution] = {}  # what _resolve found, each name once (a name's answer never changes)
        self.peeked: dict[str, Extraction | None] = {}  # stdlib modules read, not followed
        self.entry_values: dict[str, str] = {}  # sys.modules["pkg.x"] = an imported module: pkg.x -> it
        self.try_groups: dict[tuple[str, int], list[tuple[Site, bool, bool]]] = {}
        # While a module's imports are scanned, its edges' sites past the first, gathered in a list
        # and a set, and made the edges' tuples once it is done: a module importing the same module
        # at thousands of lines (a 10 MiB file of "import os") made a scan quadratic, never ending.
        self._more_sites: dict[tuple[str, str], tuple[list[Site], set[Site]]] | None = None
        # Flags read from other modules; availability tests decided by the target environment.
        # They call back through a weak reference: a cycle would keep the whole scan alive until
        # the cyclic collector runs, and the command-line process runs without it.
        me = weakref.proxy(self)
        self.flag_values = FlagValues(
            lambda module: me._extraction_of(module),
            lambda module: me._resolve(module).found,
            lambda m, n: me._has(m, n),
        )
        self.queued: set[str] = set()  # every name the worklist was given
        self.scanned: set[str] = set()

    # -- roots -----------------------------------------------------------------------

    def add_script(self, path: str, name: str = "__main__") -> None:
        """A script runs as ``__main__`` with its directory first on the path."""
        resolution = Resolution(name, "source", False, os.path.abspath(path), file=os.path.abspath(path))
        self._add_root(name, _with_category(resolution, "project"))

    def add_module(self, name: str) -> None:
        resolution = self.resolver.resolve(name)
        if not resolution.found:
            self.diagnostics.append(Diagnostic("DS001", f"module {name!r} not found ({resolution.reason})"))
            self.missing.setdefault(name, Missing(name))
            return
        self._add_root(name, resolution)

    def add_file(self, path: str, name: str | None = None) -> None:
        """A module of a package or source tree; ``name`` when the caller has worked it out."""
        if name is None:
            name = self._name_of_file(path)
            if name is None:
                # Its names lead to other files (tools/types.py, a portion's re.py beside the
                # stdlib's re): a root of its own, which never stands for the module of that name.
                self.add_script(path, f"{module_name_for(path)[0]}@{len(self.roots)}")
                return
        resolution = self.resolver.resolve(name)
        if resolution.found and resolution.file and same_file(resolution.file, path):
            self._add_root(name, resolution)
            return
        is_package = os.path.basename(path).startswith("__init__.")
        resolution = Resolution(name, "source", is_package, os.path.abspath(path), file=os.path.abspath(path))
        self._add_root(name, _with_category(resolution, "project"))

    def _name_of_file(self, path: str) -> str | None:
        """The name ``path`` is imported by: the one the packages around it give it, else one
        through the namespace portions (directories without ``__init__``) between it and a search
        path entry or a regular package (``util/re.py`` under a source directory is ``util.re``),
        the first the resolver finds at that very file. When none is, the packages' name, unless
        the resolver finds another file under it: a file must not stand for a module it is not
        (the stdlib's ``re``, which every ``from re import compile`` would then miss)."""
        guessed, _ = module_name_for(path)
        found = self.resolver.resolve(guessed)
        where = found.file or found.path  # (an extension module has a path and no source file)
        if found.found and where is not None and _same_module(where, path):
            return guessed  # (the file itself, or its compiled form beside it: mypy's api.*.so)
        candidates = [namespace_name(path)]
        file = os.path.abspath(path)
        stem = os.path.splitext(os.path.basename(file))[0]
        for entry in self.resolver.search.entries:
            relative = os.path.relpath(os.path.dirname(file), entry.path) if entry.path else os.pardir
            if relative == os.curdir or relative.startswith(os.pardir):
                continue
            parts = [*relative.split(os.sep), *(() if stem == "__init__" else (stem,))]
            if all(part.isidentifier() for part in parts):
                candidates.append(".".join(parts))
        for candidate in candidates:
            if candidate is None or candidate == guessed:
                continue
            other = self.resolver.resolve(candidate)
            if other.found and other.file is not None and same_file(other.file, path):
                return candidate
        return None if found.found else guessed

    def _add_root(self, name: str, resolution: Resolution) -> None:
        if name not in self.root_names:
            self.root_names.add(name)
            self.roots.append(name)
        self._found(name, resolution, 0)

    def prepare(self, extraction: Extraction) -> None:
        """Ask the resolver now what scanning ``extraction`` will ask it; its answers are kept.

        For work that can be done while other files are still being parsed (the check does):
        the scan itself then finds every answer ready. Only what the scan asks is asked, in
        the same way (dead imports not at all), so the outcome is the same.
        """
        resolve = self.resolver.resolve
        for record in extraction.imports:
            module = record.module
            if module is None or module == "__main__" or record.context.evaluate(self.target) is False:
                continue
            resolution = resolve(module)
            parent = module.rpartition(".")[0]
            while parent:  # the parents a found module is under, or a missing one looks for
                resolve(parent)
                parent = parent.rpartition(".")[0]
            if record.kind in ("from", "call") and resolution.found and resolution.is_package:
                for imported in record.names:
                    resolve(f"{module}.{imported.name}")

    def add_extraction(self, name: str, extraction: Extraction) -> Extraction:
        """Keep a module's extraction, read before the scan asks for it, as the oldest version the
        code runs on reads it (see :func:`depscan.extract.grammar.for_version`)."""
        extraction = self.extractions[name] = through_namespace_portions(for_version(extraction, self.oldest))
        return extraction

    def read_ahead(self, progress: Any = None) -> None:
        """Read the source files of the roots found so far at once, through :attr:`ScanOptions.read_many`
        (over processes, when they are many): a package or a source tree as the target makes each of
        its modules a root. Each is then scanned as it would have been (``progress.reading`` is told
        how many are read, when it has it)."""
        read_many = self.options.read_many
        keys = [
            (resolution.file, name, resolution.is_package)
            for name in self.roots
            if name in self.queued  # (not one the options exclude)
            and name not in self.scanned
            and name not in self.extractions
            and (resolution := self.modules[name]).file is not None
            and resolution.archive is None
            and resolution.file.endswith(".py")
        ]
        if read_many is None or len(keys) < 2:
            return
        reading = getattr(progress, "reading", None)
        told = None if reading is None else (lambda done: reading(done, len(keys)))
        read = read_many(keys, self.options.max_bytes, told)
        for key in keys:
            self.add_extraction(key[1], read[key])

    def scan_now(self, name: str) -> None:
        """Scan the root ``name`` now, its extraction in :attr:`extractions`; :meth:`run` passes
        it by. For a caller that has the roots' extractions one by one (the check)."""
        if name in self.scanned or name not in self.queued:
            return
        self.scanned.add(name)
        self._scan_module(name)

    # -- the worklist ----------------------------------------------------------------------

    def run(self, progress: Any = None) -> ScanResult:
        # The scan allocates many objects and frees few, and parse trees hold no reference
        # cycles: the cyclic collector would only walk them over and over. (Measured: about
        # a sixth of a large scan's time.) It is switched back on, and run once, at the end.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with quietly():  # the parser's warnings ignored once for the whole scan, not for each file
                self._work_through(progress)
        finally:
            if collecting:
                gc.enable()
        return self._result()

    def _work_through(self, progress: Any) -> None:
        while self.queue:
            name = self.queue.popleft()
            if name in self.scanned:
                continue
            self.scanned.add(name)
            self._scan_module(name)
            if progress is not None:
                progress(len(self.modules), len(self.queue))

    def _result(self) -> ScanResult:
        self.diagnostics.extend(self.resolver.diagnostics)
        # A name missing as a module is missing, even where another import only maybe misses it.
        for name in [name for name in self.maybe if name in self.missing]:
            entry = self.missing[name]
            entry.sites.extend(site for site in self.maybe.pop(name).sites if site not in entry.sites)
            self.graph.nodes[name].maybe = False
        return ScanResult(
            self.roots,
            self.graph,
            self.modules,
            self.extractions,
            self.missing,
            self.maybe,
            self.dead,
            self.dynamic,
            self.diagnostics,
            self.interp,
            self.resolver,
            self.try_groups,
        )

    def _found(self, name: str, resolution: Resolution, depth: int) -> None:
        """Record ``name`` and the packages above it not yet found; each gets a parent edge, and the
        outermost is queued first. A loop, not a recursion: a name may have a thousand parts."""
        chain: list[tuple[str, Resolution]] = []  # name, then its parents new here, innermost first
        known_parent: str | None = None  # the found parent the chain stops at
        current: str | None = name
        while current is not None:
            if current in self.modules:
                self.depth[current] = min(depth, self.depth[current])
                known_parent = current
                break
            self.modules[current] = resolution
            self.depth[current] = depth
            self.graph.nodes[current] = Node(
                resolution.kind, resolution.path, resolution.category, resolution.is_package
            )
            chain.append((current, resolution))
            current = current.rpartition(".")[0] or None
            if current is not None:
                resolution = self.resolver.resolve(current)
                current = current if resolution.found else None
        if not chain:
            return
        parents = [module for module, _ in chain[1:]] + [known_parent]
        for (module, found), parent in reversed(list(zip(chain, parents, strict=True))):
            if parent is not None:
                self.graph.edges[module, parent] = Edge("parent")
            self._after_found(module, found, depth)

    def _after_found(self, name: str, resolution: Resolution, depth: int) -> None:
        if resolution.kind in ("extension", "builtin", "frozen", "stdlib") or resolution.file is None:
            if resolution.kind != "namespace":
                self.unknown_names.add(name)
        if self._follows(name, resolution, depth):
            self.queue.append(name)
            self.queued.add(name)

    def _follows(self, name: str, resolution: Resolution, depth: int) -> bool:
        if resolution.file is None:
            return False
        options = self.options
        if depth > 0:
            if resolution.category == "stdlib" and not options.follow_stdlib:
                return False
            if resolution.category == "third_party" and not options.follow_third_party:
                return False
            if options.max_depth is not None and depth > options.max_depth:
                return False
            if options.include and not any(fnmatch.fnmatchcase(name, glob) for glob in options.include):
                return False
        return not any(fnmatch.fnmatchcase(name, glob) for glob in options.exclude)

    def _scan_module(self, name: str) -> None:
        resolution = self.modules[name]
        assert resolution.file is not None
        cached = self.extractions.get(name)  # read early when another module asked for its names
        if cached is not None:
            extraction = cached
        elif resolution.archive:
            extraction = self._extract_from_zip(name, resolution)
        else:
            extraction = self._read(resolution.file, name, resolution.is_package)
        extraction = self.add_extraction(name, with_flags(extraction, self.flag_values))
        self.diagnostics.extend(extraction.diagnostics)
        depth = self.depth[name] + 1
        self._more_sites = {}
        try:
            for record in extraction.imports:
                self._import(name, extraction, record, depth)
        finally:
            more, self._more_sites = self._more_sites, None
            for pair, (sites, _) in more.items():
                self.graph.edges[pair].sites = tuple(sites)
        for dynamic in extraction.dynamic:
            self.dynamic.append((name, dynamic))
        for key, _, _ in extraction.facts.module_entries:
            found = self._entry(name, key)
            if found is not None:
                self._found(found.name, found, depth)

    def _extract_from_zip(self, name: str, resolution: Resolution) -> Extraction:
        assert resolution.archive is not None and resolution.file is not None
        member = os.path.relpath(resolution.file, resolution.archive).replace(os.sep, "/")
        data = self.resolver.zips.read(resolution.archive, member, self.options.max_bytes)
        if isinstance(data, Diagnostic):
            return Extraction(name, resolution.is_package, resolution.file, diagnostics=(data,))
        return extract_bytes(data, name, resolution.is_package, resolution.file)

    # -- one import -------------------------------------------------------------------------

    def _site(self, importer: str, extraction: Extraction, record: ImportRecord, conditional: bool) -> Site:
        return new_site(importer, extraction.path, record, conditional)

    def _import(self, importer: str, extraction: Extraction, record: ImportRecord, depth: int) -> None:
        context = record.context
        live = context.evaluate(self.target) if context.conditions else True
        site = new_site(importer, extraction.path, record, live is None)
        if live is False:
            self.dead.append((importer, site))
            return
        if record.module is None:  # a relative import that cannot be resolved: diagnosed already
            return
        kind = record.kind
        if kind == "import" or kind == "future" or (kind == "call" and not record.names):
            self._need(record.module, importer, site, depth)
            return
        # `from pkg import sub` depends on pkg.sub; the package itself is an edge only when
        # names are taken from it (its parent edge says the package runs first anyway).
        package = self._need(record.module, importer, site, depth, edge=kind == "star")
        if package is None:
            return
        if kind == "star":
            self._star(record.module, importer, site, depth)
            return
        if not package.is_package and importer != record.module:
            # (Most from-imports: names of a module, no submodule to look for. When it has them
            # all, the one edge to it is all that _from_name would make, name after name.)
            names = self.names_cache.get(package.name) or self._names(package.name)
            for name in record.names:
                if name.name not in names[0]:
                    break
            else:
                self._edge(importer, package.name, site)
                return
        for name in record.names:
            if not self._from_name(record.module, name.name, importer, site, depth, package):
                self._edge(importer, package.name, site)  # (the module that serves a VendorImporter's name)

    def _need(self, name: str, importer: str, site: Site, depth: int, edge: bool = True) -> Resolution | None:
        """Import ``name`` and its parents; an edge importer -> name carries the site."""
        if name == "__main__":  # always in sys.modules: whatever script the program runs
            main = self.modules.get(name)
            if main is not None and edge:
                self._edge(importer, name, site)
            self._outcome(site, True)
            return None
        resolution = self._resolve(name)
        if resolution.found and resolution.name != name:  # served by a VendorImporter of the package above
            served_by = name.rpartition(".")[0]
            self._found(served_by, self.resolver.resolve(served_by), depth)
            self._edge(importer, served_by, site)
            name = resolution.name
        if not resolution.found:
            self._outcome(site, False)
            # The parents that exist are imported (and run) before the failure. An extension
            # module can put submodules in sys.modules as it loads (pyo3 packages do): under
            # one, a submodule not on disk is only maybe missing.
            parts = name.split(".")
            maybe = False
            for end in range(len(parts) - 1, 0, -1):
                parent = ".".join(parts[:end])
                found = self.resolver.resolve(parent)
                if found.found:
                    self._found(parent, found, depth)
                    self._edge(importer, parent, site)
                    # An extension, or a module putting entries in sys.modules, may hold it.
                    maybe = found.kind in ("extension", "builtin") or self._puts_modules(parent)
                    maybe = maybe or self._stdlib_puts(parent, parts[end]) or self._may_enter(parent, name)
                    break
            self._missing(name, site, maybe=maybe)
            return None
        context = site.record.context
        if context.try_id is not None or context.outer_tries:
            self._outcome(site, True)
        known = self.depth.get(name)
        if known is None:
            self._found(name, resolution, depth)
        elif depth < known:
            self.depth[name] = depth  # (what _found does for a module found already)
        if edge:
            self._edge(importer, name, site)
        return resolution

    def _outcome(self, site: Site, resolved: bool) -> None:
        if site.try_id is not None:
            self.try_groups.setdefault((site.importer, site.try_id), []).append((site, resolved, site.fallback))
        for outer in site.outer_tries:
            self.try_groups.setdefault((site.importer, outer), []).append((site, resolved, False))

    def _edge(self, importer: str, name: str, site: Site) -> None:
        if importer == name:
            return
        edge = self.graph.edges.get((importer, name))
        if edge is None:
            self.graph.edges[importer, name] = Edge("import", (site,))
            return
        edge.kind = "import"  # a parent package imported by its submodule too
        if self._more_sites is None:
            if site not in edge.sites:  # `from pkg import a, b` is one site
                edge.sites = (*edge.sites, site)
            return
        gathered = self._more_sites.get((importer, name))
        latest = edge.sites if gathered is None else gathered[0]  # (a parent edge may have none yet)
        if latest and site is latest[-1]:
            return  # `from pkg import a, b` is one site, told again for each name: no hash to work out
        if gathered is None:
            gathered = self._more_sites[importer, name] = ([*edge.sites], set(edge.sites))
        sites, seen = gathered
        if site not in seen:
            seen.add(site)
            sites.append(site)

    def _missing(self, name: str, site: Site, maybe: bool) -> None:
        table = self.maybe if maybe else self.missing
        entry = table.setdefault(name, Missing(name, maybe=maybe))
        entry.add(site)
        if name not in self.graph:
            self.graph.nodes[name] = Node("missing", maybe=maybe)
        self._edge(site.importer, name, site)

    def _from_name(
        self, package: str, attribute: str, importer: str, site: Site, depth: int, resolution: Resolution
    ) -> bool:
        """True when ``attribute`` is a submodule (an edge to it is made), False for a name of the package."""
        submodule = f"{package}.{attribute}"
        if resolution.is_package:
            found = self._resolve(submodule)
            if found.found:
                self._found(found.name, found, depth)
                self._edge(importer, found.name, site)
                return True
        served = resolution.name  # (the module a VendorImporter serves as ``package``: its names)
        if importer == served and attribute in self._unbound_self_imports(served):
            self._outcome(site, False)
            self._missing(submodule, site, maybe=False)
        elif not self._defines(served, attribute):
            self._outcome(site, False)
            self._missing(submodule, site, maybe=self._names_unknown(served))
        return False

    def _defines(self, module: str, name: str) -> bool:
        return name in self._names(module)[0]

    def _unbound_self_imports(self, module: str) -> frozenset[str]:
        extraction = self._extraction_of(module)
        return frozenset() if extraction is None else extraction.facts.unbound_self_imports

    def _names_unknown(self, module: str) -> bool:
        """Can't tell which names ``module`` has: an extension, star imports from such modules, or
        a module that puts its submodules in sys.modules itself."""
        return not self._names(module)[1] or self._puts_modules(module)

    def _resolve(self, name: str) -> Resolution:
        """Where ``name`` is found: as the resolver finds it, else through a ``VendorImporter`` a
        package above it installs (``setuptools.extern.packaging`` is the module
        ``setuptools._vendor.packaging``, else ``packaging``: the resolution named so, whose
        relative imports are relative to that name)."""
        known = self.resolved.get(name)
        if known is None:
            known = self.resolved[name] = self._resolve_anew(name)
        return known

    def _resolve_anew(self, name: str) -> Resolution:
        resolution = self.resolver.resolve(name)
        if resolution.found or "." not in name:
            return resolution
        parts = name.split(".")
        for end in range(len(parts) - 1, 0, -1):
            parent = ".".join(parts[:end])
            above = self.resolver.resolve(parent)
            if not above.found:
                continue
            entry = self._entry(parent, name)
            if entry is not None:
                return entry
            if above.category == "stdlib":
                break  # the standard library installs no VendorImporter
            extraction = self._extraction_of(parent)
            rest = ".".join(parts[end:])
            for package, names in extraction.facts.vendored if extraction is not None else ():
                if parts[end] in names:
                    for candidate in (f"{package}.{rest}", rest):
                        found = self.resolver.resolve(candidate)
                        if found.found:  # the module itself, under its own name: sys.modules holds both
                            return found
            break  # the nearest package found decides
        return resolution

    def _puts_modules(self, module: str) -> bool:
        """``module`` sets ``sys.modules`` entries as it runs: names under it may be there without files."""
        resolution = self.modules.get(module) or self.resolver.resolve(module)
        if not resolution.found or resolution.category == "stdlib":
            return False
        extraction = self._extraction_of(module)
        return extraction is not None and extraction.facts.module_aliases

    def _entry(self, module: str, name: str) -> Resolution | None:
        """``name`` as ``module`` puts it in ``sys.modules`` under a literal name when it runs, on
        the target (see :attr:`~depscan.model.records.ModuleFacts.module_entries`): once ``module``
        has run, an import of ``name`` finds it there. None when it does not, or may not."""
        setter = self.modules.get(module) or self.resolver.resolve(module)
        extraction = self._peek(module, setter)
        if extraction is None:
            return None
        for key, conditions, value in extraction.facts.module_entries:
            if key == name and Context(conditions=conditions).evaluate(self.target) is True:
                if value is not None:
                    self.entry_values[name] = value
                return Resolution(name, "entry", category=setter.category, finder="sys.modules")
        return None

    def _may_enter(self, module: str, name: str) -> bool:
        """``module`` puts ``name`` in ``sys.modules`` under conditions not known on the target."""
        extraction = self._peek(module, self.modules.get(module) or self.resolver.resolve(module))
        return extraction is not None and any(
            key == name and Context(conditions=conditions).evaluate(self.target) is None
            for key, conditions, _ in extraction.facts.module_entries
        )

    def _peek(self, module: str, resolution: Resolution) -> Extraction | None:
        """What ``module`` tells about itself; a standard library module is read for it, not followed."""
        if resolution.category != "stdlib" or module in self.extractions:
            return self._extraction_of(module)
        if resolution.file is None or resolution.archive:
            return None
        peeked = self.peeked.get(module)
        if peeked is None:
            peeked = self.peeked[module] = self._read(resolution.file, module, resolution.is_package)
        return peeked

    def _stdlib_puts(self, module: str, name: str) -> bool:
        """A standard library module that has ``name`` and sets ``sys.modules`` entries as it runs may
        have put ``module.name`` there (``typing.io`` before 3.13, ``xml.parsers.expat.errors``); it is
        read for that, not followed (its names still come from the tables)."""
        resolution = self.modules.get(module) or self.resolver.resolve(module)
        if resolution.category != "stdlib" or resolution.file is None or resolution.archive:
            return False
        if not self._defines(module, name):
            return False
        extraction = self._peek(module, resolution)
        return extraction is not None and extraction.facts.module_aliases

    def _has(self, module: str, name: str) -> Condition | None:
        """``hasattr(module, name)`` as a condition on the target: for a standard library module
        from depscan's tables (see :func:`depscan.analysis.names.stdlib_has`); else not told."""
        resolution = self._resolve(module)
        if not resolution.found or resolution.category != "stdlib":
            return None
        return stdlib_has(module, name)

    def _names(self, module: str, visiting: frozenset[str] = frozenset()) -> tuple[frozenset[str], bool]:
        """The names ``module`` binds at top level on the target, and whether those are all of them.

        Names bound only in dead branches do not count, the names listed in ``__all__`` do, and
        each live ``from m import *`` adds what it binds (see :meth:`_exports`). A name is known
        not to be there only when every star source's names are known.
        """
        cached = self.names_cache.get(module)
        if cached is not None:
            return cached
        resolution = self.modules.get(module) or self.resolver.resolve(module)
        value = self.entry_values.get(module) if resolution.kind == "entry" else None
        if value is not None and value not in visiting and self._resolve(value).found:
            return self._names(value, visiting | {module})  # sys.modules["pkg.x"] = an imported module
        if resolution.found and resolution.category == "stdlib" and resolution.kind != "namespace":
            return self.stdlib_names.names(module)  # one model of the stdlib's names: see depscan.analysis.names
        extraction = None if module in self.unknown_names else self._extraction_of(module)
        if extraction is None or not extraction.ok:
            result: tuple[frozenset[str], bool] = (frozenset(), False)
        else:
            facts = extraction.facts
            names = set(facts.defined_for(self.target)) | module_attributes(resolution)
            if facts.all_names is not None:
                names.update(facts.all_names)
            # Names made at run time: through globals(), a module __getattr__ (PEP 562), or listed
            # in an __all__ that could not be read whole.
            known = not facts.dynamic_globals and "__getattr__" not in names and facts.all_exact
            for record in extraction.imports:
                # A relative star import that cannot be resolved raises (DS020/DS021): it binds nothing.
                if record.kind != "star" or record.module is None or record.context.evaluate(self.target) is False:
                    continue
                exported, complete = self._exports(record.module, visiting | {module})
                names.update(exported)
                known = known and complete
            result = (frozenset(names), known)
        if not visiting:  # a result inside a cycle of star imports may be partial
            self.names_cache[module] = result
        return result

    def _exports(self, module: str, visiting: frozenset[str]) -> tuple[frozenset[str], bool]:
        """What ``from module import *`` binds: ``__all__`` when the module has one, else its public names."""
        if module in visiting:
            return frozenset(), True
        resolution = self.modules.get(module) or self.resolver.resolve(module)
        if not resolution.found:
            return frozenset(), False
        extraction = None if module in self.unknown_names else self._extraction_of(module)
        if extraction is None or not extraction.ok:
            return frozenset(), False
        facts = extraction.facts
        if facts.all_names is None:
            if "__all__" in facts.defined:  # bound in a way not read (sourceless bytecode)
                return frozenset(), False
            names, known = self._names(module, visiting)
            return frozenset(name for name in names if not name.startswith("_")), known
        exported = set(facts.all_names)
        known = facts.all_exact
        for ref in facts.all_refs:
            more, complete = self._exports(ref.module, visiting | {module})
            exported.update(more)
            known = known and complete
        return frozenset(exported), known

    def _extraction_of(self, module: str) -> Extraction | None:
        if module in self.extractions:
            return self.extractions[module]
        resolution = self.modules.get(module) or self.resolver.resolve(module)
        if resolution.kind == "namespace":
            return Extraction(module, True, None)
        if resolution.file is None:
            return None
        if resolution.archive:
            extraction = self._extract_from_zip(module, resolution)
        else:
            extraction = self._read(resolution.file, module, resolution.is_package)
        extraction = self.add_extraction(module, extraction)
        return extraction

    def _read(self, path: str, module: str, is_package: bool) -> Extraction:
        read = self.options.read or extract_file
        return read(path, module, is_package, self.options.max_bytes)

    def _star(self, package: str, importer: str, site: Site, depth: int) -> None:
        """``from package import *`` also imports the submodules named in its ``__all__``."""
        extraction = self._extraction_of(package)
        resolution = self.modules[package]
        if extraction is None or not resolution.is_package or extraction.facts.all_names is None:
            return
        for name in extraction.facts.all_names:
            submodule = f"{package}.{name}"
            found = self.resolver.resolve(submodule)
            if found.found:
                self._found(submodule, found, depth)
                self._edge(importer, submodule, site)


SKIPS_WHEN_MISSING = "pytest.importorskip"  # the test is skipped, not failed, when the module is missing


def _same_module(found: str, path: str) -> bool:
    """``found`` is ``path``, or the same module in another form beside it (an extension module
    compiled from it, as mypyc builds mypy: ``api.cpython-311-x86_64-linux-gnu.so`` by ``api.py``)."""
    if same_file(found, path):
        return True
    (here, name), (there, other) = os.path.split(os.path.abspath(found)), os.path.split(os.path.abspath(path))
    return here == there and name.split(".", 1)[0] == other.split(".", 1)[0]


def _guarded_by_availability(site: Site) -> bool:
    """The import runs only where what it imports can be found (``if find_spec("x"):`` around
    ``import x``, directly or through a flag such as ``HAS_X = find_spec("x") is not None``)."""
    record = site.record
    if record.module is None:
        return False
    imported = [record.module, *(f"{record.module}.{name.name}" for name in record.names)]
    conditions = list(site.context.conditions)
    while conditions:
        condition = conditions.pop()
        if isinstance(condition, All):
            conditions.extend(condition.args)
        elif isinstance(condition, Available) and any(condition.guards(name) for name in imported):
            return True
    return False


def _with_category(resolution: Resolution, category: Category) -> Resolution:
    from dataclasses import replace

    return replace(resolution, category=category)


@dataclass
class Targets:
    scripts: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # modules of a package or source tree
    paths: list[str] = field(default_factory=list)  # extra search path entries (project)
    walked: list[str] = field(default_factory=list)  # the directories listed to find ``files``


def plan_targets(arguments: Iterable[str], modules: Iterable[str]) -> tuple[Targets, list[Diagnostic]]:
    """Sort what the user named: scripts, package or source directories, zip archives, ``-m`` modules."""
    targets = Targets(modules=list(modules))
    problems: list[Diagnostic] = []
    for argument in arguments:
        path = os.path.abspath(argument)
        if os.path.isdir(path):
            if os.path.exists(os.path.join(path, "__init__.py")):
                # A package: the directory above its top-level package goes on the path (for
                # setuptools/_vendor that is site-packages, not setuptools/, whose logging.py
                # would hide the stdlib's), and its modules are the roots.
                top = path
                while os.path.exists(os.path.join(os.path.dirname(top), "__init__.py")):
                    top = os.path.dirname(top)
                targets.paths.append(os.path.dirname(top))
            else:
                targets.paths.append(path)
            targets.files.extend(_python_files(path, targets.walked))
        elif path.endswith((".zip", ".pyz", ".whl", ".egg")) and os.path.isfile(path):
            targets.paths.append(path)
            targets.modules.extend(_zip_top_level(path, problems))
        elif os.path.isfile(path):
            targets.scripts.append(path)
        elif os.path.lexists(path):  # a FIFO, a device, a socket, a dangling link: never opened
            problems.append(Diagnostic("DS012", "not a regular file or a directory; not read", argument))
        else:
            problems.append(Diagnostic("DS012", "no such file or directory", argument))
    return targets, problems


def _python_files(directory: str, walked: list[str]) -> list[str]:
    from depscan.source import expand_paths

    return expand_paths([directory], walked)


def _zip_top_level(archive: str, problems: list[Diagnostic]) -> list[str]:
    import zipfile

    try:
        with zipfile.ZipFile(archive) as handle:
            names = handle.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        problems.append(Diagnostic("DS015", f"not a usable zip archive: {exc}", archive))
        return []
    tops: set[str] = set()
    for name in names:
        head = name.split("/", 1)[0]
        if name.endswith((".py", ".pyc")) and "/" not in name:
            stem = head.rsplit(".", 1)[0]
            if stem.isidentifier() and stem != "__main__":
                tops.add(stem)
        elif "/" in name and head.isidentifier() and name.endswith(".py"):
            tops.add(head)
    if "__main__.py" in names:
        tops.add("__main__")
    # Like a source directory, every module of the archive's packages is a root too.
    members = set(names)
    modules: set[str] = set()
    packages: dict[str, bool] = {}  # a directory of the archive -> whether it and those above are packages

    def in_packages(directory: str) -> bool:
        """Each directory is asked once, its parent first (no prefix of each name joined again:
        an archive 2,000 packages deep cost a cube of its depth)."""
        unknown = []
        while directory and directory not in packages:
            unknown.append(directory)
            directory = directory.rpartition("/")[0]
        answer = packages.get(directory, True) if directory else True
        for one in reversed(unknown):
            answer = answer and (f"{one}/__init__.py" in members or f"{one}/__init__.pyc" in members)
            packages[one] = answer
        return packages[unknown[0]] if unknown else answer

    for name in names:
        if not name.endswith(".py") or "/" not in name:
            continue
        parts = name[:-3].split("/")
        if in_packages(name.rpartition("/")[0]):
            dotted = parts[:-1] if parts[-1] == "__init__" else parts
            if all(part.isidentifier() for part in dotted):
                modules.add(".".join(dotted))
    return sorted(tops | modules)


def scan(
    interp: Interpreter,
    arguments: Sequence[str],
    modules: Sequence[str] = (),
    paths: Sequence[str] = (),
    options: ScanOptions | None = None,
    use_pythonpath: bool = True,
    project_root: str | None = None,
    progress: Any = None,
) -> ScanResult:
    """Scan what the user named; see the module docstring for the semantics."""
    forget_directories()
    targets, problems = plan_targets(arguments, modules)
    script_dir = os.path.dirname(targets.scripts[0]) if targets.scripts else None
    pythonpath = os.environ.get("PYTHONPATH") if use_pythonpath else None
    search = build_search_path(interp, [*paths, *targets.paths], script_dir, pythonpath, project_root)
    resolver = Resolver(interp, search)
    scanner = Scanner(interp, resolver, options)
    scanner.diagnostics.extend(problems)
    for script in targets.scripts:
        # One script runs as __main__; several are told apart by their names.
        name = "__main__" if len(targets.scripts) == 1 else os.path.splitext(os.path.basename(script))[0]
        scanner.add_script(script, name)
    for file in targets.files:
        scanner.add_file(file)
    for module in targets.modules:
        scanner.add_module(module)
    scanner.read_ahead(progress)
    result = scanner.run(progress)
    result.inputs = [os.path.abspath(a) for a in arguments] + targets.walked
    return result
