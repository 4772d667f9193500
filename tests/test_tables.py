"""The stdlib tables behind --python-version."""

from __future__ import annotations

import json
import sys
from importlib import resources

import pytest

from depscan.resolve.interpreter import InterpreterError
from depscan.resolve.resolver import Resolver, build_search_path
from depscan.resolve.tables import available_versions, interpreter_from_table

VERSIONS = ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]


def test_every_supported_version_has_a_table() -> None:
    assert available_versions() == VERSIONS


@pytest.mark.parametrize("version", VERSIONS)
def test_table_is_plausible(version: str) -> None:
    table = json.loads(resources.files("depscan.data").joinpath(f"stdlib-{version}.json").read_text())
    assert table["version"] == version
    assert {"sys", "__builtin__" if version == "2.7" else "builtins"} <= set(table["builtin"])
    assert {"os", "json", "collections", "importlib"} <= set(table["stdlib"])
    assert {"json.decoder", "xml.etree.ElementTree", "email.mime.text"} <= set(table["modules"])
    # sys.stdlib_module_names leaves out the test suite, CPython's test extension
    # modules and the frozen test modules on purpose; the tables keep them.
    outside = {name.partition(".")[0] for name in table["modules"]} - set(table["stdlib"]) - set(table["frozen"])
    testing = ("test", "_test", "xx", "_xx", "_ctypes_test", "__hello", "__phello")
    assert all(name.startswith(testing) for name in outside), sorted(outside)
    assert table["source"]


def test_table_of_this_python_matches_it() -> None:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if version not in VERSIONS:
        pytest.skip(f"no table for {version}")
    table = json.loads(resources.files("depscan.data").joinpath(f"stdlib-{version}.json").read_text())
    assert table["stdlib"] == sorted(sys.stdlib_module_names)


@pytest.mark.parametrize(
    ("version", "name", "found"),
    [
        ("3.8", "tomllib", False),
        ("3.11", "tomllib", True),
        ("3.11", "distutils.core", True),
        ("3.12", "distutils", False),
        ("3.12", "imp", False),
        ("3.11", "imp", True),
        ("3.13", "asyncore", False),
        ("3.14", "annotationlib", True),
        ("3.14", "compression.zstd", True),
        ("3.13", "annotationlib", False),
        ("3.12", "xml.etree.ElementTree", True),
        ("3.12", "xml.nothing", False),
    ],
)
def test_resolving_from_tables(version: str, name: str, found: bool) -> None:
    interp = interpreter_from_table(version)
    result = Resolver(interp, build_search_path(interp)).resolve(name)
    assert result.found is found
    if found:
        assert result.category == "stdlib"


def test_unknown_version() -> None:
    with pytest.raises(InterpreterError, match=r"no table for Python 2\.6"):
        interpreter_from_table("2.6")


def test_a_module_with_a_module_getattr_has_names_dir_does_not_list() -> None:
    """typing on 3.13 serves ContextManager through __getattr__: not a name to call missing."""
    from depscan.analysis.names import StdlibNames

    names = StdlibNames(interpreter_from_table("3.13"), ["linux"])
    typing_names, complete = names.names("typing")
    assert "ContextManager" not in typing_names and "cast" in typing_names and not complete
    os_names, complete = names.names("os")
    assert "path" in os_names and "nope" not in os_names and complete
    assert names.names("no.such.module") == (frozenset(), False)
