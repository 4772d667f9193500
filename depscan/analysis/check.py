"""``depscan check``: the imports of a project that cannot be found, as findings for editors and CI.

The project's files are the roots of a scan that follows nothing (each file's
imports are resolved; the names a project module defines are read when a
``from`` import needs them). A finding is reported at the import statement:

* DS001 when the module cannot be found on the target's search path, or
  ``from pkg import name`` names neither a submodule nor a name of ``pkg``.
  Precision comes from the scan's rules: an import under ``try/except
  ImportError`` fails only when no alternative of the same ``try`` resolves;
  "maybe missing" (a package whose names cannot be known) is never a finding;
  an import in a branch that is dead for *every* configured target (each
  Python version and platform) is skipped; ``TYPE_CHECKING`` imports are
  checked unless ``check-type-checking = false``.
* DS010-DS014 when a checked file cannot be read or parsed, DS020/DS021 for
  relative imports that cannot be resolved.

A file that is not in a package runs as a script, with its own directory first
on the path (as pytest's test files and tool scripts do), so its imports of the
modules beside it are found there.

Suppression: ``# depscan: ignore`` on the line ignores every finding there,
``# depscan: ignore[DS001, DS020]`` the codes listed; ``ignore-missing`` globs
(module names; a glob matching a package covers its submodules) in the
configuration.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import itertools
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, Protocol

from depscan import DEFAULT_MAX_BYTES
from depscan.analysis.project import CheckSettings, Key, Walk, default_source_roots, walk
from depscan.analysis.scan import Missing, Scanner, ScanOptions, ScanResult
from depscan.extract.walker import extract_file
from depscan.model.conditions import Target
from depscan.model.diagnostics import CATALOGUE
from depscan.model.graph import Site
from depscan.model.records import SUPPRESSION, Extraction, ImportRecord, suppressed_codes
from depscan.resolve.interpreter import Interpreter
from depscan.resolve.resolver import Resolver, build_search_path
from depscan.source import CONFIG_MAX_BYTES, _is_regular_package, read_bytes, same_file, shown_path

if TYPE_CHECKING:
    from depscan.analysis.providers import Provider, Providers

Level = Literal["error", "warning"]

CHECK_SCHEMA_VERSION = 1
_SUPPRESS = re.compile(SUPPRESSION, re.IGNORECASE)
# Problems of a checked file itself that are findings (the others are the scan's business).
_FILE_CODES = frozenset({"DS010", "DS011", "DS012", "DS013", "DS014", "DS020", "DS021"})


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    path: str
    line: int
    col: int
    module: str | None = None  # the module that cannot be found, for DS001
    severity: Level = "error"

    @property
    def name(self) -> str:
        entry = CATALOGUE.get(self.code)
        return entry.name if entry else self.code

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.col, self.code, self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "module": self.module,
        }


@dataclass
class CheckResult:
    findings: list[Finding]
    files: list[str]
    scan: ScanResult | None  # let go (None) by a caller done with it: it is most of the memory
    cached: int = 0  # files whose extraction came from the cache
    processes: int = 1  # processes that extracted the others
    depends_on: list[str] = field(default_factory=list)  # every file and directory the answer was made from
    listings: dict[str, Any] = field(default_factory=dict)  # the directories the resolver listed, as it saw them
    declaration_files: list[str] = field(default_factory=list)  # pyproject.toml, requirements files read
    state: dict[str, Any] | None = None  # what updating the answer needs: see check_state

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "error"]


def package_roots(files: Sequence[str], source_roots: Sequence[str]) -> list[str]:
    """The directories holding the checked files' top-level packages, beyond the source roots.

    ``lib/pkg/mod.py`` (with ``lib/pkg/__init__.py``) imports ``pkg`` as its own package
    wherever the project keeps it, so ``lib`` is searched too, after the source roots.
    """
    known = {os.path.abspath(root) for root in source_roots}
    roots: list[str] = []
    seen: set[str] = set()
    for path in files:
        directory = os.path.dirname(os.path.abspath(path))
        if directory in seen:
            continue
        seen.add(directory)
        if not _is_regular_package(directory):
            continue
        while _is_regular_package(os.path.dirname(directory)):
            directory = os.path.dirname(directory)
        root = os.path.dirname(directory)
        if root not in known:
            known.add(root)
            roots.append(root)
    return roots


def targets_of(interp: Interpreter, settings: CheckSettings) -> list[Target]:
    """Every configured (version, platform) pair: an import is dead only when it is dead for all."""
    versions: list[tuple[int, ...]] = list(settings.versions) or [interp.version[:2]]
    platforms = list(settings.platforms) or [interp.platform]
    return [
        Target.for_platform(version, platform, interp.implementation)
        for version, platform in itertools.product(versions, platforms)
    ]


class Extractions(Protocol):
    """Where a check's extractions come from: :class:`Plain` here, or the fast paths of
    :mod:`depscan.perf.early` (parallel, cached, scanning early). The answers are the same."""

    walk: Walk  # the files found

    def read(self, path: str, module: str, is_package: bool, max_bytes: int | None) -> Extraction:
        """One module the scan asks for (a file it reads for its names)."""
        ...

    def extract_roots(
        self, keys: list[Key], scanner: Scanner, roots: Mapping[Key, str]
    ) -> tuple[list[Extraction], int, int]:
        """Every checked file's extraction, in the order of ``keys``, with how many came from a
        cache and how many processes made them. ``scanner`` may scan the ``roots`` (key -> module
        name) as they come."""
        ...

    def close(self) -> None:
        """Stop what was started (once is enough; more is harmless)."""
        ...


@dataclass
class Plain:
    """The files' extractions made one after another, here, when they are asked for."""

    walk: Walk
    max_bytes: int | None = DEFAULT_MAX_BYTES

    def read(self, path: str, module: str, is_package: bool, max_bytes: int | None) -> Extraction:
        return extract_file(path, module, is_package, max_bytes)

    def extract_roots(
        self, keys: list[Key], scanner: Scanner, roots: Mapping[Key, str]
    ) -> tuple[list[Extraction], int, int]:
        return [extract_file(path, module, is_package, self.max_bytes) for path, module, is_package in keys], 0, 1

    def close(self) -> None:
        pass


