"""``depscan audit``: what vendored or third-party code can load, and what it can do.

An audit is a scan of the paths named (a vendored directory, a package, a zip
archive or a whole tree), following what they import, turned into one report:

* **inventory**: every module reached, with its kind, file, path entry and
  category; for third-party code the distribution, version and licence from
  the installed metadata; copies of packages vendored inside the tree
  (``_vendor/six.py``, ``requests/packages/urllib3``) with the version they
  declare (a literal ``__version__``);
* **opaque code**: extension modules, sourceless bytecode, modules inside zip
  archives, native libraries loaded through ``ctypes`` / ``cffi``;
* **the tree's files**: every file of an audited directory that is not plain
  source or data, imported or not (:mod:`depscan.analysis.treefiles`);
* **blind spots**: what static analysis cannot see, with ``file:line``:
  non-literal dynamic imports, ``exec`` / ``eval`` / ``compile``, changes to
  ``sys.path``, ``sys.meta_path``, ``sys.path_hooks``, ``sys.modules`` or a
  package's ``__path__``, executable ``.pth`` lines, entry-point loading;
* **capabilities**, transitively: which audited modules reach process
  execution, the network, native code, deserialisation, filesystem writes or
  the import system, each with the shortest chain of imports that brings it;
  the table is data (``depscan/data/capabilities.toml``), extendable in
  ``[tool.depscan.capabilities]``;
* **portability**: imported modules deprecated or removed in the target
  Python versions, and project modules that shadow stdlib or installed ones.

Nothing audited is run: the scan reads sources, the metadata is read as text.
"""

from __future__ import annotations

import ast
import functools
import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from depscan import __version__
from depscan.analysis.environment import Shipment, installed_outside, wheel_files
from depscan.analysis.scan import ScanOptions, ScanResult, scan
from depscan.analysis.treefiles import VCS_DIRECTORIES, TreeFile, tree_files
from depscan.analysis.versions import VersionSource, declared_version, tree_declarations
from depscan.extract.blindspots import Blindspot
from depscan.extract.scopes import ScopeTree, scope_tree
from depscan.extract.walker import parse
from depscan.model.graph import Site
from depscan.model.records import Diagnostic
from depscan.resolve.finders import ZipDirectory
from depscan.resolve.interpreter import Interpreter

if TYPE_CHECKING:
    from depscan.analysis.review import DistributionChange

AUDIT_SCHEMA = "depscan/audit"
AUDIT_SCHEMA_VERSION = 1
# Directory names under which a project keeps copies of other packages.
VENDOR_DIRECTORIES = frozenset({"_vendor", "vendor", "vendored", "_vendored", "extern", "_extern", "packages"})


SourceFacts = tuple[list[Blindspot], list[tuple[str, str]] | None]
"""What a module's source shows: its blind spots, and the attributes it uses (None: it cannot be read)."""
Remember = Callable[[Sequence[str], bytes, Callable[[], SourceFacts]], SourceFacts]
"""Given what else decides them (the module, its path, the modules whose attributes count), a module's
source and how to read it, its facts: kept ones, or read (:mod:`depscan.perf.auditfacts`)."""


@dataclass(frozen=True)
class InventoryEntry:
    name: str
    kind: str
    category: str | None
    path: str | None
    entry: str | None  # the sys.path entry it is found on
    distribution: str | None = None
    version: str | None = None
    license: str | None = None
    audited: bool = False  # inside the paths audited

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "category": self.category,
            "path": self.path,
            "entry": self.entry,
            "distribution": self.distribution,
            "version": self.version,
            "license": self.license,
            "audited": self.audited,
        }


@dataclass(frozen=True)
class Vendored:
    package: str  # the vendored package's own name: six, urllib3
    module: str  # where it lives: pip._vendor.six
    path: str | None
    version: str | None  # what the tree declares (depscan.analysis.versions)
    version_source: VersionSource | None = None  # where it says so

    def to_json(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "module": self.module,
            "path": self.path,
            "version": self.version,
            "version_source": self.version_source.to_json() if self.version_source else None,
        }


@dataclass(frozen=True)
class Spot:
    """A place that needs a human: opaque code or something static analysis cannot see."""

    kind: str
    module: str
    path: str | None
    line: int
    detail: str
    target: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "module": self.module,
            "path": self.path,
            "line": self.line,
            "detail": self.detail,
            "target": self.target,
        }


@dataclass(frozen=True)
class Reach:
    """An audited module reaches a capability through ``chain`` (module, the site of each hop)."""

    capability: str
    module: str
    via: str  # the module (or module.attribute) that gives the capability
    chain: tuple[tuple[str, Site | None], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "module": self.module,
            "via": self.via,
            "chain": [
                {
                    "module": name,
                    "path": site.path if site else None,
                    "line": site.line if site else None,
                    "in_function": bool(site and site.delayed),
                }
                for name, site in self.chain
            ],
        }


@dataclass(frozen=True, kw_only=True)
class PackageCapabilities:
    """What a vendored package, a third-party distribution or a package of the audited code can do:
    each capability its modules reach, with how many do and one example chain (the shortest)."""

    name: str
    kind: str  # "vendored", "distribution", "package"
    version: str | None
    modules: int
    capabilities: Mapping[str, tuple[int, Reach]]
    opaque: int = 0  # opaque code in its modules, and files of its directory no module is in
    blindspots: int = 0  # in its modules

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "version": self.version,
            "modules": self.modules,
            "opaque": self.opaque,
            "blindspots": self.blindspots,
            "capabilities": [
                {"capability": name, "modules": count, "example": example.to_json()}
                for name, (count, example) in self.capabilities.items()
            ],
        }


@dataclass(frozen=True)
class PortabilityIssue:
    module: str
    status: str  # "removed" or "deprecated"
    version: str  # the target version it applies to
    since: str
    replacement: str | None
    sites: tuple[Site, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "status": self.status,
            "version": self.version,
            "since": self.since,
            "replacement": self.replacement,
            "sites": [{"importer": s.importer, "path": s.path, "line": s.line} for s in self.sites],
        }


@dataclass
class Audit:
    targets: list[str]
    interpreter: Interpreter
    inventory: list[InventoryEntry]
    vendored: list[Vendored]
    opaque: list[Spot]
    blindspots: list[Spot]
    capabilities: list[Reach]
    portability: list[PortabilityIssue]
    shadowing: list[dict[str, Any]]
    diagnostics: list[Diagnostic]
    unanalysed: list[Spot]  # modules whose file could not be read or parsed: what they do is unknown
    scan: ScanResult = field(repr=False)
    chosen_by: str | None = None  # who named the interpreter ("--python", "your configuration"); None: nobody
    files: list[TreeFile] = field(default_factory=list)  # the tree's files that are not plain source or data
    packages: list[PackageCapabilities] = field(default_factory=list)  # capabilities per package and distribution
    shipment: Shipment | None = None  # the distributions audited whole: an environment's, or wheels

    def environment(self) -> str:
        """What the audit searched besides the tree, in one sentence for every format."""
        interp = self.interpreter
        version = interp.version_text
        if self.chosen_by is None:
            return (
                f"no interpreter named: the audited tree and the standard library of Python {version} "
                "(depscan's tables), no site-packages, .pth file or PYTHONPATH"
            )
        if interp.from_tables:
            return f"Python {version} ({self.chosen_by}): the audited tree and its standard library (depscan's tables)"
        return (
            f"{interp.executable} ({self.chosen_by}): the audited tree, and its standard library, "
            "site-packages and .pth files"
        )

    def to_json(self) -> dict[str, Any]:
        interp = self.interpreter
        return {
            "schema": AUDIT_SCHEMA,
            "schema_version": AUDIT_SCHEMA_VERSION,
            "depscan_version": __version__,
            "python": {
                "executable": interp.executable or None,
                "version": ".".join(map(str, interp.version)),
                "chosen_by": self.chosen_by,
                "environment": self.environment(),
            },
            "targets": self.targets,
            "summary": self.summary(),
            "inventory": [e.to_json() for e in self.inventory],
            "vendored": [v.to_json() for v in self.vendored],
            "opaque": [s.to_json() for s in self.opaque],
            "blindspots": [s.to_json() for s in self.blindspots],
            "capabilities": [r.to_json() for r in self.capabilities],
            "portability": [p.to_json() for p in self.portability],
            "shadowing": self.shadowing,
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "unanalysed": [s.to_json() for s in self.unanalysed],
            "files": [f.to_json() for f in self.files],
            "packages": [p.to_json() for p in self.packages],
            "distributions": [d.to_json() for d in self.shipment.distributions] if self.shipment else [],
        }

    def read_from(self) -> list[str]:
        """What the audit read besides what its scan did (:meth:`ScanResult.depends_on`), for a stored
        answer's witness: every directory and file under the audited directories (the tree's inventory
        reads them all; a directory of wheels too), under the vendoring directories (their
        ``vendor.txt`` and metadata) and in the
        installed distributions' metadata directories, the files they installed outside their site directories,
        and every module's own file."""
        result = self.scan
        tops = [t for t in self.targets if os.path.isdir(t)]
        if self.shipment is not None:  # the other files of a directory of wheels, listed too
            tops += self.shipment.wheel_directories
        for vendored in self.vendored:
            resolution = result.modules.get(vendored.module)
            if vendored.path and resolution is not None and not resolution.archive:
                tops.append(_vendoring_directory(vendored.path, resolution.is_package))
        for entry in result.resolver.search.entries:
            if entry.origin in ("site", "user-site"):
                tops += [
                    os.path.join(entry.path, name)
                    for name in _names(entry.path)
                    if name.lower().endswith((".dist-info", ".egg-info")) or name == "EGG-INFO"
                ]
        read = [r.file for r in result.modules.values() if r.file and not r.archive and os.path.isabs(r.file)]
        for top in dict.fromkeys(os.path.abspath(t) for t in tops):
            read += _everything_under(top)
        if self.shipment is not None:  # the files installed outside the site directories (bin/...)
            read += [o.path for o in self.shipment.outside if o.refused is None]
        return read

    def summary(self) -> dict[str, Any]:
        capabilities: dict[str, int] = {}
        for reach in self.capabilities:
            capabilities[reach.capability] = capabilities.get(reach.capability, 0) + 1
        return {
            "modules": len(self.inventory),
            "audited": sum(1 for e in self.inventory if e.audited),
            "third_party": len({e.distribution for e in self.inventory if e.distribution}),
            "vendored": len(self.vendored),
            "opaque": len(self.opaque),
            "blindspots": len(self.blindspots),
            "capabilities": dict(sorted(capabilities.items())),
            "portability": len(self.portability),
            "unanalysed": len(self.unanalysed),
            "files": len(self.files),
            "files_not_imported": sum(1 for f in self.files if f.module is None),
        }


