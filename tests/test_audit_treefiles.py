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
        "vendor/.venv/lib/python3.12/site-packages/hook.pth": "pth",  # what its start-up would run: shown
        "vendor/.tox/py312": "environment",
        "vendor/.tox/py312/lib/python3.12/site-packages/hook.pth": "pth",
        "vendor/.hidden/evil.so": "extension",
    }
    [venv] = [item for item in found if item.relative == "vendor/.venv"]
    assert venv.size == sum(len(data) for data in ENVIRONMENT.values())
    assert "of 5 files" in venv.detail
    listing = "".join(
        f".venv/{name}\0{len(data)}\0{hashlib.sha256(data).hexdigest()}\n" for name, data in sorted(ENVIRONMENT.items())
    )
    assert venv.sha256 == hashlib.sha256(listing.encode()).hexdigest()


def test_an_empty_marker_hides_nothing(tmp_path: Path) -> None:
    """A ``pyvenv.cfg`` put beside a package's files does not make them one line: a directory is an
    environment only when its ``pyvenv.cfg`` names a Python (``home =``) and it has a site-packages."""
    vendor = _tree(
        tmp_path / "vendor", {"pkg/__init__.py": b"", "pkg/libevil.so": b"\x7fELF", "pkg/evil.pth": b"import os\n"}
    )
    listed = {"vendor/pkg/libevil.so": "extension", "vendor/pkg/evil.pth": "pth"}
    assert _kinds(tree_files([str(vendor)], {}, VERSION)) == listed
    for marker in (b"", b"home = /usr/bin\n"):  # no site-packages beside it either
        _tree(vendor / "pkg", {"pyvenv.cfg": marker})
        assert _kinds(tree_files([str(vendor)], {}, VERSION)) == listed


def test_an_environment_holding_an_audited_module_is_read_file_by_file(tmp_path: Path) -> None:
    vendor = _tree(tmp_path / "vendor", {f"env/{k}": v for k, v in ENVIRONMENT.items()})
    module = vendor / "env" / "lib" / "python3.12" / "site-packages" / "mod.py"
    found = _kinds(tree_files([str(vendor)], {str(module): "mod"}, VERSION))
    assert "vendor/env" not in found and found["vendor/env/lib/python3.12/site-packages/hook.pth"] == "pth"


def test_a_file_changed_in_the_environment_at_the_same_size_changes_its_hash(tmp_path: Path) -> None:
    vendor = _tree(tmp_path / "vendor", {f".venv/{k}": v for k, v in ENVIRONMENT.items()})
    [before] = [item for item in tree_files([str(vendor)], {}, VERSION) if item.kind == "environment"]
    so = "lib/python3.12/site-packages/fast.cpython-312-x86_64-linux-gnu.so"
    _tree(vendor / ".venv", {so: b"\x7fELF" + b"\1" * 60})  # another binary, the same size
    [after] = [item for item in tree_files([str(vendor)], {}, VERSION) if item.kind == "environment"]
    assert after.sha256 != before.sha256 and after.size == before.size


def test_a_file_added_to_the_environment_changes_its_hash(tmp_path: Path) -> None:
    vendor = _tree(tmp_path / "vendor", {f".venv/{k}": v for k, v in ENVIRONMENT.items()})
    [before] = [item for item in tree_files([str(vendor)], {}, VERSION) if item.kind == "environment"]
    _tree(vendor / ".venv", {"lib/python3.12/site-packages/new.pth": b"import sys\n"})
    [after] = [item for item in tree_files([str(vendor)], {}, VERSION) if item.kind == "environment"]
    assert after.sha256 != before.sha256 and "of 6 files" in after.detail


def test_an_environment_audited_itself_is_read_file_by_file(tmp_path: Path) -> None:
    venv = _tree(tmp_path / "env", ENVIRONMENT)
    assert _kinds(tree_files([str(venv)], {}, VERSION)) == {
        "env/bin/activate": "executable",
        "env/lib/python3.12/site-packages/fast.cpython-312-x86_64-linux-gnu.so": "extension",
        "env/lib/python3.12/site-packages/hook.pth": "pth",
    }
