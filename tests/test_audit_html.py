"""The HTML audit report: its sections and rows, self-contained, hostile strings escaped, and a real browser.

The page is read back with ``html.parser``; the browser tests run Debian's headless Chromium on it (a
screenshot, decoded here far enough to see it is not blank, and ``--dump-dom`` to see the sort script ran,
sorts numbers numerically and filters). Without Chromium they skip, and fail in CI.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import test_audit_review
from browser import decode_png
from click.testing import CliRunner

from conftest import FIXTURES
from depscan.analysis.audit import Audit, audit
from depscan.analysis.scan import ScanOptions
from depscan.cli import cli
from depscan.output.audit_html import audit_html
from depscan.output.audit_html_parts import SECTIONS
from depscan.output.html_view import Viewer
from depscan.resolve.describe import describe

HOSTILE = '<script>alert("owned")</script><img src=x onerror=alert(1)>'

# --- reading the page back ---------------------------------------------------------------------


class Page(HTMLParser):
    """The parts of the page the tests look at: tags with their attributes, sections, tables, text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sections: dict[str, dict[str, Any]] = {}
        self.texts: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._section: str | None = None
        self._heading: list[str] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._raw: list[str] | None = None
        self._none = False
        self._svg_depth = 0
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "svg":
            self._svg_depth += 1
        if tag == "section":
            self._section = attributes.get("id") or ""
            self.sections[self._section] = {"title": "", "tables": [], "none": False, "svg": False}
        elif tag == "h2" and self._section is not None:
            self._heading = []
        elif tag == "table" and self._section is not None:
            self.sections[self._section]["tables"].append([])
        elif tag == "tr" and self._section is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "p" and "none" in (attributes.get("class") or "").split():
            self._none = True
        elif tag in ("script", "style") and not self._svg_depth:
            self._raw = []
        if tag == "svg" and self._section is not None:
            self.sections[self._section]["svg"] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg_depth -= 1
        if tag == "section":
            self._section = None
        elif tag == "h2" and self._heading is not None and self._section is not None:
            self.sections[self._section]["title"] = " ".join("".join(self._heading).split())
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._section is not None:
            self.sections[self._section]["tables"][-1].append(self._row)
            self._row = None
        elif tag == "p" and self._none:
            self._none = False
        elif tag in ("script", "style") and self._raw is not None:
            (self.scripts if tag == "script" else self.styles).append("".join(self._raw))
            self._raw = None

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        for part in (self._heading, self._cell, self._raw):
            if part is not None:
                part.append(data)
        if self._none and self._section is not None and data.strip() == "none":
            self.sections[self._section]["none"] = True

    def table(self, section: str) -> list[list[str]]:
        """The one table of a section: the header row first."""
        tables = self.sections[section]["tables"]
        assert len(tables) == 1, f"section {section}: {len(tables)} tables"
        rows: list[list[str]] = tables[0]
        return rows

    def policy(self) -> str:
        """The page's Content-Security-Policy."""
        for tag, attributes in self.tags:
            if tag == "meta" and attributes.get("http-equiv") == "Content-Security-Policy":
                return attributes.get("content") or ""
        raise AssertionError("the page has no Content-Security-Policy")

    def column(self, section: str, title: str) -> list[str]:
        header, *rows = self.table(section)
        index = header.index(title)
        return [row[index] for row in rows]


# --- the document ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report() -> Audit:
    return audit(describe(sys.executable), [str(FIXTURES / "audit" / "vendored" / "app")], options=ScanOptions())


@pytest.fixture(scope="module")
def document(report: Audit) -> dict[str, Any]:
    document = report.to_json()
    assert document == json.loads(json.dumps(document)), "the document is plain JSON"
    return document


@pytest.fixture(scope="module")
def page(document: dict[str, Any]) -> Page:
    return Page(audit_html(document))


def hostile_document(document: dict[str, Any]) -> dict[str, Any]:
    """The document with attacker-chosen strings wherever the audited code decides what is written."""
    hostile = copy.deepcopy(document)
    hostile["targets"] = [f"/tmp/{HOSTILE}"]
    hostile["vendored"][0]["path"] = f"/srv/{HOSTILE}/six.py"
    hostile["vendored"][0]["version"] = '1.0" onmouseover="alert(2)'
    hostile["blindspots"].append(
        {
            "kind": "dynamic-import",
            "module": f"app.{HOSTILE}",
            "path": f"/srv/app/{HOSTILE}.py",
            "line": 3,
            "detail": f"importlib.import_module({HOSTILE}): the module is not known statically",
            "target": HOSTILE,
        }
    )
    hostile["capabilities"][0]["chain"][0]["module"] = HOSTILE
    hostile["inventory"].append(
        {
            "name": HOSTILE,
            "kind": "source",
            "category": "third_party",
            "path": f"/site/{HOSTILE}.py",
            "entry": "/site",
            "distribution": HOSTILE,
            "version": HOSTILE,
            "license": HOSTILE,
            "audited": False,
        }
    )
    hostile["diagnostics"].append(
        {"code": "DS010", "severity": "error", "message": HOSTILE, "path": HOSTILE, "line": 1, "col": 2}
    )
    hostile["shadowing"].append({"module": HOSTILE, "hides": [HOSTILE]})
    hostile["changes"] = hostile_changes()
    return hostile


def hostile_changes() -> dict[str, Any]:
    """Changes since a baseline where the audited code chose the names: a distribution, a file, a module."""
    file = {"kind": "extension", "relative": f"{HOSTILE}.so", "path": f"/srv/{HOSTILE}.so", "size": 3}
    file |= {"sha256": "ab" * 32, "module": None, "detail": HOSTILE}
    chain = [
        {"module": HOSTILE, "path": None, "line": None},
        {"module": "socket", "path": f"/srv/{HOSTILE}.py", "line": 2},
    ]
    return {
        "modules_added": [HOSTILE],
        "modules_removed": [],
        "new_capabilities": [{"capability": "network", "module": HOSTILE, "via": "socket", "chain": chain}],
        "new_opaque": [],
        "new_blindspots": [],
        "new_portability": [],
        "vendored_versions": [{"package": HOSTILE, "module": HOSTILE, "before": "1", "after": HOSTILE}],
        "new_files": [file],
        "distributions": [
            {
                "name": HOSTILE,
                "before": None,
                "after": HOSTILE,
                "status": "added",
                "new_capabilities": [{"capability": "network", "modules": 1, "via": "socket", "chain": [HOSTILE]}],
                "new_opaque": [file],
                "new_pth_lines": [{"file": f"{HOSTILE}.pth", "line": 1, "text": f"import {HOSTILE}", "runs": True}],
                "new_blindspots": [],
            }
        ],
        "new_distributions": [HOSTILE],
    }


# --- structure ---------------------------------------------------------------------------------


def test_page_is_a_complete_html5_document(document: dict[str, Any]) -> None:
    text = audit_html(document)
    assert text.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')
    assert text.rstrip().endswith("</body>\n</html>")
    page = Page(text)
    titles = [" ".join(t.split()) for t in page.texts if "depscan audit:" in t]
    assert "depscan audit: " + str(FIXTURES / "audit" / "vendored" / "app") in titles


def test_every_section_in_order(page: Page) -> None:
    expected = ["summary"] + [anchor for anchor, _ in SECTIONS if anchor not in ("diagram", "changes")]
    assert list(page.sections) == expected
    titles = {anchor: page.sections[anchor]["title"] for anchor in page.sections}
    assert titles["third-party"].startswith("Third-party distributions")
    assert titles["vendored"] == "Vendored packages (5)"
    assert titles["opaque"] == "Opaque code (1)"
    assert titles["blindspots"].startswith("What static analysis cannot see")
    assert titles["capabilities"].startswith("Capabilities")
    assert titles["packages"] == "Capabilities per package (6)"
    assert titles["files"] == "Files of the tree that are not plain source or data (3)"
    assert titles["portability"] == "Portability (3)"  # compat.py's dummy_threading is a fallback never run
    assert titles["shadowing"] == "Shadowing (0)"
    assert titles["diagnostics"] == "Diagnostics (0)"
    # Sections without rows say so, and hold no table.
    for anchor in ("third-party", "shadowing", "diagnostics"):
        assert page.sections[anchor]["none"] and not page.sections[anchor]["tables"], anchor


