"""The target Python: what depscan must know of the interpreter the code will run on.

The target is asked once, in a subprocess started with ``-I -S`` (isolated, no
``site``), by a small probe script that only reads interpreter state: no module
of the analysed program is imported and no ``.pth`` file is processed. The
answer is cached on disk, keyed by the interpreter's path and modification
time. Site directories are then worked out here, as :mod:`site` would, from
``pyvenv.cfg`` (read by depscan: under ``-S`` a virtual environment reports its
base prefix) and the prefixes.

Without an interpreter, ``--python-version X.Y`` uses tables shipped with
depscan (see :mod:`depscan.tables`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from depscan import __version__

# Runs inside the target interpreter. Python 2.7 and 3.6+ syntax on purpose:
# the target may be older than depscan's own interpreter.
PROBE = r"""
import json, os, sys
try:
    import importlib.machinery as machinery
    extensions = list(machinery.EXTENSION_SUFFIXES)
    sources = list(machinery.SOURCE_SUFFIXES)
    bytecodes = list(machinery.BYTECODE_SUFFIXES)
except ImportError:
    import imp
    extensions = [s for s, m, k in imp.get_suffixes() if k == imp.C_EXTENSION]
    sources, bytecodes = [".py"], [".pyc"]
try:
    import _imp
except ImportError:
    import imp as _imp
candidates = ["_frozen_importlib", "_frozen_importlib_external", "zipimport",
              "__hello__", "__phello__", "__phello__.spam"]
lister = getattr(_imp, "_frozen_module_names", None)
if lister is not None:
    candidates = list(lister())
finder = getattr(_imp, "find_frozen", None)
frozen = []
frozen_packages = []
for name in candidates:
    try:
        ok = finder(name) is not None if finder is not None else _imp.is_frozen(name)
        if ok and getattr(_imp, "is_frozen_package", lambda n: False)(name):
            frozen_packages.append(name)
    except ImportError:
        ok = False
    if ok:
        frozen.append(name)
try:
    from importlib.util import MAGIC_NUMBER
    magic = MAGIC_NUMBER.hex()
except ImportError:
    import imp
    magic = imp.get_magic().encode("hex")
import sysconfig
paths = sysconfig.get_paths()
user_site, site_dirs = None, []
try:
    if sys.version_info < (3, 3):
        raise ImportError("importing site runs site.main() before 3.3: .pth files would run")
    import site
    user_site = site.getusersitepackages()
    prefixes = [p if p != "<base>" else sys.prefix for p in json.loads(sys.argv[1])]
    site_dirs = [site.getsitepackages([p]) for p in prefixes]
except Exception:
    user_site, site_dirs = None, []
path = list(sys.path)
if path and path[0] == "" and not getattr(sys.flags, "isolated", 0):
    path = path[1:]
impl = getattr(sys, "implementation", None)
print(json.dumps({
    "executable": sys.executable,
    "version": list(sys.version_info[:3]),
    "implementation": impl.name if impl else "cpython",
    "platform": sys.platform,
    "os_name": os.name,
    "prefix": sys.prefix,
    "exec_prefix": sys.exec_prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "base_exec_prefix": getattr(sys, "base_exec_prefix", sys.exec_prefix),
    "sys_path": path,
    "builtin": sorted(sys.builtin_module_names),
    "frozen": sorted(frozen),
    "frozen_packages": sorted(frozen_packages),
    "magic": magic,
    "stdlib_names": sorted(getattr(sys, "stdlib_module_names", [])),
    "stdlib_dirs": sorted(set(p for p in (paths.get("stdlib"), paths.get("platstdlib")) if p)),
    "extension_suffixes": extensions,
    "source_suffixes": sources,
    "bytecode_suffixes": bytecodes,
    "site_dirs": site_dirs,
    "user_site": user_site,
    "no_user_site": bool(sys.flags.no_user_site),
    "platlibdir": getattr(sys, "platlibdir", "lib"),
}))
"""


PROBE_VERSION = 2  # bump when the probe reports something new: cached answers are then asked again


class InterpreterError(Exception):
    """The target interpreter could not be asked (missing, not Python, crashed)."""


@dataclass(frozen=True)
class Interpreter:
    """What the probe reported, plus the virtual environment read from ``pyvenv.cfg``."""

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
    """``pyvenv.cfg`` beside the executable or one directory up, as ``site`` looks for it."""
    exe_dir = Path(os.path.abspath(executable)).parent
    for candidate in (exe_dir / "pyvenv.cfg", exe_dir.parent / "pyvenv.cfg"):
        if candidate.is_file():
            return candidate
    return None


def read_venv_config(path: Path) -> dict[str, str]:
    """``key = value`` lines, keys lower-cased, as :mod:`site` reads them."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return values
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


