"""``depscan audit`` on a fixture tree of vendored code: every marked finding, and nothing run.

Lines of ``fixtures/audit/vendored`` marked ``# audit: KIND`` hold what the audit must report there:
blind spots and native libraries by kind, capabilities and portability problems by what they are.
"""

from __future__ import annotations

import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from depscan.analysis.audit import FAIL_CONDITIONS, Audit, Changes, audit
from depscan.analysis.scan import ScanOptions
from depscan.cli import cli
from depscan.output.audit import audit_sarif, audit_text
from depscan.output.audit_markdown import audit_markdown
from depscan.resolve.describe import describe
from depscan.source import shown_path

TREE = FIXTURES / "audit" / "vendored"
SPOT_KINDS = ("exec", "sys-path", "native-library", "dynamic-import")


def marked(root: Path) -> dict[str, set[tuple[str, int]]]:
    """KIND -> {(file relative to root, line)} from the ``# audit: KIND ...`` markers."""
    found: dict[str, set[tuple[str, int]]] = {}
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = re.search(r"#\s*audit:\s*([\w-]+)", line)
            if match:
                found.setdefault(match.group(1), set()).add((path.relative_to(root).as_posix(), number))
    return found


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture, plus what cannot be kept as text: an extension module and sourceless bytecode."""
    root = tmp_path_factory.mktemp("audit") / "vendored"
    shutil.copytree(TREE, root)
    suffix = next(s for s in __import__("importlib.machinery").machinery.EXTENSION_SUFFIXES if s.startswith(".cpython"))
    (root / "app" / f"speedups{suffix}").write_bytes(b"\x7fELF not really")  # never loaded: only found
    py_compile.compile(str(root / "app" / "net.py"), cfile=str(root / "app" / "netcompiled.pyc"), doraise=True)
    main = root / "app" / "main.py"
    main.write_text(main.read_text() + "from app import speedups, netcompiled\n")
    # In the tree, imported by no module: a wheel and sourceless bytecode (and, in the fixture, a .pth
    # file, an extension and an executable script).
    import zipfile

    with zipfile.ZipFile(root / "app" / "_vendor" / "extra-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("extra/__init__.py", "import os\n")
    py_compile.compile(str(root / "app" / "net.py"), cfile=str(root / "app" / "_vendor" / "orphan.pyc"), doraise=True)
    return root


@pytest.fixture(scope="module")
def report(tree: Path) -> Audit:
    return audit(describe(sys.executable), [str(tree / "app")], versions=[(3, 11), (3, 12)], options=ScanOptions())


def rel(tree: Path, path: str | None) -> str:
    return Path(path or "").resolve().relative_to(tree.resolve()).as_posix()


def test_blind_spots_and_native_libraries_are_the_marked_ones(tree: Path, report: Audit) -> None:
    found: dict[str, set[tuple[str, int]]] = {}
    for spot in [*report.blindspots, *report.opaque]:
        if spot.kind in SPOT_KINDS:
            found.setdefault(spot.kind, set()).add((rel(tree, spot.path), spot.line))
    wanted = {kind: lines for kind, lines in marked(tree).items() if kind in SPOT_KINDS}
    assert found == wanted
    (library,) = [s for s in report.opaque if s.kind == "native-library"]
    assert library.target == "libc.so.6"


def test_opaque_code(tree: Path, report: Audit) -> None:
    kinds = {(s.kind, s.module) for s in report.opaque}
    assert ("extension", "app.speedups") in kinds
    assert ("bytecode", "app.netcompiled") in kinds


def test_every_file_of_the_tree_that_is_not_source_or_data_is_listed_imported_or_not(tree: Path, report: Audit) -> None:
    """A native extension, sourceless bytecode, an archive, a .pth file or an executable in the tree can be
    loaded or run once installed, though no module imports it: each is listed with its size and SHA-256."""
    import hashlib

    suffix = next(s for s in __import__("importlib.machinery").machinery.EXTENSION_SUFFIXES if s.startswith(".cpython"))
    assert {(f.relative, f.kind, f.module) for f in report.files} == {
        (f"app/speedups{suffix}", "extension", "app.speedups"),
        ("app/netcompiled.pyc", "bytecode", "app.netcompiled"),
        ("app/_vendor/_accel.abi3.so", "extension", None),
        ("app/_vendor/orphan.pyc", "bytecode", None),
        ("app/_vendor/extra-1.0-py3-none-any.whl", "archive", None),
        ("app/_vendor/bin/run.sh", "executable", None),
        ("app/_vendor/startup.pth", "pth", None),
    }
    for item in report.files:
        data = Path(item.path).read_bytes()
        assert (item.size, item.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    (script,) = [f for f in report.files if f.kind == "executable"]
    assert script.detail == "a script (#!/bin/sh)"
    summary = report.summary()
    assert (summary["files"], summary["files_not_imported"]) == (7, 5)


def test_the_trees_files_in_every_format(tree: Path, report: Audit) -> None:
    text = audit_text(report)
    heading = text.index("Files of the tree that are not plain source or data:")
    (row,) = [line for line in text[heading:].splitlines() if "app/_vendor/startup.pth" in line]
    sha = next(f.sha256 or "" for f in report.files if f.kind == "pth")
    assert f"sha256 {sha}" in row and "runs at start-up: line 3: import os;" in row and "adds to sys.path" in row
    assert next(line for line in text.splitlines() if "app/_vendor/_accel.abi3.so" in line).endswith(
        "no module imports it"
    )
    markdown = audit_markdown(report)
    assert "| archive | `app/_vendor/extra-1.0-py3-none-any.whl` |" in markdown
    from depscan.output.audit_html import audit_html

    page = audit_html(report.to_json())
    assert 'id="files"' in page and "_vendor/bin/run.sh" in page and sha in page
    results = json.loads(audit_sarif(report))["runs"][0]["results"]
    files = sorted((r["ruleId"], r["level"]) for r in results if r["ruleId"].startswith("file/"))
    assert files == [  # imported ones are opaque modules already
        ("file/archive", "warning"),
        ("file/bytecode", "warning"),
        ("file/executable", "warning"),
        ("file/extension", "warning"),
        ("file/pth", "warning"),
    ]


def test_a_fifo_and_links_out_of_the_tree_are_said_not_read(tmp_path: Path) -> None:
    """A FIFO (named like an extension, or like data) is refused by the safe reader without waiting;
    a link to /dev/zero or to a file outside the tree is listed, not followed; a dangling link too."""
    tree = tmp_path / "vendor"
    tree.mkdir()
    (tree / "mod.py").write_text("import os\n")
    os.mkfifo(tree / "pipe.so")
    os.mkfifo(tree / "notes")
    (tree / "zero.so").symlink_to("/dev/zero")
    (tmp_path / "secret.sh").write_text("#!/bin/sh\n")
    (tree / "leak").symlink_to(tmp_path / "secret.sh")
    (tree / "gone.pth").symlink_to(tree / "nowhere")
    (tree / "inside.so").symlink_to(tree / "mod.py")  # in the tree: read as what it is
    (tree / "loop").symlink_to(tree)  # a directory: not entered
    depscan = os.path.join(os.path.dirname(sys.executable), "depscan")
    done = subprocess.run(
        [depscan, "audit", "--no-cache", "--format", "json", str(tree)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    rows = {f["relative"]: f for f in json.loads(done.stdout)["files"]}
    assert {name: (f["kind"], f["problem"]) for name, f in rows.items()} == {
        "vendor/pipe.so": ("extension", "is a FIFO; not read"),
        "vendor/notes": ("unread", "is a FIFO; not read"),
        "vendor/zero.so": ("link", "not followed"),
        "vendor/leak": ("link", "not followed"),
        "vendor/gone.pth": ("link", "not followed"),
        "vendor/inside.so": ("extension", None),
    }
    assert rows["vendor/zero.so"]["detail"] == "a symbolic link out of the tree (to /dev/zero)"
    assert rows["vendor/gone.pth"]["detail"].startswith("a dangling symbolic link")
    assert rows["vendor/inside.so"]["sha256"] is not None and rows["vendor/zero.so"]["sha256"] is None


def test_a_link_out_of_the_tree_that_an_import_goes_through_is_said_followed(tmp_path: Path) -> None:
    """Python imports through a link out of the tree, so the audit reads the module it leads to (its
    capabilities are the tree's); the link's row said "not followed", and now says it was."""
    outside = tmp_path / "outside"
    (outside / "helper").mkdir(parents=True)
    (outside / "helper" / "__init__.py").write_text("import subprocess\n")
    (outside / "single.py").write_text("import socket\n")
    os.mkfifo(outside / "pipe.py")
    tree = tmp_path / "vendor"
    tree.mkdir()
    (tree / "mod.py").write_text("import helper\nimport single\nimport zero\nimport pipe\n")
    (tree / "helper").symlink_to(outside / "helper")
    (tree / "single.py").symlink_to(outside / "single.py")
    (tree / "unused.py").symlink_to(outside / "single.py")
    (tree / "zero.py").symlink_to("/dev/zero")  # followed by an import, but not read: said so
    (tree / "pipe.py").symlink_to(outside / "pipe.py")
    depscan = os.path.join(os.path.dirname(sys.executable), "depscan")
    done = subprocess.run(
        [depscan, "audit", "--no-cache", "--format", "json", str(tree)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr  # (two modules not analysed)
    document = json.loads(done.stdout)
    rows = {f["relative"]: (f["kind"], f["module"], f["problem"]) for f in document["files"]}
    assert rows == {
        "vendor/helper": ("link", "helper", None),
        "vendor/single.py": ("link", "single", None),
        "vendor/unused.py": ("link", None, "not followed"),
        "vendor/zero.py": ("link", "zero", "is not a regular file; not read"),
        "vendor/pipe.py": ("link", "pipe", "is a FIFO; not read"),
    }
    details = {f["relative"]: f["detail"] for f in document["files"]}
    assert details["vendor/single.py"].endswith("read and audited")
    assert details["vendor/zero.py"].endswith("not analysed")
    sarif = json.loads(
        subprocess.run(
            [depscan, "audit", "--no-cache", "--format", "sarif", str(tree)], capture_output=True, text=True
        ).stdout
    )
    rules = [r["ruleId"] for r in sarif["runs"][0]["results"]]
    assert rules.count("file/link-followed") == 4 and rules.count("file/link") == 1
    markdown = subprocess.run(
        [depscan, "audit", "--no-cache", "--format", "markdown", str(tree)], capture_output=True, text=True
    )
    assert "None bytes" not in markdown.stdout and "(not hashed)" in markdown.stdout
    assert {(c["module"], c["capability"]) for c in document["capabilities"]} >= {
        ("helper", "process"),
        ("single", "network"),
    }
    text = subprocess.run([depscan, "audit", "--no-cache", str(tree)], capture_output=True, text=True, timeout=60)
    [helper] = [line for line in text.stdout.splitlines() if line.startswith("  link ") and "vendor/helper" in line]
    assert "(not hashed)" in helper and "which an import follows" in helper and "not followed" not in helper


def test_a_link_out_of_the_tree_named_as_the_script_is_said_run_not_imported(tmp_path: Path) -> None:
    """A script named beside its tree, through a link out of it, runs as ``__main__``: no import
    reaches it, and its row says so (it said "which an import follows ...; imported as __main__")."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "tool.py").write_text("import subprocess\n")
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "a.py").write_text("import json\n")
    (tree / "run.py").symlink_to(tmp_path / "real" / "tool.py")
    depscan = os.path.join(os.path.dirname(sys.executable), "depscan")
    command = [depscan, "audit", "--no-cache", str(tree), str(tree / "run.py")]
    document = json.loads(subprocess.run([*command, "--format", "json"], capture_output=True, text=True).stdout)
    [row] = [f for f in document["files"] if f["relative"] == "proj/run.py"]
    assert row["module"] == "__main__" and row["problem"] is None
    assert "named as the script to run: read and audited" in row["detail"] and "import" not in row["detail"]
    text = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
    [line] = [line for line in text.splitlines() if "proj/run.py" in line and line.startswith("  link ")]
    assert line.endswith("run as __main__") and "imported as" not in line
    assert "process" in {c["capability"] for c in document["capabilities"] if c["module"] == "__main__"}


def test_vendored_packages_with_their_declared_versions_and_where_each_is_declared(tree: Path, report: Audit) -> None:
    """The code's own __version__ (a literal, or built from a literal version_info tuple: tinyver's was
    read as "." from `".".join(...)`), else a dist-info in the vendoring directory, else vendor.txt's pin."""
    found = {
        v.package: (v.module, v.version, v.version_source and v.version_source.kind, v.version_source)
        for v in report.vendored
    }
    assert {package: row[:3] for package, row in found.items()} == {
        "six": ("app._vendor.six", "1.16.0", "__version__"),
        "chardet_lite": ("app._vendor.chardet_lite", "5.2.0", "__version__"),
        "tinyver": ("app._vendor.tinyver", "2.4.1", "version_info"),
        "metaonly": ("app._vendor.metaonly", "1.2", "metadata"),
        "quiet": ("app._vendor.quiet", "0.3.0", "requirements"),
    }
    sources = {package: source for package, (*_, source) in found.items() if source is not None}
    assert (rel(tree, sources["tinyver"].path), sources["tinyver"].line) == ("app/_vendor/tinyver.py", 4)
    assert (rel(tree, sources["quiet"].path), sources["quiet"].line) == ("app/_vendor/vendor.txt", 5)
    assert rel(tree, sources["metaonly"].path) == "app/_vendor/metaonly-1.2.dist-info"
    (row,) = [line for line in audit_text(report).splitlines() if line.strip().startswith("quiet 0.3.0  as ")]
    assert row.endswith("[version: quiet pinned in " + shown_path(sources["quiet"].path) + ":5]")
    assert "| **tinyver** | vendored | 2.4.1 | `version_info in app/_vendor/tinyver.py:4` |" in audit_markdown(report)
    assert report.to_json()["vendored"][0]["version_source"]["kind"] == "__version__"


