"""Installed distributions and declared dependencies, read statically (depscan.analysis.distributions).

The site directories of ``fixtures/distributions/sites`` hold hand-written
dist-info and egg-info metadata (see the README there); two differential tests
compare the top-level names with CPython's ``importlib.metadata``, run in a
subprocess: over the fixtures, distribution by distribution, and over this
virtual environment's site-packages with ``packages_distributions()`` itself.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from conftest import FIXTURES
from depscan.analysis.distributions import (
    Declared,
    Distribution,
    Distributions,
    declared_dependencies,
    installed_distributions,
    normalise,
)

BASE = FIXTURES / "distributions"
PROJECTS = BASE / "projects"


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of fixtures/distributions/sites with the egg-info directories renamed and an empty dist-info added."""
    root = tmp_path_factory.mktemp("sites") / "sites"
    shutil.copytree(BASE / "sites", root)
    for directory in sorted(root.rglob("*.egg-info.dir")):
        directory.rename(directory.with_name(directory.name.removesuffix(".dir")))
    (root / "site_a" / "empty-1.0.dist-info").mkdir()
    return root


@pytest.fixture(scope="session")
def both(sites: Path) -> Distributions:
    return installed_distributions([str(sites / "site_a"), str(sites / "site_b")])


def only(dists: Distributions, name: str) -> Distribution:
    dist = dists.get(name)
    assert dist is not None, f"{name} not found"
    return dist


# --- installed distributions ---------------------------------------------------------------------------------------


def test_normalise() -> None:
    assert normalise("Foo.Bar__baz-QUX") == "foo-bar-baz-qux"
    assert normalise("a-_.-b") == "a-b"
    assert normalise("plain") == "plain"


def test_the_distributions_found(both: Distributions, sites: Path) -> None:
    names = [(d.name, Path(d.site_dir).name) for d in both]
    assert names == [
        ("Delta", "site_a"),
        ("Shouty", "site_a"),
        ("Alpha", "site_a"),
        ("badrecord", "site_a"),
        ("beta.pkg", "site_a"),
        ("dup_lib", "site_a"),
        ("epsilon", "site_a"),
        ("gamma", "site_a"),
        ("garbled", "site_a"),
        ("pyc-only", "site_a"),
        ("zeta", "site_b"),
    ]
    assert len(both) == 11
    assert "Beta_Pkg" in both and "broken" not in both


def test_top_level_txt_wins_over_record(both: Distributions) -> None:
    alpha = only(both, "alpha")
    assert alpha.top_level == ("alpha", "alpha_extra")
    assert alpha.top_level_source == "top_level.txt"
    assert alpha.version == "1.0"
    assert alpha.kind == "dist-info"
    assert Path(alpha.path).name == "alpha-1.0.dist-info"
    assert "ignored_by_top_level" not in both.by_import_name


def test_names_inferred_from_record(both: Distributions) -> None:
    beta = only(both, "beta-pkg")
    # Only .py files count on 3.11: not __pycache__, .pth, .so, data or the dist-info's own files.
    assert beta.top_level == ("beta", "beta_single", "odd,name")
    assert beta.top_level_source == "RECORD"
    assert both.by_import_name["beta_single"] == ("beta.pkg",)


def test_record_without_py_files_gives_no_names(both: Distributions) -> None:
    pyc_only = only(both, "pyc_only")
    assert pyc_only.top_level == ()
    assert pyc_only.top_level_source == "RECORD"
    assert "pyc_only" not in both.by_import_name and "compiled" not in both.by_import_name


def test_egg_info_directory_from_sources(both: Distributions) -> None:
    gamma = only(both, "gamma")
    assert gamma.kind == "egg-info"
    assert gamma.top_level == ("comma,mod", "gamma", "setup", "tests")  # SOURCES.txt lists setup.py, as do eggs
    assert gamma.top_level_source == "SOURCES.txt"
    assert gamma.version == "0.1"


def test_egg_info_installed_files_is_not_read_on_311(both: Distributions) -> None:
    epsilon = only(both, "epsilon")
    assert epsilon.top_level == ()
    assert epsilon.top_level_source is None
    assert "epsilon" not in both.by_import_name and "epsilon_mod" not in both.by_import_name


def test_egg_info_file(both: Distributions) -> None:
    delta = only(both, "delta")
    assert (delta.name, delta.version, delta.kind) == ("Delta", "3.0", "egg-info")
    assert Path(delta.path).is_file()
    assert delta.top_level == ()


