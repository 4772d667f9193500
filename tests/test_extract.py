"""The extractor on fixture files: every import form and every context.

Each case names a ``# case:`` line in a fixture under fixtures/extract and
what must be extracted from that line.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, case_lines, records_on
from depscan.extract.relative import resolve_relative
from depscan.extract.walker import extract
from depscan.model.conditions import Target
from depscan.model.records import Extraction

# (fixture, case) -> fields the single record on that line must have.
# "tags" is the context as the text report shows it; a try is numbered by its line.
FORMS: dict[tuple[str, str], dict[str, Any]] = {
    ("pkg/forms.py", "future"): {"kind": "future", "module": "__future__", "names": ["annotations"]},
    ("pkg/forms.py", "plain"): {"kind": "import", "module": "a", "raw": "a", "level": 0, "alias": None},
    ("pkg/forms.py", "dotted-as"): {"kind": "import", "module": "a.b.c", "alias": "d"},
    ("pkg/forms.py", "from-names"): {"kind": "from", "module": "a", "names": ["b", "c as e"]},
    ("pkg/forms.py", "dot"): {"kind": "from", "module": "pkg", "raw": ".", "level": 1, "names": ["sibling"]},
    ("pkg/forms.py", "dot-module"): {"module": "pkg.sibling", "raw": ".sibling", "level": 1},
    ("pkg/forms.py", "dotdot-beyond"): {"module": None, "raw": "..", "level": 2},
    ("pkg/forms.py", "too-far"): {"module": None, "raw": "....way.up", "level": 4},
    ("pkg/forms.py", "star"): {"kind": "star", "module": "a.b", "names": []},
    ("pkg/__init__.py", "init-from-dot"): {"module": "pkg", "names": ["forms"]},
    ("pkg/__init__.py", "init-star"): {"kind": "star", "module": "pkg.sub"},
    ("pkg/sub/__init__.py", "sub-up"): {"module": "pkg", "raw": "..", "level": 2},
    ("pkg/sub/__init__.py", "sub-up-module"): {"module": "pkg.forms", "raw": "..forms"},
    ("script.py", "script-relative"): {"module": None, "raw": ".", "level": 1},
    ("script.py", "script-plain"): {"module": "helper2"},
    ("hostile/bom.py", "bom"): {"module": "bom_module", "col": 1},
    ("hostile/latin1_cookie.py", "latin1-name"): {"module": "été"},
    ("hostile/non_ascii_names.py", "non-ascii"): {"module": "modulé", "col": 10},
    ("hostile/non_ascii_names.py", "non-ascii-from"): {"module": "paquet.éàü", "names": ["ñame"]},
}

CONTEXTS: dict[str, dict[str, Any]] = {
    "top": {"scope": "module", "tags": []},
    "function": {"scope": "function", "delayed": True, "tags": ["function"]},
    "class-in-function": {"scope": "function", "tags": ["function"]},
    "class": {"scope": "class", "delayed": False, "tags": ["class"]},
    "method": {"scope": "function", "tags": ["function"]},
    "try-body": {"optional": True, "fallback": False, "tags": ["optional#24"]},
    "try-handler": {"optional": False, "fallback": True, "tags": ["fallback#24"]},
    "try-else": {"optional": True, "fallback": False, "tags": ["optional#24"]},  # runs only if the body worked
    "try-finally": {"optional": False, "tags": []},
    "try-valueerror": {"optional": False, "tags": []},
    "try-tuple": {"optional": True, "tags": ["optional#38"]},
    "try-bare": {"optional": True, "tags": ["optional#43"]},
    "try-exception": {"optional": True, "tags": ["optional#48"]},
    "suppress": {"optional": True, "tags": ["optional#53"]},
    "type-checking": {"type_checking": True, "tags": ["if TYPE_CHECKING"]},
    "not-type-checking": {"type_checking": False, "tags": ["if not TYPE_CHECKING"]},
    "typing-dot": {"type_checking": True, "tags": ["if TYPE_CHECKING"]},
    "if-false": {"tags": ["if False"]},
    "if-zero": {"tags": ["if False"]},
    "version-new": {"tags": ["if sys.version_info >= (3, 11)"]},
    "version-old": {"tags": ["if sys.version_info < (3, 11)"]},
    "version-slice": {"tags": ["if sys.version_info[:2] < (3, 8)"]},
    "version-major": {"tags": ["if sys.version_info[0] == 2"]},
    "platform-eq": {"tags": ["if sys.platform == 'win32'"]},
    "platform-elif": {"tags": ["if sys.platform != 'win32' and sys.platform.startswith('linux')"]},
    "os-name": {"tags": ["if os.name == 'nt'"]},
    "platform-system": {"tags": ["if platform.system() == 'Darwin'"]},
    "named-flag": {"tags": ["if sys.version_info[0] == 2"]},
    "and": {"tags": ["if sys.version_info >= (3, 8) and sys.platform != 'win32'"]},
    "unknown": {"tags": ["if some_runtime_flag()"]},
    "main": {"main": True, "tags": ["if __name__ == '__main__'"]},
    "nested-all": {"scope": "function", "optional": True, "type_checking": True},
}

# case -> is the import live on (3.12, linux, cpython), dead, or undecidable?
LIVE_ON_LINUX_312: dict[str, bool | None] = {
    "top": True,
    "if-false": False,
    "if-zero": False,
    "type-checking": False,
    "not-type-checking": True,
    "version-new": True,
    "version-old": False,
    "version-slice": False,
    "version-major": False,
    "platform-eq": False,
    "platform-elif": True,
    "os-name": False,
    "platform-system": False,
    "named-flag": False,
    "and": True,
    "unknown": None,
    "main": None,
}


def _one(extracted: dict[str, Extraction], fixture: str, case: str) -> Any:
    lines = case_lines(FIXTURES / "extract" / fixture)
    records = records_on(extracted[fixture], lines[case])
    assert len(records) == 1, f"{fixture}:{lines[case]} gave {records}"
    return records[0]


def _names(record: Any) -> list[str]:
    return [n.name + (f" as {n.asname}" if n.asname else "") for n in record.names]


@pytest.mark.parametrize(("fixture", "case"), sorted(FORMS))
def test_forms(extracted: dict[str, Extraction], fixture: str, case: str) -> None:
    record = _one(extracted, fixture, case)
    for field, expected in FORMS[fixture, case].items():
        actual = _names(record) if field == "names" else getattr(record, field)
        assert actual == expected, f"{case}: {field}"


@pytest.mark.parametrize("case", sorted(CONTEXTS))
def test_contexts(extracted: dict[str, Extraction], case: str) -> None:
    record = _one(extracted, "pkg/contexts.py", case)
    for field, expected in CONTEXTS[case].items():
        if field == "tags":
            actual = record.context.tags()
        elif field == "main":
            actual = record.context.main_only
        else:
            actual = getattr(record.context, field)
        assert actual == expected, f"{case}: {field}"


@pytest.mark.parametrize("case", sorted(LIVE_ON_LINUX_312))
def test_guards_evaluate_for_a_target(extracted: dict[str, Extraction], case: str) -> None:
    record = _one(extracted, "pkg/contexts.py", case)
    target = Target.for_platform((3, 12), "linux", "cpython")
    assert record.context.evaluate(target) is LIVE_ON_LINUX_312[case]


def test_one_statement_several_modules(extracted: dict[str, Extraction]) -> None:
    line = case_lines(FIXTURES / "extract/pkg/forms.py")["two"]
    records = records_on(extracted["pkg/forms.py"], line)
    assert [(r.kind, r.module, r.col) for r in records] == [("import", "x.y", 1), ("import", "z", 1)]


def test_try_alternatives_share_an_id(extracted: dict[str, Extraction]) -> None:
    body = _one(extracted, "pkg/contexts.py", "try-body")
    handler = _one(extracted, "pkg/contexts.py", "try-handler")
    other = _one(extracted, "pkg/contexts.py", "try-tuple")
    assert body.context.try_id == handler.context.try_id != other.context.try_id


def test_every_case_is_checked() -> None:
    """A case marker nobody checks is a fixture line that proves nothing."""
    checked = {case for _, case in FORMS} | set(CONTEXTS) | set(DYNAMIC) | set(DYNAMIC_NAMES)
    checked |= {"future-ok", "future-late", "future-unknown", "two"}
    for path in (FIXTURES / "extract").rglob("*.py"):
        for case in case_lines(path):
            assert case in checked, f"{path}: case {case} has no expectation"


# --- relative-import diagnostics --------------------------------------------------


def test_relative_import_diagnostics(extracted: dict[str, Extraction]) -> None:
    forms = extracted["pkg/forms.py"]
    lines = case_lines(FIXTURES / "extract/pkg/forms.py")
    beyond = {d.line for d in forms.diagnostics if d.code == "DS020"}
    assert beyond == {lines["dotdot-beyond"], lines["too-far"]}
    script = extracted["script.py"]
    assert [(d.code, d.line) for d in script.diagnostics] == [("DS021", 2)]


@pytest.mark.parametrize(
    ("name", "level", "importer", "is_package", "expected"),
    [
        ("x", 0, "a.b", False, ("x", None)),
        ("", 1, "a.b", False, ("a", None)),
        ("c", 1, "a.b", False, ("a.c", None)),
        ("c", 1, "a.b", True, ("a.b.c", None)),
        ("", 2, "a.b.c", False, ("a", None)),
        ("d", 2, "a.b", True, ("a.d", None)),
        ("d", 2, "a.b", False, (None, "DS020")),
        ("d", 3, "a.b", True, (None, "DS020")),
        ("d", 1, "top", False, (None, "DS021")),
        ("d", 1, "__main__", False, (None, "DS021")),
        ("d", 1, "top", True, ("top.d", None)),
    ],
)
def test_resolve_relative(
    name: str, level: int, importer: str, is_package: bool, expected: tuple[str | None, str | None]
) -> None:
    assert resolve_relative(name, level, importer, is_package) == expected


# --- import_module / __import__ ------------------------------------------------------

DYNAMIC: dict[str, tuple[str | None, str]] = {
    # case -> (module, via)
    "import-module": ("lit.eral", "importlib.import_module"),
    "module-alias": ("via.alias", "importlib.import_module"),
    "from-import": ("from.import", "importlib.import_module"),
    "renamed": ("renamed", "importlib.import_module"),
    "assigned": ("assigned", "importlib.import_module"),
    "relative-package": ("pkg.relative", "importlib.import_module"),
    "relative-name": ("pkg.dynamic.relname", "importlib.import_module"),
    "relative-literal": ("pkg.up", "importlib.import_module"),
    "concat": ("concat", "importlib.import_module"),
    "dunder": ("dunder", "__import__"),
    "dunder-fromlist": ("dunder.from", "__import__"),
    "dunder-level": ("pkg.rel", "__import__"),
    "assigned-alias": ("later", "importlib.import_module"),
    "lambda": ("in.lambda", "importlib.import_module"),
}
DYNAMIC_NAMES: dict[str, str] = {
    "dynamic-name": "name",
    "dynamic-fstring": "f'plugins.{name}'",
    "dynamic-dunder": "name",
    "dynamic-comprehension": "n",
}


@pytest.mark.parametrize("case", sorted(DYNAMIC))
def test_literal_import_calls(extracted: dict[str, Extraction], case: str) -> None:
    record = _one(extracted, "pkg/dynamic.py", case)
    assert record.kind == "call"
    assert (record.module, record.via) == DYNAMIC[case]


def test_import_call_details(extracted: dict[str, Extraction]) -> None:
    fromlist = _one(extracted, "pkg/dynamic.py", "dunder-fromlist")
    assert _names(fromlist) == ["x", "y"]
    in_lambda = _one(extracted, "pkg/dynamic.py", "lambda")
    assert in_lambda.context.scope == "function"


@pytest.mark.parametrize("case", sorted(DYNAMIC_NAMES))
def test_non_literal_calls_are_dynamic(extracted: dict[str, Extraction], case: str) -> None:
    line = case_lines(FIXTURES / "extract/pkg/dynamic.py")[case]
    dynamic = [d for d in extracted["pkg/dynamic.py"].dynamic if d.line == line]
    assert [d.expression for d in dynamic] == [DYNAMIC_NAMES[case]]
    assert dynamic[0].context.scope == "function"


def test_no_import_call_without_the_import_function() -> None:
    source = b"def import_module(x):\n    pass\nimport_module('not.an.import')\nload('x')\n"
    result = extract(source, "m")
    assert result.imports == () and result.dynamic == ()


def test_shadowed_name_on_a_line_with_an_alias() -> None:
    source = b"from importlib import import_module as im\nx = [im('a'), im(b)]\n"
    result = extract(source, "m")
    assert [r.module for r in result.imports if r.kind == "call"] == ["a"]
    assert [d.expression for d in result.dynamic] == ["b"]


# --- module facts -----------------------------------------------------------------


def test_all_worked_out(extracted: dict[str, Extraction]) -> None:
    facts = extracted["pkg/__init__.py"].facts
    assert facts.all_names == ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")
    assert [ref.module for ref in facts.all_refs] == ["pkg.forms"]
    assert facts.all_exact
    assert facts.star_imports == ("pkg.sub",)


@pytest.mark.parametrize(
    ("source", "names", "exact"),
    [
        (b"__all__ = ['a', 'b']", ("a", "b"), True),
        (b"__all__ = ('a',)", ("a",), True),
        (b"__all__: list[str] = ['a']", ("a",), True),
        (b"__all__ = ['a'] + ['b']", ("a", "b"), True),
        (b"__all__ = ['a']\n__all__ += ('b',)", ("a", "b"), True),
        (b"__all__ = ['a']\n__all__.extend(['b', 'c'])", ("a", "b", "c"), True),
        (b"__all__ = ['a']\n__all__.append('b')", ("a", "b"), True),
        (b"__all__ = ['a', 'b']\n__all__.remove('a')", ("b",), True),
        (b"__all__ = ['a']\n__all__ = __all__ + ['b']", ("a", "b"), True),
        (b"__all__ = ['a']\n__all__ += __all__", ("a", "a"), True),
        (b"__all__ = [*['a'], 'b']", ("a", "b"), True),
        (b"__all__ = list(['a'])", ("a",), True),
        (b"__all__ = [n for n in dir()]", (), False),
        (b"__all__ = ['a', name]", ("a",), False),
        (b"__all__ = ['a']\n__all__.sort()", ("a",), False),
        (b"x = 1", None, True),
    ],
)
def test_all_forms(source: bytes, names: tuple[str, ...] | None, exact: bool) -> None:
    facts = extract(source, "m").facts
    assert (facts.all_names, facts.all_exact) == (names, exact)


def test_all_references_through_imports() -> None:
    source = (
        b"from . import a\nimport pkg.b as b\nfrom .c import __all__ as c_all\n"
        b"__all__ = a.__all__ + b.__all__ + c_all\n"
    )
    facts = extract(source, "pkg", is_package=True).facts
    assert [ref.module for ref in facts.all_refs] == ["pkg.a", "pkg.b", "pkg.c"]
    assert facts.all_names == ()


def test_defined_names(extracted: dict[str, Extraction]) -> None:
    defined = extracted["pkg/definitions.py"].facts.defined
    expected = {
        "os", "collections", "to_json", "public_function", "coroutine", "Public", "CONSTANT", "first",
        "second", "rest", "annotated", "counter", "loop_var", "handle", "walrus", "_private",
    }  # fmt: skip
    assert defined == tuple(sorted(expected))  # sorted, each once
    assert "declared_only" not in defined  # an annotation alone binds nothing


def test_names_bound_only_under_guards() -> None:
    source = (
        b"import sys\nif sys.version_info < (3,):\n    red = 1\n    from x import green\n"
        b"else:\n    blue = 1\nif sys.platform == 'win32':\n    green = 2\nred = 3\n"
    )
    facts = extract(source, "m").facts
    assert facts.defined == ("blue", "green", "red", "sys")
    assert {name: len(bindings) for name, bindings in facts.guarded} == {"blue": 1, "green": 2}
    py3_linux = Target.for_platform((3, 12), "linux")
    assert facts.defined_for(py3_linux) == {"sys", "red", "blue"}
    assert facts.defined_for(Target.for_platform((3, 12), "win32")) == {"sys", "red", "green", "blue"}
    blue = facts.to_json()["guarded"][0]
    assert blue["name"] == "blue" and blue["bindings"][0][0]["text"] == "sys.version_info >= (3,)"


@pytest.mark.parametrize(
    ("source", "unbound", "defined"),
    [
        (b"from . import a, b\n", {"a", "b"}, set()),
        (b"a = 1\nfrom . import a, b\n", {"b"}, {"a"}),
        (b"from pkg import a\n", {"a"}, set()),
        (b"def f():\n    from . import a\n", set(), {"f"}),
        (b"from os import *\nfrom . import a\n", set(), set()),
        (b"from .sub import a\n", set(), {"a"}),
    ],
)
def test_imports_from_the_module_itself(source: bytes, unbound: set[str], defined: set[str]) -> None:
    facts = extract(source, "pkg", is_package=True).facts
    assert facts.unbound_self_imports == unbound
    assert set(facts.defined) == defined


@pytest.mark.parametrize(
    ("source", "dynamic"),
    [
        (b"globals()['x'] = 1\n", True),
        (b"for n in 'ab':\n    globals()[n] = 1\n", True),
        (b"def f():\n    globals().update(x=1)\n", True),
        (b"g = globals()\nx = {}\nx['a'] = 1\n", False),
        (b"vars()['x'] = 1\n", False),
        # globals() handed on: protobuf's generated *_pb2 modules, fontTools' otTables, Yapps' parsers
        (b"_globals = globals()\n_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)\n", True),
        (b"_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, globals())\n", True),
        (b"def build():\n    namespace = globals()\n    for n in 'ab':\n        namespace[n] = 1\n", True),
        (b"g = globals()\ng.update(x=1)\n", True),
        (b"globals().setdefault('x', 1)\n", True),
        (b"exec('x = 1')\n", True),
        (b"exec(CODE, globals())\n", True),
        # read, not written: the names stay known
        (b"exec('x = 1', {})\n", False),
        (b"def f():\n    exec('x = 1')\n", False),
        (b"PATTERN = '{a}'.format(**globals())\n", False),
        (b"for k, v in list(globals().items()):\n    pass\n", False),
        (b"g = globals()\nprint(len(g))\nv = g['x']\n", False),
        (b"g = globals()\nprint(g)\nnames = sorted(globals())\nsnapshot = dict(g)\n", False),
        # a function's own name for globals() is not another function's (test.support.interpreters)
        (b"def get(n):\n    ns = globals()\n    return ns[n]\ndef other(ns):\n    import j\n    use(ns)\n", False),
    ],
)
def test_names_made_through_globals(source: bytes, dynamic: bool) -> None:
    assert extract(source, "m").facts.dynamic_globals is dynamic


@pytest.mark.parametrize(
    "guard",
    ["pytest.raises(ImportError)", "self.assertRaises(ModuleNotFoundError)", "raises((ImportError, OSError))"],
)
def test_imports_a_test_expects_to_fail_are_optional(guard: str) -> None:
    source = f"def test():\n    with {guard}:\n        import nothing_here\n".encode()
    (record,) = extract(source, "m").imports
    assert record.context.optional


def test_a_raises_block_for_another_error_is_not_optional() -> None:
    (record,) = extract(b"with pytest.raises(ValueError):\n    import nothing_here\n", "m").imports
    assert not record.context.optional


def test_flags_that_say_an_import_worked() -> None:
    source = (
        b"has_fast = False\ntry:\n    import fast\n    has_fast = True\nexcept ImportError:\n    import slow\n"
        b"if has_fast:\n    from fast import speedup\nelse:\n    from slow import speedup\n"
        b"if not has_fast:\n    import slow.extra\nif other:\n    import plain\n"
    )
    records = {r.raw: r.context for r in extract(source, "m").imports}
    assert (records["fast"].try_id, records["fast"].try_role) == (2, "body")  # the try on line 2
    assert (records["slow"].try_id, records["slow"].try_role) == (2, "handler")
    assert [(c.try_id, c.try_role) for raw, c in records.items() if raw == "slow.extra"] == [(2, "handler")]
    assert (records["plain"].try_id, records["plain"].try_role) == (None, None)
    froms = [(r.context.try_role, r.context.conditions) for r in extract(source, "m").imports if r.kind == "from"]
    assert froms == [("body", ()), ("handler", ())]


def test_nested_tries_know_the_tries_around_them() -> None:
    source = (
        b"try:\n    try:\n        import a\n    except ImportError:\n        import b\nexcept ImportError:\n"
        b"    try:\n        import c\n    except ImportError:\n        pass\n"
    )
    contexts = {r.raw: r.context for r in extract(source, "m").imports}
    assert (contexts["a"].try_id, contexts["a"].outer_tries) == (2, (1,))  # tries known by their lines
    assert (contexts["b"].try_id, contexts["b"].try_role, contexts["b"].outer_tries) == (2, "handler", (1,))
    assert (contexts["c"].try_id, contexts["c"].outer_tries) == (7, ())  # a handler's failure is not caught by its try


def test_legacy_namespace_packages(extracted: dict[str, Extraction]) -> None:
    assert extracted["legacy_pkgutil/__init__.py"].facts.namespace == "pkgutil"
    assert extracted["legacy_pkg_resources/__init__.py"].facts.namespace in ("pkg_resources", "pkgutil")
    assert extracted["pkg/__init__.py"].facts.namespace is None


def test_legacy_namespace_pkg_resources_alone() -> None:
    source = b"__import__('pkg_resources').declare_namespace(__name__)\n"
    assert extract(source, "ns", is_package=True).facts.namespace == "pkg_resources"
    assert extract(source, "ns.mod", is_package=False).facts.namespace is None


def test_future_imports(extracted: dict[str, Extraction]) -> None:
    assert extracted["pkg/forms.py"].facts.future == ("annotations",)
    late = extracted["late_future.py"]
    lines = case_lines(FIXTURES / "extract/late_future.py")
    assert [(d.code, d.line) for d in late.diagnostics] == [("DS010", lines["future-late"])]
    unknown = extracted["unknown_future.py"]
    assert [d.code for d in unknown.diagnostics] == ["DS010"]
    assert "braces_please" in unknown.diagnostics[0].message


@pytest.mark.parametrize(
    ("source", "late_line"),
    [
        ("from __future__ import annotations\nimport os\n", None),
        ('"""Mentions __future__."""\nimport os\nfrom __future__ import annotations\n', 3),
        ("from __future__ import annotations\nimport os\nfrom __\uff46uture__ import annotations\n", 3),
        ("from __future__ import annotations\nx = '__future__'\n", None),
    ],
)
def test_a_late_future_import_is_found_however_the_module_mentions_it(source: str, late_line: int | None) -> None:
    """The check stops after the leading future import when ``__future__`` is mentioned once (as the
    parser reads the name: a full-width letter is the ASCII one)."""
    diagnostics = extract(source.encode("utf-8"), "m").diagnostics
    assert [(d.code, d.line) for d in diagnostics] == ([("DS010", late_line)] if late_line else [])


def test_json_form_is_complete(extracted: dict[str, Extraction]) -> None:
    record = _one(extracted, "pkg/contexts.py", "and")
    data = record.to_json()
    assert set(data) >= {"kind", "module", "raw", "level", "names", "line", "col", "scope", "optional", "conditions"}
    assert data["conditions"][0]["text"] == "sys.version_info >= (3, 8) and sys.platform != 'win32'"
    assert data["conditions"][0]["tree"]["args"][1] == {
        "op": "platform",
        "subject": "sys.platform",
        "cmp": "!=",
        "values": ["win32"],
    }


@pytest.mark.parametrize(
    ("source", "modules", "names"),
    [
        (b"class A:\n    import __spam\n", ["_A__spam"], []),
        (b"class _B:\n    from __spam import x\n", ["_B__spam"], ["x"]),
        (b"class A:\n    from m import __x, y\n", ["m"], ["_A__x", "y"]),
        (b"class A:\n    def f(self):\n        import __q\n", ["_A__q"], []),
        (b"class A:\n    import __q.r, __dunder__\n", ["__q.r", "__dunder__"], []),
        (b"class ___:\n    import __q\n", ["__q"], []),
        (b"import __spam\n", ["__spam"], []),
    ],
)
def test_private_name_mangling_in_classes(source: bytes, modules: list[str], names: list[str]) -> None:
    """The compiler mangles ``__name`` imports inside a class; so must we."""
    records = extract(source, "m").imports
    assert [r.module for r in records] == modules
    assert [n.name for r in records for n in r.names] == names


@pytest.mark.parametrize(
    "source",
    [
        "import os\nfrom __\uff46uture__ import nonsense\n",  # a misplaced future import, and no such feature
        "import importlib\nimportlib.\uff49mport_module('zzz_hidden')\n",
        "def f():\n    import importlib\n    return importlib.\U0001d422mport_module('zzz_hidden')\n",
    ],
)
def test_names_are_read_as_the_parser_normalises_them(source: str) -> None:
    """Python reads an identifier in its NFKC form (PEP 3131): a full-width or mathematical letter
    is the ASCII one. The searches that let the walk pass statements by must not miss such a name:
    the running compiler is the oracle (what it refuses, or the import function it calls)."""
    data = source.encode()
    extraction = extract(data, "m")
    try:
        code = compile(data, "m", "exec", dont_inherit=True)
    except SyntaxError:
        assert {d.code for d in extraction.diagnostics} == {"DS010"}
        return
    names = set(code.co_names) | {n for c in code.co_consts if hasattr(c, "co_names") for n in c.co_names}
    assert "import_module" in names
    assert [r.module for r in extraction.imports if r.kind == "call"] == ["zzz_hidden"]


def test_parse_warnings_neither_shown_nor_fatal() -> None:
    import warnings

    from depscan.extract.grammar import quietly

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        before = list(warnings.filters)
        result = extract(b'import a\nx = "\\("\n', "m")
        with quietly():  # a batch of files: ignored once around it, and then as they were again
            assert extract(b'x = "\\("\n', "m").ok
        assert warnings.filters == before
    assert result.ok and [r.module for r in result.imports] == ["a"]


@pytest.mark.parametrize(
    "source", [b"while 0:\n    import a\n", b"if not __debug__:\n    import a\n", b"while False:\n    import a\n"]
)
def test_blocks_the_compiler_drops_are_dead(source: bytes) -> None:
    [record] = extract(source, "m").imports
    assert record.context.evaluate(Target()) is False


@pytest.mark.parametrize(
    "source",
    [
        b"try:\n    def f():\n        import x\nexcept ImportError:\n    f = None\n",
        b"from contextlib import suppress\nwith suppress(ImportError):\n    def f():\n        import x\n",
        b"try:\n    g = lambda: __import__('x')\nexcept ImportError:\n    pass\n",
    ],
    ids=["try-def", "suppress-def", "try-lambda"],
)
def test_a_try_around_a_def_does_not_protect_its_body(source: bytes) -> None:
    """The function runs later, outside the try: its imports are not optional."""
    [record] = [r for r in extract(source, "m").imports if r.module == "x"]
    assert record.context.scope == "function"
    assert not record.context.optional and record.context.try_id is None


def test_import_calls_in_decorators() -> None:
    source = b"import importlib\n@importlib.import_module('deco')\ndef f():\n    pass\n"
    assert [r.module for r in extract(source, "m").imports if r.kind == "call"] == ["deco"]


def test_carriage_return_newlines_find_calls() -> None:
    source = b"import importlib\rx = 1\rimportlib.import_module('late')\r"
    [call] = [r for r in extract(source, "m").imports if r.kind == "call"]
    assert (call.module, call.line) == ("late", 3)


def test_relative_import_in_class_is_mangled() -> None:
    [record] = extract(b"class A:\n    from .__r import x\n", "pkg.mod").imports
    assert record.module == "pkg._A__r"


# --- bodies the walk passes by ------------------------------------------------------------

QUIET_BODY_CASES: dict[str, tuple[bytes, Callable[[Extraction], bool]]] = {
    "alias-call": (
        b"import importlib\nload = importlib.import_module\ndef f():\n    return load('plugin')\n",
        lambda e: [r.module for r in e.imports if r.kind == "call"] == ["plugin"],
    ),
    "globals-subscript": (
        b"def install(name):\n    globals()[name] = 1\n",
        lambda e: e.facts.dynamic_globals,
    ),
    "globals-update": (
        b"class C:\n    def m(self):\n        globals().update(x=1)\n",
        lambda e: e.facts.dynamic_globals,
    ),
    "import-in-method": (
        b"class C:\n    x = 1\n    def m(self):\n        if self:\n            from .impl import run\n",
        lambda e: [(r.module, r.context.scope) for r in e.imports] == [("pkg.impl", "function")],
    ),
    "continued-from": (
        b"def f():\n    from os import (\n        path,\n    )\n",
        lambda e: [r.module for r in e.imports] == ["os"],
    ),
    "decorator-of-nested-def": (  # found by test_properties: the decorator sits above the inner def's line
        b"from importlib import import_module\n"
        b"def f0():\n    @register(import_module('a'))\n    def f1():\n        pass\n",
        lambda e: [r.module for r in e.imports if r.kind == "call"] == ["a"],
    ),
    "quiet-function-still-defined": (
        b"def f():\n    return 1\nclass K:\n    y = 2\n",
        lambda e: {"f", "K"} <= set(e.facts.defined) and "y" not in e.facts.defined,
    ),
}


@pytest.mark.parametrize("case", sorted(QUIET_BODY_CASES))
def test_what_a_body_can_do_is_seen(case: str) -> None:
    source, holds = QUIET_BODY_CASES[case]
    assert holds(extract(source, "pkg.mod"))


def _walk_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    from depscan.extract import walker as extract_module

    monkeypatch.setattr(extract_module._Walker, "heard", lambda self, node: True)


def _stdlib_sources(step: int) -> list[Path]:
    import sysconfig

    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    return files[::step]


@pytest.mark.parametrize("step", [pytest.param(1, marks=pytest.mark.slow), 17], ids=["all", "sample"])
def test_passing_quiet_bodies_by_loses_nothing(monkeypatch: pytest.MonkeyPatch, step: int) -> None:
    """Over the stdlib, extraction with quiet bodies passed by equals a walk of every body."""
    sources = [(path, path.read_bytes()) for path in _stdlib_sources(step)]
    assert len(sources) > 50
    fast = [extract(data, "pkg.mod", False, str(path)) for path, data in sources]
    _walk_everything(monkeypatch)
    slow = [extract(data, "pkg.mod", False, str(path)) for path, data in sources]
    for (path, _), a, b in zip(sources, fast, slow, strict=True):
        assert a == b, path


def test_the_flags_a_module_binds_for_others() -> None:
    """Conditions and True/False bound once at module level are flags other modules may test;
    not a name rebound (at module level, or by a function's `global`), nor one bound under a test."""
    source = (
        b"import sys\nfrom compat import WIN\n"
        b"PY2 = sys.version_info[0] == 2\nIS_WIN = WIN\ncompiled = False\nDEBUG = True\nTWICE = True\nTWICE = False\n"
        b"if PY2:\n    GUARDED = True\n"
        b"def enable():\n    global DEBUG\n    DEBUG = True\n"
    )
    flags = dict(extract(source, "m").facts.flags)
    assert str(flags["PY2"]) == "sys.version_info[0] == 2"
    assert str(flags["IS_WIN"]) == "compat.WIN"
    assert str(flags["compiled"]) == "False"
    assert not {"DEBUG", "TWICE", "GUARDED", "WIN"} & set(flags)


@pytest.mark.parametrize(
    "source",
    [
        "import a\nreturn\n",
        "import a\nfor x in y:\n    pass\nelse:\n    break\n",
        "while y:\n    pass\ncontinue\n",
        "nonlocal a\n",
        "import a\nif a:\n    yield 1\n",
        "await a()\n",
        "try:\n    pass\nfinally:\n    return\n",
        # accepted by the compiler too: nothing said
        "import a\nfor x in y:\n    if x:\n        break\n    try:\n        continue\n    finally:\n        pass\n",
        "while True:\n    with a:\n        break\n",
        "def f():\n    return (yield)\nasync def g():\n    await f()\n",
        "def f():\n    x = 1\n    def g():\n        nonlocal x\n",
        "match a:\n    case 1:\n        pass\n",
    ],
)
def test_what_the_compiler_refuses_is_a_syntax_error(source: str) -> None:
    """A statement the parser takes and the compiler refuses where it stands: the module does not
    import (SyntaxError), as an unparsable one does not: DS010, and none of its imports. The
    running compiler is the oracle."""
    try:
        compile(source, "m.py", "exec")
        refused = None
    except SyntaxError as exc:
        refused = exc.msg
    extraction = extract(source.encode(), "m")
    said = [d.message for d in extraction.diagnostics if d.code == "DS010"]
    assert said == ([] if refused is None else [f"syntax error: {refused}"])
    assert (extraction.imports == ()) == (refused is not None or "import" not in source)


UTF7_TEXT = "def f():\n    import subprocess\n    return __import__('socket')\n\nclass C:\n    import ctypes\n"


def _utf7_every_character(text: str) -> bytes:
    """``text`` in UTF-7 with every character in its base64 form: no ASCII word of it is left."""
    return b"+" + base64.b64encode(text.encode("utf-16-be")).rstrip(b"=") + b"-"


def test_a_module_in_utf_7_hides_no_import_from_the_walk() -> None:
    """In UTF-7, ``+AGkAbQBwAG8AcgB0-`` is ``import``: the walk's byte searches found no import word,
    passed the function and class bodies by, and the module had no imports. The oracle: the same
    text in UTF-8."""
    text = UTF7_TEXT
    hidden = b"# -*- coding: utf-7 -*-\n" + _utf7_every_character(text)
    assert b"import" not in hidden
    plain = b"# -*- coding: utf-8 -*-\n" + text.encode()

    def imports(source: bytes) -> list[tuple[str | None, int, str]]:
        return [(r.module, r.line, r.context.scope) for r in extract(source, "m").imports]

    assert (
        imports(hidden)
        == imports(plain)
        == [
            ("subprocess", 3, "function"),
            ("socket", 4, "function"),
            ("ctypes", 7, "class"),
        ]
    )


def test_a_module_in_utf_7_hides_no_newer_syntax() -> None:
    """``except*`` spelt in UTF-7's base64 is still syntax of Python 3.11: a module that runs on 3.10
    fails there (the search for newer constructs read the bytes)."""
    text = "try:\n    pass\nexcept* ValueError:\n    pass\n"
    extraction = extract(b"# coding: utf-7\n" + _utf7_every_character(text), "m")
    assert extraction.newer_syntax is not None and extraction.newer_syntax.version == (3, 11)


def _escaped(text: str) -> str:
    """``text`` with every character but the line ends spelt as a ``unicode_escape`` escape."""
    return "".join(c if c == "\n" else f"\\x{ord(c):02x}" for c in text)


@pytest.mark.parametrize(
    ("hidden", "plain"),
    [
        # tokenize refuses a cookie line with a byte that is not UTF-8; Python reads it
        (b"# coding: unicode_escape \xff\n" + _escaped(UTF7_TEXT).encode(), b"#\n" + UTF7_TEXT.encode()),
        (b"# \xff\n# coding: unicode_escape\n" + _escaped(UTF7_TEXT).encode(), b"#\n#\n" + UTF7_TEXT.encode()),
        # tokenize reads a module whose lines end at \r as one line, its cookie where Python sees none
        (
            (b"# coding: unicode_escape\n" + _escaped(UTF7_TEXT).encode() + b"x = '\xff'\n").replace(b"\n", b"\r"),
            b"#\n" + UTF7_TEXT.encode() + b"x = 1\n",
        ),
        (
            b"#\rfrom importlib import import_module\r# coding: utf-7\rdef f():\r    +import_module('ctypes')\r",
            b"#\nfrom importlib import import_module\n# coding: utf-7\ndef f():\n    +import_module('ctypes')\n",
        ),
    ],
)
def test_the_walk_reads_a_module_in_the_encoding_python_reads_it_in(hidden: bytes, plain: bytes) -> None:
    """The walk's searches read the text as Python decodes it: where ``tokenize.detect_encoding``
    differs from Python (a cookie line that is not UTF-8, lines that end at ``\\r``), the module was
    searched as its bytes, or in an encoding Python does not read it in, and hid its imports."""

    def imports(source: bytes) -> list[tuple[str | None, int, str]]:
        return [(r.module, r.line, r.context.scope) for r in extract(source, "m").imports]

    assert imports(hidden) == imports(plain)
    assert any(scope != "module" for _, _, scope in imports(plain))


def test_a_stub_declares_the_names_it_annotates() -> None:
    """In a stub, ``X: int`` says the module has X (typeshed's ``errno.WSAEWOULDBLOCK`` is one,
    under ``sys.platform == "win32"``); in a module it binds nothing."""
    source = (
        b"import sys\nif sys.platform == 'win32':\n    WSAEX: int\nerrorcode: dict[int, str]\nclass C:\n    a: int\n"
    )
    stub = extract(source, "m", path="m.pyi").facts
    assert {"WSAEX", "errorcode"} <= set(stub.defined) and "a" not in stub.defined
    assert [name for name, _ in stub.guarded] == ["WSAEX"]
    assert not {"WSAEX", "errorcode"} & set(extract(source, "m", path="m.py").facts.defined)


@pytest.mark.parametrize(
    ("source", "is_package", "extends"),
    [
        (b"__path__.extend(find_more())\n", True, True),
        (b"__path__.append(os.path.join(HERE, 'more'))\n", True, True),
        (b"__path__.insert(0, somewhere())\n", True, True),
        (b"__path__ += [elsewhere()]\n", True, True),
        (b"__path__.extend(find_more())\n", False, False),  # a module's __path__ is no search path
        (b"__all__.extend(['a'])\npath = []\npath.append('x')\n", True, False),
    ],
)
def test_a_package_that_adds_to_its_own_path_may_have_submodules_anywhere(
    source: bytes, is_package: bool, extends: bool
) -> None:
    """twisted.plugins' ``__path__.extend(pluginPackagePaths(__name__))``: a submodule not found
    under such a package is only maybe missing (its facts say so as ``module_aliases``)."""
    assert extract(source, "p", is_package, "p/__init__.py").facts.module_aliases is extends
