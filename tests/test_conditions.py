"""Guard conditions: which tests are understood, how they read, how they evaluate."""

from __future__ import annotations

import ast

import pytest

from depscan.model.conditions import Condition, Target, parse_condition

ALIASES = {"_sys": "sys", "version_info": "sys.version_info", "plat": "platform", "t": "typing"}


def parse(text: str, named: dict[str, Condition] | None = None) -> Condition:
    node = ast.parse(text, mode="eval").body

    def qualify(expr: ast.expr) -> str | None:
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return None
        return ".".join([ALIASES.get(expr.id, expr.id), *reversed(parts)])

    return parse_condition(node, qualify, named or {})


LINUX_311 = Target.for_platform((3, 11), "linux", "cpython")
WINDOWS_38 = Target.for_platform((3, 8), "win32", "cpython")
PYPY_MAC_310 = Target.for_platform((3, 10), "darwin", "pypy")
UNKNOWN = Target()

CASES = [
    # source, how it reads, on linux 3.11, on windows 3.8, on pypy macOS 3.10
    ("sys.version_info >= (3, 11)", "sys.version_info >= (3, 11)", True, False, False),
    ("(3, 11) <= sys.version_info", "sys.version_info >= (3, 11)", True, False, False),
    ("_sys.version_info < (3,)", "sys.version_info < (3,)", False, False, False),
    ("version_info > (3, 9)", "sys.version_info > (3, 9)", True, False, True),
    ("sys.version_info == (3, 11)", "sys.version_info == (3, 11)", False, False, False),
    ("sys.version_info[:2] == (3, 11)", "sys.version_info[:2] == (3, 11)", True, False, False),
    ("sys.version_info[0:2] >= (3, 10)", "sys.version_info[0:2] >= (3, 10)", True, False, True),
    ("sys.version_info[0] == 3", "sys.version_info[0] == 3", True, True, True),
    ("sys.version_info.minor >= 10", "sys.version_info[1] >= 10", True, False, True),
    ("sys.version_info >= (3, 11, 2)", "sys.version_info >= (3, 11, 2)", None, False, False),
    ("sys.platform == 'win32'", "sys.platform == 'win32'", False, True, False),
    ("'win32' == sys.platform", "sys.platform == 'win32'", False, True, False),
    ("sys.platform.startswith('linux')", "sys.platform.startswith('linux')", True, False, False),
    ("sys.platform.startswith(('win', 'cyg'))", "sys.platform.startswith(('win', 'cyg'))", False, True, False),
    ("sys.platform in ('darwin', 'linux')", "sys.platform in ('darwin', 'linux')", True, False, True),
    ("sys.platform not in {'darwin'}", "sys.platform not in ('darwin',)", True, True, False),
    ("os.name == 'nt'", "os.name == 'nt'", False, True, False),
    ("plat.system() == 'Darwin'", "platform.system() == 'Darwin'", False, False, True),
    ("sys.implementation.name == 'pypy'", "sys.implementation.name == 'pypy'", False, False, True),
    (
        "platform.python_implementation() == 'CPython'",
        "platform.python_implementation() == 'CPython'",
        True,
        True,
        False,
    ),
    ("TYPE_CHECKING", "TYPE_CHECKING", False, False, False),
    ("t.TYPE_CHECKING", "TYPE_CHECKING", False, False, False),
    ("not TYPE_CHECKING", "not TYPE_CHECKING", True, True, True),
    ("False", "False", False, False, False),
    ("0", "False", False, False, False),
    ("1", "True", True, True, True),
    ("__name__ == '__main__'", "__name__ == '__main__'", None, None, None),
    ("__name__ != '__main__'", "not __name__ == '__main__'", None, None, None),
    ("not sys.version_info >= (3, 11)", "sys.version_info < (3, 11)", False, True, True),
    (
        "sys.version_info >= (3, 8) and os.name == 'nt'",
        "sys.version_info >= (3, 8) and os.name == 'nt'",
        False,
        True,
        False,
    ),
    (
        "sys.platform == 'win32' or sys.version_info < (3, 9)",
        "sys.platform == 'win32' or sys.version_info < (3, 9)",
        False,
        True,
        False,
    ),
    ("not (os.name == 'nt' or TYPE_CHECKING)", "not (os.name == 'nt' or TYPE_CHECKING)", True, False, True),
    ("sys.version_info >= (3, 8) and feature()", "sys.version_info >= (3, 8) and feature()", None, None, None),
    ("sys.version_info < (3, 8) and feature()", "sys.version_info < (3, 8) and feature()", False, False, False),
    ("HAVE_FOO", "HAVE_FOO", None, None, None),
    ("sys.version_info >= (3, x)", "sys.version_info >= (3, x)", None, None, None),
    ("sys.version_info[::2] >= (3, 1)", "sys.version_info[::2] >= (3, 1)", None, None, None),
    ("sys.platform == name", "sys.platform == name", None, None, None),
    ("sys.platform < 'z'", "sys.platform < 'z'", None, None, None),
]


@pytest.mark.parametrize(("source", "text", "linux", "windows", "pypy_mac"), CASES, ids=[c[0] for c in CASES])
def test_parse_and_evaluate(
    source: str, text: str, linux: bool | None, windows: bool | None, pypy_mac: bool | None
) -> None:
    condition = parse(source)
    assert str(condition) == text
    assert condition.evaluate(LINUX_311) is linux
    assert condition.evaluate(WINDOWS_38) is windows
    assert condition.evaluate(PYPY_MAC_310) is pypy_mac


@pytest.mark.parametrize("source", [c[0] for c in CASES])
def test_negation_is_the_opposite(source: str) -> None:
    condition = parse(source)
    for target in (LINUX_311, WINDOWS_38, PYPY_MAC_310, UNKNOWN):
        value = condition.evaluate(target)
        negated = condition.negate().evaluate(target)
        assert negated is (None if value is None else not value)


def test_unknown_target_decides_only_constants() -> None:
    assert parse("sys.version_info >= (3, 11)").evaluate(UNKNOWN) is None
    assert parse("sys.platform == 'win32'").evaluate(UNKNOWN) is None
    assert parse("False").evaluate(UNKNOWN) is False
    assert parse("TYPE_CHECKING").evaluate(Target(type_checking=True)) is True


def test_named_flags() -> None:
    py2 = parse("sys.version_info[0] == 2")
    assert parse("PY2", {"PY2": py2}) == py2
    assert str(parse("not PY2", {"PY2": py2})) == "sys.version_info[0] != 2"


def test_type_checking_detection() -> None:
    assert parse("TYPE_CHECKING").is_type_checking
    assert parse("TYPE_CHECKING and sys.version_info >= (3, 8)").is_type_checking
    assert not parse("TYPE_CHECKING or sys.version_info >= (3, 8)").is_type_checking
    assert not parse("not TYPE_CHECKING").is_type_checking


# Every sys.version_info a Python 3.11 can have, as far as comparisons with small literals go.
_VERSIONS_3_11 = [
    (3, 11, micro, level, serial) for micro in (0, 1, 7, 12) for level in ("alpha", "final") for serial in (0, 2)
]
_SUBJECTS = ["", "[:2]", "[:3]", "[:1]", "[1:3]", "[0:7]", "[2:]", "[1:]", "[0]", "[1]", "[2]"]
_LITERALS = ["(3,)", "(3, 11)", "(3, 11, 0)", "(3, 7, 0)", "(3, 12)", "(2,)", "(11,)", "(11, 0)", "3", "11", "7"]


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "==", "!="])
def test_version_comparisons_decide_only_what_every_micro_version_agrees_on(op: str) -> None:
    """With only (3, 11) known, a comparison of sys.version_info (or a slice, or an item) is true
    or false exactly when it is so for every 3.11.x; else unknown (None) — never a wrong answer.
    The oracle is Python's own comparison of the tuples a 3.11 interpreter can have."""
    target = Target(version=(3, 11))
    decided = 0
    for subject in _SUBJECTS:
        for literal in _LITERALS:
            if subject in ("[0]", "[1]", "[2]") and literal.startswith("("):
                continue
            if subject not in ("[0]", "[1]", "[2]") and not literal.startswith("("):
                continue
            source = f"sys.version_info{subject} {op} {literal}"
            got = parse(source).evaluate(target)
            answers = {eval(source, {"sys": _Sys(v)}) for v in _VERSIONS_3_11}  # (the test's own literals)
            if got is not None:
                decided += 1
                assert answers == {got}, source
    assert decided > 50  # most are decided: `sys.version_info[:3] >= (3, 7, 0)` is True on 3.11


class _Sys:
    def __init__(self, version_info: tuple[object, ...]) -> None:
        self.version_info = version_info
