"""JSON documents as depscan writes them: one line per record, fast.

``json.dumps(..., indent=2)`` runs the encoder written in Python (the C one
has no indentation), which costs more than a large scan's analysis of a
hundred files. So the documents are laid out by hand one level deep — each
top-level key on its line, each item of a top-level list on its own — and
every piece is encoded by the C encoder. The result is still readable, diffs
well (one module, edge or finding per line) and is ordinary JSON. A file name
that is not UTF-8 is shown by the rule of :func:`depscan.atomic.printable`
(``"caf\\xe9.py"``), so the document is valid UTF-8.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from depscan.atomic import printable

_encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def dumps(document: Mapping[str, Any]) -> str:
    """The document with a newline at the end."""
    parts = []
    for key, value in document.items():
        head = f"  {_encode(key)}: "
        if isinstance(value, list) and value:
            items = ",\n".join("    " + _encode(item) for item in value)
            parts.append(f"{head}[\n{items}\n  ]")
        else:
            parts.append(head + _encode(value))
    if not parts:
        return "{}\n"
    return printable("{\n" + ",\n".join(parts) + "\n}\n", json_escaped=True)


def indented(document: Any) -> str:
    """The document laid out by ``json.dumps(..., indent=2)`` (SARIF, node-link), with a newline at
    the end; file names that are not UTF-8 shown as :func:`dumps` shows them."""
    return printable(json.dumps(document, indent=2, ensure_ascii=False), json_escaped=True) + "\n"
