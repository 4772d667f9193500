"""Attacks on depscan's processes and outputs: each case runs the CLI in a subprocess, with a time limit.

Workers that outlive a killed parent, a Graphviz that never returns, a zip of thousands of
members, file names that are not UTF-8, a full disk on standard output, duplicate arguments,
coding cookies naming codecs that are not text encodings.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from depscan.perf import parallel


def depscan(
    *args: str, cwd: Path, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "depscan", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        env=env,
    )


# --- workers die with their parent (issue 12, item 10) -------------------------------------------


def _big_tree(root: Path, megabytes: float) -> None:
    """About ``megabytes`` of source in files of 16 KiB: past the threshold of the workers."""
    (root / "pyproject.toml").write_text('[project]\nname = "big"\n')
    body = "".join(f"def f{i}(x):\n    return [x + {i} for _ in range(3)]\n" for i in range(280))
    for number in range(int(megabytes * 1024 * 1024 / len(body))):
        (root / f"m{number}.py").write_text(f"import os\nimport missing_{number}\n{body}")


def _group_alive(group: int) -> list[str]:
    """The processes of ``group`` still running (zombies count as gone)."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state, ppid, pgrp, ...
        if int(fields[2]) == group and fields[0] != "Z":
            alive.append(f"{entry} (ppid {fields[1]}, state {fields[0]})")
    return alive


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


@pytest.mark.skipif(not sys.platform.startswith("linux") or parallel._fork_context() is None, reason="Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_workers_do_not_outlive_a_killed_parent(tmp_path: Path, sig: signal.Signals) -> None:
    _big_tree(tmp_path, 3)
    command = [sys.executable, "-m", "depscan", "check", "--no-cache", "--jobs", "2"]
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as sink:  # a file, not a pipe: a surviving worker would hold a pipe open
        process = subprocess.Popen(
            command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 30
        while not _children(process.pid) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert _children(process.pid), "no worker was forked"
        os.kill(process.pid, sig)
        process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _group_alive(process.pid) == []
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    stderr = errors.read_bytes()
    if sig == signal.SIGTERM:
        assert process.returncode == 128 + signal.SIGTERM
        assert b"Traceback" not in stderr
        assert b"terminated" in stderr


# --- a zip of thousands of members (issue 12, item 9) ------------------------------------------


def _package_as_zip_and_directory(root: Path, members: int) -> tuple[Path, Path]:
    """The same package twice: as a directory and as a zip archive."""
    import zipfile

    directory = root / "tree"
    (directory / "pkg").mkdir(parents=True)
    archive = root / "tree.zip"
    files = {"pkg/__init__.py": "import os\n"}
    for number in range(members - 1):
        files[f"pkg/m{number}.py"] = f"import os\nfrom . import m{(number + 1) % (members - 1)}\nimport json\n"
    with zipfile.ZipFile(archive, "w") as handle:
        for name, text in files.items():
            handle.writestr(name, text)
            (directory / name).write_text(text)
    return directory, archive


@pytest.mark.parametrize("command", ["scan", "audit"])
def test_a_zip_of_thousands_of_members_costs_what_the_directory_does(tmp_path: Path, command: str) -> None:
    directory, archive = _package_as_zip_and_directory(tmp_path, 3000)
    started = time.monotonic()
    assert depscan(command, "--no-cache", str(directory), cwd=tmp_path, timeout=120).returncode == 0
    directory_time = time.monotonic() - started
    started = time.monotonic()
    done = depscan(command, "--no-cache", str(archive), cwd=tmp_path, timeout=5 * directory_time + 30)
    zip_time = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "(3000 project" in done.stdout or "(3000 audited)" in done.stdout
    assert zip_time < 5 * directory_time + 2  # each member opened the archive again: 18 s for a scan


@pytest.mark.parametrize("command", ["scan", "audit"])
def test_a_zip_of_packages_nested_deep_costs_its_size_not_a_cube_of_its_depth(tmp_path: Path, command: str) -> None:
    """A zip of 1,500 packages each inside the last (11 MB; a directory cannot nest so deep) took 15 s
    to scan and 16 s to audit, 39 s at 2,000 (20 MB): each package's path entry walked up its whole
    path to find the archive, and every prefix of each module name and member path was joined again.
    Now about 2 s, the cost of its size."""
    archive = tmp_path / "deep.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for depth in range(1, 1501):
            handle.writestr("/".join(f"p{i}" for i in range(depth)) + "/__init__.py", "from . import *\n")
    before = os.times()
    done = depscan(command, "--no-cache", "-j", "1", str(archive), cwd=tmp_path, timeout=120)
    after = os.times()
    assert done.returncode == 0, done.stderr
    assert "(1500 project" in done.stdout or "(1500 audited)" in done.stdout
    cpu = after.children_user + after.children_system - before.children_user - before.children_system
    assert cpu < 8, f"{cpu:.1f} s of CPU: a deep archive cost more than its size"


# --- Graphviz that hangs, or fails (issue 12, items 11 and 15) ---------------------------------

_HANGING_DOT = """#!/bin/sh
sleep 300 &
echo $! > "{pids}"
echo $$ >> "{pids}"
sleep 300
"""

_FAILING_DOT = """#!/bin/sh
cat > /dev/null
echo "Warning: something first" >&2
echo "Error: <stdin>: syntax error in line 3 near '->'" >&2
exit 1
"""


def _fake_dot(tmp_path: Path, script: str) -> dict[str, str]:
    """An environment with ``script`` as the only ``dot`` on the PATH."""
    bin_directory = tmp_path / "bin"
    bin_directory.mkdir()
    dot = bin_directory / "dot"
    dot.write_text(script)
    dot.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_directory}{os.pathsep}{os.environ['PATH']}", "DEPSCAN_DOT_TIMEOUT": "1"}


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "--no-cache", "app.py", "--format", "html", "-o", "report.html"],
        ["scan", "--no-cache", "app.py", "--graph", "report.html"],
    ],
)
def test_the_interactive_pages_run_no_graphviz(tmp_path: Path, args: list[str]) -> None:
    pids = tmp_path / "pids"
    env = _fake_dot(tmp_path, _HANGING_DOT.format(pids=pids))
    (tmp_path / "app.py").write_text("import json\n")
    done = depscan(*args, cwd=tmp_path, timeout=30, env=env)
    assert done.returncode == 0 and done.stderr.count("Graphviz") == 0, done.stderr
    assert 'id="depscan-viewer"' in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert not pids.exists(), "dot was run"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")
