"""The real pre-commit framework runs the published hooks (``.pre-commit-hooks.yaml``) on commits,
offline: each hook as a ``language: system`` hook with the same arguments and file filters."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT

BIN = Path(sys.executable).parent
PRE_COMMIT = BIN / "pre-commit"
DEPSCAN = BIN / "depscan"
PUBLISHED: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())

pytestmark = pytest.mark.skipif(
    not PRE_COMMIT.exists() or shutil.which("git") is None, reason="needs pre-commit (test extra) and git"
)

# app.filters and the three modules that import it, one way each.
IMPORTERS = {
    "app/views.py": "from app.filters import clean\n",
    "app/forms.py": "import json\nfrom . import filters\n",
    "app/admin.py": "import app.filters\n",
}
FINDINGS = (
    "app/admin.py:1:1: DS001 module 'app.filters' not found",
    "app/forms.py:2:1: DS001 module 'app.filters' not found",
    "app/views.py:1:1: DS001 module 'app.filters' not found",
)


def run(repo: Path, command: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"), "PATH": f"{BIN}:{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=check)


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(repo, ["git", *args], check=check)


def local_hook(hook_id: str) -> dict[str, Any]:
    """The published hook ``hook_id``, run from this environment's depscan on this Python."""
    (published,) = (hook for hook in PUBLISHED if hook["id"] == hook_id)
    command, _, arguments = published["entry"].partition(" ")
    assert command == "depscan"
    entry = f"{DEPSCAN} {arguments} --python {sys.executable}"
    return {**published, "entry": entry, "language": "system"}


def make_repo(tmp_path: Path, hook_id: str) -> Path:
    """A committed repository using the published hook ``hook_id``: ``app.filters`` and its importers."""
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.invalid")
    git(repo, "config", "user.name", "dev")
    git(repo, "config", "commit.gpgsign", "false")
    (repo / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n')
    (repo / "app" / "__init__.py").write_text("")
    (repo / "app" / "util.py").write_text("def helper():\n    return 1\n")
    (repo / "app" / "filters.py").write_text("def clean(text):\n    return text.strip()\n")
    for path, text in IMPORTERS.items():
        (repo / path).write_text(text)
    config = {"repos": [{"repo": "local", "hooks": [local_hook(hook_id)]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    subprocess.run([str(PRE_COMMIT), "install"], cwd=repo, check=True, capture_output=True)
    git(repo, "add", ".")
    first = git(repo, "commit", "-q", "-m", "start", check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository using the default hook, ``depscan`` (the whole project)."""
    return make_repo(tmp_path, "depscan")


def commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD").stdout)


def blocked(repo: Path, message: str) -> str:
    """Commit what is staged: the hook must refuse it. Its output."""
    commit = git(repo, "commit", "-m", message, check=False)
    output = commit.stdout + commit.stderr
    assert commit.returncode != 0, output
    assert "Failed" in output
    assert commits(repo) == 1
    return output


def passed(repo: Path, message: str) -> None:
    """Commit what is staged: the hook must let it through."""
    commit = git(repo, "commit", "-m", message, check=False)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert "Passed" in commit.stdout + commit.stderr
    assert commits(repo) == 2


@pytest.mark.parametrize("hook_id", ["depscan", "depscan-files"])
def test_a_commit_adding_a_missing_import_is_blocked(tmp_path: Path, hook_id: str) -> None:
    repo = make_repo(tmp_path, hook_id)
    (repo / "app" / "main.py").write_text("from app.util import helper\nimport no_such_module_anywhere\n")
    git(repo, "add", "app/main.py")
    output = blocked(repo, "add main")
    assert "app/main.py:2:1: DS001 module 'no_such_module_anywhere' not found" in output


@pytest.mark.parametrize("hook_id", ["depscan", "depscan-files"])
def test_a_clean_commit_passes(tmp_path: Path, hook_id: str) -> None:
    repo = make_repo(tmp_path, hook_id)
    (repo / "app" / "main.py").write_text("import json\nfrom app.util import helper\nfrom . import util\n")
    git(repo, "add", "app/main.py")
    passed(repo, "add main")


def store_the_answer(repo: Path) -> None:
    """Make the tree old enough to be trusted and run the hook on it: its answer is stored."""
    past = time.time() - 60
    for path in [repo, *(p for p in repo.rglob("*") if ".git" not in p.relative_to(repo).parts)]:
        os.utime(path, (past, past))
    run(repo, [str(PRE_COMMIT), "run"])
    (stored,) = (repo / ".depscan_cache" / "runs").glob("*.run")
    os.utime(stored, (past, past))
    run(repo, [str(PRE_COMMIT), "run"])
    assert stored.stat().st_mtime > past  # served: an answer given is marked as used now


@pytest.mark.parametrize("answer", ["worked out", "stored before"])
def test_a_commit_deleting_an_imported_module_is_blocked(repo: Path, answer: str) -> None:
    if answer == "stored before":
        store_the_answer(repo)  # the deletion changes what the stored answer was worked out from
    # The commit holds no Python file at all: a hook that is given the changed files has none.
    git(repo, "rm", "-q", "app/filters.py")
    output = blocked(repo, "remove filters")
    for finding in FINDINGS:
        assert finding in output


@pytest.mark.parametrize("answer", ["worked out", "stored before"])
def test_a_commit_renaming_an_imported_module_is_blocked(repo: Path, answer: str) -> None:
    if answer == "stored before":
        store_the_answer(repo)
    git(repo, "mv", "app/filters.py", "app/cleaning.py")
    output = blocked(repo, "rename filters")
    for finding in FINDINGS:
        assert finding in output


def test_a_rename_that_updates_its_importers_passes(repo: Path) -> None:
    git(repo, "mv", "app/filters.py", "app/cleaning.py")
    for path, text in IMPORTERS.items():
        (repo / path).write_text(text.replace("filters", "cleaning"))
        git(repo, "add", path)
    passed(repo, "rename filters, and its importers")


def test_a_commit_of_no_python_file_runs_the_whole_project_check(repo: Path) -> None:
    # A finding already in the tree blocks any commit, a README's too (the hook always runs).
    (repo / "app" / "late.py").write_text("import no_such_module_anywhere\n")
    (repo / "README.md").write_text("app\n")
    git(repo, "add", "README.md")
    output = blocked(repo, "readme")
    assert "app/late.py:1:1: DS001 module 'no_such_module_anywhere' not found" in output


def test_the_published_hook_definitions() -> None:
    hooks = {hook["id"]: hook for hook in PUBLISHED}
    assert set(hooks) == {"depscan", "depscan-files"}
    whole = hooks["depscan"]  # the whole project, on every commit: a deletion is seen
    assert whole["entry"] == "depscan check" and whole["pass_filenames"] is False and whole["always_run"] is True
    files = hooks["depscan-files"]  # the changed Python files only
    assert files["entry"] == "depscan check" and files["types"] == ["python"] and "pass_filenames" not in files