def check(
    interp: Interpreter,
    settings: CheckSettings,
    files: Sequence[str] | None = None,
    extractions: Extractions | None = None,
    keep_state: bool = False,
) -> CheckResult:
    """Check ``files`` (default: every file of the project) and return the findings, sorted;
    with ``keep_state``, what updating the answer later needs (:attr:`CheckResult.state`).

    ``extractions``: what the caller started for these settings and files (the walk, and the
    extraction of what it found: :func:`depscan.perf.early.begin`); its files are the ones
    checked then (``files`` went to it). It is closed on the way out. Without it, the files
    are walked and read here, plainly.
    """
    extractions = Plain(walk(settings, files)) if extractions is None else extractions
    files = extractions.walk.files
    try:
        source_roots = list(settings.source_roots) or default_source_roots(settings.root)
        search = build_search_path(
            interp,
            [*source_roots, *settings.paths, *package_roots(files, source_roots)],
            None,
            os.environ.get("PYTHONPATH") if settings.use_pythonpath else None,
            settings.root,
        )
        resolver = Resolver(interp, search)
        result = _check(interp, settings, extractions, resolver, keep_state)
    finally:
        extractions.close()
    result.depends_on = _depends_on(result, resolver, settings, extractions.walk.walked)
    result.listings = resolver.fs.listings
    return result


def excused(
    interp: Interpreter, settings: CheckSettings, result: ScanResult
) -> tuple[dict[str, str], set[tuple[str, int, int]]]:
    """What the check would say of the scan's missing modules, so that the scan and the check
    agree on what is missing: those it would not call an error, each with why, and the places
    (path, line, column) of the imports it would. Its rules for every site, the files read all
    checked. (Sites a ``try`` covers are the scan's own business.)"""
    # The standard library's own imports are not checked: it works on its Python, and what it
    # imports only elsewhere (nt, java.lang for Jython) is its platforms' business.
    files = [e.path for name, e in result.extractions.items() if e.path and not _in_stdlib(result, name)]
    checker = _Checker(interp, settings, result, result.resolver, files)
    found: dict[str, str] = {}
    failing: set[tuple[str, int, int]] = set()
    for name, missing in result.missing.items():
        if result.satisfied(missing):
            continue
        findings = list(checker._missing(missing))
        errors = {(f.path, f.line, f.col) for f in findings if f.severity == "error"}
        if errors:
            failing |= errors
            continue
        if not findings:
            stdlib = all(_in_stdlib(result, site.importer) for site in missing.sites)
            if stdlib:
                found[name] = "only the standard library imports it"
            elif any(
                checker._under_an_unread_test(s.record) and checker._other_platforms_module(name, s.record)
                for s in missing.sites
            ):
                found[name] = "of other platforms' standard library, imported under a test depscan cannot read"
            else:
                found[name] = "it is not imported where the code runs"
            continue
        first = findings[0]
        why = first.message.removeprefix(f"module {name!r} not found: ")
        if why == first.message:  # no reason in the message: the rule's own summary
            why = CATALOGUE[first.code].summary if first.code in CATALOGUE else why
        found[name] = f"{first.code}, {why}"
    return found, failing


def _in_stdlib(result: ScanResult, module: str) -> bool:
    resolution = result.modules.get(module)
    return resolution is not None and resolution.category == "stdlib"


def _depends_on(result: CheckResult, resolver: Resolver, settings: CheckSettings, walked: list[str]) -> list[str]:
    """What the answer was worked out from, for :mod:`depscan.perf.runcache` to watch."""
    paths = [*result.files, *walked, settings.root]
    directories: set[str] = set()
    for file in result.files:  # their packages (module names) and the scripts' own directories
        directory = os.path.dirname(file)
        while directory not in directories and directory.startswith(settings.root):
            directories.add(directory)
            directory = os.path.dirname(directory)
    paths += directories
    assert result.scan is not None
    paths += [e.path for e in result.scan.extractions.values() if e.path]  # modules read for their names
    paths += resolver.depends_on()
    for name in ("pyproject.toml", "requirements.txt", "requirements"):
        paths.append(os.path.join(settings.root, name))
    paths += result.declaration_files  # requirements-dev.txt, files they include with -r
    return paths


def _check(
    interp: Interpreter, settings: CheckSettings, extractions: Extractions, resolver: Resolver, keep_state: bool
) -> CheckResult:
    walked = extractions.walk
    files, whole_project = walked.files, walked.whole_project
    # Guards are left unknown in the scan (everything live) and evaluated per target below.
    options = ScanOptions(
        max_depth=0,
        follow_third_party=False,
        target=Target(type_checking=None),
        read=extractions.read,
        platforms=list(settings.platforms) or [interp.platform],
        oldest=min(settings.versions) if settings.versions else interp.version[:2],
    )
    scanner = Scanner(interp, resolver, options)
    used: set[str] = set()
    roots: list[tuple[str, str, bool, bool]] = []  # path, name, is_package, as a script
    portions: dict[tuple[str, str], str] = {}
    directories: dict[str, str] = {}
    for number, path in enumerate(files):
        name, is_package = walked.names[path]
        name = _through_portions(resolver, path, name, portions, directories)
        found = resolver.resolve(name)
        same = found.found and found.file is not None and same_file(found.file, path)
        if name in used or (found.found and found.file is not None and not same):
            # Two scripts of one name (tests/a/test_x.py, tests/b/test_x.py), or a script named like
            # another module (tests/types.py): each is checked on its own, under a name of its own.
            roots.append((path, f"{name}@{number}", False, True))
        else:
            used.add(name)
            roots.append((path, name, found.is_package if same else is_package, False))
    facts = dependency_facts(settings, resolver) if settings.dependencies else None  # while the workers parse

    for path, name, _, as_script in roots:  # the roots need no extraction yet: done while the workers parse
        if as_script:
            scanner.add_script(path, name)
        else:
            scanner.add_file(path, name)
    keys = [(p, n, i) for p, n, i, _ in roots]
    made, cached, processes = extractions.extract_roots(keys, scanner, {(p, n, i): n for p, n, i, _ in roots})
    for (_, name, _, _), extraction in zip(roots, made, strict=True):
        scanner.add_extraction(name, extraction)  # read before the scan asks
    result = scanner.run()
    checker = _Checker(interp, settings, result, resolver, files)
    checker.facts = facts
    findings = list(checker.findings())
    if settings.dependencies:
        findings.extend(checker.dependency_findings(whole_project=whole_project, facts=facts))
    checked = CheckResult(sorted(findings, key=Finding.sort_key), list(files), result, cached, processes)
    if keep_state:
        checked.state = check_state(keys, checker, checked.findings)
    checked.declaration_files = checker.declaration_files
    return checked


