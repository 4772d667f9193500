"""The answer of a whole ``depscan check`` or scan, kept until something it depends on changes.

A pre-commit hook runs ``depscan check`` again and again on a tree that has
not changed, and a developer reruns ``depscan script.py --graph out.svg``.
Each answer is stored with its *witness*: every file and directory it was
worked out from, with their modification times and sizes —
the files checked, the directories walked to find them, every directory the
resolver listed (so a module added or removed anywhere on the search path
shows), zip archives, ``.pth`` files and editable finders of the site
directories, the modules read for their names, the configuration and the
declarations. When the same command is run again (same arguments, settings,
working directory, target interpreter and depscan code) and every entry of the
witness is as it was, the stored answer is the answer, and nothing else is
done. A file changed within the last seconds of a run is too fresh to trust
(a second change in the same clock tick would not show), so such a run is not
stored.

A directory the resolver listed is signed by its listing instead: the names
in it that could matter to an import (``*.py``, packages, extension modules,
``.pth`` files, distributions' metadata directories, ...), so that a report
or diagram written beside a script, an editor's swap file or a build
directory does not count as a change. The run is stored only when each such
listing is still the one the resolver saw.

Answers are files in ``<cache>/runs/``, written atomically; one that cannot
be read is a miss. Each is signed with this user's secret (:mod:`depscan.trust`):
an answer planted in the tree, or edited, does not verify and is a miss, and so
is one whose witness is empty (it would hold whatever changed). A cache or
``runs`` directory that is a symbolic link is not used. Files are signed by
their modification and change times, size and inode: an edit that keeps the
size and sets the modification time back still changes the change time.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from depscan import trust
from depscan.atomic import write_atomic
from depscan.fingerprint import code_fingerprint

SCHEMA = 3
MAX_ANSWERS = 64  # stored answers kept; the ones used longest ago go first
MAX_BYTES = 256 * 1024 * 1024  # and no more than this of them (a scan's report of Django is 3 MB)
FRESH_NS = 3_000_000_000  # a witness changed this recently makes a run too fresh to store
# path, and [mtime_ns, size, ctime_ns, inode] (None: not there), or {"listing": hash} for a directory
# the resolver listed
Entry = tuple[str, Any]
KEY_ENVIRONMENT = ("PYTHONPATH", "SETUPTOOLS_USE_DISTUTILS", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "HOME")
"""The environment variables that change an answer (the search path, the user's site directory),
for the caller's :func:`run_key`."""
_MAC_LINE = 65  # the answer's MAC in hex, and a newline

# The names in a directory that count: those with a suffix the finders or site read, and
# identifiers without a dot (a package, a namespace portion). Any other name cannot change
# what an import finds. Stubs count too: a check asks them about type-only imports.
_RELEVANT_SUFFIXES: tuple[str, ...] = (".py", ".pyc", ".pyw", ".so", ".pyd", ".pth", ".egg-link", ".zip", ".egg")
_RELEVANT_SUFFIXES += (".whl", ".dist-info", ".egg-info", ".pyi", "-stubs")


@dataclass(frozen=True)
class Answer:
    report: str  # what was printed (or written to -o)
    summary: str | None  # the line for standard error
    status: int  # the exit status
    diagram: bytes | None = None  # the diagram file written, for a scan with --graph
    state: bytes | None = None  # what a check needs to update the answer when a checked file changes


@dataclass(frozen=True)
class Previous:
    """A stored answer some entries of whose witness no longer hold (``changed``): the answer of
    another state of the tree, which a check may update (see :mod:`depscan.app.check`)."""

    answer: Answer
    witness: list[Entry]
    changed: list[str]


def run_key(parts: Mapping[str, Any]) -> str:
    """The key of a run: everything about the command that can change its answer."""
    text = json.dumps({"schema": SCHEMA, "code": code_fingerprint(), **parts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def signature(path: str) -> list[int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return [info.st_mtime_ns, info.st_size, info.st_ctime_ns, info.st_ino]


def relevant(name: str) -> bool:
    """Could a directory entry of this name change what an import finds (or what a check reads)?"""
    if name.endswith(_RELEVANT_SUFFIXES) or name.startswith(("__editable__", "requirements")):
        return True  # (requirements*.txt, requirements/: what a check reads for declarations)
    if name in ("pyproject.toml", "setup.cfg"):
        return True
    return "." not in name and name.isidentifier()


def _listing_hash(names: Iterable[str] | None) -> str | None:
    if names is None:
        return None
    text = "\0".join(sorted(n for n in names if relevant(n)))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def listing_signature(path: str) -> str | None:
    """A hash of the relevant names in a directory; None when it cannot be listed."""
    try:
        return _listing_hash(os.listdir(path))
    except (OSError, ValueError):
        return None


def witness(paths: Iterable[str], seen: Mapping[str, Iterable[str] | None] | None = None) -> list[Entry] | None:
    """The signatures of ``paths`` (files or directories), now.

    The directories in ``seen`` (what the resolver listed: directory -> names, None for
    no directory) are signed by their listings; None when one is not what was seen any
    more (it changed while the run went on, and the answer may not be true).
    """
    seen = seen or {}
    entries: list[Entry] = []
    settled = time.time_ns() - FRESH_NS
    for path in sorted(set(paths)):
        if path in seen:
            # The directory's own signature, taken before its listing: while it is unchanged,
            # no entry was added, removed or renamed in it, and a warm run need not list it.
            # (Not kept when it changed so recently that a later change could share its time.)
            stat = signature(path)
            listing = listing_signature(path)
            if listing != _listing_hash(seen[path]):
                return None
            entry: dict[str, Any] = {"listing": listing}
            if stat is not None and stat[0] <= settled and stat[2] <= settled:
                entry["stat"] = stat
            entries.append((path, entry))
        else:
            entries.append((path, signature(path)))
    return entries


def holds(path: str, stored: Any) -> bool:
    """The entry of ``path`` in a witness is still true. A directory holds while its signature
    is the one kept, or else while its relevant names are."""
    if isinstance(stored, dict):
        kept = stored.get("stat")
        if kept is not None and signature(path) == kept:
            return True
        return bool(listing_signature(path) == stored.get("listing"))
    return bool(signature(path) == stored)


def too_fresh(entries: Iterable[Entry], since_ns: int | None = None) -> bool:
    """Some entry changed less than FRESH_NS before ``since_ns`` (default: now), or after it.

    (Entries signed by their listings are not judged by time.)"""
    since = time.time_ns() if since_ns is None else since_ns
    return any(isinstance(sig, list) and sig[0] > since - FRESH_NS for _, sig in entries)


class RunCache:
    """Answers in ``<cache>/runs/<key>.run``: the answer's MAC (in hex, on a line of its own),
    a JSON header line (schema, witness, summary, status and the byte lengths of what
    follows), then the report's UTF-8 bytes, then the diagram's. The report is kept raw,
    not as a JSON string: a scan's JSON report runs to megabytes, and reading it back is
    the whole of a warm run. (Lone surrogates, from file names that are not UTF-8, are
    kept as they are, by ``surrogatepass``.)

    ``secret`` signs the answers; by default this user's (:func:`depscan.trust.user_key`).
    Without one, nothing is loaded or stored."""

    def __init__(self, directory: str, secret: bytes | None = None) -> None:
        self.root = directory
        self.directory = os.path.join(directory, "runs")
        self._secret = secret if secret is not None else trust.user_key()

    def _file(self, key: str) -> str:
        return os.path.join(self.directory, f"{key}.run")

    def _refused(self, *, create: bool) -> bool:
        """The cache or its ``runs`` directory is a link (or not a directory): say so, and use neither."""
        return trust.directories_refused("run cache", self.root, self.directory, create=create)

    def _signed(self, key: str, data: bytes) -> bytes | None:
        """What follows the MAC line of ``data``, when the MAC is this user's for ``key``."""
        if self._secret is None or len(data) < _MAC_LINE or data[_MAC_LINE - 1 : _MAC_LINE] != b"\n":
            return None
        try:
            mac = bytes.fromhex(data[: _MAC_LINE - 1].decode("ascii"))
        except ValueError:
            return None
        rest = memoryview(data)[_MAC_LINE:]
        return bytes(rest) if trust.verify(self._secret, mac, b"run", key.encode(), rest) else None

    def load(self, key: str) -> Answer | None:
        """The stored answer of the run ``key``, when it is this user's and every entry of its
        witness still holds."""
        found = self._read(key)
        if found is None or found.changed:
            return None
        try:
            os.utime(self._file(key))  # used now: the last to be pruned
        except OSError:
            pass
        return found.answer

    def previous(self, key: str) -> Previous | None:
        """The stored answer of the run ``key`` when it is this user's, whether or not its witness
        still holds, with the entries that do not."""
        return self._read(key)

    def _read(self, key: str) -> Previous | None:
        path = self._file(key)
        if self._secret is None or self._refused(create=False):
            return None
        try:
            read = trust.read_own(path, MAX_BYTES)
        except OSError:
            return None
        signed = None if read is None else self._signed(key, read[0])
        if signed is None:
            return None
        try:
            return _parse(signed)
        except (ValueError, KeyError, TypeError):
            return None

    def store(self, key: str, entries: list[Entry], answer: Answer, started_ns: int | None = None) -> bool:
        """Keep the answer; not when its witness is empty, or too fresh to trust: changed in the
        seconds before the run started (``started_ns``) or during it. False when not kept."""
        if self._secret is None or not entries or too_fresh(entries, started_ns):
            return False
        report = answer.report.encode("utf-8", "surrogatepass")
        header = {
            "schema": SCHEMA,
            "witness": entries,
            "summary": answer.summary,
            "status": answer.status,
            "report_bytes": len(report),
            "diagram_bytes": None if answer.diagram is None else len(answer.diagram),
            "state_bytes": None if answer.state is None else len(answer.state),
        }
        head = json.dumps(header, separators=(",", ":")).encode("ascii") + b"\n"
        rest = [head, report, answer.diagram or b"", answer.state or b""]  # written as they are, not joined
        mac = trust.sign_pieces(self._secret, [b"run", key.encode()], rest)
        if self._refused(create=True):
            return False
        path = self._file(key)
        try:
            if trust.regular_or_absent(path):
                os.unlink(path)  # a planted link or FIFO: replaced, never written through
            write_atomic(path, [mac.hex().encode("ascii") + b"\n", *rest])
        except OSError:
            return False
        self._prune(keep=key)
        return True

    def _prune(self, keep: str) -> None:
        """Keep the answers used last (a load touches its file), at most :data:`MAX_ANSWERS`
        of them and :data:`MAX_BYTES` together: a pre-commit hook passes other files each
        commit, and every list is a key of its own."""
        try:
            names = [n for n in os.listdir(self.directory) if n.endswith(".run")]
        except OSError:
            return
        aged: list[tuple[int, int, str]] = []
        for name in names:
            try:
                info = os.stat(os.path.join(self.directory, name))
            except OSError:
                continue
            aged.append((info.st_mtime_ns, info.st_size, name))
        aged.sort(reverse=True)
        total = 0
        for number, (_, size, name) in enumerate(aged):
            total += size
            if name == f"{keep}.run" or (number < MAX_ANSWERS and total <= MAX_BYTES):
                continue
            try:
                os.remove(os.path.join(self.directory, name))
            except OSError:
                pass


def _parse(data: bytes) -> Previous | None:
    """The answer in a run file's signed part (after the MAC line), with the entries of its witness
    that no longer hold; None when it may not be used."""
    end = data.index(b"\n")
    header = json.loads(data[:end])
    if header.get("schema") != SCHEMA:
        return None
    witness = header["witness"]
    if not isinstance(witness, list) or not witness:
        return None  # an empty witness would hold whatever changed
    changed = []
    for path, stored in witness:
        if not isinstance(path, str):
            return None
        if not holds(path, stored):
            changed.append(path)
    summary, status = header["summary"], header["status"]
    sizes = [header["report_bytes"], header["diagram_bytes"], header.get("state_bytes")]
    if not isinstance(status, int) or not isinstance(sizes[0], int):
        return None
    if any(size is not None and (not isinstance(size, int) or size < 0) for size in sizes):
        return None
    body = data[end + 1 :]
    if len(body) != sum(size or 0 for size in sizes):
        return None  # cut short
    report_end = sizes[0]
    diagram_end = report_end + (sizes[1] or 0)
    answer = Answer(
        body[:report_end].decode("utf-8", "surrogatepass"),
        summary if isinstance(summary, str) else None,
        status,
        body[report_end:diagram_end] if sizes[1] is not None else None,
        body[diagram_end:] if sizes[2] is not None else None,
    )
    return Previous(answer, witness, changed)
