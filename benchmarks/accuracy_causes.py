"""Why a healthy package's import was reported: the cause heuristic of ``benchmarks/accuracy.py``.

Each file is parsed once with ``ast`` (never imported). Every import statement,
and every ``importlib.import_module`` / ``__import__`` call, gets the guards
around it, outermost first: a ``TYPE_CHECKING`` test, a ``try`` that catches
``ImportError`` (its handlers too: they hold the fallback), ``suppress`` of
``ImportError``, a platform or version test, an availability test, a function
body. A finding takes the first of :data:`CAUSES` that applies: the guards in
the order of that list, whatever their nesting; then whether the module comes
from one of the distribution's extras; then whether the file is a test module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from packaging.utils import canonicalize_name

VENDORED = "vendored alias"
RUNTIME = "made at run time"
TYPE_ONLY = "TYPE_CHECKING"
TRY = "try/except"
PLATFORM = "platform/version guard"
AVAILABLE = "availability guard"
OTHER_PLATFORM = "other platform's module"
EXTRA = "optional extra"
VENDORED_COPY = "vendored copy"
TEST = "test module"
FUNCTION = "in a function"
OTHER = "other"

CAUSES = (
    VENDORED,
    RUNTIME,
    TYPE_ONLY,
    TRY,
    PLATFORM,
    AVAILABLE,
    OTHER_PLATFORM,
    EXTRA,
    VENDORED_COPY,
    TEST,
    FUNCTION,
    OTHER,
)
"""Every cause, in the order they are tried."""

GUARDS = (TYPE_ONLY, TRY, PLATFORM, AVAILABLE, FUNCTION)
"""The causes read from the guards around the import, in the order they win."""

IMPORT_NAMES = {
    "pyyaml": {"yaml", "_yaml"},
    "pyopenssl": {"OpenSSL"},
    "pysocks": {"socks", "sockshandler"},
    "python-dotenv": {"dotenv"},
    "beautifulsoup4": {"bs4"},
    "pillow": {"PIL"},
    "scikit-learn": {"sklearn"},
    "brotlicffi": {"brotlicffi"},
    "email-validator": {"email_validator"},
    "python-multipart": {"multipart", "python_multipart"},
    "uvicorn": {"uvicorn"},
    "pydantic-settings": {"pydantic_settings"},
    "argon2-cffi": {"argon2"},
    "attrs": {"attr", "attrs"},
    "typing-extensions": {"typing_extensions"},
    "importlib-metadata": {"importlib_metadata"},
    "zstandard": {"zstandard"},
    "aiodns": {"aiodns"},
    "psycopg2-binary": {"psycopg2"},
    "mysqlclient": {"MySQLdb"},
    "pymysql": {"pymysql"},
    "markdown-it-py": {"markdown_it"},
    "pywin32": {"win32api", "win32con", "win32file", "pywintypes", "win32com"},
}
"""Distributions whose import names are not their normalised names (or that have several)."""

PLATFORM_MODULES = {
    "msvcrt", "winreg", "_winreg", "winsound", "_winapi", "_overlapped", "nt", "_msi", "win32api", "win32con",
    "win32com", "win32file", "win32pipe", "win32process", "win32event", "pywintypes", "pythoncom", "wmi",
    "ctypes.windll", "ctypes.oledll", "ctypes.WinDLL", "ctypes.WINFUNCTYPE", "ctypes.WinError", "ctypes.FormatError",
    "ctypes.GetLastError", "_scproxy", "js", "pyodide", "java", "com.sun", "System", "clr",
}  # fmt: skip
"""Modules (and names) that only exist on another platform: Windows, macOS's _scproxy, Emscripten, Jython, .NET."""

VENDOR_SHIM = re.compile(r"\bextern\b")
RUNTIME_MODULE = re.compile(r"\bsix\.moves\b")
"""Modules a finder installed at run time makes (six's meta-path importer)."""
VENDOR_DIR = re.compile(r"^_?vendor(ed)?$")
PLATFORM_NAMES = {"platform", "version_info", "hexversion", "implementation", "system", "python_implementation"}
PLATFORM_FLAG = re.compile(
    r"(^|_)(py\d+|pypy|cpython|win(32|dows)?|macos|darwin|linux|posix|emscripten|wasi)($|_)", re.I
)
AVAILABILITY = re.compile(r"find_spec|find_loader|importorskip|(^|_)(has|have)_|available|installed", re.I)
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
TEST_PART = re.compile(r"^(tests?|testing)$|^test_.*\.py$|_tests?\.py$|^tests?\.py$|^conftest\.py$")


def top_level(module: str) -> str:
    return module.lstrip(".").split(".", 1)[0]


def platform_only(module: str) -> bool:
    """Whether ``module`` (or a package above it) exists only on another platform."""
    parts = module.lstrip(".").split(".")
    return any(".".join(parts[:end]) in PLATFORM_MODULES for end in range(1, len(parts) + 1))


def _names(node: ast.AST) -> set[str]:
    """The names, attributes and short strings in an expression."""
    found: set[str] = set()
    for part in ast.walk(node):
        if isinstance(part, ast.Name):
            found.add(part.id)
        elif isinstance(part, ast.Attribute):
            found.add(part.attr)
            if isinstance(part.value, ast.Name) and part.value.id == "os" and part.attr == "name":
                found.add("platform")
        elif isinstance(part, ast.Constant) and isinstance(part.value, str) and len(part.value) < 40:
            found.add(part.value)
    return found


