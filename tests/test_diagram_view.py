"""The diagram's view: levels of detail within the budget, merged edges, cycle groups, focus, reduce.

Programs are built in ``tmp_path`` and scanned for real; the view is checked as data
(:class:`depscan.analysis.view.View`), its DOT and the CLI's lines and options.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from depscan.analysis.detail import BUDGET, MISSING_SHARE, Choice
from depscan.analysis.graph import cycles
from depscan.analysis.scan import ScanResult, scan
from depscan.analysis.view import View, diagram_view
from depscan.cli import cli
from depscan.output.diagram import diagram_lines, to_dot
from depscan.resolve.describe import describe


def make_tree(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def big_project(root: Path) -> Path:
    """``pkg`` with ten subpackages of ten modules (111 modules); ``pkg.s0``'s modules all import
    ``pkg.s1.m0``; ``pkg.s2.m0`` and ``pkg.s3.m0`` import each other, so do ``pkg.s4.m0`` and ``m1``."""
    files = {
        "main.py": "import os\nimport pkg\n",
        "pkg/__init__.py": "".join(f"from . import s{i}\n" for i in range(10)),
    }
    for i in range(10):
        files[f"pkg/s{i}/__init__.py"] = "".join(f"from . import m{j}\n" for j in range(10))
        for j in range(10):
            files[f"pkg/s{i}/m{j}.py"] = ""
    for j in range(10):
        files[f"pkg/s0/m{j}.py"] = "from pkg.s1 import m0\n"
    files["pkg/s2/m0.py"] = "from pkg.s3 import m0\n"
    files["pkg/s3/m0.py"] = "from pkg.s2 import m0\n"
    files["pkg/s4/m0.py"] = "from pkg.s4 import m1\n"
    files["pkg/s4/m1.py"] = "from pkg.s4 import m0\n"
    make_tree(root, files)
    return root / "main.py"


def scanned(script: Path, python: str | None = None) -> ScanResult:
    return scan(describe(python or sys.executable), [str(script)], use_pythonpath=False)


def venv_python(venv: Path) -> str:
    return str(venv / "bin" / "python")


def view_of(result: ScanResult, **choice: object) -> View:
    return diagram_view(result, cycles(result), Choice(**choice))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    return scanned(big_project(tmp_path_factory.mktemp("big")))


def test_the_project_is_collapsed_at_the_depth_that_fits(big: ScanResult) -> None:
    view = view_of(big)
    assert len(big.graph_data.nodes) > BUDGET >= len(view.nodes)
    assert view.project_depth == 2 and view.project_tops == ("pkg",)
    node = view.nodes["pkg.s5"]
    assert node.collapsed and node.kind == "package" and node.label == "pkg.s5 — 11 modules"
    assert set(node.members) == {"pkg.s5", *(f"pkg.s5.m{j}" for j in range(10))}
    assert '"pkg.s5" [label="pkg.s5\\n11 modules"' in to_dot(view)
    assert sum(len(n.members) for n in view.nodes.values()) == view.shown == len(big.graph_data.nodes) - 1
    assert view.hidden_stdlib == 1  # os


def test_depth_and_budget_choose_otherwise(big: ScanResult) -> None:
    deeper = view_of(big, depth=3)
    assert len(deeper.nodes) == len(big.graph_data.nodes) - 1 and deeper.project_depth is None  # drawn whole
    assert set(view_of(big, depth=1).nodes) == {"__main__", "pkg"}
    assert set(view_of(big, budget=5).nodes) == {"__main__", "pkg"}  # nothing fits: the coarsest


def test_edges_are_merged_with_their_count(big: ScanResult) -> None:
    edge = view_of(big).edges["pkg.s0", "pkg.s1"]
    assert len(edge.imports) == 10 and {v for _, v in edge.imports} == {"pkg.s1.m0"}
    assert len(edge.sites) == 10
    assert '"pkg.s0" -> "pkg.s1" [label="10"' in to_dot(view_of(big))
    assert not any(u == v for u, v in view_of(big).edges)  # imports inside a node are not drawn


def test_cycles_are_groups_or_mark_the_node_that_holds_them(big: ScanResult) -> None:
    view = view_of(big)
    [group] = view.cycles
    assert group.nodes == ("pkg.s2", "pkg.s3") and group.modules == ("pkg.s2.m0", "pkg.s3.m0")
    assert view.nodes["pkg.s4"].cycle and not view.nodes["pkg.s2"].cycle
    assert view.edges["pkg.s2", "pkg.s3"].cycle and not view.edges["pkg.s0", "pkg.s1"].cycle
    dot = to_dot(view)
    cluster = dot[dot.index('subgraph "cluster_cycle_1"') :].split("}")[0]
    assert '"pkg.s2" [' in cluster and '"pkg.s3" [' in cluster and "import cycle" in cluster
    whole = view_of(big, depth=3)
    assert [g.nodes for g in whole.cycles] == [("pkg.s2.m0", "pkg.s3.m0"), ("pkg.s4.m0", "pkg.s4.m1")]


def test_focus_draws_the_neighbourhood(big: ScanResult) -> None:
    near = view_of(big, focus="pkg.s1.m0")
    assert set(near.nodes) == {"pkg.s1.m0", "pkg.s1", *(f"pkg.s0.m{j}" for j in range(10))}
    farther = view_of(big, focus="pkg.s1.m0", radius=2)
    held = {name for node in farther.nodes.values() for name in node.members}
    assert held == {"pkg", "pkg.s0", "pkg.s1", "pkg.s1.m0", *(f"pkg.s0.m{j}" for j in range(10))}
    assert farther.nodes["pkg.s1.m0"].members == ("pkg.s1.m0",)  # the focus is a node of its own
    assert diagram_lines("x.svg", near)[1].startswith("diagram: pkg.s1.m0 and what is within 1 import of it")


def test_full_draws_every_module_and_reduce_leaves_out_implied_edges(tmp_path: Path) -> None:
    make_tree(
        tmp_path, {"main.py": "import a\nimport b\nimport c\n", "a.py": "import b\nimport c\n", "b.py": "import c\n"}
    )
    result = scanned(tmp_path / "main.py")
    full = view_of(result, full=True, reduce=True)
    assert set(full.nodes) >= {"__main__", "a", "b", "c"}
    assert set(full.edges) == {("__main__", "a"), ("a", "b"), ("b", "c")} and full.reduced == 3
    assert "3 edges implied by others left out" in diagram_lines("x.svg", full)[0]


def test_reduce_keeps_the_edges_of_a_cycle(tmp_path: Path) -> None:
    make_tree(tmp_path, {"main.py": "import a\nimport b\n", "a.py": "import b\n", "b.py": "import a\n"})
    view = view_of(scanned(tmp_path / "main.py"), reduce=True)
    assert {("a", "b"), ("b", "a")} <= set(view.edges)
    assert len([e for e in view.edges if e[0] == "__main__"]) == 1  # one way into the cycle is enough


def test_missing_modules_each_a_node_when_they_fit(tmp_path: Path) -> None:
    make_tree(tmp_path, {"main.py": "".join(f"import gone{i}.sub\n" for i in range(BUDGET - 1))})
    view = view_of(scanned(tmp_path / "main.py"))
    assert len(view.nodes) == BUDGET and not any(node.collapsed for node in view.nodes.values())


def test_many_missing_modules_are_grouped(tmp_path: Path) -> None:
    names = [f"gone{i}.sub{j}" for i in range(3) for j in range(BUDGET // 2)]
    make_tree(tmp_path, {"main.py": "".join(f"import {name}\n" for name in names)})
    view = view_of(scanned(tmp_path / "main.py"))
    missing = {n.id: n for n in view.nodes.values() if n.kind == "missing"}
    assert set(missing) == {"missing:gone0.*", "missing:gone1.*", "missing:gone2.*"}
    assert missing["missing:gone1.*"].label == f"gone1 — {BUDGET // 2} missing"
    spread = [f"gone{i}" for i in range(BUDGET)]  # more than MISSING_SHARE top-level names
    make_tree(tmp_path, {"main.py": "".join(f"import {name}\n" for name in spread)})
    [everything] = [n for n in view_of(scanned(tmp_path / "main.py")).nodes.values() if n.kind == "missing"]
    assert BUDGET > MISSING_SHARE
    assert everything.id == "missing:*" and everything.label == f"not found — {BUDGET} missing"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment (no pip) with ``alpha`` from the distribution ``alpha-dist``, and
    ``loose``, a package no distribution owns."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "env")], check=True)
    [site] = (root / "env" / "lib").glob("python3*/site-packages")
    make_tree(
        site,
        {
            "alpha/__init__.py": "from . import one, two\n",
            "alpha/one.py": "",
            "alpha/two.py": "",
            "alpha_dist-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: alpha-dist\nVersion: 1.0\n",
            "alpha_dist-1.0.dist-info/top_level.txt": "alpha\n",
            "loose/__init__.py": "from . import part\n",
            "loose/part.py": "",
        },
    )
    return root / "env"


def test_third_party_code_is_one_node_per_distribution(tmp_path: Path, venv: Path) -> None:
    files = {
        "main.py": "import alpha\nimport loose\nimport proj\n",
        "proj/__init__.py": "from . import a, b, c, d, e, f, g\n",
    }
    files.update({f"proj/{name}.py": "" for name in "abcdefg"})
    make_tree(tmp_path, files)
    view = view_of(scanned(tmp_path / "main.py", venv_python(venv)))
    alpha = view.nodes["dist:alpha-dist"]
    assert alpha.kind == "distribution" and alpha.label == "alpha-dist — 3 modules"
    assert view.nodes["loose"].label == "loose — 2 modules"  # no distribution owns it: its top-level name
    assert view.third_party_depth == 0
    assert "third-party code one node per distribution" in diagram_lines("x.svg", view)[1]


def test_a_script_driving_a_library_opens_it(tmp_path: Path, venv: Path) -> None:
    make_tree(tmp_path, {"main.py": "import alpha\n"})
    view = view_of(scanned(tmp_path / "main.py", venv_python(venv)))
    assert {"__main__", "alpha", "alpha.one", "alpha.two"} == set(view.nodes)


def test_stdlib_hidden_unless_asked_for(tmp_path: Path) -> None:
    make_tree(tmp_path, {"main.py": "import json\nimport os\n"})
    result = scanned(tmp_path / "main.py")
    assert set(view_of(result).nodes) == {"__main__"}
    shown = view_of(result, include_stdlib=True)
    assert {"json", "os"} <= set(shown.nodes) and shown.hidden_stdlib == 0
    assert set(view_of(result, include_stdlib=True, budget=2).nodes) == {"__main__", "stdlib:*"}


def test_the_json_diagram_is_node_link_with_the_groups(tmp_path: Path) -> None:
    script = big_project(tmp_path)
    out = tmp_path / "out.json"
    done = CliRunner().invoke(cli, [str(script), "--no-pythonpath", "--no-cache", "--graph", str(out)])
    assert done.exit_code == 0, done.output
    document = json.loads(out.read_text())
    nodes = {node["id"]: node for node in document["nodes"]}
    assert nodes["pkg.s5"]["collapsed"] and len(nodes["pkg.s5"]["members"]) == 11
    [link] = [link for link in document["links"] if (link["source"], link["target"]) == ("pkg.s0", "pkg.s1")]
    assert link["count"] == 10 and len(link["sites"]) == 10
    assert document["graph"]["cycles"][0]["nodes"] == ["pkg.s2", "pkg.s3"]
    assert "diagram: pkg collapsed at depth 2; --depth 3 or --focus MODULE for more" in done.output


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        pytest.param(["--depth", "2"], "--depth shapes the diagram: give --graph FILE", id="depth-without-graph"),
        pytest.param(["--graph", "x.dot", "--full", "--depth", "2"], "--full draws every module", id="full-and-depth"),
        pytest.param(["--graph", "x.dot", "--radius", "2"], "--radius is the reach of --focus", id="radius-alone"),
        pytest.param(["--graph", "x.dot", "--depth", "0"], "--depth 0: give a number of 1 or more", id="depth-0"),
    ],
)
def test_diagram_options_are_checked_before_the_scan(tmp_path: Path, arguments: list[str], said: str) -> None:
    make_tree(tmp_path, {"main.py": "import os\n"})
    done = CliRunner().invoke(cli, [str(tmp_path / "main.py"), "--no-cache", *arguments])
    assert done.exit_code == 2 and said in done.output and "modules" not in done.stdout


def test_focus_on_a_module_the_program_does_not_import(tmp_path: Path) -> None:
    make_tree(tmp_path, {"main.py": "import os\n"})
    arguments = [str(tmp_path / "main.py"), "--no-cache", "--graph", str(tmp_path / "x.dot"), "--focus", "nope"]
    done = CliRunner().invoke(cli, arguments)
    assert done.exit_code == 2 and "--focus: 'nope' is not imported by the program" in done.output


def test_each_diagram_option_has_its_own_stored_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from depscan.perf import runcache

    monkeypatch.setattr(runcache, "FRESH_NS", 0)  # the program was written just now
    script = big_project(tmp_path / "prog")
    out = tmp_path / "out.dot"
    base = [str(script), "--no-pythonpath", "--cache-dir", str(tmp_path / "cache"), "--graph", str(out)]
    variants = [[], ["--depth", "3"], ["--focus", "pkg.s1.m0"], ["--focus", "pkg.s1.m0", "--radius", "2"]]
    variants += [["--reduce"], ["--full"], ["--include-stdlib"]]
    drawn = []
    for variant in variants:
        assert CliRunner().invoke(cli, [*base, *variant]).exit_code == 0
        drawn.append(out.read_text())
    assert len(set(drawn)) == len(variants)  # each drew its own diagram, none was another's stored answer

    def no_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("scanned again")

    monkeypatch.setattr("depscan.app.scan.scan_program", no_scan)
    for variant, expected in zip(variants, drawn, strict=True):
        done = CliRunner().invoke(cli, [*base, *variant])
        assert done.exit_code == 0, (variant, done.output)
        assert out.read_text() == expected


def test_the_progress_line_runs_while_graphviz_draws(capsys: pytest.CaptureFixture[str]) -> None:
    from depscan.cli import _ScanProgress

    progress = _ScanProgress()
    progress(1, 0)
    with progress.drawing("Drawing 3 nodes and 2 edges with Graphviz"):
        time.sleep(1.2)
    said = capsys.readouterr().err
    assert "Drawing 3 nodes and 2 edges with Graphviz...\r" in said
    assert re.search(r"\rDrawing 3 nodes and 2 edges with Graphviz\.\.\. 1\.0 s", said)
    assert re.search(r"\rDrawing 3 nodes and 2 edges with Graphviz: 1\.2 s +\n$", said)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_the_scan_says_when_graphviz_draws(tmp_path: Path) -> None:
    from depscan.app.scan import Diagram, run_scan
    from depscan.app.settings import Options

    script = big_project(tmp_path / "prog")
    told: list[str] = []

    @contextmanager
    def drawing(what: str) -> Iterator[None]:
        told.append(what)
        yield

    options = Options(targets=(str(script),), no_pythonpath=True, no_cache=True)
    run_scan(options, Diagram(str(tmp_path / "out.svg")), None, drawing)
    assert told == ["Drawing 12 nodes and 14 edges with Graphviz"]
    run_scan(options, Diagram(str(tmp_path / "out.dot")), None, drawing)
    assert len(told) == 1  # no Graphviz for DOT


def test_too_many_top_level_modules_pool_the_smaller_ones(tmp_path: Path) -> None:
    files = {f"m{i}.py": "" for i in range(BUDGET + 20)}
    files["main.py"] = "import pkg\n" + "".join(f"import m{i}\n" for i in range(BUDGET + 20))
    files.update({"pkg/__init__.py": "from . import a, b\n", "pkg/a.py": "", "pkg/b.py": ""})
    make_tree(tmp_path, files)
    result = scanned(tmp_path / "main.py")
    view = view_of(result)
    assert len(view.nodes) == BUDGET
    assert len(view_of(result, full=True).nodes) == len(result.graph_data.nodes)  # --full pools nothing
    assert {"__main__", "pkg"} <= set(view.nodes)  # the root and the largest stay
    pooled = view.nodes["project:*"]
    assert pooled.kind == "other" and pooled.label == f"other modules — {BUDGET + 20 - (BUDGET - 3)} modules"
    assert "smaller top-level modules in one node" in diagram_lines("x.svg", view)[1]
