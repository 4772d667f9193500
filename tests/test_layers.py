"""The layers of the package (README, Architecture) as an import-linter contract: a lower layer never
imports a higher one, imports inside functions included. Run here so that CI enforces it too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

LINT_IMPORTS = shutil.which("lint-imports", path=os.path.dirname(sys.executable))


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed (make setup installs it)")
def test_the_layers_contract_is_kept() -> None:
    done = subprocess.run([str(LINT_IMPORTS)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout
