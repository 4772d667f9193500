"""Memory given back to the system between the phases of a large run.

A check parses thousands of files: their syntax trees are freed as each is done, but the C
library keeps the freed space of its heap mapped, in pieces between what lives on (the
extractions), so the process stays as large as at its busiest. glibc's ``malloc_trim`` hands
the free pages back. Measured on Home Assistant's 6,725 files: peak resident size of a cold
check with ``-j 1`` 127.5 MB without it, 122.3 MB with it after the extraction, in about a
millisecond. Elsewhere (another C library, another system) this does nothing.
"""

from __future__ import annotations

import ctypes
import sys
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
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
