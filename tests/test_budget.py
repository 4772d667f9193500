"""The count of tokens that bounds a parse's memory (``depscan.extract.budget``) against the oracle,
Python's own tokenizer: it must never count fewer tokens than there are (a module it lets through
could then take more memory than the bound), and not so many more that real modules are refused."""

from __future__ import annotations

import ast
import base64
import io
import os
import subprocess
import sys
import tokenize
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depscan.extract import budget

STDLIB = Path(os.__file__).parent


def _tokenizer_count(source: bytes) -> int | None:
    """The tokens Python's tokenizer reads (its ENCODING token left out) in a module the parser reads;
    None for any other (the parser stops at the error: an indent after a line that opens no block,
    say, which the count does not count, is the end of the parse)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
        return sum(1 for token in tokenize.tokenize(io.BytesIO(source).readline) if token.type != tokenize.ENCODING)
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def test_the_count_is_never_under_the_tokenizers_on_the_standard_library() -> None:
    sources = sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts)[::3]
    mine_total = real_total = 0
    for path in sources:
        source = path.read_bytes()
        real = _tokenizer_count(source)
        if real is None:
            continue
        mine = budget._tokens(source, 10**9)
        assert mine >= real, path
        assert budget.too_many_tokens(source, real - 1), path  # each stage: never "it fits" when not
        mine_total, real_total = mine_total + mine, real_total + real
    assert real_total > 500_000
    assert mine_total < 1.1 * real_total  # close enough that real modules are not refused


# Statements where a count of tokens can go wrong: strings of every prefix and quote with escapes,
# quotes of the other kind, braces, comment signs, colons and line ends inside; f-string fields and
# format specs; comments; blocks that indent; numbers glued to keywords; continuation lines.
BODY_PARTS = ["a", " ", ":", "#", "\\\\", "\\n", "{{", "}}", "{x}", "{x!r:>{y}}", "'", '"', "é", "\n", ":\n"]

strings = st.builds(
    lambda prefix, quote, parts: prefix + quote + "".join(parts) + quote,
    st.sampled_from(["", "r", "b", "rb", "f", "fr", "u", "F", "Rb"]),
    st.sampled_from(["'", '"', "'''", '"""']),
    st.lists(st.sampled_from(BODY_PARTS), max_size=8),
)
expressions = st.one_of(
    strings,
    st.sampled_from(["x", "1if x else 2", "0x1f", "1.5e3", "[1, 2,\n 3]", "(x,\n# c\n y)", "lambda: 0"]),
    st.lists(strings, min_size=2, max_size=3).map(" ".join),  # adjacent strings
)
statements = st.one_of(
    expressions.map(lambda e: f"v = {e}\n"),
    expressions.map(lambda e: f"if {e}:  # c\n    pass\nelse:\n    w = {e}\n"),
    expressions.map(lambda e: f"def f(x=1):\n    return {e}\n\n"),
    st.just("import a.b as c; x = 1 \\\n  + 2\n"),
    st.just("# comment: with a colon:\n"),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(statements, min_size=1, max_size=12))
def test_the_count_is_never_under_the_tokenizers_on_generated_modules(lines: list[str]) -> None:
    source = "".join(lines).encode("utf-8", "surrogatepass")
    real = _tokenizer_count(source)
    if real is not None:
        assert budget._tokens(source, 10**9) >= real
        assert budget.too_many_tokens(source, real - 1)


def test_a_module_in_utf_7_is_counted_in_its_characters_not_its_bytes() -> None:
    # ``a`` and a line end, 2,000 times, in UTF-7's base64: one word and no line end to a count of bytes
    body = base64.b64encode(("a\n" * 2000).encode("utf-16-be")).rstrip(b"=")
    source = b"# coding: utf-7\n+" + body + b"-\n"
    real = _tokenizer_count(source)
    assert real is not None and real > 4000
    assert budget._tokens(source, 10**9) >= real
    assert budget.too_many_tokens(source, real - 1)


# Python 3.12's tokenizer, which reads the literal parts of f-strings as tokens: the running one or pyenv's.
TOKENIZERS_312 = [sys.executable] if sys.version_info >= (3, 12) else []
TOKENIZERS_312 += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.1[2-9].*/bin/python3"))]


@pytest.mark.skipif(not TOKENIZERS_312, reason="no Python 3.12 or later")
def test_the_literal_parts_of_f_strings_that_are_spaces_are_counted() -> None:
    source = b'v = f"' + b" {x}" * 50 + b' "\n' + b"w = f'{x:{y} }'\n"
    count = "import io, sys, tokenize as t; print(len(list(t.tokenize(io.BytesIO(sys.stdin.buffer.read()).readline))))"
    done = subprocess.run([TOKENIZERS_312[0], "-c", count], input=source, capture_output=True, check=True)
    real = int(done.stdout) - 1  # (the ENCODING token)
    assert real > 200  # (each " " a token)
    assert budget._tokens(source, 10**9) >= real
    assert budget.too_many_tokens(source, real - 1)
