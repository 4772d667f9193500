"""The interactive page, ``--graph out.html``: its structure read back, then a real browser exploring it.

A small project is built in ``tmp_path`` and drawn with ``--depth 1`` so its package ``app`` is one
collapsed node. Its script is named with markup (``<img src=x onerror=...>``), which the page shows as
text. The browser tests run Debian's headless Chromium (``tests/browser.py``); what the viewer did is
read from the DOM a probe script leaves behind (let in by its hash, as the page's own scripts are).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_audit_html import Page, assert_self_contained

from depscan.cli import cli
from depscan.output.html_view import embedded_json

HOSTILE = "<img src=x onerror=window.owned=1>"
VENDORED_SHA256 = "413e0ebe0fe7bfe47140ad029d7ebf9296f6867d181e1d4a12db87b99feaaf61"


def project(root: Path) -> Path:
    """``app`` with ``core`` (a, b, c: b imports c, c imports b) and ``web`` (x imports core.a), and a
    missing module imported by ``web.x``; the script's file name is markup."""
    files = {
        f"{HOSTILE}.py": "import app.web.x\nimport app.core.b\n",
        "app/__init__.py": "",
        "app/core/__init__.py": "",
        "app/core/a.py": "",
        "app/core/b.py": "from app.core import c\n",
        "app/core/c.py": "from app.core import b\n",
        "app/web/__init__.py": "",
        "app/web/x.py": "import app.core.a\nimport not_there_at_all\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / f"{HOSTILE}.py"


@pytest.fixture
def page(tmp_path: Path) -> Path:
    script = project(tmp_path / "tree")
    out = tmp_path / "out.html"
    done = CliRunner().invoke(
        cli, [str(script), "--no-pythonpath", "--no-cache", "--graph", str(out), "--depth", "1"], catch_exceptions=False
    )
    assert done.exit_code == 0, done.output
    assert f"diagram: {out}: " in done.output
    return out


def page_data(text: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="depscan-viewer-data">(.*?)</script>', text, re.DOTALL)
    assert found is not None, "no data block"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_the_page_holds_the_data_and_the_scripts_and_nothing_external(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert_self_contained(text)
    parsed = Page(text)
    assert len(parsed.scripts) == 3  # the data, dagre, the viewer
    assert hashlib.sha256(parsed.scripts[1].encode()).hexdigest() == VENDORED_SHA256, "dagre as vendored"
    data = page_data(text)
    modules = {m["name"]: m for m in data["modules"]}
    assert {"app", "app.core", "app.core.b", "app.web.x", "not_there_at_all", "__main__"} <= modules.keys()
    assert modules["app.core.b"]["ladder"] == ["app", "app.core", "app.core.b"]
    assert modules["app.core.b"]["start"] == 0 and modules["app.core.b"]["shown"], "drawn in 'app' at depth 1"
    assert modules["not_there_at_all"]["category"] == "missing"
    assert modules["__main__"]["path"].endswith(f"{HOSTILE}.py")
    names = [m["name"] for m in data["modules"]]
    cycle = sorted(names[i] for i in data["cycles"][0])
    assert cycle == ["app.core.b", "app.core.c"]
    x, missing = names.index("app.web.x"), names.index("not_there_at_all")
    assert [x, missing, [2], "import"] in data["imports"], "the import of the missing module on line 2"
    # The script's name is markup: it is in the page only escaped, in the title and the JSON.
    assert HOSTILE not in text and "<img" not in text
    assert "\\u003cimg src=x onerror=window.owned=1\\u003e" in text
    assert f"<title>depscan diagram: {html.escape(HOSTILE)}.py</title>" in text


def test_embedded_json_cannot_close_its_script() -> None:
    text = embedded_json({"name": "</script><script>alert(1)</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script><!-- & \u2028"}


def test_html_is_a_diagram_format(tmp_path: Path) -> None:
    from depscan.output.formats import diagram_format

    assert diagram_format(str(tmp_path / "x.HTML")) == "html"


# --- a real browser ----------------------------------------------------------------------------

# Run after the viewer: measure a label, open the group 'app', close 'app.core' again, find a module by
# search, ask why it is imported; the results in <pre id="probe">.
_PROBE = """
(function () {
  var viewer = document.getElementById("depscan-viewer");
  var keys = function () { return Array.prototype.map.call(viewer.querySelectorAll(".dv-node"), function (n) {
    return n.getAttribute("data-key"); }).sort(); };
  var node = function (k) { return viewer.querySelector('.dv-node[data-key="' + k + '"]'); };
  var result = {before: keys(), error: viewer.getAttribute("data-error")};
  var label = node("app").querySelector(".dv-label");
  result.labelHeight = label.getBoundingClientRect().height;
  result.labelFont = parseFloat(getComputedStyle(label).fontSize) * label.getScreenCTM().a;
  result.labelText = label.textContent;
  result.sub = node("app").querySelector(".dv-sub").textContent;
  result.boxesBefore = viewer.getAttribute("data-boxes");
  node("app").dispatchEvent(new MouseEvent("click", {bubbles: true}));
  result.opened = keys();
  result.boxesOpened = viewer.getAttribute("data-boxes");
  var frame = viewer.querySelector('.dv-box[data-box="app"] rect').getBBox();
  result.inFrame = ["app.core", "app.web"].map(function (k) {
    var box = node(k).querySelector("rect").getBBox(), at = node(k).transform.baseVal.consolidate().matrix;
    return at.e >= frame.x && at.f >= frame.y && at.e + box.width <= frame.x + frame.width &&
      at.f + box.height <= frame.y + frame.height;
  });
  viewer.querySelector(".dv-box-label").dispatchEvent(new MouseEvent("click", {bubbles: true}));
  result.frameClosed = keys();
  node("app").dispatchEvent(new MouseEvent("click", {bubbles: true}));
  node("app.core").dispatchEvent(new MouseEvent("click", {bubbles: true, altKey: true}));
  result.closed = keys();
  var search = viewer.querySelector("input.dv-search");
  search.value = "core.c";
  search.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
  result.selected = viewer.getAttribute("data-selected");
  result.found = keys();
  result.panel = Array.prototype.map.call(viewer.querySelectorAll(".dv-panel li"), function (li) {
    return li.textContent; });
  viewer.querySelector(".dv-why").click();
  result.chain = Array.prototype.map.call(viewer.querySelectorAll(".dv-chain li"), function (li) {
    return li.textContent; });
  result.lit = Array.prototype.map.call(viewer.querySelectorAll(".dv-node.dv-lit"), function (n) {
    return n.getAttribute("data-key"); }).sort();
  node("__main__").dispatchEvent(new MouseEvent("click", {bubbles: true}));
  result.mainPanel = viewer.querySelector(".dv-panel").textContent;
  result.images = document.querySelectorAll("img").length;
  result.owned = window.owned === 1;
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
}());
"""


def with_probe(text: str, probe: str) -> str:
    """The page with ``probe`` run after its scripts, let in by the policy the way its own are."""
    digest = base64.b64encode(hashlib.sha256(probe.encode()).digest()).decode()
    policy = Page(text).policy()
    allowed = policy.replace("script-src", f"script-src 'sha256-{digest}'")
    text = text.replace(html.escape(policy), html.escape(allowed))
    return text.replace("</body>", f"<script>{probe}</script>\n</body>")


@pytest.mark.slow
def test_browser_opens_closes_finds_and_explains(browse: Any, page: Path) -> None:
    result = probed(browse, page, _PROBE, "--window-size=1280,800")
    assert result["before"] == ["__main__", "app", "not_there_at_all"]
    assert result["labelText"] == "app" and result["sub"] == "7 modules"
    # Readable at the default zoom: a 13 px label drawn at 0.85 or more.
    assert result["labelFont"] >= 11, result["labelFont"]
    assert result["labelHeight"] >= 11, result["labelHeight"]
    assert result["opened"] == ["__main__", "app", "app.core", "app.web", "not_there_at_all"]
    # Opened, the package is a frame around its parts; its name closes it again.
    assert result["boxesBefore"] == "" and result["boxesOpened"] == "app"
    assert result["inFrame"] == [True, True]
    assert result["frameClosed"] == ["__main__", "app", "not_there_at_all"]
    assert result["closed"] == ["__main__", "app", "not_there_at_all"], "Alt-click closes app.core into app"
    assert result["selected"] == "app.core.c"
    assert "app.core.c" in result["found"] and "app" in result["found"], "found: drawn, the rest stays closed"
    assert "app.core.b line 1" in result["panel"], "an import: the line in the module's own file"
    assert any(row.startswith("app.core.b ") and "app/core/b.py:1" in row for row in result["panel"]), "importer"
    assert [row.split(" ")[0] for row in result["chain"]] == ["__main__", "app.core.b", "app.core.c"]
    assert f"{HOSTILE}.py:2" in result["chain"][1], "the hop's file:line"
    assert "app.core.c" in result["lit"] and "__main__" in result["lit"]
    assert f"{HOSTILE}.py" in result["mainPanel"], "the path shown as text"
    assert result["images"] == 0 and not result["owned"], "the file name was not read as markup"


def probed(browse: Any, page: Path, probe: str, *options: str, fragment: str = "") -> dict[str, Any]:
    """What ``probe`` left in ``<pre id="probe">`` after the page ran in Chromium, which wrote nothing to
    the console."""
    probed = page.with_name("probed-" + page.name)
    probed.write_text(with_probe(page.read_text(encoding="utf-8"), probe), encoding="utf-8")
    done = browse(probed, "--dump-dom", *options, "--enable-logging=stderr", "--v=0", fragment=fragment)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "the page wrote to the console (an error?)"
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found is not None, "the probe did not run"
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


# What the viewer shows once it has read the page's URL: the selected module, the chain, the status line.
_LINKED = """
(function () {
  var viewer = document.getElementById("depscan-viewer");
  var result = {selected: viewer.getAttribute("data-selected"), status: viewer.querySelector(".dv-status").textContent,
    chain: Array.prototype.map.call(viewer.querySelectorAll(".dv-chain li"), function (li) {
      return li.textContent.split(" ")[0]; }),
    lit: Array.prototype.map.call(viewer.querySelectorAll(".dv-node.dv-lit"), function (n) {
      return n.getAttribute("data-key"); }).sort(),
    drawn: Array.prototype.map.call(viewer.querySelectorAll(".dv-node"), function (n) {
      return n.getAttribute("data-key"); }).sort()};
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
}());
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fragment", "selected", "chain"),
    [
        pytest.param("#find=app.core.c", "app.core.c", [], id="find-by-name"),
        pytest.param("#find=web.x", "app.web.x", [], id="find-by-part-of-a-name"),
        pytest.param("#why=app.core.c", "app.core.c", ["__main__", "app.core.b", "app.core.c"], id="why"),
        pytest.param(
            "#why=not_there_at_all", "not_there_at_all", ["__main__", "app.web.x", "not_there_at_all"], id="why-missing"
        ),
        pytest.param("#find=nothing.like.it", None, [], id="no-match"),
        pytest.param("#other", None, [], id="not-a-link-to-a-module"),
        pytest.param("#find=50%", None, [], id="a-link-that-cannot-be-decoded"),
    ],
)
def test_a_link_names_a_module(browse: Any, page: Path, fragment: str, selected: str | None, chain: list[str]) -> None:
    result = probed(browse, page, _LINKED, "--window-size=1280,800", fragment=fragment)
    assert result["selected"] == selected
    assert result["chain"] == chain
    if selected is not None:
        assert selected in result["drawn"], "the module is opened and drawn"
        assert result["status"] == "found " + selected
    if chain:
        assert {chain[0], chain[-1]} <= set(result["lit"]), "the chain is highlighted (its ends drawn by name)"
    if fragment == "#find=nothing.like.it":
        assert result["status"] == "no module matches the link"
    if fragment == "#find=50%":  # (decodeURIComponent throws: the page goes on)
        assert result["status"] == "the link cannot be read"
    if selected is None:
        assert result["drawn"] == ["__main__", "app", "not_there_at_all"], "the default view"


@pytest.mark.slow
def test_browser_screenshot_is_not_blank(browse: Any, page: Path, tmp_path: Path) -> None:
    from browser import decode_png

    shot = tmp_path / "shot.png"
    browse(page, f"--screenshot={shot}", "--window-size=1000,700")
    width, height, rows = decode_png(shot.read_bytes())
    assert (width, height) == (1000, 700)
    pixel = len(rows[0]) // width
    colours = {row[i : i + 3] for row in rows[::3] for i in range(0, len(row), pixel)}
    assert b"\xcf\xe2\xff" in colours, "a project node's fill"
    assert min(sum(colour) for colour in colours) < 200, "no dark pixels: no text was drawn"
