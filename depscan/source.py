"""Reading files safely, and naming the module a file is.

Nothing here blocks on a FIFO, follows a device, or raises on a file it cannot
read: every failure becomes a :class:`~depscan.model.records.Diagnostic`.
"""

from __future__ import annotations

import codecs
import errno
import functools
import io
import os
import re
import stat
import tokenize
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from depscan import DEFAULT_MAX_BYTES
from depscan.model.diagnostics import Diagnostic

if TYPE_CHECKING:
    import zipfile


CONFIG_MAX_BYTES = 4 * 1024 * 1024
"""Configuration and requirements files larger than this are not read: a real
``pyproject.toml`` is a few kilobytes, and a planted ``-> /dev/zero`` is endless."""

METADATA_MAX_BYTES = 32 * 1024 * 1024
"""A distribution's metadata files (METADATA, RECORD, SOURCES.txt) larger than
this are not read: the RECORD of a package of 30,000 files is a few MB."""

NO_SUCH_FILE = "no such file"
IS_A_DIRECTORY = "is a directory, not a file"


def read_bytes(
    path: str | os.PathLike[str], max_bytes: int | None = DEFAULT_MAX_BYTES, *, head: bool = False
) -> bytes | Diagnostic:
    """Read a regular file's bytes, or say why not.

    The file is opened non-blocking and checked with ``fstat`` before reading,
    so a FIFO, socket or device named ``x.py`` is refused without waiting. At
    most ``max_bytes`` are read, even from a file that grows while it is read;
    with ``head``, a larger file is not refused: its first ``max_bytes`` are the answer.
    """
    read = read_with_stat(path, max_bytes, head=head)
    return read if isinstance(read, Diagnostic) else read[0]


def read_with_stat(
    path: str | os.PathLike[str], max_bytes: int | None = DEFAULT_MAX_BYTES, *, head: bool = False
) -> tuple[bytes, os.stat_result] | Diagnostic:
    """:func:`read_bytes`, with the file's ``fstat`` taken before it was read (what the extraction
    cache records: a write after it moves the file's time on)."""
    name = os.fspath(path)

    def read(fd: int, info: os.stat_result) -> tuple[bytes, os.stat_result] | Diagnostic:
        if max_bytes is not None and info.st_size > max_bytes and not head:
            return too_large(name, info.st_size, max_bytes)
        data = _read_at_most(fd, max_bytes, info.st_size)
        if head:
            return data[:max_bytes], info
        if max_bytes is not None and len(data) > max_bytes:
            return too_large(name, len(data), max_bytes)
        return data, info

    return _with_regular_file(name, read)


_T = TypeVar("_T")


def _with_regular_file(name: str, work: Callable[[int, os.stat_result], _T | Diagnostic]) -> _T | Diagnostic:
    """``work(fd, fstat)`` on ``name`` opened non-blocking, when it is a regular file; else why not,
    with nothing read: a FIFO or a device is never waited on. An OSError is a diagnostic too."""
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        return Diagnostic("DS012", _os_reason(exc), name)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            return Diagnostic("DS012", IS_A_DIRECTORY, name)
        if not stat.S_ISREG(info.st_mode):
            kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
            return Diagnostic("DS012", f"is {kind}; not read", name)
        return work(fd, info)
    except OSError as exc:
        return Diagnostic("DS012", _os_reason(exc), name)
    finally:
        os.close(fd)


HASH_MAX_BYTES = 1024 * 1024 * 1024
"""Files larger than this are not hashed (:func:`digest`): an audit names their size only."""


def digest(path: str | os.PathLike[str], max_bytes: int = HASH_MAX_BYTES) -> tuple[int, str] | Diagnostic:
    """A regular file's size and SHA-256 (hex), read in chunks with the checks of :func:`read_bytes`
    (non-blocking, regular files only, at most ``max_bytes``), or why not."""
    import hashlib

    name = os.fspath(path)

    def hash_it(fd: int, info: os.stat_result) -> tuple[int, str] | Diagnostic:
        if info.st_size > max_bytes:
            return too_large(name, info.st_size, max_bytes)
        hashed = hashlib.sha256()
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            hashed.update(chunk)
            size += len(chunk)
        if size > max_bytes:  # it grew while it was read
            return too_large(name, size, max_bytes)
        return size, hashed.hexdigest()

    return _with_regular_file(name, hash_it)


def _read_at_most(fd: int, max_bytes: int | None, expected: int = 0) -> bytes:
    """Up to one byte over ``max_bytes`` (all of it when None): enough to tell the file is too large.
    The first read asks for ``expected`` (the size ``fstat`` gave) and one byte more, so a file that
    did not change is read in one call into a buffer of its own size (a larger buffer is allocated,
    then shrunk, on every read: it cost more than the read of a small file)."""
    chunks = []
    left = -1 if max_bytes is None else max_bytes + 1
    size = min(max(expected + 1, 1 << 12), 1 << 20)
    while left:
        chunk = os.read(fd, size if left < 0 else min(left, size))
        if not chunk:
            break
        chunks.append(chunk)
        left = left - len(chunk) if left > 0 else left
        size = 1 << 20
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def too_large(name: str, size: int, max_bytes: int, what: str = "file") -> Diagnostic:
    """DS013 for a file (or an archive member) of ``size`` bytes."""
    return Diagnostic("DS013", f"{what} is {_size(size)}, over the {_size(max_bytes)} limit; not parsed", name)


def read_member(
    archive: zipfile.ZipFile, member: str, name: str, max_bytes: int | None, *, head: bool = False
) -> bytes | Diagnostic:
    """A zip archive member's bytes, or why not (``name`` is how the diagnostic names it).

    The size the archive declares is checked before anything is inflated, and
    the read stops after ``max_bytes`` whatever the header says, so a zip bomb
    costs nothing; an encrypted or corrupt member is a diagnostic. With ``head``,
    a larger member is not refused: its first ``max_bytes`` are the answer.
    """
    chunks: list[bytes] = []
    if head and max_bytes is not None:
        found = _inflate(archive, member, name, None, chunks.append, max_bytes)
    else:
        found = _inflate(archive, member, name, max_bytes, chunks.append)
    return found if isinstance(found, Diagnostic) else b"".join(chunks)


def member_digest(archive: zipfile.ZipFile, member: str, name: str, max_bytes: int) -> tuple[int, str] | Diagnostic:
    """A zip archive member's size and SHA-256 (hex), hashed as it inflates (a chunk in memory at a
    time: a member of a gigabyte of zeros is a megabyte compressed), or why not, as :func:`read_member`
    says it."""
    import hashlib

    hashed = hashlib.sha256()
    found = _inflate(archive, member, name, max_bytes, hashed.update)
    return found if isinstance(found, Diagnostic) else (found, hashed.hexdigest())


_INFLATE_CHUNK = 1 << 20


def _inflate(
    archive: zipfile.ZipFile,
    member: str,
    name: str,
    max_bytes: int | None,
    take: Callable[[bytes], object],
    stop_after: int | None = None,
) -> int | Diagnostic:
    """Give ``take`` a member's bytes chunk by chunk; their number, or why not. At most one byte over
    ``max_bytes`` is inflated; ``stop_after`` bytes end the read early and are no error."""
    import lzma
    import zipfile
    import zlib

    size = 0
    try:
        info = archive.getinfo(member)
        if max_bytes is not None and info.file_size > max_bytes:
            return too_large(name, info.file_size, max_bytes, "archive member")
        want = stop_after if stop_after is not None else None if max_bytes is None else max_bytes + 1
        with archive.open(info) as stream:
            while want is None or size < want:
                chunk = stream.read(_INFLATE_CHUNK if want is None else min(_INFLATE_CHUNK, want - size))
                if not chunk:
                    break
                size += len(chunk)
                take(chunk)
    except KeyError:
        return Diagnostic("DS012", "not in the archive", name)
    except RuntimeError:  # zipfile's word for "encrypted, password required"
        return Diagnostic("DS012", "the archive member is encrypted; not read", name)
    except (OSError, ValueError, EOFError, NotImplementedError, zipfile.BadZipFile, zlib.error, lzma.LZMAError) as exc:
        return Diagnostic("DS012", f"cannot read from the archive: {exc or type(exc).__name__}", name)
    if max_bytes is not None and size > max_bytes:
        return too_large(name, size, max_bytes, "archive member")
    return size


