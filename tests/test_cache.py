"""The on-disk extraction cache: exact serialisation, the stat and hash checks, rebuilding, degrading."""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import json
import os
import pickle
import py_compile
import random
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import depscan.perf.cache as cache_module
import depscan.perf.codec as codec_module
from conftest import FIXTURES, ROOT
from depscan.extract.walker import extract, extract_file
from depscan.model.conditions import (
    All,
    Any_,
    Available,
    Condition,
    Const,
    Flag,
    HasName,
    Implementation,
    Main,
    Not,
    Platform,
    TypeChecking,
    Unknown,
    Version,
)
from depscan.model.graph import Site, new_site
from depscan.model.records import (
    AllRef,
    Context,
    Diagnostic,
    DynamicImport,
    Extraction,
    ImportedName,
    ImportRecord,
    ModuleFacts,
    NewerSyntax,
    new_record,
)
from depscan.perf.cache import DATABASE_NAME, SCHEMA_VERSION, ExtractionCache, extract_cached, extract_many_cached
from depscan.perf.codec import LAYOUT_FIELDS, CacheError, decode_extraction, encode_extraction
from depscan.source import module_name_for

OLD = 1_600_000_000  # a modification time long settled (September 2020)


def round_trip(extraction: Extraction) -> Extraction:
    data = encode_extraction(extraction)
    assert isinstance(data, bytes)
    data.decode("ascii")  # compact ASCII JSON, nothing else
    return decode_extraction(data)


def write(path: Path, text: str | bytes, mtime: int | None = OLD) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    if mtime is not None:
        os.utime(path, ns=(mtime * 10**9, mtime * 10**9))
    return path


def rows(cache_dir: Path) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(cache_dir / DATABASE_NAME)) as db:
        return db.execute("SELECT path, mtime_ns, size FROM extractions ORDER BY path").fetchall()


@pytest.fixture
def no_reading(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call the result to make any read of a file's content by the cache fail the test."""

    def forbid() -> None:
        def fail(path: str, max_bytes: int | None) -> None:
            raise AssertionError(f"the cache read {path}")

        monkeypatch.setattr(cache_module, "_read_regular", fail)

    return forbid


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose content the cache reads."""
    seen: list[str] = []
    real = cache_module._read_regular

    def counting(path: str, max_bytes: int | None) -> Any:
        seen.append(path)
        return real(path, max_bytes)

    monkeypatch.setattr(cache_module, "_read_regular", counting)
    return seen


# --- serialisation ------------------------------------------------------------------


def _all_subclasses(cls: type[object]) -> set[type[object]]:
    """The subclasses of ``cls`` their modules define (``slots=True`` leaves the class it replaced behind)."""
    found: set[type[object]] = set()
    for sub in cls.__subclasses__():
        if getattr(sys.modules[sub.__module__], sub.__name__, None) is sub:
            found.add(sub)
        found |= _all_subclasses(sub)
    return found


def test_layout_knows_every_field_of_the_model() -> None:
    """A field added to the model must be added to the layout, or the cache turns itself off."""
    assert codec_module._LAYOUT_PROBLEMS == []
    classes = {Extraction, ImportRecord, ImportedName, Context, DynamicImport, ModuleFacts, AllRef, Diagnostic}
    assert classes | _all_subclasses(Condition) <= set(LAYOUT_FIELDS)


def test_a_field_the_layout_does_not_know_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(codec_module, "_LAYOUT_PROBLEMS", ["the cache does not know the fields of ModuleFacts"])
    with pytest.raises(CacheError):
        encode_extraction(Extraction("m", False, "m.py"))
    source = write(tmp_path / "m.py", "import os\n")
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        first = extract_cached(cache, str(source), "m", False)
        assert cache.get(str(source), "m", False) is None
    assert first == extract_file(source, "m", False)


EVERY_CONDITION: list[Condition] = [
    Const(True),
    Const(False),
    TypeChecking(),
    Main(),
    Version(">=", (3, 10)),
    Version("<", (3,), index=0),
    Version("==", (3, 9), 0, 2),
    Version("!=", (3, 9), None, 2),
    Version(">", (3, 9), 1, None),
    Platform("sys.platform", "==", ("win32",)),
    Platform("os.name", "in", ("nt", "posix")),
    Platform("platform.system()", "startswith", ("Linux", "Darwin")),
    Platform("sys.platform", "not in", ("cygwin",)),
    Implementation("sys.implementation.name", "==", "pypy"),
    Available("yaml"),
    Not(Available("importlib.metadata")),
    Flag("django.utils.version", "PY314"),
    HasName("typing", "Protocol"),
    Not(Flag("six", "PY2")),
    Implementation("platform.python_implementation()", "!=", "CPython"),
    Unknown("x is None"),
    Unknown("'\ud800' in names"),
    Not(Main()),
    Not(Unknown("flag")),
    All((Version(">=", (3, 8)), Platform("sys.platform", "!=", ("win32",)))),
    Any_((TypeChecking(), All((Const(False), Unknown("y"))), Not(Version("<", (3,))))),
    All(()),
    Any_(()),
]


def test_every_condition_class_round_trips() -> None:
    assert {type(c) for c in EVERY_CONDITION} == _all_subclasses(Condition)
    context = Context("class", tuple(EVERY_CONDITION), 3, "handler", (1, 2), (7,))
    extraction = Extraction(
        "pkg.mod",
        False,
        "pkg/mod.py",
        imports=(ImportRecord("import", "os", "os", 0, 5, 4, context),),
        dynamic=(
            DynamicImport("importlib.import_module", "name", 9, 0, Context("function", tuple(EVERY_CONDITION[:3]))),
        ),
        facts=ModuleFacts(guarded=tuple((f"name{i}", ((c,), (c, Main()))) for i, c in enumerate(EVERY_CONDITION))),
    )
    back = round_trip(extraction)
    assert back == extraction
    for condition, (_, bindings) in zip(EVERY_CONDITION, back.facts.guarded, strict=True):
        assert type(bindings[0][0]) is type(condition) and bindings[0][0] == condition
        assert str(bindings[0][0]) == str(condition)


def test_unknown_made_from_a_node_round_trips() -> None:
    source = b"import sys\nif x.y(1) and sys.version_info >= (3, 8):\n    import a\n"
    extraction = extract(source, "m")
    [condition] = extraction.imports[1].context.conditions
    assert isinstance(condition, All) and isinstance(condition.args[0], Unknown)
    assert round_trip(extraction) == extraction


def test_every_model_field_is_kept() -> None:
    """Each field set to a value other than its default survives (a field dropped would come back as the default)."""
    record = ImportRecord(
        "call",
        None,
        "..x",
        2,
        7,
        3,
        Context("function", (Unknown("a"),), 4, "body", (1, 2, 3), (5, 6)),
        (ImportedName("a"), ImportedName("b", "c")),
        alias="al",
        via="importlib.import_module",
        precise=False,
    )
    facts = ModuleFacts(
        all_names=("a", "b"),
        all_refs=(AllRef("pkg.sub"),),
        all_exact=False,
        defined=("_c", "a", "b"),
        guarded=(("a", ((Version(">=", (3, 8)),), (Platform("os.name", "==", ("nt",)),))),),
        star_imports=("os", "sys"),
        unbound_self_imports=frozenset({"x", "y"}),
        dynamic_globals=True,
        future=("annotations",),
        namespace="pkgutil",
        vendored=(("pkg._vendor", ("packaging", "six")),),
        module_aliases=True,
        flags=(("PY2", Version("<", (3,))), ("WIN", Flag("pkg.compat", "WIN"))),
        module_entries=(("pkg.mod.alias", (Platform("os.name", "==", ("nt",)),), "json"), ("pkg.mod.x", (), None)),
    )
    extraction = Extraction(
        "pkg.mod",
        True,
        "pkg/mod/__init__.pyc",
        imports=(record,),
        dynamic=(DynamicImport("__import__", "f(x)", 3, 8, Context("class")),),
        facts=facts,
        diagnostics=(Diagnostic("DS020", "beyond top", "p.py", 3, 4, "warning"), Diagnostic("DS010", "bad")),
        source_kind="bytecode",
        newer_syntax=NewerSyntax((3, 12), "syntax error: a type alias statement ...", 4, 5),
        suppressions=((3, None), (7, ("DS001", "DS020"))),
    )
    defaults = (
        Extraction("", False, None),
        ImportRecord("import", "", "", 0, 0, 0, Context()),
        Context(),
        ModuleFacts(),
        DynamicImport("", "", 0, 0, Context()),
        Diagnostic("", ""),
        NewerSyntax((0, 0), ""),
    )
    values = (
        extraction,
        record,
        record.context,
        facts,
        extraction.dynamic[0],
        extraction.diagnostics[0],
        extraction.newer_syntax,
    )
    for value, default in zip(values, defaults, strict=True):
        assert dataclasses.is_dataclass(value)
        for f in dataclasses.fields(value):
            assert getattr(value, f.name) != getattr(default, f.name), f"{type(value).__name__}.{f.name}"
    assert round_trip(extraction) == extraction


def test_extractions_of_the_fixtures_round_trip(extracted: dict[str, Extraction]) -> None:
    assert len(extracted) >= 15
    for name, extraction in extracted.items():
        assert round_trip(extraction) == extraction, name


def _stdlib_files() -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts)
    return files[::5]  # a few hundred, spread over the whole tree


def test_extractions_of_stdlib_files_round_trip() -> None:
    files = _stdlib_files()
    assert len(files) >= 300
    kinds = set()
    for path in files:
        extraction = extract_file(path)
        assert round_trip(extraction) == extraction, path
        kinds |= {type(c) for r in extraction.imports for c in r.context.conditions}
    assert {Platform, Unknown, All} <= kinds  # real code exercised the condition table


def test_bytecode_extractions_round_trip(tmp_path: Path) -> None:
    sources = sorted((FIXTURES / "extract" / "pkg").rglob("*.py")) + _stdlib_files()[:60]
    records = 0
    for index, source in enumerate(sources):
        compiled = tmp_path / f"m{index}.pyc"
        try:
            py_compile.compile(str(source), cfile=str(compiled), doraise=True)
        except py_compile.PyCompileError:
            continue
        extraction = extract_file(compiled, f"pkg.m{index}", False)
        assert extraction.source_kind == "bytecode" and extraction.ok, source
        assert round_trip(extraction) == extraction, source
        records += len(extraction.imports)
    assert records > 200
    foreign = write(tmp_path / "old.pyc", b"\x03\xf3\r\n" + bytes(12))  # Python 2.7's magic number
    corrupt = write(tmp_path / "bad.pyc", (tmp_path / "m0.pyc").read_bytes()[:20])
    for path in (foreign, corrupt, write(tmp_path / "none.pyc", b"xx")):
        extraction = extract_file(path)
        assert extraction.diagnostics[0].code in ("DS030", "DS031")
        assert round_trip(extraction) == extraction


# Strategies for any extraction the model can hold, strings with lone surrogates included.
texts = st.text(st.characters(blacklist_categories=()), max_size=12)
names = st.text("abc_.xyz", min_size=1, max_size=8)
leaf_conditions = st.one_of(
    st.builds(Const, st.booleans()),
    st.just(TypeChecking()),
    st.just(Main()),
    st.builds(
        Version,
        st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
        st.lists(st.integers(0, 20), min_size=1, max_size=3).map(tuple),
        st.none() | st.integers(0, 3),
        st.none() | st.integers(0, 4),
        st.none() | st.integers(0, 4),
    ),
    st.builds(
        Platform,
        st.sampled_from(["sys.platform", "os.name", "platform.system()"]),
        st.sampled_from(["==", "!=", "in", "not in", "startswith"]),
        st.lists(texts, min_size=1, max_size=3).map(tuple),
    ),
    st.builds(
        Implementation,
        st.sampled_from(["sys.implementation.name", "platform.python_implementation()"]),
        st.sampled_from(["==", "!="]),
        texts,
    ),
    st.builds(Unknown, texts),
)
conditions = st.recursive(
    leaf_conditions,
    lambda children: st.one_of(
        st.builds(Not, children),
        st.builds(All, st.lists(children, max_size=3).map(tuple)),
        st.builds(Any_, st.lists(children, max_size=3).map(tuple)),
    ),
    max_leaves=8,
)
contexts = st.builds(
    Context,
    st.sampled_from(["module", "class", "function"]),
    st.lists(conditions, max_size=3).map(tuple),
    st.none() | st.integers(-5, 50),
    st.sampled_from([None, "body", "handler"]),
    st.lists(st.integers(0, 50), max_size=3).map(tuple),
)
shared_contexts = st.lists(contexts, min_size=1, max_size=3)
optional_texts = st.none() | texts
lines = st.integers(-(2**70), 2**70)
imported = st.builds(ImportedName, texts, optional_texts)


@st.composite
def extractions(draw: st.DrawFn) -> Extraction:
    pool = draw(shared_contexts)  # records share contexts, as the extractor's do
    context = st.sampled_from(pool) | contexts
    records = st.builds(
        ImportRecord,
        st.sampled_from(["import", "from", "star", "future", "call"]),
        st.none() | names,
        texts,
        st.integers(0, 5),
        lines,
        lines,
        context,
        st.lists(imported, max_size=3).map(tuple),
        optional_texts,
        optional_texts,
        st.booleans(),
    )
    dynamic = st.builds(DynamicImport, texts, texts, lines, lines, context)
    bindings = st.lists(st.lists(conditions, max_size=2).map(tuple), min_size=1, max_size=2).map(tuple)
    facts = st.builds(
        ModuleFacts,
        all_names=st.none() | st.lists(texts, max_size=3).map(tuple),
        all_refs=st.lists(st.builds(AllRef, names), max_size=2).map(tuple),
        all_exact=st.booleans(),
        defined=st.lists(texts, max_size=4, unique=True).map(lambda names: tuple(sorted(names))),
        guarded=st.lists(st.tuples(texts, bindings), max_size=2).map(tuple),
        star_imports=st.lists(names, max_size=2).map(tuple),
        unbound_self_imports=st.frozensets(texts, max_size=2),
        dynamic_globals=st.booleans(),
        future=st.lists(names, max_size=2).map(tuple),
        namespace=st.none() | st.sampled_from(["pkgutil", "pkg_resources"]),
    )
    diagnostics = st.builds(
        Diagnostic, texts, texts, optional_texts, lines, lines, st.sampled_from(["error", "warning", "info"])
    )
    return draw(
        st.builds(
            Extraction,
            texts,
            st.booleans(),
            optional_texts,
            st.lists(records, max_size=5).map(tuple),
            st.lists(dynamic, max_size=2).map(tuple),
            facts,
            st.lists(diagnostics, max_size=2).map(tuple),
            st.sampled_from(["source", "bytecode"]),
        )
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extractions())
def test_any_extraction_round_trips(extraction: Extraction) -> None:
    back = round_trip(extraction)
    assert back == extraction
    assert encode_extraction(back) == encode_extraction(extraction)


def test_the_quick_record_maker_is_the_dataclass() -> None:
    """``new_record`` (what the walker and the decoder make records with) takes the fields of
    ImportRecord in order with the same defaults, and sets each to its own argument."""
    fields = dataclasses.fields(ImportRecord)
    parameters = list(inspect.signature(new_record).parameters.values())
    assert [p.name for p in parameters] == [f.name for f in fields]
    assert [p.default for p in parameters] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields
    ]
    context = Context("function", try_id=3, try_role="body")
    values: tuple[Any, ...] = ("from", "a.b", "..b", 2, 7, 9, context, (ImportedName("c", "d"),), "e", "f", False)
    made = new_record(*values)
    assert made == ImportRecord(*values)
    assert [getattr(made, f.name) for f in fields] == list(values)
    assert new_record(*values[:7]) == ImportRecord(*values[:7])
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.line = 1  # type: ignore[misc]
    # The same of a site, which a scan makes one of per import statement.
    assert [p.name for p in inspect.signature(new_site).parameters.values()] == [
        f.name for f in dataclasses.fields(Site)
    ]
    site = new_site("m", "m.py", made, True)
    assert site == Site("m", "m.py", made, True) and [getattr(site, f.name) for f in dataclasses.fields(Site)] == [
        "m",
        "m.py",
        made,
        True,
    ]
    assert new_site("m", None, made) == Site("m", None, made)


MALFORMED = [
    b"",
    b"not json",
    b"\xff\xfe\x00",
    b"[" * 100_000,
    b"null",
    b"{}",
    b"[]",
    b"[1e999]",
    b"[" + b"9" * 5000 + b"]",
    pickle.dumps(Extraction("m", False, None)),  # never unpickled
]


@pytest.mark.parametrize("data", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_data_is_a_cache_error(data: bytes) -> None:
    with pytest.raises(CacheError):
        decode_extraction(data)


def test_data_that_is_not_bytes_is_a_cache_error() -> None:
    good = encode_extraction(Extraction("m", False, None))
    with pytest.raises(CacheError):
        decode_extraction(good.decode())  # type: ignore[arg-type]


def _valid_layout() -> list[Any]:
    source = (
        b"import sys\nfrom . import a as b\nimport importlib\nif sys.platform == 'win32' or not TYPE_CHECKING:\n"
        b"    try:\n        import c\n    except ImportError:\n        c = None\nimportlib.import_module(n)\n"
        b"__all__ = ['a'] + sub.__all__\nif sys.version_info >= (3, 8):\n    def f(): pass\n"
    )
    extraction = extract(source, "pkg.mod", False, "pkg/mod.py")
    layout: list[Any] = json.loads(encode_extraction(extraction))
    return layout


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ((0,), 1),  # another format version (the facts had 10 fields)
        ((0,), True),
        ((1,), None),  # module
        ((2,), 1),  # is_package must be a bool
        ((4,), "text"),  # source kind
        ((5, 0), ["z"]),  # unknown condition tag
        ((5, 0), ["v", "=~", [3], None, None, None]),
        ((5, 0), ["v", ">=", [], None, None, None]),
        ((5, 0), ["v", ">=", [3, -1], None, None, None]),
        ((5, 0), ["p", "sys.version", "==", ["x"]]),
        ((5, 0), ["p", "sys.platform", "==", []]),
        ((5, 0), ["i", "sys.implementation.name", "in", "x"]),
        ((5, 0), ["n", 0]),  # refers to itself
        ((5, 0), ["a", [5]]),  # refers forward
        ((5, 0), ["o", [-1]]),
        ((5, 0), ["c", 1]),
        ((6, 0, 0), "global"),  # scope
        ((6, 0, 2), "1"),  # try_id
        ((6, 0, 3), "finally"),
        ((6, 0, 4), [1.5]),
        ((7, 0, 0), "include"),  # kind
        ((7, 0, 3), -1),  # level
        ((7, 0, 4), 1.0),  # line
        ((7, 0, 6), -1),  # context reference
        ((7, 0, 6), 99),
        ((7, 0, 7), [["a"]]),  # a name
        ((7, 0, 7), [{"a": "b"}]),
        ((7, 0, 10), 0),  # precise
        ((8, 0, 4), None),  # dynamic import's context
        ((9, 2), None),  # all_exact
        ((9, 3), "abc"),  # defined must be a list of names
        ((9, 3), [1]),
        ((9, 4, 0, 1), [[0, 99]]),  # guarded: condition reference
        ((9, 7), 0),  # dynamic_globals
        ((9, 9), 1),  # namespace
        ((9, 10), [["pkg._vendor"]]),  # vendored: a package and its names
        ((9, 10), [["pkg._vendor", [1]]]),
        ((9, 11), 0),  # module_aliases
        ((10,), [["DS010", "m", None, 1, 1, "fatal"]]),
        ((10,), [["DS010", "m", None, 1, 1]]),
    ],
)
def test_malformed_fields_are_cache_errors(where: tuple[int, ...], value: Any) -> None:
    layout = _valid_layout()
    decode_extraction(json.dumps(layout).encode())  # the unchanged layout is fine
    target = layout
    for index in where[:-1]:
        target = target[index]
    target[where[-1]] = value
    with pytest.raises(CacheError):
        decode_extraction(json.dumps(layout).encode())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=10,
)


def _nodes(tree: Any, path: tuple[int, ...] = ()) -> Iterator[tuple[int, ...]]:
    yield path
    if isinstance(tree, list):
        for index, item in enumerate(tree):
            yield from _nodes(item, (*path, index))


@settings(max_examples=400, deadline=None)
@given(st.randoms(use_true_random=False), json_values)
def test_mutated_data_decodes_or_is_a_cache_error(rng: random.Random, replacement: Any) -> None:
    layout = _valid_layout()
    path = rng.choice(list(_nodes(layout))[1:])
    target = layout
    for index in path[:-1]:
        target = target[index]
    target[path[-1]] = replacement
    try:
        extraction = decode_extraction(json.dumps(layout).encode())
    except CacheError:
        return
    assert round_trip(extraction) == extraction  # what decodes is a well-formed extraction


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_are_a_cache_error(data: bytes) -> None:
    with pytest.raises(CacheError):
        decode_extraction(data)


def test_decoding_is_much_cheaper_than_parsing() -> None:
    files = _stdlib_files()[:150]
    sources = [path.read_bytes() for path in files]
    start = time.perf_counter()
    found = [extract(source, "m") for source in sources]
    extracting = time.perf_counter() - start
    encoded = [encode_extraction(e) for e in found]
    start = time.perf_counter()
    decoded = [decode_extraction(data) for data in encoded]
    decoding = time.perf_counter() - start
    assert decoded == found
    assert decoding < extracting / 5, (decoding, extracting)


# --- the database -------------------------------------------------------------------


def test_creates_the_directory_with_a_gitignore(tmp_path: Path) -> None:
    directory = tmp_path / "a" / ".depscan_cache"
    with ExtractionCache(str(directory)) as cache:
        assert cache.enabled
    assert (directory / DATABASE_NAME).is_file()
    assert "*" in (directory / ".gitignore").read_text().splitlines()
    if shutil.which("git") is None:
        return
    subprocess.run(["git", "init", "-q", str(tmp_path / "a")], check=True)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=tmp_path / "a",
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""  # git sees nothing to add in the cache directory


def test_an_existing_gitignore_is_kept(tmp_path: Path) -> None:
    write(tmp_path / ".gitignore", "mine\n")
    ExtractionCache(str(tmp_path)).close()
    assert (tmp_path / ".gitignore").read_text() == "mine\n"


def test_database_settings(tmp_path: Path) -> None:
    with ExtractionCache(str(tmp_path)) as cache:
        db = cache._db
        assert db is not None
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
        assert db.execute("PRAGMA busy_timeout").fetchone() == (5000,)
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)


def test_put_then_get(tmp_path: Path) -> None:
    source = write(tmp_path / "m.py", "import os\nif TYPE_CHECKING:\n    import typing\n")
    extraction = extract_file(source, "m", False)
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        assert cache.get(str(source), "m", False) is None
        cache.put_many([(str(source), "m", False, extraction, None)])
        assert cache.get(str(source), "m", False) == extraction
        assert cache.get(str(source), "m", True) is None  # another key
        assert cache.get(str(source), "n", False) is None
    with ExtractionCache(str(tmp_path / "cache")) as cache:  # kept on disk
        assert cache.get(str(source), "m", False) == extraction


def test_stat_match_is_a_hit_without_reading_the_file(tmp_path: Path, no_reading: Callable[[], None]) -> None:
    """The fast path: a matching stat (modification and change times, size, inode) is trusted."""
    source = write(tmp_path / "m.py", "import aaa\n")
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        stored = extract_cached(cache, str(source), "m", False)
        no_reading()
        assert cache.get(str(source), "m", False) == stored
        assert cache.get_many([(str(source), "m", False)]) == {(str(source), "m", False): stored}


def test_a_same_size_edit_with_the_time_set_back_is_seen(tmp_path: Path) -> None:
    """A tool that restores modification times cannot restore the change time (nor keep the inode)."""
    source = write(tmp_path / "m.py", "import aaa\n")
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        extract_cached(cache, str(source), "m", False)
        time.sleep(0.01)  # the change time moves on (a coarse clock's tick)
        write(source, "import bbb\n")  # same size, mtime set back to the recorded one
        assert extract_cached(cache, str(source), "m", False).imports[0].module == "bbb"
        replacement = write(tmp_path / "new.py", "import ccc\n")
        os.replace(replacement, source)  # another file, every time and the size the same
        os.utime(source, ns=(OLD * 10**9, OLD * 10**9))
        assert extract_cached(cache, str(source), "m", False).imports[0].module == "ccc"


def test_touched_file_with_the_same_content_is_a_hit_by_hash(
    tmp_path: Path, reads: list[str], no_reading: Callable[[], None]
) -> None:
    source = write(tmp_path / "m.py", "import aaa\n")
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        stored = extract_cached(cache, str(source), "m", False)
        os.utime(source, ns=(10**18, (OLD + 100) * 10**9))
        reads.clear()
        assert cache.get(str(source), "m", False) == stored
        assert reads == [str(source)]  # read and hashed once
        assert rows(tmp_path / "cache")[0][1:] == ((OLD + 100) * 10**9, source.stat().st_size)  # stat refreshed
        no_reading()
        assert cache.get(str(source), "m", False) == stored  # the fast path again


def test_changed_content_is_a_miss(tmp_path: Path) -> None:
    source = write(tmp_path / "m.py", "import aaa\n")
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        extract_cached(cache, str(source), "m", False)
        write(source, "import bbb\n", mtime=OLD + 1)  # same size
        assert cache.get(str(source), "m", False) is None
        fresh = extract_cached(cache, str(source), "m", False)
        assert fresh.imports[0].module == "bbb"
        assert cache.get(str(source), "m", False) == fresh


def test_another_size_is_a_miss_without_reading(tmp_path: Path, no_reading: Callable[[], None]) -> None:
    source = write(tmp_path / "m.py", "import aaa\n")
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        extract_cached(cache, str(source), "m", False)
        write(source, "import aaaa\n")
        no_reading()
        assert cache.get(str(source), "m", False) is None


def test_single_extractions_are_written_together(tmp_path: Path) -> None:
    """A scan stores its modules one by one; they reach the database in batches, and at close."""
    from depscan.perf.cache import _BATCH_ROWS

    sources = [write(tmp_path / f"m{i}.py", f"import a{i}\n") for i in range(_BATCH_ROWS + 3)]
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        for number, source in enumerate(sources[:-1]):
            extract_cached(cache, str(source), f"m{number}", False)
        assert len(rows(tmp_path / "cache")) == _BATCH_ROWS  # one batch written, two kept back
        assert cache.get(str(sources[0]), "m0", False) is not None
        extract_cached(cache, str(sources[-1]), f"m{len(sources) - 1}", False)
        last = cache.get(str(sources[-1]), f"m{len(sources) - 1}", False)  # asked for: written first
        assert last is not None and last.imports[0].module == f"a{len(sources) - 1}"
    assert len(rows(tmp_path / "cache")) == len(sources)


def test_a_recently_modified_file_is_checked_by_hash(tmp_path: Path, reads: list[str]) -> None:
    """A file written within the last seconds may change again within its timestamp's tick."""
    source = write(tmp_path / "m.py", "import aaa\n", mtime=None)
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        stored = extract_cached(cache, str(source), "m", False)
        cache.flush()  # what one file's extraction kept back
        assert rows(tmp_path / "cache")[0][1:] == (0, -1)  # the stat is not recorded as trusted
        reads.clear()
        assert cache.get(str(source), "m", False) == stored
        assert reads == [str(source)]
        source.write_text("import bbb\n")  # same size, and perhaps the same mtime
        assert cache.get(str(source), "m", False) is None
        assert extract_cached(cache, str(source), "m", False).imports[0].module == "bbb"


def test_another_depscan_version_or_python_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write(tmp_path / "m.py", "import aaa\n")
    directory = str(tmp_path / "cache")
    with ExtractionCache(directory) as cache:
        stored = extract_cached(cache, str(source), "m", False)
    for name, value in (("__version__", "99.0"), ("_PARSER", "pypy-3.9"), ("code_fingerprint", lambda: "changed")):
        with monkeypatch.context() as patch:
            patch.setattr(cache_module, name, value)
            with ExtractionCache(directory) as cache:
                assert cache.get(str(source), "m", False) is None, name
    with ExtractionCache(directory) as cache:
        assert cache.get(str(source), "m", False) == stored
    parser = f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}"
    assert parser == cache_module._PARSER


def test_put_with_the_data_extracted(tmp_path: Path, no_reading: Callable[[], None]) -> None:
    source = write(tmp_path / "m.py", "import aaa\n")
    directory = str(tmp_path / "cache")
    old = extract(b"import old\n", "m", False, str(source))
    with ExtractionCache(directory) as cache:
        cache.put_many([(str(source), "m", False, old, b"import old\n")])  # no longer the file's content
        assert cache.get(str(source), "m", False) is None
        data = source.read_bytes()
        current = extract(data, "m", False, str(source))
        cache.put_many([(str(source), "m", False, current, data)])
        no_reading()
        assert cache.get(str(source), "m", False) == current


def test_a_hit_over_the_size_limit_is_no_hit(tmp_path: Path) -> None:
    """The parallel path's look-up applies the size limit as extract_many_cached does: a file
    stored when the limit was larger is read again, to say it is over the limit."""
    small, large = write(tmp_path / "small.py", "import a\n"), write(tmp_path / "large.py", "import b\n" * 50)
    keys = [(str(small), "small", False), (str(large), "large", False)]
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        extract_many_cached(cache, keys)
        assert set(cache.get_many(keys)) == set(keys)
        assert set(cache.get_many(keys, max_bytes=100)) == {keys[0]}


def test_get_many_reads_in_batches(tmp_path: Path) -> None:
    files = [write(tmp_path / "src" / f"m{i}.py", f"import mod{i}\n") for i in range(1200)]
    keys = [(str(path), f"m{i}", False) for i, path in enumerate(files)]
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        statements: list[str] = []
        assert cache._db is not None
        cache._db.set_trace_callback(statements.append)
        results = extract_many_cached(cache, keys)
        assert sum(s.startswith("SELECT") for s in statements) == 3  # 500 paths a query
        assert sum(s.startswith("BEGIN") for s in statements) == 1  # all misses stored in one transaction
        statements.clear()
        unknown = (str(tmp_path / "gone.py"), "gone", False)
        hits = cache.get_many([*keys, unknown])
        assert sum(s.startswith("SELECT") for s in statements) == 3
        assert not any(s.startswith(("BEGIN", "INSERT", "UPDATE")) for s in statements)
        assert hits == dict(zip(keys, results, strict=True))
        assert results == [extract_file(path, f"m{i}", False) for i, path in enumerate(files)]


def test_put_many_is_one_transaction(tmp_path: Path) -> None:
    files = [write(tmp_path / f"m{i}.py", f"import mod{i}\n") for i in range(50)]
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        statements: list[str] = []
        assert cache._db is not None
        cache._db.set_trace_callback(statements.append)
        cache.put_many((str(p), f"m{i}", False, extract_file(p, f"m{i}", False), None) for i, p in enumerate(files))
        assert [s for s in statements if not s.startswith("INSERT")] == ["BEGIN IMMEDIATE", "COMMIT"]
    assert len(rows(tmp_path / "cache")) == 50


def test_extract_cached_gives_what_extract_file_gives(tmp_path: Path) -> None:
    sources = sorted((FIXTURES / "extract").rglob("*.py"))
    compiled = tmp_path / "forms.pyc"
    py_compile.compile(str(FIXTURES / "extract" / "pkg" / "forms.py"), cfile=str(compiled), doraise=True)
    keys = [(str(p), *module_name_for(p)) for p in [*sources, compiled]]
    expected = [extract_file(path, module, is_package) for path, module, is_package in keys]
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        for _ in range(2):  # cold, then warm
            assert [extract_cached(cache, *key) for key in keys] == expected
            assert extract_many_cached(cache, keys) == expected
    assert extract_many_cached(None, keys) == expected


