"""An on-disk cache of extraction results, for warm runs of ``depscan check``.

Extractions are kept in a SQLite database, ``extractions.sqlite3`` in the cache
directory, keyed by ``(path, module, is_package)``: those, the file's content,
the depscan version and the parsing Python (its ``major.minor`` and
implementation) decide an extraction, so a row is reused only when all match.

Every row carries an HMAC-SHA256 of its other columns, keyed by this user's
secret (:mod:`depscan.trust`): a database committed to a repository (a clone
brings it along) holds rows its author signed, if anyone did, and they are
misses, overwritten as the files are extracted anew. A cache directory or a
database file that is a symbolic link is not used at all.

Checking a row is cheap: the file is ``stat``-ed and, when its modification
and change times, size and inode are the ones recorded, the row is used without
reading the file.
When only the ``stat`` differs (a ``touch``, a checkout rewriting the same
content) the file is read and hashed, and a matching SHA-256 refreshes the
recorded ``stat``. A file modified within the last few seconds is never trusted
on its ``stat`` alone (its timestamp may not have ticked since the last write,
as git's "racy clean" entries), so it is hashed until its time has settled.

Extractions are stored as compact JSON in a tuple layout (:mod:`depscan.perf.codec`),
never pickled: a cache directory can be planted in a repository, and loading it
must not run code. Decoding checks every field, and any malformed data is a
:class:`~depscan.perf.codec.CacheError`.

The cache never fails a run: every SQLite or file-system error (a database
locked beyond the timeout, a full disk, a read-only directory) turns the cache
off for the rest of the run, and lookups then miss and writes are skipped. A
database that is corrupt, or has another schema, is deleted and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Final, Literal, TypeAlias

from depscan import DEFAULT_MAX_BYTES, __version__, trust
from depscan.extract import walker
from depscan.fingerprint import code_fingerprint
from depscan.model.diagnostics import Diagnostic
from depscan.model.records import (
    Extraction,
)
from depscan.perf.codec import CacheError, decode_extraction, encode_extraction
from depscan.source import read_with_stat

__all__ = [
    "DATABASE_NAME",
    "SCHEMA_VERSION",
    "CacheKey",
    "ExtractionCache",
    "extract_cached",
    "extract_many_cached",
]

SCHEMA_VERSION: Final = 2
"""Kept in the ``meta`` table; a database with another one is rebuilt."""
DATABASE_NAME: Final = "extractions.sqlite3"

CacheKey: TypeAlias = tuple[str, str, bool]
"""``(path, module, is_package)``: the path exactly as given (it is part of the extraction)."""

_NOT_READ_CODES = frozenset({"DS012", "DS013"})  # depend on the file system or the size limit, not the content
_RACY_NS = 3_000_000_000  # a file modified this recently is checked by hash (coarse timestamps, FAT's 2 s)
_UNVERIFIED = -1  # the size recorded for a row whose stat is not known to match its content
_CHUNK = 500  # paths per query: under SQLite's smallest limit on bound parameters (999)
_INT64 = (-(1 << 63), (1 << 63) - 1)
_PARSER = f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}"


# --- the database ------------------------------------------------------------------

_SCHEMA: Final = (
    "CREATE TABLE meta (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE extractions ("
    "path BLOB NOT NULL, module BLOB NOT NULL, is_package INTEGER NOT NULL, "
    "mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, ino INTEGER NOT NULL, "
    "sha256 BLOB NOT NULL, depscan_version TEXT NOT NULL, python TEXT NOT NULL, data BLOB NOT NULL, "
    "mac BLOB NOT NULL, "
    "UNIQUE (path, module, is_package))",
)
_SELECT: Final = (
    "SELECT path, module, is_package, mtime_ns, size, ctime_ns, ino, sha256, depscan_version, python, data, mac "
    "FROM extractions WHERE path IN ({})"
)
_UPSERT: Final = "INSERT OR REPLACE INTO extractions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_REFRESH: Final = (
    "UPDATE extractions SET mtime_ns = ?, size = ?, ctime_ns = ?, ino = ?, mac = ? "
    "WHERE path = ? AND module = ? AND is_package = ? AND mac = ?"
)
# Errors that turn the cache off for the run. sqlite3 reports SQLITE_NOMEM as MemoryError;
# OverflowError and ValueError come from binding an integer or string SQLite cannot hold.
_DB_ERRORS = (sqlite3.Error, OSError, MemoryError, OverflowError, ValueError)
_GITIGNORE = "# Automatically created by depscan.\n*\n"

_Row: TypeAlias = tuple[Any, ...]
_Stamp: TypeAlias = tuple[int, int, int, int]  # (mtime_ns, size, ctime_ns, inode) to record
_UNVERIFIED_STAMP: Final[_Stamp] = (0, _UNVERIFIED, 0, 0)
_SUFFIXES: Final = ("", "-wal", "-shm", "-journal")  # the database's files


class _Corrupt(Exception):
    """The database file is not a database, or not ours."""


def _blob(text: str) -> bytes:
    # Injective for every str, lone surrogates (undecodable file names) included.
    return text.encode("utf-8", "surrogatepass")


def _is_corruption(exc: sqlite3.Error) -> bool:
    # SQLITE_CORRUPT and SQLITE_NOTADB are the only codes sqlite3 raises as a bare DatabaseError.
    return type(exc) is sqlite3.DatabaseError


_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6  # result codes of sqlite3.h (sqlite3 names them from Python 3.11)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "locked" in str(exc)


def _read_regular(path: str, max_bytes: int | None) -> tuple[bytes, os.stat_result] | None:
    """A regular file's bytes and its ``fstat`` taken before reading them, or None: the safe
    reader's (:func:`depscan.source.read_with_stat`), whose diagnostic the extraction made
    without the cache says again."""
    read = read_with_stat(path, max_bytes)
    return None if isinstance(read, Diagnostic) else read


def _stamp(info: os.stat_result, now: int) -> _Stamp:
    """The stat to record, or the unverified marker when it cannot be trusted yet.

    The change time and inode are kept as well as the modification time and size: a
    same-size edit whose modification time is then set back changes the change time,
    and a file replaced by another (a rename over it) its inode. Only the modification
    time decides whether a stat is too recent (the change time cannot be set back, so
    every file a test or a checkout just wrote would be hashed for three seconds).
    """
    mtime, ctime = info.st_mtime_ns, info.st_ctime_ns
    if mtime >= now - _RACY_NS or not (_INT64[0] <= mtime <= _INT64[1] and _INT64[0] <= ctime <= _INT64[1]):
        return _UNVERIFIED_STAMP
    return (mtime, info.st_size, ctime, _as_int64(info.st_ino))


def _as_int64(number: int) -> int:
    """An inode number as SQLite can hold it (some file systems use all 64 bits)."""
    return number - (1 << 64) if number > _INT64[1] else number


class ExtractionCache:
    """Extractions on disk, in ``directory/extractions.sqlite3``.

    Creates the directory (with a ``.gitignore`` of ``*``) and the database as
    needed; the cache is off when the directory or a file of the database is a
    link, or there is no ``secret`` to sign rows with (by default this user's).
    Every method is safe to call whatever happens to the database: after an
    error the cache is off (:attr:`enabled` is False), lookups miss and writes
    do nothing. Several processes may share one cache.
    """

    def __init__(
        self, directory: str | os.PathLike[str], *, busy_timeout_ms: int = 5000, secret: bytes | None = None
    ) -> None:
        self.directory = os.fspath(directory)
        self.path = os.path.join(self.directory, DATABASE_NAME)
        self._busy_timeout_ms = busy_timeout_ms
        self._db: sqlite3.Connection | None = None
        self._pending: list[_Row] = []  # extractions of single files, written together (see _put_read)
        self._pending_keys: set[CacheKey] = set()
        self._depscan_version = f"{__version__}+{code_fingerprint()}"
        self._python = _PARSER
        self._secret = secret if secret is not None else trust.user_key()
        if self._secret is None:
            return  # no secret to sign rows with: no cache (trust.user_key said why)
        refused = trust.real_directory(self.directory, create=True)
        for suffix in _SUFFIXES:
            refused = refused or trust.regular_or_absent(self.path + suffix)
        if refused:
            trust.note(f"extraction cache off: {refused}")
            return
        self._write_gitignore()
        try:
            self._db = self._open()
        except (*_DB_ERRORS, _Corrupt):
            self._db = None

    # -- opening -------------------------------------------------------------------

    def _write_gitignore(self) -> None:
        gitignore = os.path.join(self.directory, ".gitignore")
        if os.path.lexists(gitignore):
            return
        try:
            with open(gitignore, "x", encoding="utf-8") as handle:
                handle.write(_GITIGNORE)
        except OSError:
            pass  # a read-only directory, or another process wrote it first

    def _open(self) -> sqlite3.Connection:
        """Connect, rebuilding once a database that is corrupt or not of this schema."""
        try:
            return self._connect_when_free()
        except _Corrupt:
            pass
        except sqlite3.Error as exc:
            if not _is_corruption(exc):
                raise
        self._delete_files()
        return self._connect_when_free()

    def _connect_when_free(self) -> sqlite3.Connection:
        # While the last connection to a WAL database closes, it holds the database for a moment
        # to clean up the WAL files, and a connection opening then is told SQLITE_BUSY without
        # the busy timeout being applied (see SQLite's "WAL mode" page). Try again, as long as
        # the busy timeout would have waited: else one of several hook processes sharing the
        # cache starting just then would run without it.
        deadline = time.monotonic() + self._busy_timeout_ms / 1000
        while True:
            try:
                return self._connect()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(0.005)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self._busy_timeout_ms / 1000, isolation_level=None)
        try:
            setconfig = getattr(db, "setconfig", None)  # Python 3.12+: refuse the risky parts of a planted schema
            defensive = getattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE", None)
            if setconfig is not None and defensive is not None:
                setconfig(defensive, True)
            db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            db.execute("PRAGMA trusted_schema = OFF")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            if self._schema_state(db) != "ok":
                db.execute("BEGIN IMMEDIATE")  # another process may be creating it too: decide under the lock
                state = self._schema_state(db)
                if state == "empty":
                    for statement in _SCHEMA:
                        db.execute(statement)
                    db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                db.execute("COMMIT")
                if state == "bad":
                    raise _Corrupt
        except BaseException:
            db.close()
            raise
        return db

    def _schema_state(self, db: sqlite3.Connection) -> Literal["ok", "empty", "bad"]:
        objects = set(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall())
        if not objects:
            return "empty"
        if objects != _expected_objects():
            return "bad"
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        return "ok" if version == [(str(SCHEMA_VERSION),)] else "bad"

    def _delete_files(self) -> None:
        for suffix in _SUFFIXES:
            try:
                os.remove(self.path + suffix)
            except FileNotFoundError:
                pass

    # -- state ---------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """False once the cache is off for this run (it could not be opened, or an error occurred)."""
        return self._db is not None

    def flush(self) -> None:
        """Write the extractions kept back so far."""
        rows, self._pending = self._pending, []
        self._pending_keys.clear()
        if rows:
            self._write(_UPSERT, rows)

    def close(self) -> None:
        self.flush()
        db, self._db = self._db, None
        if db is not None:
            try:
                db.close()
            except _DB_ERRORS:
                pass

    def __enter__(self) -> ExtractionCache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _failed(self, exc: BaseException) -> None:
        """Turn the cache off for the rest of the run; a corrupt database is deleted for the next one."""
        self._pending = []
        self._pending_keys.clear()
        self.close()
        if isinstance(exc, sqlite3.Error) and _is_corruption(exc):
            try:
                self._delete_files()
            except OSError:
                pass

    # -- reading -------------------------------------------------------------------

    def get(self, path: str | os.PathLike[str], module: str, is_package: bool) -> Extraction | None:
        """The cached extraction of ``path``, when its content is the one it was made from."""
        key = (os.fspath(path), module, is_package)
        hit = self._lookup([key]).get(key)
        return None if hit is None else hit[0]

    def previous(self, path: str, module: str, is_package: bool, signature: Sequence[int]) -> Extraction | None:
        """The extraction this user's depscan stored for ``path`` when the file had ``signature``
        (``[mtime_ns, size, ctime_ns, inode]``), whatever it holds now: what a stored answer was
        worked out from, for a check that updates it. None when the row is of another state."""
        db = self._db
        if db is None or self._secret is None:
            return None
        try:
            rows = list(db.execute(_SELECT.format("?"), [_blob(path)]))
        except _DB_ERRORS as exc:
            self._failed(exc)
            return None
        for row in rows:
            if (row[0], row[1], row[2]) != (_blob(path), _blob(module), int(is_package)):
                continue
            if row[8] != self._depscan_version or row[9] != self._python:
                return None
            mtime, size, ctime, inode = signature
            if tuple(row[3:7]) != (mtime, size, ctime, _as_int64(inode)):
                return None  # made from another content, or not known to be this one's (unverified)
            parts = _signed_parts(row[:-1])
            if parts is None or not trust.verify(self._secret, row[11], *parts):
                return None  # not written by this user (planted in the tree), or damaged
            try:
                extraction = decode_extraction(row[10])
            except CacheError:
                return None
            same = (extraction.module, extraction.is_package, extraction.path) == (module, is_package, path)
            return extraction if same else None
        return None

    def get_many(self, keys: Iterable[CacheKey], max_bytes: int | None = None) -> dict[CacheKey, Extraction]:
        """The hits among ``keys``, read in one query per 500 paths; misses are left out, and so are
        files now over ``max_bytes`` (their extraction says so: see :func:`extract_many_cached`)."""
        return {
            key: extraction
            for key, (extraction, size) in self._lookup(keys).items()
            if max_bytes is None or size <= max_bytes
        }

    def _lookup(self, keys: Iterable[CacheKey]) -> dict[CacheKey, tuple[Extraction, int]]:
        """Hits, each with the file's current size (for the caller's size limit)."""
        keys = list(keys)
        if self._pending_keys and not self._pending_keys.isdisjoint(keys):
            self.flush()  # what was kept back is asked for: it is due
        db = self._db
        if db is None:
            return {}
        wanted = {
            (_blob(path), _blob(module), int(is_package)): (path, module, is_package)
            for path, module, is_package in keys
        }
        paths = list(dict.fromkeys(key[0] for key in wanted))
        rows: dict[tuple[bytes, bytes, int], _Row] = {}
        try:
            for start in range(0, len(paths), _CHUNK):
                chunk = paths[start : start + _CHUNK]
                for row in db.execute(_SELECT.format(",".join("?" * len(chunk))), chunk):
                    rows[(row[0], row[1], row[2])] = row
        except _DB_ERRORS as exc:
            self._failed(exc)
            return {}
        hits: dict[CacheKey, tuple[Extraction, int]] = {}
        refreshed: list[_Row] = []
        now = time.time_ns()
        for db_key, row in rows.items():
            key = wanted.get(db_key)
            if key is not None:
                hit = self._check(key, row, refreshed, now)
                if hit is not None:
                    hits[key] = hit
        if refreshed:
            self._write(_REFRESH, refreshed)
        return hits

    def _check(self, key: CacheKey, row: _Row, refreshed: list[_Row], now: int) -> tuple[Extraction, int] | None:
        path, module, is_package = key
        stamp = tuple(row[3:7])
        digest, version, python, data, mac = row[7:]
        if version != self._depscan_version or python != self._python:
            return None
        parts = _signed_parts(row[:-1])
        if self._secret is None or parts is None or not trust.verify(self._secret, mac, *parts):
            return None  # not written by this user (planted in the tree), or damaged
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        refresh: _Stamp | None = None
        size = stamp[1]
        if (info.st_mtime_ns, info.st_size, info.st_ctime_ns, _as_int64(info.st_ino)) != stamp:
            if size != _UNVERIFIED and info.st_size != size:
                return None  # another size: another content, no need to read it
            read = _read_regular(path, None)
            if read is None:
                return None
            content, info = read
            if hashlib.sha256(content).digest() != digest:
                return None
            refresh = _stamp(info, now)
        try:
            extraction = decode_extraction(data)
        except CacheError:
            return None
        if extraction.module != module or extraction.is_package != is_package or extraction.path != path:
            return None
        if refresh is not None and refresh[1] != _UNVERIFIED:
            new = self._signed_row((*row[:3], *refresh, *row[7:11]))
            refreshed.append((*refresh, new[-1], *row[:3], mac))
        return extraction, info.st_size

    # -- writing -------------------------------------------------------------------

    def put_many(self, entries: Iterable[tuple[str, str, bool, Extraction, bytes | None]]) -> None:
        """Store the extraction of each ``(path, module, is_package, extraction, data)``, in one transaction.

        ``data`` is the content it was extracted from. Without it the file is
        read now, and the extraction is taken to be of that content (pass
        ``data`` when the file may have changed since it was read). Extractions
        of files that could not be read (DS012, DS013) are not stored: they
        depend on the file system and the size limit, not on the content.
        """
        if self._db is None:
            return
        now = time.time_ns()
        rows: list[_Row] = []
        for path, module, is_package, extraction, data in entries:
            read = _read_regular(path, None)
            if data is None:
                if read is None:
                    continue
                data = read[0]
            digest = hashlib.sha256(data).digest()
            stamp = _UNVERIFIED_STAMP
            if read is not None and (read[0] is data or hashlib.sha256(read[0]).digest() == digest):
                stamp = _stamp(read[1], now)
            row = self._row((path, module, is_package), extraction, digest, stamp)
            if row is not None:
                rows.append(row)
        if rows:
            self._write(_UPSERT, rows)

    def _put_read(self, entries: Iterable[tuple[CacheKey, Extraction, bytes, os.stat_result]]) -> None:
        """Store extractions of contents read by :func:`_read_regular`, with the stat taken then.

        They are kept back and written :data:`_BATCH_ROWS` at a time (and at :meth:`close`):
        a scan reads its modules one by one, and a transaction for each was a tenth of
        a cold scan of Django.
        """
        if self._db is None:
            return
        now = time.time_ns()
        for key, extraction, data, info in entries:
            row = self._row(key, extraction, hashlib.sha256(data).digest(), _stamp(info, now))
            if row is not None:
                self._pending.append(row)
                self._pending_keys.add(key)
        if len(self._pending) >= _BATCH_ROWS:
            self.flush()

    def _row(self, key: CacheKey, extraction: Extraction, digest: bytes, stamp: _Stamp) -> _Row | None:
        entry = _entry(key, extraction, digest, stamp)
        return None if entry is None else self._row_of(key, entry)

    def _row_of(self, key: CacheKey, entry: Entry) -> _Row:
        path, module, is_package = key
        digest, stamp, encoded = entry
        return self._signed_row(
            (_blob(path), _blob(module), int(is_package), *stamp, digest, self._depscan_version, self._python, encoded)
        )

    def _signed_row(self, row: _Row) -> _Row:
        """``row`` with its MAC (by :meth:`__init__`, there is a secret when there is a database)."""
        return (*row, trust.sign(self._secret or b"", *(_signed_parts(row) or ())))

    def put_entries(self, entries: Iterable[tuple[CacheKey, Entry]]) -> None:
        """Store what :func:`extract_for_cache` made (in other processes), in one transaction."""
        if self._db is None:
            return
        rows = [self._row_of(key, entry) for key, entry in entries]
        if rows:
            self._write(_UPSERT, rows)

    def _write(self, statement: str, rows: Sequence[_Row]) -> None:
        db = self._db
        if db is None:
            return
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(statement, rows)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.rollback()
                raise
        except _DB_ERRORS as exc:
            self._failed(exc)


Entry: TypeAlias = tuple[bytes, _Stamp, bytes]
"""What a row stores of one extraction: the content's SHA-256, the stat to record, the encoding."""