def audit(
    interp: Interpreter,
    targets: Sequence[str],
    versions: Sequence[tuple[int, ...]] = (),
    extra_capabilities: Mapping[str, Any] | None = None,
    options: ScanOptions | None = None,
    project_root: str | None = None,
    modules: Sequence[str] = (),
    paths: Sequence[str] = (),
    use_pythonpath: bool = True,
    chosen_by: str | None = None,
    shipment: Shipment | None = None,
    remember: Remember | None = None,
) -> Audit:
    """Audit ``targets``; ``versions`` are the target Python versions for portability (default: the
    interpreter's). ``modules`` (``-m``), ``paths`` (extra search path entries) and ``use_pythonpath`` are
    the scan's; ``chosen_by`` says who named ``interp`` (None: nobody, it is depscan's tables).
    With a ``shipment`` (:mod:`depscan.analysis.environment`), each audited module is its distribution's,
    and a wheel's members are listed as a directory's files. ``remember`` gives what a module's source
    shows when it is known already (:data:`Remember`)."""
    from depscan.analysis.capabilities import load_capabilities, load_portability

    result = scan(interp, list(targets), modules, paths, options or ScanOptions(), use_pythonpath, project_root)
    audited_dirs = [os.path.abspath(p) for p in targets]
    audited = {name for name, r in result.modules.items() if _inside(r.path or r.file, audited_dirs)}
    inventory = _inventory(result, audited, shipment)
    table = load_capabilities(extra_capabilities)
    target_versions: list[tuple[int, ...]] = list(versions) or [tuple(interp.version[:2])]
    max_bytes = (options or ScanOptions()).max_bytes
    attributed = {m for c in table.values() for m in c.attributes}  # modules whose attributes count
    spots, uses = _source_spots(result, audited, max_bytes, attributed, remember)
    distributed = {e.name for e in inventory if e.distribution}  # the capabilities of each distribution too
    reaches = _capabilities(result, audited | distributed, table, max_bytes, uses)
    vendored = _vendored(result, audited, max_bytes)
    opaque, blindspots = _opaque(result, spots), _blindspots(result, audited, spots)
    directories = [t for t in targets if os.path.isdir(t)]
    if shipment is not None:  # what a directory of wheels holds besides them is listed too
        directories += shipment.wheel_directories
    audited_wheels = set(shipment.wheels) if shipment is not None else set()
    files = tree_files(directories, _module_files(result), tuple(interp.version), audited_wheels, _read_files(result))
    if shipment is not None:
        files += wheel_files(shipment, result.modules.keys(), result.resolver.zips, tuple(interp.version))
        files += installed_outside(shipment, tuple(interp.version))
    return Audit(
        targets=list(targets),
        interpreter=interp,
        inventory=inventory,
        vendored=vendored,
        opaque=opaque,
        blindspots=blindspots,
        capabilities=[reach for reach in reaches if reach.module in audited],
        portability=_portability(result, audited, target_versions, load_portability()),
        shadowing=[
            {"module": name, "hides": hidden}
            for name in sorted(audited)
            if "." not in name and (hidden := result.resolver.shadowed(name))
        ],
        diagnostics=sorted(result.diagnostics, key=lambda d: (d.path or "", d.line, d.code)),
        unanalysed=_unanalysed(result),
        scan=result,
        chosen_by=chosen_by,
        files=files,
        packages=_packages(inventory, vendored, reaches, [*opaque, *blindspots], files, shipment),
        shipment=shipment,
    )


def _names(directory: str) -> list[str]:
    try:
        return os.listdir(directory)
    except OSError:
        return []


def _everything_under(top: str) -> list[str]:
    """``top`` and every directory and file under it, but in version control's directories (which
    :func:`tree_files` does not read either); linked directories are named, not entered."""
    found = [top]
    for directory, subdirectories, files in os.walk(top):
        subdirectories[:] = [d for d in subdirectories if d not in VCS_DIRECTORIES]
        found += [os.path.join(directory, name) for name in (*subdirectories, *files)]
    return found


def _module_files(result: ScanResult) -> dict[str, str]:
    """The files (real paths) the scan found a module in: an extension, bytecode, or an archive
    (its first module, by name)."""
    files: dict[str, str] = {}
    for name, resolution in sorted(result.modules.items(), reverse=True):
        place = resolution.archive or (resolution.path if resolution.kind in ("extension", "bytecode") else None)
        if place and os.path.isabs(place):
            files[os.path.realpath(place)] = name
    return files


def _read_files(result: ScanResult) -> dict[str, tuple[str, str | None]]:
    """The files (as the search found them, links unresolved) whose modules the scan read, each with
    its module and, when nothing could be read or parsed of it, why (the diagnostic's message)."""
    files: dict[str, tuple[str, str | None]] = {}
    for name, resolution in sorted(result.modules.items(), reverse=True):
        extraction = result.extractions.get(name)
        if resolution.file and not resolution.archive and extraction is not None:
            errors = (d.message for d in extraction.diagnostics if d.severity == "error")
            failed = None if extraction.ok else next(errors, "not analysed")
            files[os.path.abspath(resolution.file)] = (name, failed)
    return files


def nothing_audited(report: Audit, modules: Sequence[str] = ()) -> list[str]:
    """What was named but gave nothing to audit, each said in a few words: a target with no audited
    module in it (missing, not a file or a directory, an unusable archive, no Python module), a
    ``-m`` module not found. A typo in a CI step must not pass as "capabilities: none"."""
    result = report.scan
    places = [r.path or r.file for e in report.inventory if e.audited and (r := result.modules.get(e.name))]
    said = {os.path.abspath(d.path): d.message for d in result.diagnostics if d.code in ("DS012", "DS015") and d.path}
    problems = []
    wheels = report.shipment.wheels if report.shipment is not None else []
    for target in report.targets:
        directory = os.path.abspath(target)
        if directory in wheels:
            continue  # a wheel of extension modules only: its files are the audit
        if not any(_inside(place, [directory]) for place in places):
            problems.append(f"{target}: {said.get(directory, 'no Python module in it')}")
    problems += [f"-m {module}: no such module" for module in modules if module not in result.modules]
    return problems


def _inside(path: str | None, directories: Sequence[str]) -> bool:
    """``path`` is a file in one of ``directories`` ("frozen" and "built-in" are none, wherever depscan runs)."""
    if not path or not os.path.isabs(path):
        return False
    return any(path == d or path.startswith(d.rstrip(os.sep) + os.sep) for d in directories)


