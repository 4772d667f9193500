"""Caches planted in the analysed tree, as a hostile repository ships them: never trusted.

Each test plays the attacker (depscan run with the attacker's own secret, then the cache
edited and re-signed as well as the attacker can) and then the victim, in a fresh process
with a secret of their own, and asserts that the victim's answer is the true one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

TIMEOUT = 60
HOSTILE = "import subprocess\nimport nosuchmod\nsubprocess.run(['sh'])\n"
BENIGN = "x = 1\n"


def depscan(*args: str, cwd: Path, state: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, whose caches are signed with the secret kept under ``state``."""
    environ = {**os.environ, "XDG_STATE_HOME": str(state), "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "depscan", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        errors="surrogateescape",  # file names that are not UTF-8 are printed as they are
        timeout=TIMEOUT,
        check=False,
    )


def check(cwd: Path, state: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    done = depscan("check", "--python", sys.executable, "--format", "json", *args, cwd=cwd, state=state, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def missing(result: dict[str, object]) -> set[str]:
    findings = result["findings"]
    assert isinstance(findings, list)
    return {f["module"] for f in findings if f["code"] in ("DS001", "DS005")}


def answer(result: dict[str, object]) -> object:
    """``"stored"`` when the run cache gave the answer."""
    summary = result["summary"]
    assert isinstance(summary, dict)
    return summary.get("answer")


def age(tree: Path, seconds: float = 60) -> None:
    """Every file and directory of ``tree`` made ``seconds`` old (fresh ones are never trusted)."""
    past = time.time() - seconds
    for path in [*tree.rglob("*"), tree]:
        if not path.is_symlink():
            os.utime(path, (past, past))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "victim"\nversion = "1"\n')
    (root / "app.py").write_text(BENIGN)
    return root


def _attacker_secret(state: Path) -> bytes | None:
    secret = state / "depscan" / "secret"
    return secret.read_bytes() if secret.exists() else None


def _resign_rows(database: Path, content: bytes, attacker: Path) -> None:
    """What the attacker commits: the rows of the benign file, claimed for ``content`` (its
    hash, a stat to be checked by hash), signed with the attacker's secret where rows are signed."""
    with sqlite3.connect(database) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(extractions)")]
        db.execute("UPDATE extractions SET sha256 = ?, mtime_ns = 0, size = -1", (hashlib.sha256(content).digest(),))
        secret = _attacker_secret(attacker)
        if "mac" in columns and secret is not None:
            from depscan import trust
            from depscan.perf import cache

            for row in db.execute(f"SELECT {', '.join(columns)} FROM extractions").fetchall():
                parts = cache._signed_parts(row[:-1])
                assert parts is not None
                db.execute("UPDATE extractions SET mac = ? WHERE mac = ?", (trust.sign(secret, *parts), row[-1]))


def _plant_rows(project: Path, tmp_path: Path) -> None:
    """Rows for app.py saying it imports nothing, although it now runs subprocess and imports a missing module."""
    attacker = tmp_path / "attacker"
    result = check(project, attacker, "-j", "1")
    assert missing(result) == set()
    (project / "app.py").write_text(HOSTILE)
    _resign_rows(project / ".depscan_cache" / "extractions.sqlite3", HOSTILE.encode(), attacker)
    for run in (project / ".depscan_cache" / "runs").glob("*.run"):
        run.unlink()  # (the whole answer is another test's)


def test_planted_extraction_rows_do_not_hide_a_missing_import(project: Path, tmp_path: Path) -> None:
    _plant_rows(project, tmp_path)
    result = check(project, tmp_path / "victim", "-j", "1")
    assert missing(result) == {"nosuchmod"}


def test_planted_extraction_rows_do_not_hide_a_capability(project: Path, tmp_path: Path) -> None:
    attacker = tmp_path / "attacker"
    audit = ("audit", "app.py", "--python", sys.executable, "--format", "json")
    done = depscan(*audit, cwd=project, state=attacker)
    assert not json.loads(done.stdout)["capabilities"]
    (project / "app.py").write_text(HOSTILE)
    _resign_rows(project / ".depscan_cache" / "extractions.sqlite3", HOSTILE.encode(), attacker)
    done = depscan(*audit, cwd=project, state=tmp_path / "victim")
    assert "Traceback" not in done.stderr, done.stderr
    assert "process" in {c["capability"] for c in json.loads(done.stdout)["capabilities"]}


def _empty_the_witness(run: Path, attacker: Path) -> None:
    """The stored answer made to hold whatever changes: its witness emptied (and the answer signed
    with the attacker's secret, in a format that signs answers)."""
    data = run.read_bytes()
    first, rest = data.split(b"\n", 1)
    signed = len(first) == 64 and all(c in b"0123456789abcdef" for c in first)
    header, body = (rest if signed else data).split(b"\n", 1)
    fields = json.loads(header)
    fields["witness"] = []
    rest = json.dumps(fields, separators=(",", ":")).encode() + b"\n" + body
    secret = _attacker_secret(attacker)
    if signed and secret is not None:
        from depscan import trust

        rest = trust.sign(secret, b"run", run.stem.encode(), rest).hex().encode() + b"\n" + rest
    run.write_bytes(rest)


def test_a_planted_answer_with_an_empty_witness_is_not_served(project: Path, tmp_path: Path) -> None:
    attacker = tmp_path / "attacker"
    (project / "app.py").write_text(BENIGN)
    age(project)
    check(project, attacker)
    [run] = (project / ".depscan_cache" / "runs").glob("*.run")
    _empty_the_witness(run, attacker)
    (project / "app.py").write_text(HOSTILE)
    result = check(project, tmp_path / "victim")
    assert missing(result) == {"nosuchmod"} and answer(result) is None


def _snapshot(directory: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(directory)): None if p.is_dir() else p.read_bytes() for p in directory.rglob("*")}


@pytest.mark.parametrize(
    ("name", "target"),
    [(".depscan_cache", "."), (".depscan_cache/runs", "."), (".depscan_cache/extractions.sqlite3", "planted")],
    ids=["cache directory", "runs directory", "database"],
)
def test_a_cache_that_is_a_symbolic_link_is_not_used(project: Path, tmp_path: Path, name: str, target: str) -> None:
    """``.depscan_cache -> ..`` had depscan write a .gitignore of ``*`` into the parent, and the
    caches' files beside it; a database linked to a file outside had SQLite create it there."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("the user's file\n")
    (project / name).parent.mkdir(exist_ok=True)
    (project / name).symlink_to(outside / target)
    (project / "app.py").write_text(HOSTILE)
    age(project)
    before = _snapshot(outside)
    runs = [depscan("check", "--python", sys.executable, cwd=project, state=tmp_path / "state") for _ in range(2)]
    assert _snapshot(outside) == before
    assert all(done.returncode == 1 and "nosuchmod" in done.stdout for done in runs)
    assert "symbolic link; not used" in runs[0].stderr


def test_a_file_name_that_is_not_utf8(project: Path, tmp_path: Path) -> None:
    """A run cache that could not store the answer crashed every check once the file was 3 s old."""
    os.unlink(project / "app.py")
    with open(os.path.join(os.fsencode(project), b"caf\xe9.py"), "wb") as handle:
        handle.write(b"import nosuchmod\n")
    age(project)
    results = [check(project, tmp_path / "state") for _ in range(2)]
    assert [missing(r) for r in results] == [{"nosuchmod"}] * 2
    assert [answer(r) for r in results] == [None, "stored"]


@pytest.mark.parametrize("stub", ["stubonly.pyi", "stubonly-stubs/__init__.pyi"])
def test_a_stub_added_is_seen(project: Path, tmp_path: Path, stub: str) -> None:
    """A type-only import is checked against the stubs: a stub added changes the answer."""
    (project / "app.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import stubonly\n")
    age(project)
    assert missing(check(project, tmp_path / "state")) == {"stubonly"}
    assert answer(check(project, tmp_path / "state")) == "stored"
    (project / stub).parent.mkdir(exist_ok=True)
    (project / stub).write_text("x: int\n")
    assert missing(check(project, tmp_path / "state")) == set()


def test_a_same_size_edit_with_the_time_set_back_is_seen(project: Path, tmp_path: Path) -> None:
    """A tool restoring modification times; the change time and the inode still move."""
    (project / "app.py").write_text("import xyz\n")
    age(project)
    info = (project / "app.py").stat()
    assert missing(check(project, tmp_path / "state")) == {"xyz"}
    assert answer(check(project, tmp_path / "state")) == "stored"
    (project / "app.py").write_text("import sys\n")  # the same size
    os.utime(project / "app.py", ns=(info.st_atime_ns, info.st_mtime_ns))
    assert missing(check(project, tmp_path / "state")) == set()
    assert missing(check(project, tmp_path / "state", "-j", "1", "--no-cache")) == set()


@pytest.mark.parametrize("variable", ["PYTHONNOUSERSITE", "PYTHONUSERBASE"])
def test_user_site_variables_are_part_of_the_key(project: Path, tmp_path: Path, variable: str) -> None:
    (project / "app.py").write_text("import os\n")
    age(project)
    state = tmp_path / "state"
    check(project, state)
    assert answer(check(project, state)) == "stored"
    assert answer(check(project, state, env={variable: str(tmp_path / "base")})) is None


def test_without_a_secret_the_caches_are_off(project: Path, tmp_path: Path) -> None:
    """Never trusted unsigned: no cache is read or written, and one line says why."""
    (tmp_path / "state").write_text("not a directory")
    (project / "app.py").write_text(HOSTILE)
    age(project)
    for _ in range(2):
        done = depscan("check", "--python", sys.executable, cwd=project, state=tmp_path / "state")
        assert done.returncode == 1 and "nosuchmod" in done.stdout
        [note, summary] = done.stderr.splitlines()
        assert note.startswith("depscan: caches off: no secret to sign them with")
        assert summary.startswith("depscan check")
    assert not (project / ".depscan_cache").exists()
