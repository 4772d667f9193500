"""The check's reports: text (path:line:col), GitHub annotations, JSON and SARIF."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from depscan.analysis.check import CHECK_SCHEMA_VERSION, CheckResult, Finding
from depscan.atomic import lines_shown, one_line
from depscan.model.diagnostics import CATALOGUE
from depscan.output import jsonfmt, sarif
from depscan.source import shown_path


def format_text(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        tag = f" [{f.severity}]" if f.severity != "error" else ""
        lines.append(f"{one_line(shown_path(f.path))}:{f.line}:{f.col}: {f.code}{tag} {f.message}")
    return "".join(line + "\n" for line in lines)


def format_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: annotations on the pull request's lines."""

    def escape(value: str, property_value: bool = False) -> str:
        value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        if property_value:
            value = value.replace(":", "%3A").replace(",", "%2C")
        return value

    lines = []
    for f in findings:
        command = "error" if f.severity == "error" else "warning"
        properties = f"file={escape(shown_path(f.path), True)},line={f.line},col={f.col},title={f.code} {f.name}"
        lines.append(f"::{command} {properties}::{escape(f.message)}")
    return "".join(line + "\n" for line in lines)


def format_json(result: CheckResult, version: str) -> str:
    data = {
        "schema": "depscan/check",
        "schema_version": CHECK_SCHEMA_VERSION,
        "depscan_version": version,
        "summary": summary_counts(result),
        "findings": [dict(f.to_json(), path=shown_path(f.path)) for f in result.findings],
    }
    return jsonfmt.dumps(data)


def format_sarif(result: CheckResult, version: str) -> str:
    """SARIF 2.1.0, for code scanning: one run, the catalogue's rules, a result per finding."""
    rules = {
        code: sarif.Rule(code, entry.summary, name=entry.name, level=entry.severity)
        for code, entry in CATALOGUE.items()
    }
    results = (sarif.Result(f.code, f.severity, f.message, f.path, f.line, f.col) for f in result.findings)
    return sarif.sarif("depscan", version, rules, results)


def summary_counts(result: CheckResult) -> dict[str, int]:
    return {
        "files": len(result.files),
        "cached": result.cached,
        "processes": result.processes,
        "findings": len(result.findings),
        "errors": len(result.errors),
        "warnings": len(result.findings) - len(result.errors),
    }


def summary_line(result: CheckResult) -> str:
    counts = summary_counts(result)
    files_with = len({f.path for f in result.findings})
    noun = "finding" if counts["findings"] == 1 else "findings"
    where = f" in {files_with} file{'s' if files_with != 1 else ''}" if counts["findings"] else ""
    checked = f"{counts['files']} file{'s' if counts['files'] != 1 else ''} checked"
    return f"depscan check: {counts['findings']} {noun}{where} ({checked})"


def formatted(result: CheckResult, output_format: str, version: str) -> str:
    """The report in one of the formats: text, json, sarif, github."""
    formats: dict[str, Callable[[], str]] = {
        # (a text report shows the control characters of what it quotes as escapes: see lines_shown)
        "text": lambda: lines_shown(format_text(result.findings)),
        "json": lambda: format_json(result, version),
        "sarif": lambda: format_sarif(result, version),
        "github": lambda: lines_shown(format_github(result.findings)),
    }
    return formats[output_format]()
