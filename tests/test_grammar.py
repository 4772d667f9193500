"""Code written for a newer Python than the one depscan runs on (issue #14, item 12).

The oracles are pyenv's Python 3.12 and 3.13: each input is checked to be valid for its
version and refused by the one before; the imports their own ``ast`` finds, and the extraction
depscan's walker makes when it runs on them natively, are what the reader of newer grammars must
give on the running Python. On files the running parser reads, the reader must change nothing.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depscan.app.check import check
from depscan.app.settings import Options
from depscan.extract import grammar
from depscan.extract.walker import extract, extract_newer
from depscan.model.records import Extraction

ROOT = Path(__file__).resolve().parent.parent

# name -> (the oldest Python that accepts it, source). ASCII except where a case says otherwise.
SAMPLES: dict[str, tuple[tuple[int, int], str]] = {
    "type-aliases": (
        (3, 12),
        """\
import sys
from typing import TYPE_CHECKING
type Alias = list[int]
type Pair[T] = tuple[T, T]; import after_alias_same_line
type Multi = (
    int
    | str
); import after_multiline_alias
if TYPE_CHECKING:
    import only_for_typing
    type Guarded = int
else:
    type Other = str
if sys.version_info >= (3, 12):
    import new_only
else:
    import old_only
try:
    import grouped
except* ImportError:
    grouped = None
import nonexistent_mod
__all__ = ["Alias", "Pair"]
""",
    ),
    "generics": (
        (3, 12),
        """\
def first[T](items: list[T]) -> T:
    import inside_generic_function
    return items[0]
class Box[T: (int, str), *Ts, **P](object):
    import in_generic_class
    def method[U](self, u: U) -> U: return u
async def fetch[T](
    x: T,
) -> T:
    return x
class Multi[
    K,  # a comment
    V,
]: import after_multiline_parameters
def star[*Ts](*args: *Ts) -> tuple[*Ts]: return args
try:
    import optional_mod
except ImportError:
    optional_mod = None
from . import sibling
""",
    ),
    "fstrings": (
        (3, 12),
        """\
import importlib
songs = ["a", "b"]
title = f"{", ".join(songs)}"; import after_nested_quotes
path = f"{"\\\\n".join(songs)}"
commented = f"{
    len(songs)  # a comment in a replacement field
}"; import after_multiline_fstring
deep = f"{f"{f"{1}"}"}"
joined = "plain " f"{"x"}" 'more'; import after_joined
spec = f"{3.14:{"10"}.{"2"}}"
named = f"\\N{BULLET} {songs!r}"
old_style = f"{songs[0]!r:>{10}}"
triple = f\"\"\"{
    \"\"\"inner\"\"\"
}\"\"\"; import after_triple
mod = importlib.import_module("static_name")
dynamic = importlib.import_module(f"plugins.{songs[0]}")
import after_fstrings
""",
    ),
    "unicode": (
        (3, 12),
        """\
greeting = f"{"h\u00e9llo"}"; import after_unicode
\u00e7a = 1; type \u03a9 = int; import after_omega
""",
    ),
    "defaults": (
        (3, 13),
        """\
type WithDefault[T = int] = list[T]
def f[T = str](x: T) -> T: return x
class C[T = int]: import in_default_class
import after_defaults
""",
    ),
}

# Run in the newer Python: its own parse of each file, the import statements its ast finds, and
# depscan's walker's extraction there (parsing only: nothing analysed is executed).
_ORACLE = """
import ast, json, sys
sys.path.insert(0, sys.argv[1])
from depscan.extract.walker import extract
answers = {}
for path in sys.argv[2:]:
    source = open(path, "rb").read()
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        answers[path] = {"error": str(exc)}
        continue
    nodes = [
        [type(node).__name__, getattr(node, "module", None), getattr(node, "level", 0),
         [alias.name for alias in node.names], node.lineno, node.col_offset]
        for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    answers[path] = {"imports": sorted(nodes, key=lambda n: (n[4], n[5])),
                     "extraction": extract(source, "pkg.mod", False, path).to_json()}
print(json.dumps(answers))
"""


def _python(version: tuple[int, int]) -> str | None:
    found = sorted(Path.home().glob(f".pyenv/versions/{version[0]}.{version[1]}.*/bin/python"))
    return str(found[-1]) if found else None


def _oracle(version: tuple[int, int], paths: list[Path]) -> dict[str, Any]:
    python = _python(version)
    if python is None:
        pytest.skip(f"no Python {version[0]}.{version[1]} from pyenv here")
    command = [python, "-I", "-c", _ORACLE, str(ROOT), *map(str, paths)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    answers: dict[str, Any] = json.loads(done.stdout)
    return answers


def _comparable(extraction: Extraction) -> dict[str, Any]:
    """What a reader's extraction says, less the note that says which reader it was."""
    document = extraction.to_json()
    document["diagnostics"] = [d for d in document["diagnostics"] if d["code"] != "DS016"]
    document["newer_syntax"] = None
    return document


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("newer")
    paths = {}
    for name, (_, source) in SAMPLES.items():
        paths[name] = base / f"{name}.py"
        paths[name].write_text(source, encoding="utf-8")
    return paths


@pytest.mark.parametrize("name", list(SAMPLES))
def test_each_sample_needs_its_version(name: str, samples: dict[str, Path]) -> None:
    """The oracle's premise: the sample parses on its version and not on the one before (nor here,
    when the running Python is older)."""
    version, source = SAMPLES[name]
    path = samples[name]
    assert "error" not in _oracle(version, [path])[str(path)]
    assert "error" in _oracle((version[0], version[1] - 1), [path])[str(path)]
    if sys.version_info[:2] < version:
        with pytest.raises(SyntaxError):
            ast.parse(source)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_reader_gives_what_the_newer_python_reads(name: str, samples: dict[str, Path]) -> None:
    version, _ = SAMPLES[name]
    path = samples[name]
    answer = _oracle(version, [path])[str(path)]
    answer["extraction"]["newer_syntax"] = None  # said where it was found (checked below)
    source = path.read_bytes()
    for read in (extract(source, "pkg.mod", False, str(path)), extract_newer(source, "pkg.mod", False, str(path))):
        assert _comparable(read) == answer["extraction"]
        statements = sorted({(r.line, r.col) for r in read.imports if r.kind != "call"})
        if source.isascii():  # the columns are characters; the AST's, UTF-8 bytes
            assert statements == sorted({(line, col + 1) for *_, line, col in answer["imports"]})
        modules = {r.raw for r in read.imports if r.kind in ("import",)}
        assert modules == {n for kind, _, _, names, *_ in answer["imports"] if kind == "Import" for n in names}
        if name == "fstrings" and sys.version_info >= (3, 12):  # read natively; feature_version does not tell
            assert read.newer_syntax is None
        else:
            assert read.newer_syntax is not None and read.newer_syntax.version == version


def test_the_note_says_which_grammar_read_the_file(samples: dict[str, Path]) -> None:
    extraction = extract(samples["type-aliases"].read_bytes(), "m", False, "m.py")
    notes = [d for d in extraction.diagnostics if d.code == "DS016"]
    if sys.version_info[:2] < (3, 12):
        assert [(n.line, n.col, n.severity) for n in notes] == [(3, 1, "info")]
        assert "Python 3.12 grammar" in notes[0].message
    else:  # the running parser reads it: no note, but the version it needs is known all the same
        assert notes == []
    assert extraction.newer_syntax is not None and (extraction.newer_syntax.line, extraction.newer_syntax.version) == (
        3,
        (3, 12),
    )


def test_a_file_too_new_for_the_target_is_a_syntax_error(samples: dict[str, Path]) -> None:
    extraction = extract(samples["defaults"].read_bytes(), "m", False, "m.py")
    assert grammar.for_version(extraction, (3, 13)) is extraction
    assert grammar.for_version(extraction, (3, 14, 1)) is extraction
    older = grammar.for_version(extraction, (3, 12))
    assert older.imports == () and [(d.code, d.line) for d in older.diagnostics] == [("DS010", 1)]
    assert "3.13" in older.diagnostics[0].message and "runs on Python 3.12" in older.diagnostics[0].message


def test_a_real_syntax_error_in_newer_code_stays_one() -> None:
    extraction = extract(b"type X = int\nimport os\nimport (\n", "m", False, "m.py")
    assert [(d.code, d.line) for d in extraction.diagnostics] == [("DS010", 3)]
    assert extraction.imports == ()


def test_python_2_code_stays_a_syntax_error() -> None:
    extraction = extract(b"import os\nprint 'hello'\n", "m", False, "m.py")
    assert [d.code for d in extraction.diagnostics] == ["DS010"] and extraction.imports == ()


# No Python 3.14 is here to be the oracle: these expectations are written by hand.
@pytest.mark.parametrize(
    "source",
    [
        pytest.param('name = "x"\ngreeting = t"hello {name}"; import after_template\n', id="t-string"),
        pytest.param(
            "try:\n    import fast\nexcept ImportError, AttributeError:\n    import after_bare_tuple\n", id="pep-758"
        ),
    ],
)
def test_python_3_14_syntax(source: str) -> None:
    extraction = extract(source.encode(), "m", False, "m.py")
    assert extraction.newer_syntax is not None and extraction.newer_syntax.version == (3, 14)
    last = extraction.imports[-1]
    assert last.raw.startswith("after_") and last.line == source.count("\n")
    if "except" in source:
        assert extraction.imports[0].context.try_id == 1 and last.context.try_role == "handler"
    else:
        assert last.col == source.splitlines()[-1].index("import") + 1


_FSTRING_TEXT = re.compile(r"""f('''|""" '"""' r"""|'|")(?:\\.|(?!\1).)*\1""", re.DOTALL)


def _without_strings(value: Any) -> Any:
    """An extraction's JSON form, each f-string in an expression's text said as ``f''`` (the one
    thing a replaced f-string changes), without the note or the syntax needed."""
    if isinstance(value, Extraction):
        document = _comparable(value)
        return _without_strings(document)
    if isinstance(value, dict):
        return {key: _without_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_strings(item) for item in value]
    return _FSTRING_TEXT.sub("f''", value) if isinstance(value, str) else value


def _stdlib_files() -> list[Path]:
    base = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(base.glob("*.py"))
    for package in ("asyncio", "email", "importlib", "json", "logging", "multiprocessing", "unittest", "xml"):
        files += sorted((base / package).rglob("*.py"))
    return [f for f in files if f.stat().st_size < 300_000]


@pytest.mark.slow
def test_reader_changes_nothing_on_files_the_running_parser_reads() -> None:
    """The property: forced through the reader of newer grammars, every stdlib file of the running
    Python gives exactly the extraction of the normal path; with every f-string replaced, the same
    but for the text of dynamic imports' arguments."""
    files = _stdlib_files()
    assert len(files) > 250
    replaced = 0
    for file in files:
        source = file.read_bytes()
        normal = extract(source, "m", False, str(file))
        assert normal.ok, file
        rewritten = grammar.rewrite(source, every_string=True)
        assert rewritten is not None, f"{file}: the lexer cannot follow it"
        newer = extract_newer(source, "m", False, str(file))
        if normal.newer_syntax is None:  # nothing to rewrite (on 3.12 and later, the stdlib's own generics)
            assert newer == normal, file
        assert _comparable(newer) == _comparable(normal), file
        replaced += len(rewritten.constructs)
        every = extract_newer(source, "m", False, str(file), every_string=True)
        assert _without_strings(every) == _without_strings(normal), file
    assert replaced > 500  # f-strings enough to mean something


_PARTS = [b"except", b"*", b" ", b"\t", b"\f", b"\\", b"\r", b"\n", b"\r\n", b"x", b"exc", b"ept", b"e"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PARTS), max_size=12))
def test_the_except_star_search_is_the_pattern(parts: list[bytes]) -> None:
    """The search for ``except*`` that finds each ``*`` and looks behind it tells what the pattern
    does (blanks and continued lines between, as ``grammar._GAP`` says)."""
    source = b"".join(parts)
    assert grammar._except_star(source) == bool(re.search(rb"except" + grammar._GAP + rb"*\*", source))


# What Python lets stand between two tokens of a line, beyond spaces and tabs.
_GAPS = st.lists(st.sampled_from([b" ", b"\t", b"\f", b"\\\n", b"\\\r\n", b"\\\r", b" \\\n  "]), max_size=4)


@pytest.mark.skipif(grammar.HOST < (3, 11), reason="the running parser reads no except*")
@settings(max_examples=200, deadline=None)
@given(_GAPS)
def test_except_star_is_found_whatever_stands_before_the_star(gap: list[bytes]) -> None:
    """``except``, then a form feed or a continued line, then ``*``: the running parser reads it as
    ``except*`` (3.11), and so it is syntax newer than 3.10 (the patterns once knew only spaces
    and tabs: ``except \\`` then ``*ValueError:`` was no error for code that runs on 3.10)."""
    source = b"try:\n    pass\nexcept" + b"".join(gap) + b"*ValueError:\n    pass\n"
    try:
        ast.parse(source)
    except SyntaxError:
        return  # (not Python: nothing to find)
    with pytest.raises(SyntaxError):
        ast.parse(source, feature_version=(3, 10))
    found = grammar.newer_than_oldest(source)
    assert found is not None and found[0] == (3, 11)


@pytest.mark.skipif(grammar.HOST < (3, 12), reason="the running parser reads no type parameters")
@settings(max_examples=200, deadline=None)
@given(st.sampled_from([b"type {}X{}= int\n", b"type {}X{}[T] = T\n", b"def {}f{}[T](): pass\n"]), _GAPS, _GAPS)
def test_type_parameters_are_found_whatever_stands_between(form: bytes, one: list[bytes], two: list[bytes]) -> None:
    """As :func:`test_except_star_is_found_whatever_stands_before_the_star`, of 3.12's constructs."""
    source = form.replace(b"{}", b"".join(one), 1).replace(b"{}", b"".join(two), 1)
    try:
        ast.parse(source)
    except SyntaxError:
        return
    with pytest.raises(SyntaxError):
        ast.parse(source, feature_version=(3, 11))
    found = grammar.newer_than_oldest(source)
    assert found is not None and found[0] == (3, 12)


