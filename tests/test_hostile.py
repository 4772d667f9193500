"""Hostile input: every bad file becomes a diagnostic with file and line, never an exception."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from depscan.extract.grammar import for_version
from depscan.extract.walker import extract, extract_file
from depscan.model.records import Extraction
from depscan.source import read_bytes

HOSTILE = FIXTURES / "extract" / "hostile"


@pytest.mark.parametrize(
    ("name", "code", "line", "words"),
    [
        ("null_byte.py", "DS010", 2, "null byte"),
        ("undecodable.py", "DS011", 2, "byte 0xe9"),
        ("unknown_cookie.py", "DS011", 0, "klingon"),
        ("bom_and_cookie.py", "DS011", 0, "encoding problem"),
        ("python2.py", "DS010", 2, "Python 2"),
        ("python2_except.py", "DS010", 3, "Python 2"),
    ],
)
def test_bad_files_give_one_diagnostic(name: str, code: str, line: int, words: str) -> None:
    # Read as Python 3.13 reads it: Python 2's `except E, e:` is 3.14's `except (E, e):`.
    result = for_version(extract_file(HOSTILE / name), (3, 13))
    assert not result.ok
    assert result.imports == ()
    [diagnostic] = result.diagnostics
    assert (diagnostic.code, diagnostic.line) == (code, line)
    assert words in diagnostic.message
    assert diagnostic.path == str(HOSTILE / name)


def test_encodings_python_accepts() -> None:
    latin1 = extract_file(HOSTILE / "latin1_cookie.py")
    assert latin1.ok and [r.module for r in latin1.imports] == ["os", "été"]
    bom = extract_file(HOSTILE / "bom.py")
    assert bom.ok and [r.module for r in bom.imports] == ["bom_module"]


@pytest.mark.parametrize(
    ("source", "code"),
    [
        (b"x = " + b"(" * 100_000 + b")" * 100_000 + b"\n", "DS010"),  # "too many nested parentheses"
        (b"x = " + b"+".join([b"a"] * 200_000) + b"\n", "DS014"),  # parser recursion
        (b"x = " + b"not " * 100_000 + b"a\n", "DS014"),  # parser stack
        (b"".join(b" " * i + b"if x:\n" for i in range(120)) + b" " * 120 + b"pass\n", "DS010"),
    ],
    ids=["parens", "long-chain", "not-chain", "deep-indent"],
)
def test_pathological_nesting(source: bytes, code: str) -> None:
    if code == "DS014" and sys.version_info < (3, 11):
        pytest.skip("CPython 3.10's parser crashes on this input (fixed in 3.11); see the README")
    result = extract(source, "m", path="deep.py")
    assert [d.code for d in result.diagnostics] == [code]


def test_deep_but_valid_nesting_is_analysed() -> None:
    # 90 nested blocks is legal Python; every level is walked.
    source = b"".join(b" " * i + b"if x:\n" for i in range(90)) + b" " * 90 + b"import deep\n"
    result = extract(source, "m")
    assert [r.module for r in result.imports] == ["deep"]
    assert len(result.imports[0].context.conditions) == 90


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    result = extract_file(fifo)  # would block forever on a plain open()
    assert [(d.code, d.message) for d in result.diagnostics] == [("DS012", "is a FIFO; not read")]


def test_directory_named_like_a_module(tmp_path: Path) -> None:
    (tmp_path / "x.py").mkdir()
    result = extract_file(tmp_path / "x.py")
    assert [(d.code, d.message) for d in result.diagnostics] == [("DS012", "is a directory, not a file")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_no_permission(tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("import os\n")
    secret.chmod(0)
    result = extract_file(secret)
    assert [(d.code, d.message) for d in result.diagnostics] == [("DS012", "permission denied")]


def test_no_permission_as_another_user(world_tmp: Path) -> None:
    """As root, read in a forked child that has become an unprivileged user."""
    tmp_path = world_tmp
    if os.geteuid() != 0:
        pytest.skip("covered by test_no_permission")
    secret = tmp_path / "secret.py"
    secret.write_text("import os\n")
    readable = tmp_path / "readable.py"
    readable.write_text("import os\n")
    secret.chmod(0)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, read, report, exit without cleanup
        try:
            os.setgid(65534)
            os.setuid(65534)
            control = read_bytes(readable)  # proves the user can get this far
            outcome = read_bytes(secret)
            text = "bytes" if isinstance(outcome, bytes) else f"{outcome.code} {outcome.message}"
            text += " / control read" if isinstance(control, bytes) else " / control failed"
        except BaseException as exc:  # report anything, never return into pytest
            text = f"error {exc!r}"
        os.write(writer, text.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    assert text == "DS012 permission denied / control read"


def test_missing_file(tmp_path: Path) -> None:
    result = extract_file(tmp_path / "gone.py")
    assert [(d.code, d.message) for d in result.diagnostics] == [("DS012", "no such file")]


def test_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a.py").symlink_to(tmp_path / "b.py")
    (tmp_path / "b.py").symlink_to(tmp_path / "a.py")
    result = extract_file(tmp_path / "a.py")
    assert [d.code for d in result.diagnostics] == ["DS012"]
    assert "symbolic links" in result.diagnostics[0].message


def test_fifty_megabyte_file(tmp_path: Path) -> None:
    """Refused by size before anything is read: parsing it would take a minute and gigabytes."""
    big = tmp_path / "big.py"
    line = b"VALUE = 'x' * 64  # filler\n"
    big.write_bytes(b"import os\n" + line * (50 * 1024 * 1024 // len(line) + 1))
    result = extract_file(big)
    assert [d.code for d in result.diagnostics] == ["DS013"]
    assert "50.0 MiB" in result.diagnostics[0].message


def test_size_limit_is_exact(tmp_path: Path) -> None:
    file = tmp_path / "m.py"
    file.write_bytes(b"import os\n")
    assert isinstance(read_bytes(file, max_bytes=10), bytes)
    assert not isinstance(read_bytes(file, max_bytes=9), bytes)


@pytest.mark.parametrize(
    "source",
    [b"", b"\n", b"\xef\xbb\xbf", b"#!/usr/bin/env python\n", b"\r\n\r\nimport os\r\n", b"import os\rimport sys\r"],
)
def test_odd_but_valid(source: bytes) -> None:
    result = extract(source, "m")
    assert isinstance(result, Extraction) and result.ok


def test_carriage_return_line_numbers() -> None:
    result = extract(b"import os\rimport sys\r", "m")
    assert [(r.module, r.line) for r in result.imports] == [("os", 1), ("sys", 2)]
