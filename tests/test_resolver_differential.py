"""Differential test: depscan's resolver against the import system of a real virtual environment.

A virtual environment is built with the running interpreter and filled with
real distributions from the package index, chosen for how they are laid out:

* ``jaraco.functools`` and ``jaraco.context`` share the PEP 420 namespace
  ``jaraco``; ``zope.interface`` lives in the namespace ``zope``;
  ``backports.tarfile`` brings a pkgutil-style ``backports/__init__.py``;
* ``markupsafe``, ``pyyaml`` and ``msgpack`` ship extension modules;
* ``six`` installs a meta path importer for ``six.moves`` when it runs;
* ``setuptools`` brings ``distutils-precedence.pth`` (the distutils shim) and
  builds the local projects of ``fixtures/resolver_real``: two distributions
  sharing the pkgutil-style namespace ``pkgutilns`` (one in site-packages, one
  ``pip install --target`` into a directory that a ``.pth`` file adds), and an
  editable install (PEP 660 finder with both ``MAPPING`` and ``NAMESPACES``).

A ``.pth`` file then adds a directory and a zip archive (packages, modules,
sourceless and stale bytecode, namespace portions with and without directory
entries, a ``pkg_resources.declare_namespace`` package) and has an ``import``
line; ``.hidden.pth`` and ``bom.pth`` (a UTF-8 BOM) add a directory each; a
``sitecustomize.py`` sits in site-packages. fixtures/resolver_real/README.md
lists what each fixture is for.

The environment is cached in ``.cache/resolver-venv-<hash>``, the hash taken
over the pinned requirements, the fixture files, the build recipe version and
the interpreter, so later runs of the same checkout reuse it.

The names: every module and package in site-packages, the ``.pth``
directories and the zip, and below them (setuptools and pkg_resources sampled,
see SAMPLED_TREES), the editable project's, a sample of the standard library
(every builtin and frozen module, every third other one, some submodules),
and names that must not be found. Several hundred of them are looked up twice:

(a) by the environment's own interpreter, ``importlib.util.find_spec(name)``
    in a fresh process per name (the oracle may import parent packages, so
    processes are not shared; they run in parallel, see ``_oracle``), and
(b) by ``depscan.resolve.resolver`` in this process, which must execute nothing.

Found or not, ``origin`` against ``Resolution.path``, ``is_package``, the kind
of loader against ``Resolution.kind``, and for packages the list of locations
(in order) must agree. The locations of a package whose ``__init__.py`` calls
``extend_path`` or ``declare_namespace`` are what that call makes of
``__path__``, read after importing it (depscan reports those, not the spec's).
The ``sys.path`` of the environment must also agree with depscan's, entry by
entry. Differences that come from what the import system does
at run time, and that depscan by design cannot model, are forgiven by RULES
(each with its reason); known depscan bugs are listed by module name in
KNOWN_MISMATCHES. Any other difference fails the test, and so does an entry of
KNOWN_MISMATCHES that no longer differs.

Every module of the local fixtures, ``sitecustomize.py`` and the ``.pth`` import
line write a marker file into ``$DEPSCAN_TRACE_DIR`` when run: the oracle's run
must leave some (they work), depscan's none.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, ROOT
from depscan.resolve.describe import describe
from depscan.resolve.resolver import Resolution, Resolver, make_resolver

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name == "nt", reason="the environment's layout is built for POSIX"),
]

SOURCES = FIXTURES / "resolver_real"
CACHE = ROOT / ".cache"
BUILD_VERSION = 3  # bump when _build changes what it makes

# Pinned, so that the cached environment is what its hash says it is.
REQUIREMENTS = (
    "setuptools==80.9.0",
    "zope.interface==8.0",
    "jaraco.functools==4.3.0",
    "jaraco.context==6.0.1",
    "backports.tarfile==1.2.0",
    "more-itertools==10.8.0",
    "markupsafe==3.0.2",
    "pyyaml==6.0.2",
    "msgpack==1.1.0",
    "six==1.17.0",
)

PTH_IMPORT = (
    'import os; _d = os.environ.get("DEPSCAN_TRACE_DIR"); _d and open(os.path.join(_d, "pth-import"), "w").close()'
)

# Looking up any submodule of these imports the package first (0.2-0.4 s a process; setuptools has
# ~340 modules): only their subpackages and the first module of each are compared, and EXTRA_NAMES.
SAMPLED_TREES = frozenset({"setuptools", "pkg_resources"})
SAMPLED_DEPTH = 1
STDLIB_STRIDE = 3  # besides every builtin and frozen module, every third of the standard library's

STDLIB_SUBMODULES = (
    "os.path",
    "xml.etree.ElementTree",
    "xml.dom.minidom",
    "email.mime.text",
    "concurrent.futures.thread",
    "importlib.metadata",
    "importlib.resources.abc",
    "json.decoder",
    "encodings.utf_8",
    "encodings.idna",
    "collections.abc",
    "logging.handlers",
    "unittest.mock",
    "ctypes.util",
    "multiprocessing.pool",
    "sqlite3.dbapi2",
    "http.client",
    "urllib.parse",
    "asyncio.events",
    "distutils.core",  # through the distutils shim of setuptools
    "distutils.command.build",
    "lib2to3.pgen2.token",
    "test.support",
    "__phello__.spam",  # frozen submodules
    "__phello__.ham.eggs",
)

MUST_BE_MISSING = (
    "no_such_module_anywhere",
    "no_such_package.sub",
    "json.no_such_submodule",
    "string.capwords",  # string is a module, not a package
    "os.path.join",  # os.path is a module
    "yaml.no_such_submodule",
    "markupsafe._speedups.inner",  # an extension module is not a package
    "six.no_such_submodule",
    "jaraco.no_such_portion",
    "pkgutilns.no_such_portion",
    "zpkg.no_such_submodule",
    "zns.no_such_part",
    "edpkg.no_such_submodule",
    "virt.no_such_package",
    "vp_src",  # the editable project's directory for virt.pkg, not a module itself
    "__phello__.no_such_submodule",
)

EXTRA_NAMES = (
    "distutils",  # setuptools' shim: distutils-precedence.pth
    "six.moves",  # six's meta path importer
    "six.moves.urllib",
    "markupsafe.__pycache__",  # a directory without __init__: a namespace portion, to the import system
    "__pycache__",  # the same at the top: portions in the stdlib directory, site-packages, ...
    # in setuptools' vendored tree (sampled): a pkgutil-style namespace, a PEP 420 one, deeper modules
    "setuptools._vendor.backports",
    "setuptools._vendor.backports.tarfile",
    "setuptools._vendor.jaraco",
    "setuptools._vendor.jaraco.context",
    "setuptools._vendor.packaging.version",
    "setuptools._distutils.command.build",
)


# --- the rules: where the real import system differs for reasons depscan cannot model ---------


@dataclass(frozen=True)
class Rule:
    name: str
    reason: str
    applies: Callable[[str, dict[str, Any], Resolution, dict[str, tuple[Any, Any]]], bool]


STANDARD_LOADERS = frozenset(
    {
        "_frozen_importlib_external.SourceFileLoader",
        "_frozen_importlib_external.SourcelessFileLoader",
        "_frozen_importlib_external.ExtensionFileLoader",
        "_frozen_importlib_external.NamespaceLoader",
        "_frozen_importlib.BuiltinImporter",
        "_frozen_importlib.FrozenImporter",
        "zipimport.zipimporter",
        "builtins.NoneType",  # a namespace package's spec, before the module exists
    }
)
DISTUTILS_LOADER = "_distutils_hack.DistutilsMetaFinder.spec_for_distutils.<locals>.DistutilsLoader"


def _sys_modules_alias(name: str, real: dict[str, Any], res: Resolution, diffs: dict[str, Any]) -> bool:
    return bool(real["found"]) and real["spec_name"] != name


def _runtime_meta_path(name: str, real: dict[str, Any], res: Resolution, diffs: dict[str, Any]) -> bool:
    return (
        real["found"]
        and not res.found
        and real["loader"] not in STANDARD_LOADERS
        and real["loader"] != DISTUTILS_LOADER
    )


def _distutils_shim_spec(name: str, real: dict[str, Any], res: Resolution, diffs: dict[str, Any]) -> bool:
    return real["found"] and real["loader"] == DISTUTILS_LOADER and set(diffs) <= {"is_package", "locations", "kind"}


def _parent_code_fails(name: str, real: dict[str, Any], res: Resolution, diffs: dict[str, Any]) -> bool:
    return not real["found"] and real["parent_failed"]


def _frozen_package_locations(name: str, real: dict[str, Any], res: Resolution, diffs: dict[str, Any]) -> bool:
    return real["found"] and real["origin"] == "frozen" and set(diffs) == {"locations"}


RULES = (
    Rule(
        "sys-modules-alias",
        # find_spec answers from sys.modules when the name is there: os puts posixpath there as
        # "os.path" at startup. The spec is posixpath's; depscan, which imports nothing, cannot
        # know of names that a module's code adds to sys.modules (it says: os is not a package).
        "the spec comes from a sys.modules entry that another module's code made (os.path -> posixpath)",
        _sys_modules_alias,
    ),
    Rule(
        "runtime-meta-path",
        # A finder that a package's code puts on sys.meta_path when it runs (six's importer for
        # six.moves): it exists only once the package is imported. depscan does not run code, and
        # must then say "missing" (not find something else).
        "found by a meta path finder installed by the package's own code at run time (six.moves style)",
        _runtime_meta_path,
    ),
    Rule(
        "distutils-shim-spec",
        # depscan models the shim: distutils is setuptools._distutils, a package. The shim's own
        # spec (spec_from_loader with a loader that has no is_package) says "not a package"
        # until the module is created. The origin must still agree.
        "the distutils shim's spec has no submodule_search_locations; the module it loads is a package",
        _distutils_shim_spec,
    ),
    Rule(
        "frozen-package-locations",
        # Since 3.11 FrozenImporter gives a frozen package the stdlib directory of its source as
        # __path__ (for __phello__: <stdlib>/__phello__); depscan says frozen, package, no locations.
        # Found, origin and is_package must still agree; the frozen submodules are found either way.
        "FrozenImporter lists the stdlib source directory of a frozen package as its location",
        _frozen_package_locations,
    ),
    Rule(
        "parent-code-fails",
        # find_spec of a submodule imports its parents; setuptools.tests imports pytest, which is
        # not installed, and the lookup raises. depscan reads files and runs none of them.
        "a parent package's code raised when find_spec imported it (setuptools.tests needs pytest)",
        _parent_code_fails,
    ),
)

# Known depscan mismatches, by module name: each is a bug to fix in depscan, not a rule.
# When one is fixed, this test fails until its entry is removed. The first run of this test
# found ten, all fixed since: legacy namespace portions in zip archives, declare_namespace's
# own rules (only portions with a loader, sorted by sys.path), frozen alias packages, stale
# .pyc files in zip archives, and site's version-dependent handling of dot-named and BOM .pth
# files; their cases stay in the fixtures and are compared like every other name.
KNOWN_MISMATCHES: dict[str, str] = {}
# The same, for sys.path entries (directories under the environment's extra/).
KNOWN_PATH_DIFFERENCES: dict[str, str] = {}


# --- the environment -----------------------------------------------------------------


@dataclass(frozen=True)
class Environment:
    root: Path
    python: Path
    site_packages: Path
    extra: Path  # holds pthdir/, target/, bundle.zip and src/ (the copied local projects)
    build_seconds: float
    cached: bool

    @property
    def pthdir(self) -> Path:
        return self.extra / "pthdir"

    @property
    def target(self) -> Path:
        return self.extra / "target"

    @property
    def bundle(self) -> Path:
        return self.extra / "bundle.zip"

    @property
    def editable(self) -> Path:
        return self.extra / "src" / "editable_project"


class _Unavailable(Exception):
    """The package index could not provide a requirement."""


def _fixture_files() -> list[Path]:
    return sorted(p for p in SOURCES.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _environment_key() -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([BUILD_VERSION, REQUIREMENTS, PTH_IMPORT, sys.version, sys.base_prefix]).encode())
    for path in _fixture_files():
        digest.update(str(path.relative_to(SOURCES)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@contextmanager
def _locked(path: Path, how: str = "exclusive") -> Iterator[bool]:
    """A lock on a cache directory, across pytest processes: held exclusive to build the environment,
    shared while tests use it; ``how="try"`` takes it exclusive if free. Yields whether it is held."""
    import fcntl

    flags = {"exclusive": fcntl.LOCK_EX, "shared": fcntl.LOCK_SH, "try": fcntl.LOCK_EX | fcntl.LOCK_NB}[how]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prune(keep: Path) -> None:
    """Environments of other fixture or requirement versions, unless a run is using them."""
    for old in CACHE.glob("resolver-venv-*"):
        if old == keep or not old.is_dir():
            continue
        lock = CACHE / f"{old.name}.lock"
        with _locked(lock, "try") as ours:
            if ours:
                shutil.rmtree(old, ignore_errors=True)
        if ours:
            lock.unlink(missing_ok=True)


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=_clean_env(), timeout=600)
    if done.returncode != 0:
        raise AssertionError(f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "DEPSCAN_TRACE_DIR"}
    env.update(extra)
    return env


def _build(root: Path) -> dict[str, str]:
    """Make the environment in ``root``: what the module docstring lists."""
    _run([sys.executable, "-m", "venv", "--without-pip", str(root)], "python -m venv")
    python = root / "bin" / "python"
    # pip of the running interpreter installs into the environment (pip >= 22.3): no pip inside it.
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-input", "--no-warn-script-location"]
    pip += ["--disable-pip-version-check", "--quiet"]
    done = subprocess.run([*pip, *REQUIREMENTS], capture_output=True, text=True, env=_clean_env(), timeout=900)
    if done.returncode != 0:
        raise _Unavailable((done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}")[-2000:])
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    site_packages = Path(site)
    extra = root / "extra"
    src = extra / "src"
    # Projects are built from copies: setuptools writes build/ and *.egg-info beside the sources.
    for project in ("pkgutil_ns_alpha", "pkgutil_ns_beta", "editable_project"):
        shutil.copytree(SOURCES / project, src / project)
    local = [*pip, "--no-deps", "--no-build-isolation"]
    _run([*local, str(src / "pkgutil_ns_alpha")], "installing pkgutil_ns_alpha")
    _run([*local, "--target", str(extra / "target"), str(src / "pkgutil_ns_beta")], "installing pkgutil_ns_beta")
    _run([*local, "-e", str(src / "editable_project")], "pip install -e editable_project")

    pthdir = extra / "pthdir"
    shutil.copytree(SOURCES / "pth_dir", pthdir)
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    (pthdir / f"dual{suffixes[0]}").write_bytes(b"")  # beside dual.py: an extension comes first
    if ".abi3.so" in suffixes:
        (pthdir / "abimod.abi3.so").write_bytes(b"")
    (pthdir / "extpkg").mkdir()
    (pthdir / "extpkg" / f"__init__{suffixes[0]}").write_bytes(b"")  # a package whose __init__ is an extension
    # Bytecode, made here: its format is the interpreter's.
    marker = 'import os as _os; _d = _os.environ.get("DEPSCAN_TRACE_DIR"); _d and open(_os.path.join(_d, "{}"), "w")\n'
    with tempfile.TemporaryDirectory() as scratch:

        def compiled(name: str) -> bytes:
            source = Path(scratch, f"{name}.py")
            source.write_text(marker.format(name))
            py_compile.compile(str(source), cfile=f"{source}c", doraise=True)
            return Path(f"{source}c").read_bytes()

        (pthdir / "compiled_only.pyc").write_bytes(compiled("compiled_only"))  # sourceless
        (pthdir / "sourceless_pkg").mkdir()
        (pthdir / "sourceless_pkg" / "__init__.pyc").write_bytes(compiled("sourceless_pkg"))
        in_zip = {
            "zcompiled.pyc": compiled("zcompiled"),  # sourceless
            # beside zip_src/zstale.py, whose zip entry is dated 2024: the bytecode is stale, so
            # zipimport falls back to the source, and find_spec's origin is zstale.py
            "zstale.pyc": compiled("zstale"),
        }
        _write_zip(extra / "bundle.zip", in_zip)

    shutil.copytree(SOURCES / "site", site_packages, dirs_exist_ok=True)  # sitecustomize.py, pkrns/c.py
    for directory in ("hidden_dir", "bom_dir"):
        shutil.copytree(SOURCES / directory, extra / directory)
    lines = [
        "# written by tests/test_resolver_differential.py",
        os.path.relpath(pthdir, site_packages),  # relative: made absolute against site-packages
        str(extra / "target"),
        str(extra / "bundle.zip"),
        str(extra / "does-not-exist"),  # skipped: it does not exist
        os.path.relpath(pthdir, site_packages) + "  ",  # a duplicate (and trailing blanks): skipped
        PTH_IMPORT,
    ]
    (site_packages / "resolver-extra.pth").write_text("\n".join(lines) + "\n")
    # Read by site only before CPython 3.8.19, 3.9.19, 3.10.14, 3.11.8, 3.12.2 (gh-113659: hidden .pth files).
    (site_packages / ".hidden.pth").write_text(str(extra / "hidden_dir") + "\n")
    # Before 3.13 site reads .pth files in the locale's encoding: a UTF-8 BOM is part of the first line.
    (site_packages / "bom.pth").write_bytes(b"\xef\xbb\xbf" + str(extra / "bom_dir").encode() + b"\n")
    return {"site_packages": str(site_packages)}


def _write_zip(archive: Path, more: dict[str, bytes]) -> None:
    """zip_src and ``more``: every directory gets an explicit entry except ``zimplicit/``."""
    files = {
        str(p.relative_to(SOURCES / "zip_src")).replace(os.sep, "/"): p.read_bytes()
        for p in (SOURCES / "zip_src").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    files.update(more)
    directories = {"/".join(name.split("/")[:i]) + "/" for name in files for i in range(1, name.count("/") + 1)}
    directories.discard("zimplicit/")
    with zipfile.ZipFile(archive, "w") as handle:
        for member in sorted(directories | set(files)):
            info = zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0))
            handle.writestr(info, files.get(member, b""))


@pytest.fixture(scope="module")
def environment() -> Iterator[Environment]:
    root = CACHE / f"resolver-venv-{_environment_key()}"
    stamp = root / ".resolver-complete.json"
    lock = CACHE / f"{root.name}.lock"
    with _locked(lock):
        cached = stamp.exists()
        if not cached:
            _prune(keep=root)
            shutil.rmtree(root, ignore_errors=True)
            started = time.monotonic()
            try:
                facts = _build(root)
            except _Unavailable as exc:
                shutil.rmtree(root, ignore_errors=True)
                pytest.skip(f"could not install the real distributions from the package index: {exc}")
            except BaseException:
                shutil.rmtree(root, ignore_errors=True)
                raise
            facts["build_seconds"] = str(round(time.monotonic() - started, 1))
            stamp.write_text(json.dumps(facts))
        facts = json.loads(stamp.read_text())
    with _locked(lock, "shared"):  # so that no other run prunes it meanwhile
        yield Environment(
            root,
            root / "bin" / "python",
            Path(facts["site_packages"]),
            root / "extra",
            float(facts["build_seconds"]),
            cached,
        )


# --- the names ------------------------------------------------------------------------


def _module_stem(filename: str, suffixes: Iterable[str]) -> str | None:
    for suffix in sorted(suffixes, key=len, reverse=True):
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            return stem if stem.isidentifier() else None
    return None


def _walk(directory: Path, prefix: str, suffixes: tuple[str, ...], depth: int | None = None) -> Iterator[str]:
    """Every module and package below ``directory``, as the directory would give them to FileFinder.

    ``depth`` is set inside SAMPLED_TREES: how many more levels of packages to go down.
    """
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    modules_here = 0
    for entry in entries:
        if entry.is_dir():
            if entry.name.isidentifier() and entry.name != "__pycache__" and depth != 0:
                name = prefix + entry.name
                yield name
                below = SAMPLED_DEPTH if name in SAMPLED_TREES else None if depth is None else depth - 1
                yield from _walk(Path(entry.path), name + ".", suffixes, below)
        else:
            stem = _module_stem(entry.name, suffixes)
            if stem is None or stem == "__init__" or (depth is not None and modules_here >= 1):
                continue
            modules_here += 1
            yield prefix + stem


def _zip_names(archive: Path) -> Iterator[str]:
    with zipfile.ZipFile(archive) as handle:
        members = handle.namelist()
    for member in members:
        parts = member.rstrip("/").split("/")
        for i in range(1, len(parts)):
            yield ".".join(parts[:i])  # every directory, with an explicit entry or not
        stem = parts[-1] if member.endswith("/") else _module_stem(parts[-1], (".py", ".pyc"))
        if stem and stem != "__init__":
            yield ".".join([*parts[:-1], stem])


def _stdlib_sample() -> list[str]:
    """Every builtin and frozen stdlib module, and every STDLIB_STRIDE-th of the others.

    This interpreter's lists: the environment's interpreter is this one.
    """
    import _imp

    everything = sorted(sys.stdlib_module_names)
    if hasattr(_imp, "_frozen_module_names"):
        frozen = sorted(_imp._frozen_module_names())
    else:  # before 3.11 no list: the stdlib's frozen modules are importlib's and zipimport
        frozen = [name for name in everything if _imp.is_frozen(name)]
    special = {*sys.builtin_module_names, *frozen}
    others = [n for n in everything if n not in special]
    return [*frozen, *(n for n in everything if n in special), *others[::STDLIB_STRIDE]]


def collect_names(env: Environment) -> list[str]:
    suffixes = (*importlib.machinery.EXTENSION_SUFFIXES, ".py", ".pyc")
    names: list[str] = []
    names += _walk(env.site_packages, "", suffixes)
    names += _walk(env.pthdir, "", suffixes)
    names += _walk(env.target, "", suffixes)
    names += _zip_names(env.bundle)
    names += _walk(env.extra / "hidden_dir", "", suffixes)
    names += _walk(env.extra / "bom_dir", "", suffixes)
    project = env.editable
    names += ["edpkg", "ednsp", "edmod", "edshadow", "virt", "virt.pkg"]
    names += _walk(project / "edpkg", "edpkg.", suffixes)
    names += _walk(project / "ednsp", "ednsp.", suffixes)
    names += _walk(project / "vp_src", "virt.pkg.", suffixes)
    names += _stdlib_sample()
    names += STDLIB_SUBMODULES + MUST_BE_MISSING + EXTRA_NAMES
    return list(dict.fromkeys(name for name in names if all(p.isidentifier() for p in name.split("."))))


# --- the oracle -----------------------------------------------------------------------

ORACLE = r"""
import sys
if sys.path and sys.path[0] == "":
    del sys.path[0]  # python -c puts the working directory first; depscan is given no script directory
