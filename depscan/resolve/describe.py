"""The target Python described from its files, without running it.

A Python installation says what it is in files: ``pyvenv.cfg`` names a virtual
environment's base installation and version, the standard library sits in
``lib/pythonX.Y`` (its ``os.py`` is the landmark CPython's ``getpath`` looks
for), ``_sysconfigdata_*.py`` holds the build's extension suffix, ``config.c``
lists the modules built into the interpreter, and ``site.py`` tells a Debian
build (``dist-packages``) from an upstream one. What no file says (frozen
modules, the bytecode magic, the names each stdlib module defines) comes from
depscan's per-version tables (:mod:`depscan.resolve.tables`), generated from real
interpreters.

Every file is read through :func:`depscan.source.read_bytes` (non-blocking,
regular files only, size-limited), as text, never executed: the interpreter, a
``.pth`` file or ``sitecustomize`` named by an analysed tree cannot run. The
result is an :class:`~depscan.resolve.interpreter.Interpreter`, the same value the
opt-in probe builds, and ``tests/test_describe.py`` holds the two against each
other on real interpreters and virtual environments.

Worked example, a Debian virtual environment ``/p/.venv``::

    /p/.venv/bin/python -> /usr/bin/python3   pyvenv.cfg: home = /usr/bin, version = 3.11.2
    base prefix: /usr (the first ancestor of ``home`` holding lib/python3.11/os.py)
    sys.path:    /usr/lib/python311.zip, /usr/lib/python3.11, /usr/lib/python3.11/lib-dynload
    site dirs:   /p/.venv/lib/python3.11/site-packages (+ /usr's dist-packages with
                 include-system-site-packages = true)
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from depscan.resolve.interpreter import (
    Choice,
    Interpreter,
    InterpreterError,
    choose_executable,
    find_venv_config,
    plausible_version,
    read_venv_config,
)
from depscan.resolve.sitelayout import LIBDIRS, site_layout
from depscan.resolve.tables import Table, interpreter_from_table, load_table, nearest_version
from depscan.source import is_inside, read_bytes

_CONFIG_BYTES = 1 << 20  # pyvenv.cfg, _sysconfigdata, config.c
_BINARY_BYTES = 256 << 20  # an interpreter or libpython scanned for its built-in modules
# Every pattern is bounded (digits, names, spaces): the files read are the analysed tree's, and an
# unbounded repetition over crafted input costs quadratic time (a 1 MB file of newlines: minutes).
_EXE_VERSION = re.compile(r"python(\d{1,2})\.(\d{1,3})(t?)")
_VERSION = re.compile(r"[ \t]{0,80}(\d{1,2})\.(\d{1,3})(?:\.(\d{1,4}))?")
_INITTAB = re.compile(rb'\{[ \t]{0,8}"([A-Za-z_][\w.]{0,63})"[ \t]{0,8},')
_PYINIT = re.compile(rb"PyInit_([A-Za-z_]\w{0,63})\x00")
_PY_VERSION = re.compile(rb'#define[ \t]{1,40}PY_VERSION[ \t]{1,40}"(\d{1,2})\.(\d{1,3})\.(\d{1,4})')
_SYSCONFIG_STRING = re.compile(r"^[ \t]{0,8}'([A-Z_]{1,40})':[ \t]{0,8}'([^'\\\n]{0,400})',?[ \t]{0,8}$", re.MULTILINE)


@dataclass(frozen=True)
class _Layout:
    """Where an installation keeps its standard library: ``prefix/libdir/pythonX.Y[t]``."""

    prefix: str
    libdir: str
    version: tuple[int, int]
    thread: str  # "t" for a free-threaded build (python3.13t), else ""

    @property
    def name(self) -> str:
        return f"python{self.version[0]}.{self.version[1]}{self.thread}"

    @property
    def stdlib(self) -> str:
        return os.path.join(self.prefix, self.libdir, self.name)


# Built-in modules that have no PyInit_ function of that name (CPython 3): found in every build.
_CORE_BUILTINS = frozenset({"builtins", "sys", "marshal", "_warnings", "_imp"})


def describe(executable: str, environ: dict[str, str] | None = None) -> Interpreter:
    """The installation ``executable`` belongs to, read from its files.

    Raises :class:`InterpreterError` when the files do not describe a Python
    (no standard library where the layout puts it, no version to be read).
    """
    environ = dict(os.environ) if environ is None else environ
    exe = os.path.abspath(executable)
    if not os.path.exists(exe):
        raise InterpreterError(f"no Python interpreter at {executable!r}")
    _check_native(exe, executable)
    venv_cfg = find_venv_config(exe)
    venv_values = read_venv_config(venv_cfg) if venv_cfg else {}
    venv_dir = str(venv_cfg.parent) if venv_cfg else None
    named = _version(exe, venv_values)
    home = venv_values.get("home") if venv_dir else None
    real_dir = os.path.dirname(os.path.realpath(exe))
    # Where the standard library is looked for, nearest first: beside `home` (bin/..), beside the
    # file the executable is (a venv made from another venv names that venv's bin/ as `home`;
    # CPython then falls back to the prefix it was built with, the installation that file is in),
    # and only then further up from `home`, as getpath's search does (never first: on a merged-/usr
    # system /lib/pythonX.Y is the system Python's, above every directory).
    starts = [os.path.abspath(home)] if home else []
    starts += [real_dir] if real_dir not in starts else []
    layout = None
    for start, levels in [*((one, 2) for one in starts), (starts[0], None)]:
        layout = _find_layout(start, *named, levels=levels) if named else _layout_beside(start)
        if layout is not None:
            break
    start = starts[0]
    if layout is None:
        wanted = f"lib/python{named[0][0]}.{named[0][1]}{named[1]}/os.py" if named else "lib/pythonX.Y/os.py"
        raise InterpreterError(
            f"{executable} does not look like a Python installation: no {wanted} above {start}; "
            "name a real interpreter, or give --python-version X.Y"
        )
    if not plausible_version(layout.version):
        raise InterpreterError(f"{executable}: Python {layout.version[0]}.{layout.version[1]} is not a known version")
    return _build(exe, layout, venv_dir, venv_values, environ)


# ELF, PE, Mach-O (both byte orders, 32 and 64 bits) and Mach-O universal.
_NATIVE: tuple[bytes, ...] = (b"\x7fELF", b"MZ", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe")
_NATIVE += (b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


def _check_native(exe: str, given: str) -> None:
    """An interpreter is a native executable; a script (a pyenv shim, a wrapper) says nothing of the
    Python it would start, and is not run to find out."""
    data = read_bytes(os.path.realpath(exe), 4, head=True)
    if not isinstance(data, bytes):
        raise InterpreterError(f"cannot read the interpreter {given}: {data.message}")
    if not data.startswith(_NATIVE):
        what = "a script" if data.startswith(b"#!") else "not an executable"
        raise InterpreterError(
            f"{given} is {what}, not a Python interpreter (a pyenv shim or a wrapper?): name the interpreter "
            "itself (for pyenv: `pyenv which python`), or give --python-version X.Y"
        )


def _build(
    exe: str,
    layout: _Layout,
    venv_dir: str | None,
    venv_values: dict[str, str],
    environ: dict[str, str],
) -> Interpreter:
    prefix, version, stdlib = layout.prefix, layout.version, layout.stdlib
    x_y = f"{version[0]}.{version[1]}"
    table, table_version = _table(x_y)
    config = _sysconfig(stdlib)
    platlibdir = config.get("PLATLIBDIR") or layout.libdir
    dynload = os.path.join(prefix, platlibdir, layout.name, "lib-dynload")
    if not os.path.isdir(dynload):
        dynload = os.path.join(stdlib, "lib-dynload")
    zipped = os.path.join(prefix, platlibdir, f"python{version[0]}{version[1]}{layout.thread}.zip")
    sys_path = [zipped, stdlib, dynload]
    if version[0] == 2:
        plat = "linux2" if sys.platform.startswith("linux") else sys.platform
        sys_path[2:2] = [os.path.join(stdlib, f"plat-{plat}"), os.path.join(stdlib, "lib-tk")]
        sys_path.insert(4, os.path.join(stdlib, "lib-old"))
    site = site_layout(prefix, version, platlibdir, venv_dir, venv_values, environ, layout.thread)
    notes = [f"described from its files ({table_version} tables)"]
    if table_version != x_y:
        notes.append(f"depscan has no table for Python {x_y}: frozen modules and stdlib names from {table_version}")
    return Interpreter(
        executable=exe,
        version=(*version, *_micro(prefix, x_y, venv_values)),  # _micro: x_y without the "t"
        implementation="cpython",
        platform=sys.platform,
        os_name=os.name,
        prefix=venv_dir or prefix,
        exec_prefix=venv_dir or prefix,
        base_prefix=prefix,
        base_exec_prefix=prefix,
        sys_path=tuple(sys_path),
        builtin=_builtins(exe, layout, table),
        frozen=frozenset(table["frozen"]),
        stdlib_names=frozenset(table["stdlib"]),
        stdlib_dirs=(stdlib,),
        extension_suffixes=_extension_suffixes(config, version, table),
        site_dirs=site.site_dirs,
        user_site=site.user_site,
        user_site_enabled=site.user_site_enabled,
        venv=venv_dir,
        frozen_packages=frozenset(table.get("frozen_packages", ())),
        magic=table.get("magic") if table_version == x_y else None,
        notes=tuple(notes),
    )


def _version(exe: str, venv_values: dict[str, str]) -> tuple[tuple[int, int], str] | None:
    """X.Y (and "t" for a free-threaded build): from the name of the file the executable is (a venv's
    ``python`` links to the base's ``python3.12``, whose version is compiled in, whatever
    pyvenv.cfg says), else pyvenv.cfg's ``version`` (virtualenv's ``version_info``), for a copied
    executable, else the name it was called by."""
    real = _EXE_VERSION.fullmatch(os.path.basename(os.path.realpath(exe)))
    if real:
        return (int(real.group(1)), int(real.group(2))), real.group(3)
    for key in ("version", "version_info"):
        match = _VERSION.match(venv_values.get(key, ""))
        if match:
            return (int(match.group(1)), int(match.group(2))), ""
    named = _EXE_VERSION.fullmatch(os.path.basename(exe))
    if named:
        return (int(named.group(1)), int(named.group(2))), named.group(3)
    return None


def _micro(prefix: str, x_y: str, venv_values: dict[str, str]) -> tuple[int, ...]:
    """The micro version: ``PY_VERSION`` in the installation's ``patchlevel.h``, else pyvenv.cfg's."""
    for abiflags in ("", "m", "t", "d", "dm", "u", "mu"):
        data = read_bytes(os.path.join(prefix, "include", f"python{x_y}{abiflags}", "patchlevel.h"), _CONFIG_BYTES)
        if isinstance(data, bytes):
            found = _PY_VERSION.search(data)
            if found and f"{int(found.group(1))}.{int(found.group(2))}" == x_y:
                return (int(found.group(3)),)
    for key in ("version", "version_info"):
        match = _VERSION.match(venv_values.get(key, ""))
        if match and match.group(3) and f"{int(match.group(1))}.{int(match.group(2))}" == x_y:
            return (int(match.group(3)),)
    return ()


def _find_layout(start: str, version: tuple[int, int], thread: str, levels: int | None = None) -> _Layout | None:
    """As CPython's getpath: the first of ``start`` and its ancestors (``levels`` of them at most)
    holding the standard library's landmark, ``{lib,lib64}/pythonX.Y[t]/os.py`` (or ``os.pyc``)."""
    directory = start
    while levels is None or levels > 0:
        levels = None if levels is None else levels - 1
        for libdir in LIBDIRS:
            layout = _Layout(directory, libdir, version, thread)
            if any(os.path.isfile(os.path.join(layout.stdlib, name)) for name in ("os.py", "os.pyc")):
                return layout
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent
    return None


def _layout_beside(start: str) -> _Layout | None:
    """No version is named (a ``python`` that is no link to ``pythonX.Y``, no pyvenv.cfg): the
    installation the executable's own directory belongs to (``bin/..``), when it holds exactly one
    standard library; never one found further up, which could be any other Python's."""
    prefix = os.path.dirname(start)
    found = []
    for libdir in LIBDIRS:
        try:
            names = os.listdir(os.path.join(prefix, libdir))
        except OSError:
            continue
        for name in names:
            match = _EXE_VERSION.fullmatch(name)
            if match:
                layout = _Layout(prefix, libdir, (int(match.group(1)), int(match.group(2))), match.group(3))
                if os.path.isfile(os.path.join(layout.stdlib, "os.py")):
                    found.append(layout)
    return found[0] if len(found) == 1 else None


def _table(x_y: str) -> tuple[Table, str]:
    version = nearest_version(x_y)
    return load_table(version), version


def _sysconfig(stdlib: str) -> dict[str, str]:
    """The string values of the build's ``_sysconfigdata*.py``, read as text (never imported)."""
    try:
        names = sorted(n for n in os.listdir(stdlib) if n.startswith("_sysconfigdata") and n.endswith(".py"))
    except OSError:
        return {}
    # Debian ships two: _sysconfigdata__linux_<multiarch>.py and _sysconfigdata__<multiarch>.py, alike.
    for name in names:
        data = read_bytes(os.path.join(stdlib, name), _CONFIG_BYTES)
        if isinstance(data, bytes):
            return dict(_SYSCONFIG_STRING.findall(data.decode("utf-8", "replace")))
    return {}


def _extension_suffixes(config: dict[str, str], version: tuple[int, int], table: Table) -> tuple[str, ...]:
    """importlib.machinery.EXTENSION_SUFFIXES on POSIX: the build's tag, the stable ABI, plain ``.so``."""
    if version[0] == 2:
        return (".so", "module.so")
    soabi = config.get("SOABI")
    if soabi:
        return (f".{soabi}.so", ".abi3.so", ".so")
    return tuple(table["extension_suffixes"])


def _builtins(exe: str, layout: _Layout, table: Table) -> frozenset[str]:
    """The modules compiled into the interpreter: ``config.c``'s inittab, else the names of the
    ``PyInit_`` functions in the executable and libpython (only those inside the installation), else
    the table's."""
    stdlib, x_y = layout.stdlib, f"{layout.version[0]}.{layout.version[1]}"
    try:
        configs = sorted(n for n in os.listdir(stdlib) if n.startswith(f"config-{x_y}"))
    except OSError:
        configs = []
    for name in configs:
        data = read_bytes(os.path.join(stdlib, name, "config.c"), _CONFIG_BYTES)
        if isinstance(data, bytes):
            found = {m.decode() for m in _INITTAB.findall(data)}
            if "sys" in found:
                return frozenset(found)
    found = set()
    for binary in _binaries(exe, layout.prefix):
        data = read_bytes(binary, _BINARY_BYTES)
        if isinstance(data, bytes):
            found |= {m.decode() for m in _PYINIT.findall(data)}
    if found:
        return frozenset(found | (_CORE_BUILTINS & set(table["builtin"])))
    return frozenset(table["builtin"])


def _binaries(exe: str, prefix: str) -> list[str]:
    """The executable and ``libpython*`` of the installation, links resolved; a link that leads
    outside the installation (a planted one to a huge file elsewhere) is not read."""
    found = [os.path.realpath(exe)]
    for libdir in LIBDIRS:
        directory = os.path.join(prefix, libdir)
        try:
            names = sorted(n for n in os.listdir(directory) if n.startswith("libpython"))
        except OSError:
            continue
        for name in names:
            real = os.path.realpath(os.path.join(directory, name))
            if is_inside(real, prefix) and real not in found:
                found.append(real)
    return found[:4]


def target_interpreter(
    python: str | None,
    *,
    start: Path | None = None,
    project: Path | None = None,
    configured: str | None = None,
    probe_python: bool = False,
) -> Interpreter:
    """The target of every command: the chosen interpreter
    (:func:`~depscan.resolve.interpreter.choose_executable`: a version ``X.Y`` is a target from
    the tables) described from its files, or, with ``probe_python`` and an interpreter the user
    chose (not the analysed tree's configuration or ``.venv``), run."""
    return interpreter_of(choose_executable(python, start, project, configured), probe_python)


def interpreter_of(choice: Choice, probe_python: bool = False) -> Interpreter:
    """The chosen interpreter described from its files, or run when the user asked for that and
    chose it."""
    if choice.version is not None:
        return interpreter_from_table(choice.version)
    if not probe_python:
        return describe(choice.path)
    if not choice.chosen_by_user:
        raise InterpreterError(
            f"--probe-python runs the target interpreter, and {choice.path} was chosen by the analysed "
            f"tree ({choice.chosen_by}); name it with --python to run it"
        )
    from depscan.resolve.probe import probe

    return probe(choice.path)
