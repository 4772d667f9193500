"""The resolver: where ``import a.b.c`` would be found, by a static model of importlib.

The model follows the default import system of the target Python:

* ``sys.path`` as the interpreter builds it, then as :mod:`site` extends it:
  site directories in order, ``.pth`` files sorted by name, their path lines
  made absolute against the site directory and kept only when they exist and
  are new. Lines starting with ``import`` are never executed: they are
  recorded, and the well-known ones are understood statically (setuptools'
  PEP 660 editable finders, ``distutils-precedence.pth``).
* ``sys.meta_path``: the distutils shim when enabled, then builtin and frozen
  modules, then the path-based finder over ``sys.path`` (directories and zip
  archives, namespace portions gathered across all entries, a later regular
  package or module winning), then editable finders.
* Submodules are searched in their parent package's locations. Legacy
  namespace packages (``pkgutil.extend_path``, ``pkg_resources.declare_namespace``
  in ``__init__.py``) get the locations those calls would add.

Nothing found is imported; no ``find_spec`` of importlib is called.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

from depscan.extract.budget import too_many_tokens
from depscan.extract.walker import literal_str
from depscan.model.records import Diagnostic
from depscan.resolve.finders import DirectoryFinder, FileSystem, Found, Suffixes, ZipDirectory, ZipFinder, split_archive
from depscan.resolve.interpreter import Interpreter
from depscan.source import declares_an_encoding, read_bytes

Category = Literal["stdlib", "third_party", "project"]
# "entry": a module another one puts in sys.modules under a literal name as it runs (the scan
# tells these, from what it reads; the resolver never answers with one).
ResolvedKind = Literal[
    "builtin", "frozen", "source", "bytecode", "extension", "namespace", "stdlib", "entry", "missing"
]


@dataclass(frozen=True, slots=True)
class PathEntry:
    """One ``sys.path`` entry, with where it came from."""

    path: str
    origin: str  # "path", "script", "pythonpath", "interpreter", "site", "user-site", "pth", "editable"
    category: Category
    added_by: str | None = None  # the .pth file that added it

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "origin": self.origin, "category": self.category, "added_by": self.added_by}


@dataclass(frozen=True, slots=True)
class PthImport:
    """An executable line of a ``.pth`` file: recorded, never run."""

    file: str
    line: int
    text: str
    meaning: str | None  # "setuptools-editable-finder", "distutils-precedence", or None if not understood

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "text": self.text, "meaning": self.meaning}


@dataclass(frozen=True)
class EditableFinder:
    """A setuptools PEP 660 editable finder, read from its module's literals."""

    module: str
    file: str
    mapping: Mapping[str, str]
    namespaces: Mapping[str, Sequence[str]]
    placeholder: str | None


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a module would come from, or why it would not be found.

    ``path`` is exactly ``find_spec(name).origin``: a file, a path inside a zip
    archive, ``"built-in"``, ``"frozen"``, or None for a namespace package.
    ``file`` is the file depscan would read for its imports (source, or
    sourceless bytecode), ``entry`` the ``sys.path`` entry it was found through,
    ``finder`` the meta path finder that found it.
    """

    name: str
    kind: ResolvedKind
    is_package: bool = False
    path: str | None = None
    locations: tuple[str, ...] = ()
    file: str | None = None
    archive: str | None = None
    entry: str | None = None
    finder: str | None = None
    category: Category | None = None
    searched: tuple[str, ...] = ()
    reason: str | None = None
    legacy_namespace: str | None = None

    @property
    def found(self) -> bool:
        return self.kind != "missing"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "found": self.found,
            "kind": self.kind,
            "is_package": self.is_package,
            "path": self.path,
            "locations": list(self.locations),
            "file": self.file,
            "archive": self.archive,
            "entry": self.entry,
            "finder": self.finder,
            "category": self.category,
            "searched": list(self.searched),
            "reason": self.reason,
            "legacy_namespace": self.legacy_namespace,
        }


@dataclass
class SearchPath:
    entries: list[PathEntry] = field(default_factory=list)
    pth_imports: list[PthImport] = field(default_factory=list)
    editable: list[EditableFinder] = field(default_factory=list)
    distutils_shim: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)
    project_root: str | None = None
    site_roots: list[str] = field(default_factory=list)

    def in_project(self, path: str) -> bool:
        """Under the project root, and not in a virtual environment or site directory inside it."""
        if not self.project_root or not _under(path, self.project_root):
            return False
        return not any(_under(path, site) for site in self.site_roots)


def build_search_path(
    interp: Interpreter,
    paths: Sequence[str] = (),
    script_dir: str | None = None,
    pythonpath: str | None = None,
    project_root: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> SearchPath:
    """``sys.path`` of the target as it would be after ``site`` ran, without running it.

    Order: the script's directory, ``--path`` entries, ``PYTHONPATH``, the
    interpreter's own entries, then the site directories and what their
    ``.pth`` files add. Entries under ``project_root`` are the project's.
    """
    environ = os.environ if environ is None else environ
    site_roots = [d for d in (*interp.site_dirs, interp.user_site or "", interp.venv or "") if d]
    search = SearchPath(project_root=project_root, site_roots=site_roots)
    known: set[str] = set()

    def category_for(path: str, default: Category) -> Category:
        """Entries added for an editable install of the project itself are the project's."""
        return "project" if default == "third_party" and search.in_project(path) else default

    def add(path: str, origin: str, default: Category, added_by: str | None = None) -> None:
        absolute = os.path.abspath(path) if path else os.getcwd()
        key = os.path.normcase(absolute)
        if key in known:
            return
        known.add(key)
        search.entries.append(PathEntry(absolute, origin, category_for(absolute, default), added_by))

    if script_dir is not None:
        add(script_dir, "script", "project")
    for path in paths:
        add(path, "path", "project")
    if pythonpath:
        for path in pythonpath.split(os.pathsep):
            add(path, "pythonpath", "third_party")
    for path in interp.sys_path:
        add(path, "interpreter", "stdlib")
    fs = FileSystem()
    site_dirs: list[tuple[str, str]] = []
    if interp.venv:
        site_dirs += [(d, "site") for d in interp.site_dirs if _under(d, interp.venv)]
    if interp.user_site_enabled and interp.user_site and os.path.isdir(interp.user_site):
        site_dirs.append((interp.user_site, "user-site"))
    site_dirs += [(d, "site") for d in interp.site_dirs if not (interp.venv and _under(d, interp.venv))]
    for directory, origin in site_dirs:
        if not os.path.isdir(directory):
            continue
        add(directory, origin, "third_party")
        _read_pth_files(directory, search, fs, add, interp.version, environ)
    search.diagnostics.extend(fs.diagnostics)
    return search


