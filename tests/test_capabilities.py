"""The audit's data tables: depscan/data/capabilities.toml and depscan/data/portability.toml."""

from __future__ import annotations

import itertools
import json
import keyword
import sys
from importlib import resources
from typing import Any

import pytest

from depscan.analysis import capabilities
from depscan.analysis.capabilities import (
    Capability,
    attribute_capabilities,
    capabilities_of,
    load_capabilities,
    load_portability,
    portability_of,
)
from depscan.resolve.tables import available_versions

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

CAPABILITY_NAMES = [
    "process",
    "network",
    "native",
    "deserialisation",
    "filesystem-write",
    "import-system",
    "code-execution",
]
# Namespaces that typing put in sys.modules: importable, but never files, so in no module list.
PSEUDO_MODULES = {"typing.io": "typing", "typing.re": "typing"}


def _raw(filename: str) -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(resources.files("depscan.data").joinpath(filename).read_text(encoding="utf-8"))
    return data


def _dotted(name: object) -> bool:
    # Written out again rather than taken from depscan.analysis.capabilities:
    # a loader bug cannot hide a bad name.
    if not isinstance(name, str) or not name:
        return False
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in name.split("."))


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def _tables() -> dict[tuple[int, int], set[str]]:
    """Every shipped stdlib table: version -> its module names (``modules`` and ``stdlib`` together)."""
    found: dict[tuple[int, int], set[str]] = {}
    for version in available_versions():
        if _version(version) < (3, 8):  # portability.toml is about the versions depscan's users target
            continue
        table = json.loads(resources.files("depscan.data").joinpath(f"stdlib-{version}.json").read_text())
        # ``stdlib`` is sys.stdlib_module_names where there is one: it keeps modules of other platforms (msilib).
        found[_version(version)] = set(table["modules"]) | set(table["stdlib"])
    return found


TABLES = _tables()


# -- the shipped tables ------------------------------------------------------------------------------------------------


def test_shipped_capabilities_load() -> None:
    table = load_capabilities()
    assert list(table) == CAPABILITY_NAMES
    for name, capability in table.items():
        assert capability.name == name
        assert capability.description.strip()
        assert capability.modules, name
    assert {"os", "posix", "nt"} <= set(table["process"].attributes)
    assert "system" in table["process"].attributes["os"]
    assert table["deserialisation"].note is not None and "unsafe_load" in table["deserialisation"].note
    assert table["network"].note is not None and "asyncio" in table["network"].note


def test_every_capability_name_is_a_dotted_identifier() -> None:
    raw = _raw("capabilities.toml")
    assert raw, "empty capability table"
    for name, entry in raw.items():
        for module in entry["modules"]:
            assert _dotted(module), f"{name}.modules: {module!r}"
        assert len(entry["modules"]) == len(set(entry["modules"])), f"{name}.modules has duplicates"
        for module, attributes in entry.get("attributes", {}).items():
            assert _dotted(module), f"{name}.attributes: {module!r}"
            for attribute in attributes:
                assert isinstance(attribute, str) and attribute.isidentifier(), f"{name}.attributes.{module}"


def test_shipped_portability_loads() -> None:
    table = load_portability()
    pep594 = [
        "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "mailcap", "msilib", "nis",
        "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib",
    ]  # fmt: skip
    for module in pep594:
        assert (table[module].deprecated, table[module].removed) == ((3, 11), (3, 13)), module
        assert "PEP 594" in table[module].source
    for module in ("asynchat", "asyncore", "smtpd"):
        assert (table[module].deprecated, table[module].removed) == ((3, 6), (3, 12)), module
    assert (table["distutils"].deprecated, table["distutils"].removed) == ((3, 10), (3, 12))
    assert (table["imp"].deprecated, table["imp"].removed) == ((3, 4), (3, 12))
    assert (table["lib2to3"].deprecated, table["lib2to3"].removed) == ((3, 11), (3, 13))
    assert (table["tkinter.tix"].deprecated, table["tkinter.tix"].removed) == ((3, 6), (3, 13))
    assert table["binhex"].removed == (3, 11)
    for module in ("formatter", "parser", "symbol"):
        assert table[module].removed == (3, 10), module
    for module in PSEUDO_MODULES:
        assert table[module].removed == (3, 13), module
    assert table["imp"].replacement == "importlib"
    assert table["asyncore"].replacement == "asyncio"
    assert table["distutils"].replacement is not None and "setuptools" in table["distutils"].replacement


def test_every_portability_name_is_a_dotted_identifier() -> None:
    raw = _raw("portability.toml")
    assert raw
    for module, entry in raw.items():
        assert _dotted(module), module
        assert isinstance(entry, dict) and "source" in entry, module


def test_deprecated_precedes_removed() -> None:
    for module, entry in _raw("portability.toml").items():
        assert "deprecated" in entry or "removed" in entry, module
        if "deprecated" in entry and "removed" in entry:
            assert _version(entry["deprecated"]) < _version(entry["removed"]), module


def test_there_are_tables_to_check_against() -> None:
    assert {(3, 8), (3, 11), (3, 12), (3, 13)} <= set(TABLES)


