"""Real code: a script importing every module of django, scanned with django's own venv as target.

django is installed from PyPI into a virtual environment cached under
``.cache/`` (built once per checkout). The scan must complete, find every
django module the script names, and report no diagnostic of depscan's own
making: no unreadable or unparsable file, no bad archive.
"""

from __future__ import annotations

import keyword
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from depscan.analysis.scan import scan
from depscan.resolve.describe import describe

VENV = ROOT / ".cache" / "real-code-venv"
REQUIREMENT = "django>=4.2,<6"


def django_venv() -> Path:
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == REQUIREMENT:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", REQUIREMENT],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot install {REQUIREMENT}: {done.stderr.strip().splitlines()[-1:]}")
    stamp.write_text(REQUIREMENT)
    return python


@pytest.mark.slow
def test_scan_every_django_module(tmp_path: Path) -> None:
    python = django_venv()
    interp = describe(str(python))
    [site] = [d for d in interp.site_dirs if d.startswith(str(VENV))]
    package = Path(site) / "django"
    names = []
    for file in sorted(package.rglob("*.py")):
        parts = file.relative_to(site).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
            names.append(".".join(parts))
    script = tmp_path / "everything.py"
    script.write_text("".join(f"import {name}\n" for name in names))
    result = scan(interp, [str(script)], use_pythonpath=False)
    assert len(names) > 800
    missing_django = sorted(name for name in names if name not in result.modules)
    assert missing_django == []
    own = [d for d in result.diagnostics if d.code in ("DS010", "DS011", "DS012", "DS013", "DS014", "DS015")]
    assert own == [], "\n".join(map(str, own[:20]))
    assert result.modules["django"].category == "third_party"
    assert result.graph.number_of_edges() > 5 * len(names)
    # What django imports but this environment lacks is optional or really absent; never django itself.
    assert not any(name.startswith("django.") for name in result.missing if name.count(".") == 1)
    assert os.path.samefile(result.modules["django"].path or "", package / "__init__.py")