def _os_reason(exc: OSError | ValueError) -> str:
    if not isinstance(exc, OSError):
        return f"cannot read: {exc}"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):  # ENOTDIR: a file stands where a directory was named
        return NO_SUCH_FILE
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EISDIR:
        return IS_A_DIRECTORY
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links"
    return f"cannot read: {exc.strerror or exc}"


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n} bytes"


SOURCE_SUFFIXES = (".py", ".pyw")
BYTECODE_SUFFIX = ".pyc"


def module_name_for(path: str | os.PathLike[str]) -> tuple[str, bool]:
    """Guess the dotted module name of a file from the packages around it.

    Walks up while the directory holds an ``__init__`` file, as a package
    would be imported from the first directory above it that is not one.
    Returns ``(name, is_package)``; ``pkg/__init__.py`` is ``("pkg", True)``.
    A file whose stem is not an identifier is named by its stem anyway: it
    can still be run as a script.
    """
    file = os.path.abspath(path)
    parent, name = os.path.split(file)
    stem = name.split(".", 1)[0]
    is_package = stem == "__init__"
    packages = _packages_of(parent)
    if is_package:
        if not packages:  # an __init__.py whose directory is not a package name
            return (os.path.basename(parent) or "__init__", True)
        return (".".join(packages), True)
    return (".".join((*packages, stem)), False)


def namespace_name(path: str | os.PathLike[str]) -> str | None:
    """The name a module outside any regular package has when it is imported through the regular
    package above it, the directories between being namespace portions (PEP 420: no
    ``__init__``): ``numpy/random/_examples/cffi/extending.py`` is
    ``numpy.random._examples.cffi.extending``. None when no regular package is above it, or a
    directory between is not a name."""
    file = os.path.abspath(path)
    directory, name = os.path.split(file)
    parts = [name.split(".", 1)[0]]
    while not _packages_of(directory):
        above, part = os.path.split(directory)
        if above == directory or not part.isidentifier():
            return None
        parts.append(part)
        directory = above
    if len(parts) == 1:
        return None  # in a regular package: module_name_for names it
    return ".".join((*_packages_of(directory), *reversed(parts)))


def outside_packages(directory: str) -> str:
    """The directory above the regular packages ``directory`` is in (itself when it is in none):
    where the packages are imported from."""
    directory = os.path.abspath(directory)
    for _ in _packages_of(directory):
        directory = os.path.dirname(directory)
    return directory


def _packages_of(directory: str) -> tuple[str, ...]:
    """The names of the packages ``directory`` is, outermost first (empty: it is not one)."""
    known = _PACKAGE_NAMES.get(directory)
    if known is not None:
        return known
    above, name = os.path.split(directory)
    if not (name.isidentifier() and _is_regular_package(directory)):
        names: tuple[str, ...] = ()
    elif above == directory:
        names = (name,)
    else:
        names = (*_packages_of(above), name)
    _PACKAGE_NAMES[directory] = names
    return names


def _is_regular_package(directory: str | Path) -> bool:
    key = str(directory)
    known = _PACKAGE_DIRECTORIES.get(key)
    if known is not None:
        return known
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    answer = any(name.partition(".")[0] == "__init__" and name != "__init__" for name in names)
    _PACKAGE_DIRECTORIES[key] = answer
    return answer