@pytest.mark.parametrize("module", sorted(_raw("portability.toml")))
def test_removal_agrees_with_the_stdlib_tables(module: str) -> None:
    entry = _raw("portability.toml")[module]
    if "removed" not in entry:
        deprecated = _version(entry["deprecated"])
        for version, names in TABLES.items():
            if version >= deprecated:
                assert module in names, f"{module} is deprecated, not removed, but missing from {version}"
        return
    removed = _version(entry["removed"])
    if module in PSEUDO_MODULES:
        assert all(module not in names for names in TABLES.values())
        parent = PSEUDO_MODULES[module]
        assert all(parent in names for names in TABLES.values())
        return
    for version, names in TABLES.items():
        if version >= removed:
            assert module not in names, f"{module} is still in the {version} table, removed in {removed}"
    before = (removed[0], removed[1] - 1)
    if before in TABLES:
        assert module in TABLES[before], f"{module} is not in the {before} table, before its removal in {removed}"


def test_every_removed_public_module_is_in_the_portability_table() -> None:
    known = set(_raw("portability.toml"))
    versions = sorted(TABLES)
    for older, newer in itertools.pairwise(versions):
        gone = {name for name in TABLES[older] - TABLES[newer] if "." not in name and not name.startswith("_")}
        # The test suite and CPython's test extension modules: the 3.14 table (from stdlib-list) leaves them out.
        gone = {name for name in gone if name != "test" and not name.startswith("xx")}
        assert gone <= known, f"removed in {newer} but not in portability.toml: {sorted(gone - known)}"


# -- capabilities_of / attribute_capabilities --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("subprocess", ["process"]),
        ("multiprocessing.pool", ["process"]),
        ("concurrent.futures.process", ["process"]),
        ("asyncio.subprocess", ["process", "network"]),
        ("asyncio", ["network"]),
        ("http.client", ["network"]),
        ("xmlrpc.client", ["network"]),
        ("requests.adapters", ["network"]),
        ("ctypes.util", ["native"]),
        ("yaml", ["deserialisation"]),
        ("pathlib", ["filesystem-write"]),
        ("importlib.metadata", ["import-system"]),
        ("code", ["code-execution"]),
    ],
)
def test_capabilities_of_modules_and_submodules(module: str, expected: list[str]) -> None:
    assert capabilities_of(module, load_capabilities()) == expected


@pytest.mark.parametrize(
    "module",
    [
        "os",  # only some of its attributes
        "os.path",
        "http",  # HTTPStatus: no network
        "http.cookies",
        "urllib",
        "urllib.parse",
        "concurrent.futures",  # a parent of a listed module is not the module
        "concurrent",
        "sockets",  # a name that starts with a listed one is not a submodule of it
        "pickletools",
        "codecs",
        "json",
        "requestsx",
    ],
)
def test_capabilities_of_non_matches(module: str) -> None:
    assert capabilities_of(module, load_capabilities()) == []


@pytest.mark.parametrize(
    ("module", "attribute", "expected"),
    [
        ("os", "system", ["process"]),
        ("os", "execvp", ["process"]),
        ("os", "posix_spawn", ["process"]),
        ("posix", "fork", ["process"]),
        ("nt", "startfile", ["process"]),
        ("os", "unlink", ["filesystem-write"]),
        ("os", "write", ["filesystem-write"]),
        ("os", "makedirs", ["filesystem-write"]),
        ("builtins", "open", ["filesystem-write"]),
        ("builtins", "exec", ["code-execution"]),
        ("builtins", "__import__", ["import-system"]),
        ("subprocess", "run", ["process"]),  # the module's own capability
        ("concurrent.futures", "process", ["process"]),  # the submodule concurrent.futures.process
        ("http", "client", ["network"]),
        ("os", "getcwd", []),
        ("os", "path", []),
        ("os", "read", []),
        ("os.path", "system", []),  # attributes belong to exactly their module
        ("builtins", "print", []),
        ("json", "loads", []),
    ],
)
def test_attribute_capabilities(module: str, attribute: str, expected: list[str]) -> None:
    assert attribute_capabilities(module, attribute, load_capabilities()) == expected


# -- configuration -----------------------------------------------------------------------------------------------------


