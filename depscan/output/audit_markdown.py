"""The audit as Markdown for a pull-request comment, under GitHub's limit of 65,536 characters.

First what a reviewer reads: the summary, what could not be analysed, one row per
package (each vendored package, third-party distribution and package of the tree:
its version and where it is declared, the capabilities its modules reach, its opaque
code and blind spots) and the changes since a baseline; then the detail, each part
in a collapsed ``<details>`` block, the longest (capabilities per module) last. When
the whole does not fit, rows are left out from the end, each block says how many,
and a note names the full report's file (or says how to get one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from depscan.analysis.audit import Audit, Changes
from depscan.atomic import one_line
from depscan.output.audit import file_summary, places, size_text, version_source_text
from depscan.output.review import counts_text, news, versions_text
from depscan.source import shown_path

COMMENT_LIMIT = 65_536  # GitHub's limit for the body of a comment, in characters (counted here in UTF-8 bytes)
_RESERVE = 1_500  # kept for the note at the end, and a line for each part left out whole


@dataclass(frozen=True)
class _Part:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    collapsed: bool = True


def audit_markdown(
    report: Audit, changes: Changes | None = None, *, limit: int | None = COMMENT_LIMIT, full_report: str | None = None
) -> str:
    """The comment; with ``limit`` None, all of it. ``full_report`` names the file that holds all of it, for
    the note a comment cut short ends with (without it, the note says how to make one)."""
    base = _base(report.targets)
    lines = _head(report, base)
    left = None if limit is None else limit - _RESERVE - _length(lines)
    left_out = 0
    for part in _parts(report, changes, _shower(base)):
        block, rows_left_out, left = _block(part, left)
        lines += block
        left_out += rows_left_out
    if left_out:
        lines += ["", _note(report, left_out, full_report)]
    return "\n".join(lines) + "\n"


def _length(lines: Sequence[str]) -> int:
    """In UTF-8 bytes, a line's end counted: never more characters than that (an arrow is three bytes)."""
    return sum(len(line.encode("utf-8", "replace")) + 1 for line in lines)


def _base(targets: Sequence[str]) -> str | None:
    """The directory the comment's paths are relative to: the one the targets are in (``pip`` for
    ``pip/_vendor``, as the files of the tree are named), when they share one."""
    import os

    directories = {os.path.dirname(os.path.abspath(target)) for target in targets}
    return directories.pop() if len(directories) == 1 else None


def _shower(base: str | None) -> Callable[[str | None], str]:
    """Shows a path relative to ``base`` when it is under it, else as :func:`shown_path` does."""
    import os

    def shown(path: str | None) -> str:
        if path and base and path.startswith(base.rstrip(os.sep) + os.sep):
            return path[len(base.rstrip(os.sep)) + 1 :].replace(os.sep, "/")
        return shown_path(path)

    return shown


def _head(report: Audit, base: str | None) -> list[str]:
    summary = report.summary()
    capabilities = ", ".join(f"**{name}** {count}" for name, count in summary["capabilities"].items()) or "none"
    return [
        f"## depscan audit of {_targets(report.targets)}",
        "",
        f"Searched: {_text(report.environment())}."
        + (f" Paths are relative to {_code(base, in_table=False)}." if base else ""),
        "",
        f"{summary['modules']} modules ({summary['audited']} audited), {summary['third_party']} third-party "
        f"distributions, {summary['vendored']} vendored, {summary['opaque']} opaque, {summary['files']} files that "
        f"are not source or data ({summary['files_not_imported']} not imported), {summary['blindspots']} blind "
        f"spots. Modules reaching each capability: {capabilities}."
        + (f" **Not analysed: {summary['unanalysed']}.**" if summary["unanalysed"] else ""),
    ]


TARGETS_SHOWN = 5  # in the heading: a directory of wheels is a target per wheel