def _through_portions(
    resolver: Resolver, path: str, name: str, known: dict[tuple[str, str], str], directories: dict[str, str]
) -> str:
    """``name`` (as the packages around ``path`` give it) with the namespace portions above its
    top-level package, when the resolver finds that package under the longer name: the name the
    code imports it by. ``google/auth/crypt/rsa.py`` is ``google.auth.crypt.rsa``, not
    ``auth.crypt.rsa`` (found too, through the directory above ``auth`` put on the path): as
    such it is among what ``import google.auth`` loads (see :meth:`_Checker._declaration_of`).
    Only for a module of a regular package: a file outside any runs as a script. ``known``: the
    portions above each top-level package, worked out once for all its files (a resolution each);
    ``directories``: each directory's absolute path, which the files in it share."""
    head, tail = os.path.split(path)
    directory = directories.get(head)
    if directory is None:
        directory = directories[head] = os.path.abspath(head)
    if not _is_regular_package(directory):
        return name  # a module outside any package runs as a script (benchmarks/bench.py)
    up = name.count(".") + (1 if tail.startswith("__init__.") else 0)
    if up:  # up to the directory holding the top-level package
        directory = directory.rsplit(os.sep, up)[0] or os.sep
    top = name.partition(".")[0]
    prefix = known.get((directory, top))
    if prefix is None:
        prefix = known[directory, top] = _portions_above(resolver, directory, top)
    return prefix + name


def _portions_above(resolver: Resolver, directory: str, top: str) -> str:
    """The namespace portions (``google.``) above the package ``directory/top`` that the resolver
    finds it under (``google.auth``), nearest last; ``""`` when there are none."""
    package = os.path.join(directory, top)
    best = top
    while True:
        above, portion = os.path.split(directory)
        if above == directory or not portion.isidentifier() or _is_regular_package(directory):
            break
        candidate = f"{portion}.{best}"
        found = resolver.resolve(candidate)
        if not (found.found and found.file is not None and same_file(os.path.dirname(found.file), package)):
            break
        best, directory = candidate, above
    return best[: -len(top)]


def dependency_facts(settings: CheckSettings, resolver: Resolver) -> tuple[Any, Any]:
    """What the project declares, and the distributions installed on its search path (None when
    it declares nothing: then there are no dependency findings). Needs no extraction, so it is
    read while the files are being parsed."""
    from depscan.analysis.distributions import declared_dependencies, installed_distributions

    declared = declared_dependencies(settings.root)
    if not declared.sources or (not declared.requirements and not declared.project):
        return declared, None
    return declared, installed_distributions(_site_dirs(resolver))


def _site_dirs(resolver: Resolver) -> list[str]:
    return [entry.path for entry in resolver.search.entries if entry.origin in ("site", "user-site")]


