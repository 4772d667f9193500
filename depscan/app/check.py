"""``depscan check``: the project's imports that cannot be found, as findings.

An unchanged tree gets its stored answer at once (:mod:`depscan.app.stored`). Else
the walk and the extraction start (:func:`depscan.perf.early.begin`) before the
checker's modules are imported, so that workers parse meanwhile; with the fast
paths off, the files are walked and read plainly, here.
"""

from __future__ import annotations

import json
import os

from depscan import __version__
from depscan.app.settings import Options, Outcome, settings
from depscan.app.stored import stored
from depscan.output import jsonfmt

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
            _said_stored(found.report, options.output_format), [found.summary] if found.summary else [], found.status
        )

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
        result = check_files(interp, check_settings, files, extractions)
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
    answer.keep(Answer(report, summary, status), depends_on, result.listings)
    return Outcome(report, [summary] if summary else [], status)


def _said_stored(report: str, output_format: str) -> str:
    """A stored JSON report says it is one (``"answer": "stored"`` in its summary)."""
    if output_format != "json":
        return report
    document = json.loads(report)
    document["summary"] = {**document["summary"], "answer": "stored"}
    return jsonfmt.dumps(document)
