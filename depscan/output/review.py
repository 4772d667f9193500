"""The review of a dependency update (:mod:`depscan.analysis.review`) for a terminal, where it comes
first: one line per distribution added, removed or changed, then what is new in each (capabilities
with their chain, opaque code, ``.pth`` lines, blind spots); and the phrases the Markdown comment
(:mod:`depscan.output.audit_markdown`) shares."""

from __future__ import annotations

from collections.abc import Sequence
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
        lines += [f"    new {what}: {one_line(detail)}" for what, detail in news(change)]
    return "\n".join(lines) + "\n\n"


def news(change: DistributionChange) -> list[tuple[str, str]]:
    """(what, detail) for each thing new in the distribution, capabilities first."""
    found = [
        (
            "capability",
            f"{r['capability']} ({r['modules']} module{'s' * (r['modules'] != 1)}): {' -> '.join(r['chain'])}",
        )
        for r in change.capabilities
    ]
    found += [("opaque code", _opaque(o)) for o in change.opaque]
    found += [
        (
            ".pth line",
            f"{p['file']}:{p['line']} {p['text']} ({'runs at start-up' if p['runs'] else 'a sys.path entry'})",
        )
        for p in change.pth_lines
    ]
    found += [
        ("blind spot", f"{b['kind']} {b['module']}" + (f":{b['line']}" if b["line"] else "") + f" {b['detail']}")
        for b in change.blindspots
    ]
    return found


def _opaque(row: dict[str, Any]) -> str:
    """A new opaque module (a spot: ``module``) or a new or changed file (``relative``, its hash)."""
    if "relative" in row:
        facts = f"{row['size']:,} bytes, sha256 {str(row['sha256'])[:12]}" if row.get("sha256") else "not read"
        return f"{row['kind']} {row['relative']} ({facts})"
    return f"{row['kind']} {row['module']}" + (f" [{row['target']}]" if row.get("target") else "")


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
