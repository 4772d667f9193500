"""Installed distributions and a project's declared dependencies, read as text.

The groundwork for DS002 (a third-party distribution is imported but not
declared) and DS003 (declared but never imported). Nothing here imports or runs
the code analysed: metadata files are read and parsed as text.

:func:`installed_distributions` reads the ``*.dist-info`` and ``*.egg-info``
entries of site directories and works out each distribution's top-level import
names as CPython 3.11's ``importlib.metadata.packages_distributions()`` does.
:func:`declared_dependencies` reads what a project declares: ``pyproject.toml``
(``[project]`` dependencies and extras, PEP 735 dependency groups) or, when
that declares nothing, its ``requirements*.txt`` files.

Neither raises on bad input: a file that cannot be read or parsed is skipped,
and a sentence saying so is added to ``problems``.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Any, Literal

from packaging.requirements import InvalidRequirement, Requirement

from depscan.model.records import Diagnostic
from depscan.source import CONFIG_MAX_BYTES, IS_A_DIRECTORY, METADATA_MAX_BYTES, NO_SUCH_FILE, is_inside, read_bytes

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

TopLevelSource = Literal["top_level.txt", "RECORD", "SOURCES.txt"]

_SEPARATORS = re.compile(r"[-_.]+")


def normalise(name: str) -> str:
    """A distribution name normalised per PEP 503: ``Foo.Bar_baz`` -> ``foo-bar-baz``."""
    return _SEPARATORS.sub("-", name).lower()


# --- installed distributions -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Distribution:
    """One installed distribution, from its metadata directory (or egg-info file).

    ``name`` is the ``Name`` header of METADATA / PKG-INFO, or the name part of
    the directory name when the header is missing. ``license`` is the
    ``License-Expression`` header, else a one-line ``License`` header, else the
    first ``License ::`` classifier. ``top_level`` holds the top-level import
    names, taken from ``top_level_source`` (None when no file told any).
    """

    name: str
    version: str | None
    license: str | None
    path: str
    site_dir: str
    top_level: tuple[str, ...] = ()
    top_level_source: TopLevelSource | None = None
    requires: tuple[str, ...] = ()  # its Requires-Dist headers, as written

    @property
    def normalised_name(self) -> str:
        return normalise(self.name)

    @property
    def kind(self) -> Literal["dist-info", "egg-info"]:
        return "dist-info" if self.path.lower().endswith(".dist-info") else "egg-info"

    def with_top_level(self, top_level: tuple[str, ...], source: TopLevelSource | None) -> Distribution:
        from dataclasses import replace

        return replace(self, top_level=top_level, top_level_source=source)


@dataclass(frozen=True, slots=True)
class Distributions:
    """The distributions of some site directories, first one of each normalised name first.

    ``shadowed`` holds the distributions hidden by an earlier one of the same
    normalised name (importlib.metadata's ``distribution()`` never returns
    them); they contribute nothing to ``by_import_name``.
    """

    distributions: tuple[Distribution, ...] = ()
    shadowed: tuple[Distribution, ...] = ()
    problems: list[str] = field(default_factory=list)
    by_import_name: Mapping[str, tuple[str, ...]] = field(init=False)
    _by_name: Mapping[str, Distribution] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_import: dict[str, list[str]] = {}
        by_name: dict[str, Distribution] = {}
        for dist in self.distributions:
            by_name.setdefault(dist.normalised_name, dist)
            for name in dist.top_level:
                names = by_import.setdefault(name, [])
                if dist.name not in names:
                    names.append(dist.name)
        object.__setattr__(self, "by_import_name", MappingProxyType({k: tuple(v) for k, v in by_import.items()}))
        object.__setattr__(self, "_by_name", MappingProxyType(by_name))

    def get(self, normalised_name: str) -> Distribution | None:
        """The distribution of that name (normalised again here, so any spelling works), or None."""
        return self._by_name.get(normalise(normalised_name))

    def __iter__(self) -> Iterator[Distribution]:
        return iter(self.distributions)

    def __len__(self) -> int:
        return len(self.distributions)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalise(name) in self._by_name


def installed_distributions(site_dirs: Sequence[str]) -> Distributions:
    """Every ``*.dist-info`` and ``*.egg-info`` directly inside each of ``site_dirs``, in order.

    As in importlib.metadata, entries are recognised by name alone (any case;
    an egg-info may be a single PKG-INFO file), and inside a site directory
    that is itself an ``.egg`` its ``EGG-INFO`` directory counts too. Within
    one directory entries are taken in sorted order (importlib.metadata takes
    them in ``os.listdir`` order, which is arbitrary). A distribution whose
    normalised name was already found earlier is put in ``shadowed``.
    Zip archives on the path are not read.
    """
    problems: list[str] = []
    found: list[Distribution] = []
    shadowed: list[Distribution] = []
    seen: set[str] = set()
    for site_dir in site_dirs:
        for path, fallback_name in _metadata_paths(site_dir, problems):
            dist = _read_distribution(path, fallback_name, site_dir, problems)
            if dist is None:
                continue
            if dist.normalised_name in seen:
                shadowed.append(dist)
            else:
                seen.add(dist.normalised_name)
                found.append(dist)
    return Distributions(tuple(found), tuple(shadowed), problems)


def _metadata_paths(site_dir: str, problems: list[str]) -> list[tuple[str, str]]:
    """The metadata entries of a site directory (as importlib.metadata's ``Lookup``), with a fallback name."""
    try:
        children = sorted(os.listdir(site_dir or "."))
    except FileNotFoundError:
        return []
    except OSError as error:
        if not os.path.isdir(site_dir or "."):
            return []  # a file (a zip archive, say) on the path
        problems.append(f"{site_dir}: cannot list the directory: {error.strerror or error}")
        return []
    infos: list[tuple[str, str]] = []
    eggs: list[tuple[str, str]] = []
    base = os.path.basename(os.path.normpath(site_dir)).lower()
    for child in children:
        low = child.lower()
        if low.endswith((".dist-info", ".egg-info")):
            infos.append((os.path.join(site_dir, child), os.path.splitext(child)[0].partition("-")[0]))
        elif base.endswith(".egg") and low == "egg-info":
            name = os.path.basename(os.path.normpath(site_dir)).rpartition(".")[0].partition("-")[0]
            eggs.append((os.path.join(site_dir, child), name))
    return infos + eggs


def _read_distribution(path: str, fallback_name: str, site_dir: str, problems: list[str]) -> Distribution | None:
    text = _read_text(path, "METADATA", problems) or _read_text(path, "PKG-INFO", problems)
    if not text and os.path.isfile(path):  # an old egg-info: the file itself is PKG-INFO
        text = _read_text(path, "", problems)
    if text is None:
        problems.append(f"{path}: no readable METADATA or PKG-INFO; distribution skipped")
        return None
    where = _join(path, _metadata_file(path))
    dist = distribution_from_metadata(text, path, site_dir, fallback_name, problems, where=where)
    return dist.with_top_level(*_top_level(path, problems))


def distribution_from_metadata(
    text: str,
    path: str,
    site_dir: str,
    fallback_name: str,
    problems: list[str],
    *,
    where: str,
) -> Distribution:
    """The distribution a METADATA (or PKG-INFO) text describes, read as headers only; ``where`` names
    the file in problems, ``fallback_name`` is the name when the text gives none."""
    metadata = HeaderParser().parsestr(text)
    for defect in metadata.defects:
        problems.append(f"{where}: malformed metadata: {_defect_text(defect)}")
    name = _unfolded(_header(metadata, "Name"))
    if not name:
        problems.append(f"{path}: the metadata has no Name; using {fallback_name!r} from the directory name")
        name = fallback_name
    return Distribution(
        name=name,
        version=_unfolded(_header(metadata, "Version")),
        license=_license(metadata),
        path=path,
        site_dir=site_dir,
        requires=tuple(str(value) for value in metadata.get_all("Requires-Dist") or ()),
    )


def _metadata_file(path: str) -> str:
    for name in ("METADATA", "PKG-INFO"):
        if os.path.isfile(os.path.join(path, name)):
            return name
    return ""


def _join(path: str, name: str) -> str:
    return os.path.join(path, name) if name else path


def _defect_text(defect: Exception) -> str:
    text = str(defect)
    return f"{type(defect).__name__} ({text})" if text else type(defect).__name__


def _read_text(path: str, name: str, problems: list[str]) -> str | None:
    """The text of ``path/name`` as importlib.metadata's ``read_text`` reads it, or None when it is absent.

    importlib.metadata returns None for a missing file, a directory and a
    permission error, and raises on text that is not UTF-8; here every failure
    gives None, and all but absence add a problem.
    """
    target = _join(path, name)
    raw = _read_file(target, METADATA_MAX_BYTES, problems)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(f"{target}: not UTF-8 ({error.reason} at byte {error.start}); file skipped")
    return None


def _read_file(
    path: str, max_bytes: int, problems: list[str], unreadable: list[Diagnostic] | None = None
) -> bytes | None:
    """The bytes of ``path`` by the safe reader; None when it is absent (or a directory), and a problem
    (also in ``unreadable``) when it is there but cannot be read (a FIFO, a device, over ``max_bytes``)."""
    data = read_bytes(path, max_bytes)
    if isinstance(data, bytes):
        return data
    if data.message not in (NO_SUCH_FILE, IS_A_DIRECTORY):
        problems.append(f"{path}: cannot read: {data.message}")
        if unreadable is not None:
            unreadable.append(data)
    return None


def _header(metadata: Message, name: str) -> str | None:
    value: Any = metadata.get(name)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _unfolded(value: str | None) -> str | None:
    """A header on one line: the line breaks before its continuation lines removed (RFC 5322 unfolding),
    so that a Name or Version folded over lines adds none to a report."""
    return None if value is None else re.sub(r"\r?\n(?=[ \t])", "", value)


def _license(metadata: Message) -> str | None:
    expression = _header(metadata, "License-Expression")
    if expression:
        return expression
    text = _header(metadata, "License")
    if text and "\n" not in text and text != "UNKNOWN":  # setuptools wrote UNKNOWN for "not given"
        return text
    for classifier in metadata.get_all("Classifier") or ():
        value = str(classifier).strip()
        if value.startswith("License ::"):
            return value
    return None


# Top-level names, as CPython 3.11's importlib.metadata.packages_distributions():
#
#     for pkg in _top_level_declared(dist) or _top_level_inferred(dist): ...
#     _top_level_declared: (dist.read_text('top_level.txt') or '').split()
#     _top_level_inferred: {f.parts[0] if len(f.parts) > 1 else f.with_suffix('').name
#                           for f in always_iterable(dist.files) if f.suffix == ".py"}
#
# where dist.files is RECORD (csv rows, the path first), else SOURCES.txt (each
# line wrapped in double quotes, then read as csv), else None; an empty RECORD
# counts as missing. Only ``.py`` files count, so ``__pycache__/x.pyc``,
# ``x.pth``, ``x.so`` and the metadata directory's own files are not names,
# while ``setup.py`` in a SOURCES.txt is, and so is ``..`` for ``../../bin/x.py``.
#
# Other versions differ:
# - 3.10 reads top_level.txt only (packages_distributions() is new in 3.10);
# - 3.12 and later (importlib_metadata 6.1-6.7) infer from every file, not only
#   ``.py`` ones: the first part of a file in a directory, else the module name
#   by inspect.getmodulename() (so ``_ext.cpython-312-x86_64-linux-gnu.so`` ->
#   ``_ext``), else the whole name; then they drop names containing a dot
#   (``x.pth``, ``x.dist-info``) but keep ``__pycache__`` and ``bin``. Their
#   ``files`` also read ``installed-files.txt`` (paths relative to the egg-info
#   directory) before SOURCES.txt, and leave out the files that do not exist.
# This module follows 3.11, so installed-files.txt is not read.


def _top_level(path: str, problems: list[str]) -> tuple[tuple[str, ...], TopLevelSource | None]:
    declared = (_read_text(path, "top_level.txt", problems) or "").split()
    if declared:
        return tuple(dict.fromkeys(declared)), "top_level.txt"
    record = _read_text(path, "RECORD", problems)
    if record:
        return _inferred(record.splitlines(), _join(path, "RECORD"), problems), "RECORD"
    sources = _read_text(path, "SOURCES.txt", problems)
    if sources is not None:
        lines = [f'"{line}"' for line in sources.splitlines()]
        return _inferred(lines, _join(path, "SOURCES.txt"), problems), "SOURCES.txt"
    return (), None


def _inferred(lines: list[str], where: str, problems: list[str]) -> tuple[str, ...]:
    names: set[str] = set()
    for file in map(PurePosixPath, record_paths(lines, where, problems)):
        if file.suffix == ".py":
            names.add(file.parts[0] if len(file.parts) > 1 else file.with_suffix("").name)
    return tuple(sorted(names))


def recorded_files(dist: Distribution, problems: list[str]) -> tuple[str, ...]:
    """The files a distribution's RECORD lists (as written: relative to its site directory, "/"
    between parts); none for a distribution with no RECORD (an egg-info, say)."""
    if dist.kind != "dist-info":
        return ()
    record = _read_text(dist.path, "RECORD", problems)
    return tuple(record_paths(record.splitlines(), _join(dist.path, "RECORD"), problems)) if record else ()


def record_paths(lines: list[str], where: str, problems: list[str]) -> list[str]:
    """The paths of a RECORD's (or a quoted SOURCES.txt's) rows, as importlib.metadata reads them:
    csv rows with the path first; a malformed row is a problem and skipped."""
    paths: list[str] = []
    rows = csv.reader(lines)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(f"{where}:{rows.line_num}: malformed line ({error}); the rest of the file is skipped")
            break
        if not row:
            continue  # a blank line (importlib.metadata fails on it)
        if len(row) > 3 or not _size_ok(row):
            problems.append(f"{where}:{rows.line_num}: malformed entry {','.join(row)!r}; skipped")
            continue
        paths.append(row[0])
    return paths


def _size_ok(row: list[str]) -> bool:
    """importlib.metadata's ``int(size)`` succeeds on the row's size field (when it has one)."""
    if len(row) < 3 or not row[2]:
        return True
    try:
        int(row[2])
    except ValueError:
        return False
    return True


# --- declared dependencies -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeclaredRequirement:
    """One requirement as a project declares it.

    ``name`` is normalised; ``text`` is the requirement as written. ``path`` is
    the file it is written in; ``line`` its (first) line in a requirements
    file, None in pyproject.toml, whose ``table`` names where it is:
    ``project.dependencies``, ``project.optional-dependencies.EXTRA`` or
    ``dependency-groups.GROUP``. ``optional`` is True for an extra or a group.
    ``marker`` is the environment marker, normalised by ``packaging``.
    """

    name: str
    text: str
    path: str
    line: int | None = None
    table: str | None = None
    optional: bool = False
    marker: str | None = None
    extras: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        """``path:line`` or ``path [table]``."""
        if self.line is not None:
            return f"{self.path}:{self.line}"
        return f"{self.path} [{self.table}]" if self.table else self.path

    @property
    def role(self) -> str:
        """What the declaration is, for a message: ``extra 'http2'``, ``dependency group 'dev'``,
        ``dependency``."""
        table = self.table or ""
        for prefix, kind in _ROLES:
            if table.startswith(prefix):
                return f"{kind} {table[len(prefix) :]!r}"
        return "dependency"


_ROLES = (
    ("project.optional-dependencies.", "extra"),
    ("dependency-groups.", "dependency group"),
    ("extra.", "extra"),  # an installed distribution's Requires-Dist with an extra marker
)


@dataclass(frozen=True, slots=True)
class Declared:
    """What a project declares it depends on.

    ``requirements`` lists every requirement once, where it is written.
    ``groups`` maps each PEP 735 dependency group (as spelt in the file) to its
    members with ``include-group`` entries resolved, included members keeping
    the place they are written. ``project`` is the normalised
    ``[project].name``; ``sources`` the files read.
    """

    requirements: list[DeclaredRequirement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    groups: Mapping[str, tuple[DeclaredRequirement, ...]] = field(default_factory=dict)
    project: str | None = None
    sources: tuple[str, ...] = ()
    unreadable: list[Diagnostic] = field(default_factory=list)  # declaration files there but not readable
    build_requires: frozenset[str] = frozenset()  # [build-system].requires: what setup.py may import

    def names(self, *, optional: bool = True) -> frozenset[str]:
        """The normalised names declared (without the optional ones when ``optional`` is False)."""
        return frozenset(r.name for r in self.requirements if optional or not r.optional)

    def get(self, name: str) -> tuple[DeclaredRequirement, ...]:
        """Every declaration of ``name`` (any spelling)."""
        wanted = normalise(name)
        return tuple(r for r in self.requirements if r.name == wanted)


PYPROJECT = "pyproject.toml"


def declared_dependencies(project_root: str) -> Declared:
    """The dependencies the project at ``project_root`` declares.

    From ``pyproject.toml``: ``[project].dependencies``, each extra of
    ``[project].optional-dependencies`` and each group of
    ``[dependency-groups]``. When it declares none of those (or has no
    ``[project]`` dependencies because they are ``dynamic``, or cannot be
    read), the ``requirements*.txt`` files of the root and ``requirements/*.txt``
    are read too, following their ``-r`` includes.
    """
    problems: list[str] = []
    requirements: list[DeclaredRequirement] = []
    sources: list[str] = []
    groups: dict[str, tuple[DeclaredRequirement, ...]] = {}
    project_name: str | None = None
    read_requirement_files = True
    pyproject = os.path.join(project_root, PYPROJECT)
    unreadable: list[Diagnostic] = []
    data = _load_toml(pyproject, problems, unreadable)
    build_requires: frozenset[str] = frozenset()
    if data is not None:
        sources.append(pyproject)
        build_requires = _build_requires(data, pyproject, problems)
        project_name, declares, dynamic = _read_pyproject(data, pyproject, requirements, groups, problems)
        read_requirement_files = not declares or dynamic
    if read_requirement_files:
        reader = _RequirementsReader(requirements, problems, sources, unreadable, project_root)
        for path in _requirement_files(project_root):
            reader.read(path)
    return Declared(
        requirements, problems, MappingProxyType(groups), project_name, tuple(sources), unreadable, build_requires
    )


def _build_requires(data: dict[str, Any], path: str, problems: list[str]) -> frozenset[str]:
    """The normalised names of ``[build-system].requires``: what the build (``setup.py``) may import."""
    table = data.get("build-system")
    if not isinstance(table, dict) or "requires" not in table:
        return frozenset()
    found = _requirement_list(table["requires"], path, "build-system.requires", True, problems)
    return frozenset(requirement.name for requirement in found)


def _load_toml(path: str, problems: list[str], unreadable: list[Diagnostic]) -> dict[str, Any] | None:
    raw = _read_file(path, CONFIG_MAX_BYTES, problems, unreadable)
    if raw is None:
        return None
    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        problems.append(f"{path}: not UTF-8 ({error.reason} at byte {error.start})")
        return None
    except tomllib.TOMLDecodeError as error:
        problems.append(f"{path}: invalid TOML: {error}")
        return None
    except RecursionError:
        problems.append(f"{path}: invalid TOML: nested too deeply")
        return None
    return data


def _read_pyproject(
    data: dict[str, Any],
    path: str,
    out: list[DeclaredRequirement],
    groups: dict[str, tuple[DeclaredRequirement, ...]],
    problems: list[str],
) -> tuple[str | None, bool, bool]:
    """Add the pyproject's requirements to ``out``; return the project name, whether any table exists, and
    whether its dependencies are dynamic."""
    declares = False
    dynamic = False
    project_name: str | None = None
    project = data.get("project")
    if project is not None and not isinstance(project, dict):
        problems.append(f"{path}: [project] is not a table")
        project = None
    if project is not None:
        name = project.get("name")
        if isinstance(name, str) and name:
            project_name = normalise(name)
        dynamic_fields = project.get("dynamic")
        dynamic = isinstance(dynamic_fields, list) and "dependencies" in dynamic_fields
        if "dependencies" in project:
            declares = True
            out.extend(_requirement_list(project["dependencies"], path, "project.dependencies", False, problems))
        if "optional-dependencies" in project:
            declares = True
            extras = project["optional-dependencies"]
            if not isinstance(extras, dict):
                problems.append(f"{path} [project.optional-dependencies]: not a table")
            else:
                for extra, entries in extras.items():
                    table = f"project.optional-dependencies.{extra}"
                    out.extend(_requirement_list(entries, path, table, True, problems))
    if "dependency-groups" in data:
        declares = True
        raw_groups = data["dependency-groups"]
        if not isinstance(raw_groups, dict):
            problems.append(f"{path} [dependency-groups]: not a table")
        else:
            groups.update(_dependency_groups(raw_groups, path, out, problems))
    return project_name, declares, dynamic


def _requirement_list(
    entries: object, path: str, table: str, optional: bool, problems: list[str]
) -> list[DeclaredRequirement]:
    if not isinstance(entries, list):
        problems.append(f"{path} [{table}]: not an array of requirement strings")
        return []
    found: list[DeclaredRequirement] = []
    for entry in entries:
        if not isinstance(entry, str):
            problems.append(f"{path} [{table}]: {entry!r} is not a requirement string")
            continue
        requirement = _parse_requirement(entry, path, None, table, optional, problems)
        if requirement is not None:
            found.append(requirement)
    return found


def _parse_requirement(
    text: str, path: str, line: int | None, table: str | None, optional: bool, problems: list[str]
) -> DeclaredRequirement | None:
    try:
        parsed = Requirement(text)
    except InvalidRequirement as error:
        where = f"{path}:{line}" if line is not None else f"{path} [{table}]"
        reason = str(error).splitlines()[0] if str(error) else "parse error"
        problems.append(f"{where}: invalid requirement {text!r}: {reason}")
        return None
    return DeclaredRequirement(
        name=normalise(parsed.name),
        text=text,
        path=path,
        line=line,
        table=table,
        optional=optional,
        marker=str(parsed.marker) if parsed.marker is not None else None,
        extras=tuple(sorted(parsed.extras)),
    )


def _dependency_groups(
    raw: dict[str, Any], path: str, out: list[DeclaredRequirement], problems: list[str]
) -> dict[str, tuple[DeclaredRequirement, ...]]:
    """PEP 735 groups: each group's own requirements (added to ``out``), then the groups with includes resolved."""
    own: dict[str, list[DeclaredRequirement | str]] = {}  # normalised group -> requirements and included groups
    spelling: dict[str, str] = {}
    for group, entries in raw.items():
        key = normalise(group)
        table = f"dependency-groups.{group}"
        if key in spelling:
            problems.append(f"{path} [{table}]: the same group as {spelling[key]!r} (names are normalised); ignored")
            continue
        spelling[key] = group
        members: list[DeclaredRequirement | str] = []
        own[key] = members
        if not isinstance(entries, list):
            problems.append(f"{path} [{table}]: not an array")
            continue
        for entry in entries:
            if isinstance(entry, str):
                requirement = _parse_requirement(entry, path, None, table, True, problems)
                if requirement is not None:
                    members.append(requirement)
                    out.append(requirement)
            elif _is_include(entry):
                members.append(entry["include-group"])
            else:
                problems.append(f"{path} [{table}]: {entry!r} is neither a requirement nor {{include-group = ...}}")

    resolved: dict[str, tuple[DeclaredRequirement, ...]] = {}

    def resolve(key: str, stack: list[str]) -> tuple[DeclaredRequirement, ...]:
        if key in resolved:
            return resolved[key]
        if key in stack:
            cycle = " -> ".join(spelling[k] for k in [*stack[stack.index(key) :], key])
            problems.append(f"{path} [dependency-groups]: include-group cycle {cycle}")
            return ()
        stack.append(key)
        members: list[DeclaredRequirement] = []
        for member in own[key]:
            if isinstance(member, str):
                included = normalise(member)
                if included not in own:
                    problems.append(
                        f"{path} [dependency-groups.{spelling[key]}]: include-group {member!r} names no group"
                    )
                    continue
                members.extend(resolve(included, stack))
            else:
                members.append(member)
        stack.pop()
        resolved[key] = tuple(dict.fromkeys(members))
        return resolved[key]

    return {spelling[key]: resolve(key, []) for key in own}


def _is_include(entry: object) -> bool:
    """``{include-group = "name"}``, with no other key."""
    return isinstance(entry, dict) and set(entry) == {"include-group"} and isinstance(entry["include-group"], str)


# --- requirements files --------------------------------------------------------------------------------------------


def _requirement_files(root: str) -> list[str]:
    """``requirements*.txt`` in the root, then ``requirements/*.txt``, each sorted by name."""
    found: list[str] = []
    for directory, matches in ((root, _is_root_requirements), (os.path.join(root, "requirements"), _is_txt)):
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        found.extend(
            os.path.join(directory, name)
            for name in names
            if matches(name) and os.path.isfile(os.path.join(directory, name))
        )
    return found


def _is_root_requirements(name: str) -> bool:
    return name.startswith("requirements") and name.endswith(".txt")


def _is_txt(name: str) -> bool:
    return name.endswith(".txt")


# pip's requirements-file syntax (pip._internal.req.req_file): comments start
# a line or follow whitespace; a line ending in a backslash continues on the
# next; the requirement is what comes before the first token starting with "-",
# options follow. These are the options pip accepts there, with whether they
# take a value; long options may be abbreviated, as optparse allows.
_COMMENT = re.compile(r"(^|\s+)#.*$")
_OPTIONS: dict[str, bool] = {
    "--index-url": True,
    "--extra-index-url": True,
    "--no-index": False,
    "--constraint": True,
    "--requirement": True,
    "--editable": True,
    "--find-links": True,
    "--no-binary": True,
    "--only-binary": True,
    "--prefer-binary": False,
    "--require-hashes": False,
    "--pre": False,
    "--trusted-host": True,
    "--use-feature": True,
    "--global-option": True,
    "--hash": True,
    "--config-settings": True,
}
_SHORT = {"-i": "--index-url", "-c": "--constraint", "-r": "--requirement", "-e": "--editable", "-f": "--find-links"}
_VCS = re.compile(r"^(git|hg|svn|bzr)(\+[a-z0-9]+)?$")
_ARCHIVES = (
    ".zip",
    ".whl",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
    ".tar.gz",
    ".tgz",
    ".tar",
)


def read_requirements(path: str, root: str) -> list[DeclaredRequirement]:
    """The requirements of one requirements file (and the files its ``-r`` lines include, inside
    ``root``), as pip reads them; what cannot be read or understood is left out."""
    found: list[DeclaredRequirement] = []
    _RequirementsReader(found, [], [], [], root).read(path)
    return found


class _RequirementsReader:
    """Reads requirements files, each once, following ``-r`` includes."""

    def __init__(
        self,
        out: list[DeclaredRequirement],
        problems: list[str],
        sources: list[str],
        unreadable: list[Diagnostic],
        root: str,
    ) -> None:
        self.root = root  # -r includes stay inside the project: a tree cannot make depscan read outside it
        self.out = out
        self.problems = problems
        self.sources = sources
        self.unreadable = unreadable
        self.seen: set[str] = set()

    def read(self, path: str, included_at: tuple[str, int] | None = None) -> None:
        """Read ``path`` (``included_at``: the file and line of the ``-r`` that names it)."""
        key = os.path.realpath(path)
        if key in self.seen:
            return
        self.seen.add(key)
        raw = read_bytes(path, CONFIG_MAX_BYTES)  # `-r /dev/zero` is refused, not read forever
        if not isinstance(raw, bytes):
            self.problems.append(f"{path}: cannot read: {raw.message}")
            if included_at is not None:
                raw = Diagnostic(raw.code, f"cannot read {path}: {raw.message}", *included_at)
            self.unreadable.append(raw)
            return
        self.sources.append(path)  # (read, if not understood: its problems are placed in it)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            at = raw.count(b"\n", 0, error.start) + 1
            self.problems.append(f"{path}:{at}: not UTF-8 ({error.reason}); file skipped")
            return
        for number, line in _logical_lines(text):
            self._line(path, number, line)

    def _line(self, path: str, number: int, line: str) -> None:
        requirement, options = _break_args_options(line)
        requirement = requirement.strip()
        try:
            tokens = shlex.split(options)
        except ValueError as error:
            self.problems.append(f"{path}:{number}: cannot split the options {options!r}: {error}")
            return
        parsed = self._options(path, number, tokens)
        if requirement:
            if not _unnamed(requirement):
                found = _parse_requirement(requirement, path, number, None, False, self.problems)
                if found is not None:
                    self.out.append(found)
            return
        for option, value in parsed:
            if option == "--requirement":
                self._include(path, number, value)

    def _options(self, path: str, number: int, tokens: list[str]) -> list[tuple[str, str]]:
        parsed: list[tuple[str, str]] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            index += 1
            value: str | None = None
            if token.startswith("--"):
                name, equals, inline = token.partition("=")
                option = _long_option(name)
                if equals:
                    value = inline
            elif token.startswith("-") and len(token) >= 2:
                option = _SHORT.get(token[:2])
                if len(token) > 2:
                    value = token[2:]
            else:
                self.problems.append(f"{path}:{number}: unexpected {token!r} among the options")
                continue
            if option is None:
                self.problems.append(f"{path}:{number}: unknown option {token!r}")
                continue
            if _OPTIONS[option] and value is None:
                if index >= len(tokens):
                    self.problems.append(f"{path}:{number}: option {token!r} needs a value")
                    continue
                value = tokens[index]
                index += 1
            parsed.append((option, value or ""))
        return parsed

    def _include(self, path: str, number: int, target: str) -> None:
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", target):
            self.problems.append(f"{path}:{number}: -r {target}: a URL, not followed")
            return
        included = os.path.normpath(os.path.join(os.path.dirname(path), target))
        if not os.path.exists(included):
            self.problems.append(f"{path}:{number}: -r {target}: no such file {included}")
            return
        if not is_inside(included, self.root):
            self.problems.append(f"{path}:{number}: -r {target}: outside the project, not read")
            return
        self.read(included, (path, number))


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """The lines of a requirements file with continuations joined and comments removed, as pip reads them."""
    for number, joined in _join_lines(enumerate(text.splitlines(), start=1)):
        line = _COMMENT.sub("", joined).strip()
        if line:
            yield number, line


def _join_lines(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """pip's ``join_lines``: a line ending in a backslash (and not a comment) goes on with the next one."""
    first: int | None = None
    pending: list[str] = []
    for number, line in lines:
        if not line.endswith("\\") or _COMMENT.match(line):
            if _COMMENT.match(line):
                line = " " + line  # so that the comment is still removed once joined
            if pending:
                pending.append(line)
                yield first or number, "".join(pending)
                pending = []
            else:
                yield number, line
        else:
            if not pending:
                first = number
            pending.append(line.strip("\\"))
    if pending:
        yield first or 0, "".join(pending)


def _break_args_options(line: str) -> tuple[str, str]:
    """pip's split of a line into the requirement and the options (from the first token starting with ``-``)."""
    tokens = line.split(" ")
    for index, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:index]), " ".join(tokens[index:])
    return line, ""


def _long_option(name: str) -> str | None:
    if name in _OPTIONS:
        return name
    matches = [option for option in _OPTIONS if option.startswith(name)]
    return matches[0] if len(matches) == 1 else None


def _unnamed(requirement: str) -> bool:
    """A URL, a path or an archive file name rather than a named (PEP 508) requirement."""
    head = requirement.split(";", 1)[0].strip()
    if "@" in head:
        head = head.split("@", 1)[0].strip()  # "name @ url" is named; "git+ssh://git@host/..." is not
    if ":" in head:
        scheme = head.split(":", 1)[0].lower()
        if scheme in ("http", "https", "file", "ftp") or _VCS.match(scheme):
            return True
    if "/" in head or "\\" in head or head.startswith((".", "~")):
        return True
    return head.lower().endswith(_ARCHIVES)
