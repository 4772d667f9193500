"""The stored answer of ``depscan audit``: the cold report byte for byte, and a change to anything the
audit read (a source, a file of the tree, ``vendor.txt``, the auditor's configuration, the baseline)
seen; an answer planted by someone else is not served.

Each run is a process of its own, its caches signed with the secret of the tests (conftest.py) or,
playing an attacker, with another. An answer served from the store is told by the extraction cache:
removed after the first run, it is made again only by a run that scans.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT

TIMEOUT = 60


def _depscan(*args: str, cwd: Path, state: Path | None = None) -> tuple[int, str, str]:
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environ["PYTHONPATH"] = str(ROOT)
    if state is not None:
        environ["XDG_STATE_HOME"] = str(state)
    done = subprocess.run(
        [sys.executable, "-m", "depscan", *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=TIMEOUT
    )
    return done.returncode, done.stdout, done.stderr


def _age(tree: Path, seconds: float = 60) -> None:
    """Every file and directory of ``tree`` made ``seconds`` old (fresh ones are never trusted)."""
    past = time.time() - seconds
    for path in [tree, *tree.rglob("*")]:
        os.utime(path, (past, past))


def _forget_extractions(cache: Path) -> None:
    databases = list(cache.glob("extractions.sqlite3*"))
    assert databases, "the run that scanned made the extraction cache"
    for database in databases:
        database.unlink()


def _from_store(cache: Path) -> bool:
    return not any(cache.glob("extractions.sqlite3"))


@pytest.fixture
def auditor(tmp_path: Path) -> Path:
    """Where the auditor runs (its configuration), beside ``vendored/pkg``: a package with a vendored
    ``six`` whose version only ``vendor.txt`` says, and a data file."""
    (tmp_path / "auditor").mkdir()
    (tmp_path / "auditor" / "pyproject.toml").write_text('[tool.depscan]\nexclude = ["nothing_*"]\n')
    package = tmp_path / "vendored" / "pkg"
    (package / "_vendor").mkdir(parents=True)
    (package / "__init__.py").write_text("import os\n")
    (package / "tool.py").write_text("from pkg._vendor import six\n\n\ndef run():\n    os.system('ls')\n")
    (package / "_vendor" / "__init__.py").write_text("")
    (package / "_vendor" / "six.py").write_text("import json\n")
    (package / "_vendor" / "vendor.txt").write_text("six==1.16.0\n")
    (package / "data.bin").write_bytes(b"plain data, 24 bytes...\n")
    _age(tmp_path)
    return tmp_path / "auditor"


def _audit(auditor: Path, *args: str) -> tuple[int, str, str]:
    cache = auditor.parent / "cache"
    return _depscan("audit", "../vendored/pkg", "--cache-dir", str(cache), *args, cwd=auditor)


@pytest.mark.parametrize("output_format", ["json", "text", "markdown", "html", "sarif"])
def test_a_stored_audit_is_the_cold_one_byte_for_byte(auditor: Path, output_format: str) -> None:
    cold = _depscan("audit", "../vendored/pkg", "--no-cache", "--format", output_format, cwd=auditor)
    assert cold[0] == 0, cold[2]
    first = _audit(auditor, "--format", output_format)
    _forget_extractions(auditor.parent / "cache")
    second = _audit(auditor, "--format", output_format)
    assert _from_store(auditor.parent / "cache")
    assert first == second == cold


def test_a_stored_markdown_comment_writes_the_whole_report_beside_it(auditor: Path) -> None:
    """A comment cut short names the whole report beside it: written again from the stored answer."""
    package = auditor.parent / "vendored" / "pkg"
    for number in range(150):  # a report over GitHub's limit: many modules, each with blind spots
        (package / f"m{number:03}.py").write_text(
            "".join(f"exec(code_{n})\n__import__(name_{n})\n" for n in range(6)) + "import subprocess\n"
        )
    _age(auditor.parent)
    args = ("--format", "markdown", "-o", "audit.md")
    first = _audit(auditor, *args)
    whole = (auditor / "audit.full.md").read_bytes()
    comment = (auditor / "audit.md").read_bytes()
    assert "audit.full.md" in first[2]
    (auditor / "audit.full.md").unlink()
    _forget_extractions(auditor.parent / "cache")
    assert _audit(auditor, *args) == first
    assert _from_store(auditor.parent / "cache")
    assert (auditor / "audit.full.md").read_bytes() == whole and (auditor / "audit.md").read_bytes() == comment


def _json(run: tuple[int, str, str]) -> dict[str, Any]:
    assert "Traceback" not in run[2], run[2]
    document: dict[str, Any] = json.loads(run[1])
    return document


def _capabilities(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["capability"], c["module"]) for c in document["capabilities"]}


def _files(document: dict[str, Any]) -> dict[str, str]:
    return {f["relative"]: f["kind"] for f in document["files"]}


def _six_version(document: dict[str, Any]) -> str | None:
    [six] = [v for v in document["vendored"] if v["package"] == "six"]
    version: str | None = six["version"]
    return version


def _edit_source(auditor: Path) -> Callable[[dict[str, Any]], bool]:
    (auditor.parent / "vendored" / "pkg" / "_vendor" / "six.py").write_text("import json\nimport subprocess\n")
    return lambda report: ("process", "pkg._vendor.six") in _capabilities(report)


def _add_extension(auditor: Path) -> Callable[[dict[str, Any]], bool]:
    (auditor.parent / "vendored" / "pkg" / "_vendor" / "fast.so").write_bytes(b"\x7fELF")
    return lambda report: _files(report).get("pkg/_vendor/fast.so") == "extension"


def _add_library(auditor: Path) -> Callable[[dict[str, Any]], bool]:
    (auditor.parent / "vendored" / "pkg" / "helper.dll").write_bytes(b"MZ")
    return lambda report: _files(report).get("pkg/helper.dll") == "native-library"


def _data_made_machine_code(auditor: Path) -> Callable[[dict[str, Any]], bool]:
    """The same size, the same modification time: only the contents (and the change time) differ."""
    data = auditor.parent / "vendored" / "pkg" / "data.bin"
    before = data.stat()
    data.write_bytes(b"\x7fELF" + b"x" * (before.st_size - 4))
    os.utime(data, ns=(before.st_atime_ns, before.st_mtime_ns))
    return lambda report: _files(report).get("pkg/data.bin") == "executable"


def _edit_vendor_txt(auditor: Path) -> Callable[[dict[str, Any]], bool]:
    (auditor.parent / "vendored" / "pkg" / "_vendor" / "vendor.txt").write_text("six==1.17.0\n")
    return lambda report: _six_version(report) == "1.17.0"


def _configure_capability(auditor: Path) -> Callable[[dict[str, Any]], bool]:
    """The auditor's own table: ``json`` (which six imports) now gives a capability of theirs."""
    with (auditor / "pyproject.toml").open("a") as config:
        config.write('\n[tool.depscan.capabilities.serialises]\ndescription = "writes JSON"\nmodules = ["json"]\n')
    return lambda report: ("serialises", "pkg._vendor.six") in _capabilities(report)


CHANGES = {
    "a source edited": _edit_source,
    "an extension module added": _add_extension,
    "a native library added": _add_library,
    "a data file made machine code in place": _data_made_machine_code,
    "vendor.txt edited": _edit_vendor_txt,
    "the auditor's capabilities configured": _configure_capability,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_is_seen_through_the_stored_audit(auditor: Path, change: str) -> None:
    first = _audit(auditor, "--format", "json")
    _forget_extractions(auditor.parent / "cache")
    assert _audit(auditor, "--format", "json") == first and _from_store(auditor.parent / "cache")
    seen = CHANGES[change](auditor)
    assert not seen(_json(first))
    assert seen(_json(_audit(auditor, "--format", "json")))


def test_the_baseline_is_read_afresh_each_time(auditor: Path) -> None:
    """A stored audit compared with a baseline: the baseline edited (the same size, its time set back)
    gives the changes against the new one."""
    baseline = auditor / "before.json"
    document = _json(_audit(auditor, "--format", "json"))
    baseline.write_text(json.dumps(document))
    _age(auditor)
    args = ("--format", "json", "--baseline", "before.json", "--fail-on", "new-module")
    first = _audit(auditor, *args)
    _forget_extractions(auditor.parent / "cache")
    assert _audit(auditor, *args) == first and _from_store(auditor.parent / "cache")
    assert first[0] == 0 and _json(first)["changes"]["modules_added"] == []
    before = baseline.stat()
    edited = baseline.read_text().replace('"pkg.tool"', '"pkg.tooX"')
    baseline.write_text(edited)
    os.utime(baseline, ns=(before.st_atime_ns, before.st_mtime_ns))
    changed = _audit(auditor, *args)
    assert changed[0] == 1 and _json(changed)["changes"]["modules_added"] == ["pkg.tool"]


def _signed_again(run: Path, secret: bytes, rest: bytes) -> None:
    from depscan import trust

    run.write_bytes(trust.sign(secret, b"run", run.stem.encode(), rest).hex().encode() + b"\n" + rest)


def test_a_planted_stored_audit_is_not_served(auditor: Path, tmp_path: Path) -> None:
    """The attacker's stored answer of the benign tree, its witness brought up to date with the
    hostile one and signed again with the attacker's secret: served to the attacker, not to the victim."""
    attacker, victim = tmp_path / "attacker", tmp_path / "victim"
    cache = auditor.parent / "cache"
    args = ("audit", "../vendored/pkg", "--cache-dir", str(cache), "--format", "json")
    benign = _json(_depscan(*args, cwd=auditor, state=attacker))
    assert ("process", "pkg._vendor.six") not in _capabilities(benign)
    _edit_source(auditor)
    [run] = cache.glob("runs/*.run")
    header, body = run.read_bytes().split(b"\n", 1)[1].split(b"\n", 1)
    fields = json.loads(header)
    from depscan.perf.runcache import holds, signature

    fields["witness"] = [(path, sig if holds(path, sig) else signature(path)) for path, sig in fields["witness"]]
    rest = json.dumps(fields, separators=(",", ":")).encode() + b"\n" + body
    _signed_again(run, (attacker / "depscan" / "secret").read_bytes(), rest)
    _forget_extractions(cache)
    assert _json(_depscan(*args, cwd=auditor, state=attacker)) == benign  # the plant works on its maker
    assert _from_store(cache)
    hostile = _json(_depscan(*args, cwd=auditor, state=victim))
    assert ("process", "pkg._vendor.six") in _capabilities(hostile)


# --- what each module's source shows, kept by content (depscan.perf.auditfacts) ------------------


def _audited(tree: Path, remember: Any = None) -> dict[str, Any]:
    from depscan.analysis.audit import audit
    from depscan.analysis.scan import ScanOptions
    from depscan.resolve.tables import interpreter_from_table

    interp = interpreter_from_table(f"{sys.version_info[0]}.{sys.version_info[1]}")
    document: dict[str, Any] = audit(interp, [str(tree)], options=ScanOptions(), remember=remember).to_json()
    return document


def _counting(facts: Any, read: list[str]) -> Any:
    """``facts.remember``, noting in ``read`` each module whose source had to be read."""

    def remember(parts: Any, source: bytes, compute: Any) -> Any:
        def counted() -> Any:
            read.append(parts[0])
            return compute()

        return facts.remember(parts, source, counted)

    return remember


def test_only_the_modules_changed_are_read_again(auditor: Path) -> None:
    from depscan.perf.auditfacts import AuditFacts

    tree, cache, secret = auditor.parent / "vendored" / "pkg", str(auditor.parent / "cache"), b"s" * 32
    read: list[str] = []
    facts = AuditFacts(cache, secret=secret)
    assert _audited(tree, _counting(facts, read)) == _audited(tree)
    facts.close()
    assert sorted(read) == ["pkg", "pkg._vendor", "pkg._vendor.six", "pkg.tool"]
    (tree / "_vendor" / "six.py").write_text("import json\nexec(code)\nimport ctypes\nctypes.CDLL('libx.so')\n")
    read.clear()
    facts = AuditFacts(cache, secret=secret)
    changed = _audited(tree, _counting(facts, read))
    facts.close()
    assert read == ["pkg._vendor.six"] and changed == _audited(tree)
    assert {s["kind"] for s in changed["blindspots"] if s["module"] == "pkg._vendor.six"} == {"exec"}


@pytest.mark.parametrize("planted", ["another secret", "edited after signing"])
def test_facts_not_of_this_user_are_not_used(auditor: Path, planted: str) -> None:
    from depscan.perf.auditfacts import AuditFacts

    tree, cache = auditor.parent / "vendored" / "pkg", str(auditor.parent / "cache")
    attacker = AuditFacts(cache, secret=b"a" * 32)
    _audited(tree, attacker.remember)
    attacker.close()
    [kept] = (auditor.parent / "cache" / "audit-facts").glob("*.json")
    if planted == "edited after signing":  # the victim's own file, a blind spot added to every module
        victim = AuditFacts(cache, secret=b"v" * 32)
        _audited(tree, victim.remember)
        victim.close()
        mac, body = kept.read_bytes().split(b"\n", 1)
        spot = {"kind": "exec", "line": 1, "col": 1, "expression": "exec(x)", "detail": "planted", "target": None}
        edited = {key: [[spot], []] for key in json.loads(body)}
        kept.write_bytes(mac + b"\n" + json.dumps(edited, separators=(",", ":")).encode())
    read: list[str] = []
    victim = AuditFacts(cache, secret=b"v" * 32)
    assert _audited(tree, _counting(victim, read)) == _audited(tree)
    assert sorted(read) == ["pkg", "pkg._vendor", "pkg._vendor.six", "pkg.tool"]


def test_a_wheel_added_to_a_directory_of_wheels_is_seen(tmp_path: Path) -> None:
    """The review of a dependency update: the directory named is audited as its wheels, and a wheel
    added to it is a change of the stored answer."""
    from test_audit_review import wheels

    directory = wheels("old", tmp_path / "wheels")
    _age(tmp_path)
    args = ("audit", "wheels", "--cache-dir", str(tmp_path / "cache"), "--format", "json")
    first = _depscan(*args, cwd=tmp_path)
    _forget_extractions(tmp_path / "cache")
    assert _depscan(*args, cwd=tmp_path) == first and _from_store(tmp_path / "cache")
    before = {d["name"] for d in _json(first)["distributions"]}
    wheels("new", tmp_path / "new")
    (tmp_path / "new" / "fresh-0.1-py3-none-any.whl").rename(directory / "fresh-0.1-py3-none-any.whl")
    after = {d["name"] for d in _json(_depscan(*args, cwd=tmp_path))["distributions"]}
    assert after == before | {"fresh"}


def _edit_installed_module(venv: Path) -> Callable[[dict[str, Any]], bool]:
    core = next(venv.glob("lib/python3*/site-packages/updated/core.py"))
    core.write_text(core.read_text() + "import socket\n")
    return lambda report: ("network", "updated.core") in _capabilities(report)


def _install_distribution(venv: Path) -> Callable[[dict[str, Any]], bool]:
    from test_audit_review import UPDATE, wheel_files

    site = next(venv.glob("lib/python3*/site-packages"))
    for name, data in wheel_files(UPDATE / "new" / "fresh-0.1").items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(data)
    return lambda report: "fresh" in {d["name"] for d in report["distributions"]}


def _console_script_made_machine_code(venv: Path) -> Callable[[dict[str, Any]], bool]:
    """Outside site-packages, the same size and modification time: only the contents differ."""
    script = venv / "bin" / "tooly"
    before = script.stat()
    script.write_bytes(b"\x7fELF" + b"x" * (before.st_size - 4))
    os.utime(script, ns=(before.st_atime_ns, before.st_mtime_ns))
    return lambda report: (
        _files(report).get("bin/tooly") == "executable"
        and any(f["detail"] == "ELF machine code" for f in report["files"] if f["relative"] == "bin/tooly")
    )


INSTALLED_CHANGES = {
    "an installed module edited": _edit_installed_module,
    "a distribution installed": _install_distribution,
    "a console script rewritten in place": _console_script_made_machine_code,
}


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX virtual environment's layout")
@pytest.mark.parametrize("change", list(INSTALLED_CHANGES))
def test_a_stored_audit_of_an_environment_sees_a_change(tmp_path: Path, change: str) -> None:
    """``--python VENV --installed``: the environment unchanged, the stored answer is served; a change to
    a distribution's file (in site-packages or in bin/) or a distribution added is seen."""
    from test_audit_review import install, venv_with_tooly

    venv, _ = venv_with_tooly(tmp_path)
    install("old", venv)
    _age(tmp_path)
    args = ("audit", "--python", str(venv), "--installed", "--cache-dir", str(tmp_path / "cache"), "--format", "json")
    first = _depscan(*args, cwd=tmp_path)
    assert first[0] == 0, first[2]
    _forget_extractions(tmp_path / "cache")
    assert _depscan(*args, cwd=tmp_path) == first and _from_store(tmp_path / "cache")
    seen = INSTALLED_CHANGES[change](venv)
    assert not seen(_json(first))
    assert seen(_json(_depscan(*args, cwd=tmp_path)))