import importlib.util
name = sys.argv[1]
parent_failed = False
try:
    spec = importlib.util.find_spec(name)
except Exception as exc:
    spec, error = None, "%s: %s" % (type(exc).__name__, exc)
    # Missing: the name or one of its parents is not found, or a parent is no package. Anything
    # else was raised by the code of a parent package while it was imported.
    missing = getattr(exc, "name", None)
    parent_failed = not (
        isinstance(exc, ModuleNotFoundError) and missing and (name == missing or name.startswith(missing + "."))
    )
else:
    error = "find_spec returned None"
result = {"found": spec is not None}
if spec is None:
    result.update(error=error, parent_failed=parent_failed)
else:
    loader = spec.loader if isinstance(spec.loader, type) else type(spec.loader)
    locations = spec.submodule_search_locations
    result.update(
        spec_name=spec.name,
        origin=spec.origin,
        is_package=locations is not None,
        locations=None if locations is None else list(locations),
        loader="%s.%s" % (loader.__module__, loader.__qualname__),
    )
    origin = spec.origin or ""
    if locations is not None and origin.endswith(".py") and spec.loader is not None:
        # A legacy namespace package's __path__ is made by its __init__ (pkgutil.extend_path,
        # pkg_resources.declare_namespace): depscan reports that __path__, so import and read it.
        try:
            source = spec.loader.get_data(origin)
        except OSError:
            source = b""
        if b"extend_path" in source or b"declare_namespace" in source:
            try:
                result["path_after_import"] = list(importlib.import_module(name).__path__)
            except Exception as exc:
                result["path_after_import_error"] = "%s: %s" % (type(exc).__name__, exc)
