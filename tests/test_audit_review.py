"""The review of a dependency update: two audits of wheels (or of an environment) compared.

``fixtures/review/{old,new}`` hold the contents of the wheels of an update (see its README); the
tests zip each into a wheel with its RECORD, or unpack it into a virtual environment's site-packages
as an installer would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from depscan.analysis.audit import AUDIT_SCHEMA_VERSION
from depscan.cli import cli

UPDATE = FIXTURES / "review"


def wheel_files(tree: Path) -> dict[str, bytes]:
    """A wheel's members from a fixture tree, with the RECORD an installer writes."""
    files = {path.relative_to(tree).as_posix(): path.read_bytes() for path in sorted(tree.rglob("*")) if path.is_file()}
    info = next(name.split("/")[0] for name in files if name.endswith(".dist-info/METADATA"))
    rows = [
        f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}"
        for name, data in files.items()
    ]
    files[f"{info}/RECORD"] = ("\n".join([*rows, f"{info}/RECORD,,"]) + "\n").encode()
    return files


def wheels(side: str, directory: Path) -> Path:
    """``fixtures/review/<side>`` as a directory of wheels."""
    directory.mkdir(parents=True)
    for tree in sorted((UPDATE / side).iterdir()):
        with zipfile.ZipFile(directory / f"{tree.name}-py3-none-any.whl", "w") as wheel:
            for name, data in wheel_files(tree).items():
                wheel.writestr(name, data)
    return directory


def audit_json(*arguments: str) -> tuple[int, dict[str, Any], str]:
    done = CliRunner().invoke(cli, ["audit", "--no-cache", "--format", "json", *arguments])
    assert done.exit_code in (0, 1), done.output
    return done.exit_code, json.loads(done.stdout), done.stderr


@pytest.fixture(scope="module")
def update(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("review")
    old, new = wheels("old", root / "old"), wheels("new", root / "new")
    baseline = root / "old.json"
    done = CliRunner().invoke(cli, ["audit", "--no-cache", "--format", "json", "-o", str(baseline), str(old)])
    assert done.exit_code == 0, done.output
    return baseline, new


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in document["changes"]["distributions"]}


def test_a_directory_of_wheels_is_audited_wheel_by_wheel(update: tuple[Path, Path]) -> None:
    """Each wheel is a target; its dist-info names the distribution; its modules are that distribution's
    (not opaque zip members: a wheel's source is what is read), its extension is a file of the wheel."""
    _, new = update
    status, document, _ = audit_json(str(new))
    assert status == 0
    assert [(d["name"], d["version"], d["origin"]) for d in document["distributions"]] == [
        ("calm", "1.0", "wheel"),
        ("fresh", "0.1", "wheel"),
        ("updated", "2.0", "wheel"),
    ]
    owners = {e["name"]: e["distribution"] for e in document["inventory"] if e["audited"]}
    assert owners == {
        "calm": "calm",
        "fresh": "fresh",
        "updated": "updated",
        "updated.core": "updated",
        "updated.fetch": "updated",
        "updated.shell": "updated",
    }
    assert not [s for s in document["opaque"] if s["kind"] == "zip"]
    files = {(f["kind"], f["relative"]) for f in document["files"]}
    assert files == {("extension", "updated/_speedups.abi3.so"), ("pth", "updated_paths.pth")}
    rows = {(p["name"], p["kind"]) for p in document["packages"]}
    assert {("updated", "distribution"), ("fresh", "distribution"), ("calm", "distribution")} <= rows
    opaque = {p["name"]: p["opaque"] for p in document["packages"]}
    assert opaque == {"calm": 0, "fresh": 0, "updated": 2}  # its extension file and its .pth file


