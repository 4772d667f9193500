"""The real pre-commit framework runs ``depscan check`` on a commit, offline (``language: system``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

BIN = Path(sys.executable).parent
PRE_COMMIT = BIN / "pre-commit"
DEPSCAN = BIN / "depscan"

pytestmark = pytest.mark.skipif(
    not PRE_COMMIT.exists() or shutil.which("git") is None, reason="needs pre-commit (test extra) and git"
)


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"), "PATH": f"{BIN}:{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=check)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.invalid")
    git(repo, "config", "user.name", "dev")
    git(repo, "config", "commit.gpgsign", "false")
    (repo / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n')
    (repo / "app" / "__init__.py").write_text("")
    (repo / "app" / "util.py").write_text("def helper():\n    return 1\n")
    hook = {
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {
                        "id": "depscan",
                        "name": "depscan",
                        "entry": f"{DEPSCAN} check --python {sys.executable}",
                        "language": "system",
                        "types": ["python"],
                    }
                ],
            }
        ]
    }
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(hook))
    subprocess.run([str(PRE_COMMIT), "install"], cwd=repo, check=True, capture_output=True)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "start")
    return repo


def test_a_commit_adding_a_missing_import_is_blocked(repo: Path) -> None:
    (repo / "app" / "main.py").write_text("from app.util import helper\nimport no_such_module_anywhere\n")
    git(repo, "add", "app/main.py")
    commit = git(repo, "commit", "-m", "add main", check=False)
    assert commit.returncode != 0
    output = commit.stdout + commit.stderr
    assert "app/main.py:2:1: DS001 module 'no_such_module_anywhere' not found" in output
    assert "Failed" in output
    assert git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "1"


def test_a_clean_commit_passes(repo: Path) -> None:
    (repo / "app" / "main.py").write_text("import json\nfrom app.util import helper\nfrom . import util\n")
    git(repo, "add", "app/main.py")
    commit = git(repo, "commit", "-m", "add main", check=False)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert "Passed" in commit.stdout + commit.stderr
    assert git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "2"


def test_the_published_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "depscan" and hook["entry"] == "depscan check" and hook["types"] == ["python"]