def test_licenses(both: Distributions) -> None:
    assert only(both, "alpha").license == "MIT"  # License-Expression first
    assert only(both, "beta.pkg").license == "BSD-3-Clause"  # a one-line License
    assert only(both, "gamma").license == "License :: OSI Approved :: Apache Software License"  # License too long
    assert only(both, "delta").license == "License :: OSI Approved :: Apache Software License"  # UNKNOWN
    assert only(both, "pyc-only").license is None


def test_earlier_site_dir_wins(sites: Path, both: Distributions) -> None:
    dup = only(both, "DUP-LIB")
    assert (dup.name, dup.version, Path(dup.site_dir).name) == ("dup_lib", "1.0", "site_a")
    assert [(d.name, d.version) for d in both.shadowed] == [("Dup.Lib", "2.0")]
    assert both.by_import_name["dup_a"] == ("dup_lib",)
    assert "dup_b" not in both.by_import_name

    reverse = installed_distributions([str(sites / "site_b"), str(sites / "site_a")])
    dup = only(reverse, "dup_lib")
    assert (dup.name, dup.version) == ("Dup.Lib", "2.0")
    assert reverse.by_import_name["dup_b"] == ("Dup.Lib",)
    assert "dup_a" not in reverse.by_import_name


def test_by_import_name_in_site_order(sites: Path, both: Distributions) -> None:
    assert both.by_import_name["alpha"] == ("Alpha", "zeta")
    reverse = installed_distributions([str(sites / "site_b"), str(sites / "site_a")])
    assert reverse.by_import_name["alpha"] == ("zeta", "Alpha")
    assert both.by_import_name["zeta"] == ("zeta",)


def test_suffix_in_any_case(both: Distributions) -> None:
    shouty = only(both, "shouty")
    assert shouty.top_level == ("shouty",)
    assert shouty.kind == "dist-info"


def test_egg_directory_on_the_path(sites: Path) -> None:
    dists = installed_distributions([str(sites / "eggy-1.0-py3.11.egg")])
    assert [(d.name, d.top_level, Path(d.path).name) for d in dists] == [("eggy", ("eggy",), "EGG-INFO")]
    assert dists.problems == []


def test_malformed_metadata_is_reported_not_raised(both: Distributions, sites: Path) -> None:
    site_a = sites / "site_a"
    problems = [p.replace(str(site_a) + "/", "") for p in both.problems]
    assert problems == [
        "badrecord-1.0.dist-info/RECORD:2: malformed entry 'too,many,fields,here.py'; skipped",
        "badrecord-1.0.dist-info/RECORD:4: malformed entry 'badsize.py,sha256=AAAA,twelve'; skipped",
        "broken_utf8-1.0.dist-info/METADATA: not UTF-8 (invalid start byte at byte 34); file skipped",
        "broken_utf8-1.0.dist-info: no readable METADATA or PKG-INFO; distribution skipped",
        "empty-1.0.dist-info: no readable METADATA or PKG-INFO; distribution skipped",
        "garbled-1.0.dist-info/METADATA: malformed metadata: MissingHeaderBodySeparatorDefect",
        "garbled-1.0.dist-info: the metadata has no Name; using 'garbled' from the directory name",
    ]
    badrecord = only(both, "badrecord")
    assert badrecord.top_level == ("badrecord", "badrecord_extra")
    garbled = only(both, "garbled")
    assert (garbled.version, garbled.top_level) == (None, ("garbled_mod",))
    assert both.get("broken") is None and "broken" not in both.by_import_name


def test_missing_and_odd_site_dirs(tmp_path: Path) -> None:
    a_file = tmp_path / "archive.zip"
    a_file.write_bytes(b"PK\x05\x06" + bytes(18))
    dists = installed_distributions([str(tmp_path / "missing"), str(a_file), str(tmp_path)])
    assert list(dists) == [] and dists.problems == [] and dict(dists.by_import_name) == {}


def test_unreadable_top_level_falls_back(tmp_path: Path) -> None:
    info = tmp_path / "odd-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Name: odd\nVersion: 1\n")
    (info / "top_level.txt").write_bytes(b"\xffodd\n")
    (info / "RECORD").write_text("odd_module.py,,\n")
    dists = installed_distributions([str(tmp_path)])
    assert only(dists, "odd").top_level == ("odd_module",)
    assert dists.problems == [f"{info}/top_level.txt: not UTF-8 (invalid start byte at byte 0); file skipped"]


