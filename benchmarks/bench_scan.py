"""Benchmark: a whole-program scan by depscan against pydeps, modulefinder and the ``ast.parse`` floor.

What is measured
----------------
A benchmark virtual environment is made once at ``.bench/scan-venv`` (from
the Python running this script) with Django and pydeps from PyPI, pinned in
:data:`REQUIREMENTS` with what they depend on. A stamp file in the venv
records the Python and the requirement list; while it matches, the venv is
reused, and ``--rebuild`` makes it anew.

A script, ``.bench/scan/import_django.py``, is written with one ``import``
statement for every module and package of the installed ``django``, found
statically by walking its directory (nothing is imported): packages are
directories with an ``__init__.py``, modules their ``*.py`` files. Every
module is included, those that need optional dependencies or settings too, as
a static scan does not run them; only names with a keyword for a part (the
locale package ``django.conf.locale.is``) are left out, as no ``import``
statement can name them (Django loads them with ``import_module``). The
names are sorted; ``--limit N`` keeps the first N.

Each tool then scans the script in a process of its own, one after another,
``--rounds`` times, the order rotating from round to round so that a burst of
other load on the machine does not always land on the same tool. The
environment of every process is this one's less the ``PYTHON*`` variables.

``depscan (cold)``
    ``depscan SCRIPT --python <venv python> --format json --no-cache`` (the
    console script beside this Python): a new process of this project's
    Python that imports depscan, reads, parses and resolves everything, and
    writes the JSON report, to ``/dev/null`` through its standard output.
    (Not ``-o /dev/null``: ``-o`` writes through a temporary file renamed over
    the target, which replaces the device itself when the user may write to
    ``/dev``.) The one thing not cold is the interpreter probe: depscan
    caches its answer on disk, and an untimed run before the rounds makes
    sure it is there, so no round runs the venv's Python.
``depscan (first run)``
    ``--cache-dir DIR`` instead of ``--no-cache``, ``DIR`` removed before
    every round: the cold scan plus filling the caches (every extraction,
    and the run's answer), what a user's first run costs.
``depscan (warm)``
    the same command with the caches a previous run left (the cache of the
    check issue): the program is unchanged, so the answer is the stored one,
    once every file and directory it was worked out from is seen unchanged.
``pydeps``
    ``python -m pydeps SCRIPT --no-config --no-output --no-dot --show-deps
    --max-bacon 0`` in the venv's Python: its analysis (modulefinder, run by
    pydeps) and its dependency JSON, printed to ``/dev/null``, without
    drawing (no Graphviz), and with no distance limit (``--max-bacon 0``), so
    that it keeps every module it found, as depscan does.
``modulefinder``
    the standard library's ``ModuleFinder(path=[script dir] + sys.path)
    .run_script(SCRIPT)`` in a process of the venv's Python, ``sys.path``
    being that Python's own. Like pydeps (which uses it), it also follows
    the standard library's imports, which depscan only resolves by default:
    it reads more files.
``floor``
    a process of this project's Python (as depscan's) that reads and
    ``ast.parse``-s every file depscan read: the files of the modules whose
    ``scanned`` is true in depscan's JSON report, from the untimed run. No
    scan that parses each file it reads into an AST can cost less.

How to read the table
---------------------
Times are CPU seconds of the child process (user plus system, the
``resource.getrusage(RUSAGE_CHILDREN)`` difference around it): unlike
wall-clock time they do not count the moments other programs had the CPU, so
they hold steadier on a busy machine. They include the process's start-up
(for depscan, importing click and networkx), which is part of what a user
waits for. ``cpu best`` is the fastest round, ``cpu median`` the median round
(their gap shows the noise); ``wall best`` is the fastest round by the clock,
for reference. ``x floor`` is the row's ``cpu best`` over the floor's, and
``x depscan`` over depscan's: pydeps' and modulefinder's ``x depscan`` are
how many times faster depscan is.

The count columns, from the untimed run, show the tools did comparable work:
``django`` counts the modules named ``django`` or ``django.*`` a tool reports,
``modules`` all the modules it reports (depscan: found, the standard
library's resolved but not read included; pydeps: it leaves out the standard
library and what is missing; modulefinder: found, the standard library's
included), ``files`` the source files it parsed (pydeps runs modulefinder,
so it reads what modulefinder reads) and ``missing`` what it reports missing
(pydeps: not reported).

The goals, from the issue: depscan cold within :data:`FLOOR_BUDGET` times
the floor and about :data:`PYDEPS_GOAL` times faster than pydeps; warm at
least :data:`WARM_GOAL` times faster than pydeps. Each is printed as PASS or
OVER BUDGET; ``--profile`` adds where depscan's time goes (cProfile of the
same scan, in this process).

The floor counts the files depscan *scanned*; it also parses a few more
(about 2% here: stdlib modules read for the names a ``from`` import takes
from them), which the floor leaves out, to depscan's cost.

Usage::

    .venv/bin/python benchmarks/bench_scan.py [--rounds N] [--limit N] [--check] [--rebuild] [--profile]

Exit status is 0 whatever the result unless ``--check`` is given; then it is
1 when a goal is missed. It is 2 when the venv cannot be made or a tool
fails.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import keyword
import os
import platform
import pstats
import resource
import shutil
import stat
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from benchvenv import BenchError, ensure_venv, package_dir, venv_python

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"
SCAN_VENV = BENCH_DIR / "scan-venv"
WORK_DIR = BENCH_DIR / "scan"
SCRIPT_NAME = "import_django.py"

REQUIREMENTS = (
    "Django==5.2.19",
    "asgiref==3.13.0",
    "sqlparse==0.6.1",
    "tzdata==2025.3; sys_platform == 'win32'",
    "pydeps==3.0.9",
    "stdlib-list==0.12.0",
)
"""The benchmark venv's packages, dependencies included, so that the work stays the same from run to run."""