def _signed_parts(row: Sequence[Any]) -> list[bytes] | None:
    """What a row's MAC covers: every other column (path, module, is_package, the stat, the
    content's hash, the depscan version, the parsing Python and the encoded extraction);
    None when a column is not of its type (a planted database may hold anything)."""
    path, module, is_package, *stamp, digest, version, python, data = row
    numbers = (is_package, *stamp)
    if any(type(n) is not int or not _INT64[0] <= n <= _INT64[1] for n in numbers):
        return None
    if any(type(b) is not bytes for b in (path, module, digest, data)) or type(version) is not str:
        return None
    packed = b"".join(n.to_bytes(8, "big", signed=True) for n in numbers)
    return [path, module, packed, digest, version.encode(), str(python).encode(), data]


def _entry(key: CacheKey, extraction: Extraction, digest: bytes, stamp: _Stamp) -> Entry | None:
    """The row's content for ``extraction`` of ``key``'s file, or None when it is not to be stored."""
    path, module, is_package = key
    if extraction.module != module or extraction.is_package != is_package or extraction.path != path:
        return None  # would never be returned for this key
    if any(d.code in _NOT_READ_CODES for d in extraction.diagnostics):
        return None
    try:
        encoded = encode_extraction(extraction)
    except CacheError:
        return None
    return (digest, stamp, encoded)


_BATCH_ROWS: Final = 512
"""Extractions kept back before they are written in one transaction."""

_EXPECTED: set[tuple[Any, ...]] = set()


def _expected_objects() -> set[tuple[Any, ...]]:
    """``sqlite_master`` of a database of this schema, as this SQLite writes it."""
    if not _EXPECTED:
        with contextlib.closing(sqlite3.connect(":memory:")) as db:
            for statement in _SCHEMA:
                db.execute(statement)
            _EXPECTED.update(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall())
    return _EXPECTED


# --- extraction through the cache ------------------------------------------------------


def _extract_data(data: bytes, module: str, is_package: bool, path: str) -> Extraction:
    """What :func:`depscan.extract.walker.extract_file` does with the bytes it has read."""
    return walker.extract_bytes(data, module, is_package, path)


def extract_for_cache(keys: Sequence[CacheKey], max_bytes: int | None) -> list[tuple[Extraction, Entry | None]]:
    """Extract files, each with what the cache is to store of it (:meth:`ExtractionCache.put_entries`).

    For the workers of :mod:`depscan.perf.parallel`: the file is hashed and its extraction encoded
    where it was parsed, so the process writing the cache only writes. As in
    :func:`extract_many_cached`, the bytes extracted are the bytes hashed, and the stat
    recorded was taken before they were read.
    """
    now = time.time_ns()
    results: list[tuple[Extraction, Entry | None]] = []
    for key in keys:
        path, module, is_package = key
        read = _read_regular(path, max_bytes)
        if read is None:
            results.append((walker.extract_file(path, module, is_package, max_bytes), None))
            continue
        data, info = read
        extraction = _extract_data(data, module, is_package, path)
        results.append((extraction, _entry(key, extraction, hashlib.sha256(data).digest(), _stamp(info, now))))
    return results