# --- inventory ---------------------------------------------------------------------------


def _inventory(result: ScanResult, audited: set[str], shipment: Shipment | None = None) -> list[InventoryEntry]:
    from depscan.analysis.distributions import installed_distributions

    resolver = result.resolver
    sites = [e.path for e in resolver.search.entries if e.origin in ("site", "user-site")]
    installed = installed_distributions(sites)
    entries = []
    for name, resolution in sorted(result.modules.items()):
        distribution = version = license_ = None
        if resolution.category == "third_party" and name not in audited:
            names = installed.by_import_name.get(name.partition(".")[0], ())
            found = installed.get(names[0]) if names else None
            if found is not None:
                distribution, version, license_ = found.name, found.version, found.license
        elif shipment is not None and name in audited:
            shipped = shipment.owner(resolution.path or resolution.file, name)
            if shipped is not None:
                distribution, version, license_ = shipped.name, shipped.version, shipped.license
        entries.append(
            InventoryEntry(
                name,
                resolution.kind,
                resolution.category,
                resolution.path,
                resolution.entry,
                distribution,
                version,
                license_,
                name in audited,
            )
        )
    return entries


def _vendored(result: ScanResult, audited: set[str], max_bytes: int | None) -> list[Vendored]:
    """Packages kept inside the tree under a vendor directory: ``pip._vendor.rich``, ``requests.packages.urllib3``,
    with the version the tree declares for each (:mod:`depscan.analysis.versions`)."""
    found: dict[str, Vendored] = {}
    declarations: dict[str, dict[str, tuple[str, VersionSource]]] = {}  # per vendoring directory

    def resolve(module: str) -> Any:
        return result.modules.get(module) or result.resolver.resolve(module)

    def read(resolution: Any) -> bytes | None:
        return _source_of(resolution.file, resolution, result.resolver.zips, max_bytes)

    for name in sorted(audited):
        parts = name.split(".")
        for index, part in enumerate(parts[:-1]):
            if part in VENDOR_DIRECTORIES:
                module = ".".join(parts[: index + 2])
                if module not in found and module in result.modules:
                    resolution = result.modules[module]
                    package = parts[index + 1]
                    declared = declared_version(module, resolve, read)
                    if declared is None and resolution.path and not resolution.archive:
                        directory = _vendoring_directory(resolution.path, resolution.is_package)
                        if directory not in declarations:
                            declarations[directory] = tree_declarations(directory)
                        declared = declarations[directory].get(package)
                    version, source = declared or (None, None)
                    found[module] = Vendored(package, module, resolution.path, version, source)
                break
    return list(found.values())


def _vendoring_directory(path: str, is_package: bool) -> str:
    """The directory a vendored package or module is kept in (``pip/_vendor`` for ``pip/_vendor/rich/__init__.py``)."""
    directory = os.path.dirname(path)
    return os.path.dirname(directory) if is_package else directory


# --- opaque code and blind spots ---------------------------------------------------------------


def _opaque(result: ScanResult, source_spots: list[Spot]) -> list[Spot]:
    spots: list[Spot] = []
    for name, resolution in sorted(result.modules.items()):
        if resolution.category == "stdlib":
            continue
        if resolution.kind == "extension":
            spots.append(Spot("extension", name, resolution.path, 0, "native extension module: machine code"))
        elif resolution.kind == "bytecode":
            spots.append(Spot("bytecode", name, resolution.path, 0, "sourceless bytecode: no source to review"))
        elif resolution.archive and not _reviewed_wheel(resolution.archive, result):
            spots.append(Spot("zip", name, resolution.path, 0, f"inside the archive {resolution.archive}"))
    spots += [spot for spot in source_spots if spot.kind == "native-library"]
    return spots


def _reviewed_wheel(archive: str, result: ScanResult) -> bool:
    """A wheel named as a target: its modules' source is what is audited, not opaque."""
    return archive.lower().endswith(".whl") and archive in result.inputs


def _blindspots(result: ScanResult, audited: set[str], source_spots: list[Spot]) -> list[Spot]:
    spots = [
        Spot(
            "dynamic-import",
            module,
            result.extractions[module].path if module in result.extractions else None,
            dynamic.line,
            f"{dynamic.via}({dynamic.expression}): the module is not known statically",
        )
        for module, dynamic in result.dynamic
        if module in audited
    ]
    spots += [s for s in source_spots if s.kind != "native-library"]
    for pth in result.resolver.search.pth_imports:  # every one: the well-known ones say what they are
        detail = "a .pth line Python runs at start-up" + (f" ({pth.meaning})" if pth.meaning else "")
        spots.append(Spot("pth-exec", "<site>", pth.file, pth.line, detail, pth.text))
    return sorted(spots, key=lambda s: (s.path or "", s.line, s.kind))


def _source_spots(
    result: ScanResult,
    audited: set[str],
    max_bytes: int | None,
    attributed: set[str],
    remember: Remember | None = None,
) -> tuple[list[Spot], dict[str, list[tuple[str, str]]]]:
    """What the audited modules' own source shows: blind spots and native libraries
    (depscan.extract.blindspots), and the attributes of ``attributed`` modules each uses (see
    :func:`_attribute_uses`), from one parse of each (none where ``remember`` knows it)."""
    from depscan.extract.blindspots import read_source

    asked = ",".join(sorted(attributed))
    uses_of = functools.partial(_uses_in, modules=attributed)
    spots: list[Spot] = []
    uses: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(audited):
        extraction = result.extractions.get(name)
        if extraction is None or not extraction.path or not extraction.path.endswith(".py"):
            continue
        source = _source_of(extraction.path, result.modules.get(name), result.resolver.zips, max_bytes)
        if source is None:
            continue
        read = functools.partial(read_source, source, name, extraction.path, uses_of)
        found, used = remember((name, extraction.path, asked), source, read) if remember is not None else read()
        spots += [Spot(f.kind, name, extraction.path, f.line, f.detail, f.target) for f in found]
        if extraction.path == getattr(result.modules.get(name), "file", None):  # the file its uses are read from
            uses[name] = used or []
    return spots, uses


