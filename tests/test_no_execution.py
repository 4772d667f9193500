"""Nothing analysed is ever executed.

Every fixture module writes a marker file into $DEPSCAN_TRACE_DIR when run.
First prove that the markers work (running a fixture does leave one), then
run depscan over all fixtures and require that none appears.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES


def _env(trace: Path) -> dict[str, str]:
    return dict(os.environ, DEPSCAN_TRACE_DIR=str(trace))


def test_markers_do_appear_when_a_fixture_runs(tmp_path: Path) -> None:
    script = FIXTURES / "extract" / "pkg" / "definitions.py"
    code = "import runpy, sys\ntry:\n    runpy.run_path(sys.argv[1])\nexcept Exception:\n    pass\n"
    subprocess.run([sys.executable, "-c", code, str(script)], env=_env(tmp_path), check=True)
    assert (tmp_path / "definitions").exists()


def test_depscan_imports_runs_nothing(tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    trace.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "depscan", "imports", "--format", "json", str(FIXTURES / "extract")],
        env=_env(trace),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr  # the hostile fixtures are reported
    assert '"module": "pkg.contexts"' in result.stdout
    assert sorted(os.listdir(trace)) == []


def test_bytecode_is_read_not_run(tmp_path: Path) -> None:
    import py_compile

    trace = tmp_path / "trace"
    trace.mkdir()
    compiled = tmp_path / "definitions.pyc"
    py_compile.compile(str(FIXTURES / "extract" / "pkg" / "definitions.py"), cfile=str(compiled), doraise=True)
    result = subprocess.run(
        [sys.executable, "-m", "depscan", "imports", str(compiled)], env=_env(trace), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "collections.abc" in result.stdout
    assert os.listdir(trace) == []
