"""Running the target interpreter, when the user asks for it (``--probe-python``).

By default depscan never runs an interpreter (:mod:`depscan.resolve.describe` reads
its files). A user who trusts the target can let depscan ask it instead: a
build with unusual built-in modules, a version depscan has no table for. The
probe then runs

- with ``-I -S`` (``-E -s -S`` for Python 2.7): no environment variables, no
  user site, no ``site``, so no ``.pth`` file runs;
- the *base* interpreter when the target is a symlink into a virtual
  environment, so the environment's ``pyvenv.cfg`` (whose ``home`` could point
  into an analysed tree and load its ``encodings``) is not read by it;
- in an empty temporary directory, with a minimal environment, so Python 2.7's
  ``''`` on ``sys.path`` finds nothing of the working directory;
- importing no module but the standard library's, and never a ``__main__``
  module or a test suite (:func:`depscan.resolve.tables.may_import`).

Its answer is checked field by field before it is used or cached. Site
directories are worked out by :func:`depscan.resolve.sitelayout.site_layout`, the same
rule as a described target's.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from depscan import __version__
from depscan.bounded import TimedOut, run_bounded
from depscan.resolve.interpreter import Interpreter, InterpreterError, find_venv_config, read_venv_config
from depscan.resolve.sitelayout import site_layout
from depscan.resolve.tables import load_table, may_import, nearest_version
from depscan.trust import read_own, real_directory, sign, user_key, verify

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
path = [p for p in sys.path if p not in ("", os.getcwd())]
impl = getattr(sys, "implementation", None)
print(json.dumps({
    "executable": sys.executable,
    "version": list(sys.version_info[:3]),
    "implementation": impl.name if impl else "cpython",
    "platform": sys.platform,
    "os_name": os.name,
    "prefix": sys.prefix,
    "exec_prefix": sys.exec_prefix,
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
    "platlibdir": getattr(sys, "platlibdir", "lib"),
}))
"""

PROBE_VERSION = 3  # bump when the probe reports something new: cached answers are then asked again
_TIMEOUT = 60


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_version(value: object) -> bool:
    return isinstance(value, list) and len(value) >= 2 and all(type(item) is int and item >= 0 for item in value)


# Each field of the probe's answer and what it must be: a malformed answer is an error, never a traceback.
_FIELDS: dict[str, Callable[[object], bool]] = {
    "executable": _is_str,
    "version": _is_version,
    "implementation": _is_str,
    "platform": _is_str,
    "os_name": _is_str,
    "prefix": _is_str,
    "exec_prefix": _is_str,
    "sys_path": _is_str_list,
    "builtin": _is_str_list,
    "frozen": _is_str_list,
    "frozen_packages": _is_str_list,
    "magic": lambda v: v is None or isinstance(v, str),
    "stdlib_names": _is_str_list,
    "stdlib_dirs": _is_str_list,
    "extension_suffixes": _is_str_list,
    "source_suffixes": _is_str_list,
    "bytecode_suffixes": _is_str_list,
    "platlibdir": _is_str,
}


def validate(data: object, executable: str) -> dict[str, Any]:
    """The probe's answer when every field is of its kind; else :class:`InterpreterError`."""
    if not isinstance(data, dict):
        raise InterpreterError(f"{executable} did not answer like a Python interpreter")
    bad = sorted(key for key, ok in _FIELDS.items() if key not in data or not ok(data[key]))
    if bad:
        raise InterpreterError(f"{executable} answered the probe wrongly (field {', '.join(bad)})")
    return data


def probe(executable: str, use_cache: bool = True) -> Interpreter:
    """Run ``executable``'s probe (once; later answers come from the user's cache)."""
    import hashlib

    config = find_venv_config(executable)
    venv_values = read_venv_config(config) if config else {}
    venv_dir = str(config.parent) if config else None
    try:
        stat = os.stat(executable)
    except OSError as exc:
        raise InterpreterError(f"cannot run {executable}: {exc.strerror}") from None
    key_text = json.dumps(
        [PROBE_VERSION, os.path.abspath(executable), stat.st_mtime_ns, stat.st_size, stat.st_ino, __version__]
    )
    cache_file = str(_cache_dir() / f"{hashlib.sha256(key_text.encode()).hexdigest()[:32]}.json")
    key = user_key() if use_cache else None  # no secret: the answer is neither read nor kept
    data = _cached(cache_file, key, executable) if key is not None else None
    if data is None:
        data = _run_probe(os.path.realpath(executable) if venv_dir else executable)
        if key is not None:
            _keep(cache_file, key, data)
    return _build(executable, data, venv_dir, venv_values)


def _cached(cache_file: str, key: bytes, executable: str) -> dict[str, Any] | None:
    """A stored answer this user signed (:mod:`depscan.trust`), checked field by field; else None.
    A restored ``~/.cache`` or a planted link or FIFO is a miss, never trusted nor waited on."""
    try:
        found = read_own(cache_file, 1 << 22)
        if found is None:
            return None
        mac, _, body = found[0].partition(b"\n")
        if not verify(key, bytes.fromhex(mac.decode("ascii")), body):
            return None
        return validate(json.loads(body), executable)
    except (OSError, ValueError, UnicodeDecodeError, InterpreterError):
        return None


