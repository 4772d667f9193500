"""The ``depscan`` command line."""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import click

from depscan import DEFAULT_MAX_BYTES, __version__
from depscan.atomic import lines_shown, printable, write_atomic
from depscan.errors import DepscanError, OutputError, UsageError

if TYPE_CHECKING:
    from depscan.app.settings import Options, Outcome

# Click only: each command turns its options into depscan.app.settings.Options, calls its
# function in depscan.app, and writes what it answers. The command imports its app module when
# it runs: a warm `depscan check` or scan answers from its stored answer in about a tenth of a
# second, and the extractor's modules alone would add a third to that.

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


CAPABILITIES_HELP = (
    "process (runs programs), network, native (loads native code), deserialisation (unpickles), "
    "filesystem-write, import-system (changes how imports work)"
)


def _options(**given: Any) -> Options:
    """The command line's options as the application takes them (see depscan.app.settings)."""
    from depscan.app.settings import Options

    names = set(Options.__dataclass_fields__)
    return Options(**{name: value for name, value in given.items() if name in names})


def _answer(command: str, work: Callable[[], Outcome], output: str | None = None) -> NoReturn:
    """Run the command's work and write what it answers: the report to ``output`` (atomically)
    or standard output, the notes to standard error; exit with its status. An error the user
    can fix is one line and exit status 2 (a usage error with the usage line)."""
    try:
        outcome = work()
        if output or outcome.report:
            _deliver(outcome.report, output)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    except DepscanError as exc:
        click.echo(lines_shown(f"depscan {command}: error: {exc}"), err=True)
        sys.exit(exc.exit_status)
    for note in outcome.notes:  # (a note may quote a file's name, or what the tree wrote)
        click.echo(lines_shown(note), err=True)
    sys.exit(outcome.status)


def _deliver(report: str, output: str | None) -> None:
    """Write a report to ``output`` (atomically), else to standard output. File names that are not
    UTF-8 are shown by the one rule of :func:`depscan.atomic.printable`. A standard output that
    cannot be written (a full disk) is an error, exit status 2, not a traceback."""
    if output:
        try:
            write_atomic(output, report)
        except OSError as exc:
            raise OutputError(output, exc.strerror or str(exc)) from None
        return
    try:
        # Searched for colour codes to strip (when it is not a terminal) only when it holds an
        # escape character: a scan's report of a large tree is tens of MB, and mostly has none; a
        # text report shows file and module names as the tree writes them (``b\x1b[2Jc.py``).
        shown = printable(report)
        click.echo(shown, nl=False, color=True if "\x1b" not in shown else None)
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


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _progressing(files: Sequence[str]) -> Iterator[str]:
    """The files of `depscan imports`, under a progress bar on a terminal when there are many."""
    if len(files) < 50 or not _stderr_is_terminal():
        yield from files
        return
    with click.progressbar(files, label="Reading", file=sys.stderr, show_pos=True) as bar:
        yield from bar


class _ScanProgress:
    """click's progress bar on a terminal's stderr; its length grows as the worklist does. A
    package's modules read ahead of the scan have a bar of their own first ("Reading")."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.label = ""
        self.done_count = 0

    def _phase(self, label: str, length: int) -> Any:
        if self.label != label:
            self.done()
            self.label = label
            self.bar = click.progressbar(length=max(length, 1), label=label, file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        return self.bar

    def reading(self, done: int, total: int) -> None:
        """The package's or tree's modules read ahead of the scan: ``done`` of ``total``."""
        bar = self._phase("Reading", total)
        bar.update(done - bar.pos)

    def __call__(self, scanned: int, queued: int) -> None:
        bar = self._phase("Scanning", 1)
        self.done_count += 1
        bar.length = max(self.done_count + queued, 1)
        bar.update(1)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    @contextmanager
    def drawing(self, what: str) -> Iterator[None]:
        """The scan's bar closed, then ``what...`` with the seconds it has taken, until it ends."""
        import threading
        import time

        self.done()
        stop = threading.Event()
        started = time.monotonic()

        def tick() -> None:
            while not stop.wait(0.5):
                click.echo(f"\r{what}... {time.monotonic() - started:.1f} s", err=True, nl=False)

        click.echo(f"{what}...", err=True, nl=False)
        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield
        finally:
            stop.set()
            ticker.join()
            click.echo(f"\r{what}: {time.monotonic() - started:.1f} s   ", err=True)  # over the ticking line


def _scanning(work: Callable[[Any], Outcome]) -> Callable[[], Outcome]:
    """``work`` given a progress bar on a terminal (none elsewhere), closed when it ends."""

    def run() -> Outcome:
        progress = _ScanProgress() if _stderr_is_terminal() else None
        try:
            return work(progress)
        finally:
            if progress is not None:
                progress.done()

    return run


# --- options shared by several commands ----------------------------------------------------------

PYTHON_HELP = (
    "Target Python: an interpreter, a command (python3.12), a virtual environment's directory (.venv), "
    "or a version X.Y for depscan's tables of CPython X.Y, with no interpreter (default: the configuration's, "
    "$VIRTUAL_ENV, ./.venv, depscan's own)."
)
VERSION_HELP = (
    "A Python version the code runs on (repeatable; added to the configuration's python-version): "
    "imports in branches dead for every one are not followed."
)


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


def _probe_option(function: Callable[..., None]) -> Callable[..., None]:
    return click.option(
        "--probe-python",
        is_flag=True,
        envvar="DEPSCAN_PROBE_PYTHON",
        help="Run the target interpreter to ask it about itself (isolated, in an empty directory), instead of "
        "reading its files; only an interpreter you chose (--python, $VIRTUAL_ENV, depscan's own).",
    )(function)


def _python_options(function: Callable[..., None]) -> Callable[..., None]:
    """The target Python and the search path, the same in every command."""
    options: list[Callable[[Callable[..., None]], Callable[..., None]]] = [
        click.option(
            "--config", "config_file", metavar="FILE", help="Read settings from FILE (default: pyproject.toml)."
        ),
        click.option("--python", "python", metavar="PY", help=PYTHON_HELP),
        _path_option("paths"),
        click.option("--no-pythonpath", is_flag=True, help="Ignore $PYTHONPATH."),
        _probe_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _runs_on_options(function: Callable[..., None]) -> Callable[..., None]:
    """The versions and platforms the code runs on, the same in every command that evaluates guards."""
    options: list[Callable[[Callable[..., None]], Callable[..., None]]] = [
        click.option("--python-version", "python_versions", multiple=True, metavar="X.Y", help=VERSION_HELP),
        click.option(
            "--platform",
            "platforms",
            multiple=True,
            metavar="NAME",
            help="A sys.platform value the code runs on (repeatable; added to the configuration's platforms).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _cache_options(function: Callable[..., None]) -> Callable[..., None]:
    options: list[Callable[[Callable[..., None]], Callable[..., None]]] = [
        click.option(
            "--no-cache", is_flag=True, help="Neither read nor write the caches (extractions, the stored answer)."
        ),
        click.option(
            "--cache-dir", metavar="DIR", help="Where the caches are (default: .depscan_cache in the project)."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


_jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Parse with at most N processes (default: the idle cores, when there is enough source to pay).",
)


def _target_options(function: Callable[..., None]) -> Callable[..., None]:
    """Options shared by the commands that scan: what to scan, for which Python, what to follow."""
    options: list[Callable[[Callable[..., None]], Callable[..., None]]] = [
        click.option(
            "-m", "--module", "modules", multiple=True, metavar="MODULE", help="Scan from a module (repeatable)."
        ),
        _python_options,
        _runs_on_options,
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
        _cache_options,
        _jobs_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _format_option(*choices: str, help: str = "Output format.") -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--format", "output_format", type=click.Choice(list(choices)), default="text", show_default=True, help=help
    )


_output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE (atomically)."
)


# --- the commands --------------------------------------------------------------------------------


@cli.command("imports")
@click.argument("paths", nargs=-1, required=True, metavar="FILE...")
@_format_option("text", "json")
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
@_output_option
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
    from depscan.app.inspect import imports

    _answer("imports", lambda: imports(paths, output_format, module_name, max_file_size, _progressing), output)


@cli.command("codes")
def codes_command() -> None:
    """List the diagnostic and rule codes depscan reports."""
    from depscan.model.diagnostics import CATALOGUE

    width = max(len(entry.name) for entry in CATALOGUE.values())
    for entry in CATALOGUE.values():
        click.echo(f"{entry.code}  {entry.name:<{width}}  {entry.summary}")


@cli.command("resolve")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@_python_options
@_format_option("text", "json")
def resolve_command(names: tuple[str, ...], **given: Any) -> None:
    """Say where each module NAME would be found by the target Python, without importing it.

    For each name: its kind (builtin, frozen, source, bytecode, extension,
    namespace), where it comes from (the file, or the archive member), the
    sys.path entry and finder that find it, and its category (stdlib,
    third_party, project). For a missing module, the entries searched.
    --python X.Y uses depscan's tables for CPython X.Y: only --path is searched.

    Exits 1 when a name is not found.
    """
    from depscan.app.inspect import resolve

    _answer("resolve", lambda: resolve(names, _options(**given)))


@cli.command("scan")
@click.argument("targets", nargs=-1, metavar="TARGET...")
@_target_options
@click.option(
    "--graph",
    "graph_file",
    metavar="FILE",
    help="Write a diagram: .svg, .png, .pdf, .dot, .json (node-link) or .html (interactive page).",
)
@click.option("--include-stdlib", is_flag=True, help="Show stdlib packages in the diagram.")
@click.option("--full", is_flag=True, help="Diagram every module, nothing collapsed.")
@click.option("--depth", type=int, metavar="N", help="Diagram the project's packages collapsed at depth N.")
@click.option("--focus", metavar="MODULE", help="Diagram MODULE, what it imports and what imports it.")
@click.option("--radius", type=int, metavar="N", help="With --focus: the imports within N hops (default 1).")
@click.option("--reduce", is_flag=True, help="Leave out the diagram's edges that other paths imply.")
@_format_option("text", "json")
@_output_option
def scan_command(
    targets: tuple[str, ...],
    graph_file: str | None,
    include_stdlib: bool,
    full: bool,
    depth: int | None,
    focus: str | None,
    radius: int | None,
    reduce: bool,
    output: str | None,
    **given: Any,
) -> None:
    """Follow every import of TARGET without running it; report what is found and missing.

    TARGET is a script (its directory goes first on the path), a package or
    source directory (its modules are the roots), or a zip archive; -m MODULE
    starts from an importable module. The project's and third-party code are
    followed; the stdlib's imports are resolved but not followed unless
    --follow-stdlib. Imports in branches that are dead for the target Python
    (sys.version_info, sys.platform guards) are listed, not followed. The
    project's [tool.depscan] settings apply (python, paths, python-version,
    platforms, source-roots).
    """
    from depscan.app.scan import Diagram, run_scan

    asked = {"--depth": depth, "--focus": focus, "--radius": radius, "--reduce": reduce or None, "--full": full or None}
    asked["--include-stdlib"] = include_stdlib or None
    if graph_file is None and any(value is not None for value in asked.values()):
        raise click.UsageError(
            f"{next(k for k, v in asked.items() if v is not None)} shapes the diagram: give --graph FILE"
        )
    diagram = Diagram(graph_file, include_stdlib, full, depth, focus, radius, reduce) if graph_file else None
    options = _options(targets=targets, **given)
    work = _scanning(lambda progress: run_scan(options, diagram, progress, progress and progress.drawing))
    _answer("scan", work, output)


@cli.command("check")
@click.argument("targets", nargs=-1, metavar="[PATH]...")
@_python_options
@_runs_on_options
@_format_option(
    "text",
    "json",
    "sarif",
    "github",
    help="text: path:line:col lines; github: workflow annotations; sarif: SARIF 2.1.0.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the findings to FILE (atomically).")
@_cache_options
@_jobs_option
def check_command(output: str | None, **given: Any) -> None:
    """Report the imports that cannot be found, one line per finding: path:line:col: CODE message.

    With no PATH, every module of the project is checked (the source roots
    from the configuration, else src/ or the directory holding
    pyproject.toml), as the pre-commit hook 'depscan' does, so that a commit
    deleting a module its importers need fails; with PATHs (as the hook
    'depscan-files' passes them), those files, resolved on the project's
    search path. Imports in branches dead for every
    configured Python version and platform are skipped, imports under
    try/except ImportError fail only when no alternative resolves, and
    "# depscan: ignore[DS001]" on a line silences it.

    Exits 1 when there are findings (errors), 0 silently otherwise, 2 on usage errors.
    """
    from depscan.app.check import check

    _answer("check", lambda: check(_options(**given)), output)


@cli.command("audit")
@click.argument("targets", nargs=-1, metavar="PATH...")
@_target_options
@click.option("--target-version", "target_versions", multiple=True, metavar="X.Y", hidden=True)
@_format_option(
    "text",
    "json",
    "markdown",
    "html",
    "sarif",
    help="html: one self-contained page with the diagram; markdown: for a review comment; sarif: code scanning.",
)
@_output_option
@click.option("--baseline", metavar="OLD.json", help="Compare with an earlier audit (its --format json).")
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    type=click.Choice(
        ["new-capability", "new-opaque", "new-blindspot", "new-module", "new-portability", "new-distribution"]
    ),
    help="With --baseline: exit 1 when this happened since (repeatable).",
)
@click.option(
    "--installed",
    is_flag=True,
    help="Audit every distribution installed in the environment of --python PY (its site-packages, not its stdlib).",
)
def audit_command(
    targets: tuple[str, ...],
    target_versions: tuple[str, ...],
    output: str | None,
    baseline: str | None,
    fail_on: tuple[str, ...],
    installed: bool,
    **given: Any,
) -> None:
    """Audit vendored or third-party code: what it can load, from where, and what it can do.

    PATH is a vendored directory, a package, a zip archive, a wheel, a
    directory of wheels or a whole source tree; what it imports is followed.
    With --installed, every distribution installed in the environment of
    --python PY is audited. Against a --baseline of wheels or of an
    environment, the report starts with the review of the dependency update:
    distributions added, removed and changed, and what is new in each. The report lists every module reached
    (with distribution, version and licence), vendored copies of packages,
    opaque code (extension modules, bytecode, zip members, native libraries),
    what static analysis cannot see (dynamic imports, exec/eval, sys.path and
    sys.modules changes, .pth lines, entry points), the capabilities each
    audited module reaches, with the shortest chain, and modules removed or
    deprecated in the versions the code runs on (--python-version, else the
    configuration's, else the target's). Nothing is run.

    \b
    Capabilities: process (runs programs), network, native (loads native code),
    deserialisation (unpickles), filesystem-write, import-system (changes how
    imports work); [tool.depscan.capabilities] in the auditor's configuration
    adds more.

    The configuration read is the auditor's (where depscan runs, or --config),
    never the audited tree's.
    """
    from depscan.app.audit import run_audit

    given["python_versions"] = (*given.get("python_versions", ()), *target_versions)
    options = _options(targets=targets, **given)
    _answer("audit", lambda: run_audit(options, baseline, fail_on, output, installed), output)


@cli.command("why")
@click.argument("target", metavar="TARGET", type=click.Path(exists=True))
@click.argument("module", metavar="MODULE")
@_target_options
@_format_option("text", "json")
def why_command(target: str, module: str, **given: Any) -> None:
    """Show the shortest import chains from TARGET to MODULE, with file:line at each hop."""
    from depscan.app.scan import why

    options = _options(targets=(target,), **given)
    _answer("why", _scanning(lambda progress: why(options, module, progress)))


@cli.command("importers")
@click.argument("target", metavar="TARGET", type=click.Path(exists=True))
@click.argument("module", metavar="MODULE")
@click.option("--transitive", is_flag=True, help="Everything that reaches MODULE through any chain of imports.")
@_target_options
@_format_option("text", "json")
def importers_command(target: str, module: str, transitive: bool, **given: Any) -> None:
    """List the modules of TARGET's program that import MODULE (directly, or --transitive)."""
    from depscan.app.scan import importers

    options = _options(targets=(target,), **given)
    _answer("importers", _scanning(lambda progress: importers(options, module, transitive, progress)))


def main(argv: Iterable[str] | None = None) -> None:
    import gc
    import signal

    # depscan is the process (not a library, nor a test's CliRunner). What a command makes lives
    # until it ends and holds next to no reference cycles (parse trees and the model hold none),
    # so the cyclic collector would only walk a growing heap again and again: measured, about a
    # fifteenth of a cold check of Home Assistant (0.4 s of 6.3), at the same peak memory.
    gc.disable()
    from depscan.perf.memory import ending_with_the_command

    ending_with_the_command()  # (see _leave)

    signal.signal(signal.SIGTERM, functools.partial(_terminate, os.getpid()))
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="depscan")
    except SystemExit as done:
        _leave(done)
    except OSError as exc:
        # The commands that print as they go (why, importers, resolve, imports, codes): a write to
        # standard output that fails is said in one line, as _deliver says it. Files are written
        # by write_atomic, whose errors are OutputErrors, so any other OSError is a bug.
        if exc.errno not in _OUTPUT_ERRORS:
            raise
        _stdout_failed(exc)


_OUTPUT_ERRORS = frozenset({errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT})


def _leave(done: SystemExit) -> NoReturn:
    """End the process with the command's exit status, without the interpreter's teardown.

    The command's work is over and its output written; what Python does next (clearing every
    module, a last collection over what they hold) only frees memory the process gives back as it
    ends: measured, 0.1 s of a cold check of Home Assistant (2%), and more of a small check's
    start-up than anything but its imports. The ``atexit`` handlers still run (multiprocessing's
    ends any worker left), then both streams are flushed. Python's own exit is kept where it
    has more to do: a status that is a message to print, a flush that fails (said as Python says
    it), another thread still running, or a profiler or tracer that writes its report at exit."""
    code = done.code
    threads = sys.modules.get("threading")
    if not (code is None or isinstance(code, int)) or _watched():
        raise done
    if threads is not None and threads.active_count() > 1:
        raise done
    import atexit

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise done from None
    os._exit(code or 0)


def _watched() -> bool:
    """A profiler, tracer, debugger or coverage tool watches this process: through the hooks of
    ``sys``, or (Python 3.12 and later, where cProfile and coverage may use them) ``sys.monitoring``."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)
    return monitoring is not None and any(monitoring.get_tool(tool) is not None for tool in range(6))


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