def test_a_hanging_graphviz_is_stopped_with_its_children(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    env = _fake_dot(tmp_path, _HANGING_DOT.format(pids=pids))
    (tmp_path / "app.py").write_text("import json\n")
    started = time.monotonic()
    done = depscan("scan", "--no-cache", "app.py", "--graph", "out.svg", cwd=tmp_path, timeout=30, env=env)
    assert time.monotonic() - started < 20
    assert "Traceback" not in done.stderr
    assert "did not finish within 1 s and was stopped" in done.stderr
    assert done.returncode == 1
    assert "written as DOT to out.dot" in done.stderr
    assert (tmp_path / "out.dot").read_text().startswith("digraph depscan {")
    assert not (tmp_path / "out.svg").exists()
    deadline = time.monotonic() + 5
    left = [int(pid) for pid in pids.read_text().split()]
    while any(_alive(pid) for pid in left) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in left if _alive(pid)]


def test_a_failing_graphviz_says_its_command_and_its_last_line(tmp_path: Path) -> None:
    env = _fake_dot(tmp_path, _FAILING_DOT)
    (tmp_path / "app.py").write_text("import json\n")
    done = depscan("scan", "--no-cache", "app.py", "--graph", "out.svg", cwd=tmp_path, timeout=60, env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"({tmp_path / 'bin' / 'dot'} -Tsvg, exit status 1)" in done.stderr
    assert "Error: <stdin>: syntax error in line 3 near '->'" in done.stderr
    assert "['" not in done.stderr and "PosixPath" not in done.stderr


# --- file names that are not UTF-8 (issue 12, item 13) -----------------------------------------


def _strings(value: object) -> list[str]:
    """Every string in a JSON document, keys too."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(s for item in value.values() for s in _strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.mark.skipif(sys.platform != "linux", reason="a file system that takes any bytes as a name")
@pytest.mark.parametrize(
    ("args", "output"),
    [
        (["scan", "--no-cache", ".", "-o", "out.txt"], "out.txt"),
        (["scan", "--no-cache", ".", "--format", "json", "-o", "out.json"], "out.json"),
        (["scan", "--no-cache", ".", "--graph", "x.dot"], "x.dot"),
        (["scan", "--no-cache", ".", "--graph", "x.json"], "x.json"),
        (["audit", "--no-cache", ".", "--format", "html", "-o", "audit.html"], "audit.html"),
        (["audit", "--no-cache", ".", "--format", "json", "-o", "audit.json"], "audit.json"),
        (["audit", "--no-cache", ".", "--format", "sarif", "-o", "audit.sarif"], "audit.sarif"),
        (["check", "--no-cache", "--format", "json"], None),
        (["check", "--no-cache", "--format", "sarif", "-o", "check.sarif"], "check.sarif"),
        (["check", "--no-cache"], None),
        (["imports", ".", "--format", "json", "-o", "imports.json"], "imports.json"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path: Path, args: list[str], output: str | None) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "latin"\n')
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.py"), "wb") as handle:
        handle.write(b"import missing_thing\nexec(input())\n")
    done = subprocess.run([sys.executable, "-m", "depscan", *args], cwd=tmp_path, capture_output=True, timeout=120)
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    assert done.returncode in (0, 1)
    data = (tmp_path / output).read_bytes() if output else done.stdout
    text = data.decode("utf-8")  # valid UTF-8: no raw byte 0xe9, no encoded surrogate
    if output == "x.dot":
        assert '"caf\\\\xe9"' in text  # a DOT string: the backslash escaped
    elif args[-1] == "json" or (output or "").endswith((".json", ".sarif")):
        import json

        assert any("caf\\xe9" in string for string in _strings(json.loads(text)))  # shown as caf\xe9
    else:
        assert "caf\\xe9" in text


# --- a full disk, duplicates, codecs that are not text encodings (items 14 and 15) ------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize(
    "command",
    [
        ["scan", "--no-cache", "app.py"],
        ["check", "--no-cache", "app.py"],
        ["why", "--no-cache", "app.py", "os"],
        ["importers", "--no-cache", "app.py", "os"],
        ["resolve", "os"],
        ["imports", "app.py"],
        ["codes"],
    ],
    ids=lambda command: command[0],
)
def test_a_full_disk_on_standard_output_is_one_line_and_status_2(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "app.py").write_text("import os\nimport missing_thing\n")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "depscan", *command],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "depscan: error: cannot write to standard output: No space left on device"
    )
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_file_named_twice_is_checked_once(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "twice"\n')
    (tmp_path / "x.py").write_text("import missing_thing\n")
    (tmp_path / "d.py").mkdir()
    done = depscan("check", "--no-cache", "x.py", "./x.py", str(tmp_path / "x.py"), "d.py", "./d.py", cwd=tmp_path)
    assert done.returncode == 1
    assert [line.split()[1] for line in done.stdout.splitlines()] == ["DS012", "DS001"]


@pytest.mark.parametrize("codec", ["hex", "rot13", "base64", "zlib"])
def test_a_cookie_naming_a_codec_that_is_not_text_is_a_decode_error(tmp_path: Path, codec: str) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "cookie"\n')
    (tmp_path / "x.py").write_text(f"# -*- coding: {codec} -*-\nimport os\n")
    done = depscan("check", "--no-cache", "x.py", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == f"x.py:1:1: DS011 cannot decode: unknown or unsupported encoding {codec!r}\n"
