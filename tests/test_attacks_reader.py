"""Attacks on depscan's reading: what a hostile tree plants must give a diagnostic, never a hang or a crash.

Each test plants a FIFO, a link to ``/dev/zero``, a huge file, a zip bomb, an
encrypted archive member or a thousand-part import in a temporary tree, and
runs the command line on it in a subprocess with a time limit and (where
memory is the attack) about 1 GiB of address space. Every file the tree names
must go through :func:`depscan.source.read_bytes`.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT
from depscan.extract import budget

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")

MEMORY = 1 << 30  # address space for the command; /dev/zero read whole needs more than this
SECONDS = 60  # a hang is stopped here; a healthy run takes about a second


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def depscan(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``depscan ARGS`` in ``cwd`` under the time and memory limits; a traceback fails the test."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        [sys.executable, "-m", "depscan", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=SECONDS,
        preexec_fn=_limit_memory,
    )
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


def project(root: Path, pyproject: str | None = '[project]\nname = "p"\ndependencies = []\n') -> Path:
    """A small project (a git checkout with a pyproject.toml and one good module)."""
    (root / ".git").mkdir()
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject)
    (root / "good.py").write_text("import os\n")
    return root


# --- item 7: every file the tree names is read by the safe reader ------------------------------


@pytest.mark.parametrize("command", ["check", "audit"])
@pytest.mark.parametrize("plant", ["fifo", "dev-zero"])
def test_planted_source_file_gives_a_diagnostic(tmp_path: Path, command: str, plant: str) -> None:
    # check read the file again for `# depscan: ignore`, audit for its blind spots: a FIFO hung
    # both, /dev/zero grew memory until MemoryError.
    root = project(tmp_path)
    if plant == "fifo":
        os.mkfifo(root / "x.py")
    else:
        (root / "x.py").symlink_to("/dev/zero")
    result = depscan(root, command, ".")
    assert "DS012" in result.stdout
    assert result.returncode == 1


@pytest.mark.parametrize("plant", ["fifo", "dev-zero"])
@pytest.mark.parametrize("command", ["check", "audit"])
def test_planted_pyproject_is_a_clear_error(tmp_path: Path, command: str, plant: str) -> None:
    root = project(tmp_path, pyproject=None)
    if plant == "fifo":
        os.mkfifo(root / "pyproject.toml")
    else:
        (root / "pyproject.toml").symlink_to("/dev/zero")
    (root / "sub").mkdir()
    (root / "sub" / "m.py").write_text("import os\n")
    # The audit reads the configuration where it runs, when it is not inside the audited tree.
    result = depscan(root, command, "." if command == "check" else "sub")
    assert result.returncode == 2
    assert "pyproject.toml: cannot read the configuration" in result.stderr
    if command == "audit":  # inside it, the file is the tree's: not read as configuration
        result = depscan(root, command, ".")
        assert result.returncode == 0, result.stderr
        assert "pyproject.toml is in the audited tree: its configuration is not read" in result.stderr


@pytest.mark.parametrize("plant", ["fifo", "huge"])
def test_requirements_include_of_a_planted_file_is_a_finding(tmp_path: Path, plant: str) -> None:
    # (-r of a file outside the project, /dev/zero say, is not followed at all.)
    root = project(tmp_path, pyproject=None)
    if plant == "fifo":
        os.mkfifo(root / "more.txt")
    else:
        with (root / "more.txt").open("w") as handle:
            handle.truncate(2 * MEMORY)  # sparse: two GiB of NUL bytes, on no disk
    (root / "requirements.txt").write_text("requests\n-r more.txt\n")
    result = depscan(root, "check", ".")
    assert result.returncode == 1
    assert "requirements.txt:2:1: DS01" in result.stdout  # DS012 unreadable, DS013 too large


@pytest.mark.parametrize("plant", ["fifo", "dev-zero"])
def test_planted_baseline_is_a_clear_error(tmp_path: Path, plant: str) -> None:
    # The README has the baseline committed beside the code: a pull request can replace it.
    root = project(tmp_path)
    if plant == "fifo":
        os.mkfifo(root / "audit.json")
    else:
        (root / "audit.json").symlink_to("/dev/zero")
    result = depscan(root, "audit", ".", "--baseline", "audit.json")
    assert result.returncode == 2
    assert "audit.json: cannot read the baseline" in result.stderr


def _venv_with_planted_metadata(directory: Path) -> Path:
    """A virtual environment whose site-packages holds metadata files linked to /dev/zero."""
    venv.create(directory, with_pip=False, symlinks=True)
    [site] = directory.glob("lib/python3*/site-packages")
    planted = site / "planted-1.0.dist-info"
    planted.mkdir()
    (planted / "METADATA").symlink_to("/dev/zero")
    good = site / "good-1.0.dist-info"
    good.mkdir()
    (good / "METADATA").write_text("Metadata-Version: 2.1\nName: good\nVersion: 1.0\n")
    (good / "RECORD").symlink_to("/dev/zero")
    (site / "good.py").write_text("")
    return directory


@pytest.mark.parametrize("command", ["check", "audit"])
def test_distribution_metadata_linked_to_dev_zero(tmp_path: Path, command: str) -> None:
    environment = _venv_with_planted_metadata(tmp_path / "venv")
    (tmp_path / "proj").mkdir()
    root = project(tmp_path / "proj")
    (root / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = ["good"]\n')
    (root / "uses.py").write_text("import good\n")
    result = depscan(root, command, ".", "--python", str(environment))
    assert result.returncode == 0, result.stdout + result.stderr


# --- item 8: the audit keeps the size limit and says what it could not analyse -----------------


def _huge_module(path: Path, megabytes: int) -> None:
    """A module that imports subprocess and calls exec, then runs on (sparse: no disk is used)."""
    with path.open("w") as handle:
        handle.write("import subprocess\nexec(input())\n")
        handle.truncate(megabytes * 1024 * 1024)


@pytest.mark.parametrize("output_format", ["text", "json", "markdown", "html", "sarif"])
def test_audit_of_a_huge_module_says_it_was_not_analysed(tmp_path: Path, output_format: str) -> None:
    # It said "capabilities: none", exit 0: the MemoryError was swallowed with the module's imports.
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    _huge_module(vendor / "big.py", 104)
    result = depscan(tmp_path, "audit", "vendor", "--format", output_format)
    assert result.returncode == 1
    assert "1 module could not be analysed" in result.stderr
    if output_format == "json":
        document = json.loads(result.stdout)
        assert document["summary"]["unanalysed"] == 1
        [entry] = document["unanalysed"]
        assert (entry["module"], entry["kind"]) == ("big", "too-large")
    elif output_format == "text":
        assert "NOT ANALYSED: 1" in result.stdout.splitlines()[1]
    else:
        assert "big.py" in result.stdout and "DS013" in result.stdout


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 MB of zip that inflates to a 1 GiB module (made once: it takes two seconds)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("bombmod.py", "w", force_zip64=True) as member,
    ):
        member.write(b"import subprocess\n")
        block = b"#" * (1 << 20)
        for _ in range(1024):
            member.write(block)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("how", ["target", "on-path"])
def test_zip_bomb_member_is_over_the_limit_not_inflated(tmp_path: Path, zip_bomb: Path, how: str) -> None:
    # The audit inflated it whole: 41 s and 3.2 GB for a 2 MB archive.
    (tmp_path / "uses.py").write_text("import bombmod\n")
    args = ["audit", str(zip_bomb)] if how == "target" else ["audit", "uses.py", "--path", str(zip_bomb)]
    result = depscan(tmp_path, *args, "--format", "json")
    document = json.loads(result.stdout)
    [entry] = document["unanalysed"]
    assert (entry["module"], entry["kind"]) == ("bombmod", "too-large")
    assert result.returncode == 1


# --- item 14: an encrypted member, a thousand-part name --------------------------------------------


def _encrypted_zip(path: Path) -> Path:
    """A zip archive whose one member is marked encrypted (flag bit 0), as a password-protected one is."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("encmod.py", b"import subprocess\n")
    data = bytearray(path.read_bytes())
    data[6] |= 1  # the local header's flags
    data[data.find(b"PK\x01\x02") + 8] |= 1  # the central directory's
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "enc.zip"],
        ["scan", "uses.py", "--path", "enc.zip"],
        ["audit", "enc.zip"],
        ["audit", "uses.py", "--path", "enc.zip"],
        ["why", "uses.py", "encmod", "--path", "enc.zip"],
    ],
    ids=lambda args: "-".join(a for a in args if not a.endswith((".py", ".zip"))),
)
def test_encrypted_zip_member_is_a_diagnostic(tmp_path: Path, args: list[str]) -> None:
    _encrypted_zip(tmp_path / "enc.zip")
    (tmp_path / "uses.py").write_text("import encmod\n")
    result = depscan(tmp_path, *args)
    assert result.returncode in (0, 1), result.stderr
    if args[0] in ("scan", "audit"):
        assert "encrypted" in result.stdout


