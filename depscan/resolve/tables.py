"""What depscan knows of each CPython version without running it: tables shipped in ``depscan/data``.

``stdlib-X.Y.json`` holds, for one CPython version on Linux, the builtin,
frozen and standard library module names (submodules included), the frozen
packages, the bytecode magic number and the extension suffixes.
``stdlib-names-X.Y.json.gz`` holds the names each stdlib module defines
(``dir()`` of it, as ``from module import name`` sees them), merged over the
builds the table was made from. Both were generated from real interpreters
(2.7 and 3.6-3.13) by ``tools/gen_tables.py``; the 3.14 table comes from the
module list of the ``stdlib-list`` package (0.12.0, ``lists/3.14.txt``), which
leaves out the ``test`` package, with builtin and frozen names taken from 3.13,
and has no names table. See the README for how to regenerate them.

They serve :mod:`depscan.resolve.describe` (a target read from its files), and
``--python-version X.Y`` (a target with no installation at all).
"""

from __future__ import annotations

import functools
import gzip
import json
import sys
from importlib import resources
from typing import Any

from depscan.resolve.interpreter import Interpreter, InterpreterError

Table = dict[str, Any]

# Never imported to learn their names (by tools/gen_tables.py, or by an opted-in probe): the
# programs (``__main__`` modules, idlelib, turtledemo), the test suites, and modules that act
# when imported (``venv.__main__`` creates an environment, ``this`` prints, ``antigravity``
# opens a browser).
NOT_IMPORTED_PARTS = frozenset(
    {"__main__", "test", "tests", "idle_test", "idlelib", "turtledemo", "antigravity", "this"}
    | {"__hello__", "__phello__", "__hello_alias__", "__hello_only__", "__phello_alias__"}
)


def may_import(module: str) -> bool:
    """Whether asking ``module`` for its names is known to be free of side effects."""
    return NOT_IMPORTED_PARTS.isdisjoint(module.split("."))


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@functools.cache
def available_versions() -> list[str]:
    names = [entry.name for entry in resources.files("depscan.data").iterdir()]
    versions = [n[len("stdlib-") : -len(".json")] for n in names if n.startswith("stdlib-") and n.endswith(".json")]
    return sorted((v for v in versions if v.replace(".", "").isdigit()), key=_key)


def nearest_version(version: str) -> str:
    """``version`` when depscan has its table, else the newest older one of the same major version
    (else its oldest); :class:`InterpreterError` for a major version depscan has no table of."""
    known = available_versions()
    if version in known:
        return version
    same = [v for v in known if _key(v)[0] == _key(version)[0]]
    if not same:
        raise InterpreterError(f"no table for Python {version}; depscan has tables for {', '.join(known)}")
    older = [v for v in same if _key(v) < _key(version)]
    return older[-1] if older else same[0]


@functools.cache
def load_table(version: str) -> Table:
    """The module table of ``version`` ("3.12")."""
    try:
        text = resources.files("depscan.data").joinpath(f"stdlib-{version}.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        known = ", ".join(available_versions())
        raise InterpreterError(f"no table for Python {version}; depscan has tables for {known}") from None
    table: Table = json.loads(text)
    return table


@functools.cache
def every_stdlib_name() -> frozenset[str]:
    """The top-level standard library modules of any Python depscan has a table of (2.7's
    ``Queue``, 3.14's ``annotationlib``, Windows' ``msvcrt``)."""
    names: set[str] = set()
    for version in available_versions():
        table = load_table(version)
        names.update(table["stdlib"], table["builtin"])
    return frozenset(names)


@functools.cache
def stdlib_module_names(version: str) -> dict[str, list[str] | None]:
    """The names each stdlib module of ``version`` defines, as listed (None: it could not be
    imported where the table was made); empty when depscan has no names table for that version.
    The caller makes sets of the few it asks about: 750 sets cost more than the file's parse."""
    try:
        data = resources.files("depscan.data").joinpath(f"stdlib-names-{version}.json.gz").read_bytes()
    except (FileNotFoundError, OSError):
        return {}
    names: dict[str, list[str] | None] = json.loads(gzip.decompress(data))["names"]
    return names


def interpreter_from_table(version: str, platform: str | None = None) -> Interpreter:
    """A target described by the table of ``version`` ("3.12"); no sys.path, no site-packages."""
    table = load_table(version)
    target_platform = platform or table["platform"] or sys.platform
    return Interpreter(
        executable="",
        version=_key(version),
        implementation="cpython",
        platform=target_platform,
        os_name="nt" if target_platform == "win32" else "posix",
        prefix="",
        exec_prefix="",
        base_prefix="",
        base_exec_prefix="",
        sys_path=(),
        builtin=frozenset(table["builtin"]),
        frozen=frozenset(table["frozen"]),
        stdlib_names=frozenset(table["stdlib"]),
        stdlib_dirs=(),
        extension_suffixes=tuple(table["extension_suffixes"]),
        from_tables=True,
        stdlib_modules=frozenset(table["modules"]),
        frozen_packages=frozenset(table.get("frozen_packages", ())),
        magic=table.get("magic"),
        notes=(table["source"],),
    )