def test_unreadable_files_are_not_cached(tmp_path: Path) -> None:
    directory = tmp_path / "dir.py"
    directory.mkdir()
    big = write(tmp_path / "big.py", "import os\n" * 10)
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        for path in (tmp_path / "gone.py", directory):
            first = extract_cached(cache, str(path), "x", False)
            assert [d.code for d in first.diagnostics] == ["DS012"]
            assert first == extract_file(path, "x", False)
        too_big = extract_cached(cache, str(big), "big", False, max_bytes=50)
        assert [d.code for d in too_big.diagnostics] == ["DS013"]
        assert rows(tmp_path / "cache") == []
        cache.put_many([(str(directory), "x", False, extract_file(directory, "x", False), None)])
        cache.put_many([(str(big), "big", False, too_big, big.read_bytes())])
        assert rows(tmp_path / "cache") == []
        # A file cached whole is still too big for a smaller limit.
        whole = extract_cached(cache, str(big), "big", False, max_bytes=None)
        cache.flush()
        assert not whole.diagnostics and len(rows(tmp_path / "cache")) == 1
        assert extract_cached(cache, str(big), "big", False, max_bytes=50) == too_big
        assert extract_cached(cache, str(big), "big", False, max_bytes=None) == whole


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    source = write(tmp_path / "m.py", "import os\n")
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        extract_cached(cache, str(source), "m", False)
        source.unlink()
        os.mkfifo(source)  # a FIFO under the cached name: never opened for reading (it would block)
        assert cache.get(str(source), "m", False) is None
        assert [d.code for d in extract_cached(cache, str(source), "m", False).diagnostics] == ["DS012"]


