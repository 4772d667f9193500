"""Every file of an audited tree that is not plain Python source or data, imported or not.

A vendored tree can hold code that no module imports statically but that can
still be loaded or run once it is installed: a native extension or library
(``.so``, ``.so.1``, ``.pyd``, ``.dll``, ``.dylib``), sourceless bytecode, an
executable (its executable bit, a ``#!`` line, or an ELF, Mach-O or PE
header), an archive (``.zip``, ``.whl``, ``.egg``, ``.tar.*``, or any file
that is a zip: ``zipimport`` reads contents, not names) and ``.pth`` files,
whose ``import`` lines ``site`` executes at start-up. :func:`tree_files` lists
each with its size and SHA-256, and for a ``.pth`` file the directories it
would add to ``sys.path`` and the lines it would execute (never executed).

Every file is read by the project's one safe reader (:mod:`depscan.source`):
a FIFO or a device is refused without waiting. The walk enters no linked
directory, and reads no file through a symbolic link that leads out of the
tree: such a link is listed, not followed. Python source (``.py``, ``.pyw``,
``.pyi``) is not read here, nor bytecode cached beside its source
(``__pycache__``), nor the directories of version control (``.git``, ``.hg``,
``.svn``). A virtual environment inside the tree (a ``.venv`` or
``.tox/py312``: see :func:`_is_environment`) is one entry, its files counted,
their sizes added up and their names and contents hashed, listed one by one
only for its ``.pth`` files: shipping one is what an auditor must know, and
listing it file by file showed hundreds of extension modules nothing loads (a
205 MB ``.venv`` of 8,000 files in pip's ``_vendor``: 306 entries). Cost:
one directory listing each, the first bytes of every other file, and a full
read of the files listed.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import os
import re
import stat
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from depscan.model.diagnostics import Diagnostic
from depscan.source import CONFIG_MAX_BYTES, HASH_MAX_BYTES, digest, is_inside, read_bytes, read_with_stat

if TYPE_CHECKING:
    from depscan.resolve.finders import ZipDirectory

PTH_MAX_BYTES = 1024 * 1024  # as the resolver reads a site directory's .pth files
HEAD_BYTES = 64  # enough for a magic number and a #! line
VCS_DIRECTORIES = frozenset({".git", ".hg", ".svn"})
ENVIRONMENT_MARKER = "pyvenv.cfg"  # a directory holding one is a virtual environment: one entry
SOURCE_SUFFIXES = (".py", ".pyw", ".pyi")
ARCHIVE_SUFFIXES = (".zip", ".whl", ".egg", ".pyz", ".tar", ".tgz", ".tbz2", ".txz", ".tar.gz", ".tar.bz2", ".tar.xz")
_VERSIONED_LIBRARY = re.compile(r"\.so(?:\.\d+)+$")
# The first bytes of a file that is machine code, or a zip archive (which zipimport can load whatever its name).
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x7fELF", "executable", "ELF machine code"),
    (b"MZ", "executable", "PE (Windows) machine code"),
    (b"\xfe\xed\xfa\xce", "executable", "Mach-O machine code"),
    (b"\xfe\xed\xfa\xcf", "executable", "Mach-O machine code"),
    (b"\xce\xfa\xed\xfe", "executable", "Mach-O machine code"),
    (b"\xcf\xfa\xed\xfe", "executable", "Mach-O machine code"),
    (b"\xca\xfe\xba\xbe", "executable", "Mach-O universal machine code"),
    (b"PK\x03\x04", "archive", "a zip archive by its content (zipimport reads any name)"),
)


@dataclass(frozen=True)
class PthLine:
    line: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "text": self.text}


@dataclass(frozen=True, kw_only=True)
class TreeFile:
    """A file of the tree that is not plain source or data: what it is, its size and hash."""

    path: str
    relative: str  # to the audited directory, with "/"
    kind: str  # extension, native-library, bytecode, executable, archive, pth, link, unread, environment, refused
    detail: str
    size: int | None = None
    sha256: str | None = None
    module: str | None = None  # the module the scan found in it: imported; None: no module imports it
    problem: str | None = None  # why it was not read (a FIFO, a device, too large, a link out of the tree)
    pth_paths: tuple[PthLine, ...] = ()  # what site would add to sys.path (when the directory exists)
    pth_imports: tuple[PthLine, ...] = ()  # what site would execute at start-up

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "path": self.path,
            "relative": self.relative,
            "kind": self.kind,
            "detail": self.detail,
            "size": self.size,
            "sha256": self.sha256,
            "module": self.module,
            "problem": self.problem,
        }
        if self.kind == "pth":
            document["pth"] = {
                "paths": [p.to_json() for p in self.pth_paths],
                "imports": [p.to_json() for p in self.pth_imports],
            }
        return document


def tree_files(
    directories: Sequence[str],
    modules: Mapping[str, str],
    version: tuple[int, ...],
    audited: Collection[str] = (),
    read: Mapping[str, tuple[str, str | None]] | None = None,
) -> list[TreeFile]:
    """The files of ``directories`` that are not plain source or data, sorted by path. ``modules`` maps
    a file (its real path) to the module the scan found in it; ``version`` is the Python that reads ``.pth``
    files (their encoding changed in 3.13); ``audited``: files audited as targets of their own (the
    wheels of a directory of wheels), not listed again; ``read`` maps the source files the scan read
    (links unresolved) to their modules, and why nothing of one could be read or parsed: a link out of
    the tree that an import goes through is said so."""
    found: dict[str, TreeFile] = {}
    holding = {os.path.dirname(path) for path in modules}  # the directories modules were found in
    through = _Through(read or {})
    for directory in directories:
        top = os.path.abspath(directory)
        for entry in _walk(top, found, holding):
            if entry.path in audited and not entry.is_symlink():
                continue
            item = _examine(entry, top, modules, version, through)
            if item is not None:
                found[item.path] = item
    return [found[path] for path in sorted(found)]


class _Through:
    """The module read through a path (a file, or a directory and what is under it), looked up in
    the sorted files the scan read: a tree of many links costs no product of links and files."""

    def __init__(self, read: Mapping[str, tuple[str, str | None]]) -> None:
        self.read = read
        self.files = sorted(read)

    def __call__(self, path: str) -> tuple[str, str | None] | None:
        """The module read at ``path`` or, for a directory, the shortest-named one under it (its
        package), with why nothing of it could be read or parsed; None when none was read there."""
        if path in self.read:
            return self.read[path]
        under = path + os.sep
        found: list[tuple[int, str, str | None]] = []
        for file in itertools.islice(self.files, bisect.bisect_left(self.files, under), None):
            if not file.startswith(under):
                break
            name, failed = self.read[file]
            found.append((len(name), name, failed))
        return min(found)[1:] if found else None


def _walk(top: str, found: dict[str, TreeFile], holding: set[str]) -> Iterator[os.DirEntry[str]]:
    """Every entry under ``top`` that is not a directory, top down in sorted order; links to
    directories are not entered, a directory that cannot be listed is said in ``found``, and so is a
    virtual environment, of which only the ``.pth`` files are given."""
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            found[directory] = TreeFile(
                path=directory,
                relative=_relative(directory, top),
                kind="unread",
                detail="a directory that could not be listed: what it holds is unknown",
                problem=reason,
            )
            continue
        if directory != top and _is_environment(directory, entries, holding):
            found[directory], held = _environment(directory, top)
            yield from (entry for entry in held if entry.name.endswith(".pth"))  # what its start-up runs
            continue
        subdirectories = []
        for entry in entries:
            if _is_directory(entry):
                if entry.name not in VCS_DIRECTORIES:
                    subdirectories.append(entry.path)
            else:
                yield entry
        stack.extend(reversed(subdirectories))


def _is_environment(directory: str, entries: Sequence[os.DirEntry[str]], holding: set[str]) -> bool:
    """Whether ``directory`` is a virtual environment to show as one entry: its ``pyvenv.cfg`` names
    the Python it was made from (``home =``), it has a site-packages directory, and no module the
    scan found lies in it. (An empty ``pyvenv.cfg`` put beside a vendored package's files must not
    turn them into one line: they are listed one by one.)"""
    marker = next((e for e in entries if e.name == ENVIRONMENT_MARKER and _is_file(e)), None)
    if marker is None or any(place == directory or is_inside(place, directory) for place in holding):
        return False
    text = read_bytes(marker.path, CONFIG_MAX_BYTES)
    if isinstance(text, Diagnostic) or _HOME.search(text) is None:
        return False
    windows = os.path.join(directory, "Lib")  # Lib\site-packages; elsewhere lib/pythonX.Y/site-packages
    if not os.path.islink(windows) and os.path.isdir(os.path.join(windows, "site-packages")):
        return True
    return any(_site_packages(os.path.join(directory, lib)) for lib in ("lib", "lib64"))


_HOME = re.compile(rb"^[ \t]*home[ \t]*=", re.MULTILINE)


def _site_packages(lib: str) -> bool:
    """``lib`` (not a link) holds ``pythonX.Y/site-packages``."""
    if os.path.islink(lib) or not os.path.isdir(lib):
        return False
    try:
        names = os.listdir(lib)
    except OSError:
        return False
    return any(name.startswith("python") and os.path.isdir(os.path.join(lib, name, "site-packages")) for name in names)


def _environment(directory: str, top: str) -> tuple[TreeFile, list[os.DirEntry[str]]]:
    """A virtual environment inside the tree, as one entry: how many files, their total size, and a
    hash of their names and contents (a change to any of them makes it a new entry for a baseline),
    each read by the safe reader; and its files, for the caller to look at some of them."""
    held: list[os.DirEntry[str]] = []
    stack = [directory]
    while stack:  # links to directories: not entered
        with contextlib.suppress(OSError), os.scandir(stack.pop()) as listing:
            for entry in listing:
                if _is_directory(entry):
                    stack.append(entry.path)
                else:
                    held.append(entry)
    listing_lines: list[str] = []
    total = 0
    for entry in held:
        hashed = digest(entry.path) if _is_file(entry) else None
        if isinstance(hashed, tuple):
            total += hashed[0]
            shown = f"{hashed[0]}\0{hashed[1]}"
        else:  # a link, a FIFO, a device, too large: what it is, not its content
            shown = "link" if entry.is_symlink() else "not read"
        listing_lines.append(f"{_relative(entry.path, directory)}\0{shown}\n")
    contents = hashlib.sha256("".join(sorted(listing_lines)).encode("utf-8", "surrogateescape")).hexdigest()
    item = TreeFile(
        path=directory,
        relative=_relative(directory, top),
        kind="environment",
        detail=f"a virtual environment ({ENVIRONMENT_MARKER}) of {len(held):,} files, not listed one by one"
        " but for its .pth files (its hash is of their names and contents)",
        size=total,
        sha256=contents,
    )
    return item, sorted(held, key=lambda e: e.path)


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def _is_directory(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _examine(
    entry: os.DirEntry[str],
    top: str,
    modules: Mapping[str, str],
    version: tuple[int, ...],
    through: Callable[[str], tuple[str, str | None] | None],
) -> TreeFile | None:
    path = entry.path
    relative = _relative(path, top)
    link = _link_out(entry, top)
    if link is not None:
        # An import that reaches a module through the link is followed, as Python follows it: the
        # module is audited where it lies. Only a link nothing imports is left unread.
        followed = through(path)
        if followed is not None:
            module, failed = followed
            how = "which an import follows as Python does"
            if module == "__main__":  # (no import finds a file as __main__: it is the script named)
                how = "which is named as the script to run"
            detail = f"{link}, {how}: " + ("read and audited" if failed is None else "not analysed")
            return TreeFile(path=path, relative=relative, kind="link", detail=detail, module=module, problem=failed)
        return TreeFile(path=path, relative=relative, kind="link", detail=link, problem="not followed")
    if os.path.isdir(path):  # a link to a directory of the tree: not entered
        return None
    named = _kind_by_name(entry.name, path)
    if named is None:
        return _by_content(path, relative, modules)
    if not named:
        return None
    return _named(path, relative, named, modules.get(os.path.realpath(path)), version)


def _named(path: str, relative: str, named: tuple[str, str], module: str | None, version: tuple[int, ...]) -> TreeFile:
    """A file whose name says what it is, hashed; a ``.pth`` file with its lines."""
    kind, detail = named
    item = _hashed(path, relative, kind, detail, module)
    return _with_pth(item, version) if kind == "pth" and item.problem is None else item


def _relative(path: str, top: str) -> str:
    relative = os.path.relpath(path, os.path.dirname(top))
    return relative.replace(os.sep, "/")


def _link_out(entry: os.DirEntry[str], top: str) -> str | None:
    """For a symbolic link that leads out of the tree (or nowhere), what it is; None for anything else."""
    try:
        if not entry.is_symlink():
            return None
        target = os.readlink(entry.path)
    except OSError:
        return None
    if not os.path.exists(entry.path):
        return f"a dangling symbolic link (to {target})"
    if is_inside(entry.path, top):
        return None
    return f"a symbolic link out of the tree (to {target})"


def _kind_by_name(
    name: str, path: str, exists: Callable[[str], bool] = os.path.exists
) -> tuple[str, str] | tuple[()] | None:
    """(kind, detail) for a name that says what the file is; ``()`` for plain source (and bytecode cached
    beside it: ``exists`` tells whether a source file is), not looked at; None when the contents must tell."""
    lowered = name.lower()
    if lowered.endswith(SOURCE_SUFFIXES):
        return ()
    if lowered.endswith(".pth"):
        return "pth", "a .pth file: site reads it at start-up when it is in a site directory"
    if lowered.endswith((".pyc", ".pyo")):
        return _bytecode(name, path, exists)
    if lowered.endswith((".so", ".pyd")):
        return "extension", "a native extension module (or shared library): machine code"
    if _VERSIONED_LIBRARY.search(lowered) or lowered.endswith((".dll", ".dylib")):
        return "native-library", "a shared library: machine code, loadable through ctypes or cffi"
    if lowered.endswith(ARCHIVE_SUFFIXES):
        return "archive", "an archive: its contents are not audited"
    return None


def _bytecode(name: str, path: str, exists: Callable[[str], bool]) -> tuple[str, str] | tuple[()]:
    directory = os.path.dirname(path)
    if os.path.basename(directory) != "__pycache__":
        return "bytecode", "sourceless bytecode: importable, with no source to review"
    source = os.path.join(os.path.dirname(directory), name.split(".", 1)[0] + ".py")
    if exists(source):
        return ()  # the cache of a source file of the tree
    return "bytecode", "cached bytecode whose source is not in the tree"


def _by_content(path: str, relative: str, modules: Mapping[str, str]) -> TreeFile | None:
    """A file whose name says nothing: an executable or an archive by its mode or first bytes."""
    read = read_with_stat(path, HEAD_BYTES, head=True)
    if isinstance(read, Diagnostic):
        return TreeFile(
            path=path, relative=relative, kind="unread", detail="what it is is unknown", problem=read.message
        )
    head, info = read
    told = _kind_by_content(head)
    if told is not None:
        kind, detail = told
        module = modules.get(os.path.realpath(path)) if kind != "script" else None
        return _hashed(path, relative, "executable" if kind == "script" else kind, detail, module)
    if info.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH):
        return _hashed(path, relative, "executable", "a file with the executable bit", None)
    return None


def installed_file(path: str, relative: str, version: tuple[int, ...]) -> TreeFile | None:
    """A file a distribution installed outside its site directory (a console script in ``bin/``, a data
    file), known to lie inside the environment: by its name as a tree's file is, else an executable by
    its mode or first bytes, whatever its name (on ``PATH``, a ``.py`` with the executable bit runs too);
    None for plain data. Read by the safe reader, as every file of a tree."""
    named = _kind_by_name(os.path.basename(path), path)
    if not named:
        return _by_content(path, relative, {})
    return _named(path, relative, named, None, version)


def _kind_by_content(head: bytes) -> tuple[str, str] | None:
    """(kind, detail) from a file's first bytes: machine code, a zip archive, or ("script", ...) for a ``#!`` line."""
    for magic, kind, detail in _MAGIC:
        if head.startswith(magic):
            return kind, detail
    if head.startswith(b"#!"):
        line = head[2:].split(b"\n", 1)[0].strip().decode("utf-8", "replace")
        return "script", f"a script (#!{line})"
    return None