def test_extra_configuration_is_merged() -> None:
    extra = {
        "network": {"modules": ["mycompany.rpc", "socket"]},
        "process": {"attributes": {"os": ["kill"], "signal": ["pthread_kill"]}, "note": "ours"},
        "crypto": {"description": "encrypts or signs data", "modules": ["cryptography", "nacl"]},
        "secrets-access": {"description": "reads the keyring", "attributes": {"keyring": ["get_password"]}},
    }
    table = load_capabilities(extra)
    assert list(table) == [*CAPABILITY_NAMES, "crypto", "secrets-access"]
    assert table["network"].modules.count("socket") == 1
    assert table["network"].modules[-1] == "mycompany.rpc"
    assert capabilities_of("mycompany.rpc.client", table) == ["network"]
    assert attribute_capabilities("os", "kill", table) == ["process"]
    assert attribute_capabilities("os", "system", table) == ["process"]
    assert attribute_capabilities("signal", "pthread_kill", table) == ["process"]
    assert table["process"].note == "ours"
    assert table["process"].description == load_capabilities()["process"].description
    assert capabilities_of("cryptography.fernet", table) == ["crypto"]
    assert table["crypto"] == Capability("crypto", "encrypts or signs data", ("cryptography", "nacl"))
    assert attribute_capabilities("keyring", "get_password", table) == ["secrets-access"]
    # The shipped table is not changed by a merge.
    shipped = load_capabilities()
    assert "mycompany.rpc" not in shipped["network"].modules
    assert "kill" not in shipped["process"].attributes["os"]
    assert load_capabilities({}) == shipped


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["network"], r"tool\.depscan\.capabilities: expected a table"),
        ({"network": ["socket"]}, r"tool\.depscan\.capabilities\.network: expected a table"),
        ({"network": {"module": ["x"]}}, r"tool\.depscan\.capabilities\.network\.module: unknown key"),
        ({"network": {"modules": "x"}}, r"capabilities\.network\.modules: expected a list"),
        ({"network": {"modules": ["ok", "not ok"]}}, r"capabilities\.network\.modules\[1\]: 'not ok' is not a dotted"),
        ({"network": {"modules": ["a..b"]}}, r"capabilities\.network\.modules\[0\]"),
        ({"network": {"modules": ["1abc"]}}, r"capabilities\.network\.modules\[0\]"),
        ({"network": {"modules": ["class.x"]}}, r"capabilities\.network\.modules\[0\]"),
        ({"network": {"modules": [3]}}, r"capabilities\.network\.modules\[0\]: 3 is not"),
        ({"process": {"attributes": ["os"]}}, r"capabilities\.process\.attributes: expected a table"),
        ({"process": {"attributes": {"o s": ["x"]}}}, r"capabilities\.process\.attributes: 'o s' is not"),
        ({"process": {"attributes": {"os": "kill"}}}, r"capabilities\.process\.attributes\.os: expected a list"),
        ({"process": {"attributes": {"os": ["a.b"]}}}, r"capabilities\.process\.attributes\.os\[0\]: 'a\.b' is not"),
        ({"process": {"description": ""}}, r"capabilities\.process\.description: expected a non-empty string"),
        ({"process": {"note": 1}}, r"capabilities\.process\.note: expected a non-empty string"),
        ({"crypto": {"modules": ["nacl"]}}, r"capabilities\.crypto: a new capability needs a description"),
        ({"crypto": {"description": "x"}}, r"capabilities\.crypto: a new capability needs modules or attributes"),
        ({"Crypto": {"description": "x", "modules": ["nacl"]}}, r"capabilities\.Crypto: a capability name is"),
        ({"crypto-": {"description": "x", "modules": ["nacl"]}}, r"capabilities\.crypto-: a capability name is"),
    ],
)
def test_bad_extra_configuration_is_rejected(extra: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_capabilities(extra)


# -- portability_of ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "version", "expected"),
    [
        ("distutils", (3, 12), "distutils"),
        ("distutils.command.build", (3, 13), "distutils"),  # a submodule: its top-level package's entry
        ("distutils.core", (3, 10), "distutils"),  # deprecated, not yet removed
        ("distutils.core", (3, 9), None),  # before the deprecation
        ("distutilsx", (3, 13), None),
        ("tkinter.tix", (3, 6), "tkinter.tix"),
        ("tkinter.tix", (3, 5), None),
        ("tkinter", (3, 13), None),  # the parent of an entry is not covered by it
        ("typing.io", (3, 8), "typing.io"),
        ("typing", (3, 13), None),
        ("imp", (3, 4), "imp"),
        ("asyncore", (3, 5), None),
        ("telnetlib", (3, 14), "telnetlib"),
        ("os", (3, 13), None),
    ],
)
def test_portability_of(module: str, version: tuple[int, int], expected: str | None) -> None:
    entry = portability_of(module, version, load_portability())
    assert (entry.module if entry else None) == expected


def _portability_from(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(capabilities, "_read_data", lambda filename: tomllib.loads(text))
    load_portability()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[imp]\ndeprecated = "3.12"\nremoved = "3.12"\nsource = "x"', r"\[imp\]: deprecated in 3\.12, not before"),
        ('[imp]\nremoved = "3.12"', r"\[imp\]: needs a 'source'"),
        ('[imp]\nsource = "x"', r"\[imp\]: needs 'deprecated', 'removed' or both"),
        ('[imp]\nremoved = "3.12.1"\nsource = "x"', r"\[imp\]\.removed: expected a version string"),
        ('[imp]\nremoved = 3.12\nsource = "x"', r"\[imp\]\.removed: expected a version string"),
        ('[imp]\nremoved = "3.12"\nsource = "x"\nreplacment = "y"', r"\[imp\]\.replacment: unknown key$"),
        ('[tkinter.tix]\nremoved = "3.13"\nsource = "x"', r"\[tkinter\]\.tix: unknown key \(quote a dotted"),
    ],
)
def test_bad_portability_table_is_rejected(monkeypatch: pytest.MonkeyPatch, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _portability_from(monkeypatch, text)
