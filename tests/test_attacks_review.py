"""Attacks on the review of a dependency update and on the scan's read-ahead, as a hostile package author.

Each test builds its wheels, environment or package in a temporary directory
and runs the command line on it: a distribution whose ``Name`` carries Markdown,
HTML or terminal escapes, member names that would break out of a code span, a
FIFO or a link to ``/dev/zero`` named ``*.whl`` in a directory of wheels, a zip
bomb member, and a SIGTERM sent to the whole process group while the workers
read a package ahead. Nothing may be run, hang, print a traceback, or show an
injected line or markup.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from conftest import ROOT
from depscan.cli import cli

EVIL_NAME = "x\x1b]0;owned\x07\x1b[1A\x1b[2K<img src=https://evil.example/p.png>[click](https://evil.example)|a|b"
EVIL_MEMBER = "pkgx/ev`il <b>bold</b> [x](https://evil.example)`|.so"


def wheel(directory: Path, file_name: str, name: str, members: dict[str, bytes] | None = None) -> Path:
    """A wheel whose METADATA says ``name``, with a module ``pkgx`` that reaches the network."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name
    info = f"{file_name.split('-')[0]}-1.0.dist-info"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\n")
        archive.writestr("pkgx/__init__.py", "import socket\n")
        for member, data in (members or {}).items():
            archive.writestr(member, data)
    return path


def audit(*arguments: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(cli, ["audit", "--no-cache", *arguments])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.output
    return done.exit_code, done.stdout, done.stderr


@pytest.fixture
def update(tmp_path: Path) -> tuple[Path, Path]:
    """A baseline of one calm wheel, and an update adding a wheel with a hostile name and a member
    with a hostile name."""
    wheel(tmp_path / "old", "calm-1.0-py3-none-any.whl", "calm")
    wheel(tmp_path / "new", "calm-1.0-py3-none-any.whl", "calm", {EVIL_MEMBER: b"\x7fELF"})
    wheel(tmp_path / "new", "zz-1.0-py3-none-any.whl", EVIL_NAME)
    baseline = tmp_path / "old.json"
    status, _, _ = audit("--format", "json", "-o", str(baseline), str(tmp_path / "old"))
    assert status == 0
    return baseline, tmp_path / "new"


def test_a_hostile_name_is_no_markup_in_the_markdown_comment(update: tuple[Path, Path]) -> None:
    """Rendered as GitHub would (CommonMark, tables, raw HTML allowed), the comment shows the name and
    the member's name as text: no image, no link, no bold tag, no cell added to a table's row."""
    baseline, new = update
    _, comment, _ = audit("--format", "markdown", "--baseline", str(baseline), str(new))
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(comment)
    assert "<img" not in html and 'evil.example"' not in html and "<b>" not in html
    assert "\x1b" not in comment and "\x07" not in comment
    for table in html.split("<table>")[1:]:
        head, _, body = table.partition("</thead>")
        cells = len(re.findall("<th[ >]", head))
        assert all(len(re.findall("<td[ >]", row)) == cells for row in body.split("<tr>")[1:]), table
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&lt;img src=https://evil.example/p.png&gt;" in html


def test_a_hostile_name_cannot_rewrite_the_terminal(update: tuple[Path, Path]) -> None:
    """The text report and its notes show a name's control characters escaped (``\\x1b``): an escape
    sequence cannot move the cursor up and erase the line that says what is new."""
    baseline, new = update
    _, text, notes = audit("--baseline", str(baseline), str(new))
    assert "\x1b" not in text and "\x07" not in text, text
    assert "\\x1b[1A" in text
    wheel(new, "qq-1.0-py3-none-any.whl", "qq", {"qq\x1b[2K-1.0.dist-info/METADATA": b"Version: 1\n\n"})
    _, _, notes = audit(str(new))
    assert "\x1b" not in notes


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
def test_a_wheel_that_is_a_fifo_or_a_device_is_said_not_passed_by(tmp_path: Path) -> None:
    """A ``*.whl`` in a directory of wheels that is not a regular file is not waited on, nor left out
    in silence while the other wheels are audited: it is listed among the directory's files, not read."""
    wheels = tmp_path / "wheels"
    wheel(wheels, "calm-1.0-py3-none-any.whl", "calm")
    os.mkfifo(wheels / "fifo-1.0-py3-none-any.whl")
    (wheels / "zero-1.0-py3-none-any.whl").symlink_to("/dev/zero")
    status, text, _ = audit(str(wheels))
    assert status == 0 and "calm 1.0" in text
    for name in ("fifo-1.0-py3-none-any.whl", "zero-1.0-py3-none-any.whl"):
        assert next(line for line in text.splitlines() if name in line).endswith(
            "not read" if "fifo" in name else "not followed"
        )


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs resource limits")
def test_a_zip_bomb_member_is_hashed_without_inflating_it_in_memory(tmp_path: Path) -> None:
    """A wheel's member of 900 MiB of zeros (under a megabyte compressed) is hashed as it inflates, in
    1 GiB of address space: not read whole into memory."""
    wheels = tmp_path / "wheels"
    wheel(wheels, "calm-1.0-py3-none-any.whl", "calm")
    with (
        zipfile.ZipFile(wheels / "calm-1.0-py3-none-any.whl", "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("pkgx/bomb.so", "w", force_zip64=True) as member,
    ):
        for _ in range(900):
            member.write(bytes(1 << 20))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        [sys.executable, "-m", "depscan", "audit", "--no-cache", str(wheels)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
    )
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr, done.stderr[-2000:]
    assert "pkgx/bomb.so  943718400 bytes, sha256 " in done.stdout, done.stdout


def test_a_wheel_of_many_bombs_is_hashed_within_a_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each member is hashed as it inflates, but a wheel of many members that each inflate a
    thousandfold would take minutes: an archive's members are hashed until they have inflated to
    64 times its size (or the hash limit, when that is more); the rest are listed, not hashed."""
    from depscan.analysis import treefiles
    from depscan.resolve.finders import ZipDirectory

    monkeypatch.setattr(treefiles, "HASH_MAX_BYTES", 1 << 20)  # (1 GiB in use: a MiB here)
    archive = tmp_path / "bombs-1.0-py3-none-any.whl"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for number in range(4):
            handle.writestr(f"bombs/b{number}.so", bytes(800 * 1024))  # 800 KiB of zeros, about 1 KiB packed
    assert 64 * archive.stat().st_size < 1 << 20
    found = {
        item.relative: item for item in treefiles.archive_files(str(archive), ZipDirectory(), (3, 11), lambda m: None)
    }
    assert found["bombs/b0.so"].sha256 is not None and found["bombs/b0.so"].problem is None
    for number in (1, 2, 3):
        item = found[f"bombs/b{number}.so"]
        assert item.kind == "extension" and item.sha256 is None
        assert item.problem is not None and item.problem.startswith("not hashed: the archive's members have inflated")


def _package(directory: Path, modules: int) -> Path:
    """A package of ``modules`` modules of 14 KB each: enough that the read-ahead takes seconds."""
    package = directory / "hp"
    package.mkdir()
    body = "".join(f"import os\ndef f{i}(x):\n    return [y * 2 for y in range({i}) if y % 3]\n" for i in range(200))
    (package / "__init__.py").write_text("")
    for number in range(modules):
        (package / f"m{number}.py").write_text(body)
    return package


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc for the workers")
def test_sigterm_to_the_process_group_during_the_read_ahead(tmp_path: Path) -> None:
    """``timeout``, a CI runner's cancel or ``kill -- -PGID`` send SIGTERM to every process of the group,
    workers included: the scan says it was terminated, exits 143, prints no traceback (a worker that
    died first made the pool's thread print one), and no worker is left. Three times: it was a race."""
    _package(tmp_path, 1200)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("VIRTUAL_ENV", None)
    for _ in range(3):
        process = subprocess.Popen(
            [sys.executable, "-m", "depscan", "scan", "hp", "-j", "2", "--no-cache"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not (workers := _children(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers, "no worker was started"
        time.sleep(2)  # this process is taking chunks back by then
        os.killpg(process.pid, signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
        assert process.returncode == 143 and "Traceback" not in errors, errors
        time.sleep(1.5)
        assert not [pid for pid in workers if _alive(pid)]


DYING_WORKER = """
import os, signal, sys, time
from depscan.perf import parallel

PARENT = os.getpid()

def work(keys, max_bytes):
    if os.getpid() != PARENT:  # a worker: killed (the OOM killer, a SIGTERM to the group) while busy
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)
    return parallel.extract_chunk(keys, max_bytes)

parallel.PARALLEL_BYTES, parallel.CHUNK_FILES = 1, 2
extractor = parallel.Extractor(processes=2, work=work)
keys = [(os.path.join(sys.argv[1], name), name[:-3], False) for name in sorted(os.listdir(sys.argv[1]))]
extractor.add_all(keys)
done, _ = extractor.finish()
extractor.close()
assert sorted(done) == sorted(keys)
print("done")
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_a_worker_dying_while_chunks_are_taken_back_prints_no_traceback(tmp_path: Path) -> None:
    """This process takes back the chunks no worker started (their futures cancelled); a worker that
    dies meanwhile made Python 3.10's and 3.11's pool thread print an InvalidStateError traceback. The
    work is done here, and nothing is printed."""
    for number in range(400):
        (tmp_path / f"m{number}.py").write_text("import os\n" * 200)
    done = subprocess.run(
        [sys.executable, "-c", DYING_WORKER, str(tmp_path)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout == "done\n" and done.stderr == "", done.stderr


@pytest.mark.parametrize("statement", ["import os", "import nosuchmodule", "from . import sibling"])
def test_a_module_importing_one_module_at_every_line_is_scanned_in_linear_time(tmp_path: Path, statement: str) -> None:
    """A 10 MiB module may hold a million imports of one module: each is a site of one edge, and the
    edge's sites grew as a tuple searched and copied for each (4,000 lines: 2.6 s, 8,000: 10 s). 50,000
    lines are scanned in seconds, every line a site of the edge."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "sibling.py").write_text("")
    (package / "__init__.py").write_text(f"{statement}\n" * 50_000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        [sys.executable, "-m", "depscan", "scan", "pkg", "--no-cache", "--format", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    target = {"import os": "os", "import nosuchmodule": "nosuchmodule"}.get(statement, "pkg.sibling")
    edges = {edge["to"]: len(edge["sites"]) for edge in json.loads(done.stdout)["imports"] if edge["from"] == "pkg"}
    assert edges == {target: 50_000}


def test_a_folded_name_or_version_cannot_add_lines_to_the_report(tmp_path: Path) -> None:
    """A METADATA header may go on over lines that start with white space (RFC 5322 folding): the Name
    and Version are read unfolded, one line each, and add no line to the text report."""
    wheels = tmp_path / "wheels"
    folded = "fold\n name2\nVersion: 1.0\n\tALL CLEAR\nLicense: MIT"
    wheel(wheels, "fold-1.0-py3-none-any.whl", folded)
    _, text, _ = audit(str(wheels))
    assert "  fold name2 1.0 ALL CLEAR  (MIT)\n" in text.replace("\\x09", " "), text
    assert not [line for line in text.splitlines() if "ALL CLEAR" in line and not line.startswith("  fold")]


def test_a_string_an_import_or_exec_is_given_cannot_add_lines_to_the_report(tmp_path: Path) -> None:
    """A module named by a string with a line break (``import_module("x\\nFORGED")``), and the code an
    ``exec`` is given, are shown on one line (``\\x0a``) in the scan's and the audit's text."""
    package = tmp_path / "pk"
    package.mkdir()
    (package / "__init__.py").write_text(
        'import importlib\nimportlib.import_module("x\\nFORGED1: all clear")\nexec("a = 1\\nFORGED2")\n'
    )
    scanned = CliRunner().invoke(cli, ["scan", "--no-cache", str(package)])
    audited = CliRunner().invoke(cli, ["audit", "--no-cache", str(package)])
    for done in (scanned, audited):
        assert not [line for line in done.stdout.splitlines() if line.startswith("FORGED")], done.stdout
    assert "  x\\x0aFORGED1: all clear" in scanned.stdout
    assert "[a = 1\\x0aFORGED2]" in audited.stdout