THOUSAND = ".".join(["a"] * 1000)


@pytest.fixture
def deep_tree(tmp_path: Path) -> Iterator[Path]:
    """Packages ``a.a.a...`` a thousand deep, removed here (pytest's recursive clean-up cannot)."""
    packages = []
    package = tmp_path / "deep"
    package.mkdir()
    for _ in range(1000):
        package = package / "a"
        package.mkdir()
        (package / "__init__.py").write_text("")
        packages.append(package)
    yield tmp_path / "deep"
    for package in reversed(packages):
        (package / "__init__.py").unlink()
        package.rmdir()


@pytest.mark.parametrize("exists", [False, True], ids=["missing", "a-thousand-packages-deep"])
@pytest.mark.parametrize(
    "args",
    [
        ["scan", "deep.py"],
        ["check", "deep.py"],
        ["audit", "deep.py"],
        ["resolve", THOUSAND, "--path", "."],
    ],
    ids=lambda args: args[0],
)
def test_a_thousand_part_import_is_no_recursion_error(deep_tree: Path, args: list[str], exists: bool) -> None:
    root = deep_tree if exists else deep_tree.parent
    (root / "deep.py").write_text(f"import {THOUSAND}\nfrom {THOUSAND} import x\n")
    result = depscan(root, *args)
    assert result.returncode in (0, 1), result.stderr
    if args[0] == "resolve":
        assert (result.returncode == 0) is exists


