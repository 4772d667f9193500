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
from collections.abc import Iterator, Mapping
from typing import Any

from depscan.atomic import printable

_encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


class Encoded(str):
    """An item of a top-level list already encoded as :func:`dumps` would encode it: written as it is
    (a scan's import sites, of which a large tree has 100,000, are laid out by a template)."""

    __slots__ = ()


def dumps(document: Mapping[str, Any]) -> str:
    """The document with a newline at the end. A top-level value may be an iterator of the list's
    items: each is encoded as it comes, so a large report never holds all of them as objects; and
    the text is joined once, from its pieces (a scan's report of a large tree is tens of MB)."""
    pieces = ["{\n"]
    for key, value in document.items():
        if len(pieces) > 1:
            pieces.append(",\n")
        pieces.append(f"  {_encode(key)}: ")
        if isinstance(value, (Iterator, list)):
            first = True
            for item in value:
                pieces += ("[\n    " if first else ",\n    ", item if type(item) is Encoded else _encode(item))
                first = False
            pieces.append("[]" if first else "\n  ]")
        else:
            pieces.append(_encode(value))
    if len(pieces) == 1:
        return "{}\n"
    pieces.append("\n}\n")
    return printable("".join(pieces), json_escaped=True)


def indented(document: Any) -> str:
    """The document laid out by ``json.dumps(..., indent=2)`` (SARIF, node-link), with a newline at
    the end; file names that are not UTF-8 shown as :func:`dumps` shows them."""
    return printable(json.dumps(document, indent=2, ensure_ascii=False), json_escaped=True) + "\n"