def choose_executable(python: str | None, project: Path | None = None) -> str:
    """``--python PATH``, else ``$VIRTUAL_ENV``, else a ``.venv`` beside the project, else this Python."""
    if python:
        found = shutil.which(python) if os.sep not in python else python
        if found is None or not os.path.exists(found):
            raise InterpreterError(f"no Python interpreter at {python!r}")
        if os.path.isdir(found):  # a virtual environment's directory
            for name in ("bin/python", "bin/python3", "Scripts/python.exe"):
                if os.path.exists(os.path.join(found, name)):
                    return os.path.join(found, name)
            raise InterpreterError(f"{python!r} is a directory with no bin/python in it")
        return found
    venv = os.environ.get("VIRTUAL_ENV")
    if venv and os.environ.get("PRE_COMMIT") and _same_directory(venv, sys.prefix):
        venv = None  # pre-commit's own environment for the hook, not the project's
    if venv:
        for name in ("bin/python", "Scripts/python.exe"):
            candidate = os.path.join(venv, name)
            if os.path.exists(candidate):
                return candidate
    if project is not None:
        for directory in (project, *project.parents):
            local = directory / ".venv" / "bin" / "python"
            if local.exists():
                return str(local)
            if (directory / "pyproject.toml").exists() or (directory / ".git").exists():
                break
    return sys.executable


