"""The tree walk of depscan.source.expand_paths, against the os.walk it replaced."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES
from depscan.source import SKIPPED_DIRECTORIES, expand_paths, forget_directories, module_name_for


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


@pytest.mark.parametrize("tree", ["tricky", "fixtures"])
def test_the_walk_finds_what_os_walk_finds(tmp_path: Path, tree: str) -> None:
    if tree == "tricky":
        _tricky_tree(tmp_path)
        root = str(tmp_path)
    else:
        root = str(FIXTURES)
    seen: list[str] = []
    walked: list[str] = []
    files = expand_paths([root], walked, seen.append)
    reference_walked: list[str] = []
    assert files == _by_os_walk(root, reference_walked)
    assert walked == reference_walked
    assert sorted(seen) == files and len(set(seen)) == len(seen)  # each file told once


@pytest.mark.parametrize("failing", ["open", "midway"])
def test_a_directory_that_cannot_be_listed_is_passed_by_as_os_walk_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """Not listable (permissions, which root ignores), or failing part of the way (EIO, a
    stale NFS handle): the directory and what is under it are left out, the rest walked."""
    _tricky_tree(tmp_path)
    scandir = os.scandir
    bad = str(tmp_path / "b")

    class Failing:
        def __init__(self, path: str) -> None:
            self.listing = scandir(path)

        def __enter__(self) -> Failing:
            return self

        def __exit__(self, *exc: object) -> None:
            self.listing.close()

        def __iter__(self) -> Failing:
            return self

        def __next__(self) -> os.DirEntry[str]:
            next(self.listing)  # one entry read, then the error
            raise OSError(5, "Input/output error")

    def patched(path: str = ".") -> object:
        if os.fspath(path) == bad:
            if failing == "open":
                raise PermissionError(13, "Permission denied")
            return Failing(os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", patched)
    seen: list[str] = []
    walked: list[str] = []
    files = expand_paths([str(tmp_path)], walked, seen.append)
    reference_walked: list[str] = []
    assert files == _by_os_walk(str(tmp_path), reference_walked)
    assert walked == reference_walked and bad not in walked
    assert sorted(seen) == files and not any(f.startswith(bad + os.sep) for f in files)
    assert str(tmp_path / "a.py") in files


def test_files_named_are_kept_and_told(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("")
    named = [str(tmp_path / "missing.py"), str(tmp_path / "pkg")]
    seen: list[str] = []
    assert expand_paths(named, None, seen.append) == [named[0], str(tmp_path / "pkg" / "m.py")]
    assert seen == [named[0], str(tmp_path / "pkg" / "m.py")]


def _named_by_walking_up(path: str) -> tuple[str, bool]:
    """module_name_for as it was written first: walking up from each file."""
    file = os.path.abspath(path)
    parent, name = os.path.split(file)
    stem = name.split(".", 1)[0]
    is_package = stem == "__init__"
    parts: list[str] = [] if is_package else [stem]
    directory = parent
    while True:
        above, directory_name = os.path.split(directory)
        has_init = os.path.isdir(directory) and any(
            n.partition(".")[0] == "__init__" and n != "__init__" for n in os.listdir(directory)
        )
        if not (directory_name.isidentifier() and has_init):
            break
        parts.append(directory_name)
        if above == directory:
            break
        directory = above
    if not parts:
        return (os.path.basename(parent) or "__init__", True)
    return (".".join(reversed(parts)), is_package)


def test_module_names_are_those_of_walking_up_from_each_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for relative in [
        "top.py",
        "pkg/__init__.py",
        "pkg/mod.py",
        "pkg/sub/__init__.py",
        "pkg/sub/deep.py",
        "pkg/plain/not_a_package.py",  # no __init__: a script's directory
        "pkg/plain/inner/__init__.py",  # a package under a plain directory starts a name anew
        "pkg/plain/inner/m.py",
        "pkg/bad-name/__init__.py",  # not an identifier: not a package name
        "pkg/bad-name/x.py",
        "ns/__init__.pyi",  # any __init__.* counts
        "ns/y.py",
        "odd/__init__",  # not an __init__ file: no suffix
        "odd/z.py",
        "weird.name.py",
    ]:
        path = tmp_path / "root" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    roots = [str(tmp_path / "root"), str(FIXTURES)]
    files = expand_paths(roots)
    assert len(files) > 100
    expected = [_named_by_walking_up(f) for f in files]
    # The walk tells which directories are packages (their files are then named without a second
    # listing of each): none of the walked directories is listed for it.
    listed: list[str] = []
    real_listdir = os.listdir

    def listdir(path: str = ".") -> list[str]:
        listed.append(os.fspath(path))
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", listdir)
    forget_directories()
    files = expand_paths(roots)
    assert [module_name_for(f) for f in files] == expected
    assert not [d for d in listed if any(Path(d).is_relative_to(root) for root in roots)]


def test_the_head_of_a_large_file_and_never_of_a_fifo(tmp_path: Path) -> None:
    from depscan.source import read_bytes

    big = tmp_path / "big"
    big.write_bytes(b"\x7fELF" + b"x" * 100)
    assert read_bytes(big, 4, head=True) == b"\x7fELF"
    assert not isinstance(read_bytes(big, 4), bytes)  # without head: over the limit
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert not isinstance(read_bytes(fifo, 4, head=True), bytes)


def test_a_walk_through_a_link_and_up_names_files_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``a/lnk/../pkg``, ``lnk`` a link to ``real/deep``: the walk lists ``real/pkg`` (the system
    follows the link, then goes up), while a file's name is told from its path made absolute
    without a look (``a/pkg``, which has no ``__init__.py``). What the walk saw of ``real/pkg`` is
    not taken for ``a/pkg``: the files are named as walking up from each names them."""
    (tmp_path / "real" / "deep").mkdir(parents=True)
    (tmp_path / "real" / "pkg").mkdir()
    (tmp_path / "real" / "pkg" / "__init__.py").write_text("")
    (tmp_path / "real" / "pkg" / "mod.py").write_text("")
    (tmp_path / "a" / "pkg").mkdir(parents=True)
    (tmp_path / "a" / "pkg" / "mod.py").write_text("")
    (tmp_path / "a" / "lnk").symlink_to(tmp_path / "real" / "deep")
    monkeypatch.chdir(tmp_path)
    forget_directories()
    files = expand_paths([os.path.join("a", "lnk", "..", "pkg")])
    assert len(files) == 2
    assert [module_name_for(f) for f in files] == [_named_by_walking_up(f) for f in files]
    assert module_name_for(tmp_path / "a" / "pkg" / "mod.py") == ("mod", False)
