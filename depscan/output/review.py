"""The review of a dependency update (:mod:`depscan.analysis.review`) for a terminal, where it comes
first: one line per distribution added, removed or changed, then what is new in each (capabilities
with their chain, opaque code, ``.pth`` lines, blind spots); and the phrases the Markdown comment
(:mod:`depscan.output.audit_markdown`) shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from depscan.analysis.audit import Changes
from depscan.analysis.review import DistributionChange
from depscan.atomic import one_line


def update_text(changes: Changes) -> str:
    """The review for a terminal, before the rest of the report; empty when there is none."""
    if not changes.distributions:
        return ""
    lines = [f"Dependency update since the baseline: {counts_text(changes.distributions)}"]
    for change in changes.distributions:
        lines.append(f"  {change.name}: {versions_text(change, '->')}")
        lines += [f"    new {what}: {one_line(detail)}" for what, detail in news(change.to_json())]
    return "\n".join(lines) + "\n\n"


def news(change: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(what, detail) for each thing new in a distribution (its JSON form, :meth:`DistributionChange.to_json`),
    capabilities first."""
    found = [
        (
            "capability",
            f"{r.get('capability')} ({r.get('modules')} module{'s' * (r.get('modules') != 1)}): "
            + " -> ".join(str(hop) for hop in r.get("chain") or ()),
        )
        for r in _news_rows(change, "new_capabilities")
    ]
    found += [("opaque code", _opaque(o)) for o in _news_rows(change, "new_opaque")]
    found += [
        (
            ".pth line",
            f"{p.get('file')}:{p.get('line')} {p.get('text')} "
            f"({'runs at start-up' if p.get('runs') else 'a sys.path entry'})",
        )
        for p in _news_rows(change, "new_pth_lines")
    ]
    found += [
        (
            "blind spot",
            f"{b.get('kind')} {b.get('module')}" + (f":{b['line']}" if b.get("line") else "") + f" {b.get('detail')}",
        )
        for b in _news_rows(change, "new_blindspots")
    ]
    return found


def _news_rows(change: Mapping[str, Any], part: str) -> list[Mapping[str, Any]]:
    return [row for row in change.get(part) or () if isinstance(row, Mapping)]


def _opaque(row: Mapping[str, Any]) -> str:
    """A new opaque module (a spot: ``module``) or a new or changed file (``relative``, its hash)."""
    if "relative" in row:
        facts = f"{row.get('size') or 0:,} bytes, sha256 {str(row['sha256'])[:12]}" if row.get("sha256") else "not read"
        return f"{row.get('kind')} {row.get('relative')} ({facts})"
    return f"{row.get('kind')} {row.get('module')}" + (f" [{row['target']}]" if row.get("target") else "")


def versions_text(change: DistributionChange, arrow: str) -> str:
    if change.status == "added":
        return f"added {change.after or '(no version)'}"
    if change.status == "removed":
        return f"removed ({change.before or 'no version'})"
    if change.status == "changed":
        return f"{change.before or '(no version)'} {arrow} {change.after or '(no version)'}"
    return f"{change.after or '(no version)'} (the same version)"


def counts_text(changes: Sequence[DistributionChange]) -> str:
    counts = {status: sum(1 for c in changes if c.status == status) for status in ("added", "changed", "removed")}
    return ", ".join(f"{count} {status}" for status, count in counts.items())
