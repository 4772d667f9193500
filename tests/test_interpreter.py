"""Choosing the target interpreter; asking it, once, when the user opts in (depscan.resolve.probe); building
sys.path as site would. The static description is in test_describe.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from depscan.resolve.describe import describe
from depscan.resolve.interpreter import InterpreterError, choose_executable
from depscan.resolve.probe import probe
from depscan.resolve.resolver import build_search_path, make_resolver

PYENV = Path.home() / ".pyenv" / "versions"


def installed(version: str) -> Path:
    candidates = sorted(PYENV.glob(f"{version}.*/bin/python{version}")) or sorted(PYENV.glob(f"{version}.*/bin/python"))
    if not candidates:
        pytest.skip(f"Python {version} is not installed here")
    return candidates[-1]


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_probe_this_interpreter_matches_it(cache_home: Path) -> None:
    interp = probe(sys.executable)
    assert interp.version == tuple(sys.version_info[:3])
    assert interp.builtin == frozenset(sys.builtin_module_names)
    assert interp.stdlib_names == frozenset(sys.stdlib_module_names)
    import importlib.machinery

    assert interp.extension_suffixes == tuple(importlib.machinery.EXTENSION_SUFFIXES)
    # sys.path without site: no site-packages, none of the script directory.
    assert not any("site-packages" in entry for entry in interp.sys_path)


def test_probe_is_cached_signed_and_a_changed_cache_is_ignored(cache_home: Path) -> None:
    first = probe(sys.executable)
    [cached] = list((cache_home / "depscan" / "interpreters").iterdir())
    mac, _, body = cached.read_bytes().partition(b"\n")
    data = json.loads(body)
    assert probe(sys.executable) == first  # from the cache
    data["platform"] = "from-the-cache"  # a restored or planted answer, not signed by this user
    cached.write_bytes(mac + b"\n" + json.dumps(data).encode())
    assert probe(sys.executable) == first
    cached.write_text("{not json")
    assert probe(sys.executable) == first
    cached.unlink()
    os.mkfifo(cached)  # never waited on
    assert probe(sys.executable) == first


@pytest.mark.parametrize("version", ["2.7", "3.6", "3.8", "3.13"])
def test_probe_other_versions(cache_home: Path, version: str) -> None:
    python = installed(version)
    interp = probe(str(python))
    assert ".".join(map(str, interp.version[:2])) == version
    assert "sys" in interp.builtin and "os" in interp.stdlib_names
    assert interp.site_dirs and all("-packages" in d or "site-python" in d for d in interp.site_dirs)
    assert "" not in interp.sys_path and os.getcwd() not in interp.sys_path


def test_a_virtual_environment(tmp_path: Path, cache_home: Path) -> None:
    for system in (False, True):
        venv = tmp_path / f"venv-{system}"
        command = [sys.executable, "-m", "venv", "--without-pip", str(venv)]
        if system:
            command.insert(-1, "--system-site-packages")
        subprocess.run(command, check=True)
        interp = probe(str(venv / "bin" / "python"))
        assert interp.venv == str(venv) and interp.prefix == str(venv)
        own = [d for d in interp.site_dirs if d.startswith(str(venv))]
        assert own and own == list(interp.site_dirs[: len(own)])  # the venv's own site-packages first
        assert (len(interp.site_dirs) > len(own)) is system
        entries = build_search_path(interp).entries
        assert any(e.path == own[0] and e.origin == "site" for e in entries)


def test_choose_executable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    assert choose_executable(None).path == sys.executable
    project = tmp_path / "project"
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "python").write_text("")
    (project / "pyproject.toml").write_text("")
    (project / "src").mkdir()
    chosen = choose_executable(None, project / "src", project)
    assert chosen.path == str(project / ".venv" / "bin" / "python") and not chosen.chosen_by_user
    configured = choose_executable(None, project, project, str(project / ".venv" / "bin" / "python"))
    assert configured.chosen_by == "configuration" and not configured.chosen_by_user
    other = tmp_path / "other-venv"
    (other / "bin").mkdir(parents=True)
    (other / "bin" / "python").write_text("")
    monkeypatch.setenv("VIRTUAL_ENV", str(other))
    assert choose_executable(None, project, project).path == str(other / "bin" / "python")
    given = choose_executable(str(other))  # a venv directory given
    assert given.path == str(other / "bin" / "python") and given.chosen_by_user
    with pytest.raises(InterpreterError, match="no Python interpreter"):
        choose_executable(str(tmp_path / "missing"))
    with pytest.raises(InterpreterError, match="empty"):
        choose_executable("")


@pytest.mark.parametrize(
    ("start", "project", "found"),
    [
        pytest.param("project/src/pkg", "project", "project", id="up-to-the-project"),
        pytest.param("elsewhere/src", "project", None, id="outside-the-project-no-climbing"),
        pytest.param("project/src", None, None, id="no-project-no-climbing"),
        pytest.param("project", "project", "project", id="the-project-itself"),
    ],
)
def test_the_search_for_a_venv_never_climbs_above_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: str, project: str | None, found: str | None
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    for directory in ("project/src/pkg", "elsewhere/src"):
        (tmp_path / directory).mkdir(parents=True)
    for holder in ("", "project", "elsewhere"):  # a .venv above: never taken unless it is the project's
        (tmp_path / holder / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
        (tmp_path / holder / ".venv" / "bin" / "python").write_text("")
    chosen = choose_executable(None, tmp_path / start, tmp_path / project if project else None)
    expected = str(tmp_path / found / ".venv" / "bin" / "python") if found else sys.executable
    assert chosen.path == expected


def test_pythonpath_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_home: Path) -> None:
    first, second, mine = tmp_path / "first", tmp_path / "second", tmp_path / "mine"
    for directory in (first, second, mine):
        directory.mkdir()
    (second / "shared.py").write_text("")
    (mine / "shared.py").write_text("")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(first), str(second)]))
    interp = describe(sys.executable)
    resolver = make_resolver(interp, [str(mine)])
    entries = [e.path for e in resolver.search.entries]
    assert entries[:3] == [str(mine), str(first), str(second)]
    assert resolver.resolve("shared").path == str(mine / "shared.py")
    ignoring = make_resolver(interp, [], use_pythonpath=False)
    assert str(first) not in [e.path for e in ignoring.search.entries]