class _Checker:
    def __init__(
        self, interp: Interpreter, settings: CheckSettings, result: ScanResult, resolver: Resolver, files: Sequence[str]
    ) -> None:
        self.interp = interp
        self.settings = settings
        self.result = result
        self.resolver = resolver
        self.targets = targets_of(interp, settings)
        self.checking = [_with_type_checking(t) for t in self.targets]  # each, its TYPE_CHECKING branches live
        self.files = {os.path.abspath(f) for f in files}
        self.declaration_files: list[str] = []  # what dependency_findings read
        absolute = {e.path: os.path.abspath(e.path) for e in result.extractions.values() if e.path}
        self.by_path = {
            absolute[e.path]: e for e in result.extractions.values() if e.path and absolute[e.path] in self.files
        }
        self.script_resolvers: dict[str, Resolver] = {}
        self.suppressions: dict[str, Comments] = {}  # path -> line -> codes
        self.import_numbers: dict[str, dict[int, int]] = {}  # path -> id of an import record -> its number
        self.raw: list[tuple[Finding, int | None]] = []  # see _kept
        self.facts: tuple[Any, Any] | None = None  # what dependency_facts read, when it was
        self.declarations: Providers | None = None
        self.loaded: dict[str, frozenset[str]] = {}  # see _loaded_by_import
        self.reached: dict[int, Mapping[str, int]] = {}  # see _reach
        self.absolute: dict[str, str] = absolute  # see _absolute
        self.shown_searches: dict[tuple[str, ...], str] = {}  # a "not found" message's search path, shown

    def findings(self) -> Iterable[Finding]:
        for missing in self.result.missing.values():
            yield from self._missing(missing)
        yield from self._not_in_stdlib_of_versions()
        for path, extraction in self.by_path.items():
            for diagnostic in extraction.diagnostics:
                if diagnostic.code in _FILE_CODES:
                    finding = Finding(
                        diagnostic.code, diagnostic.message, path, diagnostic.line or 1, diagnostic.col or 1
                    )
                    kept = self._kept(finding)
                    if kept is not None:
                        yield kept
        for diagnostic in self.result.diagnostics:  # files named that could not be read at all
            path = os.path.abspath(diagnostic.path) if diagnostic.path else ""
            if diagnostic.code == "DS012" and path in self.files and path not in self.by_path:  # not said above
                finding = Finding("DS012", diagnostic.message, path, 1, 1)
                kept = self._kept(finding)
                if kept is not None:
                    yield kept

    def _missing(self, missing: Missing) -> Iterable[Finding]:
        if self._ignored(missing.name):
            return
        for site in missing.sites:
            if not site.path or self._absolute(site.path) not in self.by_path:
                continue
            if self.result.covered(site):
                continue
            runs = self._runs(site)
            if runs == UNREACHED or (runs == TYPE_ONLY and not self.settings.check_type_checking):
                continue  # dead, or only where the module's importers cope with its failure
            if runs == TYPE_ONLY and self._stub_only(missing.name, site.record):
                continue  # what the type checker reads is there
            if self._found_beside_script(site, missing.name):
                continue
            if self._other_platforms_module(missing.name, site.record):
                continue
            message = self._message(missing.name, site.record)
            type_only = runs == TYPE_ONLY
            code = "DS005" if type_only else "DS001"  # only a type checker runs it: a warning
            provider = None if type_only else self._declaration_of(missing.name, site)
            if provider is not None:
                message = provider.message(missing.name)
                code = "DS006" if provider.reason is not None else code  # not installed, and need not be
            finding = Finding(code, message, self._absolute(site.path), site.line, site.col, missing.name)
            kept = self._kept(finding, site.record)
            if kept is not None:
                yield kept

    # -- declared dependencies (DS002, DS003) ---------------------------------------------

    def dependency_findings(self, whole_project: bool, facts: tuple[Any, Any] | None = None) -> Iterable[Finding]:
        """Third-party distributions imported but not declared; declared ones never imported.

        Only for a project that declares its dependencies (``pyproject.toml`` or requirements
        files). Import names are mapped to distributions through the target environment's
        installed metadata (as ``importlib.metadata.packages_distributions`` does, read
        statically), or ``dependency-mapping``. DS003 needs the whole project (not a few files
        named by pre-commit) and looks at required dependencies only (extras and groups hold
        tools and plugins that are never imported). ``facts``: what :func:`dependency_facts`
        gives, when it was read beforehand.
        """
        from depscan.analysis.distributions import normalise

        declared, installed = dependency_facts(self.settings, self.resolver) if facts is None else facts
        self.declaration_files = list(declared.sources)
        for problem in declared.unreadable:  # a declaration file that is there but cannot be read
            finding = Finding(problem.code, problem.message, os.path.abspath(problem.path or ""), problem.line or 1, 1)
            kept = self._kept(finding)
            if kept is not None:
                yield kept
        for text in declared.problems:  # read, but not understood: said, where it is written
            path, line, message = _placed(text, declared.sources)
            kept = self._kept(Finding("DS004", message, os.path.abspath(path), line, 1))
            if kept is not None:
                yield kept
        if installed is None:
            return
        mapping = {name: tuple(normalise(d) for d in dists) for name, dists in self.settings.dependency_mapping.items()}
        declared_names = declared.names()
        first_party = set(self.settings.known_first_party)
        used: set[str] = set()
        for _, module, edge in self.result.graph_data.imports():
            resolution = self.result.modules.get(module)
            if resolution is None or resolution.category != "third_party":
                continue
            top = module.partition(".")[0]
            if top in first_party:
                continue
            providers = self._providers(module, mapping, installed.by_import_name, normalise)
            if not providers:
                continue  # no metadata says where it comes from
            sites_here = [s for s in edge.sites if s.path and os.path.abspath(s.path) in self.by_path]
            live = [s for s in sites_here if not self._dead_site(s)]
            if live:
                used.update(providers)
            if declared.project in providers or set(providers) & declared_names:
                continue
            for site in live:
                if site.optional or site.fallback or site.type_checking:
                    continue  # the program copes without it, or only a type checker reads it
                if set(providers) & declared.build_requires and _is_build_script(site.path, self.settings.root):
                    continue  # setup.py runs in the build's environment: [build-system].requires
                names = " or ".join(repr(p) for p in providers)
                message = f"{module.partition('.')[0]!r} comes from {names}, which the project does not declare"
                finding = Finding("DS002", message, os.path.abspath(site.path or ""), site.line, site.col, module)
                kept = self._kept(finding, site.record)
                if kept is not None:
                    yield kept
        if not whole_project:
            return
        for requirement in declared.requirements:
            if requirement.optional or requirement.name in used or requirement.name == declared.project:
                continue
            distribution = installed.get(requirement.name)
            if distribution is None:
                continue  # not installed: which modules it provides cannot be known
            if not distribution.top_level and not any(requirement.name in dists for dists in mapping.values()):
                continue  # provides no importable module (a plugin, a tool, stubs)
            line = requirement.line or _line_of(requirement.path, requirement.text)
            place = f" in [{requirement.table}]" if requirement.table else ""
            message = f"{requirement.name!r} is declared{place} but never imported"
            finding = Finding("DS003", message, requirement.path, line, 1, requirement.name)
            kept = self._kept(finding)
            if kept is not None:
                yield kept

    def _providers(
        self,
        module: str,
        mapping: Mapping[str, tuple[str, ...]],
        by_import_name: Mapping[str, tuple[str, ...]],
        normalise: Any,
    ) -> tuple[str, ...]:
        parts = module.split(".")
        for end in range(len(parts), 0, -1):  # the longest mapped name wins: google.protobuf over google
            name = ".".join(parts[:end])
            if name in mapping:
                return mapping[name]
        return tuple(normalise(d) for d in by_import_name.get(parts[0], ()))

    def _declaration_of(self, module: str, site: Site) -> Provider | None:
        """Where a missing module would come from: its declaration, or an installed distribution
        that does not declare it and runs the import only past ``import P`` (read when first asked)."""
        from depscan.analysis.providers import Provider, Providers, provides

        if self.declarations is None:
            from depscan.analysis.distributions import Distributions, installed_distributions

            declared, read = self.facts or dependency_facts(self.settings, self.resolver)
            # A checked file may be part of an installed distribution, whose metadata declares more:
            # those of every search path entry (the site directories' read already, when they were).
            sites = set(_site_dirs(self.resolver)) if read is not None else set()
            others = installed_distributions([e.path for e in self.resolver.search.entries if e.path not in sites])
            installed = Distributions((*(read or ()), *others)) if read is not None else others
            mapping = self.settings.dependency_mapping
            self.declarations = Providers(declared.requirements, installed, mapping, self.targets)
        path = self._absolute(site.path or "")
        found = self.declarations.of(module, path)
        owner = self.declarations.owner(path)
        if found is not None or owner is None or provides(owner.top_level, module):
            return found
        from depscan.resolve.tables import every_stdlib_name

        name = module.partition(".")[0]
        # (this Python's, and absent here: winreg on Linux; not typing's missing name)
        other_platform = name in self.interp.stdlib_names and not self.resolver.resolve(name).found
        if name in every_stdlib_name() and not other_platform:
            return None  # of another Python version: no distribution's to declare (guards decide)
        parts = os.path.relpath(path, owner.site_dir).split(os.sep)
        end = 1
        # A portion of a namespace package (google/auth/...): `import google.auth` is what runs.
        while end < len(parts) - 1 and parts[end].isidentifier():
            if _is_regular_package(os.path.join(owner.site_dir, *parts[:end])):
                break
            end += 1
        first = ".".join(parts[:end])
        top = first[:-3] if first.endswith(".py") else first  # (the checked name may be a script's)
        loaded = self._loaded_by_import(top) if top.partition(".")[0] in owner.top_level else None
        if loaded is None or (site.importer in loaded and not site.delayed):
            return None  # its package is not all checked, or `import P` runs it: a real failure
        where = "in a function" if site.importer in loaded else f"in a module `import {top}` does not load"
        if other_platform:
            reason = f"a standard library module of other platforms, which {owner.name!r} imports only {where}"
        else:
            reason = (
                f"{owner.name!r} does not declare it, and imports it only {where}"
                " (an optional feature, a plugin, a test or an example of it)"
            )
        return Provider(None, reason)

    @cached_property
    def checked_modules(self) -> frozenset[str]:
        """The names of the checked modules (as the scan knows them)."""
        return frozenset(e.module for e in self.by_path.values())

    def _loaded_by_import(self, top: str) -> frozenset[str] | None:
        """The checked modules ``import TOP`` runs: the closure of the imports made at module
        level (not in a function, not dead, not only for a type checker), with the packages above
        each; None when ``top`` is not among the checked modules."""
        if top not in self.loaded:
            names = self.checked_modules
            if top not in names:
                return None
            runs: dict[str, set[str]] = {}
            for importer, imported, edge in self.result.graph_data.imports():
                if any(not s.delayed and not s.type_checking and not self._dead_site(s) for s in edge.sites):
                    runs.setdefault(importer, set()).add(imported)
            seen: set[str] = set()
            todo = [top]
            while todo:
                name = todo.pop()
                if name in seen or name not in names:
                    continue
                seen.add(name)
                parts = name.split(".")
                todo.extend(".".join(parts[:end]) for end in range(1, len(parts)))
                todo.extend(runs.get(name, ()))
            self.loaded[top] = frozenset(seen)
        return self.loaded[top]

    def _runs(self, site: Site) -> int:
        """How the import at ``site`` runs, at best over the targets: REQUIRED, TYPE_ONLY (only a
        type checker reaches it) or UNREACHED (dead, or in a module reached only where its
        importers catch its failure). A module is reached as its importers reach it (item 7 of
        the precision issue): `import winreg` in a module imported only on Windows is dead on
        Linux. A module nothing imports is reached."""
        best = UNREACHED
        for number, target in enumerate(self.checking):
            here = _flavour(site, target)
            if here == UNREACHED:
                continue
            module = self._reach(number).get(site.importer, REQUIRED)
            if module in (UNREACHED, OPTIONAL):
                continue  # (a caught failure of the import itself is result.covered's business)
            best = max(best, TYPE_ONLY if TYPE_ONLY in (here, module) else REQUIRED)
        return best

    def _reach(self, number: int) -> Mapping[str, int]:
        """How each checked module is reached on target ``number`` (see :func:`_reach`)."""
        if number not in self.reached:
            target = self.checking[number]
            modules = self.checked_modules
            tops = {module.partition(".")[0] for module in modules}
            above: dict[str, list[str]] = {}  # imported -> the checked modules importing it runs
            importers: dict[str, dict[str, int]] = {}  # module -> importer -> how, at best

            def add(importer: str, imported: str, sites: Iterable[Site]) -> None:
                if importer not in modules or imported.partition(".")[0] not in tops:
                    return  # (the standard library's, a third party's: not a checked module)
                runs = above.get(imported)
                if runs is None:
                    parts = imported.split(".")  # importing a.b runs a too
                    runs = above[imported] = [
                        n for n in (".".join(parts[:e]) for e in range(1, len(parts) + 1)) if n in modules
                    ]
                how = UNREACHED
                for site in sites:
                    here = _flavour(site, target)
                    if here > how:
                        how = here
                        if how == REQUIRED:
                            break
                for name in runs:
                    if name != importer:
                        best = importers.setdefault(name, {})
                        if how > best.get(importer, UNREACHED):
                            best[importer] = how

            for importer, imported, edge in self.result.graph_data.imports():
                add(importer, imported, edge.sites)
            for importer, site in self.result.dead:  # dead where the scan ran: no edge, but an importer
                record = site.record
                if record.module is not None:
                    for imported in [record.module, *(f"{record.module}.{n.name}" for n in record.names)]:
                        add(importer, imported, [site])
            self.reached[number] = _reach(importers)
        return self.reached[number]

    def _absolute(self, path: str) -> str:
        """``os.path.abspath(path)``, worked out once a path (the sites of a module share it)."""
        absolute = self.absolute.get(path)
        if absolute is None:
            absolute = self.absolute[path] = os.path.abspath(path)
        return absolute

    def _dead_site(self, site: Site) -> bool:
        return self._dead_everywhere(site.record)

    def _stub_only(self, name: str, record: ImportRecord) -> bool:
        """Type checkers find it where Python does not: in typeshed's stubs of the standard library
        (``_typeshed``; ``from hashlib import _Hash``), a ``.pyi`` stub or a ``-stubs`` package."""
        from depscan.analysis import stubs

        versions = [t.version or self.interp.version[:2] for t in self.targets]
        if stubs.has_module(name, versions):
            return True
        parent, _, last = name.rpartition(".")
        if record.kind == "from" and record.module == parent and stubs.has_module(parent, versions):
            return stubs.defines(parent, last, [_with_type_checking(t) for t in self.targets])
        top = name.partition(".")[0]
        for entry in self.resolver.search.entries:
            directory = entry.path
            if os.path.isdir(os.path.join(directory, f"{top}-stubs")) or os.path.isfile(
                os.path.join(directory, f"{top}.pyi")
            ):
                return True
            if os.path.isfile(os.path.join(directory, top, "__init__.pyi")):
                return True
        return False

    def _other_platforms_module(self, name: str, record: ImportRecord) -> bool:
        """A stdlib module of another platform (``winreg`` on Linux): missing here, unknowable there.

        It is reported only where the import runs on the interpreter's own platform: not where
        the branch around it is dead here, nor under a test depscan cannot read when the module,
        or the name of a stdlib module (``from errno import WSAEWOULDBLOCK``, ``ctypes.WinDLL``,
        as typeshed's stubs tell), is one of other platforms: ``if platformType == "win32":``
        (twisted's, from a function) is the platform test a careful reader sees there.
        """
        if name.partition(".")[0] not in self.interp.stdlib_names:
            return False
        here = [t for t in self.targets if t.platform == self.interp.platform]
        if all(record.context.evaluate(_with_type_checking(target)) is False for target in here):
            return True
        if not self._under_an_unread_test(record):
            return False
        from depscan.analysis.stubs import module_of_other_platforms, of_other_platforms

        parent, _, last = name.rpartition(".")
        found = self.resolver.resolve(parent) if parent else None
        if found is None or not found.found:  # winreg (winreg.HKEY_...): the module is of other platforms,
            module = parent or name  # not one of this platform's that the build lacks (_dbm, readline)
            return "." not in module and all(module_of_other_platforms(module, t) is not False for t in here)
        return found.category == "stdlib" and all(of_other_platforms(parent, last, target) for target in here)

    def _under_an_unread_test(self, record: ImportRecord) -> bool:
        """The import runs on no target of this platform for certain, and on some it may: a test
        depscan cannot read (see :meth:`_other_platforms_module`; ``TYPE_CHECKING`` is not one)."""
        runs = [record.context.evaluate(t) for t in self.targets if t.platform == self.interp.platform]
        return None in runs and True not in runs

    def _not_in_stdlib_of_versions(self) -> Iterable[Finding]:
        """Stdlib modules found here that a configured Python version does not have (``tomllib`` on 3.10)."""
        tables = self._version_tables()
        if not tables:
            return
        for _, module, edge in self.result.graph_data.imports():
            resolution = self.result.modules.get(module)
            if resolution is None or resolution.category != "stdlib":
                continue
            lacking = [version for version, names in tables.items() if module not in names]
            if not lacking or self._ignored(module):
                continue
            for site in edge.sites:
                if not site.path or os.path.abspath(site.path) not in self.by_path or self.result.covered(site):
                    continue
                if site.type_checking and not self.settings.check_type_checking:
                    continue
                versions = [
                    version
                    for version in lacking
                    if any(
                        site.context.evaluate(_with_type_checking(t)) is not False
                        for t in self.targets
                        if t.version == version
                    )
                ]
                if not versions:
                    continue
                listed = ", ".join(".".join(map(str, v)) for v in versions)
                message = f"module {module!r} is not in the standard library of Python {listed}"
                finding = Finding("DS001", message, os.path.abspath(site.path), site.line, site.col, module)
                kept = self._kept(finding, site.record)
                if kept is not None:
                    yield kept

    def _version_tables(self) -> dict[tuple[int, ...], frozenset[str]]:
        """The stdlib module names of each configured version other than the interpreter's own."""
        from depscan.resolve.interpreter import InterpreterError
        from depscan.resolve.tables import interpreter_from_table

        tables: dict[tuple[int, ...], frozenset[str]] = {}
        for version in self.settings.versions:
            if tuple(version) == tuple(self.interp.version[:2]):
                continue
            try:
                table = interpreter_from_table(f"{version[0]}.{version[1]}")
            except InterpreterError:
                continue  # no table for it: only its guards are evaluated
            tables[tuple(version)] = table.stdlib_names | table.builtin | table.frozen
        return tables

    def _dead_everywhere(self, record: ImportRecord) -> bool:
        context = record.context
        if not context.conditions:
            return False
        return all(context.evaluate(target) is False for target in self.checking)

    def _found_beside_script(self, site: Site, name: str) -> bool:
        """A module outside any package runs with its own directory first on the path."""
        extraction = self.by_path.get(self._absolute(site.path or ""))
        if extraction is None or "." in extraction.module or extraction.is_package:
            return False
        directory = os.path.dirname(self._absolute(site.path or ""))
        if any(entry.path == directory for entry in self.resolver.search.entries):
            return False
        resolver = self.script_resolvers.get(directory)
        if resolver is None:
            search = build_search_path(
                self.interp,
                [*self.resolver_paths()],
                directory,
                os.environ.get("PYTHONPATH") if self.settings.use_pythonpath else None,
                self.settings.root,
            )
            resolver = self.script_resolvers[directory] = Resolver(self.interp, search)
        return resolver.resolve(name).found

    def resolver_paths(self) -> list[str]:
        source_roots = list(self.settings.source_roots) or default_source_roots(self.settings.root)
        return [*source_roots, *self.settings.paths]

    def _message(self, name: str, record: ImportRecord | None) -> str:
        parts = name.split(".")
        for end in range(len(parts) - 1, 0, -1):
            parent = ".".join(parts[:end])
            resolution = self.resolver.resolve(parent)
            if not resolution.found:
                continue
            rest = parts[end]
            from_name = record is not None and record.kind == "from" and record.module == parent
            if from_name:
                what = "submodule or name" if resolution.is_package else "name"
                return f"module {name!r} not found: {parent!r} has no {what} {rest!r}"
            if not resolution.is_package:
                return f"module {name!r} not found: {parent!r} is a module, not a package"
            return f"module {name!r} not found: {parent!r} has no submodule {rest!r}"
        resolution = self.resolver.resolve(parts[0])
        if parts[0] in self.interp.stdlib_names:
            platform = self.interp.platform
            return f"module {name!r} not found: a standard library module of other platforms, not {platform}"
        searched = resolution.searched
        listed = self.shown_searches.get(searched)
        if listed is None:  # (the same few search paths, in thousands of messages)
            listed = self.shown_searches[searched] = ", ".join(map(shown_path, searched[:2])) + (
                f", +{len(searched) - 2} more" if len(searched) > 2 else ""
            )
        return f"module {name!r} not found (searched: {listed})" if listed else f"module {name!r} not found"

    def _ignored(self, name: str) -> bool:
        parts = name.split(".")
        prefixes = [".".join(parts[:end]) for end in range(1, len(parts) + 1)]
        return any(fnmatch.fnmatchcase(prefix, glob) for glob in self.settings.ignore_missing for prefix in prefixes)

    def _kept(self, finding: Finding, record: ImportRecord | None = None) -> Finding | None:
        """Apply the rule's configured severity and the line's suppression comment. A finding in a
        checked file is noted as it was before (with the import it is at, by its number in the
        file's imports): see :func:`check_state`."""
        if finding.path in self.files:
            self.raw.append((finding, None if record is None else self._number_of(finding.path, record)))
        return with_rules(finding, self.settings.rules, self._comments(finding.path))

    def _number_of(self, path: str, record: ImportRecord) -> int:
        """The number of ``record`` among its file's imports (looked for only where a finding is);
        -1 when it is not among them (the file read under another name too): then the file's
        findings cannot be moved, and an edit of it is a whole check."""
        numbers = self.import_numbers.get(path)
        if numbers is None:  # once per file (a file missing one module at each of 50,000 lines was quadratic)
            extraction = self.by_path.get(path)
            imports = () if extraction is None else extraction.imports
            numbers = self.import_numbers[path] = {
                id(each): number for number, each in reversed(list(enumerate(imports)))
            }
        return numbers.get(id(record), -1)

    def _comments(self, path: str) -> Comments:
        comments = self.suppressions.get(path)
        if comments is None:
            extraction = self.by_path.get(path)  # a checked file: its comments were read with it
            comments = self.suppressions[path] = (
                _suppression_comments(path)
                if extraction is None or extraction.source_kind != "source"
                else comments_of(extraction)
            )
        return comments