# --- a parse's memory: bounded by the tokens, not only by the file's size -----------------------

DENSE = {  # 10 MB or less each (under the size limit), each a gigabyte or more to parse
    "names": lambda: "a\n" * 5_000_000,  # 9 GB to parse
    "imports": lambda: "import os\n" * 1_000_000,  # 1.8 GB
    "one-line-list": lambda: "x = [" + "1," * 4_500_000 + "]\n",
    "f-string-fields": lambda: 'x = f"' + "{a}" * 3_000_000 + '"\n',
    "unending-string": lambda: "'''" + "\\'''" * 2_000_000 + "\n",  # every quote escaped: no end
}


@pytest.mark.parametrize("dense", sorted(DENSE))
def test_a_module_of_too_many_tokens_is_not_parsed(tmp_path: Path, dense: str) -> None:
    """The parser takes 600 to 900 bytes a token: a 10 MB module of short lines took 9 GB. Over a
    million tokens a module is a DS014 diagnostic, counted before the parse, in bounded memory (the
    command runs in 1 GiB of address space: a parse would end in a MemoryError, said otherwise)."""
    (tmp_path / "dense.py").write_text(DENSE[dense]())
    result = depscan(tmp_path, "imports", "dense.py", "--format", "json")
    assert result.returncode == 1, result.stderr
    [diagnostic] = json.loads(result.stdout)["files"][0]["diagnostics"]
    assert diagnostic["code"] == "DS014" and "more than 1,000,000 tokens" in diagnostic["message"]


def test_an_audit_says_a_module_of_too_many_tokens_was_not_analysed(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    (vendor / "dense.py").write_text("import subprocess\n" + "a\n" * 2_000_000)
    result = depscan(tmp_path, "audit", "vendor", "--format", "json")
    assert result.returncode == 1 and "1 module could not be analysed" in result.stderr
    [entry] = json.loads(result.stdout)["unanalysed"]
    assert entry["module"] == "dense" and "tokens" in json.dumps(entry)


def test_a_large_module_of_long_strings_is_parsed(tmp_path: Path) -> None:
    """7 MB of data, 3.5 million words in strings but 400,000 tokens (a string is one): read whole,
    as Google Cloud SDK's 6 MB gcloud_completions.py (713,000 tokens, 312 MB to parse) is."""
    line = '    "a b c d e f g h i j k l m n o p q r s t": "a b c d e f g h i j k l m n o p q r s t",\n'
    (tmp_path / "data.py").write_text("import json\nDATA = {\n" + line * 80_000 + "}\n")
    result = depscan(tmp_path, "imports", "data.py", "--format", "json")
    assert result.returncode == 0, result.stderr
    [entry] = json.loads(result.stdout)["files"]
    assert entry["diagnostics"] == [] and [i["module"] for i in entry["imports"]] == ["json"]


def test_a_module_the_reader_of_newer_grammars_rewrites_is_counted_as_rewritten(tmp_path: Path) -> None:
    """``except A, B:`` (Python 3.14) is read by rewriting it ``except (A, B):``, two tokens more a
    clause: a module just under the limit as written is over it as rewritten, and is not parsed."""
    clause = "try:\n    pass\nexcept A, B:\n    pass\n"
    (tmp_path / "clauses.py").write_text(clause * (990_000 // 17))  # 17 tokens a clause as written, 19 rewritten
    assert not budget.too_many_tokens((tmp_path / "clauses.py").read_bytes())
    result = depscan(tmp_path, "imports", "clauses.py", "--format", "json")
    [diagnostic] = json.loads(result.stdout)["files"][0]["diagnostics"]
    assert diagnostic["code"] == "DS014" and "more than 1,000,000 tokens" in diagnostic["message"]
