"""``depscan check``: the findings on a fixture project, their formats, settings and exit codes.

Every line of ``fixtures/check/proj`` that must be reported carries a ``# finding: CODE``
comment; the check must report exactly those (nothing more, nothing less).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from depscan.analysis.check import check
from depscan.analysis.project import CheckSettings
from depscan.cli import cli
from depscan.extract.walker import extract_file
from depscan.model.records import Extraction
from depscan.resolve.describe import describe

PROJECT = FIXTURES / "check" / "proj"
MARK = re.compile(r"#\s*finding:\s*(DS\d{3})")


def expected_findings(root: Path) -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted([*root.rglob("*.py"), *root.rglob("pyproject.toml")]):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for code in MARK.findall(line):
                found.add((path.relative_to(root).as_posix(), number, code))
    return found


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        cache = [] if "--cache-dir" in args else ["--no-cache"]  # no cache left in the fixtures
        result = runner.invoke(cli, ["check", "--python", sys.executable, *cache, *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def reported(out: str) -> set[tuple[str, int, str]]:
    findings = set()
    for line in out.splitlines():
        match = re.match(r"(.+?):(\d+):(\d+): (DS\d{3}) ", line)
        assert match, line
        findings.add((match.group(1), int(match.group(2)), match.group(4)))
    return findings


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "proj"
    shutil.copytree(PROJECT, copy)
    return copy


def test_the_whole_project_reports_exactly_the_marked_lines() -> None:
    code, out, err = run(cwd=PROJECT)
    assert code == 1
    assert reported(out) == expected_findings(PROJECT)
    assert "depscan check: 14 findings in 4 files (7 files checked)" in err


def test_findings_are_sorted_and_stable() -> None:
    first = run(cwd=PROJECT)[1]
    assert first == run(cwd=PROJECT)[1]
    keys = [(p, int(line), int(col)) for p, line, col in re.findall(r"^(.+?):(\d+):(\d+):", first, re.M)]
    assert keys == sorted(keys)


def test_messages_say_what_is_missing() -> None:
    out = run(cwd=PROJECT)[1]
    assert "src/proj/core.py:7:1: DS001 module 'proj.helpers.no_such_name' not found: 'proj.helpers' has no name" in out
    assert "'os' is a module, not a package" in out
    assert "scripts/tool.py:2:1: DS001 module 'proj.nope' not found: 'proj' has no submodule 'nope'" in out
    assert "module 'definitely_missing_mod' not found (searched: src, " in out


def test_files_named_as_pre_commit_passes_them() -> None:
    """Only the files named are checked, resolved on the project's path: src/proj/core.py is proj.core."""
    code, out, _ = run("src/proj/core.py", "tests/test_something.py", "pyproject.toml", cwd=PROJECT)
    assert code == 1
    wanted = {f for f in expected_findings(PROJECT) if f[0] in ("src/proj/core.py", "tests/test_something.py")}
    assert reported(out) == wanted


def test_a_clean_file_is_silent() -> None:
    code, out, err = run("src/proj/helpers.py", cwd=PROJECT)
    assert (code, out, err) == (0, "", "")


def test_only_non_python_files_is_nothing_to_do() -> None:
    assert run("pyproject.toml", cwd=PROJECT) == (0, "", "")


def test_a_script_finds_the_modules_beside_it(project: Path) -> None:
    (project / "tests" / "helper_beside.py").unlink()
    out = run("tests/test_something.py", cwd=project)[1]
    assert ("tests/test_something.py", 1, "DS001") in reported(out)


def test_fixing_the_code_clears_the_finding(project: Path) -> None:
    (project / "src" / "proj" / "helpers.py").write_text("real_name = 1\nno_such_name = 2\n")
    out = run("src/proj/core.py", cwd=project)[1]
    assert ("src/proj/core.py", 7, "DS001") not in reported(out)
    (project / "definitely_missing_mod.py").write_text("")  # not on the path: the project root is not src/
    assert ("src/proj/core.py", 5, "DS001") in reported(run("src/proj/core.py", cwd=project)[1])
    (project / "src" / "definitely_missing_mod.py").write_text("")
    assert ("src/proj/core.py", 5, "DS001") not in reported(run("src/proj/core.py", cwd=project)[1])


def test_ignore_missing_covers_submodules_and_only_matching_names(project: Path) -> None:
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace('ignore-missing = ["ignored_pkg"]', 'ignore-missing = ["alt_*"]'))
    out = run("src/proj/core.py", cwd=project)[1]
    lines = {line for _, line, _ in reported(out)}
    assert 22 not in lines and 24 not in lines  # alt_one, alt_two
    assert 34 in lines  # ignored_pkg.sub is no longer ignored


def test_type_checking_imports_can_be_relaxed(project: Path) -> None:
    config = project / "pyproject.toml"
    config.write_text(config.read_text() + "check-type-checking = false\n")
    assert ("src/proj/core.py", 32, "DS001") not in reported(run("src/proj/core.py", cwd=project)[1])


def test_rules_can_be_warnings_or_off(project: Path) -> None:
    config = project / "pyproject.toml"
    config.write_text(config.read_text() + '\n[tool.depscan.rules]\nDS001 = "warning"\nrelative-beyond-top = "off"\n')
    code, out, _ = run("src/proj/core.py", cwd=project)
    assert code == 0  # warnings only
    assert "DS001 [warning]" in out and "DS020" not in out


def test_a_branch_live_for_one_configured_platform_is_checked(project: Path) -> None:
    out = run("src/proj/core.py", "--platform", "win32", cwd=project)[1]
    assert ("src/proj/core.py", 29, "DS001") in reported(out)  # winreg_only_on_windows
    assert ("src/proj/core.py", 27, "DS001") not in reported(out)  # urllib2: dead on every Python 3


def test_versions_from_the_command_line_and_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.depscan]\npython-version = ["3.10"]\n')
    (tmp_path / "mod.py").write_text(
        "import sys\nif sys.version_info >= (3, 12):\n    import only_on_312\nelse:\n    import only_before_312\n"
    )
    assert {line for _, line, _ in reported(run(cwd=tmp_path)[1])} == {5}
    assert {line for _, line, _ in reported(run("--python-version", "3.13", cwd=tmp_path)[1])} == {3, 5}


def test_json_format() -> None:
    code, out, _ = run("--format", "json", cwd=PROJECT)
    data = json.loads(out)
    assert code == 1
    assert data["schema"] == "depscan/check" and data["schema_version"] == 1
    assert data["summary"] == {"files": 7, "cached": 0, "processes": 1, "findings": 14, "errors": 13, "warnings": 1}
    first = data["findings"][0]
    assert set(first) == {"code", "name", "severity", "message", "path", "line", "col", "module"}
    assert {(f["path"], f["line"], f["code"]) for f in data["findings"]} == expected_findings(PROJECT)


def test_github_format() -> None:
    out = run("--format", "github", "src/proj/core.py", cwd=PROJECT)[1]
    title = "title=DS001 missing-module"
    assert f"::error file=src/proj/core.py,line=5,col=1,{title}::module 'definitely_missing_mod'" in out
    assert all(line.startswith("::error ") or "title=DS005" in line for line in out.splitlines())
    assert "::warning file=src/proj/core.py,line=32,col=5,title=DS005 missing-type-only::" in out


def test_sarif_format() -> None:
    out = run("--format", "sarif", cwd=PROJECT)[1]
    data = json.loads(out)
    assert data["version"] == "2.1.0"
    run_ = data["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["DS001", "DS005", "DS010", "DS020"]
    assert len(run_["results"]) == 14
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert location["region"]["startLine"] >= 1


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "findings.txt"
    code, out, _ = run("-o", str(target), cwd=PROJECT)
    assert code == 1 and out == ""
    assert reported(target.read_text()) == expected_findings(PROJECT)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("no/such/file.py", cwd=PROJECT)[0] == 2
    assert run("--python-version", "three", cwd=PROJECT)[0] == 2
    (tmp_path / "pyproject.toml").write_text("[tool.depscan]\nignore_missing = ['x']\n")
    code, _, err = run(cwd=tmp_path)
    assert code == 2 and "ignore_missing" in err and "ignore-missing" in err and "Traceback" not in err


def test_virtual_environments_and_excluded_paths_are_not_checked(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.depscan]\nexclude = ["vendored"]\n')
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "env" / "lib.py").write_text("import missing_in_venv\n")
    (tmp_path / "vendored").mkdir()
    (tmp_path / "vendored" / "old.py").write_text("import missing_in_vendored\n")
    (tmp_path / "app.py").write_text("import missing_in_app\n")
    assert reported(run(cwd=tmp_path)[1]) == {("app.py", 1, "DS001")}


def test_check_api_on_the_fixture() -> None:
    settings = CheckSettings(root=str(PROJECT), ignore_missing=["ignored_pkg"], platforms=["linux"])
    result = check(describe(sys.executable), settings)
    assert {(Path(f.path).relative_to(PROJECT).as_posix(), f.line, f.code) for f in result.findings} == (
        expected_findings(PROJECT)
    )
    assert {f.module for f in result.findings if f.code == "DS001"} >= {"definitely_missing_mod", "alt_one"}


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the target interpreter must have tomllib")
def test_stdlib_modules_each_configured_version_lacks(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.depscan]\npython-version = ["3.10", "3.11"]\n')
    (tmp_path / "mod.py").write_text(
        "import sys\n"
        "import tomllib\n"  # not in 3.10
        "if sys.version_info >= (3, 11):\n    import tomllib as guarded\n"
        "try:\n    import tomllib as tried\nexcept ImportError:\n    import json as tried\n"
        "import csv\n"  # in both
    )
    out = run(cwd=tmp_path)[1]
    assert out == "mod.py:2:1: DS001 module 'tomllib' is not in the standard library of Python 3.10\n"


def test_another_platforms_stdlib_module_is_checked_only_where_it_runs_here(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.depscan]\nplatforms = ["linux", "win32"]\n')
    (tmp_path / "mod.py").write_text('import sys\nif sys.platform == "win32":\n    import winreg\nimport msvcrt\n')
    out = run(cwd=tmp_path)[1]
    if sys.platform == "win32":
        assert out == ""
    else:
        assert out.startswith("mod.py:4:1: DS001 module 'msvcrt' not found: a standard library module of other")


def test_readme_example_is_true() -> None:
    readme = (FIXTURES.parent / "README.md").read_text()
    block = readme.split("### `depscan check", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    command, *lines = block.splitlines()
    assert command == "$ cd fixtures/check/proj && depscan check"
    _, out, err = run(cwd=PROJECT)
    actual = out.splitlines() + err.splitlines()
    for line in lines:
        if line == "...":
            continue
        if "(searched: " in line:  # the interpreter's own directories differ from machine to machine
            prefix = line.split("(searched: ")[0]
            assert any(a.startswith(prefix) for a in actual), line
        else:
            assert line in actual, line


# --- declared dependencies (DS002, DS003) ------------------------------------------------------

DEPS = FIXTURES / "check" / "deps"
# The target environment: distribution name -> the top-level modules it installs.
INSTALLED = {
    "declared-used": ["used_mod"],
    "Declared_Unused": ["unused_mod"],
    "undeclared-dist": ["undeclared_mod", "optional_undeclared"],
    "transitive-dist": ["transitive_mod"],  # what a declared dependency pulls in is not declared
    "extra-dist": ["extra_mod"],
    "weird-dist": ["weird_mod"],
    "provides-nothing": [],
}


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A virtual environment (no pip) with the distributions of INSTALLED, metadata and modules."""
    import subprocess
    import sysconfig

    venv = tmp_path_factory.mktemp("deps-env") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})
    site = Path(purelib)
    for dist, modules in INSTALLED.items():
        info = site / f"{dist}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        records = [f"{info.name}/METADATA,,"]
        for module in modules:
            (site / module).mkdir()
            (site / module / "__init__.py").write_text("")
            records.append(f"{module}/__init__.py,,")
        (site / "used_mod" / "sub.py").write_text("") if dist == "declared-used" else None
        (info / "RECORD").write_text("\n".join(records) + "\n")
    return str(venv / "bin" / "python")


def test_declared_dependencies(environment: str) -> None:
    code, out, _ = run("--python", environment, cwd=DEPS)
    assert code == 1
    assert reported(out) == expected_findings(DEPS)
    assert "src/app/__init__.py:3:1: DS002 'undeclared_mod' comes from 'undeclared-dist', which the project" in out
    assert "pyproject.toml:6:1: DS003 'declared-unused' is declared in [project.dependencies] but never imported" in out


def test_setup_py_may_import_what_the_build_system_requires(tmp_path: Path, environment: str) -> None:
    """setup.py runs in the build's environment: [build-system].requires declares its imports
    (DS002 for them elsewhere still)."""
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["undeclared-dist>=1"]\n[project]\nname = "x"\nversion = "1"\n'
        'dependencies = ["declared-used"]\n'
    )
    (tmp_path / "setup.py").write_text("import undeclared_mod\nimport used_mod\n")
    (tmp_path / "app.py").write_text("import undeclared_mod\nimport used_mod\n")
    code, out, _ = run("--python", environment, cwd=tmp_path)
    assert code == 1 and [(path, code_) for path, _, code_ in reported(out)] == [("app.py", "DS002")], out


def test_unused_dependencies_need_the_whole_project(environment: str) -> None:
    out = run("--python", environment, "src/app/__init__.py", cwd=DEPS)[1]
    assert {c for _, _, c in reported(out)} == {"DS002"}


def test_relative_imports_through_namespace_portions_inside_a_package(tmp_path: Path) -> None:
    """A module in directories without __init__ inside a regular package (PEP 420 portions) is
    imported as pkg.portion.deep.mod: its relative imports work there (no DS021); one that names
    nothing is DS001. The running interpreter is the oracle."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "nsrel"\nversion = "1"\n')
    deep = tmp_path / "pkg" / "portion" / "deep"
    deep.mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (deep / "mod.py").write_text("from .helper import X\nfrom . import helper\n")
    (deep / "helper.py").write_text("X = 1\n")
    (deep / "bad.py").write_text("from .nothere import Y\n")
    runs = [sys.executable, "-c", "import pkg.portion.deep.mod"]
    assert subprocess.run(runs, cwd=tmp_path, capture_output=True).returncode == 0
    code, out, _ = run("--python", sys.executable, cwd=tmp_path)
    assert code == 1 and reported(out) == {("pkg/portion/deep/bad.py", 1, "DS001")}, out
    assert "'pkg.portion.deep.nothere'" in out


def test_type_only_imports_are_checked_against_typeshed(tmp_path: Path) -> None:
    """Under TYPE_CHECKING, what a type checker reads counts: typeshed's stdlib stubs have
    _typeshed and hashlib's _Hash, which no interpreter has."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "tc"\nversion = "1"\n')
    (tmp_path / "tc.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from hashlib import _Hash\n    from _typeshed import StrPath\n    import _typeshed.wsgi\n"
        "    from hashlib import _NoSuchThing\n    import nonexistent_stub_mod\n"
    )
    code, out, _ = run("--python", sys.executable, cwd=tmp_path)
    assert code == 0 and reported(out) == {("tc.py", 6, "DS005"), ("tc.py", 7, "DS005")}, out


REACH = FIXTURES / "check" / "reach"


def test_a_module_inherits_how_it_is_imported() -> None:
    """Optional by reachability: a module imported only on Windows, only where its failure is
    caught, or only for a type checker, makes its own imports so; a module nothing imports, or
    that only its own cycle imports, is reached."""
    code, out, _ = run("--python", sys.executable, cwd=REACH)
    assert reported(out) == expected_findings(REACH), out
    assert code == 1


def test_on_windows_the_windows_module_is_reached() -> None:
    out = run("--python", sys.executable, "--platform", "win32", cwd=REACH)[1]
    assert ("pkg/_win.py", 4, "DS001") in reported(out), out


OPTIONAL_DEPS = FIXTURES / "check" / "optional-deps"


def test_a_module_of_a_dependency_not_installed_says_which_declaration_it_comes_from(environment: str) -> None:
    """DS006 (a warning) where the project asks for the distribution only in an extra, a group
    or for other environments; DS001, naming the declaration, where it should be installed."""
    code, out, _ = run("--python", environment, cwd=OPTIONAL_DEPS)
    assert reported(out) == expected_findings(OPTIONAL_DEPS), out
    assert code == 1  # the DS001s; a DS006 alone would not fail the check
    assert "DS006 [warning] module 'h2' not found: it comes from 'h2', an optional dependency (extra 'http2')" in out
    assert "'pytest_absent_plugin' not found: it comes from 'pytest-absent-plugin', an optional dependency (dep" in out
    assert """'win32api' not found: it comes from 'pywin32', declared only where sys_platform == "win32", not""" in out
    assert "DS001 module 'required_but_absent' not found: it comes from 'required-but-absent', a declared depend" in out


@pytest.mark.parametrize("project", ["optional-deps", "reach"])
def test_the_scan_and_the_check_agree_on_what_is_missing(environment: str, project: str) -> None:
    """A missing module is an error in the scan's report exactly where the check reports a DS001
    for it; the others say why not."""
    root = FIXTURES / "check" / project
    check = json.loads(run("--python", environment, "--format", "json", cwd=root)[1])
    check_errors = {f["module"] for f in check["findings"] if f["severity"] == "error" and f["code"] == "DS001"}
    runner = CliRunner()
    old = os.getcwd()
    try:
        os.chdir(root)
        done = runner.invoke(cli, ["scan", ".", "--python", environment, "--format", "json", "--no-cache"])
    finally:
        os.chdir(old)
    scan = json.loads(done.stdout)
    assert {m["name"] for m in scan["missing"] if m["error"]} == check_errors
    for entry in scan["missing"]:
        assert entry["error"] or entry["excused"], entry


def test_on_windows_a_windows_only_dependency_is_required(environment: str) -> None:
    out = run("--python", environment, "--platform", "win32", "src/app/__init__.py", cwd=OPTIONAL_DEPS)[1]
    assert ("src/app/__init__.py", 8, "DS001") in reported(out), out


def test_an_installed_distribution_s_missing_imports_fail_only_where_import_runs_them(tmp_path: Path) -> None:
    """Checking an installed package: its METADATA's Requires-Dist with an extra marker makes
    an import optional (DS006); what it does not declare at all is a failure (DS001) only where
    `import httpish` runs the import, else an optional feature, a plugin or a test (DS006)."""
    site = tmp_path / "site"
    package = site / "httpish"
    (package / "tests").mkdir(parents=True)
    (package / "__init__.py").write_text("import h2\nimport certifi_absent\nfrom . import core\n")
    (package / "core.py").write_text("import needed_absent\ndef later():\n    import lazy_absent\n")
    (package / "tests" / "test_client.py").write_text("import pytest_absent\nimport httpish.nope\n")
    (package / "plugin.py").write_text("import host_absent\n")
    windows = "import winreg\ndef console():\n    import msvcrt\nfrom json import nope_xyz\n"
    (package / "_windows.py").write_text(windows)
    info = site / "httpish-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: httpish\nVersion: 2.0\nProvides-Extra: http2\n"
        'Requires-Dist: certifi-absent\nRequires-Dist: h2<5,>=3; extra == "http2"\n'
    )
    (info / "RECORD").write_text("httpish/__init__.py,,\n")
    (info / "top_level.txt").write_text("httpish\n")
    out = run("--path", str(site), str(package), cwd=tmp_path)[1]
    assert reported(out) == {
        ("site/httpish/__init__.py", 1, "DS006"),
        ("site/httpish/__init__.py", 2, "DS001"),  # required, and not installed: a broken environment
        ("site/httpish/core.py", 1, "DS001"),  # undeclared, and `import httpish` runs it
        ("site/httpish/core.py", 3, "DS006"),  # in a function
        ("site/httpish/tests/test_client.py", 1, "DS006"),  # a test: no metadata declares what it needs
        ("site/httpish/tests/test_client.py", 2, "DS001"),  # its own module: a real failure
        ("site/httpish/plugin.py", 1, "DS006"),  # a plugin for its host, which nothing imports
        ("site/httpish/_windows.py", 1, "DS006"),  # Windows' stdlib, where `import httpish` does not go
        ("site/httpish/_windows.py", 3, "DS006"),
        ("site/httpish/_windows.py", 4, "DS001"),  # a name this Python's json lacks: not another platform's
    }, out
    assert "'winreg' not found: a standard library module of other platforms, which 'httpish' imports" in out
    assert "an optional dependency (extra 'http2')" in out
    assert "'host_absent' not found: 'httpish' does not declare it, and imports it only in a module `import h" in out
    # Checked alone, a module's place in the package cannot be told: every failure is one.
    alone = run("--path", str(site), str(package / "plugin.py"), cwd=tmp_path)[1]
    assert reported(alone) == {("site/httpish/plugin.py", 1, "DS001")}, alone


def test_a_portion_of_a_namespace_package_is_judged_by_its_own_distribution(tmp_path: Path) -> None:
    """fixtures/check/nsdist/site: ns.alpha and aaa-ns-beta both install under the namespace
    package ns (as google-auth, google-api-core and protobuf do under google). ns/alpha's files
    belong to ns.alpha, whose RECORD lists them (not to the first distribution with top-level ns),
    so its extra declares jwtish; and `import ns.alpha` is what loads its modules, so what it does
    not declare is a failure only where that runs it."""
    shutil.copytree(FIXTURES / "check" / "nsdist", tmp_path / "nsdist")
    root = tmp_path / "nsdist"
    out = run("--path", str(root / "site"), str(root / "site" / "ns" / "alpha"), cwd=root)[1]
    assert reported(out) == {
        ("site/ns/alpha/core.py", 1, "DS001"),  # `import ns.alpha` runs it: a real failure
        ("site/ns/alpha/core.py", 5, "DS006"),  # in a function
        ("site/ns/alpha/token.py", 1, "DS006"),  # extra 'jwt' of ns.alpha
        ("site/ns/alpha/_legacy.py", 1, "DS006"),  # a module `import ns.alpha` does not load
    }, out
    assert "an optional dependency (extra 'jwt')" in out
    assert "imports it only in a module `import ns.alpha` does not load" in out
    # The oracle: importing the package fails on core's import, and only on it.
    done = subprocess.run(
        [sys.executable, "-B", "-I", "-c", "import sys; sys.path.insert(0, 'site'); import ns.alpha"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert "No module named 'needed_absent'" in done.stderr, done.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="the fixture's platform-specific names are Linux's absences")
def test_names_of_other_platforms_under_a_test_depscan_cannot_read_are_not_errors(tmp_path: Path) -> None:
    """fixtures/check/otherplatforms: under ``if platformType == "win32":`` (a value from a
    function call), what only other platforms' standard library has (``_winapi``; names its
    typeshed stubs bind under ``sys.platform == "win32"``: ``errno.WSAEWOULDBLOCK``,
    ``ctypes.WinDLL``, ``socket.errorTab``) is not an error; what no platform has is, and so is
    what the module imports on every platform. The scan says why it is excused."""
    shutil.copytree(FIXTURES / "check" / "otherplatforms", tmp_path / "tw")
    root = tmp_path / "tw"
    out = run(cwd=root)[1]
    assert reported(out) == {
        ("tw/net.py", 10, "DS001"),  # errno.EWOULDBLOKC: no platform's
        ("tw/net.py", 11, "DS001"),  # not_a_module_of_any_platform
        ("tw/net.py", 16, "DS001"),  # errno.WSAECONNRESET, on every platform
        ("tw/net.py", 17, "DS001"),  # winreg, on every platform
    }, out
    # The oracle: on this platform each of them is absent indeed.
    import ctypes
    import errno
    import socket

    assert not any(hasattr(m, n) for m, n in [(errno, "WSAEWOULDBLOCK"), (ctypes, "WinDLL"), (socket, "errorTab")])
    assert importlib.util.find_spec("_winapi") is None and "_winapi" in sys.stdlib_module_names
    document = json.loads(
        CliRunner()
        .invoke(cli, ["scan", "--python", sys.executable, "--no-cache", "--format", "json", str(root / "tw")])
        .output
    )
    excused = {m["name"]: m["excused"] for m in document["missing"]}
    assert excused["errno.WSAEWOULDBLOCK"] == excused["_winapi"] == excused["socket.errorTab"]
    assert "of other platforms' standard library" in excused["ctypes.WinDLL"]
    assert excused["errno.EWOULDBLOKC"] is None and excused["winreg"] is None
    assert excused["_typeshed"] == "it is not imported where the code runs"


# Modules of Linux's standard library that a build leaves out when a library is missing as it is
# compiled (CPython's docs: "Availability: Unix", or every platform).
_OPTIONAL_LINUX_MODULES = ("_dbm", "_gdbm", "readline", "_curses", "_lzma", "_bz2", "_sqlite3", "_uuid", "_ctypes")


@pytest.mark.skipif(sys.platform != "linux", reason="the modules are Linux's")
def test_a_module_of_this_platform_that_the_build_lacks_is_an_error_under_a_test_depscan_cannot_read(
    tmp_path: Path,
) -> None:
    """The excuse of other platforms' standard library is for a module of other platforms only: a
    module of Linux's that this interpreter was built without fails on Linux wherever the test
    around its import is true (here, when a variable of the environment is set)."""
    lacking = [
        m for m in _OPTIONAL_LINUX_MODULES if m in sys.stdlib_module_names and importlib.util.find_spec(m) is None
    ]
    if not lacking:
        pytest.skip("this interpreter has every module the test could use")
    module = lacking[0]
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1"\n')
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "__init__.py").write_text("")
    (tmp_path / "p" / "store.py").write_text(
        f"import os\n\nFAST = os.environ.get('FAST') == '1'\n\nif FAST:\n    import {module}\n"
        f"if FAST:\n    from {module} import open\n"
    )
    out = run(cwd=tmp_path)[1]
    assert reported(out) == {("p/store.py", 6, "DS001"), ("p/store.py", 8, "DS001")}, out
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, cwd=tmp_path)
    assert done.returncode == 1 and b"ModuleNotFoundError" in done.stderr  # the oracle: it fails here


def test_a_project_that_declares_nothing_gets_no_dependency_findings(tmp_path: Path, environment: str) -> None:
    (tmp_path / "script.py").write_text("import undeclared_mod\n")
    assert run("--python", environment, cwd=tmp_path)[:2] == (0, "")


def test_depscan_checks_itself_clean() -> None:
    """depscan's own tree, as its pyproject.toml configures the check."""
    code, out, err = run(cwd=FIXTURES.parent)
    assert (code, out) == (0, ""), out + err


