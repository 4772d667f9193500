"""The command line as a user meets it: help, output formats, exit codes, files."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT
from depscan import __version__
from depscan.cli import cli

EXAMPLE = ROOT / "examples" / "weather"


def run(*args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_help_lists_the_commands() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "imports" in out and "codes" in out


def test_imports_help_explains_the_context_words() -> None:
    code, out, _ = run("imports", "--help")
    assert code == 0
    for word in ("--format", "optional#N", "fallback#N", "--max-file-size", "--output"):
        assert word in out


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_text_report_of_the_example() -> None:
    code, out, err = run("imports", str(EXAMPLE))
    assert code == 0
    assert "weather/api.py  (weather.api)" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["17:5", "tomllib", "import", "tomllib", "if", "sys.version_info", ">=", "(3,", "11)"] in lines
    assert ["12:5", "requests", "import", "requests", "optional#11"] in lines
    assert ["22:5", "weather.cache", "from", ".cache", "import", "Cache", "if", "TYPE_CHECKING"] in lines
    assert any(row[:2] == ["7:12", "?"] and "dynamic" in row for row in lines)
    assert err.strip() == "10 files, 31 imports, 1 dynamic, 0 diagnostics"


def test_json_report() -> None:
    code, out, _ = run("imports", "--format", "json", str(EXAMPLE / "weather" / "cli.py"))
    assert code == 0
    document = json.loads(out)
    assert document["schema"] == "depscan/imports" and document["schema_version"] == 1
    [file] = document["files"]
    assert file["module"] == "weather.cli" and file["is_package"] is False
    call = [r for r in file["imports"] if r["kind"] == "call"]
    assert call[0]["module"] == "weather.display" and call[0]["scope"] == "function"


def test_output_is_deterministic() -> None:
    first = run("imports", "--format", "json", str(FIXTURES / "extract" / "pkg"))
    second = run("imports", "--format", "json", str(FIXTURES / "extract" / "pkg"))
    assert first == second


def test_bad_file_exit_code_and_diagnostic() -> None:
    code, out, err = run("imports", str(FIXTURES / "extract" / "hostile" / "python2.py"))
    assert code == 1
    assert "python2.py:2:1: DS010 syntax error: Missing parentheses" in out
    assert "1 not analysed" in err


def test_missing_file_is_a_diagnostic_not_a_traceback(tmp_path: Path) -> None:
    code, out, _ = run("imports", str(tmp_path / "nope.py"))
    assert code == 1
    assert "DS012 no such file" in out


def test_module_option(tmp_path: Path) -> None:
    file = tmp_path / "loose.py"
    file.write_text("from . import sibling\n")
    code, out, _ = run("imports", "--module", "pkg.loose", str(file))
    assert code == 0
    assert ["1:1", "pkg", "from", ".", "import", "sibling"] in [line.split() for line in out.splitlines()]


def test_module_option_needs_one_file() -> None:
    code, _, err = run("imports", "--module", "x", str(EXAMPLE))
    assert code == 2
    assert "exactly one FILE" in err


def test_empty_directory_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("imports", str(tmp_path))
    assert code == 2
    assert "no Python files" in err


def test_output_file_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    code, out, _ = run("imports", "--format", "json", "-o", str(target), str(EXAMPLE / "main.py"))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["files"][0]["module"] == "main"
    assert sorted(os.listdir(tmp_path)) == ["report.json"]  # no temporary left behind


def test_output_into_missing_directory(tmp_path: Path) -> None:
    code, _, err = run("imports", "-o", str(tmp_path / "no" / "such" / "dir.txt"), str(EXAMPLE / "main.py"))
    assert code == 2  # an output that cannot be written is no finding
    assert "cannot write" in err and "dir.txt" in err
    assert "Traceback" not in err


def test_codes_lists_the_catalogue() -> None:
    code, out, _ = run("codes")
    assert code == 0
    assert "DS010  syntax-error" in out and "DS020  relative-beyond-top" in out
    # One column of names, however long the longest: each summary starts where the others do.
    starts = {len(re.match(r"DS\d+  \S+ +", line).group(0)) for line in out.splitlines()}  # type: ignore[union-attr]
    assert len(starts) == 1, out


@pytest.mark.parametrize("entry", [["-m", "depscan"], ["depscan"]])
def test_installed_entry_points(entry: list[str]) -> None:
    if entry == ["depscan"]:
        exe = Path(sys.executable).with_name("depscan")
        if not exe.exists():
            pytest.skip("depscan script not installed next to this interpreter")
        command = [str(exe)]
    else:
        command = [sys.executable, *entry]
    result = subprocess.run([*command, "imports", str(EXAMPLE / "main.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "weather.cli" in result.stdout


def test_readme_example_is_true() -> None:
    """The console example in the README is what depscan prints."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```console\n", 1)[1].split("```", 1)[0]
    command, *expected = block.splitlines()
    assert command.startswith("$ depscan ")
    args = command.removeprefix("$ depscan ").split()
    result = subprocess.run(
        [sys.executable, "-m", "depscan", *args], capture_output=True, text=True, cwd=ROOT, check=True
    )
    summary = expected.pop()
    assert result.stdout.splitlines() == expected
    assert result.stderr.strip() == summary


