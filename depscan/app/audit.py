"""``depscan audit``: what vendored or third-party code can load and do, in every format.

The audit reads the auditor's configuration (where it runs, or ``--config``),
never the audited tree's own: a tree cannot widen its own audit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from depscan.analysis.audit import Audit, BaselineError, Changes, audit, compare, load_baseline, nothing_audited
from depscan.analysis.environment import Shipment, shipment
from depscan.app.scan import scan_options
from depscan.app.settings import Options, Outcome, Settings, settings
from depscan.atomic import write_atomic
from depscan.errors import DepscanError, OutputError, UsageError
from depscan.output import jsonfmt
from depscan.output.audit import audit_sarif, audit_text, changes_text
from depscan.output.review import update_text
from depscan.resolve.finders import ZipDirectory
from depscan.resolve.interpreter import Interpreter
from depscan.resolve.tables import interpreter_from_table

if TYPE_CHECKING:
    from depscan.output.html_view import Viewer


def run_audit(
    options: Options,
    baseline: str | None = None,
    fail_on: Sequence[str] = (),
    output: str | None = None,
    installed: bool = False,
) -> Outcome:
    """Audit ``options.targets`` (a directory of wheels: each wheel); with ``installed``, every distribution
    of the named Python's environment too. With ``baseline``, say what changed since, and fail (status 1)
    on the ``fail_on`` conditions. ``output`` is where the report goes (``-o``; None: standard output):
    a Markdown comment cut short to fit has the whole report written beside it."""
    if fail_on and not baseline:
        raise UsageError("--fail-on needs --baseline OLD.json to compare with")
    if not options.targets and not installed:
        raise UsageError("name a PATH to audit (or --installed, with --python PY)")
    old = None
    if baseline:
        try:
            old = load_baseline(baseline)
        except BaselineError as exc:
            raise DepscanError(str(exc)) from None
    merged = settings("audit", options, config_from=os.getcwd())
    interp, chosen_by = _target_python(merged)
    found = _shipment(options.targets, interp if installed else None)
    try:
        with scan_options(merged) as chosen:
            report = audit(
                interp,
                found.targets,
                merged.versions,
                dict(merged.config.capabilities),
                chosen,
                project_root=merged.project,
                modules=options.modules,
                paths=merged.search_paths,
                use_pythonpath=chosen_by is not None and not options.no_pythonpath,
                chosen_by=chosen_by,
                shipment=found if installed or found.wheels else None,
            )
    except ValueError as exc:  # a bad [tool.depscan.capabilities] table
        raise DepscanError(str(exc)) from None
    empty = nothing_audited(report, options.modules)
    if empty:
        raise UsageError(f"nothing to audit: {'; '.join(empty)}")
    changes = compare(old, report) if old is not None else None
    notes = [f"depscan audit: {problem}" for problem in found.problems]
    text = _formatted(report, changes, options.output_format, notes, output)
    status = 0
    if changes is not None:
        met = changes.conditions() & set(fail_on)
        if met:
            notes.append(f"depscan audit: {', '.join(sorted(met))} since {baseline}")
            status = 1
    if report.unanalysed:
        count = len(report.unanalysed)
        notes.append(f"depscan audit: {count} module{'s' * (count != 1)} could not be analysed")
        status = 1
    return Outcome(text, notes, status)


def _target_python(merged: Settings) -> tuple[Interpreter, str | None]:
    """The interpreter the auditor named (``--python``) or configured (``python`` in the auditor's
    configuration), and who chose it. Else none: the audit describes the tree and the standard
    library of the running Python's version, from depscan's tables (as ``--python X.Y``), never
    depscan's own environment (its site-packages, ``.pth`` files, ``$VIRTUAL_ENV``, a ``.venv``)."""
    if merged.options.python is not None or merged.config.python is not None:
        return merged.interpreter(), merged.choice().chosen_by
    if merged.options.probe_python:
        raise UsageError("--probe-python runs the interpreter named with --python; the audit names none")
    return interpreter_from_table(f"{sys.version_info[0]}.{sys.version_info[1]}"), None


def _shipment(targets: Sequence[str], interp: Interpreter | None) -> Shipment:
    """The targets, each directory of wheels as its wheels, and with ``interp`` (``--installed``) its
    environment's site directories; the distributions of both. The environment is the one the auditor
    named: with no interpreter named the audit describes no environment, and ``--installed`` has none."""
    if interp is not None and interp.from_tables:
        raise UsageError("--installed audits the environment of the Python named with --python PY; none is named")
    zips = ZipDirectory()
    try:
        return shipment(targets, interp, zips)
    finally:
        zips.close()


def _formatted(
    report: Audit, changes: Changes | None, output_format: str, notes: list[str], output: str | None = None
) -> str:
    """The report in one of the formats; the HTML page with the diagram (a note when there is none)."""
    changes_part = changes_text(changes) if changes is not None else ""
    formats: dict[str, Callable[[], str]] = {
        "text": lambda: (update_text(changes) if changes is not None else "") + audit_text(report) + changes_part,
        "json": lambda: jsonfmt.dumps(_document(report, changes)),
        "markdown": lambda: _markdown(report, changes, notes, output),
        "sarif": lambda: audit_sarif(report),
        "html": lambda: _html(report, changes),
    }
    return formats[output_format]()


def _markdown(report: Audit, changes: Changes | None, notes: list[str], output: str | None) -> str:
    """The comment, under GitHub's limit; when rows had to be left out, the whole report is written
    beside ``output`` (``audit.md``: ``audit.full.md``), and the comment's note names it."""
    from depscan.output.audit_markdown import COMMENT_LIMIT, audit_markdown

    whole = audit_markdown(report, changes, limit=None)
    if len(whole) <= COMMENT_LIMIT:
        return whole
    full_report = full_report_name(output) if output else None
    if full_report is not None:
        try:
            write_atomic(full_report, whole)
        except OSError as exc:
            raise OutputError(full_report, exc.strerror or str(exc)) from None
    notes.append(
        f"depscan audit: the comment leaves out rows to fit {COMMENT_LIMIT:,} characters; "
        + (f"the whole report is in {full_report}" if full_report else "-o FILE writes the whole report beside it")
    )
    return audit_markdown(report, changes, full_report=full_report)


def full_report_name(output: str) -> str:
    """Where the whole Markdown report goes beside a comment written to ``output`` (``audit.md``: ``audit.full.md``)."""
    root, extension = os.path.splitext(output)
    return f"{root}.full{extension or '.md'}"


def _document(report: Audit, changes: Changes | None) -> dict[str, Any]:
    document = report.to_json()
    if changes is not None:
        document["changes"] = changes.to_json()
    return document


def _html(report: Audit, changes: Changes | None) -> str:
    from depscan.output.audit_html import audit_html

    return audit_html(_document(report, changes), _audit_viewer(report))


def _audit_viewer(report: Audit) -> Viewer:
    """The interactive diagram of the audited code (the viewer of ``--graph out.html``)."""
    from depscan.analysis.explore import explore_data
    from depscan.analysis.graph import cycles
    from depscan.analysis.view import diagram_view
    from depscan.output.html_view import viewer

    found = cycles(report.scan)
    return viewer(explore_data(report.scan, found, diagram_view(report.scan, found), ", ".join(report.targets)))