FLOOR_BUDGET = 1.25
"""The goal for depscan / floor (CPU), from the issue."""

PYDEPS_GOAL = 5.0
"""The goal for pydeps / depscan (CPU): depscan about this many times faster, from the issue."""

WARM_GOAL = 20.0
"""The goal for pydeps / warm depscan (CPU), from the issue."""

PROFILE_LINES = 25
"""How many functions ``--profile`` lists."""

# Runs in the venv's Python: argv[1] is the script; prints what was found as JSON.
MODULEFINDER = r"""
import json, modulefinder, os, sys
script = sys.argv[1]
path = [os.path.dirname(script)] + [entry for entry in sys.path if entry]
finder = modulefinder.ModuleFinder(path=path)
finder.run_script(script)
missing, maybe = finder.any_missing_maybe()
files = [m.__file__ for m in finder.modules.values() if m.__file__ and m.__file__.endswith(".py")]
json.dump({"modules": sorted(finder.modules), "files": len(files), "missing": len(missing)}, sys.stdout)
"""

# Runs in depscan's Python: argv[1] is a JSON list of files, each read and parsed.
FLOOR = r"""
import ast, json, sys
with open(sys.argv[1], encoding="utf-8") as handle:
    files = json.load(handle)
for path in files:
    with open(path, "rb") as source:
        ast.parse(source.read(), path)
json.dump({"files": len(files)}, sys.stdout)
"""


# --- the benchmark venv ---------------------------------------------------------


# --- the script -----------------------------------------------------------------


def module_names(package: Path) -> tuple[list[str], list[str]]:
    """Every module and package under ``package``, by listing directories; and those no import can name."""
    names = [package.name]

    def walk(directory: Path, prefix: str) -> None:
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            if entry.is_dir():
                if entry.name.isidentifier() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                    names.append(prefix + entry.name)
                    walk(Path(entry.path), prefix + entry.name + ".")
            elif entry.name.endswith(".py") and entry.name != "__init__.py" and entry.name[:-3].isidentifier():
                names.append(prefix + entry.name[:-3])

    walk(package, package.name + ".")
    names.sort()
    unnamed = [name for name in names if any(keyword.iskeyword(part) for part in name.split("."))]
    return [name for name in names if name not in set(unnamed)], unnamed


def write_script(path: Path, names: Sequence[str]) -> None:
    lines = [f'"""Imports every module of Django: {len(names)} of them (made by benchmarks/bench_scan.py)."""', ""]
    lines.extend(f"import {name}" for name in names)
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.read_text(encoding="utf-8") == text:
            return  # unchanged: keep its mtime
    except OSError:
        pass
    path.write_text(text, encoding="utf-8")


# --- running the tools ----------------------------------------------------------


def child_env() -> dict[str, str]:
    """This environment less the ``PYTHON*`` variables, for every child process alike."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}


@dataclass(frozen=True)
class Counts:
    """What a tool reported, from the untimed run; None where it has no such number."""

    django: int | None = None
    modules: int | None = None
    files: int | None = None
    missing: int | None = None


@dataclass
class Tool:
    """One command, timed over rounds; ``count`` reads its standard output from the untimed run."""

    name: str
    command: list[str]
    count: Callable[[str], Counts]
    prepare: Callable[[], None] | None = None  # run before each timed round, untimed
    counts: Counts = field(default_factory=Counts)
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.cpu)

    @property
    def median(self) -> float:
        return statistics.median(self.cpu)


def run(command: Sequence[str], stdout: IO[Any] | int, cwd: Path) -> tuple[float, float]:
    """Run ``command``; the CPU seconds (user + system) of the child, and the wall-clock seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run(
        list(command), stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=cwd, env=child_env()
    )
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace")[-3000:]
        raise BenchError(f"{' '.join(command[:4])} ... failed (exit {done.returncode}):\n{tail}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def depscan_entry() -> list[str]:
    """The ``depscan`` command a user runs: the console script beside this Python, else ``python -m depscan``."""
    script = Path(sys.executable).parent / ("depscan.exe" if os.name == "nt" else "depscan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "depscan"]


def untimed(tool: Tool, cwd: Path) -> str:
    """Run the tool once, its output kept: warms the disk cache (and depscan's probe cache)."""
    out = WORK_DIR / (tool.name.replace(" ", "-").replace("(", "").replace(")", "") + ".out")
    with open(out, "wb") as handle:
        run(tool.command, handle, cwd)
    return out.read_text(encoding="utf-8")


def is_django(name: str) -> bool:
    return name == "django" or name.startswith("django.")


def depscan_counts(output: str) -> Counts:
    report = json.loads(output)
    modules = report["modules"]
    return Counts(
        sum(is_django(m["name"]) for m in modules),
        len(modules),
        sum(bool(m["scanned"]) for m in modules),
        len(report["missing"]),
    )


def scanned_files(output: str) -> list[str]:
    """The files depscan read: the modules whose ``scanned`` is true."""
    return [m["file"] for m in json.loads(output)["modules"] if m["scanned"] and m["file"]]


def pydeps_counts(output: str) -> Counts:
    graph = json.loads(output[output.index("{") :])
    return Counts(sum(is_django(name) for name in graph), len(graph))


def modulefinder_counts(output: str) -> Counts:
    found = json.loads(output)
    return Counts(
        sum(is_django(name) for name in found["modules"]), len(found["modules"]), found["files"], found["missing"]
    )


def floor_counts(output: str) -> Counts:
    return Counts(files=json.loads(output)["files"])


def measure(tools: Sequence[Tool], rounds: int, cwd: Path) -> None:
    """``rounds`` timed rounds, the tools taking turns in an order rotating from round to round."""
    for number in range(rounds):
        for turn in range(len(tools)):
            tool = tools[(number + turn) % len(tools)]
            if tool.prepare is not None:
                tool.prepare()
            cpu, wall = run(tool.command, subprocess.DEVNULL, cwd)
            tool.cpu.append(cpu)
            tool.wall.append(wall)


def check_devnull() -> None:
    """Refuse to run, and so to time writes to a file, when ``/dev/null`` is not the device any more."""
    if os.name == "posix" and not stat.S_ISCHR(os.stat(os.devnull).st_mode):
        raise BenchError(f"{os.devnull} is not a character device (something replaced it); restore it first")


# --- the profile ----------------------------------------------------------------


def profile(script: Path, python: Path) -> str:
    """cProfile of depscan's scan and JSON report of ``script``, in this process, as the CLI does them."""
    from depscan.analysis.graph import cycles
    from depscan.analysis.scan import scan
    from depscan.output.report import scan_json
    from depscan.resolve.describe import describe

    interp = describe(str(python))
    profiler = cProfile.Profile()
    profiler.enable()
    result = scan(interp, [str(script)], use_pythonpath=False, project_root=str(ROOT))
    scan_json(result, cycles(result))
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
    return text.getvalue()


# --- report ---------------------------------------------------------------------


def table(tools: Sequence[Tool], depscan: Tool, floor: Tool) -> str:
    header = (
        "tool",
        "cpu best s",
        "cpu median s",
        "wall best s",
        "x floor",
        "x depscan",
        "django",
        "modules",
        "files",
        "missing",
    )
    rows = [header]

    def number(value: int | None) -> str:
        return "-" if value is None else f"{value:,}"

    for tool in tools:
        rows.append(
            (
                tool.name,
                f"{tool.best:.3f}",
                f"{tool.median:.3f}",
                f"{min(tool.wall):.3f}",
                f"{tool.best / floor.best:.2f}x",
                f"{tool.best / depscan.best:.2f}x",
                number(tool.counts.django),
                number(tool.counts.modules),
                number(tool.counts.files),
                number(tool.counts.missing),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, metavar="N", help="timed rounds per tool (best kept)")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="import only the first N django modules")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--rebuild", action="store_true", help="make the benchmark venv anew")
    parser.add_argument("--profile", action="store_true", help="also profile depscan's scan in this process")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    try:
        check_devnull()
        built = ensure_venv(SCAN_VENV, REQUIREMENTS, args.rebuild)
        python = venv_python(SCAN_VENV)
        django = package_dir(python, "django")
    except (BenchError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    names, unnamed = module_names(django)
    if args.limit is not None:
        names = names[: max(args.limit, 0)]
    if not names:
        print("no modules to import", file=sys.stderr)
        return 2
    script = WORK_DIR / SCRIPT_NAME
    write_script(script, names)

    first_cache, warm_cache = WORK_DIR / "cache-first", WORK_DIR / "cache-warm"
    depscan_command = [*depscan_entry(), str(script), "--python", str(python), "--format", "json"]
    pydeps_command = [str(python), "-m", "pydeps", str(script), "--no-config", "--no-output", "--no-dot"]
    pydeps_command += ["--show-deps", "--max-bacon", "0"]
    depscan = Tool("depscan (cold)", [*depscan_command, "--no-cache"], depscan_counts)
    first = Tool(
        "depscan (first run)",
        [*depscan_command, "--cache-dir", str(first_cache)],
        depscan_counts,
        prepare=lambda: shutil.rmtree(first_cache, ignore_errors=True),
    )
    warm = Tool("depscan (warm)", [*depscan_command, "--cache-dir", str(warm_cache)], depscan_counts)
    pydeps = Tool("pydeps", pydeps_command, pydeps_counts)
    finder = Tool("modulefinder", [str(python), "-c", MODULEFINDER, str(script)], modulefinder_counts)
    files_list = WORK_DIR / "floor-files.json"
    floor = Tool("floor (ast.parse)", [sys.executable, "-c", FLOOR, str(files_list)], floor_counts)
    tools = [depscan, first, warm, pydeps, finder, floor]

    print(f"Python {platform.python_version()} ({platform.python_implementation()}, {platform.machine()})")
    if built is None:
        print(f"venv {SCAN_VENV} (reused; --rebuild to make it anew)")
    else:
        print(f"venv {SCAN_VENV} (made in {built:.1f} s)")
    print(f"script {script}: imports {len(names):,} django modules", end="")
    print(f" ({len(unnamed)} left out, a keyword in the name: {', '.join(unnamed[:3])}{' ...' * (len(unnamed) > 3)})")

    try:
        # The untimed run: counts, the file list for the floor, warm disk and probe caches.
        shutil.rmtree(warm_cache, ignore_errors=True)
        depscan_output = untimed(depscan, WORK_DIR)
        files_list.write_text(json.dumps(scanned_files(depscan_output)), encoding="utf-8")
        depscan.counts = depscan_counts(depscan_output)
        for tool in tools[1:]:
            tool.counts = tool.count(untimed(tool, WORK_DIR))
        measure(tools, args.rounds, WORK_DIR)
        check_devnull()
    except (BenchError, OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    print(f"CPU seconds of each child process, best of {args.rounds} round(s); depscan's interpreter probe is cached")
    print()
    print(table(tools, depscan, floor))

    over_floor = depscan.best / floor.best
    faster = pydeps.best / depscan.best
    faster_warm = pydeps.best / warm.best
    floor_ok = over_floor <= FLOOR_BUDGET
    pydeps_ok = faster >= PYDEPS_GOAL
    warm_ok = faster_warm >= WARM_GOAL
    print()
    verdict = {True: "PASS", False: "OVER BUDGET"}
    print(f"depscan cold / floor  = {over_floor:.2f}x   (goal <= {FLOOR_BUDGET:.2f}x)   {verdict[floor_ok]}")
    print(f"pydeps / depscan cold = {faster:.2f}x   (goal >= {PYDEPS_GOAL:.2f}x)   {verdict[pydeps_ok]}")
    print(f"pydeps / depscan warm = {faster_warm:.2f}x   (goal >= {WARM_GOAL:.2f}x)   {verdict[warm_ok]}")
    print(f"depscan first run / floor = {first.best / floor.best:.2f}x   (for reference: the cold scan and its caches)")
    print(f"modulefinder / depscan cold = {finder.best / depscan.best:.2f}x   (for reference)")

    if args.profile:
        print()
        print("depscan's scan of the same script in this process, profiled (cProfile):")
        print(profile(script, python))
    return 1 if args.check and not (floor_ok and pydeps_ok and warm_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
