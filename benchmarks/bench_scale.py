"""Benchmark: how depscan's cost grows with the tree, from Django to all of Home Assistant, against a yardstick.

What is measured
----------------
Three projects are made once under ``.bench/scale/`` and reused while the
stamp beside each matches; ``--rebuild`` makes them (and the venv) anew:

``django``
    Django 5.2's source tree as ``bench_check.py`` makes it (its venv
    ``.bench/check-venv``, the same copy of the installed ``django`` package
    and the same ``pyproject.toml``): 885 ``.py`` files. Checked, as there,
    with ``--python`` the venv's Python, where Django's dependencies are.
``ha``
    Home Assistant: the ``homeassistant==2024.3.3`` wheel, downloaded once
    by the venv's pip (``pip download --no-deps --only-binary :all:`` into
    ``.bench/scale/wheels``), of which only the ``homeassistant/`` package
    is unpacked (never installed, never run), beside the ``pyproject.toml``
    of :data:`HA_PYPROJECT` (no dependencies, no ``[tool.depscan]``): 6,725
    ``.py`` files. Checked with ``--python`` depscan's own Python, where none
    of Home Assistant's dependencies are (most of its findings are DS001).
``ha-3000``
    a part of that tree: every top-level module and package of
    ``homeassistant`` but ``components``, then whole packages of
    ``homeassistant/components`` in sorted order until :data:`SUBSET_FILES`
    ``.py`` files are reached (3,002), with :data:`HA_SUBSET_PYPROJECT`.

Each project is also copied to ``edit/`` beside it, for the one row that
edits a file: the other rows read a tree that never changes.

Each row is a command in a process of its own, run in the project directory,
one after another, ``--rounds`` times, the order rotating from round to round
so that a burst of other load on the machine does not always land on the same
row; an untimed run of each comes first (disk cache, depscan's interpreter
probe, the warm rows' caches filled). The environment of every process is
this one's less the ``PYTHON*`` variables. ``depscan`` is the console script
beside this Python (as in ``bench_check.py``), and every depscan row passes
``--python`` the project's target and ``--format json``:

``yardstick``
    ``python benchmarks/yardstick.py PROJECT TARGET`` in depscan's Python:
    the least a static import checker must do, done plainly in one process
    (walk with ``os.walk``, read and ``ast.parse`` every ``.py`` file, find
    the imports through statement bodies only, resolve each distinct
    absolute module name once with depscan's own resolver). The goals are
    ratios to it.
``check cold -j 1``
    ``depscan check --no-cache -j 1``: every file extracted in one process.
``check cold``
    ``depscan check --no-cache``: depscan chooses how many processes
    extract (its JSON ``summary`` says, ``processes``).
``scan cold -j 1``
    ``depscan scan PACKAGE --no-cache -j 1`` (``django`` or ``homeassistant``):
    a package directory as the target makes every one of its modules a root
    (README, the scan), so the scan reads every module of the package and
    follows their imports; all in one process.
``scan cold``
    the same, depscan choosing how many processes read the package's modules
    (the scan's report does not say how many: more than one when its CPU time
    is over 1.3 times its wall time).
``check warm``
    ``depscan check --cache-dir CACHE``, after the untimed run filled that
    cache, nothing changed since: the stored answer.
``check after one edit``
    the same in the ``edit/`` copy with its own cache, and before each timed
    run (untimed) one line ``# edited by bench_scale.py, round N`` with a new
    ``N`` at the end of one fixed module, the one of median size: exactly one
    file differs from what the cache holds (the untimed run stored the answer
    for round 0, after that file had settled).
``ruff analyze graph``
    ``ruff analyze graph --isolated .`` (the ``ruff`` beside this Python,
    its version printed; ``--isolated``: no configuration file found above
    the project is read): a Rust tool's import map of the same files, an
    outside reference. Left out when there is no ``ruff`` there.

How to read the tables
----------------------
For each project, a table: ``cpu best`` and ``cpu median`` are the CPU
seconds (user plus system) of the fastest and the median round, ``wall best``
the fastest round by the clock, ``peak MiB`` the largest resident set in any
round. All come from ``os.wait4`` of the child: they count the process and
the worker processes it waited for, and the peak is that of the largest one
of them, not their sum. The child is forked and executed by a small launcher
process (:data:`LAUNCHER`, this Python with ``-I -S``), which calls
``os.wait4`` and times from the fork: Linux starts a process's peak at the
size of the process it was forked from, which would be this one, grown by
the reports it has read. The launcher's own 10 MiB or so are then the least
a peak can show. CPU seconds do not count the moments other programs
had the CPU, so they hold steadier on a busy machine; for a run over several
processes they count them all, and the wall-clock time shows what
parallelism bought. ``x yardstick`` is the row's ``cpu best`` over the
yardstick's. ``files`` is what the row read, from its output of the last
round: the yardstick's count, depscan check's JSON ``summary`` (``files``),
the scan's modules marked ``scanned``, ruff's map's keys; ``processes`` and
``from cache`` come from depscan check's ``summary`` (``stored`` when it
printed the stored answer). A line under the table says when the last
round of ``check warm`` did not print the stored answer, or ``check after one
edit`` did not take all files but one from the cache: depscan's code or the
target interpreter's file changed during the run (the caches hold for one
version of each; the interpreter is known by its file's times, size and
inode), and that round was measured without them.

Then the scale table: each project's ``.py`` files, the yardstick's and
``check cold -j 1``'s CPU per file in microseconds, and each over Django's:
a cost that grows linearly with the tree keeps ``check cold -j 1``'s ratio
near 1 (and near the yardstick's, which shows how much the files themselves
differ). Last, the goals of issue #15, each PASS or OVER (or not measured,
when ``--only`` left a project out):

- Home Assistant's ``check cold -j 1`` within :data:`CHECK_BUDGET` times the
  yardstick (CPU), and ``check cold`` faster (wall) than ``-j 1`` when
  depscan used more than one process;
- its ``scan cold -j 1`` within :data:`SCAN_BUDGET` times the yardstick (CPU),
  and ``scan cold`` faster (wall) than ``-j 1`` when it used more processes;
- its ``check cold -j 1`` CPU per file within :data:`PER_FILE_BUDGET` times
  Django's (printed beside it, for reference: the same over the yardstick's
  ratio, since Home Assistant's files are smaller than Django's on average and
  cost the yardstick less each: that ratio is how what depscan does beyond
  the yardstick grows);
- the peak of its check rows at most :data:`PEAK_BUDGET` MiB;
- its ``check warm`` at most :data:`WARM_BUDGET` s and ``check after one
  edit`` at most :data:`EDIT_BUDGET` s (CPU best).

Usage::

    .venv/bin/python benchmarks/bench_scale.py [--rounds N] [--only django|ha-3000|ha ...] [--check] [--rebuild]

Exit status is 0 whatever the result unless ``--check`` is given; then it is
1 when a goal is missed. It is 2 when the venv or a project cannot be made or
a row fails (crashes, or exits with a status that is not its "found
something").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from bench_check import (
    BENCH_DIR,
    CHECK_VENV,
    REQUIREMENTS,
    SETTLE_SECONDS,
    child_env,
    depscan_entry,
    depscan_processes,
    exits_0,
    exits_0_or_1,
    make_django_project,
    project_stamp_text,
    settle,
)
from bench_scan import depscan_counts as scan_counts
from benchvenv import BenchError, ensure_venv, venv_python

SCALE_DIR = BENCH_DIR / "scale"
WHEELS_DIR = SCALE_DIR / "wheels"
YARDSTICK = Path(__file__).resolve().parent / "yardstick.py"

HA_REQUIREMENT = "homeassistant==2024.3.3"
"""Home Assistant's release whose source is the large project (only its wheel is fetched, and never installed)."""

HA_PYPROJECT = """\
# Made by benchmarks/bench_scale.py: Home Assistant's source (the homeassistant==2024.3.3 wheel, unpacked).
[project]
name = "ha-copy"
"""
"""The Home Assistant project's ``pyproject.toml``: no dependencies, no ``[tool.depscan]``."""

HA_SUBSET_PYPROJECT = """\
# Made by benchmarks/bench_scale.py: part of Home Assistant's source (the homeassistant==2024.3.3 wheel).
[project]
name = "ha-subset-copy"
"""
"""The Home Assistant subset's ``pyproject.toml``."""

SUBSET_FILES = 3000
"""Component packages are added to the subset, in sorted order, until it has at least this many ``.py`` files."""

CHECK_BUDGET = 1.3
"""Home Assistant's ``check cold -j 1`` over the yardstick (CPU), at most: from issue #15."""

SCAN_BUDGET = 1.3
"""Home Assistant's ``scan cold -j 1`` over the yardstick (CPU), at most."""

PER_FILE_BUDGET = 1.10
"""Home Assistant's ``check cold -j 1`` CPU per file over Django's, at most."""

PEAK_BUDGET = 120.0
"""The peak resident set of a check of Home Assistant, MiB."""

WARM_BUDGET = 0.5
"""Home Assistant's ``check warm``, CPU seconds."""

EDIT_BUDGET = 1.0
"""Home Assistant's ``check after one edit``, CPU seconds."""

RSS_UNIT = 1 if sys.platform == "darwin" else 1024
"""Bytes in a unit of ``ru_maxrss``: bytes on macOS, KiB on Linux."""

EDIT_LINE = "# edited by bench_scale.py, round {}\n"

# Runs in depscan's Python (-I -S): argv[1] is a file for the usage, argv[2:] the command, forked and executed;
# writes its exit status, CPU seconds (user + system), wall seconds and ru_maxrss, from os.wait4.
LAUNCHER = r"""
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    except OSError as exc:
        print(f"cannot run {sys.argv[2]}: {exc}", file=sys.stderr)
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    handle.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_utime + usage.ru_stime!r} {wall!r} {usage.ru_maxrss}")
"""

PROJECT_NAMES = ("django", "ha-3000", "ha")
"""The projects, smallest first: the order they are measured and shown in."""


# --- the projects -----------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    """One tree to measure: ``root/project`` (and its copy ``root/edit``), the package in it, the target Python."""

    name: str
    package: str
    target: Path

    @property
    def root(self) -> Path:
        return SCALE_DIR / self.name

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def edit(self) -> Path:
        return self.root / "edit"


def ensure_project(project: Project, stamp: str, make: Callable[[Path], None], rebuild: bool) -> bool:
    """Make ``project`` (and its ``edit/`` copy) unless its stamp matches; True when made."""
    stamp_file = project.root / "project.stamp"
    try:
        current = stamp_file.read_text(encoding="utf-8")
    except OSError:
        current = None
    init = Path(project.package) / "__init__.py"
    if not rebuild and current == stamp and (project.project / init).is_file() and (project.edit / init).is_file():
        return False
    print(f"making the {project.name} project in {project.root} (once) ...", flush=True)
    if project.root.exists():
        shutil.rmtree(project.root)
    project.root.mkdir(parents=True)
    make(project.project)
    shutil.copytree(project.project, project.edit)
    stamp_file.write_text(stamp, encoding="utf-8")
    return True


def ha_wheel() -> Path:
    """Home Assistant's wheel in :data:`WHEELS_DIR`, downloaded by the venv's pip when it is not there."""
    pattern = HA_REQUIREMENT.replace("==", "-") + "-*.whl"
    found = sorted(WHEELS_DIR.glob(pattern))
    if not found:
        command = [str(venv_python(CHECK_VENV)), "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
        command += ["--no-deps", "--only-binary", ":all:", HA_REQUIREMENT, "-d", str(WHEELS_DIR)]
        done = subprocess.run(command, capture_output=True, text=True, env=child_env())
        if done.returncode != 0:
            raise BenchError(f"pip download {HA_REQUIREMENT} failed (exit {done.returncode}):\n{done.stderr.strip()}")
        found = sorted(WHEELS_DIR.glob(pattern))
    if not found:
        raise BenchError(f"pip download {HA_REQUIREMENT} left no {pattern} in {WHEELS_DIR}")
    return found[-1]


def unpack_ha(wheel: Path, project: Path) -> None:
    """The wheel's ``homeassistant/`` members, and only those, unpacked into ``project`` with :data:`HA_PYPROJECT`."""
    project.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            parts = PurePosixPath(member.filename).parts
            if not parts or parts[0] != "homeassistant" or member.is_dir():
                continue
            if ".." in parts or member.filename.startswith("/"):
                raise BenchError(f"{wheel.name}: a member outside the package: {member.filename!r}")
            archive.extract(member, project)
    (project / "pyproject.toml").write_text(HA_PYPROJECT, encoding="utf-8")


def count_py(directory: Path) -> int:
    return sum(1 for _ in directory.rglob("*.py"))


def make_subset(whole: Path, project: Path) -> None:
    """``homeassistant`` of ``whole`` but ``components``, then component packages in sorted order to the size."""
    source, package = whole / "homeassistant", project / "homeassistant"
    shutil.copytree(source, package, ignore=lambda directory, names: ["components"] * (Path(directory) == source))
    components = source / "components"
    (package / "components").mkdir()
    entries = sorted(components.iterdir())
    for entry in entries:
        if entry.is_file():
            shutil.copy2(entry, package / "components" / entry.name)
    files = count_py(package)
    for entry in (entry for entry in entries if entry.is_dir()):
        if files >= SUBSET_FILES:
            break
        shutil.copytree(entry, package / "components" / entry.name)
        files += count_py(entry)
    (project / "pyproject.toml").write_text(HA_SUBSET_PYPROJECT, encoding="utf-8")


def ensure_projects(names: Sequence[str], rebuild: bool) -> list[Project]:
    """The projects named (made when needed; the subset needs the whole of Home Assistant), in that order."""
    venv = venv_python(CHECK_VENV)
    django = Project("django", "django", venv)
    ha = Project("ha", "homeassistant", Path(sys.executable))
    subset = Project("ha-3000", "homeassistant", Path(sys.executable))
    made = False
    if "django" in names:
        made |= ensure_project(django, project_stamp_text(), lambda path: make_django_project(venv, path), rebuild)
    ha_made = False
    if "ha" in names or "ha-3000" in names:
        ha_made = ensure_project(ha, HA_PYPROJECT, lambda path: unpack_ha(ha_wheel(), path), rebuild)
        made |= ha_made
    if "ha-3000" in names:
        stamp = f"{HA_PYPROJECT}{HA_SUBSET_PYPROJECT}# at least {SUBSET_FILES} files\n"
        made |= ensure_project(subset, stamp, lambda path: make_subset(ha.project, path), rebuild or ha_made)
    if made:
        # depscan hashes files and does not store answers whose witness changed in the last seconds.
        print(f"waiting {SETTLE_SECONDS:.0f} s for the new files to settle ...", flush=True)
        time.sleep(SETTLE_SECONDS)
    return [p for p in (django, subset, ha) if p.name in names]


def edited_module(project: Project) -> Path:
    """The module the edit row changes, relative to the project: the ``.py`` file of median size."""
    files = sorted((path.stat().st_size, path) for path in (project.project / project.package).rglob("*.py"))
    return files[len(files) // 2][1].relative_to(project.project)


# --- running the rows -----------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    """What a row's output says of its work; None where it does not say."""

    files: int | None = None
    processes: int | None = None
    from_cache: str | None = None


@dataclass
class Row:
    """One command, timed over rounds; ``prepare(round)`` runs untimed before each of its runs."""

    name: str
    command: list[str]
    cwd: Path
    output: Path
    count: Callable[[str], Counted]
    accept: Callable[[int], bool] = exits_0_or_1
    prepare: Callable[[int], None] | None = None
    counted: Counted = field(default_factory=Counted)
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    peak: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.cpu)


def run(row: Row) -> tuple[float, float, float]:
    """Run ``row`` once through :data:`LAUNCHER`, its output kept in ``row.output``; CPU s, wall s, peak MiB."""
    usage_file = row.output.with_suffix(".usage")
    usage_file.unlink(missing_ok=True)
    launch = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(usage_file), *row.command]
    with open(row.output, "wb") as stdout, tempfile.TemporaryFile() as stderr:
        done = subprocess.run(
            launch, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, cwd=row.cwd, env=child_env()
        )
        try:
            status, cpu, wall, peak = usage_file.read_text(encoding="utf-8").split()
            failed = done.returncode != 0 or not row.accept(int(status))
        except (OSError, ValueError):
            status, failed = "unknown", True
        if failed:
            stderr.seek(0)
            tail = stderr.read().decode("utf-8", "replace")[-3000:]
            raise BenchError(f"{row.name}: {' '.join(row.command[:4])} ... failed (exit {status}):\n{tail}")
    return float(cpu), float(wall), int(peak) * RSS_UNIT / 2**20


