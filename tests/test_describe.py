"""The static description of a target Python against the interpreter itself.

For every interpreter on this machine (pyenv's 2.7 and 3.6-3.13, Debian's system Python) and for
virtual environments made from them, with and without system site-packages, the test runs the
real interpreter (the test trusts it: it is not an analysed tree's) and compares what it says of
itself with what :func:`depscan.resolve.describe.describe` reads from its files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from depscan.resolve.describe import describe
from depscan.resolve.interpreter import InterpreterError
from depscan.resolve.resolver import make_resolver

PYENV = sorted(Path.home().glob(".pyenv/versions/*/bin/python[23].*[0-9]"))
SYSTEM = [Path(p) for p in ("/usr/bin/python3",) if os.path.exists(p)]
INTERPRETERS = [pytest.param(str(p), id=p.parts[-3] if ".pyenv" in p.parts else str(p)) for p in PYENV + SYSTEM]

# Runs in the real interpreter, 2.7 and 3.x: what site and the import system say.
_ASK = r"""
import json, site, sys
try:
    from importlib.machinery import EXTENSION_SUFFIXES as ext
except ImportError:
    import imp
    ext = [s for s, m, k in imp.get_suffixes() if k == imp.C_EXTENSION]
try:
    from importlib.util import MAGIC_NUMBER
    magic = MAGIC_NUMBER.hex()
except ImportError:
    import imp
    magic = imp.get_magic().encode("hex")
print(json.dumps({
    "version": list(sys.version_info[:3]),
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "site": site.getsitepackages() if hasattr(site, "getsitepackages") else None,
    "user_site": site.USER_SITE,
    "user_enabled": bool(site.ENABLE_USER_SITE),
    "builtin": sorted(sys.builtin_module_names),
    "ext": list(ext),
    "magic": magic,
}))
"""

_BARE_PATH = "import sys, json; print(json.dumps([p for p in sys.path if p]))"


def _ask(python: str, tmp_path: Path) -> dict[str, Any]:
    env = {"PATH": os.defpath, "HOME": str(Path.home())}
    done = subprocess.run(
        [python, "-E", "-c", _ASK], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60, check=True
    )
    answer: dict[str, Any] = json.loads(done.stdout)  # decoded JSON
    bare = subprocess.run(
        [python, "-E", "-s", "-S", "-c", _BARE_PATH], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    answer["sys_path"] = [p for p in json.loads(bare.stdout) if p != str(tmp_path)]
    return answer


def _agree(python: str, tmp_path: Path) -> None:
    real = _ask(python, tmp_path)
    interp = describe(python, environ={"HOME": str(Path.home())})
    assert list(interp.version) == real["version"]
    assert interp.base_prefix == real["base_prefix"]
    assert interp.prefix == real["prefix"]
    assert list(dict.fromkeys(interp.sys_path)) == list(dict.fromkeys(real["sys_path"]))
    if real["site"] is not None:  # 2.7's virtualenv-less site has getsitepackages too
        assert list(interp.site_dirs) == real["site"]
    assert interp.user_site == real["user_site"]
    assert interp.user_site_enabled == real["user_enabled"]
    assert sorted(interp.builtin) == real["builtin"]
    assert list(interp.extension_suffixes) == real["ext"]
    assert interp.magic == real["magic"]


@pytest.mark.parametrize("python", INTERPRETERS)
def test_an_installation_is_described_as_it_is(python: str, tmp_path: Path) -> None:
    _agree(python, tmp_path)


VENV_MAKERS = [p for p in INTERPRETERS if "2.7" not in str(p.values[0]) and "3.6" not in str(p.values[0])]


@pytest.mark.slow
@pytest.mark.parametrize("system", [False, True], ids=["own-site", "system-site"])
@pytest.mark.parametrize("python", VENV_MAKERS)
def test_a_virtual_environment_is_described_as_it_is(python: str, system: bool, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    command = [python, "-m", "venv", "--without-pip", *(["--system-site-packages"] if system else []), str(venv)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    _agree(str(venv / "bin" / "python"), tmp_path)


def test_the_environment_decides_the_user_site(tmp_path: Path) -> None:
    """PYTHONUSERBASE and PYTHONNOUSERSITE are the user's: read as the interpreter reads them."""
    base = describe(sys.executable, environ={"PYTHONUSERBASE": str(tmp_path)})
    assert base.user_site and base.user_site.startswith(str(tmp_path))
    off = describe(sys.executable, environ={"PYTHONNOUSERSITE": "1"})
    assert not off.user_site_enabled


def test_the_description_resolves_as_find_spec_does() -> None:
    """Every stdlib module of this interpreter is found where the import system finds it."""
    import importlib.util

    resolver = make_resolver(describe(sys.executable), [], use_pythonpath=False)
    checked = 0
    for name in sorted(sys.stdlib_module_names):
        spec = importlib.util.find_spec(name)  # the stdlib of the test's own interpreter, not analysed code
        resolution = resolver.resolve(name)
        assert resolution.found == (spec is not None), name
        if spec is not None and spec.origin not in (None, "built-in", "frozen"):
            assert resolution.path == spec.origin, name
            checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"#!/bin/sh\necho hi\n", "is a script", id="a-script"),
        pytest.param(b"plain text", "not an executable", id="not-executable"),
    ],
)
def test_what_is_not_an_installation_is_said(tmp_path: Path, content: bytes, message: str) -> None:
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir()
    fake.write_bytes(content)
    with pytest.raises(InterpreterError, match=message):
        describe(str(fake))


