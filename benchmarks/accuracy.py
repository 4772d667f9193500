"""Accuracy: false alarms on healthy, widely used packages, and planted defects caught, per tool.

What is measured
----------------
A pre-commit hook lives or dies by its false alarms. This script counts them
for depscan and for two peers, on the same code in the same environment.

The corpus is a virtual environment made once at ``.accuracy/venv`` (from the
Python running this script) with the distributions of :data:`CORPUS` (web,
numeric, CLI, async, ORM, packaging tools, data) installed from the package
index *without their extras*, the way most environments have them, pinned with
what they depend on in :data:`REQUIREMENTS`. The peers, pylint and deptry, go
in a venv of their own, ``.accuracy/tools``, pinned in
:data:`TOOL_REQUIREMENTS`, so that they add nothing to the corpus. A stamp in
each venv records the Python and the requirement list; while it matches the
venv is reused, and ``--rebuild`` makes both anew.

For each corpus distribution, its top-level modules in site-packages are
checked, with a scratch project ``.accuracy/projects/NAME/pyproject.toml``
mirroring the distribution's own installed metadata (``Requires-Dist`` as
``[project].dependencies``, the extras as ``[project.optional-dependencies]``)
as the current directory, by:

``depscan check``
    ``python -m depscan check MODULES --python .accuracy/venv/bin/python
    --format json --no-cache --no-pythonpath`` (this repository's depscan:
    ``PYTHONPATH`` is its root, and ``--no-pythonpath`` keeps that root off
    the target's search path); every finding counts;
``depscan scan``
    ``python -m depscan scan MODULES`` with the same options less
    ``--format``'s choices: every site marked ``error``, in the distribution's
    own files, of a ``missing`` entry marked ``error`` (what the scan calls
    missing, not "maybe missing" and not optional);
``pylint``
    ``pylint --disable=all --enable=E0401,E0611`` (import-error and
    no-name-in-module) on the module names, in site-packages, which pylint
    puts first on its path while it lints;
``deptry``
    deptry with the scratch project's ``pyproject.toml`` and every file kept
    (its default excludes ``tests``), run by the tools venv's Python with the
    corpus's site-packages appended to ``sys.path`` so that it sees what is
    installed there; its DEP001 ("imported but missing from the dependency
    definitions") counts.

The corpus packages are healthy and run, so every finding on them is a false
alarm, unless it is listed in :data:`REAL_FAILURES` (counted apart): an import
that cannot be found in an environment without extras is, in working code, an
optional one. Each false alarm is given a cause, the first of :data:`CAUSES`
that applies to its line, read from the source with ``ast`` (nothing is
imported): an alias a vendoring shim installs (``setuptools.extern``), a
module a finder makes at run time (``six.moves``), an import under
``TYPE_CHECKING``, under a ``try`` that catches ``ImportError`` (or
``suppress``), under a platform or version test (``sys.platform``,
``os.name``, ``sys.version_info``, flags such as ``PY314`` or ``IS_WINDOWS``),
under an availability test (``find_spec``, ``HAS_X``, ``x is not None``), of a
module that exists only on another platform (``msvcrt``, ``ctypes.windll``),
of a module an extra of the distribution provides (its import name from
``IMPORT_NAMES`` or the normalised distribution name), in a vendored copy
(``_vendor/``), in a test module, inside a function (a lazy import), else
``other``. Module-level flags (``PY2 = sys.version_info < (3,)``) and a
module-level ``assert sys.platform == "win32"`` count as the tests they hold.
The heuristic is meant to rank causes, not to prove them
(``accuracy_causes.py``).

The planted project, ``fixtures/accuracy/planted``, is checked by the same
four commands in the corpus venv (its own ``pyproject.toml``; pylint on its
package, deptry on the project, DEP001 and DEP003 counted). Every line marked
``# planted: KIND`` must be reported (by any code of the tool's); whatever
else a tool reports there is listed too.

A false alarm is a finding that fails the check: depscan's warnings (a module
imported only for a type checker, DS005; one from an extra that is not
installed, DS006) are counted apart, in the ``warnings`` column, since they
are true statements that fail nothing. A planted defect is caught only by an
error.

Output: progress lines, a table of false alarms per tool by cause, one of false
alarms per distribution, and planted defects caught per tool; the whole
answer, each finding with its cause, goes to ``.accuracy/results.json``.
Jobs run ``--jobs`` at a time (2 by default), pylint's, the slowest, first.

Usage::

    .venv/bin/python benchmarks/accuracy.py [--jobs N] [--rebuild] [--only NAME ...] [--tools TOOL ...]

Exit status 0, whatever the counts; 2 when a venv cannot be made or a tool fails.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from email import message_from_string
from email.message import Message
from pathlib import Path

from accuracy_causes import CAUSES, Causes
from bench_check import child_env, exits_0_or_1, venv_script
from benchvenv import BenchError, ensure_venv, venv_python
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".accuracy"
CORPUS_VENV = WORK / "venv"
TOOLS_VENV = WORK / "tools"
PROJECTS = WORK / "projects"
RESULTS = WORK / "results.json"
PLANTED = ROOT / "fixtures" / "accuracy" / "planted"
PLANTED_PACKAGE = "planted_app"
PLANTED_MARK = re.compile(r"#\s*planted:\s*([\w-]+)")


@dataclass(frozen=True)
class Distribution:
    """A corpus distribution: its name, what kind of code it is, and its top-level modules in site-packages."""

    name: str
    kind: str
    modules: tuple[str, ...]


CORPUS = (
    Distribution("requests", "web", ("requests",)),
    Distribution("flask", "web", ("flask",)),
    Distribution("werkzeug", "web", ("werkzeug",)),
    Distribution("jinja2", "web", ("jinja2",)),
    Distribution("django", "web", ("django",)),
    Distribution("starlette", "web", ("starlette",)),
    Distribution("fastapi", "web", ("fastapi",)),
    Distribution("numpy", "numeric", ("numpy",)),
    Distribution("click", "cli", ("click",)),
    Distribution("rich", "cli", ("rich",)),
    Distribution("typer", "cli", ("typer",)),
    Distribution("aiohttp", "async", ("aiohttp",)),
    Distribution("anyio", "async", ("anyio",)),
    Distribution("httpx", "async", ("httpx",)),
    Distribution("sqlalchemy", "orm", ("sqlalchemy",)),
    Distribution("peewee", "orm", ("peewee", "playhouse", "pwiz")),
    Distribution("setuptools", "packaging", ("setuptools", "pkg_resources", "_distutils_hack")),
    Distribution("packaging", "packaging", ("packaging",)),
    Distribution("pip", "packaging", ("pip",)),
    Distribution("virtualenv", "packaging", ("virtualenv",)),
    Distribution("pydantic", "data", ("pydantic",)),
    Distribution("attrs", "data", ("attr", "attrs")),
    Distribution("pyyaml", "data", ("yaml",)),
)
"""The corpus: at least 15 widely used distributions of different kinds."""

REQUIREMENTS = (
    "aiohappyeyeballs==2.7.1",
    "aiohttp==3.14.5",
    "aiosignal==1.4.0",
    "annotated-doc==0.0.7",
    "annotated-types==0.8.0",
    "anyio==4.16.0",
    "asgiref==3.13.0",
    "attrs==26.1.0",
    "blinker==1.9.0",
    "certifi==2026.10.19.post1",
    "charset-normalizer==3.5.3",
    "click==8.5.1",
    "distlib==0.4.4",
    "Django==5.2.19",
    "fastapi==0.165.0",
    "filelock==4.3.2",
    "Flask==3.1.3",
    "frozenlist==1.8.0",
    "h11==0.16.0",
    "httpcore==1.0.9",
    "httpx==0.29.0",
    "idna==3.21",
    "itsdangerous==2.2.0",
    "Jinja2==3.1.6",
    "markdown-it-py==4.3.0",
    "MarkupSafe==3.0.4",
    "mdurl==0.1.2",
    "multidict==7.2.1",
    "numpy==2.4.6",
    "opentelemetry-api==1.45.3",
    "packaging==26.4",
    "peewee==4.5.3",
    "pip==23.2.1",
    "platformdirs==4.14.9",
    "propcache==0.5.4",
    "pydantic==2.14.4",
    "pydantic_core==2.50.5",
    "Pygments==2.21.0",
    "python-discovery==1.9.9",
    "PyYAML==6.0.4",
    "requests==2.34.2",
    "rich==15.0.0",
    "setuptools==65.5.0",
    "shellingham==1.5.4",
    "SQLAlchemy==2.1.9",
    "sqlparse==0.6.1",
    "starlette==1.10.0",
    "typer==0.29.2",
    "typing-inspection==0.4.5",
    "typing_extensions==4.16.0",
    "urllib3==2.8.0",
    "virtualenv==21.15.14",
    "Werkzeug==3.1.9",
    "yarl==1.25.1",
)
"""The corpus venv, dependencies included and no extras; pip and setuptools as ``python -m venv`` makes them on
3.11 (setuptools 65 still has its ``setuptools.extern`` vendoring shim)."""

TOOL_REQUIREMENTS = (
    "pylint==4.1.5",
    "astroid==4.4.0",
    "dill==0.4.1",
    "isort==9.0.2",
    "mccabe==0.7.0",
    "platformdirs==4.14.9",
    "tomlkit==0.15.3",
    "deptry==0.25.1",
    "click==8.5.1",
    "packaging==26.4",
    "requirements-parser==0.13.1",
    "tomli==2.5.0; python_full_version < '3.15'",
)
"""The peers' venv."""

REAL_FAILURES = {
    "numpy/_core/cversions.py:8": "a build script shipped without the code_generators directory it imports",
    "numpy/_core/cversions.py:9": "the same",
    "pip/_vendor/distlib/index.py:70": "pip's copy of distlib.util has no _get_pypirc_command",
    "pip/_vendor/pygments/cmdline.py:23": "pip strips pygments.lexers.special from its copy",
    "pip/_vendor/rich/__main__.py:8": "pip strips rich.markdown from its copy",
    "pip/_vendor/rich/tree.py:200": "the same, when the module runs as __main__",
}
"""Findings on the corpus judged, after review, imports that really fail when their code runs: ``"path in
site-packages:line"`` to why. They are counted apart from the false alarms."""

REAL = "real failure"

DEPTRY = "import sys; sys.path.append(sys.argv.pop(1)); from deptry.cli import deptry; deptry()"
"""Runs deptry with the corpus's site-packages (argv[1]) after its own on ``sys.path``."""

NO_EXCLUDE = r"\.accuracy-excludes-nothing"
"""A deptry ``--exclude`` that matches no file, so that it reads the tests too, as the other tools do."""

TOOLS = ("depscan check", "depscan scan", "pylint", "deptry")


@dataclass(frozen=True)
class Finding:
    """One thing a tool reported: where, which module (dotted, as the tool says it), and its code."""

    tool: str
    path: str
    line: int
    module: str
    code: str
    message: str
    severity: str = "error"  # depscan check's warnings (DS005, DS006, ...) do not fail a check


@dataclass(frozen=True)
class Target:
    """What one run checks: a corpus distribution, or the planted project."""

    name: str
    cwd: Path
    files: tuple[Path, ...]
    pyproject: Path
    modules: tuple[str, ...]


# --- the corpus ---------------------------------------------------------------------


def site_packages(python: Path) -> Path:
    """The venv's site-packages (purelib), asked of its Python (the benchmark's own venv, not analysed code)."""
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    done = subprocess.run([str(python), "-I", "-c", code], capture_output=True, text=True, env=child_env())
    if done.returncode != 0:
        raise BenchError(f"{python} cannot say where its site-packages is:\n{done.stderr.strip()}")
    return Path(done.stdout.strip())


def module_path(site: Path, module: str) -> Path:
    single = site / f"{module}.py"
    return single if single.is_file() else site / module


def metadata(site: Path, name: str) -> Message:
    """The installed ``METADATA`` of distribution ``name``."""
    wanted = canonicalize_name(name)
    for info in site.glob("*.dist-info"):
        if canonicalize_name(info.stem.rsplit("-", 1)[0]) == wanted:
            return message_from_string((info / "METADATA").read_text(encoding="utf-8"))
    raise BenchError(f"{name} is not installed in {site}")


def declarations(meta: Message) -> tuple[list[str], dict[str, list[str]]]:
    """A distribution's requirements: those without an extra (markers kept), and each extra's (markers dropped)."""
    required: list[str] = []
    extras: dict[str, list[str]] = {str(extra): [] for extra in meta.get_all("Provides-Extra") or ()}
    for text in meta.get_all("Requires-Dist") or ():
        try:
            requirement = Requirement(str(text))
        except InvalidRequirement:
            continue
        marker = requirement.marker
        if marker is None or "extra" not in str(marker):
            required.append(str(requirement))
            continue
        bare = f"{requirement.name}{requirement.specifier}"
        for extra, members in extras.items():
            if marker.evaluate({"extra": extra}):
                members.append(bare)
    return required, extras


def toml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def mirror_pyproject(dist: Distribution, meta: Message) -> str:
    """A project declaring what ``dist``'s metadata declares; deptry counts its own modules as first-party."""
    required, extras = declarations(meta)
    lines = [
        "# Made by benchmarks/accuracy.py: the distribution's own declarations, from its installed METADATA.",
        "[project]",
        f'name = "{dist.name}-corpus"',
        'version = "0"',
        f"dependencies = {toml_list(required)}",
        "",
        "[project.optional-dependencies]",
        *(f"{json.dumps(extra)} = {toml_list(members)}" for extra, members in sorted(extras.items())),
        "",
        "# The empty name: deptry 0.25.1 crashes on import_module('.x', package) without it (bench_check.py).",
        "[tool.deptry]",
        f"known_first_party = {toml_list(['', *dist.modules])}",
    ]
    return "\n".join(lines) + "\n"


def extra_modules(meta: Message, names: Callable[[str], set[str]]) -> set[str]:
    """The import names of every distribution an extra of ``meta`` brings."""
    _, extras = declarations(meta)
    found: set[str] = set()
    for members in extras.values():
        for text in members:
            found |= names(Requirement(text).name)
    return found


def corpus_target(dist: Distribution, site: Path) -> Target:
    project = PROJECTS / dist.name
    project.mkdir(parents=True, exist_ok=True)
    pyproject = project / "pyproject.toml"
    text = mirror_pyproject(dist, metadata(site, dist.name))
    if not pyproject.is_file() or pyproject.read_text(encoding="utf-8") != text:
        pyproject.write_text(text, encoding="utf-8")
    files = tuple(module_path(site, module) for module in dist.modules)
    return Target(dist.name, project, files, pyproject, dist.modules)


def planted_target() -> Target:
    return Target("planted", PLANTED, (PLANTED / PLANTED_PACKAGE,), PLANTED / "pyproject.toml", (PLANTED_PACKAGE,))


def python_files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return found


# --- the tools ----------------------------------------------------------------------


def run_tool(command: Sequence[str], cwd: Path, accept: Callable[[int], bool], extra_env: dict[str, str]) -> str:
    """Run ``command`` in ``cwd``; its standard output, or :class:`BenchError` when it failed."""
    done = subprocess.run(
        list(command),
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**child_env(), **extra_env},
        stdin=subprocess.DEVNULL,
    )
    if not accept(done.returncode):
        raise BenchError(f"{' '.join(command[:4])} ... failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def depscan(command: str, target: Target, python: Path) -> str:
    options = ["--python", str(python), "--format", "json", "--no-cache", "--no-pythonpath"]
    files = [] if target.name == "planted" and command == "check" else [str(path) for path in target.files]
    argv = [sys.executable, "-m", "depscan", command, *files, *options]
    return run_tool(argv, target.cwd, exits_0_or_1, {"PYTHONPATH": str(ROOT)})


def depscan_check(target: Target, python: Path) -> list[Finding]:
    report = json.loads(depscan("check", target, python))
    return [
        Finding(
            "depscan check",
            str(Path(target.cwd, f["path"])),
            f["line"],
            f["module"] or "",
            f["code"],
            f["message"],
            f["severity"],
        )
        for f in report["findings"]
    ]


def depscan_scan(target: Target, python: Path) -> list[Finding]:
    """The sites, in the target's own files, of every ``missing`` entry the scan marks as an error."""
    report = json.loads(depscan("scan", target, python))
    own = {str(path) for path in python_files(target.files)}
    return [
        Finding("depscan scan", site["path"], site["line"], entry["name"], "missing", site["statement"])
        for entry in report["missing"]
        if entry["error"]
        for site in entry["sites"]
        if site["path"] in own and site.get("error", True)  # (each site says whether it fails)
    ]


def pylint_exit_ok(status: int) -> bool:
    """pylint's status is a bit mask of what it emitted; 32 is a usage error (1, fatal, is a file it could not read)."""
    return status >= 0 and not status & 32


PYLINT_MODULE = (re.compile(r"Unable to import '([^']+)'"), re.compile(r"No name '([^']+)' in module '([^']+)'"))


def pylint_module(message: str) -> str:
    unable, no_name = (pattern.search(message) for pattern in PYLINT_MODULE)
    if unable:
        return unable.group(1)
    return f"{no_name.group(2)}.{no_name.group(1)}" if no_name else ""


def pylint(target: Target, site: Path) -> list[Finding]:
    cwd = target.cwd if target.name == "planted" else site
    command = [str(venv_script(TOOLS_VENV, "pylint")), "--disable=all", "--enable=E0401,E0611"]
    command += ["--jobs=1", "--score=n", "--output-format=json", *target.modules]
    messages = json.loads(run_tool(command, cwd, pylint_exit_ok, {}) or "[]")
    return [
        Finding("pylint", str(cwd / m["path"]), m["line"], pylint_module(m["message"]), m["message-id"], m["message"])
        for m in messages
        if m["message-id"] in ("E0401", "E0611")
    ]


def deptry_roots(target: Target) -> list[str]:
    """deptry's roots: the project, or each package directory; single-file modules are linked into one directory
    of their own (deptry reads a root's files but takes no file as a root, nor follows a linked directory)."""
    if target.name == "planted":
        return [str(target.cwd)]
    singles = target.cwd / "modules"
    if singles.exists():
        shutil.rmtree(singles)
    roots = [str(path) for path in target.files if path.is_dir()]
    for path in (path for path in target.files if path.is_file()):
        singles.mkdir(exist_ok=True)
        (singles / path.name).symlink_to(path)
    return [*roots, str(singles)] if singles.exists() else roots


def deptry(target: Target, site: Path) -> list[Finding]:
    output = WORK / f"deptry-{target.name}.json"
    output.unlink(missing_ok=True)
    command = [str(venv_python(TOOLS_VENV)), "-c", DEPTRY, str(site), *deptry_roots(target)]
    command += ["--config", str(target.pyproject), "--exclude", NO_EXCLUDE, "--no-ansi", "--json-output", str(output)]
    run_tool(command, target.cwd, exits_0_or_1, {})
    if not output.is_file():
        raise BenchError(f"deptry wrote no {output} for {target.name}")
    issues = json.loads(output.read_text(encoding="utf-8"))
    counted = ("DEP001", "DEP003") if target.name == "planted" else ("DEP001",)
    return [
        Finding(
            "deptry",
            str(Path(i["location"]["file"]).resolve()),
            i["location"]["line"] or 0,
            i["module"],
            i["error"]["code"],
            i["error"]["message"],
        )
        for i in issues
        if i["error"]["code"] in counted
    ]


# --- judging ------------------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    """A finding on the corpus, with the distribution it is in and its cause (or :data:`REAL`)."""

    tool: str
    distribution: str
    path: str
    line: int
    module: str
    code: str
    cause: str
    severity: str = "error"


def relative(path: str, site: Path) -> str:
    try:
        return Path(path).relative_to(site).as_posix()
    except ValueError:
        return path


def judge(findings: Sequence[Finding], dist: Distribution, site: Path, causes: Causes) -> list[Judged]:
    meta = metadata(site, dist.name)
    optional = extra_modules(meta, causes.import_names)
    judged = []
    for f in findings:
        where = relative(f.path, site)
        real = f"{where}:{f.line}" in REAL_FAILURES
        cause = REAL if real else causes.cause(Path(f.path), f.line, f.module, optional)
        judged.append(Judged(f.tool, dist.name, where, f.line, f.module, f.code, cause, f.severity))
    return judged


def planted_lines() -> dict[tuple[str, int], str]:
    """Every ``# planted: KIND`` line of the planted project: (absolute file, line) to the kind."""
    marks = {}
    for path in sorted(PLANTED.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = PLANTED_MARK.search(line)
            if match:
                marks[(str(path), number)] = match.group(1)
    return marks


@dataclass(frozen=True)
class PlantedScore:
    caught: list[str]
    missed: list[str]
    other: list[str]


def score_planted(findings: Sequence[Finding], marks: dict[tuple[str, int], str]) -> PlantedScore:
    hit = {(str(Path(f.path).resolve()), f.line) for f in findings if f.severity == "error"}  # what fails a hook
    caught = [f"{kind} (line {line})" for (path, line), kind in sorted(marks.items()) if (path, line) in hit]
    missed = [f"{kind} (line {line})" for (path, line), kind in sorted(marks.items()) if (path, line) not in hit]
    other = [
        f"{relative(f.path, PLANTED)}:{f.line} {f.code} {f.module}"
        for f in findings
        if (str(Path(f.path).resolve()), f.line) not in marks
    ]
    return PlantedScore(caught, missed, other)


# --- running ------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    tool: str
    target: Target
    size: int


def run_job(job: Job, python: Path, site: Path) -> list[Finding]:
    if job.tool == "depscan check":
        return depscan_check(job.target, python)
    if job.tool == "depscan scan":
        return depscan_scan(job.target, python)
    if job.tool == "pylint":
        return pylint(job.target, site)
    return deptry(job.target, site)


def run_jobs(jobs: Sequence[Job], python: Path, site: Path, workers: int) -> dict[tuple[str, str], list[Finding]]:
    """Every job, ``workers`` at a time, the slowest (pylint, large targets) first; progress on standard output."""
    ordered = sorted(jobs, key=lambda job: (job.tool != "pylint", -job.size))
    results: dict[tuple[str, str], list[Finding]] = {}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(run_job, job, python, site): job for job in ordered}
        for done, future in enumerate(as_completed(futures), start=1):
            job = futures[future]
            results[(job.tool, job.target.name)] = future.result()
            elapsed = time.perf_counter() - started
            found = len(results[(job.tool, job.target.name)])
            print(
                f"[{done}/{len(jobs)} {elapsed:5.0f} s] {job.tool:13} {job.target.name:11} {found:4} findings",
                flush=True,
            )
    return results


# --- report -------------------------------------------------------------------------


def table(header: Sequence[str], rows: Sequence[Sequence[str]], left: Sequence[int] = (0,)) -> str:
    """A plain-text table: the columns in ``left`` aligned left, the others (numbers) right."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = (
            cell.ljust(w) if i in left else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


def alarms(judged: Iterable[Judged]) -> list[Judged]:
    """The false alarms: findings that fail a check (errors), on healthy code, not known real failures."""
    return [j for j in judged if j.cause != REAL and j.severity == "error"]


def cause_table(judged: Sequence[Judged], tools: Sequence[str]) -> str:
    counts = Counter((j.tool, j.cause) for j in judged if j.severity == "error")
    warnings = Counter(j.tool for j in judged if j.severity != "error")
    causes = [cause for cause in CAUSES if any(counts[(tool, cause)] for tool in tools)]
    rows = [
        [
            tool,
            str(counts[(tool, REAL)]),
            str(sum(counts[(tool, cause)] for cause in CAUSES)),
            str(warnings[tool]),
            *(str(counts[(tool, cause)]) for cause in causes),
        ]
        for tool in tools
    ]
    return table(["tool", "real", "false alarms", "warnings", *causes], rows)


def distribution_table(judged: Sequence[Judged], sizes: dict[str, int], tools: Sequence[str]) -> str:
    counts = Counter((j.distribution, j.tool) for j in alarms(judged))
    rows = [
        [f"{dist.name} ({dist.kind})", str(sizes[dist.name]), *(str(counts[(dist.name, tool)]) for tool in tools)]
        for dist in CORPUS
        if dist.name in sizes
    ]
    return table(["distribution", "files", *tools], rows)


def planted_table(scores: dict[str, PlantedScore]) -> str:
    rows = []
    for tool in scores:
        score = scores[tool]
        total = len(score.caught) + len(score.missed)
        rows.append(
            [tool, f"{len(score.caught)}/{total}", ", ".join(score.missed) or "-", "; ".join(score.other) or "-"]
        )
    return table(["tool", "planted caught", "missed", "other findings on the planted project"], rows, (0, 2, 3))


def machine() -> str:
    cpus = os.cpu_count() or 1
    return f"{platform.system()} {platform.machine()}, {cpus} cores, Python {platform.python_version()}"


def write_results(
    judged: Sequence[Judged], scores: dict[str, PlantedScore], sizes: dict[str, int], tools: Sequence[str]
) -> None:
    summary = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "corpus": [{**asdict(dist), "files": sizes.get(dist.name)} for dist in CORPUS],
        "false_alarms": {tool: sum(j.tool == tool for j in alarms(judged)) for tool in tools},
        "warnings": {tool: sum(j.tool == tool and j.severity != "error" for j in judged) for tool in tools},
        "real_failures": {tool: sum(j.tool == tool and j.cause == REAL for j in judged) for tool in tools},
        "by_cause": {tool: dict(Counter(j.cause for j in alarms(judged) if j.tool == tool)) for tool in tools},
        "planted": {tool: asdict(score) for tool, score in scores.items()},
        "findings": [asdict(j) for j in judged],
    }
    RESULTS.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")


def setup(rebuild: bool) -> tuple[Path, Path]:
    """Both venvs, made or reused; the corpus's Python and site-packages."""
    for venv, requirements in ((CORPUS_VENV, REQUIREMENTS), (TOOLS_VENV, TOOL_REQUIREMENTS)):
        took = ensure_venv(venv, requirements, rebuild)
        print(f"venv {venv.relative_to(ROOT)}: " + ("reused" if took is None else f"made in {took:.0f} s"), flush=True)
    python = venv_python(CORPUS_VENV)
    return python, site_packages(python)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=2, metavar="N", help="tool runs at once (default 2)")
    parser.add_argument("--rebuild", action="store_true", help="make both venvs anew")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these corpus distributions")
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=TOOLS, metavar="TOOL", help="only these tools")
    args = parser.parse_args(argv)
    tools = [tool for tool in TOOLS if tool in args.tools]
    corpus = [dist for dist in CORPUS if not args.only or dist.name in args.only]
    try:
        python, site = setup(args.rebuild)
        targets = [corpus_target(dist, site) for dist in corpus]
        sizes = {target.name: len(python_files(target.files)) for target in targets}
        jobs = [Job(tool, target, sizes[target.name]) for target in targets for tool in tools]
        jobs += [Job(tool, planted_target(), 0) for tool in tools]
        print(f"{len(corpus)} distributions, {sum(sizes.values()):,} files; {len(jobs)} runs, {args.jobs} at once")
        results = run_jobs(jobs, python, site, max(1, args.jobs))
    except (BenchError, OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    causes = Causes()
    judged = [j for dist in corpus for tool in tools for j in judge(results[(tool, dist.name)], dist, site, causes)]
    marks = planted_lines()
    scores = {tool: score_planted(results[(tool, "planted")], marks) for tool in tools}
    files = sum(sizes.values())
    print(
        f"\nFindings on {len(corpus)} healthy distributions ({files:,} files): real failures, false alarms by cause\n"
    )
    print(cause_table(judged, tools))
    print("\nFalse alarms per distribution:\n")
    print(distribution_table(judged, sizes, tools))
    print(f"\nPlanted defects ({PLANTED.relative_to(ROOT)}):\n")
    print(planted_table(scores))
    write_results(judged, scores, sizes, tools)
    print(f"\n{machine()}; every finding with its cause: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
