"""``depscan audit``: what vendored or third-party code can load and do, in every format.

The audit reads the auditor's configuration (where it runs, or ``--config``),
never the audited tree's own: a tree cannot widen its own audit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from depscan.app.scan import scan_options
from depscan.app.settings import Options, Outcome, Settings, settings
from depscan.app.stored import stored
from depscan.atomic import lines_shown, one_line, write_atomic
from depscan.errors import DepscanError, OutputError, UsageError
from depscan.source import shown_path

if TYPE_CHECKING:
    from depscan.analysis.audit import Audit, Changes
    from depscan.analysis.environment import Shipment
    from depscan.output.html_view import Viewer
    from depscan.resolve.interpreter import Interpreter

# The analysis and the formats are imported inside the functions below, after the stored answer
# was looked for: a warm audit answers in a tenth of a second, and they would add a tenth more.


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
    a Markdown comment cut short to fit has the whole report written beside it.

    The answer is stored (:mod:`depscan.app.stored`) with a witness of everything the audit read,
    the whole audited tree's files included (:meth:`depscan.analysis.audit.Audit.read_from`); the
    baseline is read afresh each time, its contents part of the key."""
    if fail_on and not baseline:
        raise UsageError("--fail-on needs --baseline OLD.json to compare with")
    if not options.targets and not installed:
        raise UsageError("name a PATH to audit (or --installed, with --python PY)")
    audited = [target for target in options.targets if os.path.isdir(target)]
    merged = settings("audit", options, config_from=os.getcwd(), distrusted=audited)
    baseline_digest = _digest(baseline)
    answer = stored(
        merged,
        {
            "baseline": baseline_digest,
            "fail_on": sorted(fail_on),
            "installed": installed,
            "output": os.path.abspath(output) if output else None,
            "tables": list(sys.version_info[:2]),  # the standard library's when no interpreter is named
        },
    )
    found = answer.load()
    if found is not None:
        if found.diagram is not None and output:
            _write_full(full_report_name(output), found.diagram.decode("utf-8", "surrogatepass"))
        return Outcome(found.report, found.summary.split("\n") if found.summary else [], found.status)
    from depscan.perf.runcache import Answer

    outcome, report, whole = _audited(merged, baseline, fail_on, output, installed)
    if _digest(baseline) == baseline_digest:  # (not one changed while the audit ran)
        # The audited tree's directories are signed whole, not by the names an import could find:
        # a .dll or an executable added there changes the inventory of the tree's files.
        read = [*report.read_from(), *map(os.path.abspath, options.targets)]  # (a directory of wheels)
        whole_signed = set(read)
        listings = {d: names for d, names in report.scan.resolver.fs.listings.items() if d not in whole_signed}
        beside = whole.encode("utf-8", "surrogatepass") if whole is not None else None
        kept = Answer(outcome.report, "\n".join(outcome.notes) or None, outcome.status, beside)
        answer.keep(kept, [*report.scan.depends_on(), *read], listings)
    return outcome


def _digest(baseline: str | None) -> object:
    """The baseline's size and hash (or why it cannot be read), for the stored answer's key."""
    if baseline is None:
        return None
    from depscan.source import digest

    found = digest(baseline)
    return list(found) if isinstance(found, tuple) else found.message


def _audited(
    merged: Settings, baseline: str | None, fail_on: Sequence[str], output: str | None, installed: bool
) -> tuple[Outcome, Audit, str | None]:
    """The audit, and its outcome; and the whole Markdown report when it was written beside ``output``."""
    from depscan.analysis.audit import BaselineError, audit, compare, load_baseline, nothing_audited

    options = merged.options
    old = None
    if baseline:
        try:
            old = load_baseline(baseline)
        except BaselineError as exc:
            raise DepscanError(str(exc)) from None
    interp, chosen_by = _target_python(merged)
    found = _shipment(options.targets, interp if installed else None)
    facts = None
    if merged.cache_dir is not None:
        from depscan.perf.auditfacts import AuditFacts

        facts = AuditFacts(merged.cache_dir)
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
                remember=facts.remember if facts is not None else None,
            )
    except ValueError as exc:  # a bad [tool.depscan.capabilities] table
        raise DepscanError(str(exc)) from None
    if facts is not None:
        facts.close()
    empty = nothing_audited(report, options.modules)
    if empty:
        raise UsageError(f"nothing to audit: {'; '.join(empty)}")
    changes = compare(old, report) if old is not None else None
    notes = [f"depscan audit: {one_line(problem)}" for problem in found.problems]
    if merged.unread is not None and _mentions_depscan(merged.unread):
        shown = one_line(shown_path(merged.unread))
        notes.insert(0, f"depscan audit: {shown} is in the audited tree: its configuration is not read (--config FILE)")
    beside: list[str] = []
    text = _formatted(report, changes, options.output_format, notes, output, beside)
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
    return Outcome(text, notes, status), report, beside[0] if beside else None


