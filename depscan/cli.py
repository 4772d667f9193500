"""The ``depscan`` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator

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


def main(argv: Iterable[str] | None = None) -> None:
    cli.main(args=list(argv) if argv is not None else None, prog_name="depscan")
