"""What type checkers see of the standard library: typeshed's stubs.

An import under ``TYPE_CHECKING`` is run by no interpreter, only read by a type
checker, which finds the standard library in typeshed's stubs rather than in the
running Python: ``_typeshed`` exists only there, and ``from hashlib import _Hash``
names a stub-only alias. The stubs come from the ``typeshed_client`` distribution,
which bundles typeshed's ``stdlib`` directory and its ``VERSIONS`` table (the
Python versions each module exists in); they are read here as data, with the one
safe reader, and parsed by depscan's own extractor. Nothing in them is run.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import typeshed_client

from depscan import DEFAULT_MAX_BYTES
from depscan.extract.walker import extract
from depscan.model.conditions import Target
from depscan.model.records import ModuleFacts
from depscan.source import read_bytes

if TYPE_CHECKING:  # (importlib.abc's is deprecated from 3.12 on; the annotation is all it is here)
    from importlib.abc import Traversable

Version = tuple[int, ...]


def _typeshed() -> Traversable | None:
    return resources.files(typeshed_client).joinpath("typeshed")


@cache
def _versions() -> dict[str, tuple[Version, Version | None]]:
    """typeshed's VERSIONS: module -> (first version, last version or None)."""
    root = _typeshed()
    if root is None:
        return {}
    table: dict[str, tuple[Version, Version | None]] = {}
    for line in root.joinpath("VERSIONS").read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if ":" not in text:
            continue
        module, _, span = (part.strip() for part in text.partition(":"))
        first, _, last = span.partition("-")
        try:
            table[module] = (_version(first), _version(last) if last.strip() else None)
        except ValueError:
            continue
    return table


def _version(text: str) -> Version:
    return tuple(int(part) for part in text.strip().split("."))


def has_module(module: str, versions: Iterable[Version]) -> bool:
    """Whether typeshed has a stub of ``module`` for every one of ``versions`` (its entry, or the
    nearest package's above it, says when it exists; the stub file must be there)."""
    table = _versions()
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        span = table.get(".".join(parts[:end]))
        if span is not None:
            first, last = span
            inside = all(first <= v[:2] and (last is None or v[:2] <= last) for v in versions)
            return inside and _stub_file(module) is not None
    return False


def defines(module: str, name: str, targets: Iterable[Target]) -> bool:
    """Whether typeshed's stub of ``module`` binds ``name`` on every target."""
    facts = _stub_facts(module)
    return facts is not None and all(name in facts.defined_for(target) for target in targets)


_PLATFORMS = ("linux", "win32", "darwin", "cygwin", "freebsd", "emscripten", "wasi")
"""The values of ``sys.platform`` typeshed's stubs test."""


def of_other_platforms(module: str, name: str, target: Target) -> bool:
    """Whether typeshed's stub of ``module`` binds ``name`` on another platform than ``target``'s,
    and not on its: ``errno.WSAEWOULDBLOCK``, ``ctypes.WinDLL``, ``socket.errorTab`` on Linux."""
    facts = _stub_facts(module)
    if facts is None or name not in facts.defined or name in facts.defined_for(target):
        return False
    return any(name in facts.defined_for(other) for other in _elsewhere(target))


def module_of_other_platforms(module: str, target: Target) -> bool | None:
    """Whether typeshed's stub of ``module`` tells a module of other platforms than ``target``'s:
    it binds nothing of ``target``'s own (only what it binds everywhere: its own imports), and
    more on another platform (``winreg``, ``_winapi``, ``msvcrt`` on Linux; not ``_dbm`` or
    ``readline``, Linux's, which a build may leave out). None without a stub: it cannot tell."""
    facts = _stub_facts(module)
    if facts is None:
        return None
    own = set(facts.defined_for(target))
    others = [set(facts.defined_for(other)) for other in _elsewhere(target)]
    everywhere = own.intersection(*others)
    return own == everywhere and any(names - own for names in others)


def _elsewhere(target: Target) -> list[Target]:
    """``target``'s Python on each of the other platforms typeshed's stubs test."""
    return [Target.for_platform(target.version, platform) for platform in _PLATFORMS if platform != target.platform]


@cache
def _stub_facts(module: str) -> ModuleFacts | None:
    path = _stub_file(module)
    if path is None:
        return None
    data = read_bytes(path, DEFAULT_MAX_BYTES)
    if not isinstance(data, bytes):
        return None
    return extract(data, module, path.endswith("__init__.pyi"), path).facts


@cache
def _stub_file(module: str) -> str | None:
    root = _typeshed()
    if root is None:
        return None
    *packages, last = module.split(".")
    directory = root
    for package in packages:  # (one name at a time: Python 3.10's joinpath takes one)
        directory = directory.joinpath(package)
    for candidate in (directory.joinpath(f"{last}.pyi"), directory.joinpath(last).joinpath("__init__.pyi")):
        if candidate.is_file():
            return str(candidate)
    return None