# --- depscan resolve ------------------------------------------------------------------


def test_resolve_text_and_exit_code(tmp_path: Path) -> None:
    (tmp_path / "localpkg").mkdir()
    (tmp_path / "localpkg" / "__init__.py").write_text("")
    (tmp_path / "random.py").write_text("")
    code, out, _ = run("resolve", "--path", str(tmp_path), "--no-pythonpath", "localpkg", "json", "sys", "random")
    assert code == 0, out
    assert f"localpkg: package (source), project\n  origin:    {tmp_path / 'localpkg' / '__init__.py'}" in out
    assert "sys: module (builtin), stdlib" in out
    assert "json: package (source), stdlib" in out
    assert "  SHADOWS stdlib module 'random'" in out


def test_resolve_missing_lists_the_search(tmp_path: Path) -> None:
    code, out, _ = run("resolve", "--path", str(tmp_path), "--no-pythonpath", "surely_not_installed_xyz")
    assert code == 1
    assert "surely_not_installed_xyz: NOT FOUND (not found)" in out
    assert f"    {tmp_path}" in out


def test_resolve_json(tmp_path: Path) -> None:
    code, out, _ = run("resolve", "--format", "json", "--path", str(tmp_path), "json.decoder", "nope.sub")
    assert code == 1
    document = json.loads(out)
    assert document["schema"] == "depscan/resolve" and document["schema_version"] == 1
    decoder, missing = document["modules"]
    assert decoder["kind"] == "source" and decoder["path"].endswith("json/decoder.py")
    assert decoder["category"] == "stdlib"
    assert missing["found"] is False and missing["reason"] == "parent package 'nope' is not found"
    assert document["sys_path"][0] == {"path": str(tmp_path), "origin": "path", "category": "project", "added_by": None}


def test_resolve_rejects_non_names() -> None:
    code, _, err = run("resolve", "not-a-name")
    assert code == 2 and "not a dotted module name" in err


