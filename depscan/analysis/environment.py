"""What a review of a dependency update audits: the distributions of an environment, or of a directory of wheels.

Two ways to name every distribution a lock file brings:

* **an environment** (``depscan audit --python PY --installed``): every
  ``*.dist-info`` / ``*.egg-info`` of the target Python's site directories
  (purelib and platlib; a virtual environment's own, not the base Python's),
  never its standard library. The site directories are the audit's targets, and
  each file a distribution's RECORD lists is that distribution's. A file its
  RECORD lists outside the site directories (a console script ``../../../bin/NAME``,
  a data file) is one of its files too when it lies inside the environment (the
  virtual environment's directory, else the Python's prefix), symbolic links
  resolved (:func:`installed_outside`); a RECORD row that leads out of it (an
  absolute path, ``../../../../etc/passwd``, a link out) is listed as refused,
  never read;
* **a directory of wheels** (``depscan audit wheels/``, a directory holding
  ``*.whl`` files and no Python source): each wheel is a target (a zip archive
  on the search path, as a wheel is installed), its ``*.dist-info/METADATA``
  gives its name and version, and its members that are not plain source or data
  are listed as a directory's files are (:func:`depscan.analysis.treefiles.archive_files`).

Metadata is read as text by the project's safe readers (the site directory's
files by :mod:`depscan.source`, a wheel's members through
:class:`~depscan.resolve.finders.ZipDirectory`, bounded); nothing is imported
or run, and no interpreter is started.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from depscan.analysis.distributions import (
    distribution_from_metadata,
    installed_distributions,
    normalise,
    recorded_files,
)
from depscan.analysis.treefiles import TreeFile, archive_files, installed_file
from depscan.model.diagnostics import Diagnostic
from depscan.resolve.finders import ZipDirectory
from depscan.resolve.interpreter import Interpreter
from depscan.source import METADATA_MAX_BYTES, is_inside

WHEEL_SUFFIX = ".whl"


@dataclass(frozen=True, kw_only=True)
class Shipped:
    """A distribution the review audits: installed in the environment, or a wheel."""

    name: str
    version: str | None
    license: str | None
    origin: str  # "installed" (its metadata directory in a site directory) or "wheel"
    path: str  # the *.dist-info (*.egg-info) directory, or the wheel

    @property
    def key(self) -> str:
        """The name that compares across audits (PEP 503)."""
        return normalise(self.name)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "license": self.license,
            "origin": self.origin,
            "path": self.path,
        }


@dataclass(frozen=True)
class Outside:
    """A file an installed distribution's RECORD lists outside the site directories: read when it lies
    inside the environment (``refused`` None), else listed with why it is not."""

    path: str  # normalised (for a refused row, where it would lead)
    relative: str  # to the environment's directory ("bin/NAME"); a refused row: as the RECORD writes it
    refused: str | None = None


@dataclass
class Shipment:
    """The targets to audit and the distributions they hold, with what could not be read (``problems``)."""

    targets: list[str]
    distributions: list[Shipped] = field(default_factory=list)
    wheels: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files: dict[str, Shipped] = field(default_factory=dict)  # a file (its normalised path) -> its distribution
    outside: list[Outside] = field(default_factory=list)  # files of installed distributions outside the sites
    tops: dict[str, Shipped] = field(default_factory=dict)  # a top-level name, for distributions without RECORD
    # The directories of wheels among the targets: what else they hold is listed as a tree's files.
    wheel_directories: list[str] = field(default_factory=list)

    def owner(self, path: str | None, module: str) -> Shipped | None:
        """The distribution a module (found in ``path``) or a file belongs to: the wheel it is in, the
        RECORD that lists it, else the one whose top-level names hold it (an egg-info has no RECORD)."""
        if path and os.path.isabs(path):
            for wheel in self.wheels:
                if path.startswith(wheel + os.sep):
                    return self.files[wheel]
            found = self.files.get(os.path.normpath(path)) or self.files.get(os.path.realpath(path))
            if found is not None:
                return found
        return self.tops.get(module.partition(".")[0]) if module else None


def shipment(targets: Sequence[str], interp: Interpreter | None, zips: ZipDirectory) -> Shipment:
    """The targets with each directory of wheels replaced by its wheels, plus, with ``interp`` (the
    review of an environment), the interpreter's site directories; and the distributions of both."""
    expanded: list[str] = []
    found = Shipment(targets=expanded)
    for target in targets:
        wheels = _wheels_in(target)
        if wheels:
            found.wheel_directories.append(os.path.abspath(target))
        expanded += wheels or [target]
    for target in list(expanded):
        if target.lower().endswith(WHEEL_SUFFIX) and os.path.isfile(target):
            wheel = os.path.abspath(target)
            shipped = read_wheel(wheel, zips, found.problems)
            found.wheels.append(wheel)
            found.files[wheel] = shipped
            found.distributions.append(shipped)
    if interp is not None:
        sites = environment_site_dirs(interp)
        found.targets += sites
        _add_installed(found, sites, interp.venv or interp.prefix)
    found.distributions.sort(key=lambda d: (d.key, d.version or "", d.path))
    return found


def _wheels_in(directory: str) -> list[str]:
    """The wheels of a directory of wheels (``*.whl`` regular files directly in it, no Python source
    there), sorted; none for any other target. A link named ``*.whl`` is not followed (nor a FIFO or
    a device read): it is listed with the directory's other files (see :attr:`Shipment.wheel_directories`)."""
    if not os.path.isdir(directory):
        return []
    try:
        with os.scandir(directory) as listing:
            names = sorted(entry.name for entry in listing if _regular(entry))
    except OSError:
        return []
    if any(name.endswith((".py", ".pyw")) for name in names):
        return []  # a source directory that happens to hold a wheel: its files are listed as the tree's
    return [os.path.join(directory, name) for name in names if name.lower().endswith(WHEEL_SUFFIX)]


def _regular(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def environment_site_dirs(interp: Interpreter) -> list[str]:
    """The site directories whose distributions an environment has: a virtual environment's own
    (not the base Python's, even with ``include-system-site-packages``), else the interpreter's;
    each once (``lib64`` is often a link to ``lib``), those that exist."""
    dirs = [d for d in interp.site_dirs if not interp.venv or is_inside(d, interp.venv)]
    seen: set[str] = set()
    found = []
    for directory in dirs:
        real = os.path.realpath(directory)
        if real not in seen and os.path.isdir(directory):
            seen.add(real)
            found.append(directory)
    return found


def _add_installed(found: Shipment, sites: Sequence[str], prefix: str) -> None:
    installed = installed_distributions(sites)
    found.problems += installed.problems
    for dist in installed:
        shipped = Shipped(
            name=dist.name,
            version=dist.version,
            license=dist.license,
            origin="installed",
            path=dist.path,
        )
        found.distributions.append(shipped)
        files = recorded_files(dist, found.problems)
        for row in files:
            outside = _outside(dist.site_dir, row, sites, prefix)
            path = outside.path if outside is not None else _recorded_path(dist.site_dir, row)
            if path not in found.files and outside is not None:
                found.outside.append(outside)
            found.files.setdefault(path, shipped)
        if not files:
            for name in dist.top_level:
                found.tops.setdefault(name, shipped)
    found.outside.sort(key=lambda o: o.path)


def _recorded_path(site_dir: str, row: str) -> str:
    """Where a RECORD row leads: relative to the site directory, or as written when absolute."""
    if os.path.isabs(row) or row.startswith("/"):
        return os.path.normpath(row)
    return os.path.normpath(os.path.join(site_dir, *row.split("/")))


def _outside(site_dir: str, row: str, sites: Sequence[str], prefix: str) -> Outside | None:
    """A RECORD row that leads out of every site directory, with why it is refused when it leads out of
    the environment (``prefix``) too: an absolute path, a way out by ``..``, or a symbolic link out
    (resolved, not read); None for a file of a site directory (the audit's walk lists it)."""
    path = _recorded_path(site_dir, row)
    if "\0" in row:  # csv reads it; no file is named so, and the OS refuses the name (ValueError)
        return Outside(path, row, "a NUL in the path")
    if any(_lexically_inside(path, site) or is_inside(path, site) for site in sites):
        return None  # the audit's walk of the site directory lists it (a link out of it as a link)
    if os.path.isabs(row) or row.startswith("/"):
        return Outside(path, row, "an absolute path")
    if not _lexically_inside(path, prefix):
        return Outside(path, row, f"outside the environment ({prefix})")
    if not is_inside(path, prefix):
        return Outside(path, row, f"a symbolic link out of the environment (to {os.path.realpath(path)})")
    return Outside(path, os.path.relpath(path, prefix).replace(os.sep, "/"))


def _lexically_inside(path: str, directory: str) -> bool:
    top = os.path.normpath(os.path.abspath(directory))
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def installed_outside(found: Shipment, version: tuple[int, ...]) -> list[TreeFile]:
    """The files installed distributions keep outside their site directories (:class:`Outside`): those
    inside the environment that are not plain data, read and hashed as a tree's are; those refused,
    listed as refused (kind ``refused``) with the reason, nothing read."""
    files = []
    for item in found.outside:
        if item.refused is not None:
            detail = "a file its RECORD lists that leads out of the environment"
            files.append(
                TreeFile(path=item.path, relative=item.relative, kind="refused", detail=detail, problem=item.refused)
            )
        else:
            listed = installed_file(item.path, item.relative, version)
            files += [listed] if listed is not None else []
    return files


def read_wheel(wheel: str, zips: ZipDirectory, problems: list[str]) -> Shipped:
    """A wheel's name, version and licence from its ``*.dist-info/METADATA``; from its file name
    (``name-version-...whl``) when that cannot be read, with a problem saying why."""
    stem = os.path.basename(wheel)[: -len(WHEEL_SUFFIX)]
    file_name, _, rest = stem.partition("-")
    file_version = rest.partition("-")[0] or None
    fallback = Shipped(name=file_name, version=file_version, license=None, origin="wheel", path=wheel)
    members = zips.members(wheel)
    if members is None:
        problems.append(f"{wheel}: not a usable zip archive; name and version from the file name")
        return fallback
    member = _metadata_member(members, file_name)
    if member is None:
        problems.append(f"{wheel}: no *.dist-info/METADATA; name and version from the file name")
        return fallback
    data = zips.read(wheel, member, METADATA_MAX_BYTES)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else None
    if text is None:
        problems.append(f"{wheel}: {member}: {data.message if isinstance(data, Diagnostic) else 'unreadable'}")
        return fallback
    where = os.path.join(wheel, *member.split("/"))
    dist = distribution_from_metadata(text, wheel, wheel, file_name, problems, where=where)
    return Shipped(name=dist.name, version=dist.version, license=dist.license, origin="wheel", path=wheel)


def _metadata_member(members: frozenset[str], file_name: str) -> str | None:
    """``NAME-VERSION.dist-info/METADATA`` at the top of the wheel: the one whose name is the file
    name's when there are several (a wheel that bundles another's metadata)."""
    candidates = sorted(
        m for m in members if m.count("/") == 1 and m.endswith("/METADATA") and m.split("/")[0].endswith(".dist-info")
    )
    same = [
        m
        for m in candidates
        if normalise(m.split("/")[0][: -len(".dist-info")].partition("-")[0]) == normalise(file_name)
    ]
    return same[0] if same else candidates[0] if candidates else None


def wheel_files(
    found: Shipment, modules: Collection[str], zips: ZipDirectory, version: tuple[int, ...]
) -> list[TreeFile]:
    """The members of each wheel that are not plain source or data (:func:`archive_files`); an
    extension member names the module it would be once installed, when the scan found that module
    (its pure-Python twin, read from the wheel: an installed extension is found before it)."""

    def module_of(member: str) -> str | None:
        parts = member.split("/")
        if not parts[-1].endswith((".so", ".pyd")):
            return None
        stem = parts[-1].split(".", 1)[0]
        name = ".".join([*parts[:-1], stem])
        return name if name in modules else None

    files: list[TreeFile] = []
    for wheel in found.wheels:
        files += archive_files(wheel, zips, version, module_of)
    return files