def _hashed(path: str, relative: str, kind: str, detail: str, module: str | None) -> TreeFile:
    facts = digest(path)
    if isinstance(facts, Diagnostic):
        return TreeFile(path=path, relative=relative, kind=kind, detail=detail, module=module, problem=facts.message)
    size, sha256 = facts
    return TreeFile(path=path, relative=relative, kind=kind, detail=detail, size=size, sha256=sha256, module=module)


def _with_pth(item: TreeFile, version: tuple[int, ...]) -> TreeFile:
    """A ``.pth`` file with what ``site`` would do with it: directories to add, lines to execute."""
    from dataclasses import replace

    data = read_bytes(item.path, PTH_MAX_BYTES)
    if not isinstance(data, bytes):
        return replace(item, problem=data.message)
    return _pth_read(item, data, version)


def _pth_read(item: TreeFile, data: bytes, version: tuple[int, ...]) -> TreeFile:
    from dataclasses import replace

    from depscan.resolve.resolver import pth_lines

    lines = pth_lines(data, version)
    return replace(
        item,
        pth_paths=tuple(PthLine(number, text) for number, text, runs in lines if not runs),
        pth_imports=tuple(PthLine(number, text) for number, text, runs in lines if runs),
    )


# --- the members of an archive (a wheel) ---------------------------------------------------------


def archive_files(
    archive: str, zips: ZipDirectory, version: tuple[int, ...], module_of: Callable[[str], str | None]
) -> list[TreeFile]:
    """The members of a zip archive (a wheel) that are not plain source or data, as :func:`tree_files`
    lists a directory's: by name, else by their first bytes; ``relative`` is the member's name, and
    ``module_of`` tells the module a member is (an extension beside its pure-Python twin). The files a
    wheel installs as scripts (``NAME-VERSION.data/scripts/``) are executables whatever they hold.
    Every member is read through ``zips``, bounded: a zip bomb inflates nothing."""
    members = zips.members(archive)
    if members is None:
        problem = next((d.message for d in reversed(zips.diagnostics) if d.path == archive), "not a usable zip archive")
        detail = "an archive that could not be read: what it holds is unknown"
        return [
            TreeFile(path=archive, relative=os.path.basename(archive), kind="unread", detail=detail, problem=problem)
        ]
    try:
        budget = [max(HASH_MAX_BYTES, INFLATE_RATIO * os.stat(archive).st_size)]
    except OSError:
        budget = [HASH_MAX_BYTES]
    found = []
    for member in sorted(members):
        item = _member(archive, member, members, zips, version, module_of, budget)
        if item is not None:
            found.append(item)
    return found


