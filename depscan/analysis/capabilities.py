"""The data tables of ``depscan audit``: what modules let a program do, and which ones CPython dropped.

``depscan/data/capabilities.toml`` maps a capability (``process``, ``network``,
``native``, ``deserialisation``, ``filesystem-write``, ``import-system``,
``code-execution``) to the modules that give it, and to the attributes of a
module that give it when the module alone does not (``os.system``). A listed
module name matches itself and its submodules; an attribute matches
``from MODULE import NAME`` or ``MODULE.NAME`` for exactly that module. A
project adds to the table in ``[tool.depscan.capabilities]``, in the same
format: modules and attributes given for a shipped capability are added to
it (``description`` and ``note``, when given, replace the shipped ones), a new
name defines a new capability.

``depscan/data/portability.toml`` records, per standard library module, the
CPython versions that deprecated and removed it, what to use instead and
where the versions come from. An entry applies to its module's submodules too.

Both files document their format in their opening comment.
"""

from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

CAPABILITIES_FILE = "capabilities.toml"
PORTABILITY_FILE = "portability.toml"
CONFIG_TABLE = "tool.depscan.capabilities"

_CAPABILITY_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_VERSION = re.compile(r"([0-9]+)\.([0-9]+)")
_CAPABILITY_KEYS = ("description", "note", "modules", "attributes")
_PORTABILITY_KEYS = ("deprecated", "removed", "replacement", "source", "note")


@dataclass(frozen=True, slots=True)
class Capability:
    """One capability: importing one of ``modules`` (or a submodule) gives it, as do the ``attributes``.

    ``attributes`` maps a module name to the names in it that give the
    capability although importing the module alone does not (``os`` ->
    ``system``, ``popen``, ...).
    """

    name: str
    description: str
    modules: tuple[str, ...] = ()
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Portability:
    """A standard library module that CPython deprecated (from ``deprecated``) or removed (from ``removed``)."""

    module: str
    deprecated: tuple[int, int] | None
    removed: tuple[int, int] | None
    replacement: str | None
    source: str
    note: str | None = None


def is_module_name(name: object) -> bool:
    """Whether ``name`` is a dotted module name: identifiers that are not keywords, joined by dots."""
    return (
        isinstance(name, str)
        and name != ""
        and all(part.isidentifier() and not keyword.iskeyword(part) for part in name.split("."))
    )


def _is_attribute_name(name: object) -> bool:
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def _read_data(filename: str) -> dict[str, Any]:
    text = resources.files("depscan.data").joinpath(filename).read_text(encoding="utf-8")
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:  # a broken shipped file: a bug in depscan, say which file
        raise ValueError(f"depscan/data/{filename}: {error}") from None
    return data


# -- capabilities ------------------------------------------------------------------------------------------------------