def _source_of(path: str, resolution: Any, zips: ZipDirectory, max_bytes: int | None) -> bytes | None:
    """The bytes of a module's source: a file, or a member of the zip archive it is in (each archive
    opened once, by ``zips``: once per member made auditing a large archive quadratic); None when
    the scan could not read it either: the module is then listed as not analysed."""
    from depscan.source import read_bytes

    archive = getattr(resolution, "archive", None)
    if archive:
        member = os.path.relpath(path, archive).replace(os.sep, "/")
        data = zips.read(archive, member, max_bytes)
    else:
        data = read_bytes(path, max_bytes)
    return data if isinstance(data, bytes) else None


def _unanalysed(result: ScanResult) -> list[Spot]:
    """The modules reached whose file could not be read or parsed (too large, unreadable, not Python):
    their imports, capabilities and blind spots are unknown, so the audit says so."""
    from depscan.model.diagnostics import CATALOGUE

    spots = []
    for name, extraction in sorted(result.extractions.items()):
        if extraction.ok:
            continue
        for problem in extraction.diagnostics:
            if problem.severity == "error":
                kind = CATALOGUE[problem.code].name if problem.code in CATALOGUE else problem.code
                spots.append(Spot(kind, name, extraction.path, problem.line, f"{problem.code} {problem.message}"))
                break
    # A target archive that cannot be opened (a wheel among others that is no zip): none of it is read.
    unusable = {
        problem.path: problem.message
        for problem in result.diagnostics
        if problem.code == "DS015" and problem.severity == "error" and problem.path
        if os.path.abspath(problem.path) in result.inputs
    }
    for path, message in sorted(unusable.items()):
        spots.append(Spot(CATALOGUE["DS015"].name, os.path.basename(path), path, 0, f"DS015 {message}"))
    return spots


# --- capabilities ------------------------------------------------------------------------------


def _capabilities(
    result: ScanResult,
    audited: set[str],
    table: Mapping[str, Any],
    max_bytes: int | None,
    uses: Mapping[str, list[tuple[str, str]]] | None = None,
) -> list[Reach]:
    """For each capability, the modules of ``audited`` that reach it and the shortest chain that does."""
    from depscan.analysis import capabilities

    # The same modules and names come up again and again: each asked of the table once.
    capabilities_of: Callable[[str], list[str]] = functools.cache(
        lambda module: capabilities.capabilities_of(module, table)
    )
    attribute_capabilities: Callable[[str, str], list[str]] = functools.cache(
        lambda module, attribute: capabilities.attribute_capabilities(module, attribute, table)
    )
    graph = result.graph_data
    scripts = _scripts(result)
    # Who imports whom: (importer, the first site, a parent-package edge, made when the importer is imported).
    importers: dict[str, list[tuple[str, Site | None, bool, bool]]] = {}
    for (source, target), edge in graph.edges.items():
        sites = [site for site in edge.sites if _may_run(result, site, scripts)]
        parent = edge.kind == "parent"
        if edge.sites and not sites and not parent:
            continue  # only under `if __name__ == "__main__":` of a module imported, not run: never runs
        at_import = parent or any(not site.delayed for site in sites)
        first = next((site for site in sites if not site.delayed), sites[0] if sites else None)
        importers.setdefault(target, []).append((source, first, parent, at_import))
    givers: dict[str, dict[str, str]] = {}  # capability -> module in the graph that gives it -> via
    for name in graph.nodes:
        for capability in capabilities_of(name):
            givers.setdefault(capability, {})[name] = name
        resolution = result.modules.get(name)
        if resolution is not None and resolution.kind == "extension" and resolution.category != "stdlib":
            givers.setdefault("native", {})[name] = name
    attributed = {m for c in table.values() for m in c.attributes}  # modules whose attributes count
    for name in audited:  # `os.system(...)`: the attribute gives it, not the module
        used = (uses or {}).get(name)
        if used is None:
            resolution = result.modules.get(name)
            code = (
                _source_of(resolution.file, resolution, result.resolver.zips, max_bytes)
                if resolution is not None and resolution.file
                else None
            )
            used = _attribute_uses(code, attributed, name) if code else []
        for module, attribute in used:
            dotted = f"{module}.{attribute}"
            own = {*capabilities_of(module), *capabilities_of(dotted)}
            for capability in attribute_capabilities(module, attribute):
                if capability not in own:
                    givers.setdefault(capability, {}).setdefault(name, dotted)
    for name in audited:  # `from os import system`: the same
        extraction = result.extractions.get(name)
        if extraction is None:
            continue
        for record in extraction.imports:
            if record.module is None or (record.context.main_only and name not in scripts):
                continue
            for imported in record.names:
                # Only what the attribute itself gives: the module's (and a submodule's) own come by the graph.
                dotted = f"{record.module}.{imported.name}"
                own = {*capabilities_of(record.module), *capabilities_of(dotted)}
                for capability in attribute_capabilities(record.module, imported.name):
                    if capability not in own:
                        givers.setdefault(capability, {}).setdefault(name, dotted)
    reaches: list[Reach] = []
    for capability, sources in sorted(givers.items()):
        # Breadth first from the modules that give it, against the import edges: shortest chains.
        # A module reaches the capability through any of its imports (a function may import it
        # and be called), but through its parent package only when the package gets it at import
        # time: importing pip._vendor.six runs pip/__init__.py, not the functions it defines.
        on_import = _reached(importers, sources, at_import_only=True)
        chain_to: dict[str, tuple[tuple[str, Site | None], ...]] = {m: ((m, None),) for m in sources}
        via: dict[str, str] = dict(sources)
        queue = deque(sorted(sources))
        while queue:
            current = queue.popleft()
            for importer, site, parent, _ in sorted(importers.get(current, []), key=lambda item: item[0]):
                if parent and current not in on_import:
                    continue
                if importer not in chain_to:
                    chain_to[importer] = ((importer, None), *((current, site),), *chain_to[current][1:])
                    via[importer] = via[current]
                    queue.append(importer)
        for module in sorted(audited & set(chain_to)):
            reaches.append(Reach(capability, module, via[module], chain_to[module]))
    return reaches


