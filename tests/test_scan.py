"""The scan on the fixture program in fixtures/scan: what is found, missing, dead, cyclic."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from depscan.analysis.check import excused
from depscan.analysis.detail import Choice
from depscan.analysis.graph import cycles, importers, why
from depscan.analysis.scan import ScanOptions, ScanResult, scan
from depscan.analysis.view import diagram_view
from depscan.app.settings import Options, settings
from depscan.cli import cli
from depscan.extract.walker import extract_file
from depscan.model.graph import Site
from depscan.model.records import Extraction
from depscan.output import jsonfmt
from depscan.output.diagram import to_dot
from depscan.output.report import _edge_json, scan_json, scan_text
from depscan.resolve.describe import describe

APP = FIXTURES / "scan" / "app"
SPLIT = FIXTURES / "scan" / "split"


@pytest.fixture(scope="module")
def zip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("zipped")
    with zipfile.ZipFile(directory / "bundle.zip", "w") as archive:
        archive.writestr("zmod.py", "import textwrap\nfrom zpkg import inner\n")
        archive.writestr("zpkg/", "")
        archive.writestr("zpkg/__init__.py", "")
        archive.writestr("zpkg/inner.py", "import not_in_zip_xyz\n")
    return directory / "bundle.zip"


@pytest.fixture(scope="module")
def result(zip_dir: Path) -> ScanResult:
    interp = describe(sys.executable)
    paths = [str(SPLIT / "one"), str(SPLIT / "two"), str(zip_dir)]
    return scan(interp, [str(APP / "main.py")], paths=paths, use_pythonpath=False)


def test_project_modules_found(result: ScanResult) -> None:
    project = {name for name, r in result.modules.items() if r.category == "project"}
    assert project == {
        "__main__", "app", "app.core", "app.util", "app.late", "app.typing_only", "app.guarded", "app.broken",
        "app.stars", "app.plugins", "app.missing_stuff", "app.alternatives", "nsp", "nsp.a", "nsp.b",
        "zmod", "zpkg", "zpkg.inner",
    }  # fmt: skip
    assert result.modules["nsp"].kind == "namespace"
    assert result.modules["nsp"].locations == (str(SPLIT / "one" / "nsp"), str(SPLIT / "two" / "nsp"))
    assert result.modules["zmod"].archive is not None


def test_stdlib_resolved_not_followed(result: ScanResult) -> None:
    assert result.modules["json"].category == "stdlib"
    assert "json" not in result.extractions or result.graph.out_degree("json") == 0
    assert "json.decoder" not in result.modules  # json's own imports are not followed
    assert {"textwrap", "posixpath", "importlib", "typing", "_json"} <= set(result.modules)


def test_missing_and_maybe_missing(result: ScanResult) -> None:
    assert set(result.missing) == {
        "fastjson_not_installed", "not_installed_abc", "app.core.no_such_name", "json.nothing_here",
        "nope_first", "nope_second", "nope_third", "not_in_zip_xyz",
    }  # fmt: skip
    assert set(result.maybe_missing) == {"app.stars.maybe_from_json"}
    errors = {m.name for m in result.errors()}
    # optional with no alternative import: fine; nope_third has a working alternative: fine.
    assert errors == {
        "not_installed_abc", "app.core.no_such_name", "json.nothing_here", "nope_first", "nope_second",
        "not_in_zip_xyz",
    }  # fmt: skip
    [site] = result.missing["not_installed_abc"].sites
    assert (Path(site.path or "").name, site.line) == ("missing_stuff.py", 2)


def test_dead_branches_are_listed_not_followed(result: ScanResult) -> None:
    dead = {site.statement for _, site in result.dead}
    assert dead == {"import py2_only_module", "import winreg"}
    assert "winreg" not in result.modules and "py2_only_module" not in result.missing


def test_type_checking_imports_followed_and_marked(result: ScanResult) -> None:
    sites = result.graph.edges["app.core", "app.typing_only"]["sites"]
    assert [s.type_checking for s in sites] == [True]


def test_dynamic_and_diagnostics(result: ScanResult) -> None:
    assert [(module, d.expression) for module, d in result.dynamic] == [("app.plugins", "name")]
    broken = [d for d in result.diagnostics if d.code == "DS010"]
    assert len(broken) == 1 and broken[0].path and broken[0].path.endswith("broken.py") and broken[0].line == 3


def test_cycles_ignore_delayed_imports(result: ScanResult) -> None:
    [cycle] = cycles(result)
    assert cycle.modules == ["app.core", "app.util"]
    assert "app.late" not in cycle.modules  # imported inside a function
    assert cycle.cut in (("app.core", "app.util"), ("app.util", "app.core"))


def test_why_and_importers(result: ScanResult) -> None:
    chains = why(result, "app.late")
    assert [[name for name, _ in chain] for chain in chains] == [
        ["__main__", "app", "app.core", "app.util", "app.late"],
        ["__main__", "app.missing_stuff", "app.core", "app.util", "app.late"],
        ["__main__", "app.stars", "app.core", "app.util", "app.late"],
    ]
    chain = chains[0]
    assert chain[-1][1] is not None and chain[-1][1].line == 6
    assert importers(result, "app.core") == ["app", "app.missing_stuff", "app.stars", "app.util"]
    assert "__main__" in importers(result, "app.late", transitive=True)


def test_text_report(result: ScanResult) -> None:
    text = scan_text(result, cycles(result))
    assert text.splitlines()[0].startswith(f"{len(result.modules)} modules (18 project")
    assert "  nope_third  (optional)" in text
    assert "Import cycles among project modules:\n  app.core <-> app.util" in text
    assert "app/guarded.py:5  import py2_only_module" in text


def test_json_report(result: ScanResult) -> None:
    document = json.loads(scan_json(result, cycles(result)))
    assert document["schema"] == "depscan/scan" and document["schema_version"] == 1
    assert document["roots"] == ["__main__"]
    names = [m["name"] for m in document["modules"]]
    assert names == sorted(names)
    missing = {m["name"]: m for m in document["missing"]}
    assert missing["nope_third"]["error"] is False and missing["nope_first"]["error"] is True
    assert document["summary"]["cycles"] == 1
    [edge] = [i for i in document["imports"] if (i["from"], i["to"]) == ("app.util", "app.late")]
    assert [(s["line"], s["delayed"]) for s in edge["sites"]] == [(6, True)]


def test_dot_is_deterministic_and_styled(result: ScanResult) -> None:
    view = diagram_view(result, cycles(result))
    dot = to_dot(view)
    assert dot == to_dot(diagram_view(result, cycles(result)))
    assert '"app.core" -> "app.util" [color="#d62728", penwidth=2];' in dot
    assert '"not_installed_abc" [label="not_installed_abc\\n(missing)"' in dot
    assert '"app.core" -> "app.typing_only" [style=dotted];' in dot
    assert "json" not in view.nodes  # stdlib hidden by default
    assert "json" in diagram_view(result, cycles(result), Choice(include_stdlib=True)).nodes


def test_no_module_is_executed(tmp_path: Path, zip_dir: Path) -> None:
    env = dict(os.environ, DEPSCAN_TRACE_DIR=str(tmp_path))
    command = [sys.executable, "-m", "depscan", str(APP / "main.py"), "--path", str(SPLIT / "one")]
    command += ["--path", str(SPLIT / "two"), "--path", str(zip_dir), "--format", "json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["project"] == 18
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_svg_diagram(tmp_path: Path, zip_dir: Path) -> None:
    output = tmp_path / "out.svg"
    runner = CliRunner()
    args = [str(APP / "main.py"), "--path", str(SPLIT / "one"), "--path", str(SPLIT / "two")]
    args += ["--path", str(zip_dir), "--graph", str(output)]
    done = runner.invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    tree = ET.parse(output)
    titles = {element.text for element in tree.iter("{http://www.w3.org/2000/svg}title")}
    assert {"app.core", "app.util", "nsp.a", "zmod", "not_installed_abc"} <= titles
    assert "app.core&#45;&gt;app.util" in output.read_text() or "app.core->app.util" in titles


def test_missing_graphviz_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on the PATH
    output = tmp_path / "out.svg"
    done = CliRunner().invoke(cli, [str(APP / "main.py"), "--graph", str(output)])
    assert done.exit_code == 1
    assert "Graphviz's 'dot' is not installed" in done.output and "apt-get install graphviz" in done.output
    assert (tmp_path / "out.dot").read_text().startswith("digraph depscan {")
    assert not output.exists()


def test_options_limit_the_follow(zip_dir: Path) -> None:
    interp = describe(sys.executable)
    shallow = scan(interp, [str(APP / "main.py")], options=ScanOptions(max_depth=1), use_pythonpath=False)
    assert "app.core" in shallow.modules  # depth 2: resolved, its imports not followed
    assert not any(d["kind"] == "import" for _, _, d in shallow.graph.out_edges("app.core", data=True))
    excluded = scan(interp, [str(APP / "main.py")], options=ScanOptions(exclude=["app.core"]), use_pythonpath=False)
    assert "app.core" in excluded.modules
    assert not excluded.graph.has_edge("app.core", "app.util")
    followed = scan(interp, [], modules=["json"], options=ScanOptions(follow_stdlib=True))
    assert "json.decoder" in followed.modules


def test_package_directory_target() -> None:
    interp = describe(sys.executable)
    result = scan(interp, [str(APP / "app")], use_pythonpath=False)
    assert {"app", "app.core", "app.late", "app.plugins"} <= set(result.roots)


def test_a_source_directorys_namespace_portions_do_not_hide_the_stdlib() -> None:
    """util/re.py in a directory without __init__.py is util.re, not a root named re that
    stands for the standard library's re (opentelemetry's util/re.py made `from re import compile`
    "missing" in every module of opentelemetry-api scanned as a directory)."""
    interp = describe(sys.executable)
    shadow = FIXTURES / "scan" / "shadow"
    result = scan(interp, [str(shadow)], use_pythonpath=False)
    assert not [m.name for m in result.errors()], [m.to_json() for m in result.errors()]
    assert result.modules["re"].category == "stdlib" and result.modules["types"].category == "stdlib"
    assert result.modules["util.re"].file == str(shadow / "util" / "re.py")
    assert {"feature", "util.re", "util.types"} <= set(result.roots)
    # The oracle: the directory on the path, feature imports.
    done = subprocess.run([sys.executable, "-B", "-E", "-s", "-c", "import feature"], cwd=shadow, capture_output=True)
    assert done.returncode == 0, done.stderr


def test_a_module_compiled_beside_its_source_is_still_named_by_it(tmp_path: Path) -> None:
    """mypy ships api.py beside the api.*.so mypyc built from it; the resolver finds the extension,
    and the source file still stands for the module (not a root of its own, as a file named like
    a module elsewhere is)."""
    import sysconfig

    package = tmp_path / "compiled"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "api.py").write_text("import absent_in_api_xyz\n")
    (package / f"api{sysconfig.get_config_var('EXT_SUFFIX')}").write_bytes(b"")  # never loaded
    result = scan(describe(sys.executable), [str(package)], use_pythonpath=False)
    assert {"compiled", "compiled.api"} <= set(result.roots), result.roots
    assert [m.name for m in result.errors()] == ["absent_in_api_xyz"]


def test_cli_default_command_and_why(zip_dir: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, [str(APP / "main.py"), "--no-pythonpath"], catch_exceptions=False)
    assert done.exit_code == 0
    assert "Missing:" in done.stdout and "app.core <-> app.util" in done.stdout
    why_run = runner.invoke(cli, ["why", str(APP / "main.py"), "app.late"], catch_exceptions=False)
    assert why_run.exit_code == 0
    assert "chain 1:\n  __main__\n  -> app " in why_run.stdout
    assert "util.py:6  from . import late" in why_run.stdout
    unknown = runner.invoke(cli, ["why", str(APP / "main.py"), "no.such.module"])
    assert unknown.exit_code == 1 and "is not imported by" in unknown.output


def test_cli_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["scan"]).exit_code == 2
    bad_graph = runner.invoke(cli, [str(APP / "main.py"), "--graph", str(tmp_path / "out.bmp")])
    assert bad_graph.exit_code == 2 and "cannot tell the diagram format" in bad_graph.output
    assert "modules" not in bad_graph.stdout  # refused before the scan: no report
    no_directory = runner.invoke(cli, [str(APP / "main.py"), "--graph", str(tmp_path / "no" / "out.svg")])
    assert no_directory.exit_code == 2 and "no such directory" in no_directory.output
    assert "modules" not in no_directory.stdout
    missing = runner.invoke(cli, [str(tmp_path / "nope.py")])
    assert missing.exit_code == 1 and "DS012 no such file or directory" in missing.stdout


def test_cli_importers() -> None:
    runner = CliRunner()
    direct = runner.invoke(cli, ["importers", str(APP / "main.py"), "app.core", "--no-pythonpath"])
    assert direct.exit_code == 0
    rows = [line.split()[0] for line in direct.stdout.splitlines()]
    assert rows == ["app", "app.missing_stuff", "app.stars", "app.util"]
    assert "app/util.py:2" in direct.stdout
    everything = runner.invoke(cli, ["importers", str(APP / "main.py"), "app.late", "--transitive"])
    assert everything.exit_code == 0
    assert {"__main__", "app", "app.core", "app.util"} <= {line.split()[0] for line in everything.stdout.splitlines()}


def test_progress_bar_survives_without_a_terminal() -> None:
    from depscan.cli import _ScanProgress

    progress = _ScanProgress()
    for scanned in range(1, 5):
        progress(scanned, 10 - scanned)
    progress.done()


def test_a_subpackage_target_puts_the_top_package_s_parent_on_the_path(tmp_path: Path) -> None:
    """Scanning outer/inner: outer's own logging.py must not hide the stdlib's (as setuptools/_vendor would)."""
    inner = tmp_path / "outer" / "inner"
    inner.mkdir(parents=True)
    (tmp_path / "outer" / "__init__.py").write_text("")
    (tmp_path / "outer" / "logging.py").write_text("from . import inner\n")
    (inner / "__init__.py").write_text("import logging\nfrom outer import logging as own\n")
    result = scan(describe(sys.executable), [str(inner)], use_pythonpath=False)
    assert result.modules["logging"].category == "stdlib"
    assert result.modules["outer.logging"].path == str(tmp_path / "outer" / "logging.py")
    assert "outer.inner" in result.modules and not [d for d in result.diagnostics if d.code == "DS021"]


# --- the run cache: a scan of an unchanged program is its stored answer ---------------------------


def _age(tree: Path, seconds: float = 60) -> None:
    """Make every file and directory of ``tree`` look ``seconds`` old (fresh ones are never trusted)."""
    past = time.time() - seconds
    for path in [tree, *tree.rglob("*")]:
        os.utime(path, (past, past))


def _program(tmp_path: Path) -> Path:
    program = tmp_path / "prog"
    program.mkdir()
    (program / "main.py").write_text("import helper\nimport not_there\n")
    (program / "helper.py").write_text("import json\n")
    _age(program)
    return program


def _depscan(*args: str, cwd: Path) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "depscan", *args], cwd=cwd, capture_output=True, text=True, env=_no_pythonpath()
    )
    return done.returncode, done.stdout, done.stderr


def _no_pythonpath() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _missing(out: str) -> list[str]:
    return [m["name"] for m in json.loads(out)["missing"]]


def _forget_extractions(cache: Path) -> None:
    """Remove the extraction cache: a stored answer is served without making it again, a scan makes it."""
    databases = list(cache.glob("extractions.sqlite3*"))
    assert databases, "the first run made the extraction cache"
    for database in databases:
        database.unlink()


def _answered_from_store(cache: Path) -> bool:
    return not any(cache.glob("extractions.sqlite3"))


@pytest.mark.parametrize("graph", [None, "out.dot"], ids=["report", "report-and-diagram-beside-the-script"])
def test_an_unchanged_program_gets_the_stored_answer(tmp_path: Path, graph: str | None) -> None:
    program, cache = _program(tmp_path), str(tmp_path / "cache")
    args = ["main.py", "--format", "json", "--cache-dir", cache] + (["--graph", graph] if graph else [])
    first = _depscan(*args, cwd=program)
    assert first[0] == 0 and _missing(first[1]) == ["not_there"]
    assert len(list((tmp_path / "cache" / "runs").glob("*.run"))) == 1
    drawn = (program / graph).read_bytes() if graph else None
    if graph:
        (program / graph).unlink()  # written again from the stored answer
    _forget_extractions(tmp_path / "cache")
    second = _depscan(*args, cwd=program)
    assert second == first
    assert _answered_from_store(tmp_path / "cache")
    if graph:
        assert (program / graph).read_bytes() == drawn
    (program / "helper.py").write_text("import jxon\n")
    os.utime(program / "helper.py", (time.time() - 30, time.time() - 30))
    third = _depscan(*args, cwd=program)
    assert _missing(third[1]) == ["jxon", "not_there"]


@pytest.mark.parametrize("change", ["edit a scanned file", "add the missing module", "add a package on --path"])
def test_a_change_is_seen_through_the_stored_scan(tmp_path: Path, change: str) -> None:
    program, cache = _program(tmp_path), str(tmp_path / "cache")
    extra = tmp_path / "extra"
    extra.mkdir()
    _age(extra)
    args = ["main.py", "--format", "json", "--cache-dir", cache, "--path", str(extra)]
    assert _missing(_depscan(*args, cwd=program)[1]) == ["not_there"]
    assert _missing(_depscan(*args, cwd=program)[1]) == ["not_there"]  # stored
    if change == "edit a scanned file":
        (program / "helper.py").write_text("import json, gone_now\n")
        expected = ["gone_now", "not_there"]
    elif change == "add the missing module":
        (program / "not_there.py").write_text("")
        expected = []
    else:
        (extra / "not_there").mkdir()
        (extra / "not_there" / "__init__.py").write_text("")
        expected = []
    assert _missing(_depscan(*args, cwd=program)[1]) == expected


def test_no_cache_stores_no_answer(tmp_path: Path) -> None:
    program = _program(tmp_path)
    assert _depscan("main.py", "--no-cache", "--cache-dir", str(tmp_path / "cache"), cwd=program)[0] == 0
    assert not (tmp_path / "cache").exists()


def test_files_no_import_can_find_do_not_spoil_the_stored_answer(tmp_path: Path) -> None:
    program, cache = _program(tmp_path), str(tmp_path / "cache")
    args = ["main.py", "--format", "json", "--cache-dir", cache]
    first = _depscan(*args, cwd=program)
    for name in ("notes.txt", "report.json", "build-output", ".main.py.swp"):
        (program / name).write_text("")
    _forget_extractions(tmp_path / "cache")
    assert _depscan(*args, cwd=program) == first
    assert _answered_from_store(tmp_path / "cache")  # the stored answer still
    (program / "jxon.py").write_text("")  # but a module is a change
    assert _missing(_depscan(*args, cwd=program)[1]) == ["not_there"]


@pytest.mark.parametrize(
    ("name", "relevant"),
    [
        *[("mod.py", True), ("pkg", True), ("ext.cpython-311-x86_64-linux-gnu.so", True), ("x.pth", True)],
        *[("Django-5.2.dist-info", True), ("__editable___x_finder.py", True), ("lib.zip", True)],
        *[("out.svg", False), ("notes.txt", False), ("build-output", False), (".swp", False), ("a.b", False)],
    ],
)
def test_names_that_matter_to_an_import(name: str, relevant: bool) -> None:
    from depscan.perf.runcache import relevant as is_relevant

    assert is_relevant(name) is relevant


def test_a_packages_modules_are_read_at_once_and_scanned_as_before(zip_dir: Path) -> None:
    """A package as the target: its modules (the roots) are given to ``read_many`` together, before
    the scan starts (depscan.perf reads them over processes), and the scan is the same."""
    interp = describe(sys.executable)
    paths = [str(SPLIT / "one"), str(SPLIT / "two"), str(zip_dir)]
    asked: list[list[tuple[str, str, bool]]] = []
    told: list[int] = []

    def read_many(
        keys: list[tuple[str, str, bool]], max_bytes: int | None, tell: Any
    ) -> dict[tuple[str, str, bool], Extraction]:
        asked.append(keys)
        tell(len(keys))
        return {key: extract_file(*key, max_bytes) for key in keys}

    class Progress:
        def reading(self, done: int, total: int) -> None:
            told.append(done)

        def __call__(self, scanned: int, queued: int) -> None:
            pass

    # The scan's size limit holds for the files read ahead too: app/core.py is over it.
    plain = scan(interp, [str(APP)], paths=paths, use_pythonpath=False, options=ScanOptions(max_bytes=300))
    options = ScanOptions(read_many=read_many, max_bytes=300)
    ahead = scan(interp, [str(APP)], paths=paths, use_pythonpath=False, options=options, progress=Progress())
    assert len(asked) == 1
    assert {module for _, module, _ in asked[0]} == set(plain.roots)
    assert len(asked[0]) > 5 and told == [len(asked[0])]
    assert all(path == plain.modules[module].file for path, module, _ in asked[0])
    assert scan_json(ahead, cycles(ahead)) == scan_json(plain, cycles(plain))
    assert any(d.code == "DS013" and d.path == str(APP / "app" / "core.py") for d in ahead.diagnostics)


VENDOR_IMPORTER = (
    "class VendorImporter:\n"
    "    def __init__(self, root_name, vendored_names=(), vendor_pkg=None):\n"
    "        pass\n"
    "    def install(self):\n"
    "        pass\n"
)
"""A stand-in for setuptools' VendorImporter: what depscan reads of it is its name and its call."""


def test_names_taken_from_a_vendored_alias_are_an_edge_to_the_module_that_serves_it(tmp_path: Path) -> None:
    """``from pkg.extern.lib import name``, where setuptools' VendorImporter serves ``pkg.extern.lib``
    as ``pkg._vendor.lib``: the edge goes to the module found (an edge to the alias had no node, and
    the interactive page of such a scan failed: setuptools 65.5.0, which venv installs on 3.11)."""
    pkg = tmp_path / "pkg"
    (pkg / "extern").mkdir(parents=True)
    (pkg / "_vendor" / "lib").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg.extern.lib import thing\n")
    (pkg / "extern" / "__init__.py").write_text(
        VENDOR_IMPORTER + "names = ('lib',)\nVendorImporter(__name__, names).install()\n"
    )
    (pkg / "_vendor" / "__init__.py").write_text("")
    (pkg / "_vendor" / "lib" / "__init__.py").write_text("thing = 1\n")
    result = scan(describe(sys.executable), [str(tmp_path / "pkg")], use_pythonpath=False)
    data = result.graph_data
    assert ("pkg", "pkg._vendor.lib") in data.edges
    assert all(u in data.nodes and v in data.nodes for u, v in data.edges)
    assert not result.missing
    page = tmp_path / "out.html"
    done = CliRunner().invoke(cli, ["scan", str(pkg), "--no-pythonpath", "--no-cache", "--graph", str(page)])
    assert done.exit_code == 0, done.output
    assert page.stat().st_size > 0


def test_names_taken_from_a_vendored_alias_are_the_names_of_the_module_that_serves_it(tmp_path: Path) -> None:
    """``from pkg.extern.mod import thing, nothere``, where the VendorImporter serves ``pkg.extern.mod``
    as ``pkg._vendor.mod``: the names are that module's, known: ``thing`` is there, ``nothere`` is
    missing for certain (they were each only maybe missing: setuptools 65.5.0's every
    ``from setuptools.extern.packaging.version import Version``)."""
    pkg = tmp_path / "pkg"
    (pkg / "extern").mkdir(parents=True)
    (pkg / "_vendor").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg.extern.mod import thing, nothere\n")
    (pkg / "extern" / "__init__.py").write_text(VENDOR_IMPORTER + "VendorImporter(__name__, ('mod',)).install()\n")
    (pkg / "_vendor" / "__init__.py").write_text("")
    (pkg / "_vendor" / "mod.py").write_text("thing = 1\n")
    result = scan(describe(sys.executable), [str(tmp_path / "pkg")], use_pythonpath=False)
    assert ("pkg", "pkg._vendor.mod") in result.graph_data.edges
    assert set(result.missing) == {"pkg.extern.mod.nothere"} and not result.maybe_missing
    # The oracle: the vendored module (run on its own, not through the stand-in importer) has the
    # one name and not the other.
    probe = (
        "import sys\nsys.path[:0] = ['pkg/_vendor']\nimport mod\nprint(hasattr(mod, 'thing'), hasattr(mod, 'nothere'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert done.stdout.split() == ["True", "False"], done.stderr


def _generic_edge(importer: str, imported: str, sites: Any) -> str:
    return jsonfmt._encode({"from": importer, "to": imported, "sites": [site.to_json() for site in sites]})


def _generic_scan_json(result: ScanResult) -> str:
    """The scan's JSON report made of dicts, each encoded by the JSON encoder: what the templates of
    ``scan_json`` must give, character for character."""
    found = cycles(result)
    text = scan_json(result, found)
    document = json.loads(text)

    def missing(entry: Any) -> dict[str, Any]:
        data: dict[str, Any] = entry.to_json()
        data["error"] = not entry.maybe and not result.satisfied(entry)
        data["excused"] = result.excused.get(entry.name)
        for site, shown in zip(entry.sites, data["sites"], strict=True):
            where = (os.path.abspath(site.path or ""), site.line, site.col)
            shown["error"] = data["error"] and (result.failing is None or where in result.failing)
        return data

    roots = set(result.roots)
    document["modules"] = [
        {
            "name": name,
            "kind": found_.kind,
            "category": found_.category,
            "is_package": found_.is_package,
            "path": found_.path,
            "file": found_.file,
            "root": name in roots,
            "scanned": name in result.extractions and bool(found_.file),
        }
        for name, found_ in sorted(result.modules.items())
    ]
    document["imports"] = [
        {"from": u, "to": v, "sites": [site.to_json() for site in edge.sites]}
        for u, v, edge in sorted(result.graph_data.imports(), key=lambda item: item[:2])
    ]
    document["missing"] = [missing(m) for m in sorted(result.missing.values(), key=lambda m: m.name)]
    document["maybe_missing"] = [missing(m) for m in sorted(result.maybe_missing.values(), key=lambda m: m.name)]
    return jsonfmt.dumps(document)


ODD_MODULE = """\
import os
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import decimal
if os.environ.get("FAST"):
    import csv
try:
    try:
        import lzma
    except ImportError:
        import bz2
except ImportError:
    try:
        import zlib
    except ImportError:
        zlib = None
def later():
    import \u00e9l\u00e9ment_absent, textwrap
"""


def test_edges_laid_out_by_template_are_the_sites_to_json(result: ScanResult, tmp_path: Path) -> None:
    """The scan's report lays out each import edge by a template (for speed): it is, character for
    character, the encoding of ``Site.to_json``, on the fixture app (an archive among its paths), on
    real packages of the standard library scanned as roots, and on a module in a file whose name is
    not UTF-8, with every kind of context (guards, nested tries and handlers, type checking, delayed)."""
    interp = describe(sys.executable)
    stdlib = Path(os.__file__).parent
    odd = tmp_path / os.fsdecode(b"caf\xe9_mod.py")  # a surrogate escape in the path
    odd.write_text(ODD_MODULE, encoding="utf-8")
    roots = [str(stdlib / name) for name in ("email", "asyncio", "importlib", "xml", "json")] + [str(odd)]
    stdlib_scan = scan(interp, roots, use_pythonpath=False)
    stdlib_scan.excused, stdlib_scan.failing = excused(
        interp, settings("scan", Options()).check_settings(), stdlib_scan
    )
    sites: list[Site] = []
    for scanned in (result, stdlib_scan):
        for importer, imported, edge in scanned.graph_data.imports():
            assert _edge_json(importer, imported, edge.sites) == _generic_edge(importer, imported, edge.sites)
            sites += edge.sites
        # The whole report: its modules, edges and missing modules (with their errors) by template.
        assert scan_json(scanned, cycles(scanned)) == _generic_scan_json(scanned)
    assert stdlib_scan.missing and stdlib_scan.failing  # (some errors, some not: see the odd module)
    assert any(site["error"] for m in json.loads(scan_json(stdlib_scan, []))["missing"] for site in m["sites"])
    assert len(sites) > 1000
    assert any(s.optional for s in sites) and any(s.fallback for s in sites) and any(s.delayed for s in sites)
    assert any(s.outer_tries for s in sites) and any(s.record.context.outer_handlers for s in sites)
    assert any(s.type_checking for s in sites) and any(s.conditional for s in sites)
    assert any("\u00e9" in s.statement for s in sites)
    document = json.loads(scan_json(stdlib_scan, cycles(stdlib_scan)))
    assert any("caf\\xe9_mod.py" in (site["path"] or "") for edge in document["imports"] for site in edge["sites"])
