"""The catalogue of diagnostic and rule codes.

One place lists every code depscan prints, its short name and what it means;
the README's table is generated from the same data (``depscan codes``).
Codes DS001-DS009 are findings of ``depscan check`` about imports; DS010-DS019
problems reading a file; DS020-DS029 problems in import statements; DS030-DS039
problems with bytecode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from depscan.model.frozen import by_fields

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    name: str
    summary: str
    severity: str = "error"  # what [tool.depscan.rules] sets it to when it says nothing


CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in (
        Code("DS001", "missing-module", "an imported module cannot be found on the target's search path"),
        Code("DS002", "undeclared-dependency", "a third-party distribution is imported but not declared"),
        Code("DS003", "unused-dependency", "a declared dependency is never imported"),
        Code(
            "DS004",
            "bad-declaration",
            "a dependency declaration cannot be understood ([project] of the wrong type, a bad requirement)",
            "warning",
        ),
        Code(
            "DS005",
            "missing-type-only",
            "a module imported only under TYPE_CHECKING cannot be found (a type checker reads it; nothing runs it)",
            "warning",
        ),
        Code(
            "DS006",
            "missing-optional-dependency",
            "an imported module cannot be found, and its distribution is declared only in an extra, a dependency"
            " group or for other environments (or an installed distribution imports it undeclared, past `import P`)",
            "warning",
        ),
        Code("DS010", "syntax-error", "the file does not parse as Python (Python 2 code, null bytes, ...)"),
        Code("DS011", "decode-error", "the file's bytes cannot be decoded (bad coding cookie, invalid UTF-8)"),
        Code("DS012", "unreadable", "the file cannot be read (missing, a directory, a FIFO, no permission)"),
        Code("DS013", "too-large", "the file is larger than the size limit and was not parsed"),
        Code("DS014", "too-complex", "the parser ran out of stack or memory, or the file has too many tokens to parse"),
        Code("DS015", "bad-archive", "a zip archive on the search path cannot be read (corrupt, absurd sizes)"),
        Code(
            "DS016",
            "newer-grammar",
            "the file uses syntax newer than the Python depscan runs on, and was read with depscan's reader "
            "of that grammar (a note, never a finding)",
            "info",
        ),
        Code("DS020", "relative-beyond-top", "a relative import goes beyond the top-level package"),
        Code("DS021", "relative-no-package", "a relative import in a module that is not in a package"),
        Code("DS030", "bytecode-version", "a .pyc file was compiled for another Python (magic number)"),
        Code("DS031", "bytecode-corrupt", "a .pyc file cannot be read (truncated or corrupt)"),
    )
}


@by_fields
@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem met while reading or analysing a file.

    ``code`` is from the catalogue in :mod:`depscan.model.diagnostics`. ``line`` and
    ``col`` are 1-based; 0 when the problem is not tied to a place in the file.
    """

    code: str
    message: str
    path: str | None = None
    line: int = 0
    col: int = 0
    severity: Severity = "error"

    def location(self) -> str:
        where = self.path or "<input>"
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        return where

    def __str__(self) -> str:
        return f"{self.location()}: {self.code} {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "col": self.col,
        }
