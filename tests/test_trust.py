"""The caches' signing secret and their directories (depscan.trust)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT
from depscan import trust


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A state directory of this test's own, and no secret or note remembered from another."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    trust.user_key.cache_clear()
    trust.note.cache_clear()
    yield tmp_path / "state"
    trust.user_key.cache_clear()
    trust.note.cache_clear()


def test_the_secret_is_made_once_and_private(state: Path) -> None:
    key = trust.user_key()
    secret = state / "depscan" / "secret"
    assert key is not None and len(key) == trust.SECRET_BYTES and secret.read_bytes() == key
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(secret.parent.stat().st_mode) == 0o700
    assert [p.name for p in secret.parent.iterdir()] == ["secret"]  # no temporary file left
    trust.user_key.cache_clear()
    assert trust.user_key() == key


def test_processes_making_the_secret_at_once_agree(state: Path) -> None:
    code = "from depscan import trust; print(trust.user_key().hex())"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True) for _ in range(6)
    ]
    keys = {process.communicate(timeout=30)[0].strip() for process in processes}
    assert keys == {(state / "depscan" / "secret").read_bytes().hex()}


@pytest.mark.parametrize("damage", ["readable by others", "a symbolic link", "too short"])
def test_a_secret_that_may_not_be_ours_is_not_used(
    state: Path, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = state / "depscan" / "secret"
    secret.parent.mkdir(parents=True)
    if damage == "a symbolic link":
        (tmp_path / "elsewhere").write_bytes(b"k" * trust.SECRET_BYTES)
        secret.symlink_to(tmp_path / "elsewhere")
    else:
        secret.write_bytes(b"k" * (trust.SECRET_BYTES if damage == "readable by others" else 5))
        secret.chmod(0o644 if damage == "readable by others" else 0o600)
    assert trust.user_key() is None
    assert trust.user_key() is None
    [record] = caplog.records  # said once
    assert record.getMessage().startswith("depscan: caches off: no secret to sign them with")


def test_no_secret_can_be_made(state: Path, caplog: pytest.LogCaptureFixture) -> None:
    state.write_text("a file where the directory should be")
    assert trust.user_key() is None
    [record] = caplog.records
    assert "no secret to sign them with" in record.getMessage()


def test_a_relative_state_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", "relative")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert trust.secret_path() == str(tmp_path / ".local" / "state" / "depscan" / "secret")


def test_signatures() -> None:
    key = b"k" * 32
    mac = trust.sign(key, b"ab", b"c")
    assert trust.verify(key, mac, b"ab", b"c")
    assert not trust.verify(key, mac, b"a", b"bc")  # framed: the parts cannot be regrouped
    assert not trust.verify(b"x" * 32, mac, b"ab", b"c")
    assert not trust.verify(key, mac.hex(), b"ab", b"c")


def test_directories_that_are_links_are_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "file").write_text("")
    assert trust.real_directory(str(tmp_path / "real"), create=False) is None
    assert trust.real_directory(str(tmp_path / "new" / "sub"), create=True) is None
    assert (tmp_path / "new" / "sub").is_dir()
    assert "symbolic link" in (trust.real_directory(str(tmp_path / "link"), create=True) or "")
    assert "not a directory" in (trust.real_directory(str(tmp_path / "file"), create=True) or "")
    assert trust.regular_or_absent(str(tmp_path / "file")) is None
    assert trust.regular_or_absent(str(tmp_path / "absent")) is None
    assert "symbolic link" in (trust.regular_or_absent(str(tmp_path / "link")) or "")
