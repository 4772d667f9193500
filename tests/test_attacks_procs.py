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
from pathlib import Path

import pytest

from depscan import parallel


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
