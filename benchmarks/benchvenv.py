"""The benchmarks' virtual environments: made once from pinned requirements, reused while they match.

A stamp file in the venv records the Python it was made from and the
requirement list; while both are the same the venv is reused, and a
benchmark's ``--rebuild`` makes it anew.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

STAMP_NAME = ".depscan-bench-requirements"


class BenchError(Exception):
    """A benchmark cannot go on: its venv could not be made, or a tool failed."""


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def package_dir(python: Path, package: str) -> Path:
    """Where the package ``package`` is installed for ``python``: its site-packages directory
    (asked of the interpreter's ``sysconfig``, in isolated mode) joined with the name. Nothing of
    the package is imported or looked up through the import system: it is the code benchmarked."""
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    done = subprocess.run([str(python), "-I", "-c", code], capture_output=True, text=True)
    found = Path(done.stdout.strip()) / package
    if done.returncode != 0 or not (found / "__init__.py").is_file():
        raise BenchError(f"{package} is not installed in {python}'s site-packages:\n{done.stderr.strip()}")
    return found


def stamp_text(requirements: Sequence[str]) -> str:
    """What the stamp file holds: the Python the venv is made from, and the requirements."""
    base = getattr(sys, "_base_executable", sys.executable)
    return "\n".join([f"# python {platform.python_version()} {base}", *requirements]) + "\n"


def ensure_venv(venv: Path, requirements: Sequence[str], rebuild: bool) -> float | None:
    """Make the venv unless its stamp matches; the seconds it took, or None when reused."""
    stamp = venv / STAMP_NAME
    try:
        current = stamp.read_text(encoding="utf-8")
    except OSError:
        current = None
    if not rebuild and current == stamp_text(requirements) and venv_python(venv).exists():
        return None
    print(f"making the benchmark venv {venv} (once) ...", flush=True)
    started = time.perf_counter()
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv_python(venv)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
    ]
    for command in steps:
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip()
            raise BenchError(f"{' '.join(command[:4])} ... failed (exit {done.returncode}):\n{output}")
    stamp.write_text(stamp_text(requirements), encoding="utf-8")
    return time.perf_counter() - started