def _keep(cache_file: str, key: bytes, data: dict[str, Any]) -> None:
    from depscan.atomic import write_atomic

    body = json.dumps(data).encode("utf-8")
    try:
        if real_directory(os.path.dirname(cache_file), create=True) is None:
            write_atomic(cache_file, sign(key, body).hex().encode("ascii") + b"\n" + body)
    except OSError:
        pass  # a read-only home is no reason to fail


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "depscan" / "interpreters"


def run_isolated(executable: str, script: str, arguments: Sequence[str] = ()) -> tuple[int, str, str]:
    """``executable -I -S -c script arguments...`` in an empty directory with a minimal environment
    (``-E -s -S`` for an interpreter that has no ``-I``): exit status, output, errors. Bounded in
    time, killed with whatever it started (:func:`depscan.bounded.run_bounded`)."""
    with tempfile.TemporaryDirectory(prefix="depscan-probe-") as empty:
        env = {"PATH": os.defpath, "HOME": empty, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
        for flags in (["-I", "-S"], ["-E", "-s", "-S"]):  # Python 2.7 has no -I
            try:
                code, out, err = run_bounded(
                    [executable, *flags, "-c", script, *arguments], None, _TIMEOUT, cwd=empty, env=env
                )
            except TimedOut:
                raise InterpreterError(f"{executable} did not answer within {_TIMEOUT:g} s") from None
            except OSError as exc:
                raise InterpreterError(f"cannot run {executable}: {exc.strerror or exc}") from None
            errors = err.decode("utf-8", "replace")
            if code == 0 or ("-I" not in errors and "Unknown option" not in errors):
                break
    return code, out.decode("utf-8", "replace"), errors


def _run_probe(executable: str) -> dict[str, Any]:
    code, out, err = run_isolated(executable, PROBE)
    if code != 0:
        last = err.strip().splitlines()[-1:] or [f"exit status {code}"]
        raise InterpreterError(f"{executable} failed to describe itself: {last[0][:200]}")
    try:
        answer = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise InterpreterError(f"{executable} did not answer like a Python interpreter") from None
    return validate(answer, executable)


def _build(executable: str, data: dict[str, Any], venv_dir: str | None, venv_values: dict[str, str]) -> Interpreter:
    version = tuple(data["version"])
    site = site_layout(data["prefix"], version, data["platlibdir"], venv_dir, venv_values, dict(os.environ))
    stdlib_names = frozenset(data["stdlib_names"]) or _stdlib_from_tables(version)
    return Interpreter(
        executable=executable,
        version=version,
        implementation=data["implementation"],
        platform=data["platform"],
        os_name=data["os_name"],
        prefix=venv_dir or data["prefix"],
        exec_prefix=venv_dir or data["exec_prefix"],
        base_prefix=data["prefix"],
        base_exec_prefix=data["exec_prefix"],
        sys_path=tuple(data["sys_path"]),
        builtin=frozenset(data["builtin"]),
        frozen=frozenset(data["frozen"]),
        stdlib_names=stdlib_names,
        stdlib_dirs=tuple(data["stdlib_dirs"]),
        extension_suffixes=tuple(data["extension_suffixes"]),
        source_suffixes=tuple(data["source_suffixes"]),
        bytecode_suffixes=tuple(data["bytecode_suffixes"]),
        site_dirs=site.site_dirs,
        user_site=site.user_site,
        user_site_enabled=site.user_site_enabled,
        venv=venv_dir,
        frozen_packages=frozenset(data["frozen_packages"]),
        magic=data["magic"],
        probed=True,
    )


def _stdlib_from_tables(version: tuple[int, ...]) -> frozenset[str]:
    """Top-level stdlib names for interpreters older than 3.10 (no sys.stdlib_module_names)."""
    return frozenset(load_table(nearest_version(f"{version[0]}.{version[1]}"))["stdlib"])


# The names of each module named in argv (Python 2.7 and 3.x): dir(), and the module's own dictionary,
# which a module-level __dir__ may leave out (concurrent.futures lists only its __all__, not
# InvalidStateError); tools/gen_tables.py makes the tables with it.
NAMES = r"""
import json, sys
names = {}
for module in sys.argv[1:]:
    try:
        __import__(module)
        names[module] = sorted(set(dir(sys.modules[module])) | set(vars(sys.modules[module])))
    except BaseException:
        names[module] = None
sys.stdout.write(json.dumps(names))
"""


def ask_stdlib_names(interp: Interpreter, modules: Sequence[str]) -> dict[str, frozenset[str] | None]:
    """The names each stdlib module has, asked of a probed interpreter (None: cannot tell). Only
    modules :func:`~depscan.resolve.tables.may_import` allows are imported; none of the analysed code."""
    answer: dict[str, frozenset[str] | None] = dict.fromkeys(modules)
    asked = [m for m in modules if may_import(m) and all(part.isidentifier() for part in m.split("."))]
    if not asked or not interp.executable:
        return answer
    try:
        code, out, _ = run_isolated(interp.executable, NAMES, asked)
        names = json.loads(out) if code == 0 else {}
    except (InterpreterError, ValueError):
        return answer
    if not isinstance(names, dict):
        return answer
    for module in asked:
        listed = names.get(module)
        if isinstance(listed, list) and _is_str_list(listed):
            answer[module] = frozenset(str(name) for name in listed)
    return answer
