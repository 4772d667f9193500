"""The store of whole answers (depscan.perf.runcache): its file format, and how many it keeps."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from depscan import trust
from depscan.perf import runcache
from depscan.perf.runcache import Answer, RunCache, witness


def _old_file(path: Path) -> str:
    path.write_text("x = 1\n")
    os.utime(path, (1_000_000_000, 1_000_000_000))
    return str(path)


def test_an_answer_comes_back_as_it_went_in(tmp_path: Path) -> None:
    source = _old_file(tmp_path / "m.py")
    runs = RunCache(str(tmp_path / "cache"))
    entries = witness([source])
    assert entries is not None
    answer = Answer('{"a": "\\u00e9t\\u00e9"}\nété\n', "summary", 1, b"\x89PNG\x00\xff")
    assert runs.store("k", entries, answer)
    assert runs.load("k") == answer
    assert runs.load("other") is None
    (tmp_path / "m.py").write_text("x = 22\n")
    assert runs.load("k") is None


@pytest.mark.parametrize("cut", [1, 10, 40])
def test_a_file_cut_short_is_a_miss(tmp_path: Path, cut: int) -> None:
    runs = RunCache(str(tmp_path / "cache"))
    entries = witness([_old_file(tmp_path / "m.py")])
    assert entries is not None and runs.store("k", entries, Answer("report " * 20, None, 0))
    stored = tmp_path / "cache" / "runs" / "k.run"
    stored.write_bytes(stored.read_bytes()[:-cut])
    assert runs.load("k") is None


def _runs(tmp_path: Path) -> tuple[RunCache, list[runcache.Entry]]:
    entries = witness([_old_file(tmp_path / "m.py")])
    assert entries is not None
    return RunCache(str(tmp_path / "cache")), entries


def _store_in_age_order(runs: RunCache, entries: list[runcache.Entry], numbers: range, report: str) -> None:
    """Store answers k<number>, each made older than the next (k0 the oldest)."""
    for number in numbers:
        assert runs.store(f"k{number}", entries, Answer(report, None, 0))
        os.utime(os.path.join(runs.directory, f"k{number}.run"), ns=(number, number))


def _kept(runs: RunCache) -> list[str]:
    return sorted(p.stem for p in Path(runs.directory).glob("*.run"))


def test_the_answers_used_last_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runcache, "MAX_ANSWERS", 5)
    runs, entries = _runs(tmp_path)
    _store_in_age_order(runs, entries, range(5), "report")
    assert runs.load("k0") is not None  # used now
    for number in range(5, 8):
        assert runs.store(f"k{number}", entries, Answer(f"report {number}", None, 0))
    assert _kept(runs) == ["k0", "k4", "k5", "k6", "k7"]


def test_the_answers_kept_are_bounded_in_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runcache, "MAX_BYTES", 10_000)
    runs, entries = _runs(tmp_path)
    _store_in_age_order(runs, entries, range(6), "x" * 3_000)
    assert _kept(runs) == ["k3", "k4", "k5"]  # three of about 3 kB each fit
    assert runs.store("huge", entries, Answer("x" * 20_000, None, 0))  # the one just stored stays
    assert _kept(runs) == ["huge"]


def test_an_empty_witness_is_never_stored_nor_served(tmp_path: Path) -> None:
    runs = RunCache(str(tmp_path / "cache"))
    assert not runs.store("k", [], Answer("report", None, 0))
    assert not (tmp_path / "cache" / "runs" / "k.run").exists()
    entries = witness([_old_file(tmp_path / "m.py")])
    assert entries is not None and runs.store("k", entries, Answer("report", None, 0))
    stored = tmp_path / "cache" / "runs" / "k.run"
    _, header, body = stored.read_bytes().split(b"\n", 2)
    emptied = header.replace(json.dumps(entries, separators=(",", ":")).encode(), b"[]")
    assert emptied != header
    rest = emptied + b"\n" + body
    secret = trust.user_key()
    assert secret is not None  # signed with our own secret: still refused
    stored.write_bytes(trust.sign(secret, b"run", b"k", rest).hex().encode() + b"\n" + rest)
    assert runs.load("k") is None


@pytest.mark.parametrize("where", [0, 70, -1])
def test_an_answer_changed_behind_its_signature_is_a_miss(tmp_path: Path, where: int) -> None:
    runs, entries = _runs(tmp_path)
    assert runs.store("k", entries, Answer("report", None, 0))
    stored = tmp_path / "cache" / "runs" / "k.run"
    data = bytearray(stored.read_bytes())
    data[where] ^= 1
    stored.write_bytes(bytes(data))
    assert runs.load("k") is None
    assert runs.store("k", entries, Answer("report", None, 0)) and runs.load("k") is not None
    os.rename(stored, tmp_path / "cache" / "runs" / "other.run")  # another run's answer
    assert runs.load("other") is None


def test_an_answer_signed_with_another_secret_is_a_miss(tmp_path: Path) -> None:
    runs, entries = _runs(tmp_path)
    assert RunCache(str(tmp_path / "cache"), secret=b"a" * 32).store("k", entries, Answer("planted", None, 0))
    assert runs.load("k") is None


def test_a_planted_run_file_that_is_not_a_file_is_replaced(tmp_path: Path) -> None:
    runs, entries = _runs(tmp_path)
    (tmp_path / "cache" / "runs").mkdir(parents=True)
    outside = tmp_path / "outside.txt"
    outside.write_text("the user's file\n")
    (tmp_path / "cache" / "runs" / "k.run").symlink_to(outside)
    os.mkfifo(tmp_path / "cache" / "runs" / "f.run")
    assert runs.load("k") is None and runs.load("f") is None  # at once: the FIFO is not opened
    assert runs.store("k", entries, Answer("report", None, 0)) and runs.store("f", entries, Answer("r", None, 0))
    assert outside.read_text() == "the user's file\n"
    assert runs.load("k") == Answer("report", None, 0) and runs.load("f") == Answer("r", None, 0)


def test_stubs_matter_in_a_listing() -> None:
    assert runcache.relevant("mod.pyi") and runcache.relevant("pkg-stubs")
    assert not runcache.relevant("notes.txt") and not runcache.relevant("out.svg")


def test_a_report_naming_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    runs, entries = _runs(tmp_path)
    answer = Answer(os.fsdecode(b"caf\xe9.py:1:1: DS001\n"), None, 1)
    assert runs.store("k", entries, answer)
    assert runs.load("k") == answer


def test_the_code_fingerprint_covers_every_sub_package_and_the_data(tmp_path: Path) -> None:
    """A module moved into a new sub-package (the layout of issue 13) still keys the caches."""
    from depscan.fingerprint import code_fingerprint

    package = tmp_path / "depscan"
    (package / "resolve").mkdir(parents=True)
    (package / "data").mkdir()
    (package / "__init__.py").write_text("")
    (package / "resolve" / "finders.py").write_text("A = 1\n")
    (package / "data" / "stdlib-3.12.json").write_text("{}")
    (package / "resolve" / "__pycache__").mkdir()
    first = code_fingerprint(str(package))
    (package / "resolve" / "__pycache__" / "finders.cpython-311.pyc").write_bytes(b"compiled")
    assert code_fingerprint.__wrapped__(str(package)) == first  # bytecode is not code
    (package / "resolve" / "finders.py").write_text("A = 2\n")
    second = code_fingerprint.__wrapped__(str(package))
    assert second != first
    (package / "data" / "stdlib-3.12.json").write_text('{"x": 1}')
    assert code_fingerprint.__wrapped__(str(package)) not in (first, second)
    (package / "resolve" / "new.py").write_text("")
    assert code_fingerprint.__wrapped__(str(package)) != second


def _directory_witness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[RunCache, Path]:
    """An answer whose witness is one directory, its signature kept (nothing counts as fresh)."""
    monkeypatch.setattr(runcache, "FRESH_NS", 0)
    directory = tmp_path / "site"
    directory.mkdir()
    (directory / "mod.py").write_text("")
    entries = witness([str(directory)], {str(directory): os.listdir(directory)})
    assert entries is not None and "stat" in entries[0][1]
    runs = RunCache(str(tmp_path / "cache"))
    assert runs.store("k", entries, Answer("report", None, 0))
    return runs, directory


def test_an_unchanged_directory_is_not_listed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs, _ = _directory_witness(tmp_path, monkeypatch)

    def refuse(path: str) -> list[str]:
        raise AssertionError(f"listed {path}")

    monkeypatch.setattr(os, "listdir", refuse)
    assert runs.load("k") == Answer("report", None, 0)


def test_a_name_added_to_a_directory_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs, directory = _directory_witness(tmp_path, monkeypatch)
    time.sleep(0.05)  # past the file system's clock tick
    (directory / "shadow.py").write_text("")
    assert runs.load("k") is None


def test_a_directory_changed_only_in_names_that_do_not_count_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs, directory = _directory_witness(tmp_path, monkeypatch)
    time.sleep(0.05)
    (directory / "notes.txt").write_text("")
    assert runs.load("k") == Answer("report", None, 0)


def test_a_directory_changed_just_now_is_signed_by_its_names_alone(tmp_path: Path) -> None:
    directory = tmp_path / "site"
    directory.mkdir()
    entries = witness([str(directory)], {str(directory): []})
    assert entries == [(str(directory), {"listing": runcache.listing_signature(str(directory))})]
