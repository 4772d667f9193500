"""What depscan trusts of its own caches: only what this user wrote, in directories that are not links.

A cache kept in the project (``.depscan_cache/``) can also be committed to it,
and a clone of a hostile repository then ships cached extractions and answers
of its own making. So every extraction row (:mod:`depscan.perf.cache`) and every
stored answer (:mod:`depscan.perf.runcache`) carries an HMAC-SHA256 keyed by a
per-user secret, and one whose MAC does not verify is a miss.

The secret is 32 random bytes in ``$XDG_STATE_HOME/depscan/secret`` (by default
``~/.local/state/depscan/secret``), never in an analysed tree. The state
directory, rather than the cache or the configuration one: CI systems save and
restore ``~/.cache`` between jobs (some of them a fork's pull request), and
``~/.config`` is often a dotfiles repository that is published; state is, by
the XDG specification, what stays on this machine. The file is created on
first use, mode 0600, atomically (written under another name, then hard-linked
into place, so that of two processes creating it at once the first wins and
neither reads half a secret). A secret that is a link, not this user's, readable
by others or of the wrong size is not used. Without a secret the caches are off
for the run, with a one-line note on standard error: a cache is never trusted
unsigned.

Cost: one HMAC per row (a few microseconds) and one over each stored answer
(about 2 ms for a 3 MB report).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import stat
from collections.abc import Callable, Sequence

__all__ = [
    "SECRET_BYTES",
    "note",
    "read_own",
    "real_directory",
    "regular_or_absent",
    "secret_path",
    "sign",
    "user_key",
    "verify",
]

SECRET_BYTES = 32
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class _Unusable(Exception):
    """The secret is there but cannot be used (the message says why)."""


@functools.cache
def note(message: str) -> None:
    """Say, once per process, why a cache is off (logging's last resort prints it as one line)."""
    import logging  # here: most runs have nothing to say, and the import is a few milliseconds

    logging.getLogger("depscan").warning("depscan: %s", message)


def secret_path() -> str:
    """``$XDG_STATE_HOME/depscan/secret``, or ``~/.local/state/depscan/secret`` (a relative
    ``XDG_STATE_HOME`` is ignored, as the specification says)."""
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "depscan", "secret")


@functools.cache
def user_key() -> bytes | None:
    """This user's secret, created on first use; None (and a note) when there can be none."""
    path = secret_path()
    try:
        try:
            return _read_secret(path)
        except FileNotFoundError:
            _create_secret(path)
            return _read_secret(path)
    except _Unusable as exc:
        note(f"caches off: no secret to sign them with ({path} {exc})")
    except OSError as exc:
        note(f"caches off: no secret to sign them with ({path}: {exc.strerror or exc})")
    return None


def _read_secret(path: str) -> bytes:
    read = read_own(path, SECRET_BYTES)
    if read is None:
        raise _Unusable(f"is not a regular file of {SECRET_BYTES} bytes")
    data, info = read
    if hasattr(os, "geteuid") and (info.st_uid != os.geteuid() or info.st_mode & 0o077):
        raise _Unusable("is not this user's alone (it must be owned by you, mode 0600)")
    if len(data) != SECRET_BYTES:
        raise _Unusable(f"is not {SECRET_BYTES} bytes long")
    return data


def read_own(path: str, max_bytes: int) -> tuple[bytes, os.stat_result] | None:
    """One of the caches' own files, with its ``fstat``; None when it is not a regular file of at
    most ``max_bytes`` (a link is not followed, a FIFO not waited for). Raises OSError, as
    :func:`open` does (FileNotFoundError, ELOOP for a link).

    Unlike :func:`depscan.source.read_bytes`, which reads what the analysed tree names and
    follows its links, this refuses links, and costs no import of the model (a warm run
    reads one such file and nothing else)."""
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                return None  # grew while read
    finally:
        os.close(fd)
    return b"".join(chunks), info


def _create_secret(path: str) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    temporary = os.path.join(directory, f".secret.{os.getpid()}.{os.urandom(6).hex()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        try:
            os.write(fd, os.urandom(SECRET_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: theirs is the secret
    finally:
        os.unlink(temporary)


def sign(key: bytes, *parts: bytes | memoryview) -> bytes:
    """The HMAC-SHA256 of ``parts`` (each framed by its length, so no two lists of parts collide)."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.digest()


def sign_pieces(key: bytes, parts: Sequence[bytes], pieces: Sequence[bytes]) -> bytes:
    """:func:`sign` of ``(*parts, b"".join(pieces))``, the last part never joined in memory."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    mac.update(sum(map(len, pieces)).to_bytes(8, "big"))
    for piece in pieces:
        mac.update(piece)
    return mac.digest()


def verify(key: bytes, mac: object, *parts: bytes | memoryview) -> bool:
    """``mac`` is :func:`sign`'s of ``parts``: this user wrote them."""
    return isinstance(mac, bytes) and hmac.compare_digest(mac, sign(key, *parts))


def directories_refused(what: str, *paths: str, create: bool) -> bool:
    """Whether a cache's directories (``paths``, outermost first) are refused: one is a link or not a
    directory (see :func:`real_directory`). Said once, as ``what`` off, and then neither is used."""
    for path in paths:
        reason = real_directory(path, create=create)
        if reason:
            note(f"{what} off: {reason}")
            return True
    return False


def real_directory(path: str, *, create: bool) -> str | None:
    """None when ``path`` is a directory and not a symbolic link (made, with its parents, when
    ``create`` and missing); else why it is refused. A planted ``.depscan_cache -> ..`` would
    have the caches write into the directory it names."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not create:
            return None
        try:
            os.makedirs(path, exist_ok=True)  # (another process may make it meanwhile)
            info = os.lstat(path)
        except OSError as exc:
            return f"cannot create {path}: {exc.strerror or exc}"
    except OSError as exc:
        return f"cannot use {path}: {exc.strerror or exc}"
    return _refusal(path, info.st_mode, stat.S_ISDIR, "a directory")


def regular_or_absent(path: str) -> str | None:
    """None when nothing is at ``path`` or a regular file is (not a link to one); else why it is refused."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot use {path}: {exc.strerror or exc}"
    return _refusal(path, info.st_mode, stat.S_ISREG, "a regular file")


def _refusal(path: str, mode: int, is_kind: Callable[[int], bool], kind: str) -> str | None:
    if stat.S_ISLNK(mode):
        return f"{path} is a symbolic link; not used"
    return None if is_kind(mode) else f"{path} is not {kind}; not used"
