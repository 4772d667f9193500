"""The version of a package vendored in a tree, from what the tree declares, and where it says so.

Tried in this order, the first that answers wins:

1. the package's own code: ``__version__ = "1.2"`` (or ``__version__ = VERSION``
   with ``VERSION = "1.2"``, or imported: ``from .__about__ import __version__``),
   or ``__version__`` built from a literal tuple (``version_info = (1, 2, 0)``
   with ``".".join(map(str, version_info))``, ``"%d.%d.%d" % version_info``,
   ``"{}.{}".format(*version_info[:2])``);
2. a distribution's metadata in the vendoring directory (``six-1.16.0.dist-info/METADATA``,
   ``*.egg-info``), matched by its ``top_level.txt`` / ``RECORD``, else its name;
3. a pin (``name==1.2``) in a requirements file of the vendoring directory
   (``vendor.txt``, as pip keeps one, ``vendored.txt``, or ``requirements*.txt``), matched by
   the distribution's import names (``setuptools`` gives ``pkg_resources``).

Everything is read as text by the safe reader; nothing is run or evaluated
but string joins and ``%`` / ``format`` of literals, with plain placeholders only.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from depscan.extract.budget import too_many_tokens

# A whole statement: `__version__ = "." .join(...)` is not the version ".".
_VERSION_RE = re.compile(
    rb"^__version__[ \t]*(?::[ \t]*str[ \t]*)?=[ \t]*['\"]([^'\"\n]+)['\"][ \t]*(?:#[^\n]*)?$", re.MULTILINE
)
# Format strings with plain placeholders only: "%d.%d" or "{}.{0}" (a width could ask for gigabytes).
_PERCENT_FORMAT = re.compile(r"(?:[^%]|%[dis])*")
_BRACE_FORMAT = re.compile(r"(?:[^{}]|\{\d*\})*")
REQUIREMENTS_NAMES = re.compile(r"(?:vendor|vendored|requirements[\w.-]*)\.txt", re.IGNORECASE)


@dataclass(frozen=True)
class VersionSource:
    """Where a vendored package's version was read."""

    kind: str  # "__version__", "version_info", "metadata", "requirements"
    path: str | None
    line: int | None = None
    distribution: str | None = None  # for metadata and requirements: the distribution named there

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "line": self.line, "distribution": self.distribution}


Reader = Callable[[Any], "bytes | None"]  # a module's resolution -> its source, None when unreadable
Resolve = Callable[[str], Any]  # a module name -> its resolution


def declared_version(module: str, resolve: Resolve, read: Reader, depth: int = 0) -> tuple[str, VersionSource] | None:
    """The version a module declares in its code: its literal ``__version__`` (or one built from a
    literal tuple), or the one of the module it takes ``__version__`` from (``from .__about__ import
    __version__``, as packaging and requests do)."""
    from depscan.extract.relative import resolve_relative

    resolution = resolve(module)
    path = resolution.file
    if not path or path.endswith(".pyc"):
        return None
    data = read(resolution)
    if data is None:
        return None
    found, imported = _literal_version(data)
    if found is not None:
        version, kind, line = found
        return version, VersionSource(kind, path, line)
    if imported is None or depth > 2:
        return None
    name, level = imported
    absolute, _ = resolve_relative(name, level, module, resolution.is_package)
    return declared_version(absolute, resolve, read, depth + 1) if absolute else None


def _literal_version(data: bytes) -> tuple[tuple[str, str, int] | None, tuple[str, int] | None]:
    """((version, how, line), None) for the ``__version__`` a module's source declares, read as text; else
    (None, the (module, level) of a ``from ... import __version__`` it takes it from, if any)."""
    match = _VERSION_RE.search(data)
    if match is not None:
        line = data.count(b"\n", 0, match.start()) + 1
        return (match.group(1).decode("utf-8", "replace"), "__version__", line), None
    if too_many_tokens(data):  # (see depscan.extract.budget)
        return None, None
    try:  # __version__ = VERSION, built from a tuple, or imported: ask the tree, still without running anything
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None, None
    literals: dict[str, tuple[str, int]] = {}  # top-level NAME = "string" (and its line), for __version__ = VERSION
    tuples: dict[str, tuple[Any, ...]] = {}  # top-level NAME = (1, 2, "0"), for a version built from it
    source: tuple[str, int] | None = None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(
            a.name == "__version__" and a.asname in (None, "__version__") for a in node.names
        ):
            source = (node.module or "", node.level or 0)
        if not isinstance(node, ast.Assign):
            continue
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            literals.update(dict.fromkeys(names, (value.value, node.lineno)))
        elif (parts := _literal_tuple(value)) is not None:
            tuples.update(dict.fromkeys(names, parts))
        elif "__version__" in names and isinstance(value, ast.Name) and value.id in literals:
            return (literals[value.id][0], "__version__", node.lineno), None
        elif "__version__" in names and (built := _built(value, tuples)) is not None:
            return (built, "version_info", node.lineno), None
    if "__version__" in literals:
        version, line = literals["__version__"]
        return (version, "__version__", line), source
    return None, source


def _literal_tuple(node: ast.expr) -> tuple[Any, ...] | None:
    if not isinstance(node, ast.Tuple) or not node.elts:
        return None
    parts = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, (int, str))]
    return tuple(parts) if len(parts) == len(node.elts) else None


def _built(node: ast.expr, tuples: Mapping[str, tuple[Any, ...]]) -> str | None:
    """The string ``node`` makes of a literal tuple: ``".".join(map(str, t))``, ``".".join(str(x) for x
    in t)``, ``"%d.%d" % t``, ``"{}.{}".format(*t)`` (``t`` a name, or a name sliced ``[:n]``)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        fmt, values = _string(node.left), _tuple_of(node.right, tuples)
        if fmt is not None and values is not None and _PERCENT_FORMAT.fullmatch(fmt):
            return _formatted(lambda: fmt % values)
        return None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and len(node.args) == 1):
        return None
    text, argument = _string(node.func.value), node.args[0]
    if text is None or node.keywords:
        return None
    if node.func.attr == "format" and isinstance(argument, ast.Starred) and _BRACE_FORMAT.fullmatch(text):
        fields = _tuple_of(argument.value, tuples)
        return _formatted(lambda: text.format(*fields)) if fields is not None else None
    if node.func.attr != "join":
        return None
    parts = _tuple_of(_stringified(argument), tuples)
    return text.join(str(part) for part in parts) if parts is not None else None


def _formatted(make: Callable[[], str]) -> str | None:
    try:
        return make()
    except (TypeError, ValueError, IndexError):
        return None


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _stringified(node: ast.expr) -> ast.expr:
    """``t`` in ``map(str, t)``, ``(str(x) for x in t)`` and ``[str(x) for x in t]``; else ``node``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "map" and len(node.args) == 2:
        function, iterable = node.args
        return iterable if isinstance(function, ast.Name) and function.id == "str" else node
    if isinstance(node, (ast.GeneratorExp, ast.ListComp)) and len(node.generators) == 1:
        loop, element = node.generators[0], node.elt
        if (
            not loop.ifs
            and isinstance(loop.target, ast.Name)
            and isinstance(element, ast.Call)
            and isinstance(element.func, ast.Name)
            and element.func.id == "str"
            and len(element.args) == 1
            and isinstance(element.args[0], ast.Name)
            and element.args[0].id == loop.target.id
        ):
            return loop.iter
    return node


def _tuple_of(node: ast.expr, tuples: Mapping[str, tuple[Any, ...]]) -> tuple[Any, ...] | None:
    """The literal tuple a name holds, or a slice of it from the start (``version_info[:3]``)."""
    if isinstance(node, ast.Name):
        return tuples.get(node.id)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Slice):
        whole, bounds = tuples.get(node.value.id), node.slice
        upper = bounds.upper
        if whole is None or bounds.lower is not None or bounds.step is not None:
            return None
        if upper is None:
            return whole
        if isinstance(upper, ast.Constant) and type(upper.value) is int:
            return whole[: upper.value]
    return None


# --- what the vendoring directory declares ------------------------------------------------------


def tree_declarations(directory: str) -> dict[str, tuple[str, VersionSource]]:
    """Import name -> (version, where) from the vendoring ``directory``: the metadata of the
    distributions in it, then the pins of its requirements files (the first one of a name wins)."""
    found: dict[str, tuple[str, VersionSource]] = {}
    for name, version, source in [*_metadata_versions(directory), *_pinned_versions(directory)]:
        found.setdefault(name, (version, source))
    return found


def _metadata_versions(directory: str) -> list[tuple[str, str, VersionSource]]:
    from depscan.analysis.distributions import installed_distributions
    from depscan.analysis.providers import import_names

    found = []
    for dist in installed_distributions([directory]):
        if dist.version:
            source = VersionSource("metadata", dist.path, None, dist.name)
            for name in dist.top_level or import_names(dist.name, {}):
                found.append((name, dist.version, source))
    return found


def _pinned_versions(directory: str) -> list[tuple[str, str, VersionSource]]:
    from depscan.analysis.distributions import read_requirements
    from depscan.analysis.providers import import_names

    try:
        names = sorted(name for name in os.listdir(directory) if REQUIREMENTS_NAMES.fullmatch(name))
    except OSError:
        return []
    found = []
    for file in names:
        for requirement in read_requirements(os.path.join(directory, file), directory):
            version = _pin(requirement.text)
            if version is None:
                continue
            source = VersionSource("requirements", requirement.path, requirement.line, requirement.name)
            for name in import_names(requirement.name, {}):
                found.append((name, version, source))
    return found


def _pin(text: str) -> str | None:
    """The version ``name==1.2`` pins (``===`` too); None for a range or a wildcard."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        specifiers = list(Requirement(text).specifier)
    except InvalidRequirement:
        return None
    if len(specifiers) == 1 and specifiers[0].operator in ("==", "===") and "*" not in specifiers[0].version:
        return specifiers[0].version
    return None