def test_scripts_of_one_name_are_each_checked(tmp_path: Path) -> None:
    for directory in ("a", "b"):
        (tmp_path / directory).mkdir()
        (tmp_path / directory / "test_x.py").write_text(f"import missing_in_{directory}\n")
    (tmp_path / "b" / "types.py").write_text("import missing_in_types\n")  # named like a stdlib module
    (tmp_path / "b" / "user.py").write_text("import types\ntypes.SimpleNamespace\n")
    assert reported(run(cwd=tmp_path)[1]) == {
        ("a/test_x.py", 1, "DS001"),
        ("b/test_x.py", 1, "DS001"),
        ("b/types.py", 1, "DS001"),
    }


def test_the_cache_gives_the_same_findings(tmp_path: Path, project: Path) -> None:
    cache = tmp_path / "cache"
    (project / "src" / "proj" / "__init__.py").touch()  # too fresh to store whole answers: files are read
    first = run("--cache-dir", str(cache), "--format", "json", cwd=project)[1]
    second = run("--cache-dir", str(cache), "--format", "json", cwd=project)[1]
    one, two = json.loads(first), json.loads(second)
    assert (one["summary"]["cached"], two["summary"]["cached"]) == (0, 7)
    assert one["findings"] == two["findings"]
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    core = project / "src" / "proj" / "core.py"
    core.write_text(core.read_text().replace("import definitely_missing_mod", "import os as definitely_missing_mod"))
    third = json.loads(run("--cache-dir", str(cache), "--format", "json", cwd=project)[1])
    assert third["summary"]["cached"] == 6
    assert ("src/proj/core.py", 5) not in {(f["path"], f["line"]) for f in third["findings"]}


