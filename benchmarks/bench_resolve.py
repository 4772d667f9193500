"""Benchmark: depscan's resolver against ``importlib.util.find_spec``, over a large site-packages.

What is measured
----------------
A benchmark virtual environment is made once at ``.bench/venv`` (from the
Python running this script) with a few large packages from PyPI, pinned in
:data:`REQUIREMENTS`: botocore, sympy, pygments and pytest (pure Python),
numpy and PyYAML (extension modules), and what they depend on (pytest also
lets find_spec import numpy's test packages); pip and setuptools come with
the venv (setuptools brings ``distutils-precedence.pth``). A stamp file in
the venv records the Python and the requirement list; while it matches, the
venv is reused, and ``--rebuild`` makes it anew.

The module names are found statically, by walking the venv's site-packages
(nothing is imported): every top-level module and package, and every module
and package under a package: directories with an ``__init__``, ``*.py`` files
and extension modules (the target's extension suffixes), plus namespace
packages (a directory without ``__init__`` but with module files of its own).
``*.dist-info``, ``__pycache__`` and names that are not identifiers are left
out; tests are kept, as they are modules too. The names are sorted, so that a
package comes before its submodules; ``--limit N`` keeps the first N.

Then, for ``--rounds`` rounds, taking turns:

``depscan cold``
    ``depscan.resolve.describe.describe`` of the venv's Python is done once, before
    any timing (its answer is cached on disk). A round builds a fresh resolver
    with ``make_resolver(interp, use_pythonpath=False)``, which reads the site
    directories and their ``.pth`` files, and resolves every name: all of
    depscan's caches (directory listings, finders, answers) start empty. The
    operating system's caches are warm after the first round, for both sides.
``depscan warm``
    the same names again on the same resolver: answers come from its cache.
``find_spec``
    a fresh process of the venv's Python (``-E``, as depscan is told to leave
    ``PYTHONPATH`` out, and without the script directory on ``sys.path``),
    with ``site`` and so the ``.pth`` files run as usual, calls
    ``importlib.util.find_spec(name)`` for every name, one after another,
    catching any exception per name. ``find_spec`` of ``a.b.c`` *imports*
    ``a`` and ``a.b``: that is how importlib finds submodules, and it is part
    of the oracle's real cost (and of why depscan does not use it). The time
    is taken inside the process around the loop: the interpreter's start-up
    is not counted. BLAS thread pools are limited to one thread, as numpy's
    import would otherwise start a pool whose CPU time is noise here.

How to read the table
---------------------
Times are CPU seconds (``time.process_time``, the find_spec process's own):
unlike wall-clock time they do not count the moments other programs had the
CPU, so they hold steadier on a busy machine. ``cpu best`` is the fastest
round, ``cpu median`` the median round (their gap shows the noise); ``wall
best`` is the fastest round by the clock, for reference. ``names/s`` is from
``cpu best``, and ``x find_spec`` is how many times faster than find_spec a
row is (find_spec's ``cpu best`` over the row's).

``agree`` is a quick check, not a test: a name agrees when depscan's
``Resolution.path`` equals ``find_spec(name).origin`` (both None for a
namespace package), or when both find nothing. Two kinds of name are not
compared, and are counted apart: those find_spec raised on (the import of a
parent package failed), and those it answered with another name's spec (a
parent's import put the module in ``sys.modules`` under an alias, as
setuptools' ``VendorImporter`` does, and find_spec returns its ``__spec__``).
A few disagreements are listed under the table.

Usage::

    .venv/bin/python benchmarks/bench_resolve.py [--rounds N] [--limit N] [--check] [--rebuild]

Exit status is 0 whatever the result unless ``--check`` is given; then it is 1
when depscan cold is slower than :data:`GOAL` times find_spec, or when any
compared name disagrees. It is 2 when the venv cannot be made or the find_spec
process fails.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from benchvenv import BenchError, ensure_venv, venv_python

from depscan.resolve.describe import describe
from depscan.resolve.interpreter import Interpreter
from depscan.resolve.resolver import Resolution, Resolver, make_resolver

T = TypeVar("T")
Answers = list[Resolution | BaseException]


ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / ".bench" / "venv"

REQUIREMENTS = (
    "botocore==1.44.5",
    "jmespath==1.1.0",
    "python-dateutil==2.9.0.post0",
    "six==1.17.0",
    "urllib3==2.8.0",
    "sympy==1.14.0",
    "mpmath==1.3.0",
    "pygments==2.21.0",
    "pyyaml==6.0.3",
    "numpy==2.2.6; python_version < '3.11'",
    "numpy==2.4.6; python_version >= '3.11'",
    "pytest==9.2.0",
    "iniconfig==2.3.1",
    "packaging==26.3",
    "pluggy==1.7.0",
    "exceptiongroup==1.3.1; python_version < '3.11'",
    "tomli==2.5.0; python_version < '3.11'",
    "typing_extensions==4.16.0; python_version < '3.11'",
)
"""The benchmark venv's packages, dependencies included, so that its names stay the same from run to run."""

GOAL = 5.0
"""With ``--check``: depscan cold must resolve at least this many times as fast as find_spec.

A guard against regressions, with room for noise: depscan cold measured 12x to 15x here.
"""

SHOWN_DISAGREEMENTS = 10
"""How many disagreeing names are listed under the table."""

_SKIPPED_DIRS = frozenset({"__pycache__"})

# Runs in the venv's Python: argv[1] is a JSON file of names, argv[2] the file to write answers to.
ORACLE = r"""
import gc, importlib.util, json, sys, time, warnings
if sys.path and sys.path[0] == "":
    del sys.path[0]
with open(sys.argv[1]) as handle:
    names = json.load(handle)
warnings.simplefilter("ignore")
find_spec = importlib.util.find_spec
modules_before = len(sys.modules)
results = []
gc.collect()
cpu, wall = time.process_time(), time.perf_counter()
for name in names:
    try:
        results.append(find_spec(name))
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a parent package's import may raise anything, SystemExit too
        results.append(exc)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
answers = []
for result in results:
    if isinstance(result, BaseException):
        answers.append({"error": type(result).__name__ + ": " + str(result)[:200]})
    elif result is None:
        answers.append({"found": False})
    else:
        answers.append({"found": True, "origin": result.origin, "name": result.name})
with open(sys.argv[2], "w") as handle:
    json.dump({"cpu": cpu, "wall": wall, "imported": len(sys.modules) - modules_before, "answers": answers}, handle)
"""


# --- the benchmark venv ---------------------------------------------------------


# --- the names ------------------------------------------------------------------


def site_packages(interp: Interpreter) -> str:
    """The venv's own site directory."""
    for directory in interp.site_dirs:
        if interp.venv and Path(directory).is_relative_to(interp.venv) and os.path.isdir(directory):
            return directory
    raise BenchError(f"no site-packages found for {interp.executable}")


