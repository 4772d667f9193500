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
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from depscan.audit import Audit, audit
from depscan.cli import cli
from depscan.interpreter import probe
from depscan.scan import ScanOptions

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
    return root


@pytest.fixture(scope="module")
def report(tree: Path) -> Audit:
    return audit(probe(sys.executable), [str(tree / "app")], versions=[(3, 11), (3, 12)], options=ScanOptions())


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


def test_vendored_packages_with_their_declared_versions(report: Audit) -> None:
    assert {(v.package, v.module, v.version) for v in report.vendored} == {
        ("six", "app._vendor.six", "1.16.0"),
        ("chardet_lite", "app._vendor.chardet_lite", "5.2.0"),
    }


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
    assert ("process", "app.net") not in reaches


def test_portability_for_each_target_version(report: Audit) -> None:
    issues = {(p.module, p.version, p.status) for p in report.portability}
    assert ("asyncore", "3.12", "removed") in issues
    assert ("asyncore", "3.11", "deprecated") in issues


def test_inventory(report: Audit) -> None:
    names = {e.name: e for e in report.inventory}
    assert names["app.loader"].audited and names["app.loader"].category == "project"
    assert names["subprocess"].category == "stdlib" and not names["subprocess"].audited


def test_nothing_is_run(tree: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    trace.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "depscan", "audit", "--no-cache", "--format", "json", str(tree / "app")],
        env=dict(os.environ, DEPSCAN_TRACE_DIR=str(trace)),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["schema"] == "depscan/audit"
    assert os.listdir(trace) == []


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
    assert data["summary"]["vendored"] == 2 and data["summary"]["capabilities"]["process"] >= 1
