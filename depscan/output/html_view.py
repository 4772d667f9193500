"""The interactive diagram: one self-contained HTML page (``--graph out.html``), or the viewer alone for
the audit's page.

The page holds the data of :func:`depscan.analysis.explore.explore_data` as JSON in a
``<script type="application/json">`` block (``<``, ``>`` and ``&`` written as ``\\u003c``... so no
``</script>`` or comment can close it), and two scripts inline: dagre, the layered layout library
vendored in ``depscan/data/js`` (``VENDORED.txt`` there says which version, from where, its licence),
and ``viewer.js``, which draws and explores it. Nothing is fetched: a Content-Security-Policy allows
no source, and only these two scripts, by their hashes. The viewer inserts every name and path as
text, never as markup.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_CLOSERS = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})

VIEWER_STYLE = """
.dv { --dv-line: #d8dde6; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1d2330; display: flex; flex-direction: column; min-height: 0; }
.dv-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; padding: 6px 8px;
  border: 1px solid var(--dv-line); border-bottom: 0; border-radius: 8px 8px 0 0; background: #f6f8fb; }
.dv-search { font: inherit; padding: 3px 8px; width: 240px; border: 1px solid var(--dv-line); border-radius: 4px; }
.dv-bar button, .dv-panel button { font: inherit; padding: 2px 9px; border: 1px solid #b9c2d0; border-radius: 4px;
  background: #fff; cursor: pointer; }
.dv-filter { white-space: nowrap; }
.dv-status { color: #5b6475; margin-left: auto; }
.dv-stage { display: flex; flex: 1; min-height: 420px; border: 1px solid var(--dv-line);
  border-radius: 0 0 8px 8px; overflow: hidden; }
.dv-svg { flex: 1; min-width: 0; height: 100%; min-height: 420px; background: #fff; cursor: grab;
  touch-action: none; user-select: none; }
.dv-svg.dv-dragging { cursor: grabbing; }
.dv-panel { width: 340px; overflow: auto; padding: 8px 12px; border-left: 1px solid var(--dv-line);
  background: #fbfcfe; }
.dv-panel h2 { font-size: 15px; margin: 4px 0; overflow-wrap: anywhere; }
.dv-panel h3 { font-size: 13px; margin: 12px 0 4px; }
.dv-panel ul, .dv-panel ol { margin: 0; padding-left: 18px; }
.dv-panel li { margin: 2px 0; overflow-wrap: anywhere; }
.dv-link { border: 0 !important; padding: 0 !important; background: none !important; color: #2458b3;
  text-decoration: underline; text-align: left; }
.dv-where, .dv-muted, .dv-help { color: #5b6475; }
.dv-path { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
.dv-help { font-size: 12px; margin: 4px 0 0; }
.dv-node { cursor: pointer; }
.dv-node rect { fill: #fff; stroke: #7d8797; stroke-width: 1; }
.dv-node rect.dv-shadow { fill: #dfe4ec; stroke: #9aa3b2; }
.dv-project rect:not(.dv-shadow) { fill: #cfe2ff; }
.dv-third_party rect:not(.dv-shadow) { fill: #fff3cd; }
.dv-stdlib rect:not(.dv-shadow) { fill: #e9ecef; }
.dv-missing rect:not(.dv-shadow) { fill: #fff; stroke: #d62728; stroke-dasharray: 4 3; }
.dv-missing text { fill: #d62728; }
.dv-node.dv-cycle rect:not(.dv-shadow) { stroke: #d62728; stroke-width: 2.5; }
.dv-node.dv-lit rect:not(.dv-shadow) { stroke: #e67700; stroke-width: 3; }
.dv-node.dv-selected rect:not(.dv-shadow) { stroke: #1d2330; stroke-width: 3; }
.dv-label { font: 13px Helvetica, Arial, sans-serif; fill: #1d2330; }
.dv-sub { font: 11px Helvetica, Arial, sans-serif; fill: #5b6475; }
.dv-edge { fill: none; stroke: #8a93a3; stroke-width: 1.1; }
.dv-edge.dv-cycle, .dv-edge.dv-to-missing { stroke: #d62728; }
.dv-edge.dv-cycle { stroke-width: 2; }
.dv-lit .dv-edge { stroke: #e67700; stroke-width: 3; }
.dv-count { font: 10px Helvetica, Arial, sans-serif; fill: #5b6475; text-anchor: middle; }
.dv-box > rect { fill: #f3f7fd; stroke: #9bb7e0; stroke-width: 1.2; }
.dv-box-label { cursor: pointer; }
.dv-box-label rect { fill: #fff; stroke: #9bb7e0; }
.dv-box-label text { font: 600 12px Helvetica, Arial, sans-serif; fill: #2458b3; }
.dv-focusing .dv-edges > g:not(.dv-near):not(.dv-lit) { opacity: 0.25; }
.dv-near .dv-edge { stroke: #2458b3; stroke-width: 2; }
"""


@dataclass(frozen=True)
class Viewer:
    """The viewer's parts, for a page to place: ``markup`` (its element and its data), ``scripts`` (to
    put inline, in this order, after the markup), ``style`` (CSS), and the scripts' CSP hashes."""

    markup: str
    scripts: tuple[str, ...]
    style: str

    @property
    def hashes(self) -> tuple[str, ...]:
        """``'sha256-...'`` of each script, for a ``script-src`` policy."""
        return tuple(script_hash(script) for script in self.scripts)


def script_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


@cache
def _script(name: str) -> str:
    text = resources.files("depscan.data").joinpath("js").joinpath(name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "<!--" in text:
        raise ValueError(f"depscan/data/js/{name} cannot be put inline: it holds </script> or <!--")
    return text


def embedded_json(data: Mapping[str, Any]) -> str:
    """``data`` as JSON that can stand in a ``<script>`` element: nothing in it reads as markup."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).translate(_CLOSERS)


def viewer(data: Mapping[str, Any]) -> Viewer:
    """The viewer of ``data`` (:func:`depscan.analysis.explore.explore_data`)."""
    markup = (
        '<div id="depscan-viewer" class="dv"><noscript>The interactive diagram needs JavaScript.</noscript></div>\n'
        f'<script type="application/json" id="depscan-viewer-data">{embedded_json(data)}</script>'
    )
    return Viewer(markup, (_script("dagre.min.js"), _script("viewer.js")), VIEWER_STYLE)


_PAGE_STYLE = """
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; padding: 8px; box-sizing: border-box; }
body > .dv { flex: 1; }
"""


def viewer_page(data: Mapping[str, Any]) -> str:
    """The whole page: the viewer of ``data`` filling the window."""
    shown = viewer(data)
    title = "depscan diagram" + (f": {data['title']}" if data.get("title") else "")
    policy = f"default-src 'none'; style-src 'unsafe-inline'; script-src {' '.join(shown.hashes)}; base-uri 'none'"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{shown.style}{_PAGE_STYLE}</style>",
        "</head>",
        "<body>",
        shown.markup,
        *(f"<script>{script}</script>" for script in shown.scripts),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
