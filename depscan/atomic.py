"""Writing output: files replaced atomically (readers see the old file or the new, never half), and
text made printable (:func:`printable`), the one rule for file names that are not UTF-8."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str, json_escaped: bool = False) -> str:
    """``text`` safe to write as UTF-8: each byte of a file name that is not UTF-8 (which Python
    holds as a surrogate escape) shown as ``\\xNN``, as ``errors="backslashreplace"`` shows it,
    any other lone surrogate as ``\\uXXXX``; ``json_escaped`` doubles the backslash, for text
    already encoded as JSON (where such characters occur only inside strings)."""
    if text.isascii():
        return text
    slash = "\\\\" if json_escaped else "\\"

    def shown(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"{slash}x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"{slash}u{code:04x}"

    return _SURROGATE.sub(shown, text)


_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""The bidirectional formatting characters: U+202E shows the rest of a line right to left (Trojan
Source, CVE-2021-42574), on a terminal or on the web page of a CI log."""

_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")


def one_line(name: str) -> str:
    """A file name for a line of text output: control characters shown as ``\\xNN``, so that a file
    named ``"a\\nsrc/x.py:1:1: DS001 ..."`` cannot forge a line of the report."""
    return _escaped(_CONTROL, name)


_CONTROL_BUT_LINE_ENDS = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}]")


def lines_shown(text: str) -> str:
    """A report of several lines for a terminal: every control character but the line ends shown as
    ``\\xNN`` (a distribution's name with an escape sequence cannot move the cursor and erase a line
    above it); the one rule for what the analysed code names, where a report's part forgot :func:`one_line`."""
    return _escaped(_CONTROL_BUT_LINE_ENDS, text)


def _escaped(characters: re.Pattern[str], text: str) -> str:
    """Each of ``characters`` in ``text`` as Python's ``repr`` shows it: ``\\x9b``, ``\\u202e``.
    (The C1 controls, U+0080 to U+009F, act on a terminal too: U+009B is CSI, ``ESC [``.)"""

    def shown(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

    return characters.sub(shown, text)


def write_atomic(path: str | os.PathLike[str], data: str | bytes | list[bytes]) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed over it.

    The temporary file lives in the same directory (a rename is atomic only
    within one file system) and is removed if anything fails. A symbolic link
    to a regular file is replaced, not followed: the file it names is left as it
    is (a link committed to an analysed repository, ``report.txt -> ~/.bashrc``,
    cannot make depscan write outside it). A target that exists but is not a
    regular file (``/dev/null``, ``/dev/stdout``, a terminal, a FIFO) is written
    to directly, opened non-blocking: renaming over it would replace the device
    itself, and a FIFO nobody reads is an error (ENXIO), not a hang. ``data`` may come in pieces,
    written one after another (a large file is then never joined in memory).
    """
    payload = (
        [printable(data).encode("utf-8")] if isinstance(data, str) else [data] if isinstance(data, bytes) else data
    )
    try:
        mode: int | None = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        os.set_blocking(fd, True)  # opened without waiting; now written whole
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(payload)
        return
    target = Path(os.path.abspath(path))
    directory = target.parent if str(target.parent) else Path(".")
    import tempfile  # here: the CLI imports this module, and most runs write no file

    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(payload)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = os.stat(target).st_mode & 0o777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