def extract_cached(
    cache: ExtractionCache | None,
    path: str | os.PathLike[str],
    module: str,
    is_package: bool,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> Extraction:
    """The extraction of one file: from the cache when it holds one, else extracted and stored."""
    return extract_many_cached(cache, [(os.fspath(path), module, is_package)], max_bytes)[0]


def extract_many_cached(
    cache: ExtractionCache | None,
    files: Iterable[CacheKey],
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> list[Extraction]:
    """The extractions of many files, in order: one lookup for all, one transaction to store the misses.

    Each result equals what :func:`depscan.extract.walker.extract_file` gives for the
    file. The bytes extracted are the bytes hashed, read once, so a file that
    changes meanwhile cannot be stored under the wrong content. Files that
    cannot be read, or are over ``max_bytes``, go to ``extract_file`` for its
    diagnostic and are not stored.
    """
    keys = list(files)
    hits = cache._lookup(keys) if cache is not None else {}
    results: list[Extraction] = []
    stored: list[tuple[CacheKey, Extraction, bytes, os.stat_result]] = []
    for key in keys:
        path, module, is_package = key
        hit = hits.get(key)
        if hit is not None and (max_bytes is None or hit[1] <= max_bytes):
            results.append(hit[0])
            continue
        read = _read_regular(path, max_bytes)
        if read is None:
            results.append(walker.extract_file(path, module, is_package, max_bytes))
            continue
        data, info = read
        extraction = _extract_data(data, module, is_package, path)
        results.append(extraction)
        stored.append((key, extraction, data, info))
    if cache is not None and stored:
        cache._put_read(stored)
    return results