INFLATE_RATIO = 64
"""An archive's members are hashed until they have inflated to this many times its size (or 1 GiB,
when that is more): a wheel of many members that are each a gigabyte of zeros, a megabyte
compressed, would take minutes. Real wheels inflate to a few times their size."""


def _member(
    archive: str,
    member: str,
    members: frozenset[str],
    zips: ZipDirectory,
    version: tuple[int, ...],
    module_of: Callable[[str], str | None],
    budget: list[int],
) -> TreeFile | None:
    """The member as a file of the tree, or None when it is plain source or data; ``budget`` holds
    what the archive's members may still inflate to be hashed (see :data:`INFLATE_RATIO`)."""
    name = member.rsplit("/", 1)[-1]
    if not name:
        return None  # a directory entry
    named = _kind_by_name(name, member, lambda source: source.replace(os.sep, "/") in members)
    if named == ():
        return None
    path = os.path.join(archive, *member.split("/"))
    script = _is_wheel_script(member)
    # Hashed as it inflates, and only when it is listed: a member is told by its first bytes first.
    head = b"" if named or script else zips.read(archive, member, HEAD_BYTES, head=True)
    told = named or (_kind_by_content(head) if isinstance(head, bytes) else ("unread", "what it is is unknown"))
    if told is None and script:
        told = "executable", "a script the wheel installs into the environment's bin directory"
    if told is None:
        return None
    kind, detail = told
    kind = "executable" if kind == "script" else kind
    allowed = min(HASH_MAX_BYTES, budget[0])
    facts = zips.digest(archive, member, allowed) if isinstance(head, bytes) else head
    if isinstance(facts, Diagnostic):
        problem = facts.message
        if facts.code == "DS013" and allowed < HASH_MAX_BYTES:
            problem = "not hashed: the archive's members have inflated as much as it may be inflated (a zip bomb?)"
        return TreeFile(path=path, relative=member, kind=kind, detail=detail, problem=problem)
    size, sha256 = facts
    budget[0] -= size
    item = TreeFile(
        path=path, relative=member, kind=kind, detail=detail, size=size, sha256=sha256, module=module_of(member)
    )
    if kind != "pth":
        return item
    from dataclasses import replace

    data = zips.read(archive, member, PTH_MAX_BYTES)
    return _pth_read(item, data, version) if isinstance(data, bytes) else replace(item, problem=data.message)


def _is_wheel_script(member: str) -> bool:
    parts = member.split("/")
    return len(parts) > 2 and parts[0].endswith(".data") and parts[1] == "scripts"