# Directory -> holds an __init__ file, and -> the packages it is: a tree's files share their
# directories, and a check of a thousand files would list each directory once per file below it.
# Emptied by forget_directories().
_PACKAGE_DIRECTORIES: dict[str, bool] = {}
_PACKAGE_NAMES: dict[str, tuple[str, ...]] = {}


def forget_directories() -> None:
    """Forget what directories held: a new command (or a test) may see a changed tree."""
    _PACKAGE_DIRECTORIES.clear()
    _PACKAGE_NAMES.clear()


SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules"})


def expand_paths(
    paths: list[str], directories: list[str] | None = None, on_file: Callable[[str], object] | None = None
) -> list[str]:
    """Files named on the command line, with directories expanded to their ``.py`` files.

    A directory is walked recursively, in sorted order, skipping hidden
    directories (``.git``, ``.venv``) and ``__pycache__``; symbolic links to
    directories are not followed, so a link loop cannot trap the walk. Files
    named explicitly are kept whatever they are, so the reader can say what
    is wrong with them. ``on_file`` is told of each file as soon as it is
    found (in the walk's order, before the sort), so that work on it can start.
    """
    files: list[str] = []
    for path in paths:
        if not os.path.isdir(path) or path.endswith((*SOURCE_SUFFIXES, BYTECODE_SUFFIX)):
            files.append(path)
            if on_file is not None:
                on_file(path)
            continue
        found = _walk(path, directories, on_file)
        files.extend(sorted(found))
    return files


def _walk(top: str, directories: list[str] | None, on_file: Callable[[str], object] | None) -> list[str]:
    """The ``.py`` files under ``top``, as ``os.walk`` would find them (top down, subdirectories
    sorted, links to directories not entered, unlistable directories passed by), in a third
    less time: a check walks every directory of the project (2,455 in Django's tree)."""
    found: list[str] = []
    stack = [top]
    real_top = os.path.realpath(top)
    # (Below a "..", the directory listed need not be the one its absolute path names: a/link/..)
    telling = ".." not in top
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:  # cannot be listed, or not to the end: passed by, as os.walk does
            continue
        if directories is not None:  # the caller keeps the directories walked
            directories.append(directory)
        # Whether it holds an __init__ file (see _is_regular_package), told from this listing: each
        # file found is named by the packages around it, and its directory is not listed again.
        if telling:
            package = any(entry.name.startswith("__init__.") for entry in entries)
            _PACKAGE_DIRECTORIES[os.path.abspath(directory)] = package  # (what it holds now)
        subdirectories: list[str] = []
        for entry in entries:
            try:
                is_directory = entry.is_dir()
            except OSError:
                is_directory = False
            name = entry.name
            if not is_directory:
                if name.endswith(".py") and not _leads_out(entry, real_top):
                    found.append(entry.path)
                    if on_file is not None:
                        on_file(entry.path)
            elif not name.startswith(".") and name not in SKIPPED_DIRECTORIES and not _is_link(entry):
                subdirectories.append(entry.path)
        subdirectories.sort(reverse=True)  # popped in sorted order
        stack.extend(subdirectories)
    return found


def same_file(one: str, other: str) -> bool:
    """Whether two paths name the same file (False when either cannot be looked up). Equal
    absolute paths with no ``..`` in them are the same file without a look (a ``..`` after a link
    is not the lexical parent): two ``stat`` calls less for each module a check or a scan is given."""
    if one == other or (os.path.abspath(one) == os.path.abspath(other) and ".." not in one and ".." not in other):
        return True
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):
        return False


def is_inside(path: str, root: str) -> bool:
    """Whether ``path``, symbolic links resolved, is ``root`` or under it (never, for a path with a
    NUL in it, which names no file: a RECORD row or a configuration's value may hold one)."""
    if "\0" in path or "\0" in root:
        return False
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def _leads_out(entry: os.DirEntry[str], real_top: str) -> bool:
    """A link to a regular file outside the walked tree (``leak.py -> ~/secret/conf.py``): not the
    tree's own file, so neither read nor named in a report. A link to anything else outside
    (``x.py -> /dev/zero``) is kept: the reader refuses it with a diagnostic, reading nothing."""
    if not _is_link(entry) or is_inside(entry.path, real_top):
        return False
    try:
        return stat.S_ISREG(os.stat(entry.path).st_mode)
    except OSError:
        return False  # dangling: the reader says so


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


# A line as Python splits them for its coding cookie: at \r\n, \r or \n.
_HEAD_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?")
_NOT_ASCII = re.compile(rb"[\x80-\xff]")


def declared_encoding(source: bytes) -> str:
    """The encoding Python reads ``source`` in: its BOM, or the coding cookie of its first two lines.
    ``tokenize.detect_encoding``'s answer, on the lines as Python splits them: it reads a module whose
    lines end at ``\r`` as one line (a cookie on its tenth line counted), and refuses a cookie line
    with a byte that is not UTF-8, which Python reads (``# coding: unicode_escape \xff``). Raises
    SyntaxError as tokenize does (an unknown encoding, a BOM with another cookie)."""
    bom = codecs.BOM_UTF8 if source.startswith(codecs.BOM_UTF8) else b""
    at, lines = len(bom), []
    for _ in range(2):
        line = _HEAD_LINE.match(source, at)
        assert line is not None  # (it matches the empty string)
        lines.append(_NOT_ASCII.sub(b"?", line.group().rstrip(b"\r\n")) + b"\n")
        at = line.end()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(bom + b"".join(lines)).readline)
    return encoding


def declares_an_encoding(source: bytes) -> bool:
    """Whether the module declares an encoding other than UTF-8 (a coding cookie in its first two
    lines): ASCII bytes are not their own text in every encoding (in UTF-7, ``+AGkAbQBwAG8AcgB0-`` is
    ``import``), so a search of such a module searches its text, or a module could hide its imports
    (and ``except*``) from the byte searches."""
    second = source.find(b"\n", source.find(b"\n") + 1)
    if source.find(b"coding", 0, len(source) if second < 0 else second) < 0:  # (lines may end at \r alone)
        return False
    try:
        return declared_encoding(source) not in ("utf-8", "utf-8-sig")
    except SyntaxError:  # Python refuses it: nothing of it runs, and the search is only to be safe
        return True


def source_text(source: bytes) -> str:
    """A module's bytes as text, decoded as its encoding cookie (or BOM) says, else as UTF-8;
    what cannot be decoded replaced (for positions and searches, not for a verdict)."""
    try:
        return source.decode(declared_encoding(source), "replace")
    except (SyntaxError, LookupError):
        return source.decode("utf-8", "replace")


class Columns:
    """Turns the AST's UTF-8 byte offsets into 1-based character columns."""

    def __init__(self, source: bytes) -> None:
        self._ascii = source.isascii()
        self._source = source
        self._lines: list[str] | None = None

    def __call__(self, line: int, byte_offset: int) -> int:
        if self._ascii:
            return byte_offset + 1
        if self._lines is None:
            text = source_text(self._source)
            self._lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if not 0 < line <= len(self._lines):
            return byte_offset + 1
        prefix = self._lines[line - 1].lstrip("\ufeff").encode("utf-8")[:byte_offset]
        return len(prefix.decode("utf-8", "ignore")) + 1


def shown_path(path: str | None) -> str:
    """A path as the user knows it: relative to the current directory when it is under it (what
    editors and CI expect), else as it is. The one rule for showing a path, in every report and
    message."""
    if not path:
        return ""
    return _shown_from(path, os.getcwd())


@functools.lru_cache(maxsize=8192)
def _shown_from(path: str, cwd: str) -> str:
    """(A report shows the same few paths over and over: the search path in each "not found".)"""
    try:
        relative = os.path.relpath(path, cwd)
    except ValueError:  # another drive, on Windows
        return path
    return path if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative
