"""JSON documents as depscan writes them: one line per record, fast.

``json.dumps(..., indent=2)`` runs the encoder written in Python (the C one
has no indentation), which costs more than a large scan's analysis of a
hundred files. So the documents are laid out by hand one level deep — each
top-level key on its line, each item of a top-level list on its own — and
every piece is encoded by the C encoder. The result is still readable, diffs
well (one module, edge or finding per line) and is ordinary JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

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
    return "{\n" + ",\n".join(parts) + "\n}\n"