def _is_none_test(test: ast.expr) -> bool:
    """``x is None`` / ``x is not None``: a module bound or not by an earlier optional import."""
    return any(
        isinstance(part, ast.Compare)
        and any(isinstance(op, (ast.Is, ast.IsNot)) for op in part.ops)
        and any(isinstance(c, ast.Constant) and c.value is None for c in part.comparators)
        for part in ast.walk(test)
    )


def condition_kind(test: ast.expr, flags: dict[str, str] | None = None) -> str | None:
    """The kind of guard a test is; ``flags`` are the module's names bound to such a test (``PY2 = ...``)."""
    names = _names(test)
    flagged = {flags[name] for name in names if flags and name in flags}
    for kind in (TYPE_ONLY, PLATFORM, AVAILABLE):
        if kind in flagged:
            return kind
    if "TYPE_CHECKING" in names:
        return TYPE_ONLY
    if names & PLATFORM_NAMES or any(PLATFORM_FLAG.search(name.lstrip("_")) for name in names):
        return PLATFORM
    if _is_none_test(test) or any(AVAILABILITY.search(name) for name in names):
        return AVAILABLE
    return None


def _catches_import_error(node: ast.Try) -> bool:
    return any(handler.type is None or bool(_names(handler.type) & IMPORT_ERRORS) for handler in node.handlers)


def _suppresses_import_error(node: ast.With | ast.AsyncWith) -> bool:
    return any(
        isinstance(item.context_expr, ast.Call)
        and "suppress" in _names(item.context_expr.func)
        and any(_names(arg) & IMPORT_ERRORS for arg in item.context_expr.args)
        for item in node.items
    )


def module_flags(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound to a guard's test, in order, so that a flag may build on an earlier one."""
    flags: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            kind = condition_kind(statement.value, flags)
            if isinstance(target, ast.Name) and kind is not None:
                flags[target.id] = kind
    return flags


def field_guards(node: ast.AST, field: str, flags: dict[str, str]) -> tuple[str, ...]:
    """The guard that the statements in ``node.field`` run under, if any."""
    if isinstance(node, ast.If) and field in ("body", "orelse"):
        kind = condition_kind(node.test, flags)
        if kind is None or (kind == TYPE_ONLY and field == "orelse"):
            return ()
        return (kind,)
    if isinstance(node, ast.Try) and field in ("body", "handlers") and _catches_import_error(node):
        return (TRY,)
    if isinstance(node, (ast.With, ast.AsyncWith)) and field == "body" and _suppresses_import_error(node):
        return (TRY,)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and field == "body":
        return (FUNCTION,)
    return ()


def _is_import(node: ast.AST) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    return isinstance(node, ast.Call) and bool(_names(node.func) & {"import_module", "__import__"})


def _asserted(statement: ast.AST, flags: dict[str, str]) -> tuple[str, ...]:
    """``assert sys.platform == "win32"``: the statements after it run only where it holds."""
    if isinstance(statement, ast.Assert) and condition_kind(statement.test, flags) == PLATFORM:
        return (PLATFORM,)
    return ()


def guard_map(tree: ast.Module) -> dict[int, tuple[str, ...]]:
    """Each line of an import to the guards around it, outermost first."""
    flags = module_flags(tree)
    lines: dict[int, tuple[str, ...]] = {}
    stack: list[tuple[ast.AST, tuple[str, ...]]] = [(tree, ())]
    while stack:
        node, guards = stack.pop()
        if _is_import(node) and isinstance(node, (ast.stmt, ast.expr)):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                lines.setdefault(line, guards)
        for field, value in ast.iter_fields(node):
            inner = guards + field_guards(node, field, flags)
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    stack.append((child, inner))
                    inner += _asserted(child, flags)
    return lines


class Causes:
    """The cause of each finding, each file parsed once."""

    def __init__(self) -> None:
        self._guards: dict[Path, dict[int, tuple[str, ...]]] = {}
        self._lines: dict[Path, list[str]] = {}

    def _read(self, path: Path) -> None:
        if path in self._guards:
            return
        try:
            source = path.read_text(encoding="utf-8", errors="replace")
            self._guards[path] = guard_map(ast.parse(source))
            self._lines[path] = source.splitlines()
        except (OSError, SyntaxError, ValueError, RecursionError):
            self._guards[path], self._lines[path] = {}, []

    def import_names(self, distribution: str) -> set[str]:
        name = canonicalize_name(distribution)
        return IMPORT_NAMES.get(name, set()) | {name.replace("-", "_")}

    def cause(self, path: Path, line: int, module: str, optional: set[str]) -> str:
        self._read(path)
        text = self._lines[path][line - 1] if 0 < line <= len(self._lines[path]) else ""
        if VENDOR_SHIM.search(module) or VENDOR_SHIM.search(text):
            return VENDORED
        if RUNTIME_MODULE.search(module):
            return RUNTIME
        guards = self._guards[path].get(line, ())
        for guard in GUARDS[:-1]:
            if guard in guards:
                return guard
        if platform_only(module):
            return OTHER_PLATFORM
        if module and top_level(module).lower() in {name.lower() for name in optional}:
            return EXTRA
        parts = path.parts
        inside = parts[parts.index("site-packages") + 1 :] if "site-packages" in parts else parts
        if any(VENDOR_DIR.search(part) for part in inside[:-1]):
            return VENDORED_COPY
        if any(TEST_PART.search(part) for part in inside):
            return TEST
        return FUNCTION if FUNCTION in guards else OTHER
