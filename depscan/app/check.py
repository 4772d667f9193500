"""``depscan check``: the project's imports that cannot be found, as findings.

An unchanged tree gets its stored answer at once (:mod:`depscan.app.stored`). Else
the walk and the extraction start (:func:`depscan.perf.early.begin`) before the
checker's modules are imported, so that workers parse meanwhile; with the fast
paths off, the files are walked and read plainly, here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from depscan import DEFAULT_MAX_BYTES, __version__
from depscan.app.settings import Options, Outcome, Settings, settings
from depscan.app.stored import Stored, stored
from depscan.output import jsonfmt
from depscan.perf.runcache import Previous

# The checker's modules are imported inside check() once the stored answer was looked for and
# the extraction started: a warm run needs none of them (a third of its time).


def check(options: Options) -> Outcome:
    """Check the files named (``options.targets``), else the whole project."""
    paths = options.targets
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        from depscan.errors import UsageError

        raise UsageError(f"no such file or directory: {missing[0]}")
    merged = settings("check", options)
    files = [p for p in paths if os.path.isdir(p) or p.endswith(".py")] if paths else None
    if paths and not files:
        return Outcome("", [])  # pre-commit may pass only non-Python files: nothing to check
    choice = merged.choice()  # an interpreter that cannot be told is an error before any work
    answer = stored(merged, {"paths": list(paths)})
    found = answer.load()
    if found is not None:
        return Outcome(
            _said(found.report, options.output_format, "stored"), [found.summary] if found.summary else [], found.status
        )
    if merged.fast and merged.cache_dir:
        updated = _updated(answer, merged, options.output_format)
        if updated is not None:
            return updated

    from depscan.analysis.check import Extractions, Plain
    from depscan.analysis.check import check as check_files
    from depscan.analysis.project import walk

    config = merged.config
    check_settings = merged.check_settings()
    if merged.fast:
        from depscan.perf.early import begin

        extractions: Extractions = begin(check_settings, files, merged.cache_dir, options.jobs)
    else:
        extractions = Plain(walk(check_settings, files))
    try:
        from depscan.resolve.describe import interpreter_of

        interp = interpreter_of(choice, options.probe_python)
        result = check_files(interp, check_settings, files, extractions, keep_state=answer.runs is not None)
    finally:
        extractions.close()
    # The report needs only the findings: the scan's model (most of the memory of a large tree's
    # check) goes before the report is made, which is the other peak.
    result.scan = None

    from depscan.output.check import formatted, summary_line
    from depscan.perf.runcache import Answer

    report = formatted(result, options.output_format, __version__)
    summary = summary_line(result) if result.findings else None
    status = 1 if result.errors else 0
    depends_on = [*result.depends_on, *([config.file] if config.file else [])]
    state = None if result.state is None else json.dumps(result.state, separators=(",", ":")).encode()
    answer.keep(Answer(report, summary, status, state=state), depends_on, result.listings)
    return Outcome(report, [summary] if summary else [], status)


def _updated(answer: Stored, merged: Settings, output_format: str) -> Outcome | None:
    """The stored answer updated, when all that changed since it was made is the content of some
    checked files, and not their interface (see :func:`depscan.analysis.check.updated_findings`):
    only those files are read. None when a whole check is needed."""
    from depscan.analysis.check import state_files
    from depscan.perf.cache import ExtractionCache

    previous = answer.previous()
    if previous is None or previous.answer.state is None or not previous.changed:
        return None
    try:
        state = json.loads(previous.answer.state)
        files = state_files(state)
    except (KeyError, TypeError, ValueError, IndexError):  # a state this code would not write
        return None
    if files is None or merged.cache_dir is None or any(os.path.abspath(p) not in files for p in previous.changed):
        return None  # a directory, a declaration, a module read for its names: not only checked files
    cache = ExtractionCache(merged.cache_dir)
    try:
        return _update(answer, previous, state, files, cache, merged, output_format)
    except (KeyError, TypeError, ValueError, IndexError):  # a state this code would not write
        return None
    finally:
        cache.close()


def _update(
    answer: Stored,
    previous: Previous,
    state: Mapping[str, Any],
    files: Mapping[str, tuple[str, str, bool]],
    cache: Any,
    merged: Settings,
    output_format: str,
) -> Outcome | None:
    from depscan.analysis.check import CheckResult, updated_findings
    from depscan.extract.walker import extract_bytes
    from depscan.output.check import formatted, summary_line
    from depscan.perf.runcache import Answer
    from depscan.source import read_bytes

    if not cache.enabled:
        return None
    signatures = dict(previous.witness)
    pairs = {}
    rows = []
    for path in previous.changed:
        where = os.path.abspath(path)
        key_path, module, is_package = files[where]
        signature = signatures.get(path)
        # What the answer was made from: the cache's row for the file as the witness saw it.
        old = cache.previous(key_path, module, is_package, signature) if isinstance(signature, list) else None
        data = read_bytes(key_path, DEFAULT_MAX_BYTES)
        if old is None or not isinstance(data, bytes):
            return None
        pairs[where] = (old, extract_bytes(data, module, is_package, key_path))
        rows.append((key_path, module, is_package, pairs[where][1], data))
    found = updated_findings(state, pairs, merged.check_settings().rules)
    if found is None:
        return None
    findings, new_state = found
    result = CheckResult(findings, [key[0] for key in files.values()], None, len(files) - len(pairs), 1)
    report = formatted(result, output_format, __version__)
    summary = summary_line(result) if result.findings else None
    status = 1 if result.errors else 0
    kept = Answer(report, summary, status, state=json.dumps(new_state, separators=(",", ":")).encode())
    if answer.keep_updated(kept, previous):
        cache.put_many(rows)  # the rows the kept answer was made from, for the next update
    return Outcome(_said(report, output_format, "updated"), [summary] if summary else [], status)


def _said(report: str, output_format: str, how: str) -> str:
    """A JSON report given back stored, or updated from a stored one, says so (``"answer"`` in its
    summary)."""
    if output_format != "json":
        return report
    document = json.loads(report)
    document["summary"] = {**document["summary"], "answer": how}
    return jsonfmt.dumps(document)