def _under(path: str, directory: str) -> bool:
    return (os.path.normcase(os.path.abspath(path)) + os.sep).startswith(
        os.path.normcase(os.path.abspath(directory)) + os.sep
    )


def _read_pth_files(
    sitedir: str, search: SearchPath, fs: FileSystem, add: Any, version: tuple[int, ...], environ: Mapping[str, str]
) -> None:
    listing = fs.listing(sitedir) or {}
    skip_hidden = _skips_hidden_pth(version)
    names = sorted(name for name in listing if name.endswith(".pth") and not (skip_hidden and name.startswith(".")))
    for name in names:
        file = os.path.join(sitedir, name)
        data = read_bytes(file, max_bytes=1024 * 1024)
        if not isinstance(data, bytes):
            search.diagnostics.append(data)
            continue
        for number, line, runs in pth_lines(data, version):
            if runs:
                meaning = _understand_pth_import(line, sitedir, search, environ)
                search.pth_imports.append(PthImport(file, number, line, meaning))
                continue
            entry = os.path.join(sitedir, line)
            if os.path.exists(entry):
                add(entry, "pth", "third_party", file)


def pth_lines(data: bytes, version: tuple[int, ...]) -> list[tuple[int, str, bool]]:
    """What ``site`` does with a ``.pth`` file's lines, as Python ``version`` reads it: (line number,
    the line without its end, runs): a line that starts with ``import`` is executed (``runs``), any
    other but comments and blank lines is a directory added to ``sys.path`` if it exists."""
    found = []
    for number, line in enumerate(_decode_pth(data, version).splitlines(), start=1):
        if line.startswith("#") or not line.strip():
            continue
        found.append((number, line.rstrip(), line.startswith(("import ", "import\t"))))
    return found


def _skips_hidden_pth(version: tuple[int, ...]) -> bool:
    """``site`` skips ``.pth`` files whose name starts with a dot since these releases (gh-113659)."""
    fixed = {(3, 8): 19, (3, 9): 19, (3, 10): 14, (3, 11): 8, (3, 12): 2}
    if tuple(version[:2]) >= (3, 13):
        return True
    micro = fixed.get((version[0], version[1]) if len(version) >= 2 else (0, 0))
    return micro is not None and len(version) >= 3 and version[2] >= micro


def _decode_pth(data: bytes, version: tuple[int, ...]) -> str:
    """UTF-8 (a BOM allowed) first since 3.13; before, the locale's encoding, a BOM kept as text."""
    import locale

    fallback = locale.getpreferredencoding(False) or "utf-8"
    if tuple(version[:2]) >= (3, 13):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return data.decode(fallback, "replace")
    try:
        return data.decode(fallback, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def _understand_pth_import(line: str, sitedir: str, search: SearchPath, environ: Mapping[str, str]) -> str | None:
    words = line.replace(";", " ").split()
    if "_distutils_hack" in line and "add_shim" in line:
        # distutils-precedence.pth: the shim is on unless SETUPTOOLS_USE_DISTUTILS says "stdlib".
        if environ.get("SETUPTOOLS_USE_DISTUTILS", "local") == "local":
            search.distutils_shim = True
        return "distutils-precedence"
    if len(words) >= 2 and words[1].startswith("__editable__") and words[1].endswith("_finder"):
        module = words[1]
        finder = _read_editable_finder(module, os.path.join(sitedir, module + ".py"))
        if finder is None:
            return None
        search.editable.append(finder)
        if finder.namespaces and finder.placeholder:
            search.entries.append(PathEntry(finder.placeholder, "editable", "third_party", finder.file))
        return "setuptools-editable-finder"
    return None


def _read_editable_finder(module: str, file: str) -> EditableFinder | None:
    """Read ``MAPPING``, ``NAMESPACES`` and ``PATH_PLACEHOLDER`` as literals; never run the file."""
    data = read_bytes(file, max_bytes=1024 * 1024)
    if not isinstance(data, bytes) or too_many_tokens(data):
        return None
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    values: dict[str, Any] = {}
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if not isinstance(target, ast.Name) or value is None:
            continue
        if target.id in ("MAPPING", "NAMESPACES"):
            try:
                values[target.id] = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                return None
        elif target.id == "PATH_PLACEHOLDER":
            values[target.id] = literal_str(value)
    mapping = values.get("MAPPING")
    namespaces = values.get("NAMESPACES", {})
    if not isinstance(mapping, dict) or not isinstance(namespaces, dict):
        return None
    return EditableFinder(
        module,
        file,
        {str(k): str(v) for k, v in mapping.items()},
        {str(k): [str(p) for p in v] for k, v in namespaces.items()},
        values.get("PATH_PLACEHOLDER"),
    )


class Resolver:
    """Resolves dotted module names for one target and search path; answers are cached."""

    def __init__(self, interp: Interpreter, search: SearchPath) -> None:
        self.interp = interp
        self.search = search
        self.fs = FileSystem()
        self.zips = ZipDirectory(bytes.fromhex(interp.magic) if interp.magic else None)
        self.suffixes = Suffixes(interp.extension_suffixes, interp.source_suffixes, interp.bytecode_suffixes)
        self._finders: dict[str, DirectoryFinder | ZipFinder | EditableFinder | None] = {}
        self._splits: dict[str, tuple[str, str] | None] = {}  # path entries split into archive and prefix
        self._cache: dict[str, Resolution] = {}
        self._categories = sorted(
            ((os.path.normcase(e.path) + os.sep, e.category) for e in search.entries), key=lambda p: -len(p[0])
        )
        self._placeholders = {e.placeholder: e for e in search.editable if e.placeholder}

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [*self.search.diagnostics, *self.fs.diagnostics, *self.zips.diagnostics]

    def depends_on(self) -> list[str]:
        """The files and directories the answers so far were worked out from (for depscan.perf.runcache).

        Every directory looked into for modules: the path entries and what is
        under them (the resolver also lists an entry's parent, to learn what the
        entry is; the entry's own signature stands for that, or every write
        beside the project would count as a change); zip archives; and what
        ``site`` reads in the site directories (``.pth`` files, editable
        finders, the venv's ``pyvenv.cfg``).
        """
        entries = [e.path.rstrip(os.sep) + os.sep for e in self.search.entries]
        paths = [d for d in self.fs.listings if any((d.rstrip(os.sep) + os.sep).startswith(e) for e in entries)]
        paths += list(self.zips._members)
        for entry in self.search.entries:
            paths.append(entry.path)
            if entry.origin in ("site", "user-site"):
                try:
                    names = os.listdir(entry.path)
                except OSError:
                    continue
                paths += [
                    os.path.join(entry.path, n) for n in names if n.endswith(".pth") or n.startswith("__editable__")
                ]
        if self.interp.venv:
            paths.append(os.path.join(self.interp.venv, "pyvenv.cfg"))
        return paths

    # -- the meta path ---------------------------------------------------------------

    def resolve(self, name: str) -> Resolution:
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        # The parents first, outermost first, so that _resolve finds each parent cached:
        # `import a.a.a...` with a thousand parts is a loop, not a thousand nested calls. Only the
        # parents not yet resolved are named (usually none): joining every prefix of each name
        # cost a package 2,000 deep in a zip 2,000 joins of up to 2,000 parts.
        unresolved = []
        prefix = name
        while prefix not in self._cache:
            unresolved.append(prefix)
            prefix, dot, _ = prefix.rpartition(".")
            if not dot:
                break
        for prefix in reversed(unresolved):
            self._cache[prefix] = self._resolve(prefix)
        return self._cache[name]

    def _resolve(self, name: str) -> Resolution:
        parent_name, _, tail = name.rpartition(".")
        parent: Resolution | None = None
        if name == "os.path" and self.resolve("os").category == "stdlib":
            # os puts its platform's path module in sys.modules as os.path; find_spec answers with that one.
            alias = self.resolve("ntpath" if self.interp.os_name == "nt" else "posixpath")
            if alias.found:
                return renamed(alias, name, "alias")
        if parent_name:
            parent = self.resolve(parent_name)
            if not parent.found:
                return Resolution(name, "missing", reason=f"parent package {parent_name!r} is not found")
            if not parent.is_package and not (parent.kind == "stdlib" and name in self.interp.stdlib_modules):
                return Resolution(name, "missing", reason=f"{parent_name!r} is a module, not a package")
            entries: Sequence[str] = parent.locations
        else:
            entries = [entry.path for entry in self.search.entries]
        if self.search.distutils_shim and name == "distutils":
            shimmed = self.resolve("setuptools._distutils")
            if shimmed.found:
                return renamed(shimmed, name, "distutils-shim")
        if name in self.interp.builtin:
            return Resolution(name, "builtin", path="built-in", finder="builtin", category="stdlib")
        if name in self.interp.frozen:
            package = f"{name}.__init__" in self.interp.frozen or name in self.interp.frozen_packages
            source = self._frozen_source(name, package)
            return Resolution(name, "frozen", package, path="frozen", file=source, finder="frozen", category="stdlib")
        result = self._path_finder(name, tail, entries, parent)
        if result is not None:
            return result
        if self.interp.from_tables and name in self.interp.stdlib_modules:
            # No interpreter to look in: the table says the stdlib has it, not where.
            is_package = any(module.startswith(name + ".") for module in self.interp.stdlib_modules)
            return Resolution(name, "stdlib", is_package, finder="table", category="stdlib")
        for finder in self.search.editable:
            result = self._editable(finder, name)
            if result is not None:
                return result
        searched = tuple(entries) + tuple(f"<editable finder {f.module}>" for f in self.search.editable)
        return Resolution(name, "missing", searched=searched, reason="not found")

    def _frozen_source(self, name: str, package: bool) -> str | None:
        """The source a frozen stdlib module was frozen from, in the standard library's directory
        (``os``, ``io``, ``importlib.util`` on 3.11+: what ``--follow-stdlib`` reads, as
        modulefinder does); None for one without (``__hello__``)."""
        relative = os.path.join(*name.split("."), "__init__.py") if package else os.path.join(*name.split(".")) + ".py"
        for directory in self.interp.stdlib_dirs:
            candidate = os.path.join(directory, relative)
            if self.fs.kind(candidate) == "f":
                return candidate
        return None

    def _path_finder(
        self, name: str, tail: str, entries: Sequence[str], parent: Resolution | None
    ) -> Resolution | None:
        portions: list[str] = []
        first_portion_entry: str | None = None
        for entry in entries:
            finder = self._finder(entry)
            if finder is None:
                continue
            if isinstance(finder, EditableFinder):
                if name in finder.namespaces:
                    paths = list(finder.namespaces[name]) or ([finder.mapping[name]] if name in finder.mapping else [])
                    portions.extend([*paths, entry])
                    first_portion_entry = first_portion_entry or entry
                continue
            found = finder.find(tail)
            if found is None:
                continue
            if found.kind != "namespace":
                return self._from_found(name, found, entry, "zip" if isinstance(finder, ZipFinder) else "path", parent)
            portions.extend(found.locations)
            first_portion_entry = first_portion_entry or entry
        if portions:
            category = self._category(portions[0], parent)
            return Resolution(
                name,
                "namespace",
                True,
                None,
                tuple(portions),
                entry=first_portion_entry,
                finder="path",
                category=category,
            )
        return None

    def _from_found(self, name: str, found: Found, entry: str, finder: str, parent: Resolution | None) -> Resolution:
        readable = found.origin if found.kind in ("source", "bytecode") else None
        locations = found.locations
        legacy = None
        if found.is_package and found.kind == "source" and found.archive is None and found.origin:
            legacy = _legacy_namespace(found.origin)
            if legacy:
                locations = self._extend_legacy(name, locations, parent, legacy)
        return Resolution(
            name,
            found.kind,
            found.is_package,
            found.origin,
            locations,
            readable,
            found.archive,
            entry,
            finder,
            self._category(found.origin or entry, parent),
            legacy_namespace=legacy,
        )

    def _extend_legacy(
        self, name: str, locations: tuple[str, ...], parent: Resolution | None, style: str
    ) -> tuple[str, ...]:
        """The ``__path__`` a legacy namespace package's ``__init__`` builds.

        ``pkgutil.extend_path`` asks each entry's finder (directories and zip
        archives alike) for the name and appends the locations it reports,
        namespace portions included. ``pkg_resources.declare_namespace`` takes
        only portions that have a loader (an ``__init__``), and sorts the
        result by the entries' order on ``sys.path``.
        """
        final = name.rpartition(".")[2]
        search = parent.locations if parent is not None else tuple(e.path for e in self.search.entries)
        extended = list(locations)
        order: dict[str, int] = {}
        for index, entry in enumerate(search):
            finder = self._finder(entry)
            if finder is None or isinstance(finder, EditableFinder):
                continue
            found = finder.find(final)
            if found is None:
                continue
            if style == "pkg_resources" and found.kind == "namespace":
                continue
            for location in found.locations:
                order.setdefault(location, index)
                if location not in extended:
                    extended.append(location)
        if style == "pkg_resources":
            extended.sort(key=lambda location: order.get(location, -1))
        return tuple(extended)

    def _editable(self, finder: EditableFinder, name: str) -> Resolution | None:
        if name in finder.mapping:
            base = PurePath(finder.mapping[name])
            candidates = [base / "__init__.py"]
            for suffix in (*self.suffixes.source, *self.suffixes.bytecode, *self.suffixes.extension):
                try:
                    candidates.append(base.with_suffix(suffix))
                except ValueError:
                    continue
            for candidate in candidates:
                kind_on_disk = self.fs.kind(str(candidate))
                if kind_on_disk is None:
                    continue
                path = str(candidate)
                is_package = candidate.name == "__init__.py"
                kind = _kind_of(path, self.suffixes)
                locations = (str(candidate.parent),) if is_package else ()
                readable = path if kind in ("source", "bytecode") else None
                category = self._category(path, None)
                return Resolution(
                    name, kind, is_package, path, locations, readable, None, finder.file, "editable", category
                )
            return None
        parent, _, tail = name.rpartition(".")
        if parent and parent in finder.mapping:
            directory = finder.mapping[parent]
            found = self._finder_for_directory(directory).find(tail)
            if found is not None and found.kind != "namespace":
                return self._from_found(name, found, directory, "editable", None)
            if found is not None:
                category = self._category(directory, None)
                return Resolution(
                    name,
                    "namespace",
                    True,
                    None,
                    found.locations,
                    entry=directory,
                    finder="editable",
                    category=category,
                )
        return None

    # -- path entries ------------------------------------------------------------------

    def _finder(self, entry: str) -> DirectoryFinder | ZipFinder | EditableFinder | None:
        try:
            return self._finders[entry]
        except KeyError:
            pass
        finder: DirectoryFinder | ZipFinder | EditableFinder | None = None
        if entry in self._placeholders:
            finder = self._placeholders[entry]
        else:
            path = entry or os.getcwd()
            split = split_archive(path, self.fs, self._splits)
            self._splits[path] = split
            if split is not None:
                archive, prefix = split
                members = self.zips.members(archive)
                if members is not None:
                    finder = ZipFinder(archive, prefix, members, self.zips.usable)
            elif self.fs.kind(path) == "d":
                finder = DirectoryFinder(path, self.suffixes, self.fs)
        self._finders[entry] = finder
        return finder

    def _finder_for_directory(self, directory: str) -> DirectoryFinder:
        finder = self._finder(directory)
        if isinstance(finder, DirectoryFinder):
            return finder
        return DirectoryFinder(directory, self.suffixes, self.fs)

    def _category(self, path: str, parent: Resolution | None) -> Category:
        key = os.path.normcase(path)
        for prefix, category in self._categories:
            if key.startswith(prefix) or key + os.sep == prefix:
                return category
        if self.search.in_project(path):
            return "project"
        if parent is not None and parent.category is not None:
            return parent.category
        return "third_party"

    # -- shadowing -----------------------------------------------------------------------

    def shadowed(self, name: str) -> list[str]:
        """What a top-level project module hides: the stdlib module, or an installed one."""
        top = name.partition(".")[0]
        found = self.resolve(top)
        if not found.found or found.category != "project":
            return []
        hidden: list[str] = []
        if top in self.interp.stdlib_names:
            hidden.append(f"stdlib module {top!r}")
        later = [e.path for e in self.search.entries if e.category != "project"]
        other = self._path_finder(top, top, later, None)
        if other is not None and other.category == "third_party":
            hidden.append(f"installed {top!r} at {other.path or other.locations[0]}")
        return hidden


def renamed(found: Resolution, name: str, finder: str) -> Resolution:
    """``found`` under another name, as the finder that serves it there (the distutils shim, a
    VendorImporter) makes it."""
    return Resolution(
        name,
        found.kind,
        found.is_package,
        found.path,
        found.locations,
        found.file,
        found.archive,
        found.entry,
        finder,
        found.category,
    )


def _kind_of(path: str, suffixes: Suffixes) -> ResolvedKind:
    for suffix, kind in suffixes.ordered():
        if path.endswith(suffix):
            return kind
    return "source"


_DECLARE_NAMESPACE = re.compile(rb"declare_namespace\(\s*__name__")


def _legacy_namespace(init_file: str) -> str | None:
    """``pkgutil`` or ``pkg_resources`` when ``__init__.py`` declares a legacy namespace package."""
    data = read_bytes(init_file, max_bytes=1024 * 1024)
    if not isinstance(data, bytes):
        return None
    # Cheap tests first: a module that merely defines declare_namespace (pkg_resources
    # itself) or mentions extend_path in passing is not worth a parse. (One that declares an
    # encoding is parsed: in UTF-7 its words need not be its bytes.)
    pkgutil_style = b"__path__" in data and b"extend_path(" in data
    if not pkgutil_style and _DECLARE_NAMESPACE.search(data) is None and not declares_an_encoding(data):
        return None
    from depscan.extract.walker import extract

    return extract(data, "_namespace_probe", True, init_file).facts.namespace


def make_resolver(
    interp: Interpreter,
    paths: Iterable[str] = (),
    script_dir: str | None = None,
    use_pythonpath: bool = True,
    project_root: str | None = None,
) -> Resolver:
    pythonpath = os.environ.get("PYTHONPATH") if use_pythonpath else None
    search = build_search_path(interp, list(paths), script_dir, pythonpath, project_root)
    return Resolver(interp, search)