# The oracle: importlib.metadata of this interpreter, one distribution at a time,
# so that a distribution it cannot read (and raises on) does not hide the others.
_PER_DIST = textwrap.dedent(
    """
    import importlib.metadata as md, json, sys
    out = []
    for dist in md.distributions(path=[sys.argv[1]]):
        entry = {"path": str(dist._path)}
        try:
            entry["names"] = sorted(set(md._top_level_declared(dist) or md._top_level_inferred(dist)))
            entry["name"] = dist.metadata["Name"]
        except Exception as error:
            entry["error"] = type(error).__name__
        out.append(entry)
    print(json.dumps(out))
    """
)


ORACLE_IS_311 = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11),
    reason="the oracle is this interpreter's importlib.metadata; depscan models 3.11's (distributions.py), "
    "and 3.10, 3.12 and 3.13 infer names differently",
)


@ORACLE_IS_311
def test_differential_fixture_sites(sites: Path) -> None:
    for site in ("site_a", "site_b"):
        site_dir = str(sites / site)
        run = subprocess.run(
            [sys.executable, "-I", "-c", _PER_DIST, site_dir], capture_output=True, text=True, check=True
        )
        oracle = json.loads(run.stdout)
        ours = installed_distributions([site_dir])
        by_path = {d.path: d for d in (*ours.distributions, *ours.shadowed)}
        compared = 0
        for entry in oracle:
            if "error" in entry or entry["name"] is None:
                continue  # importlib.metadata itself fails on it (or has no name): nothing to compare with
            dist = by_path[entry["path"]]
            assert (dist.name, sorted(dist.top_level)) == (entry["name"], entry["names"]), entry["path"]
            compared += 1
        # importlib.metadata fails on badrecord, broken_utf8 and empty, and finds no Name in garbled.
        assert compared == {"site_a": 8, "site_b": 2}[site]
        assert len(oracle) == {"site_a": 12, "site_b": 2}[site]


_PACKAGES_DISTRIBUTIONS = textwrap.dedent(
    """
    import importlib.metadata as md, json, sys, sysconfig
    site = sysconfig.get_paths()["purelib"]
    sys.path[:] = [site]
    mapping = md.packages_distributions()
    print(json.dumps({"site": site, "mapping": {k: sorted(set(v)) for k, v in mapping.items()}}))
    """
)


@ORACLE_IS_311
def test_differential_this_environment() -> None:
    """``by_import_name`` of this virtual environment's site-packages equals ``packages_distributions()``."""
    for _attempt in range(3):
        before = _our_mapping()
        run = subprocess.run(
            [sys.executable, "-I", "-c", _PACKAGES_DISTRIBUTIONS], capture_output=True, text=True, check=True
        )
        result = json.loads(run.stdout)
        after = _our_mapping(result["site"])
        if before == after:
            break  # nothing was installed or removed meanwhile
    else:
        pytest.fail("site-packages kept changing during the test")
    theirs = {name: set(dists) for name, dists in result["mapping"].items()}
    assert after == theirs
    assert len(theirs) >= 10  # click, networkx, graphviz, packaging, pytest, ... and their dependencies
    assert {"click", "networkx", "packaging", "pytest", "depscan"} <= set(theirs)


def _our_mapping(site: str | None = None) -> dict[str, set[str]]:
    site = site or sysconfig.get_paths()["purelib"]
    dists = installed_distributions([site])
    return {name: set(names) for name, names in dists.by_import_name.items()}


# --- declared dependencies -----------------------------------------------------------------------------------------


def summary(declared: Declared) -> list[tuple[str, str | None, bool, str | None, tuple[str, ...]]]:
    return [(r.name, r.table, r.optional, r.marker, r.extras) for r in declared.requirements]


def located(declared: Declared, root: Path) -> list[tuple[str, str, int | None]]:
    return [(r.name, str(Path(r.path).relative_to(root)), r.line) for r in declared.requirements]


def test_pyproject_tables() -> None:
    root = PROJECTS / "full"
    declared = declared_dependencies(str(root))
    assert summary(declared) == [
        ("requests", "project.dependencies", False, None, ("security", "socks")),
        ("tomli", "project.dependencies", False, 'python_version < "3.11"', ()),
        ("attrs", "project.dependencies", False, None, ()),
        ("sphinx", "project.optional-dependencies.docs", True, None, ()),
        ("sphinx-rtd-theme", "project.optional-dependencies.docs", True, None, ()),
        ("pytest", "project.optional-dependencies.test", True, None, ()),
        ("full-project", "project.optional-dependencies.test", True, None, ("docs",)),
        ("ruff", "dependency-groups.lint", True, None, ()),
        ("mypy", "dependency-groups.lint", True, None, ()),
        ("pytest-cov", "dependency-groups.test", True, None, ()),
        ("coverage", "dependency-groups.all", True, None, ("toml",)),
    ]
    first = declared.requirements[0]
    assert first.text == "Requests[socks,security]>=2.0"
    assert first.path == str(root / "pyproject.toml") and first.line is None
    assert first.where == f"{root / 'pyproject.toml'} [project.dependencies]"
    assert declared.project == "full-project"
    assert declared.sources == (str(root / "pyproject.toml"),)  # requirements.txt is not read
    assert "should-not-be-read" not in declared.names()
    assert declared.names(optional=False) == {"requests", "tomli", "attrs"}

    groups = {group: [r.name for r in members] for group, members in declared.groups.items()}
    assert groups == {
        "lint": ["ruff", "mypy"],
        "test": ["pytest-cov", "ruff", "mypy"],
        "all": ["pytest-cov", "ruff", "mypy", "coverage"],
        "bad": [],
    }
    assert declared.groups["all"][1].table == "dependency-groups.lint"  # included members keep their place

    pyproject = root / "pyproject.toml"
    assert declared.problems == [
        f"{pyproject} [project.dependencies]: invalid requirement 'not a valid requirement!!': "
        + _packaging_message("not a valid requirement!!"),
        f"{pyproject} [project.dependencies]: 42 is not a requirement string",
        f"{pyproject} [dependency-groups.bad]: {{'include-group': 'lint', 'extra': 1}} is neither a requirement "
        "nor {include-group = ...}",
        f"{pyproject} [dependency-groups.bad]: invalid requirement 'in valid': " + _packaging_message("in valid"),
    ]


def _packaging_message(text: str) -> str:
    from packaging.requirements import InvalidRequirement, Requirement

    with pytest.raises(InvalidRequirement) as caught:
        Requirement(text)
    return str(caught.value).splitlines()[0]


def test_dependency_group_cycle_and_unknown_group() -> None:
    root = PROJECTS / "cycle"
    declared = declared_dependencies(str(root))
    pyproject = root / "pyproject.toml"
    assert declared.problems == [
        f"{pyproject} [dependency-groups.dup-group]: the same group as 'Dup_Group' (names are normalised); ignored",
        f"{pyproject} [dependency-groups]: include-group cycle a -> b -> c -> a",
        f"{pyproject} [dependency-groups.d]: include-group 'missing' names no group",
    ]
    groups = {group: [r.name for r in members] for group, members in declared.groups.items()}
    assert groups == {
        "a": ["alpha-dep", "beta-dep", "gamma-dep"],
        "b": ["beta-dep", "gamma-dep"],
        "c": ["gamma-dep"],
        "d": ["delta-dep"],
        "Dup_Group": ["x-dep"],
    }
    assert declared.names() == {"alpha-dep", "beta-dep", "gamma-dep", "delta-dep", "x-dep"}
    assert all(r.optional for r in declared.requirements)
    assert declared.sources == (str(pyproject),)  # `dependencies = []` is a declaration: no requirements files


def test_requirements_files() -> None:
    root = PROJECTS / "reqs"
    declared = declared_dependencies(str(root))
    assert located(declared, root) == [
        ("requests", "requirements.txt", 2),
        ("certifi", "common.txt", 1),
        ("urllib3", "requirements/base.txt", 2),
        ("charset-normalizer", "extra/more.txt", 1),
        ("django", "requirements.txt", 5),
        ("numpy", "requirements.txt", 8),
        ("flask", "requirements.txt", 22),
        ("python-dateutil", "requirements.txt", 24),
        ("six", "requirements.txt", 27),
        ("pytest", "requirements-dev.txt", 2),
        ("hypothesis", "requirements/test.txt", 1),
    ]
    by_name = {r.name: r for r in declared.requirements}
    assert by_name["django"].text == "Django>=4.2"
    assert by_name["python-dateutil"].text == "python-dateutil==2.8.2"
    assert by_name["numpy"].marker == 'python_version >= "3.9" and platform_system != "Windows"'
    assert by_name["flask"].extras == ("async",)
    assert by_name["pytest"].text == "pytest>=8"
    assert by_name["requests"].where == f"{root / 'requirements.txt'}:2"
    assert not any(r.optional or r.table for r in declared.requirements)
    # Editable, URL, path and wheel lines name nothing; constraints are not dependencies.
    assert declared.names().isdisjoint({"editable-pkg", "vcs-pkg", "some-wheel", "not-a-dependency"})
    assert declared.project == "reqs"
    assert [str(Path(s).relative_to(root)) for s in declared.sources] == [
        "pyproject.toml",
        "requirements-dev.txt",
        "requirements.txt",
        "requirements/base.txt",
        "common.txt",
        "extra/more.txt",
        "requirements/test.txt",
    ]
    assert declared.problems == [
        f"{root / 'extra/more.txt'}:2: -r missing.txt: no such file {root / 'extra/missing.txt'}",
        f"{root / 'requirements.txt'}:23: invalid requirement 'this is not valid': "
        + _packaging_message("this is not valid"),
    ]


def test_dynamic_dependencies_read_requirements() -> None:
    root = PROJECTS / "dynamic"
    declared = declared_dependencies(str(root))
    assert [(r.name, r.table, r.line, r.optional) for r in declared.requirements] == [
        ("pytest", "project.optional-dependencies.test", None, True),
        ("click", None, 1, False),
    ]
    assert declared.problems == []


def test_invalid_pyproject_falls_back_to_requirements() -> None:
    root = PROJECTS / "badtoml"
    declared = declared_dependencies(str(root))
    assert [r.name for r in declared.requirements] == ["click"]
    assert len(declared.problems) == 1
    assert declared.problems[0].startswith(f"{root / 'pyproject.toml'}: invalid TOML: ")
    assert declared.project is None


def test_empty_project(tmp_path: Path) -> None:
    assert declared_dependencies(str(tmp_path)) == Declared()


def test_requirement_line_edge_cases(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "\ufeffalpha  # comment\n"  # a BOM before the first line
        "beta#not-a-comment-without-space\n"
        "gamma \\\n"
        "  ; python_version > '3'\n"
        "--unknown-option value\n"
        "--requireme=more.txt\n"
        "-rmost.txt\n"
        "-r https://example.invalid/reqs.txt\n"
        "delta --hash 'unterminated\n"
        "-c\n"
        "name @ git+ssh://git@example.invalid/x.git\n"
        "./relative --hash=sha256:0\n",
        encoding="utf-8",
    )
    (tmp_path / "more.txt").write_text("epsilon\n-r most.txt\n")  # most.txt is read once
    (tmp_path / "most.txt").write_text("zeta\n")
    declared = declared_dependencies(str(tmp_path))
    path = tmp_path / "requirements.txt"
    assert [(r.name, r.text, r.line, r.marker) for r in declared.requirements] == [
        ("alpha", "alpha", 1, None),
        ("gamma", "gamma   ; python_version > '3'", 3, 'python_version > "3"'),
        ("epsilon", "epsilon", 1, None),
        ("zeta", "zeta", 1, None),
        ("name", "name @ git+ssh://git@example.invalid/x.git", 11, None),
    ]
    assert declared.problems == [
        f"{path}:2: invalid requirement 'beta#not-a-comment-without-space': "
        + _packaging_message("beta#not-a-comment-without-space"),
        f"{path}:5: unknown option '--unknown-option'",
        f"{path}:5: unexpected 'value' among the options",
        f"{path}:8: -r https://example.invalid/reqs.txt: a URL, not followed",
        f'{path}:9: cannot split the options "--hash \'unterminated": No closing quotation',
        f"{path}:10: option '-c' needs a value",
    ]


# --- the import names of a distribution that is not installed (DS006) ---------------------------


@pytest.mark.parametrize(
    ("distribution", "names"),
    [
        ("PyYAML", ("yaml", "_yaml")),
        ("beautifulsoup4", ("bs4",)),
        ("Pillow", ("PIL",)),
        ("python-dateutil", ("dateutil",)),
        ("typing_extensions", ("typing_extensions",)),  # no entry: the normalised name
        ("Foo.Bar-baz", ("foo.bar_baz", "foo_bar_baz")),
        ("zope.testing", ("zope.testing", "zope_testing")),  # a portion of the namespace package zope
        ("jaraco.text", ("jaraco.text", "jaraco_text")),
        ("a.1b", ("a_1b",)),  # not a dotted import name
        ("protobuf", ("google.protobuf",)),
    ],
)
def test_import_names_of_a_distribution_not_installed(distribution: str, names: tuple[str, ...]) -> None:
    from depscan.analysis.providers import import_names

    assert import_names(distribution, {}) == names


def test_the_projects_dependency_mapping_wins() -> None:
    from depscan.analysis.providers import import_names

    assert import_names("pyyaml", {"ruamel_like": ["PyYAML"], "other": ["x"]}) == ("ruamel_like",)


def test_the_shipped_import_names_are_normalised_and_not_the_default() -> None:
    """Every key is a normalised name, and no entry says only what the default would."""
    from depscan.analysis import providers

    for name, names in providers._table().items():
        assert name == normalise(name)
        assert names and names != (name.replace("-", "_"),), name