def test_resolve_bad_interpreter(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho nonsense\n")
    fake.chmod(0o755)
    code, _, err = run("resolve", "--python", str(fake), "json")
    assert code == 2
    assert "is a script, not a Python interpreter" in err
    code, _, err = run("resolve", "--python", str(fake), "--probe-python", "json")
    assert code == 2
    assert "did not answer like a Python interpreter" in err
    code, _, err = run("resolve", "--python", str(tmp_path / "missing"), "json")
    assert code == 2 and "no Python interpreter at" in err


@pytest.mark.parametrize("version", ["3.8", "3.12", "3.13"])
def test_resolve_with_another_installed_python(version: str) -> None:
    python = Path.home() / ".pyenv" / "versions"
    candidates = sorted(python.glob(f"{version}.*/bin/python{version}"))
    if not candidates:
        pytest.skip(f"no Python {version} installed here")
    code, out, _ = run("resolve", "--python", str(candidates[-1]), "--no-pythonpath", "--format", "json", "json")
    assert code == 0
    document = json.loads(out)
    assert document["python"]["version"].startswith(version + ".")
    assert f"python{version}/json/__init__.py" in document["modules"][0]["path"]


def test_atomic_write_keeps_devices_and_fifos_and_never_writes_through_a_link(tmp_path: Path) -> None:
    from depscan.atomic import write_atomic

    real = tmp_path / "outside" / "bashrc"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "report.txt"  # planted by an analysed repository
    link.symlink_to(real)
    write_atomic(link, "new")
    assert not link.is_symlink() and link.read_text() == "new" and real.read_text() == "old"
    nobody = tmp_path / "unread-pipe"
    os.mkfifo(nobody)
    with pytest.raises(OSError):  # ENXIO at once: no reader, no hang
        write_atomic(nobody, "x")
    # A FIFO stands for every non-regular target, /dev/null included (not written to here:
    # a regression would replace the machine's device with a file).
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_atomic(fifo, "through the pipe")
        assert os.read(reader, 100) == b"through the pipe"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_an_output_name_planted_by_the_tree_is_neither_followed_nor_waited_on(tmp_path: Path) -> None:
    """A repository commits `report.txt -> ~/.bashrc` and a FIFO `report.sarif`; CI runs depscan -o."""
    import subprocess

    outside = tmp_path / "home" / ".bashrc"
    outside.parent.mkdir()
    outside.write_text("echo hello\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text('[project]\nname = "r"\nversion = "1"\n')
    (repo / "m.py").write_text("import not_installed_anywhere\n")
    (repo / "report.txt").symlink_to(outside)
    os.mkfifo(repo / "report.sarif")
    depscan = os.path.join(os.path.dirname(sys.executable), "depscan")
    done = subprocess.run(
        [depscan, "check", "--no-cache", "-o", "report.txt"], cwd=repo, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert outside.read_text() == "echo hello\n"
    assert "not_installed_anywhere" in (repo / "report.txt").read_text()
    done = subprocess.run(
        [depscan, "check", "--no-cache", "--format", "sarif", "-o", "report.sarif"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["chek"], "did you mean 'check'?", id="a-typo-of-a-command"),
        pytest.param(["aduit", "vendor"], "did you mean 'audit'?", id="a-typo-with-arguments"),
        pytest.param(["why", "missing.py", "os"], "does not exist", id="why-of-a-missing-file"),
        pytest.param(["importers", "missing.py", "os"], "does not exist", id="importers-of-a-missing-file"),
    ],
)
def test_usage_errors_say_what_is_wrong_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, _, err = run(*args)
    finally:
        os.chdir(cwd)
    assert code == 2 and message in err


TORN_DOWN = """\
import atexit, sys
from depscan.cli import main
class Kept:  # freed when Python clears this module as it tears itself down
    def __del__(self):
        sys.stderr.write("torn down\\n")
kept = Kept()
atexit.register(lambda: sys.stderr.write("atexit ran\\n"))
main(sys.argv[1:])
"""


@pytest.mark.parametrize("profiled", [False, True], ids=["plain", "profiled"])
def test_the_process_ends_without_the_interpreter_teardown(tmp_path: Path, profiled: bool) -> None:
    """A command ends with its status, its output written and the atexit handlers run, but without
    Python's teardown (what it frees, the process gives back anyway); under a profiler, which writes
    its report as Python exits, Python's own exit is kept."""
    script = tmp_path / "run.py"
    script.write_text(TORN_DOWN)
    profile = tmp_path / "out.prof"
    runner = [sys.executable, "-m", "cProfile", "-o", str(profile)] if profiled else [sys.executable]
    module = tmp_path / "m.py"
    module.write_text("import os\nimport not_there_at_all\n")
    done = subprocess.run(
        [*runner, str(script), "imports", str(module), "--format", "json"], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert [i["module"] for i in json.loads(done.stdout)["files"][0]["imports"]] == ["os", "not_there_at_all"]
    assert "atexit ran" in done.stderr
    assert ("torn down" in done.stderr) == profiled
    assert profile.exists() == profiled
    failing = subprocess.run(
        [sys.executable, str(script), "check", str(module), "--no-cache"], capture_output=True, text=True, cwd=tmp_path
    )
    assert failing.returncode == 1 and "DS001" in failing.stdout and "not_there_at_all" in failing.stdout
    assert "atexit ran" in failing.stderr and "torn down" not in failing.stderr


def test_a_scan_keeps_its_model_only_in_a_process_that_ends_with_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line's scan leaves its model to the end of the process (freeing it is work
    that ``os._exit`` makes needless); a library's caller gets nothing kept from call to call."""
    from depscan.analysis.scan import ScanResult
    from depscan.app.scan import run_scan
    from depscan.app.settings import Options
    from depscan.perf import memory

    (tmp_path / "m.py").write_text("import os\n")
    options = Options(targets=(str(tmp_path / "m.py"),), no_pythonpath=True, no_cache=True)
    monkeypatch.setattr(memory, "_KEPT", None)
    run_scan(options)
    run_scan(options)
    assert memory._KEPT is None
    memory.ending_with_the_command()
    run_scan(options)
    assert memory._KEPT is not None and [type(kept) for kept in memory._KEPT] == [ScanResult]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["imports", "."], id="imports"),
        pytest.param(["scan", "--no-cache", "."], id="scan"),
        pytest.param(["why", "--no-cache", ".", "pkg"], id="why"),
        pytest.param(["importers", "--no-cache", ".", "pkg"], id="importers"),
        pytest.param(["check", "--no-cache"], id="check"),
        pytest.param(["check", "--no-cache", "--format", "github"], id="check-github"),
    ],
)
def test_an_escape_sequence_in_a_file_name_is_not_written_to_a_pipe(tmp_path: Path, args: list[str]) -> None:
    """A text report names files and modules as the tree names them: ``b\\x1b[2Jc.py`` is module
    ``b\\x1b[2Jc``. Written to a terminal or a pipe (a CI log, ``| less -R``), no colour or cursor
    code of such a name comes through: each report shows it escaped (``b\\x1b[2Jc``)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "r"\nversion = "1"\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "ev\x1b[2Jil.py").write_text("import missing_zz_one\n")
    (tmp_path / "b\x1b[31mc.py").write_text("import pkg\nimport missing_zz_two\n")
    (tmp_path / "pkg" / "t\x1b]0;owned\x07.py").write_text("import missing_zz_three\n")  # a window title
    done = subprocess.run(
        [sys.executable, "-m", "depscan", *args], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr
    assert "c.py" in done.stdout or "pkg" in done.stdout
    # Shown as an escape (not stripped, not passed through), there and in the notes.
    assert "\x1b" not in done.stdout and "\x1b" not in done.stderr and "\x07" not in done.stdout
    assert "\\x1b" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["imports", "."], id="imports"),
        pytest.param(["scan", "--no-cache", "."], id="scan"),
        pytest.param(["check", "--no-cache"], id="check"),
        pytest.param(["check", "--no-cache", "--format", "github"], id="check-github"),
        pytest.param(["audit", "--no-cache", "."], id="audit"),
    ],
)
def test_c1_controls_and_bidi_overrides_in_a_file_name_are_escaped(tmp_path: Path, args: list[str]) -> None:
    """U+009B is CSI in one character (xterm acts on it in UTF-8 too: ``\\x9b2J`` clears the
    screen), and U+202E turns the rest of a line right to left on a terminal or a web page of a CI
    log (``x\\u202eyp.py`` shows as ``xpy.py...``: Trojan Source, CVE-2021-42574). Neither is
    printable (``str.isprintable``); both came through raw where ESC did not."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "r"\nversion = "1"\n')
    (tmp_path / "a\x9b2Jb.py").write_text("import missing_zz_one\n")
    (tmp_path / "c\u202ed.py").write_text("import missing_zz_two\n")
    (tmp_path / "e\u2066f.py").write_text("import missing_zz_three\n")
    done = subprocess.run(
        [sys.executable, "-m", "depscan", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        encoding="utf-8",
    )
    assert done.returncode in (0, 1), done.stderr
    for raw, shown in (("\x9b", "\\x9b"), ("\u202e", "\\u202e"), ("\u2066", "\\u2066")):
        assert raw not in done.stdout and raw not in done.stderr, raw
        assert shown in done.stdout, (shown, done.stdout)
