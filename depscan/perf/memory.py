"""Memory given back to the system between the phases of a large run.

A check parses thousands of files: their syntax trees are freed as each is done, but the C
library keeps the freed space of its heap mapped, in pieces between what lives on (the
extractions), so the process stays as large as at its busiest. glibc's ``malloc_trim`` hands
the free pages back. Measured on Home Assistant's 6,725 files: peak resident size of a cold
check with ``-j 1`` 127.5 MB without it, 122.3 MB with it after the extraction, in about a
millisecond. Elsewhere (another C library, another system) this does nothing.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # (here: the command line imports this module for keep_to_the_end)

    try:
        libc = ctypes.CDLL(None)  # this process's own symbols, the C library's among them (no search)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None  # glibc's; not musl's


def give_back() -> None:
    """Return the C heap's free pages to the system, where glibc can."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


_KEPT: list[object] | None = None
"""What lives until the process ends: a list once the command line has said the process ends with
its command (:func:`ending_with_the_command`), else None (a library's caller, a test)."""


def ending_with_the_command() -> None:
    """Said by the command line, whose process ends with ``os._exit`` once its command is done."""
    global _KEPT
    _KEPT = []


def keep_to_the_end(value: object) -> None:
    """Keep ``value`` alive until the process ends, when it ends with the command: freeing a large
    scan's model (HA: 6,900 modules, 64,000 import edges) takes 0.03 s that the end of the process
    does for nothing. Elsewhere nothing is kept."""
    if _KEPT is not None:
        _KEPT.append(value)
