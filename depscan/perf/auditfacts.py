"""What an audit read in each module's source, kept by content: its blind spots and the attributes it uses.

An audit parses and scopes every audited module once more after the scan, for
its blind spots and the attributes it uses (:func:`depscan.analysis.audit.audit`);
on pip's ``_vendor`` that is most of an audit whose scan comes from the
extraction cache. When anything in the tree changes, the whole stored answer
(:mod:`depscan.perf.runcache`) is a miss, but the facts of every module whose
source is unchanged still hold: they are a function of the source's bytes and
of what the audit asked (the module's name and path, the modules whose
attributes count), so they are kept here by a hash of those, and a module whose
facts are here is read but not parsed.

The facts are one file, ``<cache>/audit-facts/<code>.json``, named by depscan's
code fingerprint and the parsing Python (another depscan or Python starts
afresh): an HMAC with this user's secret (:mod:`depscan.trust`) on its first
line, then JSON. A file that does not verify (planted in the tree, or edited)
is not used, and is replaced; so is a directory that is a link.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from depscan import trust
from depscan.atomic import write_atomic
from depscan.extract.blindspots import KINDS, Blindspot
from depscan.fingerprint import code_fingerprint

Facts = tuple[list[Blindspot], list[tuple[str, str]] | None]
"""A module's blind spots, and the (module, attribute) pairs it uses (None: its source could not be read)."""

MAX_ENTRIES = 50_000  # modules' facts kept (a large tree's); the ones used longest ago go first
MAX_BYTES = 64 * 1024 * 1024
_MAC_LINE = 65  # the MAC in hex, and a newline


class AuditFacts:
    """The facts of modules' sources, loaded once, given by :meth:`remember`, written by :meth:`close`.

    ``secret`` signs the file; by default this user's. Without one nothing is loaded or kept."""

    def __init__(self, directory: str, secret: bytes | None = None) -> None:
        self.root = directory
        self.directory = os.path.join(directory, "audit-facts")
        self._secret = secret if secret is not None else trust.user_key()
        python = f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}"
        self._name = f"{code_fingerprint()}-{python}"
        self._file = os.path.join(self.directory, f"{self._name}.json")
        self._kept: dict[str, Any] = self._load()
        self._used: dict[str, Any] = {}
        self._added = False

    def remember(self, parts: Sequence[str], source: bytes, compute: Callable[[], Facts]) -> Facts:
        """The facts of ``source`` read with ``parts`` (what else decides them): as kept, else computed."""
        hashed = hashlib.sha256(len(source).to_bytes(8, "big"))  # where the source ends and its parts begin
        hashed.update(source)
        hashed.update("\0".join(parts).encode("utf-8", "surrogatepass"))
        key = hashed.hexdigest()
        kept = self._kept.get(key)
        facts = _decoded(kept) if kept is not None else None
        if facts is None:
            facts = compute()
            kept = _encoded(facts)
            self._added = True
        self._used[key] = kept
        return facts

    def close(self) -> None:
        """Keep the facts used in this run, and as many of the others as fit, when any were added."""
        if not self._added or self._secret is None or self._refused(create=True):
            return
        entries = dict(self._used)
        for key, value in self._kept.items():
            if len(entries) >= MAX_ENTRIES:
                break
            entries.setdefault(key, value)
        body = json.dumps(entries, separators=(",", ":")).encode("utf-8", "surrogatepass")
        if len(body) > MAX_BYTES:
            body = json.dumps(self._used, separators=(",", ":")).encode("utf-8", "surrogatepass")
        mac = trust.sign(self._secret, b"audit-facts", self._name.encode(), body)
        try:
            if trust.regular_or_absent(self._file):
                os.unlink(self._file)  # a planted link or FIFO: replaced, never written through
            write_atomic(self._file, [mac.hex().encode("ascii") + b"\n", body])
        except OSError:
            pass

    def _refused(self, *, create: bool) -> bool:
        return trust.directories_refused("audit facts", self.root, self.directory, create=create)

    def _load(self) -> dict[str, Any]:
        if self._secret is None or self._refused(create=False):
            return {}
        try:
            read = trust.read_own(self._file, MAX_BYTES)
        except OSError:
            return {}
        if read is None:
            return {}
        data = read[0]
        if len(data) < _MAC_LINE or data[_MAC_LINE - 1 : _MAC_LINE] != b"\n":
            return {}
        try:
            mac = bytes.fromhex(data[: _MAC_LINE - 1].decode("ascii"))
        except ValueError:
            return {}
        body = memoryview(data)[_MAC_LINE:]
        if not trust.verify(self._secret, mac, b"audit-facts", self._name.encode(), body):
            return {}  # not written by this user (planted in the tree), or damaged
        try:
            entries = json.loads(bytes(body))
        except ValueError:
            return {}
        return entries if isinstance(entries, dict) else {}


def _encoded(facts: Facts) -> list[Any]:
    spots, uses = facts
    return [[s.to_json() for s in spots], None if uses is None else [list(use) for use in uses]]


def _decoded(kept: Any) -> Facts | None:
    """The facts as :func:`_encoded` wrote them; None for anything else."""
    try:
        spots, uses = kept
        found = [_spot(item) for item in spots]
        used = None if uses is None else [(str(module), str(attribute)) for module, attribute in uses]
    except (TypeError, ValueError, KeyError):
        return None
    return found, used


def _spot(item: dict[str, Any]) -> Blindspot:
    kind, line, col = item["kind"], item["line"], item["col"]
    if kind not in KINDS or type(line) is not int or type(col) is not int:
        raise ValueError(kind)
    target = item["target"]
    return Blindspot(
        kind, line, col, str(item["expression"]), str(item["detail"]), None if target is None else str(target)
    )