def measure(rows: Sequence[Row], rounds: int) -> None:
    """``rounds`` timed rounds, the rows taking turns in an order rotating from round to round."""
    for number in range(rounds):
        for turn in range(len(rows)):
            row = rows[(number + turn) % len(rows)]
            if row.prepare is not None:
                row.prepare(number + 1)
            cpu, wall, peak = run(row)
            row.cpu.append(cpu)
            row.wall.append(wall)
            row.peak.append(peak)


def yardstick_counted(output: str) -> Counted:
    return Counted(files=json.loads(output)["files"])


def check_counted(output: str) -> Counted:
    summary = json.loads(output)["summary"]
    stored = summary.get("answer") == "stored"
    cached = summary.get("cached")
    return Counted(
        files=summary["files"],
        processes=depscan_processes(output),
        from_cache="stored" if stored else None if cached is None else f"{cached:,}",
    )


def scan_counted(output: str) -> Counted:
    return Counted(files=scan_counts(output).files)


def ruff_counted(output: str) -> Counted:
    return Counted(files=len(json.loads(output)))


def ruff_command() -> list[str] | None:
    """The ``ruff`` beside this Python, if there is one."""
    ruff = Path(sys.executable).parent / ("ruff.exe" if os.name == "nt" else "ruff")
    return [str(ruff)] if ruff.exists() else None


def make_rows(project: Project, module: Path, ruff: list[str] | None) -> list[Row]:
    """The rows of one project, in the order the tables show them; the edit row changes ``module``."""
    root, tree = project.root, project.project
    target = ["--python", str(project.target), "--format", "json"]
    check = [*depscan_entry(), "check", *target]
    original = (project.project / module).read_bytes()
    original += b"" if original.endswith(b"\n") else b"\n"

    def edit(number: int) -> None:
        (project.edit / module).write_bytes(original + EDIT_LINE.format(number).encode())

    yardstick = [sys.executable, str(YARDSTICK), ".", str(project.target)]
    scan = [*depscan_entry(), "scan", project.package, *target, "--no-cache"]
    rows = [
        Row("yardstick", yardstick, tree, root / "yardstick.out", yardstick_counted, accept=exits_0),
        Row("check cold -j 1", [*check, "--no-cache", "-j", "1"], tree, root / "check-cold-j1.out", check_counted),
        Row("check cold", [*check, "--no-cache"], tree, root / "check-cold.out", check_counted),
        Row("scan cold -j 1", [*scan, "-j", "1"], tree, root / "scan-cold-j1.out", scan_counted),
        Row("scan cold", scan, tree, root / "scan-cold.out", scan_counted),
        Row(
            "check warm",
            [*check, "--cache-dir", str(root / "cache-warm")],
            tree,
            root / "check-warm.out",
            check_counted,
        ),
        Row(
            "check after one edit",
            [*check, "--cache-dir", str(root / "cache-edit")],
            project.edit,
            root / "check-edit.out",
            check_counted,
            prepare=edit,
        ),
    ]
    if ruff is not None:
        graph = [*ruff, "analyze", "graph", "--isolated", "."]
        rows.append(Row("ruff analyze graph", graph, tree, root / "ruff.out", ruff_counted, accept=exits_0))
    return rows


def measure_project(project: Project, module: Path, ruff: list[str] | None, rounds: int) -> list[Row]:
    """The project's rows, each run once untimed, then timed over ``rounds``; counted from their last run."""
    rows = make_rows(project, module, ruff)
    edited = [row for row in rows if row.prepare is not None]
    for prepare in (row.prepare for row in edited if row.prepare is not None):
        prepare(0)
    for row in rows:
        if row not in edited:
            run(row)
    # The edit row's cache is filled for round 0 once the edit has settled, so that its answer is stored.
    settle([str(project.edit / module)])
    for row in edited:
        run(row)
    measure(rows, rounds)
    for row in rows:
        row.counted = row.count(row.output.read_text(encoding="utf-8"))
    return rows


# --- report ---------------------------------------------------------------------


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned, the first to the left and the others to the right, under a rule."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = zip(row, widths, strict=True)
        return "  ".join(cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in enumerate(cells))

    return "\n".join([line(header), "  ".join("-" * width for width in widths), *(line(row) for row in rows)])


def number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def project_table(rows: Sequence[Row]) -> str:
    yardstick = rows[0]
    header = (
        "row",
        "cpu best s",
        "cpu median s",
        "wall best s",
        "peak MiB",
        "x yardstick",
        "files",
        "processes",
        "from cache",
    )
    lines = [
        (
            row.name,
            f"{row.best:.3f}",
            f"{statistics.median(row.cpu):.3f}",
            f"{min(row.wall):.3f}",
            f"{max(row.peak):.0f}",
            f"{row.best / yardstick.best:.2f}x",
            number(row.counted.files),
            number(row.counted.processes),
            row.counted.from_cache or "-",
        )
        for row in rows
    ]
    return format_table(header, lines)


def cache_warnings(rows: Sequence[Row]) -> list[str]:
    """What the last round of the warm and edit rows says when their caches did not serve them as they should."""
    named = by_name(rows)
    found = []
    warm = named["check warm"].counted
    if warm.from_cache != "stored":
        found.append(
            "warning: check warm did not print the stored answer in its last round"
            " (depscan or the target Python changed?)"
        )
    edited = named["check after one edit"].counted
    if edited.files is not None and edited.from_cache != f"{edited.files - 1:,}":
        found.append(
            f"warning: check after one edit took {edited.from_cache} of {edited.files:,} files from the cache"
            " in its last round, not all but one (depscan or the target Python changed?)"
        )
    return found


def per_file(rows: Sequence[Row], name: str) -> float:
    """The CPU best of row ``name`` per ``.py`` file of the tree (the yardstick's count), in microseconds."""
    files = rows[0].counted.files or 1
    return by_name(rows)[name].best / files * 1e6


def by_name(rows: Sequence[Row]) -> dict[str, Row]:
    return {row.name: row for row in rows}


def scale_table(results: dict[str, list[Row]]) -> str:
    django = results.get("django")
    header = (
        "project",
        "files",
        "yardstick us/file",
        "check -j 1 us/file",
        "check -j 1 / yardstick",
        "yardstick x django",
        "check -j 1 x django",
    )
    lines = []
    for name, rows in results.items():
        yardstick, check = per_file(rows, "yardstick"), per_file(rows, "check cold -j 1")
        lines.append(
            (
                name,
                number(rows[0].counted.files),
                f"{yardstick:.0f}",
                f"{check:.0f}",
                f"{check / yardstick:.2f}x",
                "-" if django is None else f"{yardstick / per_file(django, 'yardstick'):.2f}x",
                "-" if django is None else f"{check / per_file(django, 'check cold -j 1'):.2f}x",
            )
        )
    return format_table(header, lines)


Goal = tuple[str, bool | None]
"""A goal's line and whether it is met (None: it does not apply)."""


def goals(ha: dict[str, Row], django: dict[str, Row] | None, ha_rows: Sequence[Row]) -> list[Goal]:
    """Issue #15's goals, on Home Assistant's rows (and Django's, for the cost per file)."""
    yardstick, single, default = ha["yardstick"], ha["check cold -j 1"], ha["check cold"]
    found: list[Goal] = []
    ratio = single.best / yardstick.best
    found.append(
        (f"ha check cold -j 1 / yardstick (cpu) = {ratio:.2f}x   (goal <= {CHECK_BUDGET:.2f}x)", ratio <= CHECK_BUDGET)
    )
    processes = default.counted.processes or 1
    walls = f"wall {min(default.wall):.2f} s against -j 1's {min(single.wall):.2f} s"
    if processes > 1:
        found.append(
            (
                f"ha check cold over {processes} processes: {walls}   (goal: faster)",
                min(default.wall) < min(single.wall),
            )
        )
    else:
        found.append(
            (f"ha check cold chose 1 process: {walls}   (goal: faster when it uses more; not applicable)", None)
        )
    single_scan, default_scan = ha["scan cold -j 1"], ha["scan cold"]
    ratio = single_scan.best / yardstick.best
    found.append(
        (f"ha scan cold -j 1 / yardstick (cpu) = {ratio:.2f}x   (goal <= {SCAN_BUDGET:.2f}x)", ratio <= SCAN_BUDGET)
    )
    walls = f"wall {min(default_scan.wall):.2f} s against -j 1's {min(single_scan.wall):.2f} s"
    if default_scan.best > 1.3 * min(default_scan.wall):
        found.append(
            (
                f"ha scan cold over several processes: {walls}   (goal: faster)",
                min(default_scan.wall) < min(single_scan.wall),
            )
        )
    else:
        found.append((f"ha scan cold used 1 process: {walls}   (goal: faster when it uses more; not applicable)", None))
    if django is not None:
        django_rows = list(django.values())
        ratio = per_file(ha_rows, "check cold -j 1") / per_file(django_rows, "check cold -j 1")
        text = f"ha check cold -j 1 cpu per file / django's = {ratio:.2f}x   (goal <= {PER_FILE_BUDGET:.2f}x)"
        found.append((text, ratio <= PER_FILE_BUDGET))
        parse = per_file(ha_rows, "yardstick") / per_file(django_rows, "yardstick")
        text = f"the same over the yardstick's ratio ({parse:.2f}x) = {ratio / parse:.2f}x   (for reference: the files"
        found.append((text + " differ, and this is the growth of what depscan adds to the yardstick)", None))
    checks = [row for row in ha_rows if row.name.startswith("check")]
    peak = max(max(row.peak) for row in checks)
    found.append(
        (
            f"ha check peak (largest of the check rows) = {peak:.0f} MiB   (goal <= {PEAK_BUDGET:.0f} MiB)",
            peak <= PEAK_BUDGET,
        )
    )
    warm, edited = ha["check warm"].best, ha["check after one edit"].best
    found.append((f"ha check warm cpu = {warm:.3f} s   (goal <= {WARM_BUDGET:.2f} s)", warm <= WARM_BUDGET))
    found.append(
        (f"ha check after one edit cpu = {edited:.3f} s   (goal <= {EDIT_BUDGET:.2f} s)", edited <= EDIT_BUDGET)
    )
    return found


VERDICT = {True: "   PASS", False: "   OVER", None: ""}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, metavar="N", help="timed rounds per row (best kept)")
    parser.add_argument("--only", action="append", choices=PROJECT_NAMES, help="measure this project only (repeatable)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--rebuild", action="store_true", help="make the benchmark venv and the projects anew")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    names = args.only or list(PROJECT_NAMES)

    try:
        built = ensure_venv(CHECK_VENV, REQUIREMENTS, args.rebuild)
        projects = ensure_projects(names, args.rebuild or built is not None)
        modules = {project.name: edited_module(project) for project in projects}
        ruff = ruff_command()
        ruff_version = None if ruff is None else subprocess.run([*ruff, "--version"], capture_output=True, text=True)
    except (BenchError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    print(f"Python {platform.python_version()} ({platform.python_implementation()}, {platform.machine()}),", end="")
    print(f" {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}")
    print(f"venv {CHECK_VENV} ({'reused' if built is None else f'made in {built:.1f} s'})")
    print(ruff_version.stdout.strip() if ruff_version else f"no ruff beside {sys.executable}: its row is left out")
    for project in projects:
        print(f"{project.name}: {count_py(project.project):,} .py files in {project.project}", end="")
        print(f", target {project.target}; edited each round: {modules[project.name]}")

    results: dict[str, list[Row]] = {}
    try:
        for project in projects:
            results[project.name] = measure_project(project, modules[project.name], ruff, args.rounds)
            print()
            print(f"{project.name}: best of {args.rounds} round(s)")
            print(project_table(results[project.name]))
            for warning in cache_warnings(results[project.name]):
                print(warning)
    except (BenchError, OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    print()
    print("cost per file (CPU best over the tree's .py files, microseconds)")
    print(scale_table(results))
    print()
    if "ha" not in results:
        print("the goals are on Home Assistant: not measured (--only left it out)")
        return 0
    django = by_name(results["django"]) if "django" in results else None
    found = goals(by_name(results["ha"]), django, results["ha"])
    for text, met in found:
        print(f"{text}{VERDICT[met]}")
    if django is None:
        print("ha check cold -j 1 cpu per file / django's: not measured (--only left django out)")
    return 1 if args.check and any(met is False for _, met in found) else 0


if __name__ == "__main__":
    sys.exit(main())
