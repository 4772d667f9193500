"""Stored answers, for every command that keeps them (scan, why, importers, check): one rule.

A run's key is everything about the command that can change its answer (the
command, the options, the configuration file, the target interpreter and its
signature, the environment variables that move the search path, depscan's own
code); the answer is kept with a witness of what it was worked out from
(:mod:`depscan.perf.runcache`), and given back only while every entry holds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from depscan.app.settings import Settings
from depscan.perf.runcache import KEY_ENVIRONMENT, Answer, Previous, RunCache, run_key, signature, witness
from depscan.resolve.interpreter import InterpreterError


@dataclass
class Stored:
    """The stored answer of one run: look it up, or keep the new one."""

    runs: RunCache | None
    key: str | None
    configuration: tuple[str, ...] = ()  # the configuration file read, and where one would be found
    started_ns: int = field(default_factory=time.time_ns)  # a witness entry changed after this is not trusted

    def load(self) -> Answer | None:
        return self.runs.load(self.key) if self.runs is not None and self.key is not None else None

    def previous(self) -> Previous | None:
        """The stored answer whatever changed since, with what did (see :meth:`RunCache.previous`)."""
        return self.runs.previous(self.key) if self.runs is not None and self.key is not None else None

    def keep_updated(self, answer: Answer, previous: Previous) -> bool:
        """Keep an answer updated from ``previous``: its witness, the entries that changed signed
        anew. False when it is not kept (too fresh to trust, or no cache)."""
        if self.runs is None or self.key is None:
            return False
        changed = set(previous.changed)
        entries = [(path, signature(path) if path in changed else sig) for path, sig in previous.witness]
        return self.runs.store(self.key, entries, answer, self.started_ns)

    def keep(self, answer: Answer, depends_on: Iterable[str], listings: Mapping[str, Any] | None) -> None:
        if self.runs is None or self.key is None:
            return
        # An edit of the configuration, or one that appears nearer the target, changes the answer.
        entries = witness([*depends_on, *self.configuration], listings)
        if entries is not None:
            self.runs.store(self.key, entries, answer, self.started_ns)


def stored(settings: Settings, parts: Mapping[str, Any]) -> Stored:
    """The stored answer of this run (none with ``--no-cache``, with the fast paths off, or when
    the target interpreter cannot be told: the command will say why)."""
    if settings.cache_dir is None:
        return Stored(None, None)
    try:
        choice = settings.choice()
    except InterpreterError:
        return Stored(None, None)
    python = ["tables", choice.version] if choice.version else [choice.path, signature(choice.path)]
    options = settings.options
    key = run_key(
        {
            "command": settings.command,
            "cwd": os.getcwd(),
            "root": settings.project,
            "config": settings.config.file,
            "python": [*python, options.probe_python],
            "options": {k: v for k, v in vars(options).items() if k not in ("no_cache", "cache_dir", "python")},
            "env": [os.environ.get(name) for name in KEY_ENVIRONMENT],
            **parts,
        }
    )
    return Stored(RunCache(settings.cache_dir), key, settings.configuration)