def test_a_fifo_or_device_as_interpreter_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "python"
    os.mkfifo(fifo)
    with pytest.raises(InterpreterError, match="cannot read"):
        describe(str(fifo))
    (tmp_path / "zero").symlink_to("/dev/zero")
    with pytest.raises(InterpreterError, match="cannot read"):
        describe(str(tmp_path / "zero"))
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(os.path.realpath(sys.executable))
    os.mkfifo(venv / "pyvenv.cfg")  # not a file: passed by, as if absent, without opening it
    assert describe(str(venv / "bin" / "python")).venv is None


# --- what a hostile tree can put in a fake installation (a .venv it ships) ---------------------

REAL_BINARY = os.path.realpath(sys.executable)


def _fake_installation(root: Path, exe_name: str, stdlib: str) -> Path:
    """A native executable (a copy of a real one: never run) with a standard library beside it."""
    (root / "bin").mkdir(parents=True)
    exe = root / "bin" / exe_name
    exe.write_bytes(Path(REAL_BINARY).read_bytes())
    (root / stdlib).mkdir(parents=True)
    (root / stdlib / "os.py").write_text("")
    return exe


def _bounded_describe(python: Path, seconds: float = 10) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\nfrom depscan.resolve.describe import describe\n"
        "try:\n    describe(sys.argv[1])\nexcept Exception as e:\n    print(type(e).__name__, e)\n"
    )
    return subprocess.run([sys.executable, "-c", code, str(python)], capture_output=True, text=True, timeout=seconds)


def test_a_sysconfigdata_of_newlines_costs_no_quadratic_time(tmp_path: Path) -> None:
    exe = _fake_installation(tmp_path / "inst", "python3.11", "lib/python3.11")
    (tmp_path / "inst" / "lib" / "python3.11" / "_sysconfigdata__x.py").write_text("\n" * 1_000_000)
    done = _bounded_describe(exe)
    assert done.returncode == 0 and "Traceback" not in done.stderr


def test_a_binary_of_pyinit_names_costs_no_quadratic_time(tmp_path: Path) -> None:
    root = tmp_path / "inst"
    (root / "bin").mkdir(parents=True)
    exe = root / "bin" / "python3.11"
    exe.write_bytes(b"\x7fELF" + b"PyInit_" * 300_000)  # no config.c: the binary is searched
    (root / "lib" / "python3.11").mkdir(parents=True)
    (root / "lib" / "python3.11" / "os.py").write_text("")
    done = _bounded_describe(exe)
    assert done.returncode == 0 and "Traceback" not in done.stderr


@pytest.mark.parametrize("version", ["3.11." + "9" * 5000, "9" * 5000 + ".11", "4.0"])
def test_an_absurd_version_in_pyvenv_cfg_is_an_error(tmp_path: Path, version: str) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(REAL_BINARY)
    (venv / "pyvenv.cfg").write_text(f"home = {os.path.dirname(REAL_BINARY)}\nversion = {version}\n")
    try:
        interp = describe(str(venv / "bin" / "python"))
    except InterpreterError:
        return
    assert interp.version[:2] == sys.version_info[:2]  # the digits were not taken as a version


def test_a_lib64_installation_is_its_own_not_one_found_above(tmp_path: Path) -> None:
    root = tmp_path / "usr"
    exe = _fake_installation(root, "python3.11", "lib64/python3.11")
    interp = describe(str(exe))
    assert interp.base_prefix == str(root)
    assert interp.stdlib_dirs == (str(root / "lib64" / "python3.11"),)


def test_a_free_threaded_build_is_told_by_its_name(tmp_path: Path) -> None:
    root = tmp_path / "ft"
    exe = _fake_installation(root, "python3.13t", "lib/python3.13t")
    interp = describe(str(exe))
    assert interp.version[:2] == (3, 13)
    assert interp.stdlib_dirs == (str(root / "lib" / "python3.13t"),)
    assert all("python3.13t" in d for d in interp.site_dirs)


def test_with_no_version_named_no_installation_above_is_taken(tmp_path: Path) -> None:
    exe = _fake_installation(tmp_path / "a" / "b", "python", "nothing-here")
    with pytest.raises(InterpreterError, match="does not look like a Python installation"):
        describe(str(exe))


def test_a_venv_whose_home_is_another_venv_is_described_as_it_is(tmp_path: Path) -> None:
    """Python 3.10's venv names the creating venv's bin/ as `home`: no stdlib there, so CPython
    falls back to the installation its executable is in (not to a /lib/pythonX.Y found above)."""
    first = tmp_path / "first"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(first)], check=True, timeout=120)
    second = tmp_path / "second"
    (second / "bin").mkdir(parents=True)
    (second / "bin" / "python").symlink_to(REAL_BINARY)
    version = ".".join(map(str, sys.version_info[:3]))
    (second / "pyvenv.cfg").write_text(
        f"home = {first / 'bin'}\ninclude-system-site-packages = false\nversion = {version}\n"
    )
    _agree(str(second / "bin" / "python"), tmp_path)