Comments = Mapping[int, frozenset[str] | None]  # line -> the codes a suppression comment names (None: all)


def comments_of(extraction: Extraction) -> Comments:
    return _comment_table(extraction.suppressions)


def _comment_table(pairs: Iterable[Sequence[Any]]) -> Comments:
    """Line -> codes, from (line, codes or None) pairs (an extraction's, or a stored state's)."""
    return {line: None if codes is None else frozenset(codes) for line, codes in pairs}


def with_rules(finding: Finding, rules: Mapping[str, str], comments: Comments) -> Finding | None:
    """The finding as the configured rules and the suppression comments leave it (None: gone)."""
    code = CATALOGUE.get(finding.code)
    severity = rules.get(finding.code, code.severity if code else "error")
    if severity == "off" or _silenced(finding, comments):
        return None
    if severity == "warning":
        return Finding(
            finding.code, finding.message, finding.path, finding.line, finding.col, finding.module, "warning"
        )
    return finding


def _silenced(finding: Finding, comments: Comments) -> bool:
    if finding.line not in comments:
        return False
    codes = comments[finding.line]
    if codes is None:
        return True
    names = {entry.name for code, entry in CATALOGUE.items() if code in codes}
    return finding.code in codes or finding.name in {c.lower() for c in codes} or finding.name in names


# -- updating an answer when checked files changed --------------------------------------------

STATE_VERSION = 1


def check_state(keys: Sequence[Key], checker: _Checker, findings: Sequence[Finding]) -> dict[str, Any]:
    """What :func:`updated_findings` needs to give this check's answer again after some checked
    files changed: for each checked file, the key it was extracted under, its suppression comments
    and its findings before rules and comments were applied, each with the number of the import
    it is at; and the findings in other files (declarations), as they were given."""
    files: dict[str, list[Any]] = {}
    for path, module, is_package in keys:
        where = os.path.abspath(path)
        extraction = checker.by_path.get(where)
        quiet = [] if extraction is None else [list(pair) for pair in extraction.suppressions]
        files[where] = [path, module, is_package, quiet, []]
    for finding, index in checker.raw:
        entry = files.get(finding.path)
        if entry is not None:
            entry[4].append([index, *_finding_fields(finding)])
    others = [_finding_fields(f) for f in findings if f.path not in files]
    return {"version": STATE_VERSION, "files": files, "others": others}


def _finding_fields(finding: Finding) -> list[Any]:
    return [finding.code, finding.message, finding.path, finding.line, finding.col, finding.module, finding.severity]


def state_files(state: Mapping[str, Any]) -> dict[str, tuple[str, str, bool]] | None:
    """The checked files of a stored state, each with the key it was extracted under; None when
    the state is not one this code wrote."""
    if not isinstance(state, Mapping) or state.get("version") != STATE_VERSION:
        return None
    files = state.get("files")
    if not isinstance(files, dict):
        return None
    return {where: (entry[0], entry[1], bool(entry[2])) for where, entry in files.items()}