def test_except_star_on_a_continued_line_is_an_error_where_the_code_runs_on_3_10(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``except \\`` with ``*ValueError:`` on the next line, or ``except\\f*``: DS010 for code that
    runs on 3.10, as ``except *ValueError:`` is (on 3.10 itself, a syntax error anyway)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    for name, gap in (("plain", b" "), ("continued", b" \\\n"), ("form_feed", b"\f")):
        (tmp_path / f"{name}.py").write_bytes(b"try:\n    pass\nexcept" + gap + b"*ValueError:\n    pass\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    options = Options(targets=(), python_versions=("3.10",), no_cache=True, output_format="json")
    findings = json.loads(check(options).report)["findings"]
    assert sorted((Path(f["path"]).name, f["code"]) for f in findings) == [
        ("continued.py", "DS010"),
        ("form_feed.py", "DS010"),
        ("plain.py", "DS010"),
    ]


def test_check_reads_a_file_for_the_version_it_runs_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``import nonexistent_mod`` below ``type X = int``: missing where the code runs on 3.12, and the
    file a syntax error where it runs on 3.11, whatever Python depscan runs on."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    (tmp_path / "mod.py").write_text("type X = int\nimport nonexistent_mod\nimport os\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    codes = {}
    for version in ("3.12", "3.11"):
        options = Options(targets=(), python_versions=(version,), no_cache=True, output_format="json")
        outcome = check(options)
        codes[version] = [(f["code"], f["line"]) for f in json.loads(outcome.report)["findings"]]
    assert codes == {"3.12": [("DS001", 2)], "3.11": [("DS010", 1)]}
