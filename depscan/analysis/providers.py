"""Which declaration would provide a module that cannot be found (DS006).

A module missing from the environment is not a failure when the project asks for
its distribution only in an optional extra or a dependency group, or only for
other environments (a marker false for the target): the program runs without it
here, and its own code copes or is not reached. Telling that needs the import
names of a distribution that is *not* installed, so nothing says them but its
name: the project's ``[tool.depscan.dependency-mapping]``, the table of
well-known mismatches shipped in ``depscan/data/import-names.toml``
(``pyyaml`` -> ``yaml``), else the normalised name with ``_`` for ``-``.

The declarations are the project's (``pyproject.toml``, requirements files) and,
for a file inside an installed distribution, that distribution's own
``Requires-Dist`` headers with an ``extra`` marker.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement

from depscan.analysis.distributions import (
    DeclaredRequirement,
    Distribution,
    Distributions,
    normalise,
    recorded_files,
)
from depscan.model.conditions import Target

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

_EXTRA = re.compile(r"""\bextra\s*==\s*['"]([^'"]+)['"]""")


@cache
def _table() -> Mapping[str, tuple[str, ...]]:
    text = resources.files("depscan.data").joinpath("import-names.toml").read_text(encoding="utf-8")
    return {name: tuple(names) for name, names in tomllib.loads(text)["distributions"].items()}


def import_names(distribution: str, mapping: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The import names (dotted, for a portion of a namespace) the distribution would provide.

    ``mapping`` is the project's dependency-mapping (import name -> distributions); it wins,
    then the shipped table, then the normalised name with ``_`` for ``-``; a name with dots
    first as it is dotted (``zope.testing``, ``jaraco.text``: a portion of a namespace package
    is named after its import name)."""
    wanted = normalise(distribution)
    mapped = tuple(name for name, dists in mapping.items() if wanted in {normalise(d) for d in dists})
    if mapped:
        return mapped
    listed = _table().get(wanted)
    if listed:
        return listed
    dotted = re.sub(r"[-_]+", "_", distribution.lower())
    if "." in dotted and all(part.isidentifier() for part in dotted.split(".")):
        return dotted, wanted.replace("-", "_")
    return (wanted.replace("-", "_"),)


@dataclass(frozen=True, slots=True)
class Provider:
    """Where a missing module would come from, and why its absence is not a failure here
    (``reason``; None when it is one: a dependency the environment should have).

    ``requirement`` is its declaration; None for an import an installed distribution makes of
    what it does not declare, where ``import P`` does not run it (``reason`` says so)."""

    requirement: DeclaredRequirement | None
    reason: str | None  # "an optional dependency (extra 'http2')", "declared only where sys_platform == 'win32'"

    def message(self, module: str) -> str:
        if self.requirement is None:
            return f"module {module!r} not found: {self.reason}"
        why = self.reason or "a declared dependency"
        where = os.path.basename(self.requirement.path)
        return f"module {module!r} not found: it comes from {self.requirement.name!r}, {why}, not installed ({where})"


class Providers:
    """The declarations that would provide a module, looked up by module name."""

    def __init__(
        self,
        declared: Iterable[DeclaredRequirement],
        installed: Distributions | None,
        mapping: Mapping[str, Sequence[str]],
        targets: Sequence[Target],
    ) -> None:
        self.declared = list(declared)
        self.installed = installed
        self.mapping = mapping
        self.environments = [marker_environment(target) for target in targets]
        self.owners: dict[str, Distribution | None] = {}  # path -> its distribution (see owner)
        self.requirements: dict[str, list[DeclaredRequirement]] = {}  # a distribution's, by its path
        self.names: dict[str, tuple[str, ...]] = {}  # distribution -> its import names
        self.tops: dict[str, dict[str, list[Distribution]]] | None = None
        self.recorded: dict[str, frozenset[str]] = {}  # a distribution's path -> the files its RECORD lists

    def of(self, module: str, path: str | None) -> Provider | None:
        """Where ``module``, imported in ``path``, would come from: the project's first declaration
        that asks for it only optionally or only elsewhere, or else one of the installed distribution
        ``path`` is part of (:meth:`owner`), or else a plain one; None when nothing declares it."""
        owner = self.owner(path)
        required = None
        for requirement in [*self.declared, *(self._requirements_of(owner) if owner else ())]:
            if requirement.name not in self.names:
                self.names[requirement.name] = import_names(_spelled(requirement), self.mapping)
            if not provides(self.names[requirement.name], module):
                continue
            reason = self._reason(requirement)
            if reason is not None:
                return Provider(requirement, reason)
            required = required or Provider(requirement, None)
        return required

    def _requirements_of(self, dist: Distribution) -> list[DeclaredRequirement]:
        if dist.path not in self.requirements:
            self.requirements[dist.path] = _requirements_of(dist)
        return self.requirements[dist.path]

    def owner(self, path: str | None) -> Distribution | None:
        """The installed distribution whose top-level package or module holds ``path``."""
        if path is None or self.installed is None:
            return None
        if path not in self.owners:
            if self.tops is None:
                self.tops = _tops(self.installed)
            self.owners[path] = _owner(self.tops, path, self.recorded)
        return self.owners[path]

    def _reason(self, requirement: DeclaredRequirement) -> str | None:
        if requirement.optional:
            return f"an optional dependency ({requirement.role})"
        if requirement.marker is not None and not self._applies(requirement.marker):
            return f"declared only where {requirement.marker}"
        return None

    def _applies(self, marker: str) -> bool:
        """Whether the marker holds in one of the target's environments (yes when it cannot be told)."""
        try:
            parsed = Marker(marker)
        except InvalidMarker:
            return True
        names = _ENVIRONMENT_NAMES.intersection(re.findall(r"\w+", marker))
        for environment in self.environments:
            if not names <= environment.keys():
                return True  # (platform_machine, ...: the target does not say)
            try:
                if parsed.evaluate(dict(environment)):
                    return True
            except (UndefinedComparison, UndefinedEnvironmentName, ValueError, TypeError):
                return True
        return not self.environments


def _spelled(requirement: DeclaredRequirement) -> str:
    """The distribution's name as the requirement writes it (``zope.testing``: its dots say the
    import name), where it is the one normalised; else the normalised name."""
    match = _NAME.match(requirement.text)
    return match.group() if match is not None and normalise(match.group()) == requirement.name else requirement.name


_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
"""A distribution's name at the start of a requirement (PEP 508)."""


def provides(names: Iterable[str], module: str) -> bool:
    """Whether ``module`` is one of ``names`` or under one."""
    return any(module == name or module.startswith(f"{name}.") for name in names)


def _owner(
    tops: Mapping[str, Mapping[str, Sequence[Distribution]]], path: str, recorded: dict[str, frozenset[str]]
) -> Distribution | None:
    """The installed distribution whose top-level package or module holds ``path``; ``tops`` is
    :func:`_tops` of the installed distributions. Where several install portions of one
    namespace package (``google``: google-auth, google-api-core, protobuf), the one whose RECORD
    lists the file (``recorded``: each one's files, as read); none when no RECORD does."""
    path = os.path.abspath(path)
    for site_dir, names in tops.items():
        inside = site_dir.rstrip(os.sep) + os.sep  # (os.path.relpath cost a tenth of the check's rules)
        if not path.startswith(inside):
            continue
        relative = path[len(inside) :]
        first, _, rest = relative.partition(os.sep)
        dists = names.get(first if rest else first.removesuffix(".pyi").removesuffix(".py"))
        if not dists:
            continue
        if len(dists) == 1:
            return dists[0]
        listed = relative.replace(os.sep, "/")
        for dist in dists:
            if dist.path not in recorded:
                recorded[dist.path] = frozenset(recorded_files(dist, []))
            if listed in recorded[dist.path]:
                return dist
        return None
    return None


def _tops(installed: Distributions) -> dict[str, dict[str, list[Distribution]]]:
    """Site directory -> top-level name -> the distributions that install it there (several for
    the portions of a namespace package)."""
    found: dict[str, dict[str, list[Distribution]]] = {}
    for dist in installed:
        names = found.setdefault(os.path.abspath(dist.site_dir), {})
        for top in dict.fromkeys(top.split(".")[0] for top in dist.top_level):
            names.setdefault(top, []).append(dist)
    return found


def _requirements_of(dist: Distribution) -> list[DeclaredRequirement]:
    """The distribution's requirements, from its metadata: those only an extra brings in are optional."""
    found: list[DeclaredRequirement] = []
    metadata = os.path.join(dist.path, "METADATA")
    for text in dist.requires:
        try:
            parsed = Requirement(text)
        except InvalidRequirement:
            continue
        extra = _EXTRA.search(text)
        table = f"extra.{extra.group(1)}" if extra else None
        marker = None if extra or parsed.marker is None else str(parsed.marker)
        found.append(DeclaredRequirement(normalise(parsed.name), text, metadata, None, table, bool(extra), marker))
    return found


_ENVIRONMENT_NAMES = frozenset(
    (
        "python_version",
        "python_full_version",
        "os_name",
        "sys_platform",
        "platform_release",
        "platform_system",
        "platform_version",
        "platform_machine",
        "platform_python_implementation",
        "implementation_name",
        "implementation_version",
    )
)


def marker_environment(target: Target) -> dict[str, str]:
    """The PEP 508 marker variables the target tells (the others are unknown)."""
    known = {
        "python_version": ".".join(str(part) for part in target.version[:2]) if target.version else None,
        "sys_platform": target.platform,
        "os_name": target.os_name,
        "platform_system": target.system,
        "implementation_name": target.implementation,
        "platform_python_implementation": {"cpython": "CPython", "pypy": "PyPy"}.get(target.implementation or ""),
    }
    return {name: value for name, value in known.items() if value is not None}