def _targets(targets: Sequence[str]) -> str:
    shown = ", ".join(_code(t, in_table=False) for t in targets[:TARGETS_SHOWN])
    more = len(targets) - TARGETS_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _block(part: _Part, left: int | None) -> tuple[list[str], int, int | None]:
    """The part's lines with as many rows as fit in ``left`` characters (None: all), the number of rows
    left out, and the characters left after it. A part none of whose rows fit is one line saying so (the
    reserve has room for those lines)."""
    if part.collapsed:
        opening = ["", f"<details><summary>{part.title} ({len(part.rows)})</summary>", ""]
        closing = ["", "</details>"]
    else:
        opening, closing = ["", f"### {part.title}", ""], []
    if not part.rows:
        lines = ["", f"**{part.title}**: none."] if part.collapsed else [*opening, "None."]
        return lines, 0, _less(left, lines)
    table = ["| " + " | ".join(part.header) + " |", "|" + "---|" * len(part.header)]
    used = _length([*opening, *table, *closing]) + _CUT_NOTE
    if left is not None and used > left:
        lines = ["", f"**{part.title}**: {len(part.rows)} rows left out."]
        return lines, len(part.rows), _less(left, lines)
    shown: list[str] = []
    for row in part.rows:
        line = "| " + " | ".join(_cell(value) for value in row) + " |"
        size = _length([line])
        if left is not None and used + size > left:
            break
        shown.append(line)
        used += size
    cut = len(part.rows) - len(shown)
    note = ["", f"_{cut} more row{'s' * (cut != 1)} left out._"] if cut else []
    lines = [*opening, *table, *shown, *note, *closing]
    return lines, cut, _less(left, lines)


_CUT_NOTE = 40  # "_N more rows left out._", kept free in each block


def _less(left: int | None, lines: Sequence[str]) -> int | None:
    return None if left is None else left - _length(lines)


class _Markup(str):
    """A cell's text that is Markdown already: what the tree gave in it was escaped (:func:`_bold`, :func:`_code`)."""


_ACTIVE = re.compile(r"[\\`*\[\]<>&|~]")


def _text(value: Any) -> str:
    """Text from the tree (a distribution's name, a path, a detail) as Markdown that shows it as it is: each
    character that would start markup (an HTML tag, a link, emphasis, a code span, a table's cell)
    escaped, control characters shown as ``\\xNN``."""
    return _ACTIVE.sub(lambda match: "\\" + match.group(), one_line(str(value if value is not None else "")))


def _bold(value: Any) -> _Markup:
    return _Markup(f"**{_text(value)}**")


def _code(value: Any, *, in_table: bool = True) -> _Markup:
    """A code span showing ``value``: fenced by more backticks than it holds in a row, so that none of
    them ends it (a backslash does not escape inside a code span); a table's ``|`` escaped, as GFM reads
    a row's cells before its code spans."""
    text = one_line(str(value))
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    padding = " " if "`" in text else ""
    return _Markup(fence + padding + (text.replace("|", "\\|") if in_table else text) + padding + fence)


def _cell(value: Any) -> str:
    return value if isinstance(value, _Markup) else _text(value)


def _note(report: Audit, left_out: int, full_report: str | None) -> str:
    where = (
        f"The full report: {_code(shown_path(full_report), in_table=False)}."
        if full_report
        else "For the full report: "
        + _code(f"depscan audit {' '.join(report.targets)} --format markdown -o audit.md", in_table=False)
        + " (the comment, and the whole report beside it as `audit.full.md`)"
        + " or `--format html -o audit.html`."
    )
    return f"**{left_out} rows are left out** to fit a pull-request comment ({COMMENT_LIMIT:,} characters). {where}"


def _parts(report: Audit, changes: Changes | None, shown: Callable[[str | None], str]) -> list[_Part]:
    """The comment's parts, in the order they are given room: the review of a dependency update first."""
    parts = _update_parts(changes) if changes is not None else []
    if report.unanalysed:
        rows = [(s.module, _code(shown(s.path)), s.detail) for s in report.unanalysed]
        parts.append(_Part("Not analysed", ("module", "where", "why"), rows, collapsed=False))
    parts.append(_packages(report, shown))
    if changes is not None:
        parts.append(_changes(changes))
    parts += [
        _Part(
            "Opaque code and files of the tree that are not source or data",
            ("kind", "where", "what"),
            [(s.kind, _code(shown(s.path) + (f":{s.line}" if s.line else "")), s.detail) for s in report.opaque]
            + [
                (f.kind, _code(f.relative), f"{file_summary(row)}; {size_text(row)}")
                for f in report.files
                for row in [f.to_json()]
            ],
        ),
        _Part(
            "What static analysis cannot see",
            ("kind", "where", "what"),
            [(s.kind, _code(f"{shown(s.path)}:{s.line}"), s.detail) for s in report.blindspots],
        ),
        _Part(
            "Portability",
            ("module", "status", "target", "replacement", "imported at"),
            [
                (p.module, f"{p.status} in {p.since}", p.version, p.replacement, places(p.sites, shown))
                for p in report.portability
            ],
        ),
        _Part(
            "Third-party distributions",
            ("distribution", "version", "licence"),
            sorted({(e.distribution, e.version, e.license) for e in report.inventory if e.distribution}, key=str),
        ),
        _chains(report),
        _Part(
            "Capabilities per module",
            ("capability", "module", "chain"),
            [
                (
                    r.capability,
                    r.module,
                    " → ".join(n + (" (in a function)" if s and s.delayed else "") for n, s in r.chain),
                )
                for r in report.capabilities
            ],
        ),
    ]
    return parts


