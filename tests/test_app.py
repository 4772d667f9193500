"""One application layer: every command reads the project's settings the same way, takes the same
target options, and says usage errors the same way (exit status 2)."""

from __future__ import annotations

import json
import os
import sys
import time
import venv
from pathlib import Path

import pytest
from click.testing import CliRunner

from depscan.cli import cli


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose [tool.depscan] decides what is found and what is live:
    ``helper`` is only on the configured ``paths``, ``libmod`` only in the configured
    ``source-roots``; ``old_only`` is imported for Python < 3.9 only, ``nt_only`` on win32 only."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.depscan]\npaths = ["vendor"]\nsource-roots = ["lib"]\npython-version = "3.8"\nplatforms = ["win32"]\n'
    )
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "helper.py").write_text("")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "libmod.py").write_text("")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text(
        "import sys\n"
        "import helper\n"
        "import libmod\n"
        "if sys.version_info < (3, 9):\n"
        "    import old_only\n"
        'if sys.platform == "win32":\n'
        "    import nt_only\n"
    )
    return tmp_path


def _missing(scan_json: str) -> set[str]:
    document = json.loads(scan_json)
    return {entry["name"] for entry in document["missing"]}


def test_scan_honours_the_project_configuration(project: Path) -> None:
    """paths and source-roots put helper and libmod on the search path; python-version 3.8 and
    platform win32 make the guarded imports live (so, not found here, missing)."""
    code, out, err = run("scan", "app/main.py", "--format", "json", "--no-cache", cwd=project)
    assert code == 0, err
    assert _missing(out) == {"old_only", "nt_only"}
    names = {module["name"] for module in json.loads(out)["modules"]}
    assert {"helper", "libmod"} <= names


def test_without_the_configuration_the_answer_differs(project: Path) -> None:
    """The test above cannot pass by accident: with an empty table, helper and libmod are missing
    and the guarded imports are dead for this interpreter (3.11 on Linux)."""
    (project / "pyproject.toml").write_text("[tool.depscan]\n")
    code, out, _ = run("scan", "app/main.py", "--format", "json", "--no-cache", cwd=project)
    assert code == 0 and _missing(out) == {"helper", "libmod"}


def test_check_and_scan_agree_on_the_project(project: Path) -> None:
    code, out, err = run("check", "--format", "json", "--no-cache", "app/main.py", cwd=project)
    assert code == 1, err
    reported = {f["message"].split("'")[1] for f in json.loads(out)["findings"] if f["code"] == "DS001"}
    assert reported == {"old_only", "nt_only"}


def test_why_and_importers_honour_the_configuration_and_speak_json(project: Path) -> None:
    code, out, err = run("why", "app/main.py", "helper", "--format", "json", "--no-cache", cwd=project)
    assert code == 0, err
    document = json.loads(out)
    assert document["schema"] == "depscan/why" and document["module"] == "helper"
    [chain] = document["chains"]
    assert [hop["module"] for hop in chain] == ["__main__", "helper"]
    assert chain[0]["site"] is None and chain[1]["site"]["line"] == 2
    code, out, err = run("importers", "app/main.py", "libmod", "--format", "json", "--no-cache", cwd=project)
    assert code == 0, err
    document = json.loads(out)
    assert document["schema"] == "depscan/importers"
    assert [(i["module"], [s["line"] for s in i["sites"]]) for i in document["importers"]] == [("__main__", [3])]


def test_why_of_a_module_not_imported_is_status_1(project: Path) -> None:
    code, out, err = run("why", "app/main.py", "json", "--no-cache", cwd=project)
    assert (code, out) == (1, "") and "is not imported by" in err


def test_options_add_to_the_configuration(project: Path) -> None:
    """--python-version adds a version: 3.8 and 3.11 disagree on the guard, which becomes unknown
    (followed, marked conditional) rather than dead or live."""
    code, out, _ = run("scan", "app/main.py", "--python-version", "3.11", "--format", "json", "--no-cache", cwd=project)
    assert code == 0
    document = json.loads(out)
    old = next(entry for entry in document["missing"] if entry["name"] == "old_only")
    assert all(site["conditional"] for site in old["sites"])


