"""The fingerprint of depscan's own code: what both caches are keyed by.

A stored extraction or answer is depscan's only while the code that made it is
unchanged. During development the version number stays put, so the key is a
hash of every file of the package: each ``.py`` module in every sub-package and
the data files (stdlib tables, capability tables), found by walking the
package, so that a module added or moved into a new sub-package is covered
without being listed anywhere. Computed once per process (about 1 ms).
"""

from __future__ import annotations

import functools
import hashlib
import os

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


@functools.cache
def code_fingerprint(package: str = _PACKAGE) -> str:
    """A hash of the names and contents of every source and data file under ``package``."""
    digest = hashlib.sha256()
    for path in _files(package):
        digest.update(os.path.relpath(path, package).encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(path, "rb") as handle:  # depscan's own files, not an analysed tree's
                digest.update(handle.read())
        except OSError:
            digest.update(b"?")
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def _files(package: str) -> list[str]:
    found = []
    for directory, subdirectories, names in os.walk(package):
        subdirectories[:] = [d for d in subdirectories if d != "__pycache__" and not d.startswith(".")]
        found += [os.path.join(directory, n) for n in names if not n.endswith((".pyc", ".pyo"))]
    return sorted(found)
