"""The diagram formats, by file suffix: known before the scan, without the drawing's modules."""

from __future__ import annotations

import os

FORMATS = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".pdf": "pdf", ".json": "json", ".html": "html"}
RENDERED = frozenset({"svg", "png", "pdf"})  # drawn by Graphviz's dot


def diagram_format(path: str) -> str | None:
    """The format ``path``'s suffix names (``svg``, ``dot``, ...), or None for an unknown suffix."""
    return FORMATS.get(os.path.splitext(path)[1].lower())


def unknown_format(path: str) -> str:
    """What to say of a diagram file whose suffix names no format."""
    return f"cannot tell the diagram format from {path!r}: use one of {', '.join(sorted(FORMATS))}"


def diagram_problem(path: str) -> str | None:
    """Why a diagram cannot be written to ``path`` (an unknown suffix, a missing directory), or
    None: said before a scan, not after it."""
    if diagram_format(path) is None:
        return unknown_format(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        return f"cannot write {path}: no such directory {directory}"
    if os.path.isdir(path):
        return f"cannot write {path}: it is a directory"
    return None