import json
print(json.dumps(result))
"""


def _oracle(env: Environment, names: list[str], trace: Path, workdir: Path) -> dict[str, dict[str, Any]]:
    """``find_spec`` of each name, in a fresh interpreter per name.

    One process per name: find_spec imports the parents of the name, and what a package's code
    does when it runs (six's meta path importer, setuptools appending to sys.path, extend_path)
    must not leak into the next lookup. A process costs 30-50 ms (0.2-0.3 s when setuptools or
    pkg_resources is a parent): ~20 s for all names one after the other, measured on a 2-core
    machine. So they run in parallel, one more than there are cores, each still in a fresh
    ``python -c`` of its own.
    """
    # No bytecode written: the cached environment stays as built, and nothing outside it changes.
    env_vars = _clean_env(DEPSCAN_TRACE_DIR=str(trace), PYTHONDONTWRITEBYTECODE="1")

    def ask(name: str) -> dict[str, Any]:
        done = subprocess.run(
            [str(env.python), "-c", ORACLE, name],
            capture_output=True,
            text=True,
            env=env_vars,
            cwd=workdir,
            timeout=120,
        )
        if done.returncode != 0 or not done.stdout.strip():
            raise AssertionError(f"the oracle failed for {name!r}: {done.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    workers = (os.cpu_count() or 2) + 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(names, pool.map(ask, names), strict=True))


# --- the comparison -------------------------------------------------------------------

LOADER_KINDS = {
    "_frozen_importlib_external.SourceFileLoader": "source",
    "_frozen_importlib_external.SourcelessFileLoader": "bytecode",
    "_frozen_importlib_external.ExtensionFileLoader": "extension",
    "_frozen_importlib_external.NamespaceLoader": "namespace",
    "builtins.NoneType": "namespace",
    "_frozen_importlib.BuiltinImporter": "builtin",
    "_frozen_importlib.FrozenImporter": "frozen",
}


def _expected_kind(real: dict[str, Any]) -> str | None:
    if real["loader"] == "zipimport.zipimporter":
        return "bytecode" if real["origin"].endswith(".pyc") else "source"
    return LOADER_KINDS.get(real["loader"])


def differences(real: dict[str, Any], res: Resolution) -> dict[str, tuple[Any, Any]]:
    """What differs, as ``{aspect: (the import system's answer, depscan's)}``."""
    if real["found"] != res.found:
        return {"found": (real.get("error") or real["origin"] or real["locations"], res.reason or res.path)}
    if not real["found"]:
        return {}
    diffs: dict[str, tuple[Any, Any]] = {}
    if real["origin"] != res.path:
        diffs["origin"] = (real["origin"], res.path)
    kind = _expected_kind(real)
    if kind is not None and kind != res.kind:
        diffs["kind"] = (kind, res.kind)
    if real["is_package"] != res.is_package:
        diffs["is_package"] = (real["is_package"], res.is_package)
    elif real["is_package"]:
        expected = real.get("path_after_import", real["locations"])
        if "path_after_import_error" in real:
            expected = real["path_after_import_error"]
        if expected != list(res.locations):
            diffs["locations"] = (expected, list(res.locations))
    return diffs


def _reproduce(env: Environment, name: str) -> str:
    return (
        f"  {env.python} -c \"import importlib.util as u; s = u.find_spec('{name}'); "
        f'print(s and (s.origin, s.submodule_search_locations))"\n'
        f"  {sys.executable} -m depscan resolve --no-pythonpath --python {env.python} --format json {name}"
    )


# --- the tests ------------------------------------------------------------------------


@dataclass(frozen=True)
class DepscanRun:
    resolver: Resolver
    resolved: dict[str, Resolution]
    markers: list[str]  # left in $DEPSCAN_TRACE_DIR while depscan probed and resolved
    seconds: float


@dataclass(frozen=True)
class OracleRun:
    specs: dict[str, dict[str, Any]]
    sys_path: list[str]
    markers: set[str]
    seconds: float


@pytest.fixture(scope="module")
def names(environment: Environment) -> list[str]:
    return collect_names(environment)


@pytest.fixture(scope="module")
def depscan_run(environment: Environment, names: list[str], tmp_path_factory: pytest.TempPathFactory) -> DepscanRun:
    """depscan probes the interpreter and resolves every name, with the markers armed."""
    trace = tmp_path_factory.mktemp("depscan-trace")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEPSCAN_TRACE_DIR", str(trace))
        started = time.monotonic()
        interp = describe(str(environment.python))
        resolver = make_resolver(interp, use_pythonpath=False)
        resolved = {name: resolver.resolve(name) for name in names}
        seconds = time.monotonic() - started
    return DepscanRun(resolver, resolved, sorted(os.listdir(trace)), seconds)


@pytest.fixture(scope="module")
def oracle_run(environment: Environment, names: list[str], tmp_path_factory: pytest.TempPathFactory) -> OracleRun:
    trace = tmp_path_factory.mktemp("oracle-trace")
    workdir = tmp_path_factory.mktemp("oracle-cwd")  # empty, so the working directory holds nothing
    started = time.monotonic()
    specs = _oracle(environment, names, trace, workdir)
    seconds = time.monotonic() - started
    script = "import json, sys; print(json.dumps(sys.path[1:] if sys.path[:1] == [''] else sys.path))"
    done = subprocess.run(
        [str(environment.python), "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=workdir,
        env=_clean_env(PYTHONDONTWRITEBYTECODE="1"),
    )
    return OracleRun(specs, json.loads(done.stdout), set(os.listdir(trace)), seconds)


def test_depscan_runs_nothing_of_the_environment(depscan_run: DepscanRun) -> None:
    assert depscan_run.markers == [], "depscan ran code of the environment"
    imports = {p.text: p for p in depscan_run.resolver.search.pth_imports}
    assert imports[PTH_IMPORT].meaning is None  # recorded, not understood, and never run
    assert imports[PTH_IMPORT].file.endswith("resolver-extra.pth")


def test_markers_appear_when_the_environment_runs(oracle_run: OracleRun) -> None:
    """The control: every interpreter start runs sitecustomize and the .pth import line, and
    find_spec of a submodule imports (runs) its parents."""
    expected = {"sitecustomize", "pth-import", "pthpkg", "zip:zpkg", "edpkg", "pkgutilns[alpha]", "pkrns[pth_dir]"}
    assert expected <= oracle_run.markers, oracle_run.markers


def test_search_path_is_read_as_built(environment: Environment, depscan_run: DepscanRun) -> None:
    """The environment is what this test means it to be, as depscan reads it."""
    env, search = environment, depscan_run.resolver.search
    entries = [e.path for e in search.entries]
    assert str(env.pthdir) in entries and str(env.bundle) in entries and str(env.target) in entries
    assert str(env.extra / "does-not-exist") not in entries
    assert [e.module for e in search.editable] == ["__editable___resolver_editable_0_1_finder"]
    finder = search.editable[0]
    assert set(finder.mapping) == {"edmod", "edshadow", "ednsp", "edpkg", "virt.pkg"}, finder.mapping
    assert set(finder.namespaces) == {"ednsp", "ednsp.deeper", "edpkg.nsub", "virt"}, finder.namespaces
    meanings = {p.meaning for p in search.pth_imports}
    assert {"distutils-precedence", "setuptools-editable-finder"} <= meanings
    assert search.distutils_shim


def test_sys_path_agrees(environment: Environment, depscan_run: DepscanRun, oracle_run: OracleRun) -> None:
    """depscan's sys.path, entry by entry and in order, against the interpreter's after site ran."""
    ours = [e.path for e in depscan_run.resolver.search.entries]
    real = oracle_run.sys_path
    known = {str(environment.extra / d): why for d, why in KNOWN_PATH_DIFFERENCES.items()}
    for entry, why in known.items():
        assert (entry in ours) != (entry in real), f"no longer differs, remove from KNOWN_PATH_DIFFERENCES: {why}"
    assert [e for e in ours if e not in known] == [e for e in real if e not in known]


def test_resolver_agrees_with_the_real_import_system(
    environment: Environment, names: list[str], depscan_run: DepscanRun, oracle_run: OracleRun
) -> None:
    env = environment
    # The environment's own names are the same on every Python; the stdlib's sample is smaller before
    # 3.11, which freezes only importlib and zipimport. Each part large enough that a lost source shows.
    sample = set(_stdlib_sample())
    own = [name for name in names if name not in sample]
    assert len(own) >= 220 and len(sample) >= 120, (len(own), len(sample))
    excused: dict[str, list[str]] = {}
    unexpected: list[str] = []
    still_known: set[str] = set()
    for name in names:
        real, res = oracle_run.specs[name], depscan_run.resolved[name]
        diffs = differences(real, res)
        if not diffs:
            continue
        rule = next((r for r in RULES if r.applies(name, real, res, diffs)), None)
        if rule is not None:
            excused.setdefault(rule.name, []).append(name)
        elif name in KNOWN_MISMATCHES:
            still_known.add(name)
        else:
            detail = "\n".join(
                f"    {aspect}: real {a!r}\n    {' ' * len(aspect)}  depscan {b!r}" for aspect, (a, b) in diffs.items()
            )
            unexpected.append(f"{name}:\n{detail}\n{_reproduce(env, name)}")
    fixed = sorted(name for name in KNOWN_MISMATCHES if name in depscan_run.resolved and name not in still_known)

    print(
        f"\n{len(names)} names compared; environment {'cached' if env.cached else 'built'} "
        f"(first build {env.build_seconds} s) at {env.root}; depscan {depscan_run.seconds:.2f} s, "
        f"oracle {oracle_run.seconds:.1f} s; excused by rule: {json.dumps(excused)}; known: {sorted(still_known)}"
    )
    assert not unexpected, f"{len(unexpected)} new mismatches:\n" + "\n".join(unexpected)
    assert not fixed, f"no longer mismatched, remove from KNOWN_MISMATCHES: {fixed}"