@pytest.mark.parametrize(
    ("source", "version"),
    [
        pytest.param('version_info = (1, 2, 3)\n__version__ = ".".join(map(str, version_info))\n', "1.2.3", id="map"),
        pytest.param('VERSION = (4, 0, "b1")\n__version__ = "".join(str(v) for v in VERSION)\n', "40b1", id="genexp"),
        pytest.param('v = (1, 2, 3, "final")\n__version__ = ".".join([str(x) for x in v[:3]])\n', "1.2.3", id="slice"),
        pytest.param('version_info = (2, 0)\n__version__ = "%d.%d" % version_info\n', "2.0", id="percent"),
        pytest.param('version_info = (3, 1)\n__version__ = "{}.{}".format(*version_info)\n', "3.1", id="format"),
        pytest.param('version_info = (3, 1)\n__version__ = "%0999999999d" % version_info\n', None, id="huge-width"),
        pytest.param(
            'version_info = (3, 1)\n__version__ = "{:>999999999}".format(*version_info)\n', None, id="huge-field"
        ),
        pytest.param('__version__ = "." .join(parts())\n', None, id="call-not-a-literal"),
        pytest.param('__version__ = "1.0"  # the release\n', "1.0", id="literal-with-comment"),
    ],
)
def test_a_version_built_from_a_literal_tuple(source: str, version: str | None) -> None:
    from depscan.analysis.versions import _literal_version

    found, _ = _literal_version(source.encode())
    assert (found[0] if found else None) == version


def test_capabilities_with_the_shortest_chain(report: Audit) -> None:
    reaches = {(r.capability, r.module): r for r in report.capabilities}
    process = reaches["process", "app.main"]  # its own `from os import system`, or subprocess: both direct
    assert process.via in ("os.system", "subprocess") and len(process.chain) <= 2
    assert reaches["network", "app.net"].chain == (
        ("app.net", None),
        ("socket", reaches["network", "app.net"].chain[1][1]),
    )
    network = reaches["network", "app.main"]
    assert [name for name, _ in network.chain] == ["app.main", "app.net", "socket"]
    assert network.chain[1][1] is not None and network.chain[1][1].line == 5  # from app import net
    assert [name for name, _ in reaches["native", "app.plugins"].chain] == [
        "app.plugins",
        "app.old",
        "app.loader",
        "ctypes",
    ]
    assert ("deserialisation", "app._vendor.six") in reaches
    assert ("native", "app.main") in reaches  # the extension module
    assert ("process", "app._vendor.six") not in reaches