def _target_python(merged: Settings) -> tuple[Interpreter, str | None]:
    """The interpreter the auditor named (``--python``) or configured (``python`` in the auditor's
    configuration), and who chose it. Else none: the audit describes the tree and the standard
    library of the running Python's version, from depscan's tables (as ``--python X.Y``), never
    depscan's own environment (its site-packages, ``.pth`` files, ``$VIRTUAL_ENV``, a ``.venv``)."""
    if merged.options.python is not None or merged.config.python is not None:
        return merged.interpreter(), merged.choice().chosen_by
    if merged.options.probe_python:
        raise UsageError("--probe-python runs the interpreter named with --python; the audit names none")
    from depscan.resolve.tables import interpreter_from_table

    return interpreter_from_table(f"{sys.version_info[0]}.{sys.version_info[1]}"), None


def _mentions_depscan(path: str) -> bool:
    """Whether the configuration file left unread has anything for depscan (read as any file of the
    tree is: bounded, never a FIFO), so that the note is not said of every project's pyproject.toml."""
    from depscan.source import CONFIG_MAX_BYTES, read_bytes

    data = read_bytes(path, CONFIG_MAX_BYTES)
    return not isinstance(data, bytes) or b"depscan" in data


def _shipment(targets: Sequence[str], interp: Interpreter | None) -> Shipment:
    """The targets, each directory of wheels as its wheels, and with ``interp`` (``--installed``) its
    environment's site directories; the distributions of both. The environment is the one the auditor
    named: with no interpreter named the audit describes no environment, and ``--installed`` has none."""
    if interp is not None and interp.from_tables:
        raise UsageError("--installed audits the environment of the Python named with --python PY; none is named")
    from depscan.analysis.environment import shipment
    from depscan.resolve.finders import ZipDirectory

    zips = ZipDirectory()
    try:
        return shipment(targets, interp, zips)
    finally:
        zips.close()


def _formatted(
    report: Audit,
    changes: Changes | None,
    output_format: str,
    notes: list[str],
    output: str | None = None,
    beside: list[str] | None = None,
) -> str:
    """The report in one of the formats; the HTML page with the diagram (a note when there is none).
    A whole Markdown report written beside ``output`` is added to ``beside``."""
    from depscan.output import jsonfmt
    from depscan.output.audit import audit_sarif, audit_text, changes_text
    from depscan.output.review import update_text

    changes_part = changes_text(changes) if changes is not None else ""
    formats: dict[str, Callable[[], str]] = {
        "text": lambda: lines_shown(
            (update_text(changes) if changes is not None else "") + audit_text(report) + changes_part
        ),
        "json": lambda: jsonfmt.dumps(_document(report, changes)),
        "markdown": lambda: _markdown(report, changes, notes, output, beside if beside is not None else []),
        "sarif": lambda: audit_sarif(report),
        "html": lambda: _html(report, changes),
    }
    return formats[output_format]()


def _markdown(report: Audit, changes: Changes | None, notes: list[str], output: str | None, beside: list[str]) -> str:
    """The comment, under GitHub's limit; when rows had to be left out, the whole report is written
    beside ``output`` (``audit.md``: ``audit.full.md``, and added to ``beside``), and the comment's
    note names it."""
    from depscan.output.audit_markdown import COMMENT_LIMIT, audit_markdown

    whole = audit_markdown(report, changes, limit=None)
    if len(whole) <= COMMENT_LIMIT:
        return whole
    full_report = full_report_name(output) if output else None
    if full_report is not None:
        _write_full(full_report, whole)
        beside.append(whole)
    notes.append(
        f"depscan audit: the comment leaves out rows to fit {COMMENT_LIMIT:,} characters; "
        + (f"the whole report is in {full_report}" if full_report else "-o FILE writes the whole report beside it")
    )
    return audit_markdown(report, changes, full_report=full_report)


def _write_full(path: str, whole: str) -> None:
    try:
        write_atomic(path, whole)
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from None


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
