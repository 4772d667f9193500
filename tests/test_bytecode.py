"""Sourceless .pyc files: the same imports, from the code objects' import instructions."""

from __future__ import annotations

import importlib.util
import marshal
import py_compile
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from depscan.cli import cli
from depscan.extract.bytecode import KNOWN_MAGIC, extract_bytecode
from depscan.extract.walker import extract_file
from depscan.model.records import ImportRecord


def _key(record: ImportRecord) -> tuple[str, str | None, int, tuple[str, ...], int]:
    return (record.kind, record.module, record.level, tuple(n.name for n in record.names), record.line)


@pytest.mark.parametrize("name", ["forms.py", "contexts.py", "definitions.py"])
def test_pyc_gives_the_source_imports(tmp_path: Path, name: str) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(FIXTURES / "extract" / "pkg", package)
    source = package / name
    compiled = source.with_suffix(".pyc")
    py_compile.compile(str(source), cfile=str(compiled), doraise=True)
    source.unlink()  # sourceless, as it would be shipped
    from_bytecode = extract_file(compiled)
    from_source = extract_file(FIXTURES / "extract" / "pkg" / name)
    assert from_bytecode.module == from_source.module == f"pkg.{name[:-3]}"
    assert from_bytecode.source_kind == "bytecode"
    assert all(not record.precise for record in from_bytecode.imports)
    # The compiler drops `if False:` / `if 0:` blocks, and emits `finally:` bodies
    # twice (normal and exceptional exit): compare sets of (statement, line).
    expected = {
        _key(r)
        for r in from_source.imports
        if r.kind != "call" and not any(str(c) == "False" for c in r.context.conditions)
    }
    assert {_key(r) for r in from_bytecode.imports} == expected
    scopes = {r.module: r.context.scope for r in from_bytecode.imports}
    if name == "contexts.py":
        assert scopes["in_function"] == "function"
        assert scopes["in_class"] == "class"
        assert scopes["in_class_in_function"] == "function"


def test_other_magic_number_is_a_diagnostic() -> None:
    own = importlib.util.MAGIC_NUMBER
    other = next(m for m in KNOWN_MAGIC if m.to_bytes(2, "little") != own[:2] and m > 3000)
    data = other.to_bytes(2, "little") + b"\r\n" + bytes(12) + b"garbage"
    result = extract_bytecode(data, "m", False, "m.pyc")
    [diagnostic] = result.diagnostics
    assert diagnostic.code == "DS030"
    assert f"Python {KNOWN_MAGIC[other]}" in diagnostic.message


def test_pyc_from_another_installed_python(tmp_path: Path) -> None:
    candidates = sorted(Path.home().glob(".pyenv/versions/3.*/bin/python3"))
    own = importlib.util.MAGIC_NUMBER
    for python in candidates:
        source = tmp_path / "m.py"
        source.write_text("import os\n")
        compiled = tmp_path / "m.pyc"
        done = subprocess.run(
            [str(python), "-c", f"import py_compile; py_compile.compile({str(source)!r}, cfile={str(compiled)!r})"],
            capture_output=True,
        )
        if done.returncode == 0 and compiled.read_bytes()[:4] != own:
            break
    else:
        pytest.skip("no other Python installed to write a foreign .pyc")
    result = extract_file(compiled)
    assert [d.code for d in result.diagnostics] == ["DS030"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "DS031"),
        (b"not bytecode at all", "DS031"),
        (importlib.util.MAGIC_NUMBER + bytes(12) + b"\xff\xff\xff", "DS031"),
        (importlib.util.MAGIC_NUMBER + bytes(12), "DS031"),
        (importlib.util.MAGIC_NUMBER + bytes(12) + b"i\x01\x00\x00\x00", "DS031"),  # an int, not code
    ],
    ids=["empty", "text", "garbage", "truncated", "not-code"],
)
def test_corrupt_bytecode(data: bytes, code: str) -> None:
    result = extract_bytecode(data, "m", False, "m.pyc")
    assert [d.code for d in result.diagnostics] == [code]


def _crafted(**replaced: tuple[object, ...]) -> bytes:
    """A ``.pyc`` of this Python whose code object was edited after compiling: its instructions name
    entries of ``co_names`` or ``co_consts`` that are not there. marshal builds it without a word."""
    code = compile("import os\nfrom json import loads\nx = 1\n", "m.py", "exec")
    return importlib.util.MAGIC_NUMBER + bytes(12) + marshal.dumps(code.replace(**replaced))  # type: ignore[arg-type]


def _a_number_for_a_name() -> bytes:
    """A ``.pyc`` whose marshalled code object has the int 5 where the name ``json`` was: marshal
    refuses it with SystemError ("non-string found in code slot"), not the ValueError it documents."""
    data = _crafted()
    at = data.index(b"json") - 2  # the string's type code (its FLAG_REF bit kept) and length
    return data[:at] + bytes([ord("i") | (data[at] & 0x80)]) + (5).to_bytes(4, "little") + data[at + 6 :]


@pytest.mark.parametrize("kind", ["no-names", "no-consts", "int-for-a-name"])
def test_bytecode_naming_what_it_does_not_hold_is_corrupt(tmp_path: Path, kind: str) -> None:
    """dis raised IndexError, and marshal SystemError, on such code: a traceback that ended the
    scan, the audit and ``depscan imports``."""
    if kind == "int-for-a-name":
        data = _a_number_for_a_name()
    else:
        data = _crafted(**({"co_names": ()} if kind == "no-names" else {"co_consts": ()}))
    result = extract_bytecode(data, "m", False, "m.pyc")
    assert [d.code for d in result.diagnostics] == ["DS031"]
    assert "corrupt bytecode" in result.diagnostics[0].message
    (tmp_path / "m.pyc").write_bytes(data)
    (tmp_path / "main.py").write_text("import m\nimport json\n")
    for args in (["scan", str(tmp_path / "main.py")], ["audit", str(tmp_path)], ["imports", str(tmp_path / "m.pyc")]):
        done = CliRunner().invoke(cli, [*args, "--no-cache"] if args[0] != "imports" else args)
        assert done.exception is None or isinstance(done.exception, SystemExit), (args, done.output)
        assert "DS031" in done.output, (args, done.output)


def test_pycache_name(tmp_path: Path) -> None:
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    source = tmp_path / "tool.py"
    source.write_text("import json\n")
    written = py_compile.compile(str(source), doraise=True)
    assert written is not None  # None only for an error that doraise=True raises
    compiled = Path(written)
    assert compiled.parent.name == "__pycache__"
    result = extract_file(compiled)
    assert result.module == "tool"
    assert [r.module for r in result.imports] == ["json"]
