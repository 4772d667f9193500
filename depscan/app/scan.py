"""``depscan scan``, ``why`` and ``importers``: a scan of the program, then its report or a query.

The stored answer is looked up first (:mod:`depscan.app.stored`); the analysis
and its formats are imported only when there is none, so a warm run loads none of
them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from depscan.app.settings import Options, Outcome, Progress, Settings, settings
from depscan.app.stored import stored
from depscan.atomic import lines_shown, write_atomic
from depscan.errors import OutputError, UsageError
from depscan.output.formats import RENDERED, diagram_format, diagram_problem

if TYPE_CHECKING:
    from depscan.analysis.graph import Cycle
    from depscan.analysis.scan import ScanOptions, ScanResult
    from depscan.analysis.view import View
    from depscan.model.conditions import Target
    from depscan.model.records import Extraction
    from depscan.resolve.interpreter import Interpreter

# The analysis and the formats are imported inside the functions below, after the stored
# answer was looked for: a warm run answers in a tenth of a second, and they would add a third.

DOT_TIMEOUT_VARIABLE = "DEPSCAN_DOT_TIMEOUT"


@dataclass(frozen=True)
class Diagram:
    """``--graph FILE``: where, and what to show (see :class:`depscan.analysis.detail.Choice`)."""

    path: str
    include_stdlib: bool = False
    full: bool = False
    depth: int | None = None
    focus: str | None = None
    radius: int | None = None
    reduce: bool = False

    def problem(self) -> str | None:
        """What is wrong with the options, said before the scan (None when nothing)."""
        if self.full and (self.depth is not None or self.focus is not None):
            return "--full draws every module: it goes with neither --depth nor --focus"
        if self.radius is not None and self.focus is None:
            return "--radius is the reach of --focus: give --focus MODULE"
        for name, value in (("--depth", self.depth), ("--radius", self.radius)):
            if value is not None and value < 1:
                return f"{name} {value}: give a number of 1 or more"
        return diagram_problem(self.path)


Drawing = Callable[[str], AbstractContextManager[object]]
"""Told what Graphviz is drawing while it runs (a progress line on a terminal)."""


def scan_settings(options: Options) -> Settings:
    """The settings of a scan, checked before anything is read."""
    if not options.targets and not options.modules:
        raise UsageError("name a script, a package or source directory, a zip archive, or -m MODULE")
    return settings("scan", options)


def run_scan(
    options: Options, diagram: Diagram | None = None, progress: Progress | None = None, drawing: Drawing | None = None
) -> Outcome:
    """``depscan scan``: the report (text or JSON), the diagram written when asked for (``drawing``
    told while Graphviz draws it)."""
    if diagram is not None:
        problem = diagram.problem()
        if problem is not None:
            raise UsageError(problem if problem.startswith("--") else f"--graph: {problem}")
        dot_timeout()  # a bad DEPSCAN_DOT_TIMEOUT is said before the scan
    where = scan_settings(options)
    answer = stored(
        where,
        {
            "report": options.output_format,
            "diagram": diagram and [os.path.abspath(diagram.path), *dataclasses.astuple(diagram)[1:]],
            "dot": _dot_key(diagram),
        },
    )
    found = answer.load()
    if found is not None:
        if diagram is not None and found.diagram is not None:
            _write_if_changed(diagram.path, found.diagram)
        return Outcome(found.report, [found.summary] if found.summary else [], found.status)

    from depscan.analysis.graph import cycles
    from depscan.output.report import scan_json, scan_text
    from depscan.perf.memory import keep_to_the_end
    from depscan.perf.runcache import Answer

    result = scan_program(where, progress)
    from depscan.analysis.check import excused

    result.excused, result.failing = excused(result.interpreter, where.check_settings(), result)  # the check's rules
    found_cycles = cycles(result)
    as_json = options.output_format == "json"
    report = scan_json(result, found_cycles) if as_json else lines_shown(scan_text(result, found_cycles))
    notes: list[str] = []
    drawn = None
    if diagram is not None:
        drawn, note = _draw(result, found_cycles, diagram, options, drawing)
        notes.append(note)
    status = 0 if result.roots else 1  # nothing could be scanned: the report says why
    answer.keep(
        Answer(report, notes[0] if notes else None, status, drawn), result.depends_on(), result.resolver.fs.listings
    )
    keep_to_the_end(result)  # (the report is made: keeping the model costs no memory at its peak)
    return Outcome(report, notes, status)


def scan_program(settings_: Settings, progress: Progress | None = None) -> ScanResult:
    """The scan of the program the settings name."""
    from depscan.analysis.scan import scan

    options = settings_.options
    interp = settings_.interpreter()
    with scan_options(settings_, _target(settings_, interp)) as chosen:
        return scan(
            interp,
            options.targets,
            modules=options.modules,
            paths=settings_.search_paths,
            options=chosen,
            use_pythonpath=not options.no_pythonpath,
            project_root=settings_.project,
            progress=progress,
        )


@contextmanager
def scan_options(settings_: Settings, target: Target | None = None) -> Iterator[ScanOptions]:
    """The scan's options (what to follow, the guards' target), reading modules through the
    extraction cache when there is one (closed on the way out), and a package's or a source tree's
    modules all at once, over processes when they are many (``-j``; not without the fast paths)."""
    from depscan.analysis.scan import ScanOptions

    options = settings_.options
    cache = None
    if settings_.cache_dir is not None:
        from depscan.perf.cache import ExtractionCache, extract_cached

        cache = ExtractionCache(settings_.cache_dir)
    try:
        yield ScanOptions(
            follow_stdlib=options.follow_stdlib,
            follow_third_party="third_party" not in options.no_follow,
            max_depth=options.max_depth,
            include=options.include,
            exclude=options.exclude,
            target=target,
            read=partial(extract_cached, cache) if cache is not None else None,
            read_many=partial(_read_many, cache, options.jobs) if settings_.fast else None,
            oldest=min(settings_.versions) if settings_.versions else None,
        )
    finally:
        if cache is not None:
            cache.close()


def _read_many(
    cache: object,
    jobs: int | None,
    keys: list[tuple[str, str, bool]],
    max_bytes: int | None,
    told: Callable[[int], object] | None,
) -> dict[tuple[str, str, bool], Extraction]:
    from depscan.perf.early import extract_all

    return extract_all(keys, cache, jobs, max_bytes, told)


def _target(settings_: Settings, interp: Interpreter) -> Target | None:
    """What guards are evaluated for: the one version and platform the code runs on, unknown where
    the configuration and options name several; None (the interpreter's own) when they name none."""
    from depscan.model.conditions import Target

    if not settings_.versions and not settings_.platforms:
        return None
    versions: set[tuple[int, ...]] = set(settings_.versions) or {interp.version[:2]}
    platforms = set(settings_.platforms) or {interp.platform}
    version = next(iter(versions)) if len(versions) == 1 else None
    platform = next(iter(platforms)) if len(platforms) == 1 else None
    return Target.for_platform(version, platform, interp.implementation)


def why(options: Options, module: str, progress: Progress | None = None) -> Outcome:
    """``depscan why``: the shortest import chains from the target to ``module``; status 1 when
    there is none."""
    from depscan.analysis.graph import why as chains_to
    from depscan.output.report import why_json, why_text

    result = scan_program(scan_settings(options), progress)
    chains = chains_to(result, module) if module in result.graph else []
    if not chains:
        return _not_imported(options, module, result)
    report = why_json(module, chains) if options.output_format == "json" else lines_shown(why_text(chains))
    return Outcome(report, [])


def importers(options: Options, module: str, transitive: bool, progress: Progress | None = None) -> Outcome:
    """``depscan importers``: the modules that import ``module`` (directly, or through any chain);
    status 1 when the program does not import it."""
    from depscan.analysis.graph import importers as importers_of
    from depscan.output.report import importers_json, importers_text

    result = scan_program(scan_settings(options), progress)
    if module not in result.graph:
        return _not_imported(options, module, result)
    graph = result.graph
    found = [
        (name, graph.edges[name, module].get("sites", []) if graph.has_edge(name, module) else [])
        for name in importers_of(result, module, transitive)
    ]
    as_json = options.output_format == "json"
    report = importers_json(module, transitive, found) if as_json else lines_shown(importers_text(found))
    return Outcome(report, [])


def _not_imported(options: Options, module: str, result: ScanResult) -> Outcome:
    """The answer when the program does not import ``module``: said, status 1 (as grep finding nothing)."""
    target = options.targets[0]
    if module in result.graph:
        said = f"no import chain from {target} to {module!r}"
    else:
        said = f"{module!r} is not imported by {target} (directly or indirectly)"
    return Outcome("", [f"depscan: {said}"], 1)


def _draw(
    result: ScanResult, found_cycles: list[Cycle], diagram: Diagram, options: Options, drawing: Drawing | None
) -> tuple[bytes, str]:
    """Write the diagram; what was written, and the lines that say so."""
    from depscan.analysis.detail import Choice
    from depscan.analysis.view import diagram_view
    from depscan.output.diagram import diagram_lines, write_diagram

    if diagram.focus is not None and diagram.focus not in result.graph_data:
        raise UsageError(f"--focus: {diagram.focus!r} is not imported by the program (directly or indirectly)")
    choice = Choice(
        depth=diagram.depth,
        focus=diagram.focus,
        radius=diagram.radius or 1,
        full=diagram.full,
        include_stdlib=diagram.include_stdlib,
        reduce=diagram.reduce,
    )
    view = diagram_view(result, found_cycles, choice)
    named = [os.path.basename(t.rstrip(os.sep)) for t in options.targets] + list(options.modules)
    title = ", ".join(named[:3]) + (" ..." if len(named) > 3 else "")
    waiting = drawing if drawing is not None and diagram_format(diagram.path) in RENDERED else None
    try:
        with waiting(_drawing_what(view)) if waiting is not None else nullcontext():
            if diagram_format(diagram.path) == "html":
                _write_page(diagram.path, result, found_cycles, view, title)
            else:
                write_diagram(diagram.path, view, title, dot_timeout())
        with open(diagram.path, "rb") as handle:
            drawn = handle.read()
    except OSError as exc:
        raise OutputError(diagram.path, exc.strerror or str(exc)) from None
    return drawn, "\n".join(diagram_lines(diagram.path, view))


def _write_page(path: str, result: ScanResult, found_cycles: list[Cycle], view: View, title: str) -> None:
    """``--graph out.html``: the interactive page of ``view``, with the whole scan to explore."""
    from depscan.analysis.explore import explore_data
    from depscan.output.html_view import viewer_page

    write_atomic(path, viewer_page(explore_data(result, found_cycles, view, title)))


def _drawing_what(view: View) -> str:
    return f"Drawing {len(view.nodes)} nodes and {len(view.edges)} edges with Graphviz"


def _dot_key(diagram: Diagram | None) -> list[object] | None:
    """Which Graphviz draws the diagram (a new one may draw it otherwise)."""
    if diagram is None or diagram_format(diagram.path) not in RENDERED:
        return None
    import shutil

    from depscan.perf.runcache import signature

    found = shutil.which("dot")
    return [found, signature(found) if found else None]


def dot_timeout() -> float:
    """How long Graphviz may take to draw: ``DEPSCAN_DOT_TIMEOUT`` seconds, else the default."""
    from depscan.output.diagram import DOT_TIMEOUT

    text = os.environ.get(DOT_TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DOT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise UsageError(f"{DOT_TIMEOUT_VARIABLE}={text!r}: give a positive number of seconds")
    return seconds


def _write_if_changed(path: str, data: bytes) -> None:
    """Write ``path`` atomically, unless it holds ``data`` already."""
    from depscan.source import read_bytes

    if read_bytes(path, max_bytes=len(data)) == data:  # a FIFO or /dev/zero there is not read
        return
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from None
