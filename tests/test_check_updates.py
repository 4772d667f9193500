"""An updated answer is a whole check's answer: random edits of a small project's files, each
followed by a check that may update its stored answer (see depscan.app.check._updated) and by a
check with no cache at all; their findings must be the same, whichever way the first was made."""

from __future__ import annotations

import json
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_check import run

pytestmark = pytest.mark.slow

FILES = {
    "__init__.py": "from .a import A\n",
    "a.py": (
        "import os\nimport missing_a\nfrom pkg.b import B\n\nA = 1\n\n\ndef f():\n    import missing_f\n    return 1\n"
    ),
    "b.py": "B = 2\ntry:\n    import json\nexcept ImportError:\n    import missing_b\nif os_flag := False:\n    pass\n",
    "c.py": "from pkg import a\nfrom pkg.a import A, nope\nimport missing_c  # depscan: ignore[DS020]\n",
}
LINES = [
    "",
    "# a comment",
    "x = 1",
    "import missing_new",
    "from pkg.b import B",
    "from pkg.a import gone",
    "import json  # depscan: ignore",
    "def g():\n    import missing_g",
    "if True:\n    pass",
    "X = (",
]
EDITS = st.lists(
    st.tuples(st.sampled_from(sorted(FILES)), st.integers(0, 12), st.sampled_from(LINES), st.booleans()),
    min_size=1,
    max_size=4,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_every_updated_answer_is_a_whole_checks(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[str, int, str, bool]]
) -> None:
    root = tmp_path_factory.mktemp("updates")
    project = root / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "t"\nversion = "0"\n')
    texts = dict(FILES)
    for name, text in texts.items():
        (project / "pkg" / name).write_text(text)
    past = time.time() - 60
    for path in [project, *project.rglob("*")]:
        os.utime(path, (past, past))
    cache = str(root / "cache")
    run("--cache-dir", cache, "--format", "json", cwd=project)  # the answer to update
    for name, at, line, replace in edits:
        lines = texts[name].split("\n")
        at = min(at, len(lines) - 1)
        if replace:
            lines[at] = line
        else:
            lines.insert(at, line)
        texts[name] = "\n".join(lines)
        path = project / "pkg" / name
        path.write_text(texts[name])
        os.utime(path, (past, past))  # old enough to be trusted: the updated answer is kept
        got = json.loads(run("--cache-dir", cache, "--format", "json", cwd=project)[1])
        whole = json.loads(run("--format", "json", cwd=project)[1])
        assert got["findings"] == whole["findings"], (texts, got["summary"])
