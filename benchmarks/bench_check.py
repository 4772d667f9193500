"""Benchmark: ``depscan check`` of a real project against pylint's import-error check, deptry and the parse floor.

What is measured
----------------
A benchmark virtual environment is made once at ``.bench/check-venv`` (from
the Python running this script) with Django, pylint and deptry from PyPI,
pinned in :data:`REQUIREMENTS` with what they depend on. A stamp file in the
venv records the Python and the requirement list; while it matches, the venv
is reused, and ``--rebuild`` makes it anew.

The project is Django's source tree: ``.bench/check/project/`` holds a copy of
the venv's installed ``django`` package directory (its ``__pycache__``
directories left out) as ``project/django/``, and the ``pyproject.toml`` of
:data:`PYPROJECT`: ``[project]`` named ``django-copy`` with Django's own
dependencies (``asgiref``, ``sqlparse``), no ``[tool.depscan]`` table (none
is needed), and one ``[tool.deptry]`` setting without which deptry 0.25.1
crashes on Django (see :data:`PYPROJECT`). A stamp beside the project records
the venv's stamp and the ``pyproject.toml``; when it changes (or with
``--rebuild``) the project is copied anew.

Each tool then checks the project, in the project directory, in a process of
its own, one after another, ``--rounds`` times (pylint ``--pylint-rounds``
times: it takes the best part of a minute), the order rotating from round to
round so that a burst of other load on the machine does not always land on the
same tool. The environment of every process is this one's less the
``PYTHON*`` variables. Every tool runs the same command in every round, the
one whose output is counted (JSON output included), so the counts describe the
work timed.

``depscan check (cold)``
    ``depscan check --python <venv python> --format json --no-cache`` (the
    console script beside this Python): every file read, parsed and its
    imports resolved, no extraction cache read or written. When ``depscan
    check --help`` does not list ``--no-cache`` (the flag is new), it runs
    without it, and the output says so.
``depscan check (warm)``
    ``depscan check --python <venv python> --format json --cache-dir
    .bench/check/cache``, after one untimed run that fills that cache: what a
    pre-commit hook or an editor pays when nothing changed. The same fallback
    applies to ``--cache-dir``. (Both depscan rows reuse depscan's cached
    interpreter probe, from the untimed runs.)
``pylint import-error``
    ``<venv>/bin/pylint --disable=all --enable=import-error,no-name-in-module
    --jobs=1 --score=n --output-format=json django``: pylint with only its
    two import checks on, in one process. Its exit status is a bit mask of
    the message kinds it emitted; only bit 1 (fatal) and 32 (usage) are a
    failure.
``deptry``
    ``<venv>/bin/deptry . --json-output .bench/check/deptry.json``: the
    dependency checker (Rust parser, Python rules), in the venv's Python, so
    that it sees the same installed distributions as depscan's target.
``floor``
    a process of this project's Python (as depscan's) that reads and
    ``ast.parse``-s every ``.py`` file of the project: the parse floor of a
    cold check, which parses each file once. ``floor / cores`` is that figure
    divided by ``os.cpu_count()``, what parsing on every core at once would
    cost at best (a derived row, not a run).
``floor (N processes)``
    the same parse with the files dealt out to as many processes as depscan
    used (this one and forked children, at once), when that is more than one:
    what parsing over those processes costs on this machine, measured rather
    than divided (cores that share a chip, or a virtual machine's, do not
    give N times one).

How to read the table
---------------------
Times are CPU seconds of the child process (user plus system, the
``resource.getrusage(RUSAGE_CHILDREN)`` difference around it): unlike
wall-clock time they do not count the moments other programs had the CPU, so
they hold steadier on a busy machine; for a tool that works in several
processes they count them all. They include each process's start-up, which
is part of what a user waits for. ``cpu best`` is the fastest round, ``cpu
median`` the median round (their gap shows the noise); ``wall best`` is the
fastest round by the clock, for reference. ``x floor`` is the row's ``cpu
best`` over the floor's, ``x cold`` over depscan cold's: pylint's and
deptry's ``x cold`` are how many times faster depscan's cold check is.

The count columns show the tools did comparable work. ``files`` is how many
files a tool checked (depscan: its JSON ``summary``; deptry: its "Scanning N
files" line; pylint does not say), ``findings`` all it reported, then by
kind, ``-`` where a tool has no such check:

``not found``
    an import of a module that cannot be found: depscan's DS001 for a module,
    pylint's ``import-error``, deptry's DEP001 (imported, and no declared or
    installed distribution provides it);
``top-level``
    the distinct top-level names among those (deptry reports by top-level
    name, the others by the full dotted name);
``no name``
    ``from m import name`` where ``m`` has no such name or submodule: depscan's
    DS001 for a name (its message says "has no name"), pylint's
    ``no-name-in-module``;
``undeclared``
    a module that is installed but whose distribution the project does not
    declare: depscan's DS002, deptry's DEP003 ("transitive");
``unused``
    a declared dependency nothing imports: depscan's DS003, deptry's DEP002;

and ``by code`` every code with its count. The tools differ on purpose in
places (depscan skips imports in branches dead for the target Python, and an
import under ``try/except ImportError`` with an alternative is no error), so
the counts are close, not equal; ``.bench/check/*.out`` and ``deptry.json``
keep the outputs to compare.

The goals, from the issue: a warm ``depscan check`` of about 1,000 files
under :data:`WARM_BUDGET` CPU seconds, and a cold one within
:data:`COLD_BUDGET` times the floor divided by the cores depscan used (1,
unless its JSON ``summary`` says it used more processes). Dividing by cores
is a statement about elapsed time (the floor spread over the cores, at
best), so the cold goal compares depscan's *wall* best with it; the CPU
ratio (depscan's CPU over the floor's, the work done whatever the cores) is
printed beside it, and so is depscan's wall best over the measured parallel
floor's. Both goals are printed as PASS or OVER BUDGET, with
pylint / depscan cold and deptry / depscan cold for reference.

Usage::

    .venv/bin/python benchmarks/bench_check.py [--rounds N] [--pylint-rounds N] [--check] [--rebuild]

Exit status is 0 whatever the result unless ``--check`` is given; then it is
1 when a goal is missed. It is 2 when the venv or the project cannot be made
or a tool fails (crashes, or exits with a status that is not its "found
something").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from benchvenv import BenchError, ensure_venv, package_dir, stamp_text, venv_python

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"
CHECK_VENV = BENCH_DIR / "check-venv"
WORK_DIR = BENCH_DIR / "check"
PROJECT_DIR = WORK_DIR / "project"
CACHE_DIR = WORK_DIR / "cache"
DEPTRY_JSON = WORK_DIR / "deptry.json"
FLOOR_FILES = WORK_DIR / "floor-files.json"
PROJECT_STAMP = WORK_DIR / "project.stamp"

REQUIREMENTS = (
    "Django==5.2.19",
    "asgiref==3.13.0",
    "sqlparse==0.6.1",
    "tzdata==2025.3; sys_platform == 'win32'",
    "pylint==4.1.4",
    "astroid==4.3.4",
    "dill==0.4.1",
    "isort==9.0.2",
    "mccabe==0.7.0",
    "mypy-extensions==1.2.0",
    "platformdirs==4.14.9",
    "tomlkit==0.15.2",
    "typing-extensions==4.16.0; python_version < '3.11'",
    "deptry==0.25.1",
    "click==8.5.1",
    "packaging==26.4",
    "requirements-parser==0.13.1",
    "tomli==2.5.0; python_full_version < '3.15'",
    "colorama==0.4.6; sys_platform == 'win32'",
)
"""The benchmark venv's packages, dependencies included, so that the work stays the same from run to run."""

PYPROJECT = """\
# Made by benchmarks/bench_check.py: Django's source tree as a project, checked by depscan, pylint and deptry.
[project]
name = "django-copy"
dependencies = ["asgiref>=3.8.1", "sqlparse>=0.3.1"]

# deptry 0.25.1 crashes on Django ("ValueError: A distribution name is required."): the relative
# import_module(".management", app_config.name) in django/core/management/commands/flush.py and
# migrate.py gives it an empty module name, which it looks up in importlib.metadata. Counting the
# empty name as first-party keeps every file in its run.
[tool.deptry]
known_first_party = [""]
"""
"""The project's ``pyproject.toml``; no ``[tool.depscan]`` table is needed."""

WARM_BUDGET = 0.3
"""The goal for a warm ``depscan check`` of about 1,000 files, in CPU seconds, from the issue."""

COLD_BUDGET = 1.5
"""The goal for a cold ``depscan check`` over (floor / cores used), CPU, from the issue."""

SETTLE_SECONDS = 5.0
"""How old the project's newest file must be before the rounds: depscan's cache hashes a file modified
in the last few seconds instead of trusting its ``stat``, which would make a fresh copy's warm runs slower."""

PROCESS_KEYS = ("processes", "workers", "jobs")
"""Keys of depscan's JSON ``summary`` that may say how many processes it used (a parallel extraction)."""

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

# The same, over argv[2] processes at once: this one and forked children, the files dealt out in turn.
FLOOR_PARALLEL = r"""
import ast, json, os, sys
with open(sys.argv[1], encoding="utf-8") as handle:
    files = json.load(handle)
count = int(sys.argv[2])
def parse(part):
    for path in files[part::count]:
        with open(path, "rb") as source:
            ast.parse(source.read(), path)
children = []
for part in range(1, count):
    pid = os.fork()
    if pid == 0:
        parse(part)
        os._exit(0)
    children.append(pid)
parse(0)
for pid in children:
    os.waitpid(pid, 0)
json.dump({"files": len(files)}, sys.stdout)
"""


# --- the benchmark venv and project ---------------------------------------------


def venv_script(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / (name + ".exe" * (os.name == "nt"))


def project_stamp_text() -> str:
    return stamp_text(REQUIREMENTS) + PYPROJECT


def ensure_project(python: Path, rebuild: bool) -> bool:
    """Copy the venv's ``django`` into the project, unless the project's stamp matches; True when copied."""
    try:
        current = PROJECT_STAMP.read_text(encoding="utf-8")
    except OSError:
        current = None
    if not rebuild and current == project_stamp_text() and (PROJECT_DIR / "django" / "__init__.py").is_file():
        return False
    if CACHE_DIR.exists():
        shutil.rmtree(CACHE_DIR)
    make_django_project(python, PROJECT_DIR)
    PROJECT_STAMP.write_text(project_stamp_text(), encoding="utf-8")
    return True


def make_django_project(python: Path, project: Path) -> None:
    """``project`` made anew: the ``django`` installed for ``python`` (no ``__pycache__``), and :data:`PYPROJECT`."""
    django = package_dir(python, "django")
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    shutil.copytree(django, project / "django", ignore=shutil.ignore_patterns("__pycache__"))
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")


def project_files() -> list[str]:
    """Every ``.py`` file of the project, sorted."""
    return sorted(str(path) for path in PROJECT_DIR.rglob("*.py"))


def settle(files: Sequence[str]) -> None:
    """Wait until the newest of ``files`` was modified :data:`SETTLE_SECONDS` ago (only after a fresh copy)."""
    newest = max((os.stat(path).st_mtime for path in files), default=0.0)
    wait = newest + SETTLE_SECONDS - time.time()
    if wait > 0:
        time.sleep(wait)


# --- running the tools ----------------------------------------------------------


def child_env() -> dict[str, str]:
    """This environment less the ``PYTHON*`` variables, for every child process alike."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}


@dataclass(frozen=True)
class Counts:
    """What a tool reported; None where it has no such number (or check)."""

    files: int | None = None
    findings: int | None = None
    not_found: int | None = None
    top_level: int | None = None
    no_name: int | None = None
    undeclared: int | None = None
    unused: int | None = None
    codes: tuple[tuple[str, int], ...] = ()


def exits_0_or_1(status: int) -> bool:
    """depscan and deptry: 0 when clean, 1 when they found something; anything else is a failure."""
    return status in (0, 1)


def pylint_exit_ok(status: int) -> bool:
    """pylint's status is a bit mask of what it emitted; 1 (fatal) and 32 (usage error) are failures."""
    return status >= 0 and not status & (1 | 32)


def exits_0(status: int) -> bool:
    return status == 0


@dataclass
class Tool:
    """One command, timed over ``rounds`` rounds; ``count`` reads its output (stdout, stderr) of one run."""

    name: str
    slug: str
    command: list[str]
    count: Callable[[str, str], Counts]
    accept: Callable[[int], bool] = exits_0_or_1
    rounds: int = 1
    produces: Path | None = None
    counts: Counts | None = None
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.cpu)

    @property
    def median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def output(self) -> Path:
        return WORK_DIR / f"{self.slug}.out"


def run(tool: Tool, stdout: IO[Any] | int, cwd: Path) -> tuple[float, float, str]:
    """Run ``tool``; the CPU seconds (user + system) of the child, the wall-clock seconds, and its stderr."""
    if tool.produces is not None:
        tool.produces.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run(
        tool.command, stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=cwd, env=child_env()
    )
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stderr = done.stderr.decode("utf-8", "replace")
    failed = not tool.accept(done.returncode)
    if not failed and tool.produces is not None and not tool.produces.is_file():
        failed = True
        stderr += f"\n(it did not write {tool.produces})"
    if failed:
        raise BenchError(
            f"{tool.name}: {' '.join(tool.command[:4])} ... failed (exit {done.returncode}):\n{stderr[-3000:]}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, stderr


def counted_run(tool: Tool, cwd: Path) -> tuple[float, float]:
    """Run the tool with its standard output kept in ``tool.output``, and count what it reported."""
    with open(tool.output, "wb") as handle:
        cpu, wall, stderr = run(tool, handle, cwd)
    tool.counts = tool.count(tool.output.read_text(encoding="utf-8"), stderr)
    return cpu, wall


def depscan_entry() -> list[str]:
    """The ``depscan`` command a user runs: the console script beside this Python, else ``python -m depscan``."""
    script = Path(sys.executable).parent / ("depscan.exe" if os.name == "nt" else "depscan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "depscan"]


def check_options() -> str:
    """``depscan check --help``, to see which options this depscan has."""
    done = subprocess.run(
        [*depscan_entry(), "check", "--help"], capture_output=True, text=True, env=child_env(), cwd=ROOT
    )
    if done.returncode != 0:
        raise BenchError(f"depscan check --help failed (exit {done.returncode}):\n{done.stderr.strip()}")
    return done.stdout


def has_option(help_text: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text) is not None


def top_level(name: str) -> str:
    return name.split(".", 1)[0]


def code_counts(codes: Sequence[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(codes).items()))


def depscan_counts(output: str, stderr: str) -> Counts:
    report = json.loads(output)
    findings = report["findings"]
    missing = [f for f in findings if f["code"] == "DS001" and "has no name" not in f["message"]]
    return Counts(
        files=report["summary"]["files"],
        findings=len(findings),
        not_found=len(missing),
        top_level=len({top_level(f["module"] or "") for f in missing}),
        no_name=sum(f["code"] == "DS001" and "has no name" in f["message"] for f in findings),
        undeclared=sum(f["code"] == "DS002" for f in findings),
        unused=sum(f["code"] == "DS003" for f in findings),
        codes=code_counts([f["code"] for f in findings]),
    )


def depscan_processes(output: str) -> int:
    """How many processes depscan says it used (a key of :data:`PROCESS_KEYS` in its ``summary``), else 1."""
    summary = json.loads(output)["summary"]
    for key in PROCESS_KEYS:
        value = summary.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
    return 1


PYLINT_UNABLE = re.compile(r"Unable to import '([^']+)'")


def pylint_counts(output: str, stderr: str) -> Counts:
    messages = json.loads(output)
    missing = [m for m in messages if m["symbol"] == "import-error"]
    names = {top_level(match.group(1)) for m in missing if (match := PYLINT_UNABLE.search(m["message"]))}
    return Counts(
        findings=len(messages),
        not_found=len(missing),
        top_level=len(names),
        no_name=sum(m["symbol"] == "no-name-in-module" for m in messages),
        codes=code_counts([m["symbol"] for m in messages]),
    )


DEPTRY_SCANNING = re.compile(r"Scanning (\d+) files?")


def deptry_counts(output: str, stderr: str) -> Counts:
    issues = json.loads(DEPTRY_JSON.read_text(encoding="utf-8"))
    scanning = DEPTRY_SCANNING.search(stderr + output)
    missing = [i for i in issues if i["error"]["code"] == "DEP001"]
    return Counts(
        files=int(scanning.group(1)) if scanning else None,
        findings=len(issues),
        not_found=len(missing),
        top_level=len({top_level(i["module"]) for i in missing}),
        undeclared=sum(i["error"]["code"] == "DEP003" for i in issues),
        unused=sum(i["error"]["code"] == "DEP002" for i in issues),
        codes=code_counts([i["error"]["code"] for i in issues]),
    )


def floor_counts(output: str, stderr: str) -> Counts:
    return Counts(files=json.loads(output)["files"])


def measure(tools: Sequence[Tool], cwd: Path) -> None:
    """Timed rounds, the tools taking turns in an order rotating from round to round.

    A tool takes part in as many rounds as its ``rounds``; one with no counts yet (pylint, whose
    untimed run would cost as much as a round) keeps its output of its first round and is counted from it.
    """
    for number in range(max(tool.rounds for tool in tools)):
        turns = [tool for tool in tools if len(tool.cpu) < tool.rounds]
        for turn in range(len(turns)):
            tool = turns[(number + turn) % len(turns)]
            if tool.counts is None:
                cpu, wall = counted_run(tool, cwd)
            else:
                cpu, wall, _ = run(tool, subprocess.DEVNULL, cwd)
            tool.cpu.append(cpu)
            tool.wall.append(wall)


# --- report ---------------------------------------------------------------------


def table(tools: Sequence[Tool], cold: Tool, floor: Tool) -> str:
    header = (
        "tool",
        "rounds",
        "cpu best s",
        "cpu median s",
        "wall best s",
        "x floor",
        "x cold",
        "files",
        "findings",
        "not found",
        "top-level",
        "no name",
        "undeclared",
        "unused",
        "by code",
    )
    rows = [header]

    def number(value: int | None) -> str:
        return "-" if value is None else f"{value:,}"

    for tool in tools:
        counts = tool.counts or Counts()
        rows.append(
            (
                tool.name,
                str(len(tool.cpu)),
                f"{tool.best:.3f}",
                f"{tool.median:.3f}",
                f"{min(tool.wall):.3f}" if tool.wall else "-",
                f"{tool.best / floor.best:.2f}x",
                f"{tool.best / cold.best:.2f}x",
                number(counts.files),
                number(counts.findings),
                number(counts.not_found),
                number(counts.top_level),
                number(counts.no_name),
                number(counts.undeclared),
                number(counts.unused),
                ", ".join(f"{code} {n}" for code, n in counts.codes) or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    last = len(header) - 1

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i in (0, last) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, metavar="N", help="timed rounds per tool (best kept)")
    parser.add_argument("--pylint-rounds", type=int, default=1, metavar="N", help="timed rounds of pylint (slow)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--rebuild", action="store_true", help="make the benchmark venv and project anew")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.pylint_rounds < 1:
        parser.error("--rounds and --pylint-rounds must be at least 1")

    try:
        built = ensure_venv(CHECK_VENV, REQUIREMENTS, args.rebuild)
        python = venv_python(CHECK_VENV)
        copied = ensure_project(python, args.rebuild or built is not None)
        files = project_files()
        FLOOR_FILES.write_text(json.dumps(files), encoding="utf-8")
        help_text = check_options()
    except (BenchError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not files:
        print(f"no .py files in {PROJECT_DIR}", file=sys.stderr)
        return 2

    notes = []
    check = [*depscan_entry(), "check", "--python", str(python), "--format", "json"]
    cold_command = list(check)
    if has_option(help_text, "--no-cache"):
        cold_command.append("--no-cache")
    else:
        notes.append("depscan check has no --no-cache yet: the cold rows run without it")
    warm_command = list(check)
    if has_option(help_text, "--cache-dir"):
        warm_command += ["--cache-dir", str(CACHE_DIR)]
    else:
        notes.append("depscan check has no --cache-dir yet: the warm rows run without it (a plain rerun)")

    cold = Tool("depscan check (cold)", "depscan-cold", cold_command, depscan_counts, rounds=args.rounds)
    warm = Tool("depscan check (warm)", "depscan-warm", warm_command, depscan_counts, rounds=args.rounds)
    pylint_command = [
        str(venv_script(CHECK_VENV, "pylint")),
        "--disable=all",
        "--enable=import-error,no-name-in-module",
    ]
    pylint_command += ["--jobs=1", "--score=n", "--output-format=json", "django"]
    pylint = Tool("pylint import-error", "pylint", pylint_command, pylint_counts, pylint_exit_ok, args.pylint_rounds)
    deptry_command = [str(venv_script(CHECK_VENV, "deptry")), ".", "--json-output", str(DEPTRY_JSON)]
    deptry = Tool("deptry", "deptry", deptry_command, deptry_counts, rounds=args.rounds, produces=DEPTRY_JSON)
    floor_command = [sys.executable, "-c", FLOOR, str(FLOOR_FILES)]
    floor = Tool("floor (ast.parse)", "floor", floor_command, floor_counts, exits_0, args.rounds)
    tools = [cold, warm, pylint, deptry, floor]

    print(f"Python {platform.python_version()} ({platform.python_implementation()}, {platform.machine()})")
    if built is None:
        print(f"venv {CHECK_VENV} (reused; --rebuild to make it anew)")
    else:
        print(f"venv {CHECK_VENV} (made in {built:.1f} s)")
    print(f"project {PROJECT_DIR}: {len(files):,} .py files ({'copied' if copied else 'reused'})")
    for note in notes:
        print(f"note: {note}")

    try:
        if copied:
            settle(files)
        # The untimed runs: counts, warm disk and probe caches, and the warm row's extraction cache filled.
        # pylint is counted from its first timed round instead (its untimed run would take as long as a round).
        for tool in (cold, warm, deptry, floor):
            counted_run(tool, PROJECT_DIR)
        processes = depscan_processes(cold.output.read_text(encoding="utf-8"))
        parallel_floor = None
        if processes > 1 and hasattr(os, "fork"):
            parallel_command = [sys.executable, "-c", FLOOR_PARALLEL, str(FLOOR_FILES), str(processes)]
            parallel_floor = Tool(
                f"floor ({processes} processes)", "floor-parallel", parallel_command, floor_counts, exits_0, args.rounds
            )
            counted_run(parallel_floor, PROJECT_DIR)
            tools.append(parallel_floor)
        measure(tools, PROJECT_DIR)
        warm_counts = depscan_counts(warm.output.read_text(encoding="utf-8"), "")
    except (BenchError, OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    cores = os.cpu_count() or 1
    spread = Tool(f"floor / cores ({cores})", "floor-cores", [], floor_counts, counts=floor.counts)
    spread.cpu = [cpu / cores for cpu in floor.cpu]
    shown = [*tools, spread]

    print(f"CPU seconds of each child process, best of {args.rounds} round(s) (pylint {args.pylint_rounds})")
    print()
    print(table(shown, cold, floor))
    if warm_counts != cold.counts:
        print()
        print("warning: the warm depscan check reported other findings than the cold one")

    used = floor.best / processes
    over_floor = min(cold.wall) / used
    warm_ok = warm.best <= WARM_BUDGET
    cold_ok = over_floor <= COLD_BUDGET
    print()
    verdict = {True: "PASS", False: "OVER BUDGET"}
    print(f"depscan warm cpu = {warm.best:.3f} s   (goal <= {WARM_BUDGET:.2f} s)   {verdict[warm_ok]}")
    print(
        f"depscan cold wall / (floor / {processes} core{'s' * (processes != 1)} used) = {over_floor:.2f}x"
        f"   (goal <= {COLD_BUDGET:.2f}x)   {verdict[cold_ok]}"
    )
    work = cold.best / floor.best
    print(f"depscan cold cpu / floor cpu = {work:.2f}x   (for reference: the work, over every process)")
    if parallel_floor is not None:
        measured = min(cold.wall) / min(parallel_floor.wall)
        print(
            f"depscan cold wall / floor wall over the same {processes} processes (measured) = {measured:.2f}x"
            f"   (goal <= {COLD_BUDGET:.2f}x)   {verdict[measured <= COLD_BUDGET]}"
        )
    print(f"pylint / depscan cold = {pylint.best / cold.best:.2f}x   (for reference)")
    print(f"deptry / depscan cold = {deptry.best / cold.best:.2f}x   (for reference)")
    return 1 if args.check and not (warm_ok and cold_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
