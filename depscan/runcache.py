"""The answer of a whole ``depscan check``, kept until something it depends on changes.

A pre-commit hook runs ``depscan check`` again and again on a tree that has
not changed. Each answer is stored with its *witness*: every file and
directory it was worked out from, with their modification times and sizes —
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

Answers are JSON files in ``<cache>/runs/``, written atomically; one that
cannot be read is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from depscan.atomic import write_atomic

SCHEMA = 1
FRESH_NS = 3_000_000_000  # a witness changed this recently makes a run too fresh to store
Entry = tuple[str, list[int] | None]  # path, [mtime_ns, size] (None: not there)


@dataclass(frozen=True)
class Answer:
    report: str  # what was printed (or written to -o)
    summary: str | None  # the line for standard error
    status: int  # the exit status


def code_fingerprint() -> str:
    """A hash of depscan's own code: another version's answers are not this one's."""
    digest = hashlib.sha256()
    package = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(package, "data")
    names = [os.path.join(package, n) for n in os.listdir(package) if n.endswith(".py")]
    if os.path.isdir(data):  # the stdlib tables
        names += [os.path.join(data, n) for n in os.listdir(data)]
    for path in sorted(names):
        try:
            with open(path, "rb") as handle:
                digest.update(os.path.basename(path).encode() + b"\0" + handle.read())
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()[:20]


def run_key(parts: Mapping[str, Any]) -> str:
    """The key of a run: everything about the command that can change its answer."""
    text = json.dumps({"schema": SCHEMA, "code": code_fingerprint(), **parts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def signature(path: str) -> list[int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return [info.st_mtime_ns, info.st_size]


def witness(paths: Iterable[str]) -> list[Entry]:
    """The signatures of ``paths`` (files or directories), now."""
    return [(path, signature(path)) for path in sorted(set(paths))]


def too_fresh(entries: Iterable[Entry], since_ns: int | None = None) -> bool:
    """Some entry changed less than FRESH_NS before ``since_ns`` (default: now), or after it."""
    since = time.time_ns() if since_ns is None else since_ns
    return any(sig is not None and sig[0] > since - FRESH_NS for _, sig in entries)


class RunCache:
    def __init__(self, directory: str) -> None:
        self.directory = os.path.join(directory, "runs")

    def _file(self, key: str) -> str:
        return os.path.join(self.directory, f"{key}.json")

    def load(self, key: str) -> Answer | None:
        """The stored answer of the run ``key``, when every entry of its witness still holds."""
        try:
            with open(self._file(key), encoding="utf-8") as handle:
                data = json.load(handle)
            if data.get("schema") != SCHEMA:
                return None
            for path, stored in data["witness"]:
                if signature(path) != stored:
                    return None
            answer = data["answer"]
            summary = answer["summary"]
            if not isinstance(answer["report"], str) or not isinstance(answer["status"], int):
                return None
            return Answer(answer["report"], summary if isinstance(summary, str) else None, answer["status"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, key: str, entries: list[Entry], answer: Answer, started_ns: int | None = None) -> bool:
        """Keep the answer; not when its witness is too fresh to trust: changed in the seconds
        before the run started (``started_ns``) or during it. False when not kept."""
        if too_fresh(entries, started_ns):
            return False
        data = {
            "schema": SCHEMA,
            "witness": entries,
            "answer": {"report": answer.report, "summary": answer.summary, "status": answer.status},
        }
        try:
            os.makedirs(self.directory, exist_ok=True)
            write_atomic(self._file(key), json.dumps(data, separators=(",", ":")))
        except OSError:
            return False
        return True
