"""Targets without an interpreter: ``--python-version X.Y`` from tables shipped with depscan.

``depscan/data/stdlib-X.Y.json`` holds, for one CPython version on Linux, the
builtin, frozen and standard library module names (submodules included) and
the extension suffixes. The tables for 3.8-3.13 were generated from real
interpreters by ``tools/gen_tables.py``; the one for 3.14 from the module list
of the ``stdlib-list`` package (0.12.0, ``lists/3.14.txt``), which leaves out
the ``test`` package, with builtin and frozen names taken from 3.13. See the
README for how to regenerate them.
"""

from __future__ import annotations

import json
import sys
from importlib import resources

from depscan.interpreter import Interpreter, InterpreterError


def available_versions() -> list[str]:
    names = [entry.name for entry in resources.files("depscan.data").iterdir()]
    versions = [n.removeprefix("stdlib-").removesuffix(".json") for n in names if n.startswith("stdlib-")]
    return sorted(versions, key=lambda v: tuple(int(p) for p in v.split(".")))


def interpreter_from_table(version: str, platform: str | None = None) -> Interpreter:
    """A target described by the table of ``version`` ("3.12"); no sys.path, no site-packages."""
    try:
        text = resources.files("depscan.data").joinpath(f"stdlib-{version}.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        known = ", ".join(available_versions())
        raise InterpreterError(f"no table for Python {version}; depscan has tables for {known}") from None
    table = json.loads(text)
    target_platform = platform or table["platform"] or sys.platform
    return Interpreter(
        executable="",
        version=tuple(int(part) for part in version.split(".")),
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
        notes=(table["source"],),
    )