def test_capability_chains_follow_only_imports_that_run_on_import(tree: Path, report: Audit) -> None:
    """tool.py imports pty (and os.execv) only under `if __name__ == "__main__":`: importing it runs
    neither (pip 24.0's "process" chain for 77 vendored modules went through such an `import pty`).
    Its urllib.request is imported in a function: followed, and the hop says so."""
    reaches = {(r.capability, r.module): r for r in report.capabilities}
    assert ("process", "app.tool") not in reaches
    assert not [r for r in report.capabilities if any(name == "pty" for name, _ in r.chain)]
    network = reaches["network", "app.tool"]
    assert [name for name, _ in network.chain] == ["app.tool", "urllib.request"]
    assert [hop["in_function"] for hop in network.to_json()["chain"]] == [False, True]
    assert "urllib.request (" in audit_text(report) and "tool.py:6) [in a function]" in audit_text(report)
    assert not [r for r in report.capabilities if any(name == "dummy_threading" for name, _ in r.chain)]
    # Run as a script, the module's __main__ block runs.
    script = audit(describe(sys.executable), [str(tree / "app" / "tool.py")], options=ScanOptions())
    assert ("process", "__main__") in {(r.capability, r.module) for r in script.capabilities}


def test_capabilities_per_vendored_package_and_package_of_the_tree(report: Audit) -> None:
    """Not only per module: each vendored package and each other top-level package, with how many of its
    modules reach each capability and the shortest chain as the example, in every format."""
    rows = {(p.name, p.kind, p.version, p.modules): p for p in report.packages}
    assert set(rows) == {
        ("six", "vendored", "1.16.0", 1),
        ("chardet_lite", "vendored", "5.2.0", 1),
        ("tinyver", "vendored", "2.4.1", 1),
        ("metaonly", "vendored", "1.2", 1),
        ("quiet", "vendored", "0.3.0", 1),
        ("app", "package", None, 12),  # app and its modules, the vendored ones aside
    }
    six = rows["six", "vendored", "1.16.0", 1]
    assert {name: count for name, (count, _) in six.capabilities.items()} == {"deserialisation": 1}
    app = rows["app", "package", None, 12]
    for capability, (count, example) in app.capabilities.items():
        reaching = [r for r in report.capabilities if r.capability == capability and not r.module.startswith("app._")]
        assert count == len(reaching) and len(example.chain) == min(len(r.chain) for r in reaching)
    assert [name for name, _ in app.capabilities["network"][1].chain] == ["app.net", "socket"]
    (document,) = [p for p in report.to_json()["packages"] if p["name"] == "six"]
    assert document["capabilities"][0]["example"]["chain"][-1]["module"] == "pickle"
    text = audit_text(report)
    assert "  six 1.16.0 [vendored, 1 module]\n      deserialisation     1  app._vendor.six -> pickle\n" in text
    assert "  quiet 0.3.0 [vendored, 1 module]: none\n" in text
    assert (
        "| **six** | vendored | 1.16.0 | `__version__ in app/_vendor/six.py:3` | 1 | deserialisation 1 | 0 | 0 |"
        in (audit_markdown(report))
    )
    from depscan.output.audit_html import audit_html

    assert 'id="table-packages"' in audit_html(report.to_json())


def test_a_package_counts_its_files_that_are_not_source_each_once(tree: Path, report: Audit) -> None:
    """A package's opaque code: its opaque modules (an extension, sourceless bytecode, a native library
    loaded) and the files of its directory that are not source or data no module is in (a .so, a .pth,
    an executable, a wheel, a .pyc imported by none); a file that is an opaque module counts once."""
    app = next(p for p in report.packages if p.name == "app")
    spots = [s for s in report.opaque if s.module.startswith("app") and not s.module.startswith("app._vendor.")]
    assert sorted(s.kind for s in spots) == ["bytecode", "extension", "native-library"]
    spotted = {s.path for s in spots}
    files = sorted(rel(tree, f.path) for f in report.files if f.path not in spotted)
    assert files == [
        "app/_vendor/_accel.abi3.so",
        "app/_vendor/bin/run.sh",
        "app/_vendor/extra-1.0-py3-none-any.whl",
        "app/_vendor/orphan.pyc",
        "app/_vendor/startup.pth",
    ]
    assert len(report.files) == len(files) + 2  # the extension module's file and the bytecode's: counted once
    assert (app.opaque, app.blindspots) == (8, 3) and app.to_json()["opaque"] == 8
    assert "  app (no version) [package, 12 modules, 8 opaque, 3 blind spots]\n" in audit_text(report)
    assert "| **app** | package |  |  | 12 |" in audit_markdown(report)
    assert next(line for line in audit_markdown(report).splitlines() if "| **app** |" in line).endswith("| 8 | 3 |")


def test_capabilities_per_distribution(tmp_path: Path) -> None:
    """With an interpreter named, a third-party distribution the tree imports has its own row."""
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "mod.py").write_text("import click\n")
    done = CliRunner().invoke(
        cli, ["audit", "--no-cache", "--format", "json", "--python", sys.executable, str(tmp_path / "vendor")]
    )
    assert done.exit_code == 0, done.output
    packages = {(p["name"], p["kind"]): p for p in json.loads(done.stdout)["packages"]}
    click_row = packages["click", "distribution"]
    assert click_row["version"] and click_row["modules"] > 1
    process = next(c for c in click_row["capabilities"] if c["capability"] == "process")
    assert process["example"]["module"].startswith("click")
    mod = packages["mod", "package"]
    assert "process" in {c["capability"] for c in mod["capabilities"]}


