"""Running another program, bounded in time: the only two depscan starts are Graphviz's ``dot``
and, when the user opts in, the target interpreter (:mod:`depscan.resolve.probe`).

The program runs in a new session (its own process group). When the time is up the whole group
is killed, so a program that started children leaves none behind, and its pipes are not read
again (a child that left the group may still hold them).
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence


class TimedOut(Exception):
    """The program did not finish within its time and was killed with its group."""


def run_bounded(
    command: Sequence[str],
    stdin: bytes | None,
    timeout: float,
    *,
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[int, bytes, bytes]:
    """``command``'s exit status, standard output and standard error (raises OSError when it cannot
    be started, :class:`TimedOut` past ``timeout`` seconds)."""
    process = subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=cwd,
        env=None if env is None else dict(env),
    )
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise TimedOut from None
    return process.returncode, out, err


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:  # gone already
        pass
    process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass
