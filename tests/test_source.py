"""The tree walk of depscan.source.expand_paths, against the os.walk it replaced."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from depscan.source import SKIPPED_DIRECTORIES, expand_paths


def _by_os_walk(path: str, directories: list[str]) -> list[str]:
    found: list[str] = []
    for directory, dirnames, filenames in os.walk(path):
        directories.append(directory)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRECTORIES)
        found.extend(os.path.join(directory, name) for name in filenames if name.endswith(".py"))
    return sorted(found)


def _tricky_tree(root: Path) -> None:
    for relative in [
        "a.py",
        "b/c.py",
        "b/d/e.py",
        "b.py",  # sorts between b/ and b/...: the order of files and directories differs
        "b-x/f.py",
        ".hidden/g.py",
        "__pycache__/h.py",
        "node_modules/i.py",
        "pkg.py/j.py",  # a directory named like a module
        "notes.txt",
        "z/deep/er/k.py",
        "z/.py",
        "z/y.pyc",
    ]:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("import os\n")
    if sys.platform != "win32":
        (root / "link_to_b").symlink_to(root / "b")  # a link to a directory is not entered
        (root / "loop").mkdir()
        (root / "loop" / "again").symlink_to(root / "loop")
        (root / "file_link.py").symlink_to(root / "a.py")  # a link to a file is a file
        (root / "broken.py").symlink_to(root / "nowhere.py")
        locked = root / "locked"  # unlistable, unless the tests run as root
        locked.mkdir()
        (locked / "m.py").write_text("")
        locked.chmod(0)


@pytest.mark.parametrize("tree", ["tricky", "fixtures"])
def test_the_walk_finds_what_os_walk_finds(tmp_path: Path, tree: str) -> None:
    if tree == "tricky":
        _tricky_tree(tmp_path)
        root = str(tmp_path)
    else:
        root = str(FIXTURES)
    try:
        seen: list[str] = []
        walked: list[str] = []
        files = expand_paths([root], walked, seen.append)
        reference_walked: list[str] = []
        assert files == _by_os_walk(root, reference_walked)
        assert walked == reference_walked
        assert sorted(seen) == files and len(set(seen)) == len(seen)  # each file told once
    finally:
        if tree == "tricky" and (tmp_path / "locked").exists():
            (tmp_path / "locked").chmod(0o755)


def test_files_named_are_kept_and_told(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("")
    named = [str(tmp_path / "missing.py"), str(tmp_path / "pkg")]
    seen: list[str] = []
    assert expand_paths(named, None, seen.append) == [named[0], str(tmp_path / "pkg" / "m.py")]
    assert seen == [named[0], str(tmp_path / "pkg" / "m.py")]