def test_portability_for_each_target_version(report: Audit) -> None:
    issues = {(p.module, p.version, p.status) for p in report.portability}
    assert ("asyncore", "3.12", "removed") in issues
    assert ("asyncore", "3.11", "deprecated") in issues


def test_a_fallback_is_a_portability_problem_only_where_its_primary_is_missing(report: Audit) -> None:
    """compat.py: `import dummy_threading` in the handler of a try whose `import threading` is found
    never runs (pip 24.0's four portability problems were all such fallbacks); `import imp` after a
    primary that is missing runs, and is one."""
    issues = {(p.module, p.version): p for p in report.portability}
    assert not [key for key in issues if key[0] == "dummy_threading"]
    imp = issues["imp", "3.12"]
    assert imp.status == "removed" and [(s.importer, s.line) for s in imp.sites] == [("app.compat", 9)]


def test_a_list_of_places_cut_short_says_how_many_more(report: Audit) -> None:
    """legacy.py imports binhex at 4 places: the text report (and Markdown) show 3 "and 1 more"
    (it showed 3 and said nothing, where JSON and HTML have 4); SARIF has a result at each."""
    (issue,) = [p for p in report.portability if p.module == "binhex" and p.version == "3.12"]
    assert [site.line for site in issue.sites] == [2, 6, 12, 18]
    (row,) = [line for line in audit_text(report).splitlines() if "binhex: removed in 3.11 (target 3.12)" in line]
    assert row.endswith("legacy.py:12 and 1 more") and "legacy.py:18" not in row
    (cells,) = [
        line for line in audit_markdown(report).splitlines() if line.startswith("| binhex | removed in 3.11 | 3.12 |")
    ]
    assert cells.endswith("legacy.py:12 and 1 more |")
    results = json.loads(audit_sarif(report))["runs"][0]["results"]
    lines = [
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in results
        if "binhex is removed in Python 3.11 (target 3.12)" in r["message"]["text"]
    ]
    assert lines == [2, 6, 12, 18]


def test_inventory(report: Audit) -> None:
    names = {e.name: e for e in report.inventory}
    assert names["app.loader"].audited and names["app.loader"].category == "project"
    assert names["subprocess"].category == "stdlib" and not names["subprocess"].audited


def test_nothing_is_run_and_a_pth_file_says_what_site_would_do(tree: Path, tmp_path: Path) -> None:
    """Not a module, nor the .pth file's import line, nor the executable script of the tree."""
    trace = tmp_path / "trace"
    trace.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "depscan", "audit", "--no-cache", "--format", "json", str(tree / "app")],
        env=dict(os.environ, DEPSCAN_TRACE_DIR=str(trace)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["schema"] == "depscan/audit"
    assert os.listdir(trace) == []
    (pth,) = [f for f in document["files"] if f["kind"] == "pth"]
    assert pth["pth"]["paths"] == [{"line": 2, "text": "../shared_lib"}]
    assert [line["line"] for line in pth["pth"]["imports"]] == [3]
    assert pth["pth"]["imports"][0]["text"].startswith("import os; open(")


def test_the_command_line(tree: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["audit", "--no-cache", "--target-version", "3.12", str(tree / "app")])
    assert result.exit_code == 0, result.output
    text = result.stdout
    for heading in ("Third-party distributions:", "Vendored packages:", "Opaque code:", "Capabilities", "Portability:"):
        assert heading in text
    assert "six 1.16.0  as app._vendor.six" in text
    assert "asyncore: removed in 3.12" in text
    data = json.loads(runner.invoke(cli, ["audit", "--no-cache", "--format", "json", str(tree / "app")]).stdout)
    assert data["summary"]["vendored"] == 5 and data["summary"]["capabilities"]["process"] >= 1


def test_what_changed_since_a_baseline(tmp_path: Path) -> None:
    """The vendored copy is updated: a new capability, new native code, a new version, a new module."""
    tree = tmp_path / "vendored"
    shutil.copytree(TREE, tree)
    runner = CliRunner()
    old = tmp_path / "old.json"
    first = runner.invoke(cli, ["audit", "--no-cache", "--format", "json", "-o", str(old), str(tree / "app")])
    assert first.exit_code == 0, first.output
    six = tree / "app" / "_vendor" / "six.py"
    six.write_text(
        six.read_text().replace('__version__ = "1.16.0"', '__version__ = "1.17.0"')
        + "import socket\nimport ctypes\nctypes.CDLL('libz.so.1')\nfrom app._vendor import extra\n"
    )
    (tree / "app" / "_vendor" / "extra.py").write_text("")
    same = runner.invoke(
        cli, ["audit", "--no-cache", "--baseline", str(old), "--fail-on", "new-portability", str(tree / "app")]
    )
    assert same.exit_code == 0, same.output  # nothing new of that kind
    assert "Changes since the baseline:" in same.stdout
    assert "six 1.16.0 -> 1.17.0" in same.stdout

    def against_baseline(condition: str) -> Any:
        arguments = ["audit", "--no-cache", "--format", "json", "--baseline", str(old), "--fail-on", condition]
        return runner.invoke(cli, [*arguments, str(tree / "app")])

    changed = against_baseline("new-capability")
    assert changed.exit_code == 1
    assert "new-capability since" in changed.stderr
    changes = json.loads(changed.stdout)["changes"]
    assert {(c["capability"], c["module"]) for c in changes["new_capabilities"]} >= {("network", "app._vendor.six")}
    assert [(o["kind"], o["target"]) for o in changes["new_opaque"]] == [("native-library", "libz.so.1")]
    assert changes["modules_added"] == ["app._vendor.extra"] and not changes["modules_removed"]
    assert not changes["new_files"]
    (tree / "app" / "_vendor" / "_accel.abi3.so").write_bytes(b"\x7fELF changed")  # the same name, new code
    (tree / "app" / "_vendor" / "late.pth").write_text("import os\n")
    binary = against_baseline("new-opaque")
    assert binary.exit_code == 1 and "new-opaque since" in binary.stderr
    new_files = json.loads(binary.stdout)["changes"]["new_files"]
    assert sorted((f["kind"], f["relative"]) for f in new_files) == [
        ("extension", "app/_vendor/_accel.abi3.so"),
        ("pth", "app/_vendor/late.pth"),
    ]
    assert changes["vendored_versions"] == [
        {"package": "six", "module": "app._vendor.six", "before": "1.16.0", "after": "1.17.0"}
    ]


def test_a_baseline_that_is_not_an_audit_is_a_clear_error(tmp_path: Path, tree: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "depscan/scan"}')
    result = CliRunner().invoke(cli, ["audit", "--no-cache", "--baseline", str(bad), str(tree / "app")])
    assert result.exit_code == 2 and "not a depscan audit" in result.stderr
    assert CliRunner().invoke(cli, ["audit", "--fail-on", "new-module", str(tree / "app")]).exit_code == 2


@pytest.mark.parametrize(
    ("part", "value", "said"),
    [
        ("inventory", 5, "inventory is not a list"),
        ("files", [{"pth": {"imports": 5}}], "files[0].imports is not a list"),
        ("files", [{"pth": 5}], "files[0].pth is not an object"),
        ("packages", [{"kind": "distribution", "name": "calm", "capabilities": 5}], "packages[0].capabilities"),
        ("opaque", [{"kind": ["unhashable"]}], "opaque[0].kind is not a string"),
        ("distributions", ["calm"], "distributions[0] is not an object"),
    ],
)
def test_a_baseline_of_another_shape_is_a_clear_error(
    tmp_path: Path, tree: Path, part: str, value: Any, said: str
) -> None:
    """A baseline is often committed, so the code under review can write it: one the comparison
    cannot read is refused with where it is wrong (a traceback before; found by review)."""
    good = tmp_path / "good.json"
    assert CliRunner().invoke(
        cli, ["audit", "--no-cache", "--format", "json", "-o", str(good), str(tree / "app")]
    ).exit_code in (0, 1)
    document = json.loads(good.read_text())
    document[part] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    result = CliRunner().invoke(cli, ["audit", "--no-cache", "--baseline", str(bad), str(tree / "app")])
    assert result.exit_code == 2 and said in result.stderr and "Traceback" not in result.output, result.output


def test_markdown_fits_a_comment_and_says_what_it_leaves_out(report: Audit) -> None:
    """A summary per package first, the detail in collapsed blocks; rows left out from the end to fit,
    each block and a note at the end saying so, the note naming the whole report's file."""
    whole = audit_markdown(report, limit=None)
    assert "left out" not in whole and whole.count("<details>") == 5 == whole.count("</details>")
    assert "\n**Third-party distributions**: none.\n" in whole  # an empty part is a line, not a block
    assert audit_markdown(report) == whole  # it fits as it is
    comment = audit_markdown(report, limit=5000, full_report="audit.full.md")
    assert len(comment.encode()) <= 5000 < len(whole.encode())
    assert comment.count("<details>") == comment.count("</details>")
    packages = comment[comment.index("### Packages") : comment.index("<details>")]
    for vendored in report.vendored:
        assert f"| **{vendored.package}** | vendored | {vendored.version} |" in packages
    note = comment.rstrip().splitlines()[-1]
    left_out = int(re.match(r"\*\*(\d+) rows are left out\*\*", note).group(1))  # type: ignore[union-attr]
    assert note.endswith("The full report: `audit.full.md`.")
    counted = sum(int(n) for n in re.findall(r"_(\d+) more rows? left out\._", comment))
    counted += sum(int(n) for n in re.findall(r"\*\*[^*]+\*\*: (\d+) rows left out\.", comment))
    assert counted == left_out > 0
    assert "depscan audit " + str(report.targets[0]) in audit_markdown(report, limit=5000)  # how to get it


def test_markdown_and_sarif(tree: Path) -> None:
    runner = CliRunner()
    markdown = runner.invoke(cli, ["audit", "--no-cache", "--format", "markdown", str(tree / "app")]).stdout
    assert markdown.startswith("## depscan audit of")
    assert "| **six** | vendored | 1.16.0 |" in markdown
    sarif = json.loads(runner.invoke(cli, ["audit", "--no-cache", "--format", "sarif", str(tree / "app")]).stdout)
    assert sarif["version"] == "2.1.0"
    rules = [rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert "blindspot/exec" in rules and "capability/network" in rules and "opaque/native-library" in rules
    for result in sarif["runs"][0]["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]


def test_html_from_the_command_line(tree: Path, tmp_path: Path) -> None:
    page = tmp_path / "audit.html"
    result = CliRunner().invoke(cli, ["audit", "--no-cache", "--format", "html", "-o", str(page), str(tree / "app")])
    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "Vendored packages" in text and "six" in text
    assert '<div id="depscan-viewer" class="dv">' in text and '"app.main"' in text  # the diagram's viewer, its data


def test_a_zip_archive_is_audited_like_the_tree(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "app.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted((TREE / "app").rglob("*.py")):
            handle.write(path, path.relative_to(TREE).as_posix())
    zipped = audit(describe(sys.executable), [str(archive)], options=ScanOptions())
    assert {(v.package, v.version) for v in zipped.vendored} == {
        ("six", "1.16.0"),
        ("chardet_lite", "5.2.0"),
        ("tinyver", "2.4.1"),
        ("quiet", None),  # vendor.txt and the dist-info are not read from inside an archive
        ("metaonly", None),
    }
    kinds = {(s.kind, s.line) for s in zipped.blindspots if s.kind in SPOT_KINDS}
    assert kinds == {("sys-path", 7), ("exec", 11), ("dynamic-import", 12)}
    assert {s.kind for s in zipped.opaque} == {"zip", "native-library"}
    assert sum(1 for e in zipped.inventory if e.audited) == 15


def test_an_attribute_used_gives_its_capability(report: Audit) -> None:
    reaches = {(r.capability, r.module): r for r in report.capabilities}
    assert reaches["process", "app.net"].via == "os.popen"  # os.popen(...) in net.py, no from-import
    assert ("filesystem-write", "app.net") not in reaches  # os itself gives nothing: only some attributes


def test_an_attribute_of_a_local_name_is_not_the_modules(tmp_path: Path) -> None:
    """``os.system`` gives a capability only where ``os`` is the module imported: a parameter or a
    local named ``os`` in a function is not (it was, in a walk that ignored scopes), and
    ``import os.path`` binds ``os`` too (it was missed)."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "shadowed.py").write_text(
        "import os\n\n"
        "def run(os, command):\n    return os.system(command)\n\n"
        "def spawn(launcher):\n    os = launcher\n    return os.popen('x')\n\n"
        "[os.execv('a', []) for os in ()]\n"
        "print(os.sep)\n"
    )
    (app / "dotted.py").write_text("import os.path\n\ndef run(command):\n    return os.system(command)\n")
    report = audit(describe(sys.executable), [str(app)], options=ScanOptions())
    reaches = {(r.capability, r.module): r.via for r in report.capabilities}
    assert ("process", "app.shadowed") not in reaches
    assert reaches["process", "app.dotted"] == "os.system"


@pytest.mark.parametrize("kind", ["missing", "fifo", "empty-directory", "data-only", "one-of-two-missing", "no-module"])
def test_nothing_to_audit_is_an_error_not_a_clean_report(tmp_path: Path, kind: str) -> None:
    """A typo in CI's audit step (`audit vendr/ --baseline ... --fail-on new-capability`) must fail,
    exit 2 with one usage error naming what gave nothing, and write no report (-o keeps the old one)."""
    target = tmp_path / "vendor"
    arguments = [str(target)]
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "empty-directory":
        target.mkdir()
    elif kind == "data-only":
        target.mkdir()
        (target / "notes.txt").write_text("import os\n")
    elif kind in ("one-of-two-missing", "no-module"):
        (tmp_path / "good").mkdir()
        (tmp_path / "good" / "mod.py").write_text("import os\n")
        arguments = [str(tmp_path / "good")] + (["-m", "vendr"] if kind == "no-module" else [str(target)])
    baseline = tmp_path / "audit.json"
    baseline.write_text(json.dumps({"schema": "depscan/audit", "schema_version": 1}))
    report = tmp_path / "report.txt"
    report.write_text("the last report")
    depscan = os.path.join(os.path.dirname(sys.executable), "depscan")
    for extra in ([], ["--baseline", str(baseline), "--fail-on", "new-capability"]):
        done = subprocess.run(
            [depscan, "audit", "--no-cache", "-o", str(report), *arguments, *extra],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, (extra, done.stderr)
        (error,) = [line for line in done.stderr.splitlines() if "nothing to audit" in line]
        assert ("vendr" if kind == "no-module" else str(target)) in error and "Traceback" not in done.stderr
        assert str(tmp_path / "good") not in error
        assert report.read_text() == "the last report"


def test_the_audited_tree_cannot_replace_the_auditors_configuration(tmp_path: Path) -> None:
    """A vendored package ships its own pyproject.toml: the auditor's capabilities stay the auditor's."""
    auditor = tmp_path / "review"
    auditor.mkdir()
    (auditor / "pyproject.toml").write_text(
        '[tool.depscan.capabilities.rpc]\ndescription = "our RPC"\nmodules = ["our_rpc_client"]\n'
    )
    vendored = tmp_path / "vendor" / "pkg"
    vendored.mkdir(parents=True)
    (vendored / "__init__.py").write_text("import our_rpc_client\n")
    (vendored.parent / "pyproject.toml").write_text('[tool.depscan]\npython-version = "2.7"\n')
    depscan = os.path.join(os.path.dirname(sys.executable), "depscan")
    done = subprocess.run(
        [depscan, "audit", "--no-cache", "--format", "json", str(vendored)],
        cwd=auditor,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr
    document = json.loads(done.stdout)
    assert {c["capability"] for c in document["capabilities"]} >= {"rpc"}


def test_an_audit_run_inside_the_audited_tree_reads_none_of_its_configuration(tmp_path: Path) -> None:
    """``git clone URL && cd repo && depscan audit .``: the working directory's pyproject.toml is the
    audited tree's. Naming Python 2.7 there made the branch that runs on Python 3 dead, and the audit
    said "capabilities: none" for code that starts processes, labelled "your configuration"."""
    tree = tmp_path / "repo"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_text("import sys\nif sys.version_info[0] >= 3:\n    import subprocess\n")
    (tree / "pyproject.toml").write_text('[tool.depscan]\npython = "2.7"\n')
    depscan = os.path.join(os.path.dirname(sys.executable), "depscan")
    for cwd, target in ((tree, "."), (tree / "pkg", "..")):
        done = subprocess.run(
            [depscan, "audit", "--no-cache", "--format", "json", target],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        document = json.loads(done.stdout)
        assert document["python"]["chosen_by"] is None, target
        assert {c["capability"] for c in document["capabilities"]} >= {"process"}, target
        assert "pyproject.toml" in done.stderr and "not read" in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("condition", "part"),
    [
        ("new-capability", "capabilities"),
        ("new-opaque", "opaque"),
        ("new-opaque", "files"),
        ("new-blindspot", "blindspots"),
        ("new-module", "modules_added"),
        ("new-portability", "portability"),
        ("new-distribution", "distributions_added"),
    ],
)
def test_each_fail_condition_is_met_by_its_own_change(condition: str, part: str) -> None:
    nothing = Changes([], [], [], [], [], [], [{"name": "pkg", "old": "1", "new": "2"}])
    assert nothing.conditions() == set()  # a vendored version changed: no condition names it
    changed: dict[str, Any] = {part: [{"any": "change"}]}  # the parts hold rows (dicts) or names
    assert replace(nothing, **changed).conditions() == {condition}


def test_the_command_line_offers_every_fail_condition() -> None:
    option = next(param for param in cli.commands["audit"].params if param.name == "fail_on")
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == FAIL_CONDITIONS


def test_with_no_interpreter_named_the_audit_describes_the_tree_not_depscans_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """depscan runs in an environment of its own (click, setuptools, .pth files, maybe an active
    $VIRTUAL_ENV and a PYTHONPATH): none of it is the audited code's. With no interpreter named the
    audit searches the tree and the stdlib of the running Python's version; named, its environment."""
    tree = tmp_path / "vendor"
    tree.mkdir()
    (tree / "mod.py").write_text("import os\nimport json\nimport click\nimport on_pythonpath\n")
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "on_pythonpath.py").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "env"))
    if sys.prefix != sys.base_prefix:
        monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)
    runner = CliRunner()
    done = runner.invoke(cli, ["audit", "--no-cache", "--format", "json", "vendor"])
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    names = {e["name"]: e for e in document["inventory"]}
    assert set(names) == {"mod", "os", "json"} and names["os"]["category"] == "stdlib"
    places = [e["path"] for e in document["inventory"]] + [s["path"] for s in document["blindspots"]]
    assert not [p for p in places if p and p.startswith((sys.prefix, sys.base_prefix))]
    assert not [s for s in document["blindspots"] if s["kind"] == "pth-exec"]
    assert not document["summary"]["third_party"]
    assert document["python"]["chosen_by"] is None
    assert "no interpreter named" in document["python"]["environment"]
    text = runner.invoke(cli, ["audit", "--no-cache", "vendor"]).stdout
    assert "no interpreter named" in text.splitlines()[2]
    named = json.loads(
        runner.invoke(cli, ["audit", "--no-cache", "--format", "json", "--python", sys.executable, "vendor"]).stdout
    )
    assert named["python"]["chosen_by"] == "--python"
    found = {e["name"]: e for e in named["inventory"]}
    assert found["click"]["category"] == "third_party" and found["click"]["distribution"] == "click"
    assert found["on_pythonpath"]["entry"] == str(tmp_path / "env")


def test_frozen_and_builtin_modules_are_not_audited_from_inside_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path of a frozen module is "frozen": run from inside the audited tree, it was taken for
    ./frozen and os (frozen since 3.11) and sys (built in) were counted as audited modules."""
    (tmp_path / "mod.py").write_text("import os\nimport sys\n")
    monkeypatch.chdir(tmp_path)
    report = audit(describe(sys.executable), ["."], options=ScanOptions())
    assert {e.name for e in report.inventory if e.audited} == {"mod"}


def test_the_places_of_a_portability_problem_are_in_a_stable_order(tmp_path: Path) -> None:
    """One file imported under five names (each directory on the search path): its five places have
    the same path and line, and come in the order of their importers, not of a set's hashing (the
    same audit was two reports, found on setuptools' vendored distutils)."""
    root = tmp_path / "tree"
    (root / "a" / "b" / "c" / "d").mkdir(parents=True)
    for directory in ("a", "a/b", "a/b/c", "a/b/c/d"):
        (root / directory / "__init__.py").write_text("")
    (root / "a" / "b" / "c" / "d" / "m.py").write_text("import asyncore\n")
    names = ["a.b.c.d.m", "b.c.d.m", "c.d.m", "d.m", "m"]
    (root / "main.py").write_text("".join(f"import {name}\n" for name in names))
    paths = [str(root / d) for d in ("a", "a/b", "a/b/c", "a/b/c/d")]
    report = audit(describe(sys.executable), [str(root)], versions=[(3, 11)], paths=paths, options=ScanOptions())
    (issue,) = report.portability
    assert [s.importer for s in issue.sites] == names