def _update_parts(changes: Changes) -> list[_Part]:
    """The comment's first parts: the summary (a row per distribution), the capabilities new to each
    with their chain, and the rest of what is new in each."""
    if not changes.distributions:
        return []
    summary = [
        (
            _bold(c.name),
            versions_text(c, "→"),
            ", ".join(sorted({r["capability"] for r in c.capabilities})) or "none",
            len(c.opaque),
            len(c.pth_lines),
            len(c.blindspots),
        )
        for c in changes.distributions
    ]
    header = ("distribution", "version", "new capabilities", "new opaque code", "new .pth lines", "new blind spots")
    chains = [
        (c.name, _bold(r["capability"]), r["modules"], " → ".join(r["chain"]))
        for c in changes.distributions
        for r in c.capabilities
    ]
    rest = [
        (c.name, what, _code(detail))
        for c in changes.distributions
        for what, detail in news(c.to_json())
        if what != "capability"
    ]
    return [
        _Part(f"Dependency update: {counts_text(changes.distributions)}", header, summary, collapsed=False),
        _Part(
            "Capabilities new to each distribution",
            ("distribution", "capability", "modules", "chain"),
            chains,
            collapsed=False,
        ),
        _Part("New opaque code, .pth lines and blind spots per distribution", ("distribution", "new", "what"), rest),
    ]


def _packages(report: Audit, shown: Callable[[str | None], str]) -> _Part:
    sources = {v.package: version_source_text(v.to_json()["version_source"], shown) for v in report.vendored}
    rows = [
        (
            _bold(p.name),
            p.kind,
            p.version,
            _code(sources[p.name]) if p.kind == "vendored" and sources.get(p.name) else "",
            p.modules,
            ", ".join(f"{name} {count}" for name, (count, _) in p.capabilities.items()) or "none",
            p.opaque,
            p.blindspots,
        )
        for p in report.packages
    ]
    header = ("package", "kind", "version", "version from", "modules", "capabilities (modules reaching each)")
    return _Part("Packages", (*header, "opaque", "blind spots"), rows, collapsed=False)


def _chains(report: Audit) -> _Part:
    rows = [
        (p.name, capability, " → ".join(name for name, _ in example.chain))
        for p in report.packages
        for capability, (_, example) in p.capabilities.items()
    ]
    return _Part(
        "How each package reaches each capability (the shortest chain)", ("package", "capability", "chain"), rows
    )


def _changes(changes: Changes) -> _Part:
    rows = [("modules added", ", ".join(changes.modules_added) or "none")]
    rows += [("modules removed", ", ".join(changes.modules_removed) or "none")]
    rows += [(_Markup(f"new capability {_bold(c['capability'])}"), _code(c["module"])) for c in changes.capabilities]
    rows += [(f"new opaque code: {o['kind']}", _code(o["module"])) for o in changes.opaque]
    rows += [(f"new or changed file: {f['kind']}", _code(f["relative"])) for f in changes.files]
    rows += [(f"new blind spot: {b['kind']}", _code(b["module"])) for b in changes.blindspots]
    rows += [
        (f"new portability problem: {p['status']}", _Markup(f"{_code(p['module'])} ({_text(p['version'])})"))
        for p in changes.portability
    ]
    rows += [(f"vendored {v['package']}", f"{v['before']} → {v['after']}") for v in changes.versions]
    return _Part("Changes since the baseline", ("change", "what"), rows, collapsed=False)