_Group = tuple[str, str, str | None]  # a package's name, kind ("vendored", "distribution", "package"), version


def _packages(
    inventory: Sequence[InventoryEntry],
    vendored: Sequence[Vendored],
    reaches: Sequence[Reach],
    spots: Sequence[Spot],
    files: Sequence[TreeFile],
    shipment: Shipment | None = None,
) -> list[PackageCapabilities]:
    """The capabilities of each vendored package, each third-party distribution and each other top-level
    package of the audited code, from those of its modules (``reaches``: the audited modules' and the
    distributions' modules'), with how much opaque code and how many blind spots (``spots``) it has.
    Its opaque code counts its files that are not source or data (``files``: :func:`_file_group`) too,
    each once: not a file that is an opaque module already (an extension module found by the scan)."""
    owners = sorted(vendored, key=lambda v: -len(v.module))  # the innermost first: a vendored copy in another

    def owner(entry: InventoryEntry) -> _Group | None:
        if entry.distribution:
            return entry.distribution, "distribution", entry.version
        if not entry.audited:
            return None
        for v in owners:
            if entry.name == v.module or entry.name.startswith(v.module + "."):
                return v.package, "vendored", v.version
        return entry.name.partition(".")[0], "package", None

    members: dict[_Group, list[str]] = {}
    group_of: dict[str, _Group] = {}
    for entry in inventory:
        key = owner(entry)
        if key is not None:
            members.setdefault(key, []).append(entry.name)
            group_of[entry.name] = key
    by_group: dict[_Group, dict[str, list[Reach]]] = {}
    for reach in reaches:
        if reach.module in group_of:
            by_group.setdefault(group_of[reach.module], {}).setdefault(reach.capability, []).append(reach)
    counts: dict[tuple[_Group, str], int] = {}
    for spot in spots:
        if spot.module in group_of:
            part = "opaque" if spot.kind in _OPAQUE_KINDS else "blindspots"
            counts[group_of[spot.module], part] = counts.get((group_of[spot.module], part), 0) + 1
    directories = _package_directories(owners, inventory)
    spotted = {spot.path for spot in spots if spot.kind in _OPAQUE_KINDS}
    for item in files:
        key = None if item.path in spotted else _file_group(item, group_of, directories, shipment)
        if key is not None:
            members.setdefault(key, [])  # a distribution of native code only has a row too
            counts[key, "opaque"] = counts.get((key, "opaque"), 0) + 1
    rows = []
    for key, names in sorted(members.items(), key=lambda item: (_KIND_ORDER[item[0][1]], item[0][0].lower())):
        found = by_group.get(key, {})
        rows.append(
            PackageCapabilities(
                name=key[0],
                kind=key[1],
                version=key[2],
                modules=len(names),
                capabilities={
                    capability: (len(found[capability]), min(found[capability], key=_example_order))
                    for capability in sorted(found)
                },
                opaque=counts.get((key, "opaque"), 0),
                blindspots=counts.get((key, "blindspots"), 0),
            )
        )
    return rows


def _package_directories(owners: Sequence[Vendored], inventory: Sequence[InventoryEntry]) -> list[tuple[str, _Group]]:
    """The directories of the vendored packages, the innermost first (not of a module: six.py's is the
    vendoring directory), then those of the audited code's top-level packages."""
    found = [
        (os.path.dirname(v.path), (v.package, "vendored", v.version))
        for v in owners
        if v.path and os.path.basename(v.path).startswith("__init__.")
    ]
    found += [
        (os.path.dirname(e.path), (e.name, "package", None))
        for e in inventory
        if e.audited and not e.distribution and "." not in e.name and e.path
        if os.path.basename(e.path).startswith("__init__.")
    ]
    return found


def _file_group(
    item: TreeFile, group_of: Mapping[str, _Group], directories: Sequence[tuple[str, _Group]], shipment: Shipment | None
) -> _Group | None:
    """The package a file of the tree is counted for: that of the module in it; else the distribution
    whose RECORD (or wheel) holds it; else the package whose directory holds it."""
    if item.module is not None and item.module in group_of:
        return group_of[item.module]
    shipped = shipment.owner(item.path, "") if shipment is not None else None
    if shipped is not None:
        return shipped.name, "distribution", shipped.version
    return next((key for directory, key in directories if _inside(item.path, [directory])), None)


_OPAQUE_KINDS = frozenset({"extension", "bytecode", "zip", "native-library"})  # the kinds of _opaque's spots


_KIND_ORDER = {"vendored": 0, "distribution": 1, "package": 2}


def _example_order(reach: Reach) -> tuple[int, str]:
    """The example of a package's capability: the shortest chain, then the first module by name."""
    return len(reach.chain), reach.module


def _scripts(result: ScanResult) -> set[str]:
    """The modules run as scripts (a file named as a target): their ``__main__`` blocks run."""
    inputs = set(result.inputs)
    return {name for name, resolution in result.modules.items() if resolution.path in inputs}


def _may_run(result: ScanResult, site: Site, scripts: set[str]) -> bool:
    """The import runs when its module is imported, or may when a function is called: not one under
    ``if __name__ == "__main__":`` of a module that is imported rather than run as a script, nor a
    fallback whose primary is found."""
    return (site.importer in scripts or not site.context.main_only) and not result.never_runs(site)