def updated_findings(
    state: Mapping[str, Any], changed: Mapping[str, tuple[Extraction, Extraction]], rules: Mapping[str, str]
) -> tuple[list[Finding], dict[str, Any]] | None:
    """The findings of a check whose answer was ``state``, now that the checked files in
    ``changed`` (absolute path -> (the extraction the answer was made from, the new one)) hold
    new content; and the state of that answer. None when a changed file's *interface* differs:
    anything other files or the graph could see (its imports, their contexts, its names, its
    diagnostics), everything but where its imports stand; then only a whole check will do.
    Otherwise each finding stays, at the new place of the import it is at, and the rules and the
    new suppression comments are applied again."""
    files = state["files"]
    new_files = dict(files)
    for where, (old, new) in changed.items():
        if where not in files or interface(old) != interface(new):
            return None
        path, module, is_package, _, raw = files[where]
        moved = []
        for index, *fields in raw:
            if index is not None:
                if not 0 <= index < len(new.imports):  # (-1: not known, see _Checker._number_of)
                    return None
                record = new.imports[index]
                fields[3], fields[4] = record.line, record.col
            moved.append([index, *fields])
        new_files[where] = [path, module, is_package, [list(pair) for pair in new.suppressions], moved]
    findings: list[Finding] = []
    for *_, quiet, raw in new_files.values():
        comments = _comment_table(quiet)
        for _, *fields in raw:
            kept = with_rules(Finding(*fields), rules, comments)
            if kept is not None:
                findings.append(kept)
    findings += [Finding(*fields) for fields in state["others"]]
    findings.sort(key=Finding.sort_key)
    return findings, {"version": STATE_VERSION, "files": new_files, "others": state["others"]}