def test_summary_counts_and_capability_badges(page: Page, document: dict[str, Any]) -> None:
    badges = [attrs for tag, attrs in page.tags if tag == "span" and "badge" in (attrs.get("class") or "")]
    assert [b["data-capability"] for b in badges] == sorted(document["summary"]["capabilities"])
    text = " ".join(" ".join(page.texts).split())
    for name, count in document["summary"]["capabilities"].items():
        assert f"{name}{count}" in text.replace(" ", "")
    cards = [attrs.get("href") for tag, attrs in page.tags if tag == "a" and attrs.get("class") == "card"]
    assert "#vendored" in cards and "#blindspots" in cards
    summary = document["summary"]
    assert f"{summary['modules']}modules" in text.replace(" ", "")
    assert f"{summary['audited']}audited" in text.replace(" ", "") and summary["audited"] == 15


def test_vendored_rows(page: Page) -> None:
    header, *rows = page.table("vendored")
    assert header == ["Package", "Version", "Module", "Where", "Version from"]
    assert ["six", "1.16.0", "app._vendor.six", "app/_vendor/six.py", "__version__ in app/_vendor/six.py:3"] in rows
    assert [
        "chardet_lite",
        "5.2.0",
        "app._vendor.chardet_lite",
        "app/_vendor/chardet_lite/__init__.py",
        "__version__ in app/_vendor/chardet_lite/__init__.py:3",
    ] in rows
    assert [
        "quiet",
        "0.3.0",
        "app._vendor.quiet",
        "app/_vendor/quiet/__init__.py",
        "quiet pinned in app/_vendor/vendor.txt:5",
    ] in rows
    # The full path is kept in the cell's title.
    titles = [attrs.get("title") for tag, attrs in page.tags if tag == "span" and attrs.get("title")]
    assert str(FIXTURES / "audit" / "vendored" / "app" / "_vendor" / "six.py") in titles


def test_capabilities_per_package_rows(page: Page, document: dict[str, Any]) -> None:
    header, *rows = page.table("packages")
    assert header == [
        "Package", "Kind", "Version", "Modules", "Opaque", "Blind spots", "Capability", "Modules reaching it",
        "Example chain",
    ]  # fmt: skip
    (six,) = [row for row in rows if row[0] == "six"]
    assert six[:8] == ["six", "vendored", "1.16.0", "1", "0", "0", "deserialisation", "1"]
    assert six[8].startswith("app._vendor.six \u2192 pickle (") and "six.py:" in six[8]  # the hop's place
    assert ["quiet", "vendored", "0.3.0", "1", "0", "0", "", "", ""] in rows  # reaches nothing: a row all the same
    # What each package holds that cannot be read, as the JSON report counts it.
    counts = {p["name"]: [str(p["opaque"]), str(p["blindspots"])] for p in document["packages"]}
    assert all(row[4:6] == counts[row[0]] for row in rows)
    assert any(row[4:6] != ["0", "0"] for row in rows)


def test_opaque_blindspot_capability_and_portability_rows(page: Page, document: dict[str, Any]) -> None:
    header, *opaque = page.table("opaque")
    assert header == ["Kind", "Module", "File", "Line", "Detail", "Target"]
    assert opaque[0][:4] == ["native-library", "app.loader", "app/loader.py", "6"] and opaque[0][5] == "libc.so.6"
    kinds = {(row[0], row[2], row[3]) for row in page.table("blindspots")[1:]}
    assert {("exec", "app/loader.py", "11"), ("sys-path", "app/loader.py", "7")} <= kinds
    assert ("dynamic-import", "app/loader.py", "12") in kinds
    header, *capabilities = page.table("capabilities")
    assert header == ["Capability", "Module", "Via", "Hops", "Chain"]
    assert [
        "network",
        "app.main",
        "socket",
        "2",
        "app.main \u2192 app.net (app/main.py:5) \u2192 socket (app/net.py:2)",
    ] in capabilities
    assert ["process", "app.main", "os.system", "0", "app.main"] in capabilities
    tool = [row for row in capabilities if row[:2] == ["network", "app.tool"]]
    assert tool and tool[0][4].endswith("(app/tool.py:6) [in a function]")  # an import in a function
    header, *portability = page.table("portability")
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"  # the target version: the interpreter's
    status, since = ("deprecated", "3.6") if sys.version_info < (3, 12) else ("removed", "3.12")
    binhex_status, binhex_since = ("deprecated", "3.9") if sys.version_info < (3, 11) else ("removed", "3.11")
    imp_status, imp_since = ("deprecated", "3.4") if sys.version_info < (3, 12) else ("removed", "3.12")
    binhex_places = [f"app/legacy.py:{line}" for line in (2, 6, 12, 18)]  # all four: the HTML cuts none
    assert portability == [
        ["asyncore", status, since, here, "asyncio", "1", "app/old.py:2"],
        ["binhex", binhex_status, binhex_since, here, "base64 or binascii", "4", ", ".join(binhex_places)],
        ["imp", imp_status, imp_since, here, "importlib", "1", "app/compat.py:9"],
    ]
    modules = page.column("modules", "Module")
    assert "app.loader" in modules and "socket" in modules and len(modules) == document["summary"]["modules"]


def test_third_party_rows_from_the_inventory(document: dict[str, Any]) -> None:
    with_distributions = copy.deepcopy(document)
    for name, module in (("requests", "requests"), ("requests", "requests.adapters"), ("idna", "idna")):
        with_distributions["inventory"].append(
            {
                "name": module,
                "kind": "source",
                "category": "third_party",
                "path": f"/site/{module.replace('.', '/')}.py",
                "entry": "/site",
                "distribution": name,
                "version": {"requests": "2.31.0", "idna": "3.6"}[name],
                "license": {"requests": "Apache-2.0", "idna": None}[name],
                "audited": False,
            }
        )
    page = Page(audit_html(with_distributions))
    assert page.table("third-party") == [
        ["Distribution", "Version", "Licence", "Modules"],
        ["idna", "3.6", "", "1"],
        ["requests", "2.31.0", "Apache-2.0", "2"],
    ]
    numeric = [attrs.get("data-type") for tag, attrs in page.tags if tag == "th"]
    assert "number" in numeric


def test_every_table_is_sortable_with_a_filter(page: Page) -> None:
    tables = [attrs for tag, attrs in page.tags if tag == "table"]
    assert len(tables) == 8  # vendored, opaque, files, blind spots, packages, capabilities, portability, modules
    tools = {attrs.get("data-table") for tag, attrs in page.tags if tag == "div" and attrs.get("class") == "tools"}
    for table in tables:
        assert table.get("class") == "sortable" and table.get("id") in tools
    line_headers = [attrs for tag, attrs in page.tags if tag == "th" and attrs.get("data-type") == "number"]
    assert line_headers, "the numeric columns are marked for the sort"
    assert len(page.scripts) == 1 and "addEventListener" in page.scripts[0]


def test_deterministic(report: Audit, document: dict[str, Any]) -> None:
    assert audit_html(document) == audit_html(json.loads(json.dumps(document)))

    assert audit_html(document, viewer(report)) == audit_html(copy.deepcopy(document), viewer(report))


# --- changes since a baseline ------------------------------------------------------------------


update = test_audit_review.update  # a baseline audit of fixtures/review/old as wheels, the wheels of new


def audited(update: tuple[Path, Path], output_format: str) -> str:
    baseline, new = update
    arguments = ["audit", "--no-cache", "--format", output_format, "--baseline", str(baseline), str(new)]
    done = CliRunner().invoke(cli, arguments)
    assert done.exit_code == 0, done.output
    return done.stdout


def test_changes_since_the_baseline_come_first(update: tuple[Path, Path]) -> None:
    """With a baseline, the page says what changed right after the summary: the dependency update (a row per
    distribution, then what is new in each, capabilities with their chain), then the other changes."""
    document = json.loads(audited(update, "json"))
    page = Page(audit_html(document))
    assert list(page.sections)[:3] == ["summary", "changes", "unanalysed"]
    assert page.sections["changes"]["title"] == "Changes since the baseline"
    assert "#changes" in [a.get("href") for t, a in page.tags if t == "a"]
    update_rows, news, other = page.sections["changes"]["tables"]
    counts = ["New capabilities", "New opaque code", "New .pth lines", "New blind spots"]
    assert update_rows == [
        ["Distribution", "Status", "Before", "After", *counts],
        ["fresh", "added", "", "0.1", "1", "0", "0", "0"],
        ["updated", "changed", "1.0", "2.0", "1", "2", "1", "0"],
        ["dropped", "removed", "0.5", "", "0", "0", "0", "0"],
    ]
    assert ["updated", "capability", "network (4 modules): updated.fetch -> socket"] in news
    assert ["fresh", "capability", "process (1 module): fresh -> subprocess"] in news
    pth = 'updated_paths.pth:3 import updated.fetch; updated.fetch.get("example.org") (runs at start-up)'
    assert ["updated", ".pth line", pth] in news
    assert any(row[:2] == ["updated", "opaque code"] and "_speedups.abi3.so" in row[2] for row in news)
    assert other[0] == ["Change", "Module", "Detail"]
    assert ["module added", "fresh", ""] in other and ["module removed", "dropped", ""] in other
    (shell,) = [row for row in other if row[:2] == ["new capability: process", "updated.shell"]]
    assert shell[2].startswith("updated.shell \u2192 subprocess (") and "shell.py:1" in shell[2]
    changed = {row[2].split(" ")[0] for row in other if row[0] == "new or changed file: extension"}
    assert changed == {"updated/_speedups.abi3.so"}
    tables = [a for t, a in page.tags if t == "table"]
    tools = {a.get("data-table") for t, a in page.tags if t == "div" and a.get("class") == "tools"}
    assert {"table-update", "table-update-news", "table-changes"} <= {t.get("id") for t in tables} and all(
        t.get("class") == "sortable" and t.get("id") in tools for t in tables
    )
    assert_self_contained(audit_html(document))


def test_changes_without_distributions_and_without_rows() -> None:
    """An audit of a tree against its baseline has no dependency update; nothing changed reads "none"."""
    empty: dict[str, Any] = {key: [] for key in hostile_changes()}
    page = Page(audit_html({"changes": empty}))
    assert page.sections["changes"]["none"] and not page.sections["changes"]["tables"]
    vendored = empty | {"vendored_versions": [{"package": "six", "module": "app.six", "before": "1", "after": "2"}]}
    assert Page(audit_html({"changes": vendored})).table("changes")[1] == [
        "vendored version: six",
        "app.six",
        "1 \u2192 2",
    ]


# --- self-contained ----------------------------------------------------------------------------


def assert_self_contained(text: str) -> None:
    page = Page(text)
    for tag, attributes in page.tags:
        assert tag not in ("link", "iframe", "object", "embed", "img", "base"), tag
        for name, value in attributes.items():
            if name in ("src", "href", "xlink:href", "action", "formaction", "poster", "data", "srcset"):
                assert value is not None and value.startswith("#"), (tag, name, value)
            if name == "style":
                assert "url(" not in (value or ""), (tag, value)
    assert "<link" not in text.lower() and "@import" not in text and "url(" not in "".join(page.styles)
    # No URL anywhere but the SVG namespace (an attribute, or the name the viewer creates its elements in).
    for match in re.finditer(r"https?://", text):
        before = text[max(0, match.start() - 20) : match.start()]
        namespace = text[match.start() : match.start() + 27] == 'http://www.w3.org/2000/svg"'
        assert re.search(r'xmlns(?::\w+)?="$', before) or namespace, text[match.start() - 40 : match.end() + 40]
    # Nothing is fetched whatever slips through: the policy allows no source and only the page's scripts.
    policy = page.policy()
    assert "default-src 'none'" in policy
    kinds = [attributes.get("type") for tag, attributes in page.tags if tag == "script"]
    assert len(kinds) == len(page.scripts)
    for kind, script in zip(kinds, page.scripts, strict=True):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert (f"'sha256-{digest}'" in policy) == (kind is None), kind  # data blocks are not run


def test_no_external_references(report: Audit, document: dict[str, Any]) -> None:
    assert_self_contained(audit_html(document))
    assert_self_contained(audit_html(document, viewer(report)))


def test_hostile_strings_are_escaped(document: dict[str, Any]) -> None:
    text = audit_html(hostile_document(document))
    assert HOSTILE not in text
    assert "<img" not in text and "<script>alert" not in text
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in text
    assert text.count("<script") == 1  # the page's own
    page = Page(text)
    assert [tag for tag, _ in page.tags].count("script") == 1
    assert not [(t, a) for t, a in page.tags for name in a if name.startswith("on")], "no event handler injected"
    # What the audited code wrote reads back as the same text.
    blindspots = page.table("blindspots")[1:]
    row = next(r for r in blindspots if r[1] == f"app.{HOSTILE}")
    assert row[2] == f"/srv/app/{HOSTILE}.py" and row[5] == HOSTILE
    assert row[4] == f"importlib.import_module({HOSTILE}): the module is not known statically"
    assert page.column("capabilities", "Chain")[0].startswith(HOSTILE + " \u2192 ")
    assert [HOSTILE, HOSTILE, HOSTILE, "1"] in page.table("third-party")
    assert [r[1] for r in page.table("vendored")[1:] if r[0] == "chardet_lite"] == ['1.0" onmouseover="alert(2)']
    assert page.table("shadowing")[1] == [HOSTILE, HOSTILE]
    assert page.table("diagnostics")[1][:3] == ["DS010", "error", HOSTILE]
    update, news, other = page.sections["changes"]["tables"]
    assert update[1] == [HOSTILE, "added", "", HOSTILE, "1", "1", "1", "0"]
    assert [HOSTILE, "opaque code", f"extension {HOSTILE}.so (3 bytes, sha256 {'ab' * 6})"] in news
    assert [HOSTILE, ".pth line", f"{HOSTILE}.pth:1 import {HOSTILE} (runs at start-up)"] in news
    assert ["module added", HOSTILE, ""] in other
    assert ["new capability: network", HOSTILE, f"{HOSTILE} \u2192 socket (/srv/{HOSTILE}.py:2)"] in other
    assert ["new or changed file: extension", "", f"{HOSTILE}.so (3 bytes, sha256 {'ab' * 32})"] in other
    assert [f"vendored version: {HOSTILE}", HOSTILE, f"1 \u2192 {HOSTILE}"] in other
    assert_self_contained(text)


# --- the diagram -------------------------------------------------------------------------------


def viewer(report: Audit) -> Viewer:
    """The interactive diagram the command puts in the page."""
    from depscan.app.audit import _audit_viewer

    return _audit_viewer(report)


def test_the_interactive_diagram_is_embedded(report: Audit, document: dict[str, Any]) -> None:
    shown = viewer(report)
    text = audit_html(document, shown)
    page = Page(text)
    assert page.sections["diagram"]["title"] == "Dependency diagram"
    assert list(page.sections).index("diagram") == list(page.sections).index("diagnostics") + 1
    assert "#diagram" in [a.get("href") for t, a in page.tags if t == "a"]
    assert "#diagram" not in [a.get("href") for t, a in Page(audit_html(document)).tags if t == "a"]
    assert '<div class="diagram"><div id="depscan-viewer" class="dv">' in text
    data = json.loads(page.scripts[0])  # the viewer's data, then dagre, the viewer and the page's own script
    assert "app.loader" in [m["name"] for m in data["modules"]]
    assert page.scripts[1:3] == list(shown.scripts) and len(page.scripts) == 4
    assert all(f"script-src {' '.join(shown.hashes)} 'sha256-" in page.policy() for _ in (1,))
    assert_self_contained(text)


# --- a real browser ----------------------------------------------------------------------------


def test_browser_renders_the_report(browse: Any, report: Audit, document: dict[str, Any], tmp_path: Path) -> None:
    page = tmp_path / "audit.html"
    page.write_text(audit_html(document, viewer(report)), encoding="utf-8")
    shot = tmp_path / "shot.png"
    browse(page, f"--screenshot={shot}", "--window-size=1280,2000")
    assert shot.is_file(), "chromium wrote no screenshot"
    width, height, rows = decode_png(shot.read_bytes())
    assert (width, height) == (1280, 2000)
    pixel = (len(rows[0]) // width) or 1
    colours = {row[i : i + 3] for row in rows[::4] for i in range(0, len(row), pixel * 2)}
    assert len(colours) > 16, f"the screenshot looks blank: {len(colours)} colours"
    darkest = min(sum(colour) for colour in colours)
    assert darkest < 200, "no dark pixels: no text was drawn"

    dom = browse(page, "--dump-dom").stdout
    parsed = Page(dom)
    html_attributes = next(attrs for tag, attrs in parsed.tags if tag == "html")
    assert html_attributes.get("data-sortable") == "ready", "the page's script did not run"
    tables = [attrs for tag, attrs in parsed.tags if tag == "table"]
    assert len(tables) == 8 and all(t.get("data-sortable") == "ready" for t in tables)
    assert ["six", "1.16.0", "app._vendor.six", "app/_vendor/six.py"] in [row[:4] for row in parsed.table("vendored")]
    tools = [attrs for tag, attrs in parsed.tags if tag == "div" and attrs.get("class") == "tools"]
    assert tools and all("hidden" not in t for t in tools), "the filter boxes are shown once the script runs"
    assert parsed.sections["diagram"]["svg"], "the viewer drew the diagram"
    drawn = next(attrs for tag, attrs in parsed.tags if attrs.get("id") == "depscan-viewer")
    assert drawn.get("data-ready") == "yes" and int(drawn.get("data-nodes") or 0) > 3


def test_browser_runs_the_page_with_changes(browse: Any, update: tuple[Path, Path], tmp_path: Path) -> None:
    """The page the command writes with a baseline (the diagram too) runs without a console message, and
    its new tables are sorted as the others."""
    page = tmp_path / "changes.html"
    page.write_text(audited(update, "html"), encoding="utf-8")
    done = browse(page, "--dump-dom", "--enable-logging=stderr", "--v=0")
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "the page wrote to the console (an error?)"
    parsed = Page(done.stdout)
    tables = {attrs.get("id"): attrs for tag, attrs in parsed.tags if tag == "table"}
    for name in ("table-update", "table-update-news", "table-changes"):
        assert tables[name].get("data-sortable") == "ready", name
    assert parsed.sections["diagram"]["svg"], "the viewer drew the diagram"


# Run after the page's own script: sort the blind spots by line, twice, then filter the vendored packages.
_PROBE = """
(function () {
  var table = document.getElementById("table-blindspots");
  var line = table.tHead.rows[0].cells[3];
  var column = function (t, i) { return Array.prototype.map.call(t.tBodies[0].rows, function (r) {
    return r.cells[i].textContent; }); };
  line.click();
  var ascending = column(table, 3), state = line.getAttribute("aria-sort");
  line.click();
  var descending = column(table, 3);
  table.tHead.rows[0].cells[2].click();
  var files = column(table, 2);
  var vendored = document.getElementById("table-vendored");
  var tools = document.querySelector('.tools[data-table="table-vendored"]');
  var input = tools.querySelector("input");
  input.value = "SIX";
  input.dispatchEvent(new Event("input"));
  var shown = Array.prototype.filter.call(vendored.tBodies[0].rows, function (r) { return !r.hidden; });
  var result = document.createElement("pre");
  result.id = "probe";
  result.textContent = JSON.stringify({ascending: ascending, state: state, descending: descending, files: files,
    shown: shown.map(function (r) { return r.cells[0].textContent; }),
    counter: tools.querySelector("span").textContent});
  document.body.appendChild(result);
}());
"""


def test_browser_sorts_numerically_and_filters(browse: Any, document: dict[str, Any], tmp_path: Path) -> None:
    numbered = copy.deepcopy(document)
    numbered["blindspots"] = [
        {"kind": "exec", "module": "app.x", "path": f"/srv/app/{name}", "line": line, "detail": "d", "target": None}
        for name, line in (("b.py", 10), ("a9.py", 9), ("a10.py", 100), ("c.py", 2))
    ]
    text = audit_html(numbered)
    digest = base64.b64encode(hashlib.sha256(_PROBE.encode()).digest()).decode()
    # The probe is let in by its hash, as the page's own script is; a script not in the policy is not run.
    policy = Page(text).policy()
    assert html.escape(policy) in text
    text = text.replace(html.escape(policy), html.escape(policy.replace("script-src", f"script-src 'sha256-{digest}'")))
    injected = '<script>document.documentElement.setAttribute("data-injected", "yes")</script>'
    text = text.replace("</body>", f"<script>{_PROBE}</script>\n{injected}\n</body>")
    page = tmp_path / "probe.html"
    page.write_text(text, encoding="utf-8")
    parsed = Page(browse(page, "--dump-dom").stdout)
    html_attributes = next(attrs for tag, attrs in parsed.tags if tag == "html")
    assert html_attributes.get("data-sortable") == "ready"
    assert "data-injected" not in html_attributes, "a script outside the policy ran"
    probe_text = next(
        (text for text in parsed.texts if text.startswith('{"ascending"')), None
    )  # the <pre id="probe"> the probe wrote
    assert probe_text is not None, "the probe did not run"
    result = json.loads(probe_text)
    assert result["ascending"] == ["2", "9", "10", "100"], "numbers sort numerically"
    assert result["state"] == "ascending"
    assert result["descending"] == ["100", "10", "9", "2"]
    assert result["files"] == [f"/srv/app/{n}" for n in ("a9.py", "a10.py", "b.py", "c.py")], "text sorts naturally"
    assert result["shown"] == ["six"] and result["counter"] == "1 of 5 rows"