def _string_list(value: object, where: str, check: Callable[[object], bool], what: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list of {what}s, got {type(value).__name__}")
    for index, item in enumerate(value):
        if not check(item):
            raise ValueError(f"{where}[{index}]: {item!r} is not a {what}")
    return tuple(value)


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _parse_capability(name: str, value: object, origin: str) -> dict[str, Any]:
    """The keys one capability table gives, checked; ``origin`` prefixes the key in error messages."""
    where = f"{origin}.{name}"
    if not isinstance(name, str) or not _CAPABILITY_NAME.fullmatch(name):
        raise ValueError(f"{where}: a capability name is lowercase letters, digits and '-' (like 'filesystem-write')")
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected a table, got {type(value).__name__}")
    unknown = [key for key in value if key not in _CAPABILITY_KEYS]
    if unknown:
        known = ", ".join(_CAPABILITY_KEYS)
        raise ValueError(f"{where}.{unknown[0]}: unknown key (a capability has {known})")
    parsed: dict[str, Any] = {}
    if "description" in value:
        parsed["description"] = _text(value["description"], f"{where}.description")
    if "note" in value:
        parsed["note"] = _text(value["note"], f"{where}.note")
    if "modules" in value:
        parsed["modules"] = _string_list(value["modules"], f"{where}.modules", is_module_name, "dotted module name")
    if "attributes" in value:
        attributes = value["attributes"]
        if not isinstance(attributes, Mapping):
            raise ValueError(f"{where}.attributes: expected a table of module = [attribute names]")
        checked: dict[str, tuple[str, ...]] = {}
        for module, names in attributes.items():
            if not is_module_name(module):
                raise ValueError(f"{where}.attributes: {module!r} is not a dotted module name")
            checked[module] = _string_list(names, f"{where}.attributes.{module}", _is_attribute_name, "attribute name")
        parsed["attributes"] = checked
    return parsed


def _merged(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


def _apply(table: dict[str, Capability], raw: Mapping[str, Any], origin: str) -> None:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{origin}: expected a table of capabilities, got {type(raw).__name__}")
    for name, value in raw.items():
        parsed = _parse_capability(name, value, origin)
        old = table.get(name)
        if old is None:
            if "description" not in parsed:
                raise ValueError(f"{origin}.{name}: a new capability needs a description")
            if not parsed.get("modules") and not any(parsed.get("attributes", {}).values()):
                raise ValueError(f"{origin}.{name}: a new capability needs modules or attributes")
            old = Capability(name=name, description=parsed["description"])
        attributes = {module: tuple(names) for module, names in old.attributes.items()}
        for module, names in parsed.get("attributes", {}).items():
            attributes[module] = _merged(attributes.get(module, ()), names)
        table[name] = Capability(
            name=name,
            description=parsed.get("description", old.description),
            modules=_merged(old.modules, parsed.get("modules", ())),
            attributes=MappingProxyType(attributes),
            note=parsed.get("note", old.note),
        )


def load_capabilities(extra: Mapping[str, Any] | None = None) -> dict[str, Capability]:
    """The shipped capability table, with ``extra`` (the ``[tool.depscan.capabilities]`` table) merged in.

    ``extra`` adds modules and attributes to shipped capabilities, or defines
    new ones (with a ``description`` and modules or attributes). A table that
    is not in that format raises ValueError naming the offending key.
    """
    table: dict[str, Capability] = {}
    _apply(table, _read_data(CAPABILITIES_FILE), f"depscan/data/{CAPABILITIES_FILE}")
    if extra is not None:
        _apply(table, extra, CONFIG_TABLE)
    return table


def module_matches(module: str, listed: str) -> bool:
    """Whether ``module`` is ``listed`` or one of its submodules (``http.client`` matches ``http``, not ``httpx``)."""
    return module == listed or module.startswith(listed + ".")


def capabilities_of(module: str, table: Mapping[str, Capability]) -> list[str]:
    """The capabilities that importing ``module`` gives, in the table's order."""
    return [
        capability.name
        for capability in table.values()
        if any(module_matches(module, listed) for listed in capability.modules)
    ]


def attribute_capabilities(module: str, attribute: str, table: Mapping[str, Capability]) -> list[str]:
    """The capabilities that ``from module import attribute`` (or ``module.attribute``) gives, in the table's order.

    Those of ``module`` itself, those of the submodule ``module.attribute``
    (``from concurrent.futures import process``) and those the table's
    attributes list for this exact module and name (``os``, ``system``).
    """
    submodule = f"{module}.{attribute}"
    found = []
    for capability in table.values():
        if attribute in capability.attributes.get(module, ()) or any(
            module_matches(module, listed) or module_matches(submodule, listed) for listed in capability.modules
        ):
            found.append(capability.name)
    return found


# -- portability -------------------------------------------------------------------------------------------------------


def _version(value: object, where: str) -> tuple[int, int]:
    match = _VERSION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'{where}: expected a version string like "3.12", got {value!r}')
    return int(match[1]), int(match[2])


def _parse_portability(module: str, value: object, origin: str) -> Portability:
    where = f"{origin}: [{module!r}]" if "." in module else f"{origin}: [{module}]"
    if not is_module_name(module):
        raise ValueError(f"{where}: not a dotted module name")
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected a table, got {type(value).__name__}")
    unknown = [key for key in value if key not in _PORTABILITY_KEYS]
    if unknown:
        hint = ' (quote a dotted module name: ["a.b"], not [a.b])' if isinstance(value[unknown[0]], Mapping) else ""
        raise ValueError(f"{where}.{unknown[0]}: unknown key{hint}")
    deprecated = _version(value["deprecated"], f"{where}.deprecated") if "deprecated" in value else None
    removed = _version(value["removed"], f"{where}.removed") if "removed" in value else None
    if deprecated is None and removed is None:
        raise ValueError(f"{where}: needs 'deprecated', 'removed' or both")
    if deprecated is not None and removed is not None and deprecated >= removed:
        raise ValueError(f"{where}: deprecated in {deprecated[0]}.{deprecated[1]}, not before its removal")
    if "source" not in value:
        raise ValueError(f"{where}: needs a 'source'")
    return Portability(
        module=module,
        deprecated=deprecated,
        removed=removed,
        replacement=_text(value["replacement"], f"{where}.replacement") if "replacement" in value else None,
        source=_text(value["source"], f"{where}.source"),
        note=_text(value["note"], f"{where}.note") if "note" in value else None,
    )


def load_portability() -> dict[str, Portability]:
    """The shipped table of deprecated and removed standard library modules, by module name."""
    origin = f"depscan/data/{PORTABILITY_FILE}"
    return {module: _parse_portability(module, value, origin) for module, value in _read_data(PORTABILITY_FILE).items()}


def portability_of(module: str, version: tuple[int, int], table: Mapping[str, Portability]) -> Portability | None:
    """The entry for ``module``, or else for a package above it, that is deprecated or removed in ``version``.

    That is: deprecated or removed in ``version`` or earlier; the module's own
    entry first, then its parents' up to the top-level package
    (``distutils.command.build`` -> ``distutils``). None when there is none.
    """
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        entry = table.get(".".join(parts[:length]))
        if entry is not None:
            if (entry.removed is not None and entry.removed <= version) or (
                entry.deprecated is not None and entry.deprecated <= version
            ):
                return entry
    return None