_PLACES = frozenset({"line", "col"})  # where an import stands: the one thing an update may move
_TRY_LINES = frozenset({"try_id", "outer_tries", "outer_handlers"})  # tries, named by their lines


def interface(extraction: Extraction) -> str:
    """Everything of a module's extraction that other modules, the import graph or the findings of
    other files can depend on: all of it (every field, so that a field added later counts too) but
    the lines and columns of its imports, the ``try`` statements they sit in numbered in order
    rather than by line, and its suppression comments (which only its own findings read)."""
    tries: dict[int, int] = {}

    def number(line: int | None) -> int | None:
        return None if line is None else tries.setdefault(line, len(tries))

    def context(ctx: Any) -> list[Any]:
        shown: list[Any] = []
        for f in dataclasses.fields(ctx):
            value = getattr(ctx, f.name)
            if f.name == "try_id":
                shown.append(number(value))
            elif f.name in _TRY_LINES:
                shown.append([number(line) for line in value])
            else:
                shown.append(repr(value))
        return shown

    def record(item: Any) -> list[Any]:
        return [
            context(getattr(item, f.name)) if f.name == "context" else repr(getattr(item, f.name))
            for f in dataclasses.fields(item)
            if f.name not in _PLACES
        ]

    shown: list[Any] = []
    for f in dataclasses.fields(extraction):
        value = getattr(extraction, f.name)
        if f.name in ("imports", "dynamic"):
            shown.append([record(item) for item in value])
        elif f.name == "facts":
            shown.append(json.dumps(value.to_json(), sort_keys=True))
        elif f.name != "suppressions":
            shown.append(repr(value))
    return repr(shown)


def _suppression_comments(path: str) -> dict[int, frozenset[str] | None]:
    """The lines of a file that is not a checked module (a ``pyproject.toml``, a requirements file)
    with a ``# depscan: ignore`` comment, each with the codes it names (None: every code)."""
    comments: dict[int, frozenset[str] | None] = {}
    data = read_bytes(path, DEFAULT_MAX_BYTES)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else ""
    if _SUPPRESS.search(text) is None:
        return comments
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SUPPRESS.search(line)
        if match is not None:
            codes = suppressed_codes(match.group(1))
            comments[number] = None if codes is None else frozenset(codes)
    return comments


# How an import runs, or a module is reached, on one target: the order matters (min and max).
UNREACHED, OPTIONAL, TYPE_ONLY, REQUIRED = -1, 0, 1, 2


def _flavour(site: Site, target: Target) -> int:
    """How the import at ``site`` runs on ``target``: not at all (dead), only where its failure is
    caught, only for a type checker, or for real (in a function too: when it is called)."""
    context = site.record.context
    if context.conditions:  # (most imports have none: neither dead nor only for a type checker)
        if context.evaluate(target) is False:
            return UNREACHED
        if context.type_checking:
            return TYPE_ONLY
    return OPTIONAL if context.optional else REQUIRED


def _reach(importers: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """How each module with importers is reached: the best, over its importers, of the worse of
    how the importer imports it (its best site) and how the importer is reached. The greatest such
    assignment (modules in a cycle reach each other); a module with no importer is REQUIRED
    (absent from the answer)."""
    state = dict.fromkeys(importers, REQUIRED)
    successors: dict[str, set[str]] = {}
    for module, best_sites in importers.items():
        for importer in best_sites:
            successors.setdefault(importer, set()).add(module)
    todo = list(importers)
    while todo:
        module = todo.pop()
        best = UNREACHED
        for importer, how in importers[module].items():
            reached = state.get(importer, REQUIRED)
            value = how if how < reached else reached
            if value > best:
                best = value
                if best == REQUIRED:  # (the most there is: most modules have such an importer)
                    break
        if best < state[module]:
            state[module] = best
            todo.extend(m for m in successors.get(module, ()) if m in state)
    return state


def _is_build_script(path: str | None, root: str) -> bool:
    """The project's ``setup.py``, which the build runs with ``[build-system].requires`` installed."""
    return path is not None and os.path.abspath(path) == os.path.join(os.path.abspath(root), "setup.py")


def _line_of(path: str, text: str) -> int:
    """The line of ``path`` where the requirement ``text`` is written (1 when it cannot be found)."""
    for number, line in enumerate(_text_lines(path, CONFIG_MAX_BYTES), start=1):
        if text in line:
            return number
    return 1


def _text_lines(path: str, max_bytes: int | None) -> list[str]:
    """The lines of a file read by the safe reader (none when it cannot be read)."""
    data = read_bytes(path, max_bytes)
    return data.decode("utf-8", "replace").splitlines() if isinstance(data, bytes) else []


def _placed(problem: str, sources: Sequence[str]) -> tuple[str, int, str]:
    """``path:line: message`` or ``path [table]: message`` split into its file, line and message."""
    for source in sorted(sources, key=len, reverse=True):
        if problem.startswith(source):
            rest = problem[len(source) :]
            number = re.match(r":(\d+):\s*", rest)
            if number:
                return source, int(number.group(1)), rest[number.end() :]
            return source, 1, rest.lstrip(": ")
    path, _, message = problem.partition(": ")
    return path, 1, message or problem


def _with_type_checking(target: Target) -> Target:
    """A TYPE_CHECKING branch is live for the check (both branches are checked)."""
    return Target(target.version, target.platform, target.os_name, target.system, target.implementation, None)
