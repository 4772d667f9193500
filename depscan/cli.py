"""The ``depscan`` command line."""

from __future__ import annotations

import errno
import functools
import gc
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from depscan import DEFAULT_MAX_BYTES, __version__
from depscan.atomic import printable, write_atomic

if TYPE_CHECKING:
    from depscan.model.records import Extraction

# Each command imports what it needs when it runs: a warm `depscan check` or scan answers from
# its run cache in about a tenth of a second, and the extractor's modules alone would add a
# third to that.

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class DefaultGroup(click.Group):
    """``depscan script.py ...`` means ``depscan scan script.py ...``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help", "-V", "--version"):
            if not os.path.lexists(args[0]) and not args[0].startswith("-"):
                import difflib

                close = difflib.get_close_matches(args[0], list(self.commands), n=1)
                if close:  # `depscan chek`: a typo of a command, not a file to scan
                    raise click.UsageError(f"no such command or file {args[0]!r}; did you mean {close[0]!r}?")
            args = ["scan", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="depscan")
def cli() -> None:
    """Static dependency analysis for Python: every import, found without running anything.

    \b
    depscan script.py --graph out.svg   scan a program and draw it (same as: depscan scan ...)
    depscan why script.py some.module   the import chains that bring a module in
    depscan check [PATH...]             flag imports that cannot be found (pre-commit, CI)
    depscan audit PATH...               what vendored code can load and do (text, JSON, HTML, ...)
    depscan imports FILE...             the imports of files, one by one
    depscan resolve NAME...             where the target Python would find modules
    """


@cli.command("imports")
@click.argument("paths", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--module",
    "module_name",
    metavar="NAME",
    help="Dotted name of the module (one FILE only); default: from the packages around the file.",
)
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    metavar="BYTES",
    help="Files larger than this are reported (DS013), not parsed.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to this file (atomically) instead of standard output.",
)
def imports_command(
    paths: tuple[str, ...], output_format: str, module_name: str | None, max_file_size: int, output: str | None
) -> None:
    """List every import FILE makes, read from its source without running it.

    FILE may be a .py file, a sourceless .pyc, or a directory (its .py files,
    recursively). Each import is shown with its place, the absolute module
    it names, the statement, and its context: function (runs only when
    called), class, optional#N / fallback#N (inside a try that catches
    ImportError; same N = alternatives), and the guard conditions around it.

    Exits 1 when a file could not be read or parsed, 0 otherwise.
    """
    from depscan.extract.walker import extract_file
    from depscan.output.render import imports_json, imports_summary, imports_text
    from depscan.source import expand_paths

    files = expand_paths(list(paths))
    if not files:
        raise click.UsageError("no Python files found in the given directories")
    if module_name is not None and len(files) != 1:
        raise click.UsageError("--module names one module: give exactly one FILE")
    extractions = list(_with_progress(files, lambda path: extract_file(path, module_name, None, max_file_size)))
    report = imports_json(extractions) if output_format == "json" else imports_text(extractions)
    _deliver(report, output)
    click.echo(imports_summary(extractions), err=True)
    if any(not extraction.ok for extraction in extractions):
        sys.exit(1)


@cli.command("codes")
def codes_command() -> None:
    """List the diagnostic and rule codes depscan reports."""
    from depscan.model.diagnostics import CATALOGUE

    for entry in CATALOGUE.values():
        click.echo(f"{entry.code}  {entry.name:<22}  {entry.summary}")


def _with_progress(files: list[str], work: Callable[[str], Extraction]) -> Iterator[Extraction]:
    if len(files) < 50 or not _stderr_is_terminal():
        for path in files:
            yield work(path)
        return
    with click.progressbar(files, label="Reading", file=sys.stderr, show_pos=True) as bar:
        for path in bar:
            yield work(path)


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _path_option(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``--path DIR``: an existing directory first on the search path, as the project's (repeatable)."""
    return click.option(
        "--path",
        name,
        multiple=True,
        metavar="DIR",
        type=click.Path(exists=True),
        help="Extra project directory on the search path (repeatable; it must exist).",
    )


class OutputError(click.FileError):
    """An output file that cannot be written: exit status 2 (1 means findings)."""

    exit_code = 2


def _probe_option(function: Callable[..., None]) -> Callable[..., None]:
    return click.option(
        "--probe-python",
        is_flag=True,
        envvar="DEPSCAN_PROBE_PYTHON",
        help="Run the target interpreter to ask it about itself (isolated, in an empty directory), instead of "
        "reading its files; only an interpreter you chose (--python, $VIRTUAL_ENV, depscan's own).",
    )(function)


@cli.command("resolve")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@click.option(
    "--path",
    "paths",
    multiple=True,
    metavar="DIR",
    type=click.Path(exists=True, file_okay=True, dir_okay=True),
    help="Search DIR first, as a project directory (repeatable; in order, before PYTHONPATH).",
)
@click.option("--python", "python", metavar="PY", help="Target interpreter (default: $VIRTUAL_ENV, ./.venv, this one).")
@click.option(
    "--python-version",
    "python_version",
    metavar="X.Y",
    help="No interpreter: use depscan's stdlib tables for CPython X.Y (3.8-3.14); only --path is searched.",
)
@click.option("--no-pythonpath", is_flag=True, help="Ignore $PYTHONPATH.")
@_probe_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def resolve_command(
    names: tuple[str, ...],
    paths: tuple[str, ...],
    python: str | None,
    python_version: str | None,
    no_pythonpath: bool,
    probe_python: bool,
    output_format: str,
) -> None:
    """Say where each module NAME would be found by the target Python, without importing it.

    For each name: its kind (builtin, frozen, source, bytecode, extension,
    namespace), where it comes from (the file, or the archive member), the
    sys.path entry and finder that find it, and its category (stdlib,
    third_party, project). For a missing module, the entries searched.

    Exits 1 when a name is not found.
    """
    from depscan.output.render import resolve_json, resolve_text
    from depscan.resolve.resolver import make_resolver

    for name in names:
        if not all(part.isidentifier() for part in name.split(".")):
            raise click.BadParameter(f"{name!r} is not a dotted module name", param_hint="NAME")
    root = _project_root()
    interp = _target(python, python_version, Path.cwd(), root, None, probe_python)
    resolver = make_resolver(interp, paths, use_pythonpath=not no_pythonpath, project_root=_project_root())
    results = [resolver.resolve(name) for name in names]
    shadows = {r.name: resolver.shadowed(r.name) for r in results if r.found and "." not in r.name}
    if output_format == "json":
        click.echo(resolve_json(results, shadows, interp, resolver), nl=False)
    else:
        click.echo(resolve_text(results, shadows, interp, resolver), nl=False)
    for diagnostic in resolver.diagnostics:
        click.echo(f"warning: {diagnostic}", err=True)
    if any(not r.found for r in results):
        sys.exit(1)


def _shown(path: str | None) -> str:
    from depscan.source import shown_path

    return printable(shown_path(path))


def _target(
    python: str | None,
    python_version: str | None,
    start: Path,
    project: str | None,
    configured: str | None,
    probe_python: bool,
) -> Any:
    """The target interpreter of every command (:func:`depscan.resolve.describe.target_interpreter`);
    exit 2 with the reason when it cannot be told."""
    from depscan.resolve.describe import target_interpreter
    from depscan.resolve.interpreter import InterpreterError

    if python is not None and python_version:
        raise click.UsageError("give --python or --python-version, not both")
    try:
        return target_interpreter(
            python,
            python_version,
            start=start,
            project=Path(project) if project else None,
            configured=configured,
            probe_python=probe_python,
        )
    except InterpreterError as exc:
        click.echo(f"depscan: error: {exc}", err=True)
        sys.exit(2)


def _root_path() -> Path | None:
    root = _project_root()
    return Path(root) if root else None


def _project_root() -> str | None:
    here = Path.cwd()
    for directory in (here, *here.parents):
        if any((directory / marker).exists() for marker in ("pyproject.toml", "setup.py", "setup.cfg", ".git")):
            return str(directory)
    return None


def _target_options(function: Callable[..., None]) -> Callable[..., None]:
    """Options shared by the commands that scan: what to scan, and for which Python."""
    options: list[Callable[[Callable[..., None]], Callable[..., None]]] = [
        click.option(
            "-m", "--module", "modules", multiple=True, metavar="MODULE", help="Scan from a module (repeatable)."
        ),
        _path_option("paths"),
        click.option(
            "--python", "python", metavar="PY", help="Target interpreter (default: $VIRTUAL_ENV, ./.venv, this one)."
        ),
        click.option(
            "--python-version", metavar="X.Y", help="No interpreter: depscan's stdlib tables for CPython X.Y."
        ),
        click.option("--no-pythonpath", is_flag=True, help="Ignore $PYTHONPATH."),
        _probe_option,
        click.option("--follow-stdlib", is_flag=True, help="Follow the standard library's own imports too."),
        click.option(
            "--no-follow",
            "no_follow",
            type=click.Choice(["third_party"]),
            multiple=True,
            help="Resolve but do not follow this category's imports.",
        ),
        click.option(
            "--max-depth", type=click.IntRange(min=0), metavar="N", help="Follow imports at most N levels deep."
        ),
        click.option("--include", "include", multiple=True, metavar="GLOB", help="Follow only modules matching GLOB."),
        click.option("--exclude", "exclude", multiple=True, metavar="GLOB", help="Never follow modules matching GLOB."),
        click.option(
            "--no-cache", is_flag=True, help="Neither read nor write the caches (extractions, a scan's stored answer)."
        ),
        click.option(
            "--cache-dir", metavar="DIR", help="Where the caches are (default: .depscan_cache in the project)."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _run_scan(targets: tuple[str, ...], **target_options: Any) -> Any:
    from depscan.analysis.scan import scan

    interp, options, cache, where = _scan_setup(targets, **target_options)
    progress = _ScanProgress() if _stderr_is_terminal() else None
    try:
        return scan(interp, targets, options=options, progress=progress, **where)
    finally:
        if progress is not None:
            progress.done()
        if cache is not None:
            cache.close()


def _scan_setup(
    targets: tuple[str, ...],
    modules: tuple[str, ...],
    paths: tuple[str, ...],
    python: str | None,
    python_version: str | None,
    no_pythonpath: bool,
    probe_python: bool,
    follow_stdlib: bool,
    no_follow: tuple[str, ...],
    max_depth: int | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    no_cache: bool,
    cache_dir: str | None,
) -> tuple[Any, Any, Any, dict[str, Any]]:
    """The target interpreter, the scan options (with the extraction cache) and where to search."""
    from depscan.analysis.scan import ScanOptions

    if not targets and not modules:
        raise click.UsageError("name a script, a package or source directory, a zip archive, or -m MODULE")
    root = _project_root()
    interp = _target(python, python_version, _start_of(targets), root, None, probe_python)
    from depscan.perf.cache import ExtractionCache

    directory = _scan_cache_dir(no_cache, cache_dir)
    cache = None if directory is None else ExtractionCache(directory)
    options = ScanOptions(
        follow_stdlib=follow_stdlib,
        follow_third_party="third_party" not in no_follow,
        max_depth=max_depth,
        include=include,
        exclude=exclude,
        cache=cache,
    )
    where = {"modules": modules, "paths": paths, "use_pythonpath": not no_pythonpath, "project_root": root}
    return interp, options, cache, where


def _start_of(targets: tuple[str, ...]) -> Path:
    """Where the search for a project's ``.venv`` starts: the first target's directory."""
    first = Path(targets[0]).resolve() if targets else Path.cwd()
    return first if first.is_dir() else first.parent


def _scan_cache_dir(no_cache: bool, cache_dir: str | None) -> str | None:
    """Where a scan keeps its caches: in the project, as ruff and mypy keep theirs; a script
    outside any project uses the user's cache."""
    if no_cache:
        return None
    if cache_dir:
        return os.path.abspath(cache_dir)
    root = _project_root()
    return os.path.join(root, ".depscan_cache") if root else os.path.join(_user_cache(), "extractions")


def _user_cache() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "depscan")


class _ScanProgress:
    """click's progress bar on a terminal's stderr; its length grows as the worklist does."""

    def __init__(self) -> None:
        self.bar = click.progressbar(length=1, label="Scanning", file=sys.stderr, show_pos=True)
        self.bar.__enter__()
        self.done_count = 0

    def __call__(self, scanned: int, queued: int) -> None:
        self.done_count += 1
        self.bar.length = max(self.done_count + queued, 1)
        self.bar.update(1)

    def done(self) -> None:
        self.bar.__exit__(None, None, None)


@cli.command("scan")
@click.argument("targets", nargs=-1, metavar="TARGET...")
@_target_options
@click.option(
    "--graph", "graph_file", metavar="FILE", help="Write a diagram: .svg, .png, .pdf, .dot or .json (node-link)."
)
@click.option("--include-stdlib", is_flag=True, help="Show stdlib packages in the diagram.")
@click.option("--full", is_flag=True, help="Diagram every module, nothing collapsed.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE (atomically).")
def scan_command(
    targets: tuple[str, ...],
    graph_file: str | None,
    include_stdlib: bool,
    full: bool,
    output_format: str,
    output: str | None,
    **target_options: Any,
) -> None:
    """Follow every import of TARGET without running it; report what is found and missing.

    TARGET is a script (its directory goes first on the path), a package or
    source directory (its modules are the roots), or a zip archive; -m MODULE
    starts from an importable module. The project's and third-party code are
    followed; the stdlib's imports are resolved but not followed unless
    --follow-stdlib. Imports in branches that are dead for the target Python
    (sys.version_info, sys.platform guards) are listed, not followed.
    """
    report_options = [output_format, graph_file and os.path.abspath(graph_file), include_stdlib, full]
    runs, key = _scan_run_cache(targets, target_options, report_options)
    started = time.time_ns()
    if runs is not None and key is not None:
        stored = runs.load(key)
        if stored is not None:
            _emit_report(stored.report, None, output, "")
            if graph_file and stored.diagram is not None:
                _write_if_changed(graph_file, stored.diagram)
            if stored.summary:
                click.echo(stored.summary, err=True)
            sys.exit(stored.status)

    from depscan.analysis.graph import cycles
    from depscan.output.report import scan_json, scan_text

    result = _run_scan(targets, **target_options)
    if _ONE_SHOT:
        # What the scan made lives until the process ends, and none of it is garbage: the cyclic
        # collector need not walk it again while the report is made (a few hundredths of a second).
        gc.freeze()
    found_cycles = cycles(result)
    report = scan_json(result, found_cycles) if output_format == "json" else scan_text(result, found_cycles)
    _emit_report(report, None, output, "")
    summary = diagram = None
    if graph_file:
        from depscan.analysis.graph import collapse, cycle_edges
        from depscan.output.diagram import DiagramError, write_diagram

        view = collapse(result, include_stdlib=include_stdlib, full=full)
        named = [os.path.basename(t.rstrip(os.sep)) for t in targets] + list(target_options.get("modules") or ())
        title = ", ".join(named[:3]) + (" ..." if len(named) > 3 else "")
        try:
            write_diagram(graph_file, view, cycle_edges(found_cycles), title, _dot_timeout())
            with open(graph_file, "rb") as handle:
                diagram = handle.read()
        except DiagramError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise OutputError(graph_file, hint=exc.strerror or str(exc)) from None
        summary = f"diagram: {graph_file} ({view.number_of_nodes()} nodes, {view.number_of_edges()} edges)"
        click.echo(summary, err=True)
    status = 0 if result.roots else 1  # nothing could be scanned: the report says why
    if runs is not None and key is not None:
        from depscan.perf.runcache import Answer, witness

        entries = witness(result.depends_on(), result.resolver.fs.listings)
        if entries is not None:
            runs.store(key, entries, Answer(report, summary, status, diagram), started)
    if status:
        sys.exit(status)


def _scan_run_cache(
    targets: tuple[str, ...], target_options: dict[str, Any], report_options: list[Any]
) -> tuple[Any, str | None]:
    """The run cache of a scan and the key of this one; (None, None) with --no-cache, or when the
    target interpreter cannot be told (the scan will say why)."""
    from depscan.perf.runcache import KEY_ENVIRONMENT, RunCache, run_key, signature
    from depscan.resolve.interpreter import InterpreterError, choose_executable

    cache_dir = _scan_cache_dir(target_options["no_cache"], target_options["cache_dir"])
    if cache_dir is None:
        return None, None
    python_version = target_options["python_version"]
    if python_version:
        python: Any = python_version
    else:
        try:
            choice = choose_executable(target_options["python"], _start_of(targets), _root_path())
        except InterpreterError:
            return None, None
        python = [choice.path, signature(choice.path)]
    graph = report_options[1]
    dot = None
    if graph and os.path.splitext(graph)[1].lower() not in (".dot", ".gv", ".json"):
        import shutil

        found = shutil.which("dot")
        dot = [found, signature(found) if found else None]
    options = {k: v for k, v in target_options.items() if k not in ("no_cache", "cache_dir", "python")}
    key = run_key(
        {
            "command": "scan",
            "cwd": os.getcwd(),
            "root": _project_root(),
            "targets": list(targets),
            "options": options,
            "python": python,
            "report": report_options,
            "dot": dot,
            "env": [os.environ.get(name) for name in KEY_ENVIRONMENT],
        }
    )
    return RunCache(cache_dir), key


def _write_if_changed(path: str, data: bytes) -> None:
    """Write ``path`` atomically, unless it holds ``data`` already."""
    from depscan.source import read_bytes

    if read_bytes(path, max_bytes=len(data)) == data:  # a FIFO or /dev/zero there is not read
        return
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise OutputError(path, hint=exc.strerror or str(exc)) from None


@cli.command("check")
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--config", "config_file", metavar="FILE", help="Read settings from FILE (default: pyproject.toml).")
@click.option("--python", "python", metavar="PY", help="Target interpreter (default: $VIRTUAL_ENV, ./.venv, this one).")
@click.option(
    "--python-version",
    "python_versions",
    multiple=True,
    metavar="X.Y",
    help="Check for this Python version too (repeatable): an import counts unless dead for every version.",
)
@click.option("--platform", "platforms", multiple=True, metavar="NAME", help="sys.platform value to check for.")
@_path_option("paths_extra")
@click.option("--no-pythonpath", is_flag=True, help="Ignore $PYTHONPATH.")
@_probe_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="text: path:line:col lines; github: workflow annotations; sarif: SARIF 2.1.0.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the findings to FILE (atomically).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the caches (extractions, the stored answer).")
@click.option("--cache-dir", metavar="DIR", help="Where the caches are (default: .depscan_cache in the project).")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Extract with at most N processes (default: as many cores as pay off for the tree).",
)
def check_command(
    paths: tuple[str, ...],
    config_file: str | None,
    python: str | None,
    python_versions: tuple[str, ...],
    platforms: tuple[str, ...],
    paths_extra: tuple[str, ...],
    no_pythonpath: bool,
    probe_python: bool,
    output_format: str,
    output: str | None,
    no_cache: bool,
    cache_dir: str | None,
    jobs: int | None,
) -> None:
    """Report the imports that cannot be found, one line per finding: path:line:col: CODE message.

    With no PATH, every module of the project is checked (the source roots
    from the configuration, else src/ or the directory holding
    pyproject.toml); with PATHs (as pre-commit passes them), those files,
    resolved on the project's search path. Imports in branches dead for every
    configured Python version and platform are skipped, imports under
    try/except ImportError fail only when no alternative resolves, and
    "# depscan: ignore[DS001]" on a line silences it.

    Exits 1 when there are findings (errors), 0 silently otherwise, 2 on usage errors.
    """
    from depscan.resolve.interpreter import InterpreterError, choose_executable

    start = os.path.abspath(paths[0]) if paths else os.getcwd()
    config, versions = _config_and_versions("check", config_file, start, python_versions, "--python-version")
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise click.BadParameter(f"no such file or directory: {missing[0]}", param_hint="PATH")
    files = [p for p in paths if os.path.isdir(p) or p.endswith(".py")] if paths else None
    if paths and not files:
        return  # pre-commit may pass only non-Python files: nothing to check
    try:
        choice = choose_executable(python, Path(config.root), Path(config.root), config.python)
    except InterpreterError as exc:
        click.echo(f"depscan check: error: {exc}", err=True)
        sys.exit(2)
    cache_root = None if no_cache else os.path.abspath(cache_dir or os.path.join(config.root, ".depscan_cache"))
    runs = key = None
    started = time.time_ns()  # an entry of the witness changed after this makes the answer untrustworthy
    if cache_root is not None:
        # An unchanged tree gets the stored answer at once (see depscan.perf.runcache).
        from depscan.perf.runcache import KEY_ENVIRONMENT, RunCache, run_key, signature

        runs = RunCache(cache_root)
        key = run_key(
            {
                "command": "check",
                "cwd": os.getcwd(),
                "paths": list(paths),
                "config": config.file,
                "python": [choice.path, signature(choice.path), probe_python],
                "options": [python_versions, platforms, paths_extra, no_pythonpath, output_format, jobs],
                "env": [os.environ.get(name) for name in KEY_ENVIRONMENT],
            }
        )
        stored = runs.load(key)
        if stored is not None:
            _emit_report(stored.report, stored.summary, output, output_format)
            sys.exit(stored.status)
    # Only now: a stored answer needs none of the checker's modules (a third of a warm run). The
    # walk and the extraction start before they are imported, so that workers parse meanwhile.
    from depscan.project import CheckSettings, begin

    settings = CheckSettings(
        root=config.root,
        source_roots=config.source_roots,
        paths=[*config.paths, *(os.path.abspath(p) for p in paths_extra)],
        exclude=config.exclude,
        ignore_missing=config.ignore_missing,
        versions=list(dict.fromkeys(versions)),
        platforms=list(dict.fromkeys([*config.platforms, *platforms])),
        check_type_checking=config.check_type_checking,
        rules=dict(config.rules),
        use_pythonpath=not no_pythonpath,
        known_first_party=config.known_first_party,
        dependency_mapping=dict(config.dependency_mapping),
        cache_dir=cache_root,
        processes=jobs,
    )
    begun = begin(settings, files)
    try:
        from depscan.analysis.check import check
        from depscan.output.check import format_github, format_json, format_sarif, format_text, summary_line
        from depscan.resolve.describe import interpreter_of

        try:
            interp = interpreter_of(choice, probe_python)
        except InterpreterError as exc:
            click.echo(f"depscan check: error: {exc}", err=True)
            sys.exit(2)
        result = check(interp, settings, files, begun)
    finally:
        begun.close()
    if output_format == "json":
        report = format_json(result, __version__)
    elif output_format == "sarif":
        report = format_sarif(result, __version__)
    elif output_format == "github":
        report = format_github(result.findings)
    else:
        report = format_text(result.findings)
    summary = summary_line(result) if result.findings else None
    status = 1 if result.errors else 0
    if runs is not None and key is not None:
        from depscan.perf.runcache import Answer, witness

        depends_on = [*result.depends_on, *([config.file] if config.file else [])]
        entries = witness(depends_on, result.listings)
        if entries is not None:
            runs.store(key, entries, Answer(report, summary, status), started)
    _emit_report(report, summary, output, "")
    sys.exit(status)


def _config_and_versions(
    command: str, config_file: str | None, start: str, given: Sequence[str], option: str
) -> tuple[Any, list[tuple[int, int]]]:
    """The configuration found from ``start`` (exit 2 with its error), and the Python versions it
    names followed by those given with ``option``."""
    from depscan.config import ConfigError, load_config
    from depscan.resolve.interpreter import plausible_version

    try:
        config = load_config(config_file, start if os.path.isdir(start) else os.path.dirname(start))
    except ConfigError as exc:
        click.echo(f"depscan {command}: error: {exc}", err=True)
        sys.exit(2)
    versions = list(config.python_versions)
    for text in given:
        try:
            major, minor = (int(part) for part in text.split("."))
        except ValueError:
            raise click.BadParameter(f"{text!r} is not X.Y", param_hint=option) from None
        if not plausible_version((major, minor)):
            raise click.BadParameter(f"{text!r} is not a Python version (2.7, or 3.0 to 3.49)", param_hint=option)
        versions.append((major, minor))
    return config, versions


def _emit_report(report: str, summary: str | None, output: str | None, replayed_format: str) -> None:
    """Write a report and its summary; a stored check JSON report says it is one (``answer: stored``)."""
    if replayed_format == "json":
        import json

        from depscan.output import jsonfmt

        document = json.loads(report)
        document["summary"] = {**document["summary"], "answer": "stored"}
        report = jsonfmt.dumps(document)
    if output or report:
        _deliver(report, output)
    if summary:
        click.echo(summary, err=True)


def _deliver(report: str, output: str | None) -> None:
    """Write a report to ``output`` (atomically), else to standard output. File names that are not
    UTF-8 are shown by the one rule of :func:`depscan.atomic.printable`. A standard output that
    cannot be written (a full disk) is an error, exit status 2, not a traceback."""
    if output:
        try:
            write_atomic(output, report)
        except OSError as exc:
            raise OutputError(output, hint=exc.strerror or str(exc)) from None
        return
    try:
        click.echo(printable(report), nl=False)
    except OSError as exc:
        _stdout_failed(exc)


def _stdout_failed(exc: OSError) -> NoReturn:
    """Standard output cannot be written (a full disk): one line, exit status 2. What is still
    buffered would fail again at exit, with a traceback: standard output becomes /dev/null."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    click.echo(f"depscan: error: cannot write to standard output: {exc.strerror or exc}", err=True)
    sys.exit(2)


@cli.command("audit")
@click.argument("targets", nargs=-1, required=True, metavar="PATH...")
@_target_options
@click.option(
    "--target-version",
    "target_versions",
    multiple=True,
    metavar="X.Y",
    help="A Python version the code must run on, for portability (repeatable; default: the configuration's, "
    "else the target interpreter's).",
)
@click.option("--config", "config_file", metavar="FILE", help="Read settings from FILE (default: pyproject.toml).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown", "html", "sarif"]),
    default="text",
    show_default=True,
    help="html: one self-contained page with the diagram; markdown: for a review comment; sarif: code scanning.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE (atomically).")
@click.option("--baseline", metavar="OLD.json", help="Compare with an earlier audit (its --format json).")
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    type=click.Choice(["new-capability", "new-opaque", "new-blindspot", "new-module", "new-portability"]),
    help="With --baseline: exit 1 when this happened since (repeatable).",
)
def audit_command(
    targets: tuple[str, ...],
    target_versions: tuple[str, ...],
    config_file: str | None,
    output_format: str,
    output: str | None,
    baseline: str | None,
    fail_on: tuple[str, ...],
    **target_options: Any,
) -> None:
    """Audit vendored or third-party code: what it can load, from where, and what it can do.

    PATH is a vendored directory, a package, a zip archive or a whole source
    tree; what it imports is followed. The report lists every module reached
    (with distribution, version and licence), vendored copies of packages,
    opaque code (extension modules, bytecode, zip members, native libraries),
    what static analysis cannot see (dynamic imports, exec/eval, sys.path and
    sys.modules changes, .pth lines, entry points), the capabilities each
    audited module reaches (process, network, native, deserialisation,
    filesystem-write, import-system) with the shortest chain, and modules
    removed or deprecated in the target versions. Nothing is run.
    """
    from depscan.analysis.audit import BaselineError, audit, compare, load_baseline
    from depscan.output.audit import audit_markdown, audit_sarif, audit_text, changes_text

    if fail_on and not baseline:
        raise click.UsageError("--fail-on needs --baseline OLD.json to compare with")
    old = None
    if baseline:
        try:
            old = load_baseline(baseline)
        except BaselineError as exc:
            click.echo(f"depscan audit: error: {exc}", err=True)
            sys.exit(2)
    # The auditor's configuration (where the audit runs, or --config), never the audited tree's own.
    config, versions = _config_and_versions("audit", config_file, os.getcwd(), target_versions, "--target-version")
    interp, options, cache, where = _scan_setup(targets, **target_options)
    try:
        report = audit(interp, targets, versions, dict(config.capabilities), options, **where)
    except ValueError as exc:  # a bad [tool.depscan.capabilities] table
        click.echo(f"depscan audit: error: {exc}", err=True)
        sys.exit(2)
    finally:
        if cache is not None:
            cache.close()
    changes = compare(old, report) if old is not None else None
    if output_format == "json":
        from depscan.output import jsonfmt

        document = report.to_json()
        if changes is not None:
            document["changes"] = changes.to_json()
        text = jsonfmt.dumps(document)
    elif output_format == "markdown":
        text = audit_markdown(report, changes)
    elif output_format == "sarif":
        text = audit_sarif(report)
    elif output_format == "html":
        from depscan.output.audit_html import audit_html

        document = report.to_json()
        if changes is not None:
            document["changes"] = changes.to_json()
        text = audit_html(document, _audit_svg(report))
    else:
        text = audit_text(report) + (changes_text(changes) if changes is not None else "")
    _deliver(text, output)
    if not any(entry.audited for entry in report.inventory):
        # A typo in CI's target must not pass as "capabilities: none".
        reasons = "; ".join(str(d) for d in report.diagnostics[:2]) or "no Python module there"
        click.echo(f"depscan audit: error: nothing could be audited in {', '.join(targets)}: {reasons}", err=True)
        sys.exit(2)
    failed = False
    if changes is not None:
        met = changes.conditions() & set(fail_on)
        if met:
            click.echo(f"depscan audit: {', '.join(sorted(met))} since {baseline}", err=True)
            failed = True
    if report.unanalysed:
        count = len(report.unanalysed)
        click.echo(f"depscan audit: {count} module{'s' * (count != 1)} could not be analysed", err=True)
        failed = True
    if failed:
        sys.exit(1)


def _audit_svg(report: Any) -> str | None:
    """The diagram of the audited code, as SVG, for the HTML report (None without Graphviz, said)."""
    from depscan.analysis.graph import collapse, cycle_edges, cycles
    from depscan.output.diagram import DiagramError, render, to_dot

    view = collapse(report.scan)
    source = to_dot(view, cycle_edges(cycles(report.scan)), ", ".join(report.targets))
    try:
        return render(source, "svg", _dot_timeout()).decode("utf-8", "replace")
    except DiagramError as exc:
        click.echo(f"depscan audit: the report has no diagram: {exc}", err=True)
        return None


def _dot_timeout() -> float:
    """How long Graphviz may take to draw: ``DEPSCAN_DOT_TIMEOUT`` seconds, else the default."""
    from depscan.output.diagram import DOT_TIMEOUT

    text = os.environ.get("DEPSCAN_DOT_TIMEOUT", "").strip()
    if not text:
        return DOT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise click.UsageError(f"DEPSCAN_DOT_TIMEOUT={text!r}: give a positive number of seconds")
    return seconds


@cli.command("why")
@click.argument("target", metavar="TARGET", type=click.Path(exists=True))
@click.argument("module", metavar="MODULE")
@_target_options
def why_command(target: str, module: str, **target_options: Any) -> None:
    """Show the shortest import chains from TARGET to MODULE, with file:line at each hop."""
    from depscan.analysis.graph import why

    result = _run_scan((target,), **target_options)
    if module not in result.graph:
        raise click.ClickException(f"{module!r} is not imported by {target} (directly or indirectly)")
    chains = why(result, module)
    if not chains:
        raise click.ClickException(f"no import chain from {target} to {module!r}")
    for number, chain in enumerate(chains, start=1):
        click.echo(f"chain {number}:")
        click.echo(f"  {chain[0][0]}")
        for name, site in chain[1:]:
            where = f"{_shown(site.path)}:{site.line}  {site.statement}" if site is not None else "(parent package)"
            click.echo(f"  -> {name}    {where}")


@cli.command("importers")
@click.argument("target", metavar="TARGET", type=click.Path(exists=True))
@click.argument("module", metavar="MODULE")
@click.option("--transitive", is_flag=True, help="Everything that reaches MODULE through any chain of imports.")
@_target_options
def importers_command(target: str, module: str, transitive: bool, **target_options: Any) -> None:
    """List the modules of TARGET's program that import MODULE (directly, or --transitive)."""
    from depscan.analysis.graph import importers

    result = _run_scan((target,), **target_options)
    if module not in result.graph:
        raise click.ClickException(f"{module!r} is not imported by {target} (directly or indirectly)")
    graph = result.graph
    for name in importers(result, module, transitive):
        sites = graph.edges[name, module].get("sites", []) if graph.has_edge(name, module) else []
        where = ", ".join(f"{_shown(s.path)}:{s.line}" for s in sites)
        click.echo(f"{name}  {where}".rstrip())


_ONE_SHOT = False  # True when depscan is the process (main), not a library or a test's CliRunner


def main(argv: Iterable[str] | None = None) -> None:
    global _ONE_SHOT
    _ONE_SHOT = True
    import signal

    signal.signal(signal.SIGTERM, functools.partial(_terminate, os.getpid()))
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="depscan")
    except OSError as exc:
        # The commands that print as they go (why, importers, resolve, imports, codes): a write to
        # standard output that fails is said in one line, as _deliver says it. Files are written
        # by write_atomic, whose errors are OutputErrors, so any other OSError is a bug.
        if exc.errno not in _OUTPUT_ERRORS:
            raise
        _stdout_failed(exc)


_OUTPUT_ERRORS = frozenset({errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT})


def _terminate(main_pid: int, signum: int, frame: object) -> None:
    """SIGTERM: say so and exit 143 (128 + 15, as the signal's default action gives).

    At once, without unwinding: an exception raised wherever the signal lands (inside the process
    pool's, threading's or logging's code) leaves them half-done, and the exit hangs or prints
    tracebacks; workers killed from here make the pool's thread print one. The workers end by
    their watchdog within half a second (see depscan.perf.parallel). Output files are written
    atomically, so none is left half-written; at worst a temporary file beside one. A worker
    forked with this handler, before it set its own, just exits.
    """
    if os.getpid() == main_pid:
        os.write(2, b"depscan: terminated (SIGTERM)\n")  # not click.echo: stderr may be mid-write
    os._exit(128 + signum)
