"""The yardstick of ``bench_scale.py``: walk, read, parse and resolve a tree in one plain process.

Run as ``python benchmarks/yardstick.py ROOT TARGET`` in depscan's Python, it
does the least any static import checker of ROOT must do, in the simplest
way, and nothing more:

- walks ROOT with ``os.walk`` (``__pycache__`` directories skipped) and reads
  every ``.py`` file as bytes;
- ``ast.parse``-s each one and finds its import statements by a walk of
  statement bodies only (a module's, a class's or function's, the branches of
  ``if``/``for``/``while``/``with``/``try``/``match``), never of expressions;
- resolves each distinct absolute module name once (``import a.b``, ``from
  a.b import c`` name ``a.b``; relative imports are left out) with depscan's
  own resolver: ``probe(TARGET)`` (cached by depscan after its first run),
  the search path ``build_search_path(interp, paths=[ROOT],
  project_root=ROOT)`` and a ``Resolver``.

It prints one JSON object: ``files`` read, ``unparsed`` (files that did not
parse), ``modules`` resolved and how many of them were ``found``.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from collections.abc import Iterator, Sequence

from depscan.resolve.probe import probe
from depscan.resolve.resolver import Resolver, build_search_path

STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")
"""The fields of a statement (or an ``except`` clause, a ``case``) that hold statements."""


def python_files(root: str) -> Iterator[str]:
    """Every ``.py`` file under ``root``, ``__pycache__`` directories left out."""
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name != "__pycache__"]
        yield from (os.path.join(directory, name) for name in names if name.endswith(".py"))


def imported_modules(tree: ast.Module) -> Iterator[str]:
    """The absolute module names the import statements of ``tree`` name, found through statement bodies."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.module
        else:
            for field in STATEMENT_LISTS:
                pending.extend(getattr(node, field, ()))


def main(argv: Sequence[str]) -> int:
    root, target = os.path.abspath(argv[0]), argv[1]
    files = unparsed = 0
    modules: set[str] = set()
    for path in python_files(root):
        with open(path, "rb") as handle:
            source = handle.read()
        files += 1
        try:
            tree = ast.parse(source, path)
        except (SyntaxError, ValueError):
            unparsed += 1
            continue
        modules.update(imported_modules(tree))

    interp = probe(target)
    resolver = Resolver(interp, build_search_path(interp, paths=[root], project_root=root))
    found = sum(resolver.resolve(module).found for module in sorted(modules))
    json.dump({"files": files, "unparsed": unparsed, "modules": len(modules), "found": found}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