def _same_directory(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "depscan" / "interpreters"


def probe(executable: str, use_cache: bool = True) -> Interpreter:
    """Ask ``executable`` about itself (once; later answers come from the cache)."""
    import hashlib  # here, not above: the check starts its work before probing (see depscan.project)

    config = find_venv_config(executable)
    venv_values = read_venv_config(config) if config else {}
    venv_dir = str(config.parent) if config else None
    include_system = venv_values.get("include-system-site-packages", "false").lower() == "true"
    try:
        stat = os.stat(executable)
    except OSError as exc:
        raise InterpreterError(f"cannot run {executable}: {exc.strerror}") from None
    key_text = json.dumps(
        [PROBE_VERSION, os.path.abspath(executable), stat.st_mtime_ns, stat.st_size, __version__, venv_values]
    )
    key = hashlib.sha256(key_text.encode()).hexdigest()[:32]
    cache_file = _cache_dir() / f"{key}.json"
    data: dict[str, Any] | None = None
    if use_cache:
        try:
            data = json.loads(cache_file.read_text())
        except (OSError, ValueError):
            data = None
    if data is None:
        data = _run_probe(executable, venv_dir, include_system)
        if use_cache:
            try:
                from depscan.atomic import write_atomic

                cache_file.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(cache_file, json.dumps(data))
            except OSError:
                pass  # a read-only home is no reason to fail
    return _build(data, venv_dir, include_system)


def _run_probe(executable: str, venv_dir: str | None, include_system: bool) -> dict[str, Any]:
    import subprocess

    prefixes: list[str] = []
    # The probe runs under -S, so sys.prefix there is the base prefix; the
    # venv's own directory is passed in and goes first, as site.venv() does.
    if venv_dir:
        prefixes.append(venv_dir)
    arguments = json.dumps([*prefixes, "<base>"] if (not venv_dir or include_system) else prefixes)
    script = PROBE
    for flags in (["-I", "-S"], ["-E", "-s", "-S"]):  # Python 2.7 has no -I
        try:
            done = subprocess.run(
                [executable, *flags, "-c", script, arguments],
                capture_output=True,
                text=True,
                timeout=60,
                env=_clean_env(),
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InterpreterError(f"cannot run {executable}: {exc}") from None
        if done.returncode == 0:
            try:
                result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
                return result
            except (ValueError, IndexError):
                raise InterpreterError(f"{executable} did not answer like a Python interpreter") from None
        if "-I" not in done.stderr and "Unknown option" not in done.stderr:
            break
    message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit status {done.returncode}"
    raise InterpreterError(f"{executable} failed to describe itself: {message}")


def _default_site_dirs(data: dict[str, Any], venv_dir: str | None, include_system: bool) -> list[list[str]]:
    """site.getsitepackages() for interpreters whose site module cannot be asked (2.7)."""
    version = "{}.{}".format(*data["version"][:2])
    prefixes = [venv_dir] if venv_dir else []
    if not venv_dir or include_system:
        prefixes.append(data["prefix"])
    if data["os_name"] == "nt":
        return [[p, os.path.join(p, "Lib", "site-packages")] for p in prefixes]
    return [[os.path.join(p, "lib", f"python{version}", "site-packages")] for p in prefixes]


def _list_stdlib(data: dict[str, Any]) -> frozenset[str]:
    """Top-level stdlib names for interpreters older than 3.10 (no sys.stdlib_module_names)."""
    names = set(data["builtin"])
    roots = [d for d in data["stdlib_dirs"]]
    roots += [p for p in data["sys_path"] if any(p.startswith(d) for d in data["stdlib_dirs"])]
    suffixes = (*data["extension_suffixes"], ".py")
    for root in roots:
        try:
            entries = os.listdir(root)
        except OSError:
            continue
        for entry in entries:
            if entry in ("site-packages", "dist-packages", "__pycache__") or entry.startswith("."):
                continue
            for suffix in suffixes:
                if entry.endswith(suffix):
                    names.add(entry[: -len(suffix)])
                    break
            else:
                if "." not in entry and os.path.isfile(os.path.join(root, entry, "__init__.py")):
                    names.add(entry)
    return frozenset(name for name in names if name.isidentifier())


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _build(data: dict[str, Any], venv_dir: str | None, include_system: bool) -> Interpreter:
    site_dirs: list[str] = []
    groups = data.get("site_dirs") or _default_site_dirs(data, venv_dir, include_system)
    for group in groups:
        for directory in group:
            if directory not in site_dirs:
                site_dirs.append(directory)
    user_site = data.get("user_site")
    # site.venv() turns the user site off unless system site-packages are included.
    user_enabled = bool(user_site) and not (venv_dir and not include_system)
    if os.environ.get("PYTHONNOUSERSITE"):
        user_enabled = False
    return Interpreter(
        executable=data["executable"],
        version=tuple(data["version"]),
        implementation=data["implementation"],
        platform=data["platform"],
        os_name=data["os_name"],
        prefix=venv_dir or data["prefix"],
        exec_prefix=venv_dir or data["exec_prefix"],
        base_prefix=data["base_prefix"],
        base_exec_prefix=data["base_exec_prefix"],
        sys_path=tuple(data["sys_path"]),
        builtin=frozenset(data["builtin"]),
        frozen=frozenset(data["frozen"]),
        stdlib_names=frozenset(data["stdlib_names"]) or _list_stdlib(data),
        stdlib_dirs=tuple(data["stdlib_dirs"]),
        extension_suffixes=tuple(data["extension_suffixes"]),
        source_suffixes=tuple(data["source_suffixes"]),
        bytecode_suffixes=tuple(data["bytecode_suffixes"]),
        site_dirs=tuple(site_dirs),
        user_site=user_site,
        user_site_enabled=user_enabled,
        venv=venv_dir,
        frozen_packages=frozenset(data.get("frozen_packages", ())),
        magic=data.get("magic"),
    )
