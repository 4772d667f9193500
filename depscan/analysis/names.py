"""The names a module has, one model for every command: the attributes every module object has,
and, for the standard library, what ``dir()`` lists on the target version.

A project's or a third-party module's names are read from its source (the scan's
:meth:`~depscan.analysis.scan.Scanner._names`); a standard library module's come
from depscan's tables (``stdlib-names-X.Y.json.gz``: ``dir()`` of each module on
real interpreters of that version, on Linux), or from the target itself when the
user let depscan run it (``--probe-python``) and there is no table for its version.
The stdlib makes many names in ways no static reading follows (``ssl``'s enums,
``hashlib``'s constructors, ``socket``'s constants), so its source is not read for
them. A module with a module-level ``__getattr__`` has names ``dir()`` does not
list, and a table made on Linux cannot say a name is missing on another platform:
both are "cannot tell", never "missing".
"""

from __future__ import annotations

from collections.abc import Collection

from depscan.model.conditions import All, Any_, Condition, Const, Implementation, Not, Platform, Unknown, Version
from depscan.resolve.interpreter import Interpreter
from depscan.resolve.resolver import Resolution

# What ``from m import x`` finds on every module object, whatever its code binds.
EVERY_MODULE = frozenset({"__name__", "__doc__", "__spec__", "__loader__", "__package__", "__dict__"})
TABLES_PLATFORM = "linux"  # where the names tables were made
_ALIASES = {"os.path": "posixpath"}  # what os binds in sys.modules, on Linux


def module_attributes(resolution: Resolution) -> frozenset[str]:
    """The attributes the import system gives a module of this kind: ``__file__`` (and for Python
    code ``__cached__`` and ``__builtins__``) for a module loaded from a file, ``__path__`` for a
    package."""
    names = set(EVERY_MODULE)
    if resolution.kind in ("source", "bytecode", "extension"):
        names.add("__file__")
    if resolution.kind in ("source", "bytecode"):
        names.update(("__cached__", "__builtins__"))
    if resolution.is_package:
        names.add("__path__")
    return frozenset(names)


class StdlibNames:
    """The names each standard library module of the target has, and whether they are all of them."""

    def __init__(self, interp: Interpreter, platforms: Collection[str]) -> None:
        self.interp = interp
        # The tables tell what is missing only for the platform they were made on.
        self.tables_tell = set(platforms) <= {TABLES_PLATFORM}
        self._table: dict[str, list[str] | None] | None = None
        self._sets: dict[str, frozenset[str] | None] = {}
        self._asked: dict[str, frozenset[str] | None] = {}

    def names(self, module: str) -> tuple[frozenset[str], bool]:
        """The names ``dir(module)`` lists on the target, and whether they are all it has (not when a
        module ``__getattr__`` makes more, or a name absent from Linux's table may be there on the
        target's platform); nothing known, when it cannot be told."""
        table = self._load()
        if table:
            names = self._set(table, module)
            if names is None and module in _ALIASES:  # os.path is posixpath (a table without the alias)
                names = self._set(table, _ALIASES[module])
            complete = self.tables_tell or self.interp.probed
        elif self.interp.probed:
            names, complete = self._ask(module), True
        else:
            return frozenset(), False
        if names is None:
            return frozenset(), False
        return names, complete and "__getattr__" not in names

    def _set(self, table: dict[str, list[str] | None], module: str) -> frozenset[str] | None:
        if module not in self._sets:
            listed = table.get(module)
            self._sets[module] = None if listed is None else frozenset(listed)
        return self._sets[module]

    def _load(self) -> dict[str, list[str] | None]:
        if self._table is None:
            from depscan.resolve.tables import stdlib_module_names

            self._table = stdlib_module_names(self.interp.version_text)
        return self._table

    def _ask(self, module: str) -> frozenset[str] | None:
        if module not in self._asked:
            from depscan.resolve.probe import ask_stdlib_names

            self._asked.update(ask_stdlib_names(self.interp, [module]))
        return self._asked.get(module)


def stdlib_has(module: str, name: str) -> Condition | None:
    """``hasattr(module, name)`` for a standard library module, as a condition on the version the
    code runs on, from depscan's tables: true on the versions whose table lists the name, false on
    those whose table does not, unknown on other versions, off Linux and off CPython (where the
    tables were made), and where the module has a module-level ``__getattr__`` and the table lacks
    the name.
    None when no table tells."""
    from depscan.resolve.tables import available_versions, stdlib_module_names

    having: list[tuple[int, ...]] = []
    tabled: list[tuple[int, ...]] = []
    for version in available_versions():
        names = stdlib_module_names(version).get(_ALIASES.get(module, module))
        if names is None:
            continue  # not there, or not importable where the table was made: not told
        number = tuple(int(part) for part in version.split("."))
        if name in names:
            having.append(number)
            tabled.append(number)
        elif "__getattr__" not in names:  # (a module-level __getattr__ may make it: not told)
            tabled.append(number)
    if not tabled:
        return None

    def on(versions: list[tuple[int, ...]]) -> Condition:
        return Any_(tuple(Version("==", v, None, 2) for v in versions)) if versions else Const(False)

    # Where the tables were made: Linux, CPython (sys.pypy_version_info is PyPy's).
    made = All(
        (Platform("sys.platform", "==", (TABLES_PLATFORM,)), Implementation("sys.implementation.name", "==", "cpython"))
    )
    told = All((made, on(tabled)))
    return Any_((All((made, on(having))), All((Not(told), Unknown("hasattr, where depscan's tables cannot tell")))))
