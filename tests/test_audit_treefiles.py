"""The audited tree's inventory (:mod:`depscan.analysis.treefiles`) around hidden directories: a virtual
environment inside the tree is one entry, version control's directories are not read, any other
hidden directory is read as the rest of the tree."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from depscan.analysis.treefiles import TreeFile, tree_files

VERSION = tuple(sys.version_info[:2])


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


ENVIRONMENT = {
    "pyvenv.cfg": b"home = /usr/bin\n",
    "bin/activate": b"#!/bin/sh\n",
    "lib/python3.12/site-packages/fast.cpython-312-x86_64-linux-gnu.so": b"\x7fELF" + b"\0" * 60,
    "lib/python3.12/site-packages/hook.pth": b"import os\n",
    "lib/python3.12/site-packages/mod.py": b"import os\n",
}


def _kinds(found: list[TreeFile]) -> dict[str, str]:
    return {item.relative: item.kind for item in found}


def test_a_virtual_environment_in_the_tree_is_one_entry(tmp_path: Path) -> None:
    vendor = _tree(tmp_path / "vendor", {"mod.py": b"", **{f".venv/{k}": v for k, v in ENVIRONMENT.items()}})
    _tree(vendor / ".tox" / "py312", ENVIRONMENT)
    _tree(vendor / ".hidden", {"evil.so": b"\x7fELF"})  # another hidden directory: read as the rest
    _tree(vendor / ".git", {"hooks/pre-commit": b"#!/bin/sh\n"})  # version control's: not read
    found = tree_files([str(vendor)], {}, VERSION)
    assert _kinds(found) == {
        "vendor/.venv": "environment",
        "vendor/.tox/py312": "environment",
        "vendor/.hidden/evil.so": "extension",
    }
    [venv] = [item for item in found if item.relative == "vendor/.venv"]
    assert venv.size == sum(len(data) for data in ENVIRONMENT.values())
    assert "of 5 files" in venv.detail
    listing = "".join(f".venv/{name}\0{len(ENVIRONMENT[name])}\n" for name in sorted(ENVIRONMENT))
    assert venv.sha256 == hashlib.sha256(listing.encode()).hexdigest()


def test_a_file_added_to_the_environment_changes_its_hash(tmp_path: Path) -> None:
    vendor = _tree(tmp_path / "vendor", {f".venv/{k}": v for k, v in ENVIRONMENT.items()})
    [before] = tree_files([str(vendor)], {}, VERSION)
    _tree(vendor / ".venv", {"lib/python3.12/site-packages/new.pth": b"import sys\n"})
    [after] = tree_files([str(vendor)], {}, VERSION)
    assert after.sha256 != before.sha256 and "of 6 files" in after.detail


def test_an_environment_audited_itself_is_read_file_by_file(tmp_path: Path) -> None:
    venv = _tree(tmp_path / "env", ENVIRONMENT)
    assert _kinds(tree_files([str(venv)], {}, VERSION)) == {
        "env/bin/activate": "executable",
        "env/lib/python3.12/site-packages/fast.cpython-312-x86_64-linux-gnu.so": "extension",
        "env/lib/python3.12/site-packages/hook.pth": "pth",
    }