def test_python_given_as_a_version_is_depscan_tables(project: Path) -> None:
    code, out, err = run("scan", "app/main.py", "--python", "3.12", "--format", "json", "--no-cache", cwd=project)
    assert code == 0, err
    python = json.loads(out)["python"]
    assert python["executable"] is None and python["version"].startswith("3.12")
    code, out, _ = run("resolve", "tomllib", "distutils", "--python", "3.12", cwd=project)
    assert code == 1 and "distutils" in out  # gone in 3.12: not in its tables
    code, out, _ = run("resolve", "distutils", "--python", "3.11", cwd=project)
    assert code == 0


def test_configured_python_as_a_version(project: Path) -> None:
    with (project / "pyproject.toml").open("a") as handle:
        handle.write('python = "3.12"\n')
    code, out, err = run("scan", "app/main.py", "--format", "json", "--no-cache", cwd=project)
    assert code == 0, err
    assert json.loads(out)["python"]["version"].startswith("3.12")


@pytest.mark.slow
def test_python_names_a_virtual_environment_directory(tmp_path: Path) -> None:
    """``--python .venv``: the directory of a virtual environment, without ./ and without bin/python."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(tmp_path / ".venv")
    (
        tmp_path
        / ".venv"
        / "lib"
        / f"python{sys.version_info[0]}.{sys.version_info[1]}"
        / "site-packages"
        / "only_here.py"
    ).write_text("")
    (tmp_path / "main.py").write_text("import only_here\n")
    code, out, err = run("resolve", "only_here", "--python", ".venv", cwd=tmp_path)
    assert code == 0, err
    assert ".venv" in out


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["check", "--python", "/no/such/python"], id="check-bad-python"),
        pytest.param(["scan", "main.py", "--python", "/no/such/python"], id="scan-bad-python"),
        pytest.param(["why", "main.py", "os", "--python", "/no/such/python"], id="why-bad-python"),
        pytest.param(["resolve", "os", "--python", "/no/such/python"], id="resolve-bad-python"),
        pytest.param(["audit", ".", "--python", "/no/such/python"], id="audit-bad-python"),
        pytest.param(["scan", "main.py", "--python-version", "three"], id="scan-bad-version"),
        pytest.param(["audit", ".", "--python-version", "3"], id="audit-bad-version"),
        pytest.param(["resolve", "os", "--python-version", "3.12"], id="resolve-takes-no-versions"),
    ],
)
def test_usage_errors_exit_2_in_every_command(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "main.py").write_text("import os\n")
    code, out, err = run(*args, cwd=tmp_path)
    assert code == 2, (out, err)
    assert "Traceback" not in err


def test_the_help_says_what_options_mean() -> None:
    code, out, _ = run("check", "--help")
    assert "(repeatable" in out.split("--platform", 1)[1].split("--", 1)[0]
    code, out, _ = run("audit", "--help")
    for capability in ("process", "network", "native", "deserialisation", "filesystem-write", "import-system"):
        assert capability in out
    for command in ("scan", "check", "audit", "why", "importers"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "--python-version X.Y" in out and "runs on" in out.split("--python-version X.Y", 1)[1]


def test_python_as_a_version_is_never_a_directory_of_the_tree(tmp_path: Path) -> None:
    """``--python 3.12`` means depscan's tables, even where the working directory (the analysed
    tree, in CI) holds a ``3.12/`` that looks like a virtual environment; with --probe-python
    nothing of it runs."""
    marker = tmp_path / "MARKER"
    fake = tmp_path / "3.12"
    (fake / "bin").mkdir(parents=True)
    (fake / "bin" / "python").write_text(f"#!/bin/sh\ntouch {marker}\n")
    (fake / "bin" / "python").chmod(0o755)
    (fake / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.12.0\n")
    (tmp_path / "app.py").write_text("import os\n")
    code, out, err = run(
        "scan", "app.py", "--python", "3.12", "--probe-python", "--format", "json", "--no-cache", cwd=tmp_path
    )
    assert code == 0, err
    assert json.loads(out)["python"]["executable"] is None  # the tables
    assert not marker.exists()


# A target that was not just installed (a venv made seconds ago is too fresh to witness an answer).
STABLE = ("--python", "3.11", "--no-pythonpath")


def test_an_edited_configuration_is_not_answered_from_the_store(tmp_path: Path) -> None:
    """The stored answer of a scan holds only while the configuration it read is unchanged."""
    (tmp_path / "pyproject.toml").write_text('[tool.depscan]\nplatforms = ["linux"]\n')
    (tmp_path / "app.py").write_text(
        'import sys\nif sys.platform == "win32":\n    import nt_missing_mod\nelse:\n    import posix_missing_mod\n'
    )
    past = time.time() - 60
    for path in (tmp_path, *tmp_path.iterdir()):
        os.utime(path, (past, past))
    cache = str(tmp_path / "cache")
    for _ in range(2):  # the second answer is the stored one
        code, out, _ = run("scan", "app.py", "--format", "json", "--cache-dir", cache, *STABLE, cwd=tmp_path)
        assert _missing(out) == {"posix_missing_mod"}
    assert list((tmp_path / "cache" / "runs").iterdir())
    (tmp_path / "pyproject.toml").write_text('[tool.depscan]\nplatforms = ["win32"]\n')
    code, out, _ = run("scan", "app.py", "--format", "json", "--cache-dir", cache, *STABLE, cwd=tmp_path)
    assert code == 0 and _missing(out) == {"nt_missing_mod"}


def test_a_configuration_appearing_nearer_the_target_is_not_answered_from_the_store(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "app.py").write_text("import helper\n")
    (tmp_path / "sub" / "vendor").mkdir()
    (tmp_path / "sub" / "vendor" / "helper.py").write_text("")
    past = time.time() - 60
    for path in (tmp_path, *tmp_path.rglob("*")):
        os.utime(path, (past, past))
    cache = str(tmp_path / "cache")
    for _ in range(2):
        code, out, _ = run("scan", "sub/app.py", "--format", "json", "--cache-dir", cache, *STABLE, cwd=tmp_path)
        assert _missing(out) == {"helper"}
    (tmp_path / "sub" / "pyproject.toml").write_text('[tool.depscan]\npaths = ["vendor"]\n')
    code, out, _ = run("scan", "sub/app.py", "--format", "json", "--cache-dir", cache, *STABLE, cwd=tmp_path)
    assert code == 0 and _missing(out) == set()


def test_resolve_searches_the_configured_source_roots(project: Path) -> None:
    code, out, err = run("resolve", "libmod", cwd=project)
    assert code == 0, out + err


def test_a_relative_configured_python_is_relative_to_the_configuration(tmp_path: Path) -> None:
    """``python = ".venv/bin/python"`` names the project's .venv, even when it does not exist and
    the working directory has one."""
    project = tmp_path / "p3"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.depscan]\npython = ".venv/bin/python"\n')
    (project / "main.py").write_text("import os\n")
    elsewhere = tmp_path / "other"
    (elsewhere / ".venv" / "bin").mkdir(parents=True)
    os.symlink(sys.executable, elsewhere / ".venv" / "bin" / "python")
    code, out, err = run("scan", "../p3/main.py", "--no-cache", cwd=elsewhere)
    assert (code, out) == (2, "") and "p3/.venv/bin/python" in err


@pytest.mark.parametrize("value", ["0", "off", "Off", "FALSE", "no"])
def test_the_fast_paths_switch_reads_any_spelling_of_off(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from depscan.app.settings import FAST_PATHS_VARIABLE, Options, settings

    monkeypatch.setenv(FAST_PATHS_VARIABLE, value)
    merged = settings("scan", Options(targets=(str(Path(__file__)),)))
    assert not merged.fast and merged.cache_dir is None
