"""``depscan imports`` and ``depscan resolve``: one file's imports, and where names are found."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from depscan.app.settings import Options, Outcome, settings
from depscan.atomic import lines_shown
from depscan.errors import UsageError
from depscan.extract.walker import extract_file
from depscan.model.records import Extraction
from depscan.output.render import imports_json, imports_summary, imports_text, resolve_json, resolve_text
from depscan.resolve.resolver import make_resolver
from depscan.source import expand_paths, forget_directories

# How the files of `depscan imports` are gone through: one after another, or under a progress bar.
Progressing = Callable[[Sequence[str]], Iterable[str]]


def imports(
    paths: Sequence[str],
    output_format: str,
    module_name: str | None,
    max_file_size: int,
    progressing: Progressing | None = None,
) -> Outcome:
    """The imports of each file (a directory: its ``.py`` files); status 1 when one could not be read."""
    forget_directories()  # (a command sees the tree as it is now: see depscan.source)
    files = expand_paths(list(paths))
    if not files:
        raise UsageError("no Python files found in the given directories")
    if module_name is not None and len(files) != 1:
        raise UsageError("--module names one module: give exactly one FILE")
    going = progressing(files) if progressing is not None else files
    extractions = list(_extracted(going, module_name, max_file_size))
    report = imports_json(extractions) if output_format == "json" else lines_shown(imports_text(extractions))
    return Outcome(report, [imports_summary(extractions)], 0 if all(e.ok for e in extractions) else 1)


def _extracted(files: Iterable[str], module_name: str | None, max_file_size: int) -> Iterator[Extraction]:
    for path in files:
        yield extract_file(path, module_name, None, max_file_size)


def resolve(names: Sequence[str], options: Options) -> Outcome:
    """Where the target Python would find each name; status 1 when one is not found."""
    for name in names:
        if not all(part.isidentifier() for part in name.split(".")):
            raise UsageError(f"NAME: {name!r} is not a dotted module name")
    merged = settings("resolve", options)
    interp = merged.interpreter()
    resolver = make_resolver(
        interp, merged.search_paths, use_pythonpath=not options.no_pythonpath, project_root=merged.project
    )
    results = [resolver.resolve(name) for name in names]
    shadows = {r.name: resolver.shadowed(r.name) for r in results if r.found and "." not in r.name}
    if options.output_format == "json":
        report = resolve_json(results, shadows, interp, resolver)
    else:
        report = lines_shown(resolve_text(results, shadows, interp, resolver))
    notes = [f"warning: {diagnostic}" for diagnostic in resolver.diagnostics]
    return Outcome(report, notes, 1 if any(not r.found for r in results) else 0)
