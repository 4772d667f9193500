"""The one SARIF 2.1.0 writer, for the check's findings and the audit's report.

A run has one tool, the rules its results use (sorted by id, each result
pointing at its rule by index), and a result per finding with its place when it
has one. Paths are shown as everywhere else (:func:`depscan.source.shown_path`):
a relative URI under the current directory, a ``file:`` URI outside it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from depscan.output import jsonfmt
from depscan.source import shown_path

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True)
class Rule:
    """A rule of the tool: its id, what it means, and optionally its name and default level."""

    id: str
    description: str
    name: str | None = None
    level: str | None = None

    def to_json(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"id": self.id}
        if self.name is not None:
            rule["name"] = self.name
        rule["shortDescription"] = {"text": self.description}
        if self.level is not None:
            rule["defaultConfiguration"] = {"level": self.level}
        return rule


@dataclass(frozen=True)
class Result:
    """One result: its rule, level (error, warning, note), message and place (line and column
    are 1-based; 0 means not known)."""

    rule: str
    level: str
    message: str
    path: str | None = None
    line: int = 0
    column: int = 0


def sarif(tool: str, version: str, rules: Mapping[str, Rule], results: Iterable[Result]) -> str:
    """The SARIF document of one run of ``tool``; ``rules`` may hold more rules than are used."""
    results = list(results)
    used = sorted({result.rule for result in results})
    rule_list = [rules[rule_id].to_json() if rule_id in rules else {"id": rule_id} for rule_id in used]
    index = {rule_id: number for number, rule_id in enumerate(used)}
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": tool, "version": version, "rules": rule_list}},
                "results": [_result(result, index[result.rule]) for result in results],
            }
        ],
    }
    return jsonfmt.indented(document)


def _result(result: Result, rule_index: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"ruleId": result.rule, "level": result.level, "message": {"text": result.message}}
    if result.path:
        location: dict[str, Any] = {"artifactLocation": {"uri": _uri(result.path)}}
        region = {"startLine": result.line} if result.line else {}
        if result.line and result.column:
            region["startColumn"] = result.column
        if region:
            location["region"] = region
        entry["locations"] = [{"physicalLocation": location}]
    entry["ruleIndex"] = rule_index
    return entry


def _uri(path: str) -> str:
    shown = shown_path(path)
    return Path(shown).as_uri() if os.path.isabs(shown) else Path(shown).as_posix()
