"""The review of a dependency update: what changed, distribution by distribution, since a baseline audit.

Both audits name their distributions (an environment's or a directory of
wheels', :mod:`depscan.analysis.environment`); each distribution is compared by
its PEP 503 name:

* **added**, **removed**, or **changed** in version (or the same);
* the **capabilities new to it**: reached by one of its modules now and by none
  of them in the baseline (a module that moved inside it brings nothing new),
  each with the shortest chain that brings it (through its dependencies too:
  requests reaches the network through urllib3);
* the **opaque code** new in it (extension modules, bytecode, native libraries;
  files that are not source or data, new or with new contents), the **.pth
  lines** new in its ``.pth`` files (each says whether ``site`` runs it), and
  its new **blind spots**.

The places new since the baseline are those of :func:`depscan.analysis.audit.compare`
(line numbers left out); here each is given to the distribution that holds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from depscan.analysis.distributions import normalise

if TYPE_CHECKING:
    from depscan.analysis.audit import Audit
    from depscan.analysis.environment import Shipment

_STATUS_ORDER = {"added": 0, "changed": 1, "removed": 2, "same": 3}


@dataclass(frozen=True, kw_only=True)
class DistributionChange:
    """One distribution in the update: its versions before and after, and what is new in it."""

    name: str
    before: str | None  # its version in the baseline (None: not there, or no version)
    after: str | None
    status: str  # "added", "removed", "changed" (in version), "same"
    capabilities: tuple[dict[str, Any], ...] = ()  # {capability, modules, chain}: new to it
    opaque: tuple[dict[str, Any], ...] = ()  # {kind, where, detail}: new opaque code and files
    pth_lines: tuple[dict[str, Any], ...] = ()  # {file, line, text, runs}: new lines of its .pth files
    blindspots: tuple[dict[str, Any], ...] = ()  # {kind, where, line, detail}: new blind spots in its modules

    def has_news(self) -> bool:
        return bool(self.capabilities or self.opaque or self.pth_lines or self.blindspots)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "before": self.before,
            "after": self.after,
            "status": self.status,
            "new_capabilities": list(self.capabilities),
            "new_opaque": list(self.opaque),
            "new_pth_lines": list(self.pth_lines),
            "new_blindspots": list(self.blindspots),
        }


def review(
    baseline: Mapping[str, Any],
    report: Audit,
    new_opaque: Sequence[Mapping[str, Any]],
    new_files: Sequence[Mapping[str, Any]],
    new_blindspots: Sequence[Mapping[str, Any]],
) -> list[DistributionChange] | None:
    """Each distribution added, removed or changed in version, and each other one with something new;
    None when the two audits do not both name distributions (an audit of a tree, or of an older depscan)."""
    old = _rows(baseline.get("distributions"))
    if report.shipment is None or not old:
        return None
    new = {d.key: d for d in report.shipment.distributions}
    news = _News(_owners(report), report.shipment)
    news.add_capabilities(report, _old_capabilities(baseline))
    news.add_spots(new_opaque, "opaque")
    news.add_files(new_files)
    news.add_pth_lines(report, baseline)
    news.add_spots([b for b in new_blindspots if b.get("kind") != "pth-exec"], "blindspots")  # a .pth line is above
    changes = []
    for key in sorted({*old, *new}):
        before = old[key].get("version") if key in old else None
        after = new[key].version if key in new else None
        name = new[key].name if key in new else str(old[key].get("name"))
        status = "added" if key not in old else "removed" if key not in new else "same"
        if status == "same" and before != after:
            status = "changed"
        change = DistributionChange(name=name, before=before, after=after, status=status, **news.of(key))
        if status != "same" or change.has_news():
            changes.append(change)
    return sorted(changes, key=lambda c: (_STATUS_ORDER[c.status], normalise(c.name)))


def _rows(value: Any) -> dict[str, Mapping[str, Any]]:
    """A baseline's distributions by normalised name (rows that are not as written are skipped)."""
    rows = value if isinstance(value, list) else []
    return {normalise(r["name"]): r for r in rows if isinstance(r, dict) and isinstance(r.get("name"), str)}


def _owners(report: Audit) -> Mapping[str, str]:
    """A module's distribution (normalised name), from the inventory."""
    return {e.name: normalise(e.distribution) for e in report.inventory if e.distribution}


def _old_capabilities(baseline: Mapping[str, Any]) -> dict[str, set[str]]:
    """The capabilities each distribution's modules reached in the baseline."""
    found: dict[str, set[str]] = {}
    for row in baseline.get("packages") or []:
        if isinstance(row, dict) and row.get("kind") == "distribution" and isinstance(row.get("name"), str):
            names = {c.get("capability") for c in row.get("capabilities") or [] if isinstance(c, dict)}
            found.setdefault(normalise(row["name"]), set()).update(n for n in names if isinstance(n, str))
    return found


class _News:
    """What is new, gathered per distribution (its normalised name)."""

    def __init__(self, owner: Mapping[str, str], shipment: Shipment) -> None:
        self.owner = owner
        self.shipment = shipment
        self.parts: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def of(self, key: str) -> dict[str, tuple[dict[str, Any], ...]]:
        parts = self.parts.get(key, {})
        return {part: tuple(parts.get(part, ())) for part in ("capabilities", "opaque", "pth_lines", "blindspots")}

    def _add(self, key: str | None, part: str, row: dict[str, Any]) -> None:
        if key is not None:
            self.parts.setdefault(key, {}).setdefault(part, []).append(row)

    def add_capabilities(self, report: Audit, old: Mapping[str, set[str]]) -> None:
        for package in report.packages:
            if package.kind != "distribution":
                continue
            key = normalise(package.name)
            for capability, (count, example) in package.capabilities.items():
                if capability not in old.get(key, set()):
                    chain = [hop["module"] for hop in example.to_json()["chain"]]
                    row = {"capability": capability, "modules": count, "via": example.via, "chain": chain}
                    self._add(key, "capabilities", row)

    def add_spots(self, spots: Iterable[Mapping[str, Any]], part: str) -> None:
        for spot in spots:
            row = {k: spot.get(k) for k in ("kind", "module", "path", "line", "detail", "target")}
            self._add(self.owner.get(str(spot.get("module"))), part, row)

    def add_files(self, files: Iterable[Mapping[str, Any]]) -> None:
        """A new or changed file goes to the distribution of the module in it, else of its path."""
        for item in files:
            row = {k: item.get(k) for k in ("kind", "relative", "path", "detail", "size", "sha256", "module")}
            self._add(self._file_owner(item), "opaque", row)

    def add_pth_lines(self, report: Audit, baseline: Mapping[str, Any]) -> None:
        seen = {
            (item.get("relative"), line.get("text"))
            for item in baseline.get("files") or []
            if isinstance(item, dict) and isinstance(item.get("pth"), dict)
            for part in ("imports", "paths")
            for line in item["pth"].get(part) or []
            if isinstance(line, dict)
        }
        for item in report.files:
            key = self._file_owner(item.to_json())
            for runs, lines in ((True, item.pth_imports), (False, item.pth_paths)):
                for line in lines:
                    if (item.relative, line.text) not in seen:
                        row = {"file": item.relative, "line": line.line, "text": line.text, "runs": runs}
                        self._add(key, "pth_lines", row)

    def _file_owner(self, item: Mapping[str, Any]) -> str | None:
        module = item.get("module")
        if isinstance(module, str) and module in self.owner:
            return self.owner[module]
        shipped = self.shipment.owner(item.get("path"), "")
        return shipped.key if shipped is not None else None