def test_a_wheel_that_cannot_be_read_is_not_analysed(tmp_path: Path) -> None:
    """A wheel among others that is not a zip is not audited: the audit says so among what it
    could not analyse and exits 1, as for a module it could not read (it exited 0, found by attack)."""
    directory = wheels("old", tmp_path / "wheels")
    (directory / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip at all")
    status, document, _ = audit_json(str(directory))
    assert status == 1
    [spot] = document["unanalysed"]
    assert spot["path"].endswith("broken-1.0-py3-none-any.whl") and spot["kind"] == "bad-archive"
    assert document["summary"]["unanalysed"] == 1


def test_a_directory_of_wheels_lists_what_else_it_holds_and_follows_no_link(tmp_path: Path) -> None:
    """Beside its wheels, a directory of wheels is a tree like any other: its other files are listed,
    a link named ``*.whl`` that leads out of it is listed and not followed (not audited: its
    distribution is not named), a FIFO named ``*.whl`` is not read (found by review)."""
    directory = wheels("old", tmp_path / "wheels")
    outside = wheels("new", tmp_path / "outside")
    os.symlink(outside / "fresh-0.1-py3-none-any.whl", directory / "link-1.0-py3-none-any.whl")
    os.mkfifo(directory / "pipe-1.0-py3-none-any.whl")
    (directory / "native.so").write_bytes(b"\x7fELF" + b"\0" * 60)
    (directory / "run.pth").write_text("import os\n")
    (directory / "sub").mkdir()
    (directory / "sub" / "lib.so").write_bytes(b"\x7fELF" + b"\0" * 60)
    _, document, _ = audit_json(str(directory))
    assert "fresh" not in {d["name"] for d in document["distributions"]}
    files = {f["relative"]: f["kind"] for f in document["files"]}
    problems = {f["relative"]: f["problem"] for f in document["files"]}
    assert files["wheels/link-1.0-py3-none-any.whl"] == "link"
    assert problems["wheels/pipe-1.0-py3-none-any.whl"] == "is a FIFO; not read"
    assert files["wheels/native.so"] == "extension" and files["wheels/sub/lib.so"] == "extension"
    assert files["wheels/run.pth"] == "pth"
    assert not any(name.startswith("wheels/") and name.endswith("updated-1.0-py3-none-any.whl") for name in files)


def test_a_distribution_counts_its_files_that_are_not_source(tmp_path: Path) -> None:
    """A distribution's opaque code counts its files that are not source or data: an extension member
    beside the module's source (zipimport reads the source; once installed the extension is what
    loads: charset-normalizer's ``md.cpython-*.so``), one no module is (``md__mypyc``), a .pth file."""
    directory = tmp_path / "wheels"
    directory.mkdir()
    tag = "cpython-311-x86_64-linux-gnu"
    members = {
        "native/__init__.py": b"from . import md\n",
        "native/md.py": b"X = 1\n",
        f"native/md.{tag}.so": b"\x7fELF md",
        f"native/md__mypyc.{tag}.so": b"\x7fELF mypyc",
        "native-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: native\nVersion: 1.0\n",
    }
    with zipfile.ZipFile(directory / "native-1.0-py3-none-any.whl", "w") as wheel:
        for name, data in members.items():
            wheel.writestr(name, data)
    _, document, _ = audit_json(str(directory))
    assert {f["relative"]: f["module"] for f in document["files"]} == {
        f"native/md.{tag}.so": "native.md",
        f"native/md__mypyc.{tag}.so": None,
    }
    (row,) = [p for p in document["packages"] if p["name"] == "native"]
    assert (row["kind"], row["modules"], row["opaque"]) == ("distribution", 2, 2)
    text = CliRunner().invoke(cli, ["audit", "--no-cache", str(directory)]).stdout
    assert "  native 1.0 [distribution, 2 modules, 2 opaque]" in text


def test_distributions_added_removed_and_changed(update: tuple[Path, Path]) -> None:
    baseline, new = update
    status, document, stderr = audit_json("--baseline", str(baseline), "--fail-on", "new-distribution", str(new))
    assert status == 1 and "new-distribution since" in stderr
    rows = by_name(document)
    assert {name: (r["status"], r["before"], r["after"]) for name, r in rows.items()} == {
        "fresh": ("added", None, "0.1"),
        "updated": ("changed", "1.0", "2.0"),
        "dropped": ("removed", "0.5", None),
    }  # calm: the same version, nothing new, no row
    assert document["changes"]["new_distributions"] == ["fresh"]
    unchanged, _, _ = audit_json(
        "--baseline", str(baseline), "--fail-on", "new-distribution", str(baseline.parent / "old")
    )
    assert unchanged == 0


def test_a_capability_new_to_a_distribution_comes_with_its_chain(update: tuple[Path, Path]) -> None:
    """``updated`` 2.0 reaches the network through its new module; os, which it had, gives nothing
    new (a false "new capability" is a bug); ``fresh``, added, brings what it can do."""
    baseline, new = update
    _, document, _ = audit_json("--baseline", str(baseline), str(new))
    rows = by_name(document)
    assert [(c["capability"], c["chain"]) for c in rows["updated"]["new_capabilities"]] == [
        ("network", ["updated.fetch", "socket"])
    ]
    assert [(c["capability"], c["chain"]) for c in rows["fresh"]["new_capabilities"]] == [
        ("process", ["fresh", "subprocess"])
    ]
    assert not rows["dropped"]["new_capabilities"]


def test_a_new_pth_line_and_a_new_extension_file_are_their_distributions(update: tuple[Path, Path]) -> None:
    baseline, new = update
    status, document, _ = audit_json("--baseline", str(baseline), "--fail-on", "new-opaque", str(new))
    assert status == 1
    updated = by_name(document)["updated"]
    assert [(p["file"], p["line"], p["runs"]) for p in updated["new_pth_lines"]] == [("updated_paths.pth", 3, True)]
    assert [(o["kind"], o["relative"]) for o in updated["new_opaque"]] == [
        ("extension", "updated/_speedups.abi3.so"),
        ("pth", "updated_paths.pth"),  # its contents changed
    ]


def test_the_schema_gains_fields_and_keeps_its_version(update: tuple[Path, Path]) -> None:
    baseline, new = update
    _, document, _ = audit_json("--baseline", str(baseline), str(new))
    assert document["schema"] == "depscan/audit" and document["schema_version"] == AUDIT_SCHEMA_VERSION == 1
    assert set(document["distributions"][0]) == {"name", "version", "license", "origin", "path"}
    assert set(document["changes"]["distributions"][0]) == {
        "name",
        "before",
        "after",
        "status",
        "new_capabilities",
        "new_opaque",
        "new_pth_lines",
        "new_blindspots",
    }
    assert set(document["changes"]["distributions"][0]["new_capabilities"][0]) == {
        "capability",
        "modules",
        "via",
        "chain",
    }


def test_the_update_comes_first_in_text_and_markdown(update: tuple[Path, Path]) -> None:
    baseline, new = update
    runner = CliRunner()
    text = runner.invoke(cli, ["audit", "--no-cache", "--baseline", str(baseline), str(new)]).stdout
    assert text.startswith("Dependency update since the baseline: 1 added, 1 changed, 1 removed\n")
    assert "    new capability: network (4 modules): updated.fetch -> socket\n" in text
    markdown = runner.invoke(
        cli, ["audit", "--no-cache", "--format", "markdown", "--baseline", str(baseline), str(new)]
    )
    body = markdown.stdout
    assert body.index("### Dependency update: 1 added, 1 changed, 1 removed") < body.index("### Packages")
    assert "| **updated** | 1.0 → 2.0 | network | 2 | 1 | 0 |" in body
    assert "| updated | **network** | 4 | updated.fetch → socket |" in body


def test_a_baseline_of_a_tree_has_no_distributions_to_compare(update: tuple[Path, Path], tmp_path: Path) -> None:
    """A baseline that names no distributions (an audit of a tree) says nothing about them: not "all added"."""
    baseline, new = update
    document = json.loads(baseline.read_text())
    older = tmp_path / "older.json"
    distributions: list[Any] | None
    for distributions in ([], None):  # a tree's audit, an older depscan's
        document["distributions"] = distributions
        older.write_text(json.dumps({k: v for k, v in document.items() if v is not None}))
        status, changed, _ = audit_json("--baseline", str(older), "--fail-on", "new-distribution", str(new))
        assert status == 0 and changed["changes"]["distributions"] == []


def test_a_new_module_reaching_what_its_distribution_reached_is_no_new_capability(update: tuple[Path, Path]) -> None:
    """``updated.shell`` (new) runs programs, as ``updated.core`` did: a new (capability, module) pair, but
    --fail-on new-capability, with distributions compared, counts the capabilities new to a distribution."""
    baseline, new = update
    _, document, _ = audit_json("--baseline", str(baseline), str(new))
    assert ("process", "updated.shell") in {
        (c["capability"], c["module"]) for c in document["changes"]["new_capabilities"]
    }
    assert "process" not in {c["capability"] for c in by_name(document)["updated"]["new_capabilities"]}
    wheel = next(new.glob("updated-*.whl"))
    same = baseline.parent / "same"
    shutil.rmtree(same, ignore_errors=True)
    same.mkdir()
    for old_wheel in (baseline.parent / "old").iterdir():
        shutil.copy(old_wheel, same)
    with zipfile.ZipFile(same / "updated-1.0-py3-none-any.whl", "a") as handle:
        handle.writestr("updated/shell.py", zipfile.ZipFile(wheel).read("updated/shell.py"))
    status, changed, _ = audit_json("--baseline", str(baseline), "--fail-on", "new-capability", str(same))
    assert changed["changes"]["new_capabilities"] and status == 0


def test_installed_needs_an_interpreter_named(tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["audit", "--no-cache", "--installed"])
    assert done.exit_code == 2 and "--python" in done.stderr
    assert runner.invoke(cli, ["audit", "--no-cache"]).exit_code == 2


def install(side: str, venv: Path) -> None:
    """Unpack the wheels of ``side`` into the environment's site-packages, as an installer does."""
    site = next(venv.glob("lib/python3*/site-packages"))
    for tree in sorted((UPDATE / side).iterdir()):
        for name, data in wheel_files(tree).items():
            (site / name).parent.mkdir(parents=True, exist_ok=True)
            (site / name).write_bytes(data)


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX virtual environment's layout")
def test_an_environment_audited_whole_and_compared(tmp_path: Path) -> None:
    """``--python VENV --installed``: every distribution of the environment, each file its RECORD's,
    never the stdlib; two environments compared as two directories of wheels are."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    install("old", venv)
    baseline = tmp_path / "old.json"
    arguments = ["--python", str(venv), "--installed"]
    status, document, _ = audit_json(*arguments)
    assert status == 0
    assert [(d["name"], d["version"], d["origin"]) for d in document["distributions"]] == [
        ("calm", "1.0", "installed"),
        ("dropped", "0.5", "installed"),
        ("updated", "1.0", "installed"),
    ]
    audited = {e["name"]: e for e in document["inventory"] if e["audited"]}
    assert {n: e["distribution"] for n, e in audited.items()} == {
        "calm": "calm",
        "dropped": "dropped",
        "updated": "updated",
        "updated.core": "updated",
    }
    assert all(e["category"] != "stdlib" for e in audited.values())
    baseline.write_text(json.dumps(document))
    site = next(venv.glob("lib/python3*/site-packages"))
    for name in ("dropped", "dropped-0.5.dist-info", "updated", "updated-1.0.dist-info"):
        shutil.rmtree(site / name)
    install("new", venv)
    status, changed, _ = audit_json(*arguments, "--baseline", str(baseline), "--fail-on", "new-capability")
    assert status == 1
    rows = by_name(changed)
    assert {name: r["status"] for name, r in rows.items()} == {
        "fresh": "added",
        "updated": "changed",
        "dropped": "removed",
    }
    assert [(c["capability"], c["chain"]) for c in rows["updated"]["new_capabilities"]] == [
        ("network", ["updated.fetch", "socket"])
    ]
    assert [(p["file"], p["text"]) for p in rows["updated"]["new_pth_lines"]] == [
        ("site-packages/updated_paths.pth", 'import updated.fetch; updated.fetch.get("example.org")')
    ]
    assert ("extension", "site-packages/updated/_speedups.abi3.so") in {
        (o["kind"], o.get("relative")) for o in rows["updated"]["new_opaque"]
    }
    opaque = {p["name"]: p["opaque"] for p in changed["packages"]}
    assert opaque == {"calm": 0, "fresh": 0, "updated": 2}  # the files its RECORD lists


def venv_with_tooly(root: Path) -> tuple[Path, Path]:
    """A virtual environment with ``tooly`` 1.0 installed: its RECORD lists a console script and a data
    file in the environment, and rows that lead out of it (by ``..``, absolute, by a link out of ``bin``
    to a secret file beside the environment). Returns the environment and the secret file."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    secret = root / "secret.txt"
    secret.write_text("the auditor's own secret\n")
    (site / "tooly").mkdir()
    (site / "tooly" / "__init__.py").write_text("import os\n")
    info = site / "tooly-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tooly\nVersion: 1.0\n")
    script = venv / "bin" / "tooly"
    script.write_text(f"#!{venv}/bin/python\nimport tooly\n")
    script.chmod(0o755)
    (venv / "share" / "man").mkdir(parents=True)
    (venv / "share" / "man" / "tooly.1").write_text(".TH TOOLY 1\n")
    (venv / "bin" / "leak").symlink_to(secret)
    rows = [
        "tooly/__init__.py,,",
        "tooly-1.0.dist-info/METADATA,,",
        "../../../bin/tooly,,",
        "../../../share/man/tooly.1,,",
        "../../../../../../../../../../etc/passwd,,",
        f"{secret},,",
        "../../../bin/leak,,",
        "tooly-1.0.dist-info/RECORD,,",
    ]
    (info / "RECORD").write_text("\n".join(rows) + "\n")
    return venv, secret


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX virtual environment's layout")
def test_installed_files_outside_site_packages_are_the_distributions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--installed``: a file a RECORD lists outside site-packages but inside the environment (a console
    script in bin/) is the distribution's, with its size and hash; plain data there is not listed, as in
    a tree. A row that leads out of the environment (``..``, an absolute path, a link out of bin/) is
    listed as refused with the reason, and never opened."""
    venv, secret = venv_with_tooly(tmp_path)
    opened: list[str] = []
    real_open = os.open

    def spy(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        opened.append(os.path.realpath(os.fspath(path)) if isinstance(path, (str, Path)) else str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    status, document, _ = audit_json("--python", str(venv), "--installed")
    monkeypatch.undo()
    assert status == 0
    files = {f["relative"]: f for f in document["files"]}
    script = (venv / "bin" / "tooly").read_bytes()
    assert files["bin/tooly"]["kind"] == "executable" and files["bin/tooly"]["detail"].startswith("a script (#!")
    assert (files["bin/tooly"]["size"], files["bin/tooly"]["sha256"]) == (
        len(script),
        hashlib.sha256(script).hexdigest(),
    )
    assert not [name for name in files if "tooly.1" in name]  # plain data
    refused = {name: f for name, f in files.items() if f["kind"] == "refused"}
    assert set(refused) == {"../../../../../../../../../../etc/passwd", str(secret), "../../../bin/leak"}
    assert "outside the environment" in refused["../../../../../../../../../../etc/passwd"]["problem"]
    assert "an absolute path" in refused[str(secret)]["problem"]
    assert "a symbolic link out of the environment" in refused["../../../bin/leak"]["problem"]
    assert all(f["size"] is None and f["sha256"] is None for f in refused.values())
    assert str(secret) not in opened and "/etc/passwd" not in opened, "a refused row was opened"
    assert os.path.realpath(venv / "bin" / "tooly") in opened
    (row,) = [p for p in document["packages"] if p["name"] == "tooly"]
    assert (row["kind"], row["opaque"]) == ("distribution", 4)  # its script and the three rows refused
    text = CliRunner().invoke(cli, ["audit", "--no-cache", "--python", str(venv), "--installed"]).stdout
    assert "bin/tooly" in text and "not read: a symbolic link out of the environment" in text


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX virtual environment's layout")
def test_a_record_row_with_a_nul_is_refused_not_a_traceback(tmp_path: Path) -> None:
    """A NUL in a RECORD row (csv reads it) made the check of where it leads raise ValueError."""
    venv, _ = venv_with_tooly(tmp_path)
    record = next(venv.glob("lib/python*/site-packages/tooly-1.0.dist-info/RECORD"))
    with record.open("a") as handle:
        handle.write("../../../bin/nul\x00x,,\ntooly/nul\x00.py,,\n")
    status, document, err = audit_json("--python", str(venv), "--installed")
    assert status == 0
    refused = {f["relative"] for f in document["files"] if f["kind"] == "refused"}
    if sys.version_info < (3, 11):  # csv refuses a NUL there, as importlib.metadata does: said
        assert not {"../../../bin/nul\x00x", "tooly/nul\x00.py"} & refused, refused
        assert "malformed line" in err and "the rest of the file is skipped" in err, err
        return
    assert {"../../../bin/nul\x00x", "tooly/nul\x00.py"} <= refused, refused
    rows = {f["relative"]: f for f in document["files"]}
    assert rows["tooly/nul\x00.py"]["problem"] == "a NUL in the path"


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX virtual environment's layout")
def test_a_console_script_added_by_an_update_is_new_opaque_code(tmp_path: Path) -> None:
    """Compared with a baseline, a console script the update installs is a new file of its distribution."""
    venv, _ = venv_with_tooly(tmp_path)
    baseline = tmp_path / "old.json"
    _, document, _ = audit_json("--python", str(venv), "--installed")
    baseline.write_text(json.dumps(document))
    site = next(venv.glob("lib/python3*/site-packages"))
    record = site / "tooly-1.0.dist-info" / "RECORD"
    record.write_text(record.read_text() + "../../../bin/tooly-admin,,\n")
    (venv / "bin" / "tooly-admin").write_bytes(b"\x7fELF admin")
    arguments = ("--python", str(venv), "--installed", "--baseline", str(baseline), "--fail-on", "new-opaque")
    status, changed, _ = audit_json(*arguments)
    assert status == 1
    (tooly,) = changed["changes"]["distributions"]
    assert [(o["kind"], o["relative"]) for o in tooly["new_opaque"]] == [("executable", "bin/tooly-admin")]
