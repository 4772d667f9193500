"""The ``depscan`` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import click

from depscan import __version__
from depscan.atomic import write_atomic
from depscan.diagnostics import CATALOGUE
from depscan.extract import extract_file
from depscan.model import Extraction
from depscan.render import imports_json, imports_summary, imports_text
from depscan.source import DEFAULT_MAX_BYTES, expand_paths

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="depscan")
def cli() -> None:
    """Static dependency analysis for Python: every import, found without running anything."""


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
    files = expand_paths(list(paths))
    if not files:
        raise click.UsageError("no Python files found in the given directories")
    if module_name is not None and len(files) != 1:
        raise click.UsageError("--module names one module: give exactly one FILE")
    extractions = list(_with_progress(files, lambda path: extract_file(path, module_name, None, max_file_size)))
    report = imports_json(extractions) if output_format == "json" else imports_text(extractions)
    if output:
        try:
            write_atomic(output, report)
        except OSError as exc:
            raise click.FileError(output, hint=exc.strerror or str(exc)) from None
    else:
        click.echo(report, nl=False)
    click.echo(imports_summary(extractions), err=True)
    if any(not extraction.ok for extraction in extractions):
        sys.exit(1)


@cli.command("codes")
def codes_command() -> None:
    """List the diagnostic and rule codes depscan reports."""
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


@cli.command("resolve")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@click.option(
    "--path",
    "paths",
    multiple=True,
    metavar="DIR",
    type=click.Path(file_okay=True, dir_okay=True),
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
    output_format: str,
) -> None:
    """Say where each module NAME would be found by the target Python, without importing it.

    For each name: its kind (builtin, frozen, source, bytecode, extension,
    namespace), where it comes from (the file, or the archive member), the
    sys.path entry and finder that find it, and its category (stdlib,
    third_party, project). For a missing module, the entries searched.

    Exits 1 when a name is not found.
    """
    from depscan.interpreter import InterpreterError, choose_executable, probe
    from depscan.render import resolve_json, resolve_text
    from depscan.resolver import make_resolver

    for name in names:
        if not all(part.isidentifier() for part in name.split(".")):
            raise click.BadParameter(f"{name!r} is not a dotted module name", param_hint="NAME")
    if python and python_version:
        raise click.UsageError("give --python or --python-version, not both")
    try:
        if python_version:
            from depscan.tables import interpreter_from_table

            interp = interpreter_from_table(python_version)
        else:
            interp = probe(choose_executable(python, Path.cwd()))
    except InterpreterError as exc:
        raise click.ClickException(str(exc)) from None
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


def _project_root() -> str | None:
    here = Path.cwd()
    for directory in (here, *here.parents):
        if any((directory / marker).exists() for marker in ("pyproject.toml", "setup.py", "setup.cfg", ".git")):
            return str(directory)
    return None


def main(argv: Iterable[str] | None = None) -> None:
    cli.main(args=list(argv) if argv is not None else None, prog_name="depscan")
