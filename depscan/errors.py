"""The one base of every error depscan says to the user: :class:`DepscanError`.

An error is a value with a message for the user (``str()``) and an exit status;
the command line prints ``depscan: error: MESSAGE`` and exits with it. Errors of
the layers below (a configuration, an interpreter, a baseline, a diagram) are
subclasses, so the command line needs no list of them.
"""

from __future__ import annotations


class DepscanError(Exception):
    """A problem the user can fix, said in one line: exit status 2 (1 means findings)."""

    exit_status = 2


class UsageError(DepscanError):
    """A bad option or argument: said with the command's usage line."""


class OutputError(DepscanError):
    """An output file (a report, a diagram) or standard output that cannot be written."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason
