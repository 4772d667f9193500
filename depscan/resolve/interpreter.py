"""The target Python: what depscan must know of the interpreter the code will run on.

By default the target is *described*, never run: :mod:`depscan.resolve.describe` reads
its installation's files and :mod:`depscan.resolve.tables` supplies what no file says.
Running it is the user's explicit choice (``--probe-python``): then a small
probe script, started with ``-I -S`` (isolated, no ``site``) in an empty
temporary directory with a clean environment, reports what the interpreter
knows of itself; no module of the analysed program is imported and no ``.pth``
file is processed. The answer is checked field by field, then cached on disk,
keyed by the interpreter's path, modification time and size. Site directories
are worked out here in both cases, as :mod:`site` would, from ``pyvenv.cfg``
(read by depscan) and the prefixes.

Which interpreter is the target (:func:`choose_executable`) is the same rule for
every command: ``--python``, the configuration's ``python``, ``$VIRTUAL_ENV``,
a ``.venv`` in the project (never above it), else the Python running depscan.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from depscan.errors import DepscanError
from depscan.source import read_bytes

_VERSION = re.compile(r"[0-9]\.[0-9]{1,2}")


def plausible_version(version: tuple[int, int]) -> bool:
    """A version a program can target: 2.7, or Python 3 up to a generous future."""
    return version == (2, 7) or (version[0] == 3 and version[1] < 50)


class InterpreterError(DepscanError):
    """The target interpreter could not be told (missing, not Python, crashed)."""


@dataclass(frozen=True)
class Interpreter:
    """The target: read from its files (:mod:`depscan.resolve.describe`), from tables alone, or probed."""

    executable: str
    version: tuple[int, ...]
    implementation: str
    platform: str
    os_name: str
    prefix: str
    exec_prefix: str
    base_prefix: str
    base_exec_prefix: str
    sys_path: tuple[str, ...]
    builtin: frozenset[str]
    frozen: frozenset[str]
    stdlib_names: frozenset[str]
    stdlib_dirs: tuple[str, ...]
    extension_suffixes: tuple[str, ...]
    source_suffixes: tuple[str, ...] = (".py",)
    bytecode_suffixes: tuple[str, ...] = (".pyc",)
    site_dirs: tuple[str, ...] = ()  # in the order site adds them
    user_site: str | None = None
    user_site_enabled: bool = False
    venv: str | None = None  # the virtual environment's directory, if the target is one
    from_tables: bool = False  # built from depscan's tables, not from a real interpreter
    stdlib_modules: frozenset[str] = frozenset()  # with from_tables: every stdlib module, submodules too
    frozen_packages: frozenset[str] = frozenset()
    magic: str | None = None  # importlib.util.MAGIC_NUMBER, hex: which .pyc files the target can load
    probed: bool = False  # the user let depscan run it (--probe-python): ask it, not the tables
    notes: tuple[str, ...] = field(default=())

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version[:2]))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, (frozenset, set)):
                data[key] = sorted(value)
            elif isinstance(value, tuple):
                data[key] = list(value)
        return data


def find_venv_config(executable: str) -> Path | None:
    """``pyvenv.cfg`` beside the executable or one directory up, as CPython's getpath looks for it."""
    exe_dir = Path(os.path.abspath(executable)).parent
    for candidate in (exe_dir / "pyvenv.cfg", exe_dir.parent / "pyvenv.cfg"):
        if candidate.is_file():
            return candidate
    return None


def read_venv_config(path: Path) -> dict[str, str]:
    """``key = value`` lines, keys lower-cased, as :mod:`site` reads them (through the safe reader)."""
    data = read_bytes(path, 1 << 20)
    if not isinstance(data, bytes):
        raise InterpreterError(f"cannot read {path}: {data.message}")
    values: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


@dataclass(frozen=True)
class Choice:
    """The target interpreter's path, and who chose it (what ``--probe-python`` may run)."""

    path: str  # "" for a version
    # "--python", "configuration" (the analysed project's), "your configuration" (the auditor's),
    # "$VIRTUAL_ENV", "project .venv", "depscan's Python"
    chosen_by: str
    version: str | None = None  # "3.12": no interpreter, depscan's tables for CPython 3.12

    @property
    def chosen_by_user(self) -> bool:
        """Not chosen by the analysed tree (its configuration or a .venv in it)."""
        return self.chosen_by not in ("configuration", "project .venv")


def choose_executable(
    python: str | None,
    start: Path | None = None,
    project: Path | None = None,
    configured: str | None = None,
    configured_by: str = "configuration",
) -> Choice:
    """The target interpreter: ``--python`` (a path, a command on ``$PATH`` or a virtual
    environment's directory), else the configuration's ``python``, else ``$VIRTUAL_ENV``, else
    ``.venv/bin/python`` in ``start`` or a directory between it and ``project`` (never above the
    project, nor above ``start`` when it is outside the project), else this Python. The path is
    only chosen here: nothing is run."""
    if python is not None:
        return _chosen(python, "--python")
    if configured is not None:
        return _chosen(configured, configured_by)
    venv = os.environ.get("VIRTUAL_ENV")
    if venv and os.environ.get("PRE_COMMIT") and _same_directory(venv, sys.prefix):
        venv = None  # pre-commit's own environment for the hook, not the project's
    if venv:
        for name in ("bin/python", "Scripts/python.exe"):
            candidate = os.path.join(venv, name)
            if os.path.exists(candidate):
                return Choice(candidate, "$VIRTUAL_ENV")
    for directory in _up_to_project(start, project):
        local = directory / ".venv" / "bin" / "python"
        if local.exists():
            return Choice(str(local), "project .venv")
    return Choice(sys.executable, "depscan's Python")


def _chosen(python: str, chosen_by: str) -> Choice:
    """A named interpreter; a version ``X.Y`` is always CPython X.Y from the tables (a directory of
    that name in the working directory, which may be the analysed tree, is ``./X.Y``)."""
    version = table_version(python)
    if version is not None:
        return Choice("", chosen_by, version)
    return Choice(_named(python), chosen_by)


def table_version(text: str) -> str | None:
    """``text`` when it is a version ``X.Y`` a program can target (2.7, 3.0 to 3.49), else None."""
    if not _VERSION.fullmatch(text):
        return None
    major, minor = text.split(".")
    return text if plausible_version((int(major), int(minor))) else None


def _named(python: str) -> str:
    if not python.strip():
        raise InterpreterError("--python is empty: name an interpreter, a command or a virtual environment")
    # A command on $PATH (python3.12), else a path; a directory (.venv) is a virtual environment.
    found: str | None = python
    if os.sep not in python and not os.path.isdir(python):
        import shutil  # (here: a run that names its interpreter by path need not load it)

        found = shutil.which(python)
    if found is None or not os.path.exists(found):
        raise InterpreterError(f"no Python interpreter at {python!r}")
    if os.path.isdir(found):  # a virtual environment's directory
        for name in ("bin/python", "bin/python3", "Scripts/python.exe"):
            if os.path.exists(os.path.join(found, name)):
                return os.path.join(found, name)
        raise InterpreterError(f"{python!r} is a directory with no bin/python in it")
    return found


def _up_to_project(start: Path | None, project: Path | None) -> list[Path]:
    """``start`` and its ancestors up to ``project``; ``start`` alone when it is outside it."""
    if start is None:
        return []
    start = Path(os.path.abspath(start))
    if project is None:
        return [start]
    project = Path(os.path.abspath(project))
    if start != project and project not in start.parents:
        return [start]
    return [start, *(p for p in start.parents if p == project or project in p.parents)]


def _same_directory(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False
