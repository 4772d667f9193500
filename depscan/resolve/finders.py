"""Path entry finders: where a module would be found inside one ``sys.path`` entry.

Two kinds of entry exist, as in importlib's default ``sys.path_hooks``: a zip
archive (zipimport: the archive, or a directory inside it) and a directory
(``FileFinder``). Each entry is listed once and cached, so every lookup after
that is a set membership test. Nothing is imported or executed; a zip's
central directory is read with :mod:`zipfile`.
"""

from __future__ import annotations

import os
import stat
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from depscan.model.records import Diagnostic

Kind = Literal["source", "bytecode", "extension", "namespace"]


@dataclass(frozen=True, slots=True)
class Found:
    """A module (or one portion of a namespace package) found in an entry.

    ``origin`` is what ``find_spec(...).origin`` says (None for a namespace
    portion); ``locations`` the package's ``submodule_search_locations``.
    ``archive`` is set when the module is inside a zip file.
    """

    kind: Kind
    is_package: bool
    origin: str | None
    locations: tuple[str, ...] = ()
    archive: str | None = None


@dataclass(frozen=True, slots=True)
class Suffixes:
    """The file suffixes of the target, in FileFinder's order of loaders."""

    extension: tuple[str, ...]
    source: tuple[str, ...] = (".py",)
    bytecode: tuple[str, ...] = (".pyc",)

    def ordered(self) -> list[tuple[str, Kind]]:
        kinds: list[tuple[str, Kind]] = [(s, "extension") for s in self.extension]
        kinds += [(s, "source") for s in self.source]
        kinds += [(s, "bytecode") for s in self.bytecode]
        return kinds


class FileSystem:
    """Directory listings and file-kind checks, each done once.

    A listing maps a name to ``"f"`` (a regular file, after symlinks), ``"d"``
    (a directory) or ``"o"`` (anything else: a FIFO, a dangling link, a loop).
    """

    def __init__(self) -> None:
        self._listings: dict[str, dict[str, str] | None] = {}
        self.diagnostics: list[Diagnostic] = []

    @property
    def listings(self) -> dict[str, dict[str, str] | None]:
        """Every directory listed so far, with what was in it (None: no directory there)."""
        return self._listings

    def listing(self, path: str) -> dict[str, str] | None:
        try:
            return self._listings[path]
        except KeyError:
            pass
        result: dict[str, str] | None
        try:
            with os.scandir(path) as entries:
                result = {}
                for entry in entries:
                    try:
                        if entry.is_file():
                            result[entry.name] = "f"
                        elif entry.is_dir():
                            result[entry.name] = "d"
                        else:
                            result[entry.name] = "o"
                    except OSError:  # a symlink loop, a vanished file
                        result[entry.name] = "o"
        except FileNotFoundError:
            result = None
        except NotADirectoryError:
            result = None
        except ValueError:  # a NUL in the path (an editable finder's MAPPING is the tree's data): no directory
            result = None
        except OSError as exc:
            self.diagnostics.append(
                Diagnostic("DS012", f"cannot list directory: {exc.strerror}", path, severity="warning")
            )
            result = None
        self._listings[path] = result
        return result

    def kind(self, path: str) -> str | None:
        """``"f"``, ``"d"``, ``"o"``, or None when nothing is there."""
        directory, name = os.path.split(path)
        listing = self.listing(directory or ".")
        if listing is not None:
            return listing.get(name)
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError):
            return None
        return "f" if stat.S_ISREG(mode) else "d" if stat.S_ISDIR(mode) else "o"


class DirectoryFinder:
    """importlib's ``FileFinder`` for one directory, over a cached listing."""

    def __init__(self, path: str, suffixes: Suffixes, fs: FileSystem) -> None:
        self.path = path
        self.fs = fs
        self.order = suffixes.ordered()

    def find(self, tail: str) -> Found | None:
        listing = self.fs.listing(self.path)
        if listing is None:
            return None
        is_namespace = False
        if tail in listing:
            base = os.path.join(self.path, tail)
            inner = self.fs.listing(base) if listing[tail] == "d" else None
            if inner is not None:
                for suffix, kind in self.order:
                    if inner.get("__init__" + suffix) == "f":
                        origin = os.path.join(base, "__init__" + suffix)
                        return Found(kind, True, origin, (base,))
                is_namespace = True
        for suffix, kind in self.order:
            if listing.get(tail + suffix) == "f":
                return Found(kind, False, os.path.join(self.path, tail + suffix))
        if is_namespace:
            return Found("namespace", True, None, (os.path.join(self.path, tail),))
        return None


# zipimport's search order within an archive: bytecode before source, package first.
_ZIP_ORDER: tuple[tuple[str, Kind, bool], ...] = (
    ("/__init__.pyc", "bytecode", True),
    ("/__init__.py", "source", True),
    (".pyc", "bytecode", False),
    (".py", "source", False),
)
MAX_ZIP_MEMBERS = 1_000_000


class ZipFinder:
    """zipimport's ``zipimporter`` for an archive and a prefix inside it.

    ``usable`` says whether a ``.pyc`` member would be used: zipimport skips
    bytecode of another magic number, and timestamp bytecode that is stale
    against the ``.py`` beside it, and falls back to the source.
    """

    def __init__(
        self,
        archive: str,
        prefix: str,
        members: frozenset[str],
        usable: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.archive = archive
        self.prefix = prefix  # "" or "sub/dir/"
        self.members = members
        self.usable = usable

    def find(self, tail: str) -> Found | None:
        base = self.prefix + tail
        for suffix, kind, is_package in _ZIP_ORDER:
            member = base + suffix
            if member in self.members:
                if kind == "bytecode" and self.usable is not None and not self.usable(self.archive, member):
                    continue
                origin = _zip_path(self.archive, member)
                locations = (_zip_path(self.archive, base),) if is_package else ()
                return Found(kind, is_package, origin, locations, self.archive)
        if base + "/" in self.members:  # only an explicit directory entry makes a portion
            return Found("namespace", True, None, (_zip_path(self.archive, base),), self.archive)
        return None


def _zip_path(archive: str, member: str) -> str:
    return os.path.join(archive, *member.split("/"))


MAX_OPEN_ARCHIVES = 16
"""Archives kept open at once; the least recently read is closed beyond this."""

# RuntimeError: an encrypted member, which zipimport cannot read either.
_T = TypeVar("_T")
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError, NotImplementedError, RuntimeError)


class ZipDirectory:
    """Zip archives opened and listed once each; corrupt or absurd archives become diagnostics.

    Each archive stays open for the members read from it: opening one reads its whole central
    directory, and an archive of 8,000 modules opened again for each took 129 s to scan instead
    of 0.8 s (see :meth:`read`).
    """

    def __init__(self, magic: bytes | None = None) -> None:
        self._members: dict[str, frozenset[str] | None] = {}
        self._infos: dict[str, dict[str, zipfile.ZipInfo]] = {}
        self._open: dict[str, zipfile.ZipFile] = {}  # the least recently used first
        self.magic = magic  # the target's MAGIC_NUMBER, when known
        self.diagnostics: list[Diagnostic] = []

    def _handle(self, archive: str) -> zipfile.ZipFile:
        """The archive, open (raises what :class:`zipfile.ZipFile` raises)."""
        handle = self._open.pop(archive, None)
        if handle is None:
            handle = zipfile.ZipFile(archive)
            if len(self._open) >= MAX_OPEN_ARCHIVES:
                self._open.pop(next(iter(self._open))).close()
        self._open[archive] = handle
        return handle

    def read(self, archive: str, member: str, max_bytes: int | None, *, head: bool = False) -> bytes | Diagnostic:
        """A member's bytes, or why not (DS013 over ``max_bytes``, DS012 unreadable); with ``head``,
        its first ``max_bytes`` however large it is."""
        from depscan.source import read_member

        return self._on_member(
            archive, member, lambda handle, path: read_member(handle, member, path, max_bytes, head=head)
        )

    def digest(self, archive: str, member: str, max_bytes: int) -> tuple[int, str] | Diagnostic:
        """A member's size and SHA-256, hashed as it inflates, or why not."""
        from depscan.source import member_digest

        return self._on_member(archive, member, lambda handle, path: member_digest(handle, member, path, max_bytes))

    def _on_member(
        self, archive: str, member: str, work: Callable[[zipfile.ZipFile, str], _T | Diagnostic]
    ) -> _T | Diagnostic:
        path = _zip_path(archive, member)
        try:
            handle = self._handle(archive)
        except _ZIP_ERRORS as exc:
            return Diagnostic("DS012", f"cannot read from the archive: {exc or type(exc).__name__}", path)
        return work(handle, path)  # bounded: a zip bomb inflates nothing

    def close(self) -> None:
        """Close the archives kept open (they are opened again if read again)."""
        while self._open:
            self._open.popitem()[1].close()

    def usable(self, archive: str, member: str) -> bool:
        """Would zipimport use this ``.pyc`` member? (See its ``_unmarshal_code``.)"""
        if self.magic is None:
            return True
        try:
            with self._handle(archive).open(member) as stream:
                header = stream.read(16)
        except _ZIP_ERRORS:
            return False
        if len(header) < 16 or header[:4] != self.magic:
            return False
        flags = int.from_bytes(header[4:8], "little")
        if flags != 0:
            return True  # hash-based: the source hash is not checked here
        source = self._infos.get(archive, {}).get(member[:-1])
        if source is None:
            return True
        try:
            source_mtime = int(time.mktime((*source.date_time, 0, 0, -1)))
        except (OverflowError, ValueError):
            return False
        stamp = int.from_bytes(header[8:12], "little")
        size = int.from_bytes(header[12:16], "little")
        return abs(stamp - source_mtime) <= 1 and size == source.file_size

    def members(self, archive: str) -> frozenset[str] | None:
        if archive in self._members:
            return self._members[archive]
        result: frozenset[str] | None = None
        try:
            infos = self._handle(archive).infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise zipfile.BadZipFile(f"{len(infos)} members, over the limit of {MAX_ZIP_MEMBERS}")
            result = frozenset(info.filename for info in infos)
            self._infos[archive] = {info.filename: info for info in infos}
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            self.diagnostics.append(
                Diagnostic("DS015", f"not a usable zip archive: {reason}", archive, severity="warning")
            )
        self._members[archive] = result
        return result


def split_archive(
    entry: str, fs: FileSystem, known: dict[str, tuple[str, str] | None] | None = None
) -> tuple[str, str] | None:
    """Split ``dir/archive.zip/sub/dir`` into the archive file and the prefix inside it.

    Walks up the path until a regular file is found, as zipimporter does; None
    when there is none (the entry is then a directory, or nothing). ``known`` holds
    the entries split before: the walk stops at the first of them inside an archive, so
    that each package of an archive 2,000 packages deep (a path entry each) costs one
    step, not a walk of 2,000 look-ups (a 20 MB zip took 39 s to scan, 8x more for 2x the depth).
    """
    path = entry
    rest: list[str] = []
    while True:
        if rest and known is not None and known.get(path) is not None:
            archive, inner = known[path]  # type: ignore[misc]
            return archive, inner + "/".join(reversed(rest)) + "/"
        kind = fs.kind(path)
        if kind == "f":
            prefix = "/".join(reversed(rest))
            return path, (prefix + "/" if prefix else "")
        if kind is not None and not rest:
            return None  # a directory (or a FIFO): not for zipimport
        head, tail = os.path.split(path)
        if head == path or not tail:
            return None
        rest.append(tail)
        path = head