def test_the_default_cache_lives_in_the_project(project: Path) -> None:
    runner = CliRunner()
    old = os.getcwd()
    try:
        os.chdir(project)
        runner.invoke(cli, ["check", "--python", sys.executable], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert (project / ".depscan_cache" / "extractions.sqlite3").exists()


@pytest.mark.parametrize(
    ("cores", "load", "chosen"), [(2, 0.3, 2), (2, 0.99, 2), (2, 1.2, 1), (8, 3.7, 5), (2, 5.0, 1)]
)
def test_busy_cores_are_not_counted(monkeypatch: pytest.MonkeyPatch, cores: int, load: float, chosen: int) -> None:
    """By default one process per core that other work does not keep busy (the load average)."""
    from depscan.perf import parallel

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, 0.0, 0.0))
    assert parallel._usable_cores() == chosen


def test_many_files_are_extracted_over_processes(tmp_path: Path) -> None:
    """Past the threshold the work is split; the findings are the same as in one process."""
    from depscan.perf.parallel import PARALLEL_BYTES

    filler = "x = 1\n" * 2000
    count = PARALLEL_BYTES // len(filler) + 2
    for number in range(count):
        (tmp_path / f"mod_{number}.py").write_text(f"import missing_{number % 7}\n" + filler)
    parallel = json.loads(run("--format", "json", "-j", "2", cwd=tmp_path)[1])
    serial = json.loads(run("--format", "json", "-j", "1", cwd=tmp_path)[1])
    assert serial["summary"]["processes"] == 1
    assert (parallel["summary"]["processes"] == 2) == (sys.platform != "win32")
    assert parallel["findings"] == serial["findings"] and len(serial["findings"]) == count
    # With a cache, the workers make its rows: a second run (with -j 1, so not the stored
    # answer) reads every file from it, and finds the same.
    cache = str(tmp_path / "cache")
    _age(tmp_path)  # old enough for their stats to be trusted
    first = json.loads(run("--format", "json", "--cache-dir", cache, "-j", "2", cwd=tmp_path)[1])
    assert (first["summary"]["cached"], first["summary"]["processes"]) == (0, parallel["summary"]["processes"])
    second = json.loads(run("--format", "json", "--cache-dir", cache, "-j", "1", cwd=tmp_path)[1])
    assert second["summary"]["cached"] == count and "answer" not in second["summary"]
    assert first["findings"] == second["findings"] == serial["findings"]


def _age(tree: Path, seconds: float = 60) -> None:
    """Make every file and directory of ``tree`` look ``seconds`` old (fresh ones are never trusted)."""
    past = time.time() - seconds
    for path in [tree, *tree.rglob("*")]:
        os.utime(path, (past, past))


def test_an_unchanged_tree_gets_the_stored_answer(project: Path, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    _age(project)
    first = json.loads(run("--cache-dir", cache, "--format", "json", cwd=project)[1])
    second = json.loads(run("--cache-dir", cache, "--format", "json", cwd=project)[1])
    assert "answer" not in first["summary"] and second["summary"]["answer"] == "stored"
    assert first["findings"] == second["findings"]
    code, out, err = run("--cache-dir", cache, cwd=project)  # another format: another answer
    assert code == 1 and "depscan check: 14 findings" in err
    assert run("--cache-dir", cache, cwd=project)[1] == out


@pytest.mark.parametrize(
    "change",
    [
        "edit a checked file",
        "add the missing module on the path",
        "add a name to a module read for its names",
        "change the configuration",
    ],
)
def test_a_change_is_seen_through_the_stored_answer(project: Path, tmp_path: Path, change: str) -> None:
    cache = str(tmp_path / "cache")
    _age(project)
    before = reported(run("--cache-dir", cache, cwd=project)[1])
    assert reported(run("--cache-dir", cache, cwd=project)[1]) == before  # stored now
    core = project / "src" / "proj" / "core.py"
    if change == "edit a checked file":
        core.write_text(
            core.read_text().replace("import definitely_missing_mod", "import os as definitely_missing_mod")
        )
        gone = ("src/proj/core.py", 5, "DS001")
    elif change == "add the missing module on the path":
        (project / "src" / "definitely_missing_mod.py").write_text("")
        gone = ("src/proj/core.py", 5, "DS001")
    elif change == "add a name to a module read for its names":
        (project / "src" / "proj" / "helpers.py").write_text("real_name = no_such_name = 1\n")
        gone = ("src/proj/core.py", 7, "DS001")
    else:
        config = project / "pyproject.toml"
        config.write_text(config.read_text().replace('ignore-missing = ["ignored_pkg"]', 'ignore-missing = ["alt_*"]'))
        gone = ("src/proj/core.py", 22, "DS001")
    after = reported(run("--cache-dir", cache, cwd=project)[1])
    assert gone in before and gone not in after


def test_a_fresh_tree_is_not_stored(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (project / "src" / "proj" / "helpers.py").write_text("real_name = 1\n")  # written just now
    run("--cache-dir", str(cache), cwd=project)
    assert not list((cache / "runs").glob("*.run"))


def test_stdlib_names_come_from_the_tables_and_nothing_is_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The names of the standard library's modules, for every command: the tables' ``dir()``; no
    interpreter is run for them (a name that is made at run time, ssl's enums, is there)."""
    import subprocess

    from depscan.analysis.names import StdlibNames

    def no_subprocess(*args: object, **kwargs: object) -> None:
        raise AssertionError("an interpreter was run")

    monkeypatch.setattr(subprocess, "run", no_subprocess)
    names = StdlibNames(describe(sys.executable), ["linux"])
    ssl, complete = names.names("ssl")
    assert "VerifyMode" in ssl and complete
    assert names.names("this") == (frozenset(), False)  # never imported where the tables were made: it prints
    os_names, complete = StdlibNames(describe(sys.executable), ["linux", "win32"]).names("os")
    assert "path" in os_names and not complete  # Linux's table cannot tell what win32's os lacks


def test_a_file_changed_while_the_check_ran_keeps_the_answer_from_being_stored() -> None:
    from depscan.perf.runcache import FRESH_NS, too_fresh

    started = time.time_ns()
    old = [started - 10 * FRESH_NS, 1]
    assert not too_fresh([("a.py", old)], started)
    assert too_fresh([("a.py", old), ("b.py", [started + 1, 1])], started)  # written during the run
    assert too_fresh([("a.py", [started - FRESH_NS // 2, 1])], started)  # just before it
    assert not too_fresh([("gone.py", None)], started)


def test_a_change_to_the_requirements_is_seen_through_the_stored_answer(tmp_path: Path, environment: str) -> None:
    """The requirements files are part of the witness: one added, and one edited."""
    project = tmp_path / "reqs"
    project.mkdir()
    (project / "app.py").write_text("import undeclared_mod\n")
    (project / "requirements.txt").write_text("declared-used\n")
    (project / "pyproject.toml").write_text("[tool.depscan]\n")
    _age(project)
    _age(Path(environment).parent.parent)  # the target environment, made just now: too fresh to trust
    cache = str(tmp_path / "cache")

    answers: list[str | None] = []

    def codes() -> set[str]:
        document = json.loads(run("--python", environment, "--cache-dir", cache, "--format", "json", cwd=project)[1])
        answers.append(document["summary"].get("answer"))
        return {finding["code"] for finding in document["findings"]}

    def stored() -> bool:
        return answers[-1] == "stored"

    assert "DS002" in codes()
    assert "DS002" in codes() and stored()
    (project / "requirements-dev.txt").write_text("undeclared-dist\n")
    assert "DS002" not in codes()
    _age(project)
    assert "DS002" not in codes()  # stored now, no longer too fresh
    assert "DS002" not in codes() and stored()
    info = (project / "requirements-dev.txt").stat()
    (project / "requirements-dev.txt").write_text("undeclared-xxxx\n")  # the same size
    past = info.st_mtime - 30
    os.utime(project / "requirements-dev.txt", (past, past))
    assert "DS002" in codes()


def test_a_stored_answer_is_given_without_the_checker(project: Path, tmp_path: Path) -> None:
    """A warm run is mostly start-up: the stored answer needs neither the checker nor the extractor."""
    import subprocess

    cache = str(tmp_path / "cache")
    _age(project)
    run("--cache-dir", cache, cwd=project)
    code, out, _ = run("--cache-dir", cache, cwd=project)
    probe_modules = (
        "import atexit, sys\n"
        "from depscan.cli import main\n"
        "atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith('depscan')), file=sys.stderr))\n"
        "main(sys.argv[1:])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe_modules, "check", "--python", sys.executable, "--cache-dir", cache],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout) == (code, out)
    loaded = done.stderr.strip().splitlines()[-1]
    for heavy in (
        "depscan.analysis.check",
        "depscan.extract.walker",
        "depscan.analysis.scan",
        "depscan.resolve.resolver",
        "depscan.analysis.distributions",
    ):
        assert f"'{heavy}'" not in loaded, loaded


_TAKES_NAMES = {
    "pkg/__init__.py": (
        "from pkg.base import *\nfrom pkg.base import __all__ as _base_all\n__all__ = ['top'] + _base_all\ntop = 1\n"
    ),
    "pkg/base.py": (
        "from pkg.deeper import *\nfrom pkg import deeper\n__all__ = ['Base'] + deeper.__all__\nclass Base: ...\n"
    ),
    "pkg/deeper.py": "__all__ = ['Deep']\nclass Deep: ...\n",
    "pkg/users.py": (
        "from pkg import top, Base, Deep, nope_a\nfrom pkg.base import Base, nope_b\nfrom pkg.sub import *\n"
    ),
    "pkg/sub/__init__.py": "from pkg.sub.inner import thing, nope_c\n",
    "pkg/sub/inner.py": "import definitely_missing_x\nthing = 1\n",
    "tool.py": "from pkg.users import Base, nope_d\nfrom pkg.sub import thing\n",
}


def _counting(read: list[str]) -> Callable[[str, str | None, bool | None, int | None], Extraction]:
    """The scan's ``extract_file``, noting in ``read`` each path the scan reads itself."""

    def counted(path: str, module: str | None, is_package: bool | None, max_bytes: int | None) -> Extraction:
        read.append(path)
        return extract_file(path, module, is_package, max_bytes)

    return counted


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_roots_scanned_as_their_extractions_come_are_scanned_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """The check scans each file while others are still being parsed, once the files it takes
    names from are in: the findings are those of scanning them all at the end, and no file is
    read twice (the scan would read a module it takes names from itself, were it not in yet)."""
    import depscan.analysis.scan as scan_module
    import depscan.perf.parallel as parallel

    for relative, text in _TAKES_NAMES.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 1)
    monkeypatch.setattr(parallel, "CHUNK_FILES", 1)  # a chunk for each file: many moments to scan at
    read: list[str] = []
    monkeypatch.setattr(scan_module, "extract_file", _counting(read))
    early = json.loads(run("--format", "json", "-j", jobs, cwd=tmp_path)[1])
    assert [p for p in read if str(tmp_path) in p] == []
    scanned_now: list[str] = []
    monkeypatch.setattr(scan_module.Scanner, "scan_now", lambda self, name: scanned_now.append(name))
    at_the_end = json.loads(run("--format", "json", "-j", jobs, cwd=tmp_path)[1])
    assert scanned_now  # the early scan was asked to, and left it all to the run
    assert early["findings"] == at_the_end["findings"]
    missing = {(f["path"], f["line"], f["message"].split("'")[1]) for f in early["findings"] if f["code"] == "DS001"}
    assert missing == {
        ("pkg/users.py", 1, "pkg.nope_a"),
        ("pkg/users.py", 2, "pkg.base.nope_b"),
        ("pkg/sub/__init__.py", 1, "pkg.sub.inner.nope_c"),
        ("pkg/sub/inner.py", 1, "definitely_missing_x"),
        ("tool.py", 1, "pkg.users.nope_d"),
    }


def test_a_root_waits_for_the_roots_it_takes_names_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks come in an order where ``pkg.users`` (``from pkg import ...``, ``from pkg.sub
    import *``) arrives first, then ``pkg`` (whose names come from ``pkg.base`` by a star
    import), then ``pkg.base`` (from ``pkg.deeper``), then the rest: each is scanned only
    when the whole chain it takes names from is in."""
    import depscan.analysis.scan as scan_module
    from depscan.analysis.scan import Scanner, ScanOptions
    from depscan.perf.early import _EarlyScan
    from depscan.resolve.resolver import Resolver, build_search_path

    for relative, text in _TAKES_NAMES.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    read: list[str] = []
    monkeypatch.setattr(scan_module, "extract_file", _counting(read))
    interp = describe(sys.executable)
    scanner = Scanner(interp, Resolver(interp, build_search_path(interp, [str(tmp_path)])), ScanOptions(max_depth=0))
    names = {
        "pkg/__init__.py": "pkg",
        "pkg/base.py": "pkg.base",
        "pkg/deeper.py": "pkg.deeper",
        "pkg/users.py": "pkg.users",
        "pkg/sub/__init__.py": "pkg.sub",
        "pkg/sub/inner.py": "pkg.sub.inner",
    }
    keys = {
        name: (str(tmp_path / relative), name, relative.endswith("__init__.py")) for relative, name in names.items()
    }
    for path, name, _ in keys.values():
        scanner.add_file(path, name)
    early = _EarlyScan(scanner, {key: name for name, key in keys.items()})

    def arrive(*arriving: str) -> set[str]:
        chunk = [keys[name] for name in arriving]
        early(chunk, [(extract_file(*key), None) for key in chunk])
        return set(scanner.scanned)

    assert arrive("pkg.users") == set()  # takes names from pkg, not in yet
    assert arrive("pkg") == set()  # pkg's names come from pkg.base: not in
    assert arrive("pkg.base") == set()  # pkg.base's own come from pkg.deeper
    assert arrive("pkg.deeper") == {"pkg", "pkg.base", "pkg.deeper"}  # pkg.users: pkg.sub is not in
    assert arrive("pkg.sub") == {"pkg", "pkg.base", "pkg.deeper", "pkg.users"}  # pkg.sub: pkg.sub.inner
    assert arrive("pkg.sub.inner") == set(names.values())
    assert read == []  # no module was read by the scan itself
    result = scanner.run()
    assert {name for name in result.missing if name.startswith("pkg")} == {
        "pkg.nope_a",
        "pkg.base.nope_b",
        "pkg.sub.inner.nope_c",
    }


def test_a_second_run_parses_nothing_even_scripts_renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scripts of one name (conftest.py here and there) are checked under names of their own,
    after the walk extracted them under the plain one: both are stored, so a second run (the
    whole answer not stored: another format) reads every file from the cache."""
    import depscan.perf.cache as cache_module

    for relative in ("a/conftest.py", "b/conftest.py", "c/conftest.py", "main.py"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("import os\nimport missing_here\n")
    _age(tmp_path)
    parsed: list[str] = []
    extract_data = cache_module._extract_data

    def counted(data: bytes, module: str, is_package: bool, path: str) -> object:
        parsed.append(module)
        return extract_data(data, module, is_package, path)

    monkeypatch.setattr(cache_module, "_extract_data", counted)
    cache = str(tmp_path / "cache")
    first = json.loads(run("--format", "json", "--cache-dir", cache, "-j", "2", cwd=tmp_path)[1])
    assert len(first["findings"]) == 4 and any("@" in module for module in parsed)
    parsed.clear()
    second = json.loads(run("--format", "sarif", "--cache-dir", cache, cwd=tmp_path)[1])
    assert len(second["runs"][0]["results"]) == 4
    assert parsed == []


def test_a_cache_that_cannot_be_opened_is_not_fed(tmp_path: Path) -> None:
    from depscan.perf.early import begin
    from depscan.perf.parallel import extract_chunk

    (tmp_path / "m.py").write_text("import os\n")
    (tmp_path / "cache").write_text("a file where the cache directory would be")
    begun = begin(CheckSettings(root=str(tmp_path)), cache_dir=str(tmp_path / "cache"))
    try:
        assert not begun.cache.enabled
        assert begun.extractor.work is extract_chunk and begun.extractor.lookup is None  # nothing hashed
    finally:
        begun.close()


@pytest.mark.parametrize(
    ("pyproject", "requirements", "expected"),
    [
        pytest.param(
            '[project]\nname = "x"\nversion = "1"\ndependencies = "requests"\n',
            None,
            [("pyproject.toml", 1, "[project.dependencies]: not an array of requirement strings")],
            id="dependencies-not-a-list",
        ),
        pytest.param(
            '[project]\nname = "x"\nversion = "1"\n[project.optional-dependencies]\ndev = 3\n',
            None,
            [("pyproject.toml", 1, "[project.optional-dependencies.dev]: not an array of requirement strings")],
            id="extra-not-a-list",
        ),
        pytest.param(
            '[project]\nname = "x"\nversion = "1"\n',
            "requests\n-r ../../../../etc/passwd\n",
            [("requirements.txt", 2, "-r ../../../../etc/passwd: outside the project, not read")],
            id="include-outside-the-project",
        ),
        pytest.param(  # it was said at "requirements.txt:2:1:1", in JSON a path "requirements.txt:2"
            '[project]\nname = "x"\nversion = "1"\n',
            b"requests\nclick\xff\n",
            [("requirements.txt", 2, "not UTF-8 (invalid start byte); file skipped")],
            id="requirements-not-utf-8",
        ),
    ],
)
def test_a_declaration_that_cannot_be_understood_is_said_where_it_is(
    tmp_path: Path, pyproject: str, requirements: str | bytes | None, expected: list[tuple[str, int, str]]
) -> None:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    if isinstance(requirements, bytes):
        (tmp_path / "requirements.txt").write_bytes(requirements)
    elif requirements is not None:
        (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / "m.py").write_text("import os\n")
    code, out, _ = run(cwd=tmp_path)
    assert code == 0  # a warning by default: the imports are fine
    placed = [re.fullmatch(r"([^:]+):(\d+):(\d+): DS004 \[warning\] (.*)", line) for line in out.splitlines()]
    said = [(m.group(1), int(m.group(2)), m.group(4)) for m in placed if m is not None]
    assert said == expected, out


def test_a_link_to_a_file_outside_the_tree_is_not_read(tmp_path: Path) -> None:
    """`leak.py -> ~/secret/conf.py` committed to a repository: its imports never reach the CI log."""
    outside = tmp_path / "secret" / "conf.py"
    outside.parent.mkdir()
    outside.write_text("import s3cr3t_module_name\n")
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[project]\nname = "r"\nversion = "1"\n')
    (repo / "pkg" / "__init__.py").write_text("")
    (repo / "pkg" / "own.py").write_text("import missing_but_ours\n")
    (repo / "pkg" / "leak.py").symlink_to(outside)
    (repo / "pkg" / "alias.py").symlink_to(repo / "pkg" / "own.py")  # a link inside the tree is the tree's
    code, out, _ = run(cwd=repo)
    assert code == 1
    assert "s3cr3t_module_name" not in out
    assert "pkg/own.py" in out and "pkg/alias.py" in out


def test_a_file_name_cannot_forge_a_line_of_the_report(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "r"\nversion = "1"\n')
    (tmp_path / "a\nforged.py:1:1: DS001 module 'x' not found\n.py").write_text("import missing_here\n")
    code, out, _ = run(cwd=tmp_path)
    assert code == 1
    [line] = out.splitlines()  # one finding, one line
    assert line.startswith("a\\x0aforged.py:1:1: DS001 module 'x' not found\\x0a.py:1:1: DS001 ")


def test_suppression_comments_are_on_the_lines_the_parser_counts(tmp_path: Path) -> None:
    """A form feed is no line break to the parser (nor to the findings' line numbers), whatever
    str.splitlines thinks: the comment on the finding's line silences it."""
    source = (
        b"import os\r\n\x0c\r\n"
        b"import missing_one  # depscan: ignore\r\n"
        b"\x0c# a page\n"
        b"import missing_two  # DEPSCAN: IGNORE[missing-module]\n"
        b"import missing_three  # depscan: ignore[DS020]\n"
    )
    (tmp_path / "mod.py").write_bytes(source)
    status, out, _ = run("--format", "json", "mod.py", cwd=tmp_path)
    found = [(f["module"], f["line"]) for f in json.loads(out)["findings"]]
    assert found == [("missing_three", 6)] and status == 1


def test_an_answer_is_updated_when_only_checked_files_changed_and_not_their_interface(tmp_path: Path) -> None:
    """After an edit that moves or silences findings but changes nothing another module or the
    graph could see, the stored answer is updated by reading only the changed files; any other
    edit is a whole check. Each answer is the one a whole check gives."""
    project = tmp_path / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "t"\nversion = "0"\n')
    (project / "pkg" / "__init__.py").write_text("")
    files = {
        "a": "import os\nimport missing_a\nfrom pkg import b\nfrom pkg.b import X\n\n\ndef f():\n    return 1\n",
        "b": (
            "X = 1\ntry:\n    import json\nexcept ImportError:\n    import missing_b\n"
            "import missing_c  # depscan: ignore[DS020]\n"
        ),
    }
    cache = str(tmp_path / "cache")

    def write(name: str, text: str) -> None:
        files[name] = text
        path = project / "pkg" / f"{name}.py"
        path.write_text(text)
        past = time.time() - 60  # old enough to be trusted (the directory is left alone)
        os.utime(path, (past, past))

    def answer() -> tuple[str | None, list[dict[str, object]]]:
        got = json.loads(run("--cache-dir", cache, "--format", "json", cwd=project)[1])
        whole = json.loads(run("--format", "json", cwd=project)[1])
        assert got["findings"] == whole["findings"]
        return got["summary"].get("answer"), got["findings"]

    for name, text in files.items():
        write(name, text)
    _age(project)
    assert answer()[0] is None and answer()[0] == "stored"
    write("a", "# moved\n# down\n" + files["a"].replace("return 1", "return 2  # a body"))
    how, findings = answer()
    assert how == "updated" and [(f["module"], f["line"]) for f in findings] == [("missing_a", 4), ("missing_c", 6)]
    write("b", files["b"].replace("[DS020]", ""))  # the comment now silences every code
    how, findings = answer()
    assert how == "updated" and [f["module"] for f in findings] == ["missing_a"]
    write("a", "\n" + files["a"])  # updated from an updated answer
    how, findings = answer()
    assert how == "updated" and [(f["module"], f["line"]) for f in findings] == [("missing_a", 5)]
    write("a", files["a"] + "import missing_d\n")  # a new import: a whole check
    assert answer()[0] is None
    write("b", files["b"].replace("X = 1", "Y = 1"))  # a name others import is gone
    how, findings = answer()
    assert how is None and "pkg.b.X" in [f["module"] for f in findings]
    write("b", "X = (\n")  # a syntax error
    how, findings = answer()
    assert how is None and "DS010" in [f["code"] for f in findings]