def _attribute_uses(source: bytes, modules: set[str], module: str) -> list[tuple[str, str]]:
    """``os.system`` and ``o.popen`` (after ``import os as o``): (module, attribute) for the modules given.

    A name is the module only where the import's binding is the one it refers to
    (:mod:`depscan.extract.scopes`): a parameter or local ``os`` in a function is not.
    """
    tree, _ = parse(source)
    if tree is None:
        return []
    try:
        return _uses_in(scope_tree(tree, module), modules)
    except (RecursionError, MemoryError):
        return []


def _uses_in(scopes: ScopeTree, modules: set[str]) -> list[tuple[str, str]]:
    names = scopes.names_importing(modules)  # where no such name is, there is nothing to look up
    if not names:
        return []
    return sorted(
        {
            (imported, node.attr)
            for node, scope in scopes.nodes()
            if type(node) is ast.Attribute
            and type(node.value) is ast.Name
            and node.value.id in names
            and (imported := scope.imported(node.value.id)) in modules
        }
    )


def _reached(
    importers: Mapping[str, list[tuple[str, Site | None, bool, bool]]], sources: Iterable[str], at_import_only: bool
) -> set[str]:
    """The modules that reach ``sources`` through imports made when they are imported (``at_import_only``)."""
    seen = set(sources)
    queue = deque(seen)
    while queue:
        current = queue.popleft()
        for importer, _, _, at_import in importers.get(current, []):
            if (at_import or not at_import_only) and importer not in seen:
                seen.add(importer)
                queue.append(importer)
    return seen


# --- portability -------------------------------------------------------------------------------


def _portability(
    result: ScanResult, audited: set[str], versions: Sequence[tuple[int, ...]], table: Mapping[str, Any]
) -> list[PortabilityIssue]:
    from depscan.analysis.capabilities import portability_of

    issues: dict[tuple[str, str], PortabilityIssue] = {}
    imported: dict[str, list[Site]] = {}
    # A fallback whose primary is found never runs: no problem there (pip's `import dummy_threading`).
    for source, target, edge in result.graph_data.imports():
        if source in audited:
            imported.setdefault(target, []).extend(s for s in edge.sites if not result.never_runs(s))
    for missing in result.missing.values():  # a module removed from the target's stdlib is missing here
        imported.setdefault(missing.name, []).extend(
            s for s in missing.sites if s.importer in audited and not result.never_runs(s)
        )
    for module, sites in sorted(imported.items()):
        if not sites:
            continue
        for version in versions:
            entry = portability_of(module, (version[0], version[1]), table)
            if entry is None:
                continue
            removed = entry.removed is not None and tuple(version[:2]) >= entry.removed
            since = entry.removed if removed else entry.deprecated
            key = (entry.module, f"{version[0]}.{version[1]}")
            before = issues[key].sites if key in issues else ()  # cgi and cgi.parse_header: one entry
            issues[key] = PortabilityIssue(
                entry.module,
                "removed" if removed else "deprecated",
                key[1],
                ".".join(map(str, since)) if since else "?",
                entry.replacement,
                tuple(sorted({*before, *sites}, key=lambda s: (s.path or "", s.line, s.col, s.importer))),
            )
    return [issues[key] for key in sorted(issues)]


# --- what changed since a baseline ---------------------------------------------------------------

BASELINE_MAX_BYTES = 256 * 1024 * 1024  # far over any audit's JSON; a planted endless file is refused
# The conditions of --fail-on, each met when one of these parts of the Changes is not empty.
_CONDITION_PARTS = {
    "new-capability": ("capabilities",),
    "new-opaque": ("opaque", "files"),
    "new-blindspot": ("blindspots",),
    "new-module": ("modules_added",),
    "new-portability": ("portability",),
    "new-distribution": ("distributions_added",),
}
FAIL_CONDITIONS = tuple(_CONDITION_PARTS)


class BaselineError(Exception):
    """The baseline is not an audit depscan can compare with."""


@dataclass
class Changes:
    """An audit against an earlier one (its JSON): what is new, what is gone."""

    modules_added: list[str]
    modules_removed: list[str]
    capabilities: list[dict[str, Any]]  # new (capability, module) pairs, with the chain that brings each
    opaque: list[dict[str, Any]]
    blindspots: list[dict[str, Any]]
    portability: list[dict[str, Any]]
    versions: list[dict[str, Any]]  # vendored packages whose declared version changed
    files: list[dict[str, Any]] = field(default_factory=list)  # the tree's opaque files, new or changed
    distributions: list[DistributionChange] = field(default_factory=list)  # the review of a dependency update
    distributions_added: list[str] = field(default_factory=list)
    # With distributions compared: the capabilities new to a distribution (and those new to a module of none),
    # which --fail-on new-capability counts instead of each module's (a distribution's new module that
    # reaches what the distribution reached already is not a new capability).
    reviewed_capabilities: list[str] | None = None

    def conditions(self) -> set[str]:
        """The named conditions that hold (``--fail-on``, one of :data:`FAIL_CONDITIONS` each)."""
        met = {condition for condition, parts in _CONDITION_PARTS.items() if any(getattr(self, p) for p in parts)}
        if self.reviewed_capabilities is not None:
            met.discard("new-capability")
            met |= {"new-capability"} if self.reviewed_capabilities else set()
        return met

    def to_json(self) -> dict[str, Any]:
        return {
            "modules_added": self.modules_added,
            "modules_removed": self.modules_removed,
            "new_capabilities": self.capabilities,
            "new_opaque": self.opaque,
            "new_blindspots": self.blindspots,
            "new_portability": self.portability,
            "vendored_versions": self.versions,
            "new_files": self.files,
            "distributions": [d.to_json() for d in self.distributions],
            "new_distributions": self.distributions_added,
        }


def load_baseline(path: str) -> dict[str, Any]:
    """An earlier audit's JSON (often committed: a link to /dev/zero or a FIFO there is an error)."""
    import json

    from depscan.source import read_bytes

    data = read_bytes(path, BASELINE_MAX_BYTES)
    if not isinstance(data, bytes):
        raise BaselineError(f"{path}: cannot read the baseline: {data.message}")
    try:
        document = json.loads(data)
    except RecursionError:
        raise BaselineError(f"{path}: not JSON (nested too deeply)") from None
    except ValueError as exc:
        raise BaselineError(f"{path}: not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("schema") != AUDIT_SCHEMA:
        raise BaselineError(f"{path}: not a depscan audit (write one with: depscan audit --format json -o FILE)")
    if document.get("schema_version") != AUDIT_SCHEMA_VERSION:
        found = document.get("schema_version")
        raise BaselineError(f"{path}: an audit of schema version {found}; this depscan reads {AUDIT_SCHEMA_VERSION}")
    problem = _shape_problem(document)
    if problem is not None:  # (a baseline is often committed: the code under review can write it)
        raise BaselineError(f"{path}: not an audit as depscan writes it: {problem}")
    return document


# What a comparison reads of a baseline: each part a list of objects, and these fields of each a
# JSON scalar (they are compared, and kept in sets); a baseline otherwise is refused, not half read.
_BASELINE_FIELDS: dict[str, tuple[str, ...]] = {
    "inventory": ("name",),
    "vendored": ("module", "version"),
    "opaque": ("kind", "module", "target", "path", "line", "detail"),
    "files": ("kind", "relative", "sha256", "path", "detail", "size", "module"),
    "blindspots": ("kind", "module", "detail", "target", "path", "line"),
    "capabilities": ("capability", "module"),
    "portability": ("module", "status", "version"),
    "distributions": ("name", "version"),
    "packages": ("kind", "name"),
}
_NESTED: dict[tuple[str, str], tuple[str, ...]] = {  # part, field -> the fields of its items
    ("packages", "capabilities"): ("capability",),
    ("files", "imports"): ("text", "line"),
    ("files", "paths"): ("text", "line"),
}


def _shape_problem(document: Mapping[str, Any]) -> str | None:
    """Where ``document`` is not shaped as :data:`_BASELINE_FIELDS` says, or None."""
    for part, fields in _BASELINE_FIELDS.items():
        problem = _rows_problem(document.get(part), part, fields)
        if problem is not None:
            return problem
        for number, item in enumerate(document.get(part) or []):
            nested = item.get("pth") if part == "files" else item
            if part == "files" and nested is not None and not isinstance(nested, dict):
                return f"{part}[{number}].pth is not an object"
            for (outer, key), inner in _NESTED.items():
                if outer == part and nested is not None:
                    problem = _rows_problem(nested.get(key), f"{part}[{number}].{key}", inner)
                    if problem is not None:
                        return problem
    return None


def _rows_problem(rows: Any, where: str, fields: Sequence[str]) -> str | None:
    if rows is None:
        return None
    if not isinstance(rows, list):
        return f"{where} is not a list"
    for number, row in enumerate(rows):
        if not isinstance(row, dict):
            return f"{where}[{number}] is not an object"
        for key in fields:
            if not isinstance(row.get(key), (str, int, float, bool, type(None))):
                return f"{where}[{number}].{key} is not a string, a number or null"
    return None


def compare(baseline: Mapping[str, Any], report: Audit) -> Changes:
    """What ``report`` has that ``baseline`` had not (places are compared without line numbers,
    which move between versions of the code)."""
    new = report.to_json()

    def keys(document: Mapping[str, Any], part: str, fields: Sequence[str]) -> dict[tuple[Any, ...], Any]:
        items = document.get(part) or []
        return {tuple(item.get(f) for f in fields): item for item in items if isinstance(item, dict)}

    def added(part: str, fields: Sequence[str]) -> list[dict[str, Any]]:
        old = keys(baseline, part, fields)
        return [item for key, item in keys(new, part, fields).items() if key not in old]

    old_modules = {item.get("name") for item in baseline.get("inventory") or [] if isinstance(item, dict)}
    new_modules = {item["name"] for item in new["inventory"]}
    old_versions = {v.get("module"): v.get("version") for v in baseline.get("vendored") or [] if isinstance(v, dict)}
    versions = [
        {"package": v["package"], "module": v["module"], "before": old_versions[v["module"]], "after": v["version"]}
        for v in new["vendored"]
        if v["module"] in old_versions and old_versions[v["module"]] != v["version"]
    ]
    from depscan.analysis.review import review

    opaque, files = added("opaque", ("kind", "module", "target")), added("files", ("kind", "relative", "sha256"))
    blindspots = added("blindspots", ("kind", "module", "detail", "target"))
    distributions = review(baseline, report, opaque, files, blindspots)
    capabilities = added("capabilities", ("capability", "module"))
    reviewed = None
    if distributions is not None:
        owned = {e.name for e in report.inventory if e.distribution}
        reviewed = [f"{c['capability']} {c['module']}" for c in capabilities if c["module"] not in owned]
        reviewed += [f"{r['capability']} {d.name}" for d in distributions for r in d.capabilities]
    return Changes(
        modules_added=sorted(new_modules - old_modules),
        modules_removed=sorted(m for m in old_modules - new_modules if isinstance(m, str)),
        capabilities=capabilities,
        opaque=opaque,
        blindspots=blindspots,
        portability=added("portability", ("module", "status", "version")),
        versions=versions,
        files=files,  # a file whose contents changed is new
        distributions=distributions or [],
        distributions_added=[d.name for d in distributions or [] if d.status == "added"],
        reviewed_capabilities=reviewed,
    )