def test_undecodable_file_names(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.py")  # a lone surrogate in the str
    source = write(tmp_path / name, "import os\n")
    other = write(tmp_path / "caf?.py", "import a\n")  # what a lossy encoding of the first name would give
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        first = extract_cached(cache, str(source), "caf", False)
        extract_cached(cache, str(other), "caf", False)
        assert cache.enabled
        assert cache.get(str(source), "caf", False) == first
        assert len(rows(tmp_path / "cache")) == 2


def test_a_row_that_does_not_decode_is_a_miss(tmp_path: Path) -> None:
    source = write(tmp_path / "m.py", "import os\n")
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        stored = extract_cached(cache, str(source), "m", False)
        cache.flush()
        db = cache._db
        assert db is not None
        for change in (
            "data = X'00'",
            "data = 'text'",
            "data = CAST('[1]' AS BLOB)",
            "sha256 = 5, mtime_ns = 'x'",
            "size = 'big'",
        ):
            db.execute("SAVEPOINT s")
            db.execute(f"UPDATE extractions SET {change}")
            assert cache.get(str(source), "m", False) is None, change
            db.execute("ROLLBACK TO s")
            db.execute("RELEASE s")
        assert cache.get(str(source), "m", False) == stored
        # An extraction of another module or path stored under this key is not used.
        other = extract(b"import os\n", "other", False, str(source))
        db.execute("UPDATE extractions SET data = ?", (encode_extraction(other),))
        assert cache.get(str(source), "m", False) is None
        assert cache.enabled


def _populated(directory: Path, tmp_path: Path, count: int = 200) -> list[tuple[str, str, bool]]:
    files = [write(tmp_path / "src" / f"m{i}.py", f"import mod{i}\n" + "x = 1\n" * i) for i in range(count)]
    keys = [(str(path), f"m{i}", False) for i, path in enumerate(files)]
    with ExtractionCache(str(directory)) as cache:
        extract_many_cached(cache, keys)
    assert len(rows(directory)) == count
    return keys


def _works(directory: Path, keys: list[tuple[str, str, bool]]) -> None:
    """The cache opens, gives correct results and stores them."""
    expected = [extract_file(*key) for key in keys]
    with ExtractionCache(str(directory)) as cache:
        assert cache.enabled
        assert extract_many_cached(cache, keys) == expected
        assert cache.get_many(keys) == dict(zip(keys, expected, strict=True))
        assert cache.enabled
    with contextlib.closing(sqlite3.connect(directory / DATABASE_NAME)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_corrupt_database_is_rebuilt(tmp_path: Path, damage: str) -> None:
    directory = tmp_path / "cache"
    keys = _populated(directory, tmp_path)
    database = directory / DATABASE_NAME
    data = database.read_bytes()
    assert len(data) > 40_000
    database.write_bytes(
        {"garbage": b"not a database at all" * 1000, "truncated": data[: len(data) // 2]}.get(damage, b"")
    )
    _works(directory, keys)


@pytest.mark.parametrize(
    "tampering",
    [
        "UPDATE meta SET value = '0' WHERE key = 'schema_version'",
        "DELETE FROM meta",
        "DROP TABLE meta",
        "ALTER TABLE extractions ADD COLUMN extra TEXT",
        "CREATE TABLE other (x)",
        "CREATE TRIGGER t AFTER INSERT ON extractions BEGIN DELETE FROM meta; END",
        "CREATE VIEW v AS SELECT 1",
    ],
)
def test_a_database_of_another_schema_is_rebuilt(tmp_path: Path, tampering: str) -> None:
    directory = tmp_path / "cache"
    keys = _populated(directory, tmp_path)
    with contextlib.closing(sqlite3.connect(directory / DATABASE_NAME)) as db:
        db.execute(tampering)
        db.commit()
    with ExtractionCache(str(directory)) as cache:
        assert cache.enabled
        assert cache.get_many(keys) == {}  # rebuilt: the old rows are gone
    with contextlib.closing(sqlite3.connect(directory / DATABASE_NAME)) as db:
        objects = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}
        assert objects == {"meta", "extractions"}
    _works(directory, keys)


def test_a_database_of_other_tables_is_rebuilt(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    directory.mkdir()
    with contextlib.closing(sqlite3.connect(directory / DATABASE_NAME)) as db:
        db.execute("CREATE TABLE extractions (path, data)")
        db.execute("INSERT INTO extractions VALUES ('m.py', 'x')")
        db.commit()
    source = write(tmp_path / "m.py", "import os\n")
    _works(directory, [(str(source), "m", False)])


def test_a_locked_database_is_no_cache(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    keys = _populated(directory, tmp_path, 10)
    with contextlib.closing(sqlite3.connect(directory / DATABASE_NAME, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # holds the write lock past the timeout
        with ExtractionCache(str(directory), busy_timeout_ms=50) as cache:
            assert cache.enabled
            assert len(cache.get_many(keys)) == 10  # readers are not blocked in WAL mode
            new = write(tmp_path / "new.py", "import os\n")
            start = time.perf_counter()
            result = extract_cached(cache, str(new), "new", False)
            cache.flush()  # the write times out
            assert time.perf_counter() - start >= 0.04
            assert result == extract_file(new, "new", False)
            assert not cache.enabled  # off for the rest of the run
            assert cache.get_many(keys) == {}
            cache.put_many([(str(new), "new", False, result, None)])
        other.execute("ROLLBACK")
    _works(directory, keys)


def _busy(code: int | None) -> sqlite3.OperationalError:
    """SQLITE_BUSY as sqlite3 raises it: with its code on Python 3.11+, by its message before."""
    if code is None:
        return sqlite3.OperationalError("database is locked")
    error = sqlite3.OperationalError("unlabelled")
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize("code", [None, 5, 5 | (2 << 8), 6])  # BUSY, BUSY_SNAPSHOT, LOCKED
@pytest.mark.parametrize("busy_times", [1, 3])
def test_a_database_busy_while_another_process_closes_it_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, busy_times: int, code: int | None
) -> None:
    """The last connection to close cleans up the WAL files holding the database; one opening
    then is told SQLITE_BUSY at once, busy timeout or not. It tries again (seen when four
    processes shared one cache: one of them ran without it)."""
    directory = tmp_path / "cache"
    keys = _populated(directory, tmp_path, 5)
    connect = ExtractionCache._connect
    refusals: list[int] = []

    def busy_at_first(self: ExtractionCache) -> sqlite3.Connection:
        if len(refusals) < busy_times:
            refusals.append(1)
            raise _busy(code)
        return connect(self)

    monkeypatch.setattr(ExtractionCache, "_connect", busy_at_first)
    with ExtractionCache(str(directory)) as cache:
        assert cache.enabled and len(cache.get_many(keys)) == 5
    assert len(refusals) == busy_times


def test_another_error_at_open_is_not_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def read_only(self: ExtractionCache) -> sqlite3.Connection:
        calls.append(1)
        error = sqlite3.OperationalError("attempt to write a readonly database (not locked)")
        error.sqlite_errorcode = 8  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(ExtractionCache, "_connect", read_only)
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        assert not cache.enabled
    assert len(calls) == 1


def test_a_database_busy_past_the_timeout_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def always_busy(self: ExtractionCache) -> sqlite3.Connection:
        raise _busy(5)

    monkeypatch.setattr(ExtractionCache, "_connect", always_busy)
    start = time.monotonic()
    with ExtractionCache(str(tmp_path / "cache"), busy_timeout_ms=100) as cache:
        assert not cache.enabled
    assert 0.09 <= time.monotonic() - start < 5


def test_a_full_database_is_no_cache(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    keys = _populated(directory, tmp_path, 10)
    big = write(tmp_path / "big.py", "".join(f"import module_{i}\n" for i in range(5000)))
    with ExtractionCache(str(directory)) as cache:
        assert cache._db is not None
        pages = cache._db.execute("PRAGMA page_count").fetchone()[0]
        cache._db.execute(f"PRAGMA max_page_count = {pages + 1}")  # "database or disk is full"
        result = extract_cached(cache, str(big), "big", False)
        cache.flush()
        assert result == extract_file(big, "big", False)
        assert not cache.enabled
    _works(directory, keys)


def _in_child_as_nobody(task: Callable[[], str]) -> str:
    """Run ``task`` in a forked child, as an unprivileged user when this is root; return what it says."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            text = task()
        except BaseException as exc:  # report anything, never return into pytest
            text = f"error {exc!r}"
        os.write(writer, text.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    return text


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_read_only_cache_directory_is_no_cache(world_tmp: Path) -> None:
    empty = world_tmp / "empty"
    empty.mkdir()
    populated = world_tmp / "populated"
    keys = _populated(populated, world_tmp, 20)
    for path in world_tmp.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    world_tmp.chmod(0o555)
    new = world_tmp / "src" / "m0.py"

    def task() -> str:
        outcome = []
        for directory in (empty, populated, world_tmp / "missing"):
            with ExtractionCache(str(directory)) as cache:
                results = extract_many_cached(cache, keys)
                single = extract_cached(cache, str(new), "m0", False)
                cache.put_many([(str(new), "m0", False, single, None)])
                right = results == [extract_file(*key) for key in keys] and single == results[0]
                outcome.append(f"{directory.name}: {'right' if right else 'wrong'}")
        return ", ".join(outcome)

    try:
        assert _in_child_as_nobody(task) == "empty: right, populated: right, missing: right"
        assert os.listdir(empty) == []
        assert not (world_tmp / "missing").exists()
    finally:
        world_tmp.chmod(0o755)


_WORKER = """
import json, os, random, sys, time
from depscan.perf.cache import ExtractionCache, extract_cached, extract_many_cached
from depscan.extract.walker import extract_file

directory, seed, workers, keys_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with open(keys_file) as handle:
    keys = [tuple(key) for key in json.load(handle)]
expected = {key: extract_file(*key) for key in keys}
open(f"{directory}.ready{seed}", "w").close()  # start together, to meet in the database
deadline = time.monotonic() + 60
while sum(os.path.exists(f"{directory}.ready{n}") for n in range(workers)) < workers and time.monotonic() < deadline:
    time.sleep(0.005)
rng = random.Random(seed)
wrong = hits = 0
enabled = True
for round in range(3):
    order = keys[:]
    rng.shuffle(order)
    # A generous lock timeout: this is about correctness when processes meet, on a machine that may
    # be loaded (a shorter wait turns the cache off, as it should, and this test would see that).
    with ExtractionCache(directory, busy_timeout_ms=60000) as cache:
        for start in range(0, len(order), 3):
            batch = order[start : start + 3]
            if start % 2:
                results = [extract_cached(cache, *key) for key in batch]
            else:
                results = extract_many_cached(cache, batch)
            wrong += sum(result != expected[key] for key, result in zip(batch, results))
            found = cache.get_many(batch)
            hits += len(found)
            wrong += sum(value != expected[key] for key, value in found.items())
            cache.put_many([(*key, expected[key], None) for key in batch])  # writers meet often
        enabled = enabled and cache.enabled
print(json.dumps({"wrong": wrong, "hits": hits, "enabled": enabled}))
"""


def test_processes_sharing_a_cache(tmp_path: Path) -> None:
    sources = sorted((FIXTURES / "extract" / "pkg").rglob("*.py"))
    keys = []
    for i in range(200):
        text = sources[i % len(sources)].read_text(encoding="utf-8")
        path = write(tmp_path / "src" / f"m{i}.py", f"import mod{i}\n{text}", mtime=OLD if i % 2 else None)
        keys.append((str(path), f"pkg.m{i}", False))
    directory = str(tmp_path / "cache")
    keys_file = write(tmp_path / "keys.json", json.dumps(keys))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, directory, str(seed), "4", str(keys_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for seed in range(4)
    ]
    outcomes = [worker.communicate(timeout=300) for worker in workers]
    for worker, (out, err) in zip(workers, outcomes, strict=True):
        assert worker.returncode == 0 and err == "", err
        report = json.loads(out)
        assert report["wrong"] == 0 and report["enabled"], report
        assert report["hits"] > 200, report  # the cache was used, not just survived
    with ExtractionCache(directory) as cache:
        assert cache.get_many(keys) == {key: extract_file(*key) for key in keys}
    assert len(rows(tmp_path / "cache")) == 200


def test_a_row_signed_with_another_secret_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    """A database committed to the repository was signed (if at all) with its author's secret."""
    source = write(tmp_path / "m.py", "import aaa\n")
    directory = str(tmp_path / "cache")
    with ExtractionCache(directory, secret=b"a" * 32) as planted:
        planted.put_many([(str(source), "m", False, extract(b"", "m", False, str(source)), source.read_bytes())])
        assert planted.get(str(source), "m", False) is not None
    with ExtractionCache(directory) as cache:
        assert cache.get(str(source), "m", False) is None
        assert extract_cached(cache, str(source), "m", False).imports[0].module == "aaa"
        assert cache.get(str(source), "m", False) is not None  # our own row now
    with ExtractionCache(directory, secret=b"a" * 32) as planted:
        assert planted.get(str(source), "m", False) is None


@pytest.mark.parametrize(
    "change",
    ["mac = x'00'", "mac = 'text'", "data = 'text'", "sha256 = 7", "mtime_ns = 'x'", "ino = ino + 1", "size = 12"],
)
def test_a_row_changed_behind_its_signature_is_a_miss(tmp_path: Path, change: str) -> None:
    source = write(tmp_path / "m.py", "import aaa\n")
    directory = tmp_path / "cache"
    with ExtractionCache(str(directory)) as cache:
        extract_cached(cache, str(source), "m", False)
        assert cache.get(str(source), "m", False) is not None
    with contextlib.closing(sqlite3.connect(directory / DATABASE_NAME)) as db, db:
        db.execute(f"UPDATE extractions SET {change}")
    with ExtractionCache(str(directory)) as cache:
        assert cache.get(str(source), "m", False) is None


def test_a_refreshed_stat_is_signed_again(tmp_path: Path, no_reading: Callable[[], None]) -> None:
    source = write(tmp_path / "m.py", "import aaa\n")
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        stored = extract_cached(cache, str(source), "m", False)
        os.utime(source, ns=((OLD + 5) * 10**9, (OLD + 5) * 10**9))
        assert cache.get(str(source), "m", False) == stored  # by hash; the new stat recorded
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        no_reading()
        assert cache.get(str(source), "m", False) == stored


def test_a_cache_directory_that_is_a_link_is_not_used(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "cache").symlink_to(tmp_path / "elsewhere")
    with ExtractionCache(str(tmp_path / "cache")) as cache:
        assert not cache.enabled
    assert list((tmp_path / "elsewhere").iterdir()) == []