def module_names(root: str, extension_suffixes: Sequence[str]) -> list[str]:
    """Every module and package name under ``root``, found by listing directories only."""
    names: set[str] = set()
    init_files = {"__init__" + suffix for suffix in (".py", *extension_suffixes)}

    def module_name(filename: str) -> str | None:
        if filename.endswith(".py"):
            stem = filename[:-3]
        else:
            stem = next((filename[: -len(s)] for s in extension_suffixes if filename.endswith(s)), "")
        return stem if stem.isidentifier() and stem != "__init__" else None

    def walk(directory: str, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.is_dir():
                if entry.name in _SKIPPED_DIRS or not entry.name.isidentifier():
                    continue  # *.dist-info, numpy.libs and the like have a dot
                try:
                    inside = os.listdir(entry.path)
                except OSError:
                    continue
                if not init_files.isdisjoint(inside) or any(module_name(f) for f in inside):
                    names.add(prefix + entry.name)
                    walk(entry.path, prefix + entry.name + ".")
            elif entry.is_file():
                name = module_name(entry.name)
                if name is not None:
                    names.add(prefix + name)

    walk(root, "")
    return sorted(names)


# --- timing ---------------------------------------------------------------------


@dataclass
class Timing:
    """One row of the table: CPU and wall-clock seconds per round."""

    name: str
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    def add(self, cpu: float, wall: float) -> None:
        self.cpu.append(cpu)
        self.wall.append(wall)

    @property
    def best(self) -> float:
        return min(self.cpu)

    @property
    def median(self) -> float:
        return statistics.median(self.cpu)


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    """``work()``'s result with its CPU and wall-clock seconds, from a freshly collected heap."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def resolve_all(resolver: Resolver, names: Sequence[str]) -> Answers:
    """Every name's resolution, or the exception resolving it raised."""
    results: Answers = []
    for name in names:
        try:
            results.append(resolver.resolve(name))
        except Exception as exc:  # a crash is a finding, reported under the table
            results.append(exc)
    return results


class OracleError(Exception):
    """The find_spec process failed."""


@dataclass
class Oracle:
    """One find_spec process: its times, how many modules it imported, and its answers."""

    cpu: float
    wall: float
    imported: int
    answers: list[dict[str, Any]]


def cold_pass(interp: Interpreter, names: Sequence[str]) -> tuple[Resolver, Answers]:
    """A fresh resolver, made as the CLI makes one, and every name resolved on it."""
    resolver = make_resolver(interp, use_pythonpath=False)
    return resolver, resolve_all(resolver, names)


def run_oracle(python: Path, names_file: str, workdir: str) -> Oracle:
    out = os.path.join(workdir, "answers.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run(
        [str(python), "-E", "-c", ORACLE, names_file, out],
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=1800,
    )
    if done.returncode != 0:
        raise OracleError(f"the find_spec process failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    with open(out, encoding="utf-8") as handle:
        data = json.load(handle)
    return Oracle(data["cpu"], data["wall"], data["imported"], data["answers"])


# --- agreement ------------------------------------------------------------------


@dataclass
class Agreement:
    """How depscan's answers compare with find_spec's.

    ``skipped`` counts the names not compared, by reason; ``kinds`` the
    disagreements, by kind, and ``examples`` describes them one by one.
    """

    compared: int = 0
    agreed: int = 0
    depscan_errors: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.agreed / self.compared if self.compared else 100.0


def compare(names: Sequence[str], ours: Answers, theirs: Sequence[dict[str, Any]]) -> Agreement:
    agreement = Agreement()
    for name, mine, answer in zip(names, ours, theirs, strict=True):
        if isinstance(mine, BaseException):
            agreement.depscan_errors += 1
            agreement.kinds[f"depscan raised {type(mine).__name__}"] += 1
            agreement.examples.append(f"{name}: depscan raised {type(mine).__name__}: {mine}")
            continue
        if "error" in answer:
            agreement.skipped[f"find_spec raised {answer['error'].split(':', 1)[0]} (a parent's import failed)"] += 1
            continue
        if answer["found"] and answer["name"] != name:
            # A parent's import put the module in sys.modules under this name with another name's
            # spec (setuptools' VendorImporter does), and find_spec returns that module's __spec__.
            agreement.skipped["find_spec returned another name's spec, from sys.modules"] += 1
            continue
        agreement.compared += 1
        if answer["found"]:
            same = mine.found and mine.path == answer["origin"]
            theirs_text = repr(answer["origin"])
        else:
            same = not mine.found
            theirs_text = "not found"
        if same:
            agreement.agreed += 1
            continue
        mine_text = repr(mine.path) if mine.found else f"({mine.reason})"
        agreement.kinds[f"depscan {mine.kind}, find_spec {'found' if answer['found'] else 'not found'}"] += 1
        agreement.examples.append(f"{name}: depscan {mine.kind} {mine_text}; find_spec {theirs_text}")
    return agreement


# --- report ---------------------------------------------------------------------


def table(rows: Sequence[Timing], count: int, oracle: Timing) -> str:
    header = ("variant", "cpu best s", "cpu median s", "wall best s", "names/s", "x find_spec")
    cells = [header]
    for row in rows:
        cells.append(
            (
                row.name,
                f"{row.best:.4f}",
                f"{row.median:.4f}",
                f"{min(row.wall):.4f}",
                f"{count / row.best:,.0f}" if row.best > 0 else "inf",
                f"{oracle.best / row.best:.1f}x" if row.best > 0 else "inf",
            )
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, metavar="N", help="timed rounds per variant (best kept)")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N names")
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when depscan cold is under {GOAL:.1f}x find_spec or disagrees"
    )
    parser.add_argument("--rebuild", action="store_true", help="make the benchmark venv anew")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    try:
        built = ensure_venv(BENCH_VENV, REQUIREMENTS, args.rebuild)
        python = venv_python(BENCH_VENV)
        interp = describe(str(python))
        root = site_packages(interp)
    except (BenchError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    names = module_names(root, interp.extension_suffixes)
    if args.limit is not None:
        names = names[: max(args.limit, 0)]
    if not names:
        print("no names to resolve", file=sys.stderr)
        return 2
    top_level = sum("." not in name for name in names)

    print(f"Python {platform.python_version()} ({platform.python_implementation()}, {platform.machine()})")
    if built is None:
        print(f"venv {BENCH_VENV} (reused; --rebuild to make it anew)")
    else:
        print(f"venv {BENCH_VENV} (made in {built:.1f} s)")
    print(f"site-packages {root}")
    print(f"{len(names):,} names ({top_level} top-level); best of {args.rounds} round(s)")
    print()

    cold, warm, spec = Timing("depscan cold"), Timing("depscan warm"), Timing("find_spec")
    ours: Answers = []
    oracle: Oracle | None = None
    with tempfile.TemporaryDirectory(prefix="depscan-bench-") as workdir:
        names_file = os.path.join(workdir, "names.json")
        with open(names_file, "w", encoding="utf-8") as handle:
            json.dump(names, handle)
        for _ in range(args.rounds):
            (resolver, ours), cpu, wall = timed(functools.partial(cold_pass, interp, names))
            cold.add(cpu, wall)
            _, cpu, wall = timed(functools.partial(resolve_all, resolver, names))
            warm.add(cpu, wall)
            try:
                oracle = run_oracle(python, names_file, workdir)
            except (OracleError, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            spec.add(oracle.cpu, oracle.wall)
    assert oracle is not None

    print(table([cold, warm, spec], len(names), spec))
    agreement = compare(names, ours, oracle.answers)
    ratio = spec.best / cold.best if cold.best > 0 else float("inf")
    print()
    print(f"find_spec imported {oracle.imported:,} modules on the way (parent packages and what they import)")
    print(f"find_spec / depscan cold = {ratio:.1f}x   (goal >= {GOAL:.1f}x)   {'PASS' if ratio >= GOAL else 'SLOWER'}")
    print(f"agree: {agreement.agreed:,} of {agreement.compared:,} names compared ({agreement.percent:.2f}%)")
    for reason, number in agreement.skipped.most_common():
        print(f"  not compared {number:6,}  {reason}")
    for kind, number in agreement.kinds.most_common():
        print(f"  disagree     {number:6,}  {kind}")
    if agreement.examples:
        shown = agreement.examples[:SHOWN_DISAGREEMENTS]
        print(f"first {len(shown)} of {len(agreement.examples)} disagreements:")
        for example in shown:
            print(f"  {example}")
    failed = ratio < GOAL or agreement.agreed < agreement.compared or agreement.depscan_errors > 0
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
