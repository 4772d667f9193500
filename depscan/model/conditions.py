"""Guard conditions: the ``if`` tests that decide whether an import runs.

The extractor turns the test of every enclosing ``if`` into a :class:`Condition`
tree it can keep on each import record; the scan later evaluates that tree for
a target Python with :meth:`Condition.evaluate`. Evaluation is three-valued:
``True`` (the branch runs), ``False`` (dead code for that target) and ``None``
(not statically known: the branch may run).

Only tests that can be decided from the target's version, platform and
implementation are understood; anything else becomes :class:`Unknown`, which
keeps its source text so a person can still read it.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from depscan.model.frozen import by_fields

__all__ = [
    "All",
    "Any_",
    "Condition",
    "Const",
    "Implementation",
    "Main",
    "Not",
    "Platform",
    "Target",
    "TypeChecking",
    "Unknown",
    "Version",
    "parse_condition",
]


@by_fields
@dataclass(frozen=True, slots=True)
class Target:
    """What is known about the Python a condition is evaluated for.

    ``version`` holds as many leading components of ``sys.version_info`` as
    are known, usually ``(major, minor)``. A field left ``None`` is unknown, and
    conditions that depend on it evaluate to ``None``.
    """

    version: tuple[int, ...] | None = None
    platform: str | None = None  # sys.platform: "linux", "win32", "darwin", ...
    os_name: str | None = None  # os.name: "posix", "nt"
    system: str | None = None  # platform.system(): "Linux", "Windows", "Darwin"
    implementation: str | None = None  # sys.implementation.name: "cpython", "pypy"
    type_checking: bool | None = False  # None: either (the scan follows both branches)

    @classmethod
    def for_platform(
        cls, version: tuple[int, ...] | None, platform: str | None, implementation: str | None = None
    ) -> Target:
        """Derive ``os.name`` and ``platform.system()`` from ``sys.platform``."""
        os_name = system = None
        if platform is not None:
            if platform in ("win32", "cygwin"):
                os_name = "nt" if platform == "win32" else "posix"
                system = "Windows" if platform == "win32" else None
            else:
                os_name = "posix"
                system = {"linux": "Linux", "darwin": "Darwin"}.get(platform)
                if system is None and platform.startswith("freebsd"):
                    system = "FreeBSD"
        return cls(version, platform, os_name, system, implementation)


_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_AST_OPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<", "in": "not in", "not in": "in"}
_FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class Condition:
    """A node of a guard condition."""

    __slots__ = ()
    op: ClassVar[str]

    def evaluate(self, target: Target) -> bool | None:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def negate(self) -> Condition:
        return Not(self)

    @property
    def is_type_checking(self) -> bool:
        """True when this condition holds only while a type checker reads the code."""
        return False

    @property
    def is_main(self) -> bool:
        """True when this condition holds only while the module runs as a script."""
        return False


@by_fields
@dataclass(frozen=True, slots=True)
class Const(Condition):
    """A constant test: ``if False:``, ``if 0:``, ``if True:``."""

    value: bool
    op: ClassVar[str] = "const"

    def evaluate(self, target: Target) -> bool | None:
        return self.value

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "value": self.value}

    def negate(self) -> Condition:
        return Const(not self.value)

    def __str__(self) -> str:
        return str(self.value)


@by_fields
@dataclass(frozen=True, slots=True)
class TypeChecking(Condition):
    """``typing.TYPE_CHECKING``: false at run time, true for a type checker."""

    op: ClassVar[str] = "type_checking"

    def evaluate(self, target: Target) -> bool | None:
        return target.type_checking

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op}

    @property
    def is_type_checking(self) -> bool:
        return True

    def __str__(self) -> str:
        return "TYPE_CHECKING"


@by_fields
@dataclass(frozen=True, slots=True)
class Main(Condition):
    """``__name__ == "__main__"``: true only when the module runs as a script."""

    op: ClassVar[str] = "main"

    def evaluate(self, target: Target) -> bool | None:
        return None

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op}

    @property
    def is_main(self) -> bool:
        return True

    def __str__(self) -> str:
        return "__name__ == '__main__'"


@by_fields
@dataclass(frozen=True, slots=True)
class Version(Condition):
    """A comparison of ``sys.version_info`` (or a slice or item of it) with a literal.

    ``start``/``stop`` select the compared part: ``(None, None)`` is the whole
    ``sys.version_info``, ``(0, 2)`` is ``sys.version_info[:2]``; ``index`` is
    set for ``sys.version_info[0]`` / ``.major`` and then ``value`` has one item.
    """

    cmp: str
    value: tuple[int, ...]
    start: int | None = None
    stop: int | None = None
    index: int | None = None
    op: ClassVar[str] = "version"

    def evaluate(self, target: Target) -> bool | None:
        known = target.version
        if known is None:
            return None
        compare = _COMPARATORS[self.cmp]
        if self.index is not None:
            if self.index >= len(known):
                return None
            return compare(known[self.index], self.value[0])
        # sys.version_info (a 5-tuple) or a slice of it, of which only a prefix may be known:
        # ``[:3] >= (3, 7, 0)`` is true on 3.11 whatever the micro version.
        start = self.start or 0
        stop = min(self.stop if self.stop is not None else 5, 5)
        length = max(0, stop - start)
        head = known[start:stop]
        width = min(len(head), len(self.value))
        if head[:width] != self.value[:width]:
            return compare(head[:width], self.value[:width])
        if len(self.value) > len(head):
            return None if length > len(head) else compare(head, self.value)  # equal so far, the rest unknown
        if length == len(self.value):
            return compare(self.value, self.value)  # known whole, and equal
        # The compared part has more items than the literal and starts with it.
        return compare((0, 1), (0,))

    def negate(self) -> Condition:
        return Version(_NEGATED[self.cmp], self.value, self.start, self.stop, self.index)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"op": self.op, "cmp": self.cmp, "value": list(self.value)}
        if self.index is not None:
            data["index"] = self.index
        elif self.start is not None or self.stop is not None:
            data["slice"] = [self.start, self.stop]
        return data

    def __str__(self) -> str:
        subject = "sys.version_info"
        if self.index is not None:
            return f"{subject}[{self.index}] {self.cmp} {self.value[0]}"
        if self.start is not None or self.stop is not None:
            start = "" if self.start is None else str(self.start)
            stop = "" if self.stop is None else str(self.stop)
            subject += f"[{start}:{stop}]"
        value = "(" + ", ".join(map(str, self.value)) + ("," if len(self.value) == 1 else "") + ")"
        return f"{subject} {self.cmp} {value}"


_PLATFORM_SUBJECTS = {
    "sys.platform": "platform",
    "os.name": "os_name",
    "platform.system()": "system",
}


@by_fields
@dataclass(frozen=True, slots=True)
class Platform(Condition):
    """A test of ``sys.platform``, ``os.name`` or ``platform.system()``.

    ``cmp`` is one of ``==``, ``!=``, ``startswith``, ``in``, ``not in``;
    ``values`` holds the literal (several for ``in`` and tuple ``startswith``).
    """

    subject: str
    cmp: str
    values: tuple[str, ...]
    op: ClassVar[str] = "platform"

    def evaluate(self, target: Target) -> bool | None:
        actual: str | None = getattr(target, _PLATFORM_SUBJECTS[self.subject])
        if actual is None:
            return None
        if self.cmp == "==":
            return actual == self.values[0]
        if self.cmp == "!=":
            return actual != self.values[0]
        if self.cmp == "startswith":
            return actual.startswith(self.values)
        if self.cmp == "in":
            return actual in self.values
        return actual not in self.values

    def negate(self) -> Condition:
        if self.cmp == "startswith":
            return Not(self)
        return Platform(self.subject, _NEGATED[self.cmp], self.values)

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "subject": self.subject, "cmp": self.cmp, "values": list(self.values)}

    def __str__(self) -> str:
        if self.cmp == "startswith":
            arg = repr(self.values[0]) if len(self.values) == 1 else repr(self.values)
            return f"{self.subject}.startswith({arg})"
        if self.cmp in ("in", "not in"):
            return f"{self.subject} {self.cmp} {self.values!r}"
        return f"{self.subject} {self.cmp} {self.values[0]!r}"


_IMPL_SUBJECTS = ("sys.implementation.name", "platform.python_implementation()")


@by_fields
@dataclass(frozen=True, slots=True)
class Implementation(Condition):
    """A test of ``sys.implementation.name`` or ``platform.python_implementation()``."""

    subject: str
    cmp: str  # "==" or "!="
    value: str
    op: ClassVar[str] = "implementation"

    def evaluate(self, target: Target) -> bool | None:
        if target.implementation is None:
            return None
        # platform.python_implementation() says "CPython"; sys.implementation "cpython".
        equal = target.implementation.lower() == self.value.lower()
        return equal if self.cmp == "==" else not equal

    def negate(self) -> Condition:
        return Implementation(self.subject, _NEGATED[self.cmp], self.value)

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "subject": self.subject, "cmp": self.cmp, "value": self.value}

    def __str__(self) -> str:
        return f"{self.subject} {self.cmp} {self.value!r}"


@by_fields
@dataclass(frozen=True, slots=True)
class Available(Condition):
    """``importlib.util.find_spec("x") is not None`` (or ``pkgutil.find_loader("x")``, ...): true
    where module ``x`` can be imported. Unknown before the program runs, but an import of ``x``
    (or of a submodule) under it cannot fail: it is as optional as one in a ``try``."""

    module: str
    op: ClassVar[str] = "available"

    def evaluate(self, target: Target) -> bool | None:
        return None

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "module": self.module}

    def guards(self, module: str) -> bool:
        """An import of ``module`` runs only where it can be found."""
        return module == self.module or module.startswith(self.module + ".")

    def __str__(self) -> str:
        return f"available({self.module!r})"


@by_fields
@dataclass(frozen=True, slots=True)
class Flag(Condition):
    """A name another module binds, read as a test: ``from django.utils.version import PY314``
    then ``if PY314:``, or ``six.PY2``. Unknown here; the scan puts in its place the condition
    that module binds the name to, when it binds it to one (:func:`substitute`)."""

    module: str
    name: str
    op: ClassVar[str] = "flag"

    def evaluate(self, target: Target) -> bool | None:
        return None

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "module": self.module, "name": self.name}

    def __str__(self) -> str:
        return f"{self.module}.{self.name}"


@by_fields
@dataclass(frozen=True, slots=True)
class HasName(Condition):
    """``hasattr(module, "name")`` of a module bound by an import: unknown here; the scan puts in
    its place what depscan's tables of the standard library's names say, version by version."""

    module: str
    name: str
    op: ClassVar[str] = "hasattr"

    def evaluate(self, target: Target) -> bool | None:
        return None

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "module": self.module, "name": self.name}

    def __str__(self) -> str:
        return f"hasattr({self.module}, {self.name!r})"


def substitute(
    condition: Condition,
    lookup: Callable[[str, str], Condition | None],
    available: Callable[[str], bool] | None = None,
    has: Callable[[str, str], Condition | None] | None = None,
) -> Condition:
    """``condition`` with each :class:`Flag` replaced by what ``lookup(module, name)`` gives for
    it (kept where it gives None), with ``available`` each :class:`Available` by whether the
    module is found, and with ``has`` each :class:`HasName` by what it gives; the same object when
    nothing changed."""
    if isinstance(condition, Flag):
        found = lookup(condition.module, condition.name)
        return condition if found is None else found
    if isinstance(condition, HasName) and has is not None:
        told = has(condition.module, condition.name)
        return condition if told is None else told
    if isinstance(condition, Available) and available is not None:
        return Const(available(condition.module))
    if isinstance(condition, Not):
        inner = substitute(condition.arg, lookup, available, has)
        return condition if inner is condition.arg else inner.negate()
    if isinstance(condition, (All, Any_)):
        args = tuple(substitute(arg, lookup, available, has) for arg in condition.args)
        if all(new is old for new, old in zip(args, condition.args, strict=True)):
            return condition
        return All(args) if isinstance(condition, All) else Any_(args)
    return condition


def has_flag(condition: Condition) -> bool:
    """Whether a :class:`Flag`, an :class:`Available` or a :class:`HasName` is in ``condition``."""
    if isinstance(condition, (Flag, Available, HasName)):
        return True
    if isinstance(condition, Not):
        return has_flag(condition.arg)
    if isinstance(condition, (All, Any_)):
        return any(has_flag(arg) for arg in condition.args)
    return False


class Unknown(Condition):
    """A test depscan cannot decide statically; ``text`` is its source.

    Most ``if`` tests in real code are of this kind (``if x is None:``), so the
    text is made from the AST node only when someone asks for it.
    """

    __slots__ = ("_node", "_text")
    op: ClassVar[str] = "unknown"

    def __init__(self, text: str | None = None, node: ast.expr | None = None) -> None:
        if text is None and node is None:
            raise TypeError("Unknown needs a text or a node")
        self._text = text
        self._node = node

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._node is not None
            self._text = _source(self._node)
            self._node = None
        return self._text

    def evaluate(self, target: Target) -> bool | None:
        return None

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "text": self.text}

    def __reduce__(self) -> tuple[type[Unknown], tuple[str]]:
        return Unknown, (self.text,)  # not the parse tree it was read from

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("unknown", self.text))

    def __repr__(self) -> str:
        return f"Unknown({self.text!r})"

    def __str__(self) -> str:
        return self.text


@by_fields
@dataclass(frozen=True, slots=True)
class Not(Condition):
    arg: Condition
    op: ClassVar[str] = "not"

    def evaluate(self, target: Target) -> bool | None:
        value = self.arg.evaluate(target)
        return None if value is None else not value

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "arg": self.arg.to_json()}

    def negate(self) -> Condition:
        return self.arg

    def __str__(self) -> str:
        inner = str(self.arg)
        if isinstance(self.arg, (All, Any_)):
            return f"not ({inner})"
        return f"not {inner}"


@by_fields
@dataclass(frozen=True, slots=True)
class All(Condition):
    """``a and b and ...``: false when any is false, true when all are true."""

    args: tuple[Condition, ...] = field(default=())
    op: ClassVar[str] = "and"

    def evaluate(self, target: Target) -> bool | None:
        result: bool | None = True
        for arg in self.args:
            value = arg.evaluate(target)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "args": [arg.to_json() for arg in self.args]}

    @property
    def is_type_checking(self) -> bool:
        return any(arg.is_type_checking for arg in self.args)

    @property
    def is_main(self) -> bool:
        return any(arg.is_main for arg in self.args)

    def __str__(self) -> str:
        return " and ".join(_wrap(arg) for arg in self.args)


@by_fields
@dataclass(frozen=True, slots=True)
class Any_(Condition):
    """``a or b or ...``: true when any is true, false when all are false."""

    args: tuple[Condition, ...] = field(default=())
    op: ClassVar[str] = "or"

    def evaluate(self, target: Target) -> bool | None:
        result: bool | None = False
        for arg in self.args:
            value = arg.evaluate(target)
            if value is True:
                return True
            if value is None:
                result = None
        return result

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "args": [arg.to_json() for arg in self.args]}

    @property
    def is_type_checking(self) -> bool:
        return all(arg.is_type_checking for arg in self.args)

    @property
    def is_main(self) -> bool:
        return bool(self.args) and all(arg.is_main for arg in self.args)

    def __str__(self) -> str:
        return " or ".join(_wrap(arg) for arg in self.args)


def _wrap(condition: Condition) -> str:
    if isinstance(condition, (All, Any_)):
        return f"({condition})"
    return str(condition)


# --- reading conditions from the AST ---------------------------------------------

Resolver = Callable[[ast.expr], "str | None"]
"""Maps a Name/Attribute expression to the dotted name it stands for, or None."""


def parse_condition(
    node: ast.expr,
    qualify: Resolver,
    named: Mapping[str, Condition],
    flag_of: Callable[[ast.expr], Condition | None] | None = None,
) -> Condition:
    """Turn the test of an ``if`` (or a conditional expression) into a Condition.

    ``qualify`` maps ``sys``/``_sys``/``version_info`` and the like to what they
    were imported as, so ``from sys import version_info as v`` still reads;
    ``named`` holds module-level flags such as ``PY2 = sys.version_info[0] == 2``;
    ``flag_of`` gives the condition a name bound by an import stands for (``six.PY2``,
    ``from m import PY2``: a :class:`Flag` of the module it comes from), or None.
    """
    if isinstance(node, ast.BoolOp):
        args = tuple(parse_condition(value, qualify, named, flag_of) for value in node.values)
        return All(args) if isinstance(node.op, ast.And) else Any_(args)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return parse_condition(node.operand, qualify, named, flag_of).negate()
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (bool, int, str, bytes, float, type(None))):
            return Const(bool(node.value))
    if isinstance(node, (ast.Name, ast.Attribute)):
        dotted = qualify(node)
        if dotted is not None and (dotted == "typing.TYPE_CHECKING" or dotted.endswith(".TYPE_CHECKING")):
            return TypeChecking()
        if isinstance(node, ast.Name):
            if node.id == "TYPE_CHECKING":
                return TypeChecking()
            if node.id == "__debug__":  # a constant to the compiler (True unless python -O)
                return Const(True)
            if node.id in named:
                return named[node.id]
        flag = flag_of(node) if flag_of is not None else None
        if flag is not None:
            return flag
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        parsed = _parse_compare(node.left, node.ops[0], node.comparators[0], qualify)
        if parsed is None:
            parsed = _parse_found(node.left, node.ops[0], node.comparators[0], qualify)
        if parsed is not None:
            return parsed
    if isinstance(node, ast.Call):
        parsed = _parse_startswith(node, qualify)
        if parsed is None:
            found = _found_module(node, qualify)
            parsed = Available(found) if found is not None else None
        if parsed is None and flag_of is not None:
            parsed = flag_of(node)  # hasattr(module, "name")
        if parsed is not None:
            return parsed
    return Unknown(node=node)


# Functions that answer "can this module be imported?" without importing it (their first argument).
_FINDERS = frozenset({"importlib.util.find_spec", "importlib.find_loader", "pkgutil.find_loader", "pkgutil.get_loader"})


def _found_module(node: ast.expr, qualify: Resolver) -> str | None:
    """``m`` of ``importlib.util.find_spec("m")`` (a literal absolute name), else None."""
    if not (isinstance(node, ast.Call) and node.args and qualify(node.func) in _FINDERS):
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        name = first.value
        if name and all(part.isidentifier() for part in name.split(".")):
            return name
    return None


def _parse_found(left: ast.expr, cmpop: ast.cmpop, right: ast.expr, qualify: Resolver) -> Condition | None:
    """``find_spec("m") is not None`` (available) and ``... is None`` (not available)."""
    if not (isinstance(right, ast.Constant) and right.value is None):
        return None
    found = _found_module(left, qualify)
    if found is None:
        return None
    if isinstance(cmpop, (ast.IsNot, ast.NotEq)):
        return Available(found)
    if isinstance(cmpop, (ast.Is, ast.Eq)):
        return Not(Available(found))
    return None


def _source(node: ast.expr) -> str:
    try:
        text = ast.unparse(node)
    except (ValueError, RecursionError):  # pragma: no cover - unparse of a parsed tree
        return "<expression>"
    return text if len(text) <= 200 else text[:197] + "..."


def _subject(node: ast.expr, qualify: Resolver) -> str | None:
    """Name the platform or implementation value an expression reads, if any."""
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        called = qualify(node.func)
        if called in ("platform.system", "platform.python_implementation"):
            return f"{called}()"
        return None
    dotted = qualify(node)
    if dotted in ("sys.platform", "os.name", "sys.implementation.name"):
        return dotted
    return None


def _version_part(node: ast.expr, qualify: Resolver) -> tuple[int | None, int | None, int | None] | None:
    """Recognise ``sys.version_info``, ``[i]``, ``[a:b]``, ``.major``/``.minor``.

    Returns ``(start, stop, index)`` or None when the expression is not one of them.
    """
    if qualify(node) == "sys.version_info":
        return (None, None, None)
    if isinstance(node, ast.Attribute) and node.attr in ("major", "minor", "micro"):
        if qualify(node.value) == "sys.version_info":
            return (None, None, ("major", "minor", "micro").index(node.attr))
        return None
    if isinstance(node, ast.Subscript) and qualify(node.value) == "sys.version_info":
        index = node.slice
        if isinstance(index, ast.Constant) and isinstance(index.value, int) and not isinstance(index.value, bool):
            return (None, None, index.value) if 0 <= index.value < 5 else None
        if isinstance(index, ast.Slice) and index.step is None:
            bounds: list[int | None] = []
            for bound in (index.lower, index.upper):
                if bound is None:
                    bounds.append(None)
                elif isinstance(bound, ast.Constant) and type(bound.value) is int and bound.value >= 0:
                    bounds.append(bound.value)
                else:
                    return None
            return (bounds[0], bounds[1], None)
    return None


def _int_tuple(node: ast.expr) -> tuple[int, ...] | None:
    if isinstance(node, ast.Tuple) and node.elts:
        items = []
        for elt in node.elts:
            if not (isinstance(elt, ast.Constant) and type(elt.value) is int):
                return None
            items.append(elt.value)
        return tuple(items)
    return None


def _str_values(node: ast.expr) -> tuple[str, ...] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts:
        values = []
        for elt in node.elts:
            if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
                return None
            values.append(elt.value)
        return tuple(values)
    return None


def _parse_compare(left: ast.expr, cmpop: ast.cmpop, right: ast.expr, qualify: Resolver) -> Condition | None:
    if isinstance(cmpop, (ast.In, ast.NotIn)):
        subject = _subject(left, qualify)
        values = _str_values(right)
        if subject in _PLATFORM_SUBJECTS and values is not None:
            return Platform(subject, "in" if isinstance(cmpop, ast.In) else "not in", values)
        return None
    op = _AST_OPS.get(type(cmpop))
    if op is None:
        return None
    for this, other, this_op in ((left, right, op), (right, left, _FLIPPED[op])):
        if qualify(this) == "sys.hexversion" and isinstance(other, ast.Constant) and type(other.value) is int:
            # 0x030D00A2 is 3.13.0a2: compared as (3, 13, 0), it is decided where the version differs
            # in its major or minor part, and unknown within the same minor version.
            number = other.value
            return Version(this_op, ((number >> 24) & 0xFF, (number >> 16) & 0xFF, (number >> 8) & 0xFF))
        part = _version_part(this, qualify)
        if part is not None:
            start, stop, index = part
            if index is not None:
                if isinstance(other, ast.Constant) and type(other.value) is int:
                    return Version(this_op, (other.value,), index=index)
                return None
            value = _int_tuple(other)
            if value is None:
                return None
            return Version(this_op, value, start, stop)
        subject = _subject(this, qualify)
        if subject is not None and op in ("==", "!="):
            if isinstance(other, ast.Constant) and isinstance(other.value, str):
                if subject in _PLATFORM_SUBJECTS:
                    return Platform(subject, op, (other.value,))
                return Implementation(subject, op, other.value)
            return None
        if isinstance(this, ast.Name) and this.id == "__name__" and op in ("==", "!="):
            if isinstance(other, ast.Constant) and other.value == "__main__":
                return Main() if op == "==" else Not(Main())
    return None


def _parse_startswith(node: ast.Call, qualify: Resolver) -> Condition | None:
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "startswith"):
        return None
    if len(node.args) != 1 or node.keywords:
        return None
    subject = _subject(func.value, qualify)
    values = _str_values(node.args[0])
    if subject in _PLATFORM_SUBJECTS and values is not None:
        return Platform(subject, "startswith", values)
    return None
