"""The resolver on small trees built for each rule of the import system.

The target interpreter is described directly (no probe), so each test controls
``sys.path`` and the site directories exactly. Files are empty unless the
rule needs content: the resolver looks at names, never runs anything.
"""

from __future__ import annotations

import base64
import os
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from depscan.resolve.interpreter import Interpreter
from depscan.resolve.resolver import Resolution, Resolver, build_search_path

EXT = ".cpython-311-x86_64-linux-gnu.so"


def interpreter(
    sys_path: Sequence[Path] = (), site_dirs: Sequence[Path] = (), version: tuple[int, ...] = (3, 11, 7)
) -> Interpreter:
    return Interpreter(
        executable="/nonexistent/python3.11",
        version=version,
        implementation="cpython",
        platform="linux",
        os_name="posix",
        prefix="/nonexistent",
        exec_prefix="/nonexistent",
        base_prefix="/nonexistent",
        base_exec_prefix="/nonexistent",
        sys_path=tuple(str(p) for p in sys_path),
        builtin=frozenset({"sys", "builtins", "_imp", "posix"}),
        frozen=frozenset({"zipimport", "__phello__", "__phello__.__init__", "__phello__.spam"}),
        stdlib_names=frozenset({"sys", "os", "random", "json", "zipimport"}),
        stdlib_dirs=(),
        extension_suffixes=(EXT, ".abi3.so", ".so"),
        site_dirs=tuple(str(p) for p in site_dirs),
    )


def resolver(paths: Sequence[Path] = (), site_dirs: Sequence[Path] = (), project: Path | None = None) -> Resolver:
    interp = interpreter(site_dirs=site_dirs)
    search = build_search_path(interp, [str(p) for p in paths], project_root=str(project) if project else None)
    return Resolver(interp, search)


def touch(root: Path, *names: str, text: str = "") -> None:
    for name in names:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def make_zip(path: Path, members: dict[str, str], directories: bool = True) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        written: set[str] = set()
        for name, text in members.items():
            if directories:
                parts = name.split("/")[:-1]
                for depth in range(1, len(parts) + 1):
                    directory = "/".join(parts[:depth]) + "/"
                    if directory not in written:
                        archive.writestr(directory, "")
                        written.add(directory)
            archive.writestr(name, text)
    return path


def check(result: Resolution, kind: str, path: Path | str | None, is_package: bool | None = None) -> None:
    assert result.kind == kind, result
    assert result.path == (str(path) if path is not None else None), result
    if is_package is not None:
        assert result.is_package is is_package


# --- one directory --------------------------------------------------------------------


def test_package_beats_module(tmp_path: Path) -> None:
    touch(tmp_path, "pkg/__init__.py", "pkg.py")
    check(resolver([tmp_path]).resolve("pkg"), "source", tmp_path / "pkg/__init__.py", True)


def test_extension_beats_source_beats_bytecode(tmp_path: Path) -> None:
    touch(tmp_path, "fast" + EXT, "fast.py", "plain.py", "plain.pyc", "abi.abi3.so", "abi.py", "only.pyc")
    r = resolver([tmp_path])
    check(r.resolve("fast"), "extension", tmp_path / ("fast" + EXT))
    assert r.resolve("fast").file is None  # nothing for depscan to read in a shared library
    check(r.resolve("plain"), "source", tmp_path / "plain.py")
    check(r.resolve("abi"), "extension", tmp_path / "abi.abi3.so")
    sourceless = r.resolve("only")
    check(sourceless, "bytecode", tmp_path / "only.pyc")
    assert sourceless.file == str(tmp_path / "only.pyc")


def test_package_init_suffix_order(tmp_path: Path) -> None:
    touch(tmp_path, "a/__init__.py", "a/__init__" + EXT, "b/__init__.pyc")
    r = resolver([tmp_path])
    check(r.resolve("a"), "extension", tmp_path / ("a/__init__" + EXT), True)
    check(r.resolve("b"), "bytecode", tmp_path / "b/__init__.pyc", True)


def test_pycache_only_is_not_importable(tmp_path: Path) -> None:
    touch(tmp_path, "__pycache__/gone.cpython-311.pyc")
    result = resolver([tmp_path]).resolve("gone")
    assert not result.found and result.searched[0] == str(tmp_path)


def test_directory_named_like_a_module_is_not_one(tmp_path: Path) -> None:
    touch(tmp_path, "x.py/", "x.py/inner.py")
    result = resolver([tmp_path]).resolve("x")
    assert not result.found


def test_namespace_portion_without_init(tmp_path: Path) -> None:
    touch(tmp_path, "ns/mod.py")
    r = resolver([tmp_path])
    ns = r.resolve("ns")
    check(ns, "namespace", None, True)
    assert ns.locations == (str(tmp_path / "ns"),) and ns.file is None
    check(r.resolve("ns.mod"), "source", tmp_path / "ns/mod.py", False)


def test_case_sensitive(tmp_path: Path) -> None:
    touch(tmp_path, "Mixed.py")
    r = resolver([tmp_path])
    assert r.resolve("Mixed").found
    assert not r.resolve("mixed").found


def test_non_ascii_names(tmp_path: Path) -> None:
    touch(tmp_path, "modulé.py", "paquet_ñ/__init__.py", "paquet_ñ/sous.py")
    r = resolver([tmp_path])
    check(r.resolve("modulé"), "source", tmp_path / "modulé.py")
    check(r.resolve("paquet_ñ.sous"), "source", tmp_path / "paquet_ñ/sous.py")


# --- across entries ---------------------------------------------------------------------


def test_first_entry_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    touch(first, "dup.py")
    touch(second, "dup/__init__.py")
    check(resolver([first, second]).resolve("dup"), "source", first / "dup.py")


def test_namespace_gathered_across_entries_in_order(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    touch(a, "ns/one.py")
    touch(b, "unrelated.py")
    touch(c, "ns/two.py")
    r = resolver([a, b, c])
    assert r.resolve("ns").locations == (str(a / "ns"), str(c / "ns"))
    check(r.resolve("ns.two"), "source", c / "ns/two.py")
    assert r.resolve("ns").entry == str(a)


def test_later_regular_package_beats_namespace_portions(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    touch(a, "pkg/portion.py")
    touch(b, "pkg/__init__.py", "pkg/real.py")
    r = resolver([a, b])
    check(r.resolve("pkg"), "source", b / "pkg/__init__.py", True)
    assert r.resolve("pkg").locations == (str(b / "pkg"),)
    assert not r.resolve("pkg.portion").found  # only the regular package's directory is searched


def test_later_module_beats_namespace_portion(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    touch(a, "thing/")
    touch(b, "thing.py")
    check(resolver([a, b]).resolve("thing"), "source", b / "thing.py", False)


def test_submodules_come_from_the_parent_not_sys_path(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    touch(a, "pkg/__init__.py")
    touch(b, "pkg/__init__.py", "pkg/sub.py")
    r = resolver([a, b])
    result = r.resolve("pkg.sub")
    assert not result.found and result.searched == (str(a / "pkg"),)


def test_submodule_of_a_module(tmp_path: Path) -> None:
    touch(tmp_path, "mod.py")
    result = resolver([tmp_path]).resolve("mod.sub")
    assert not result.found and result.reason == "'mod' is a module, not a package"


def test_missing_parent(tmp_path: Path) -> None:
    result = resolver([tmp_path]).resolve("nope.sub")
    assert result.reason == "parent package 'nope' is not found"


# --- builtin, frozen, shadowing ---------------------------------------------------------------


def test_builtin_and_frozen_come_first(tmp_path: Path) -> None:
    touch(tmp_path, "sys.py", "zipimport.py", "random.py")
    r = resolver([tmp_path], project=tmp_path)
    check(r.resolve("sys"), "builtin", "built-in")
    check(r.resolve("zipimport"), "frozen", "frozen")
    frozen_package = r.resolve("__phello__")
    assert frozen_package.kind == "frozen" and frozen_package.is_package
    assert r.resolve("sys").category == "stdlib"


def test_shadowing_findings(tmp_path: Path) -> None:
    project, site = tmp_path / "project", tmp_path / "site-packages"
    touch(project, "random.py", "six.py", "mine.py")
    touch(site, "six.py")
    r = resolver([project], site_dirs=[site], project=project)
    assert r.shadowed("random") == ["stdlib module 'random'"]
    assert r.shadowed("six") == [f"installed 'six' at {site / 'six.py'}"]
    assert r.shadowed("mine") == []
    assert r.resolve("six").category == "project"


# --- zip archives ---------------------------------------------------------------------------


def test_zip_archive(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "lib.zip",
        {"zpkg/__init__.py": "", "zpkg/sub.py": "", "zmod.py": "", "both.py": "", "both.pyc": "", "zns/part.py": ""},
    )
    r = resolver([archive])
    pkg = r.resolve("zpkg")
    check(pkg, "source", archive / "zpkg/__init__.py", True)
    assert pkg.locations == (str(archive / "zpkg"),) and pkg.archive == str(archive)
    check(r.resolve("zpkg.sub"), "source", archive / "zpkg/sub.py")
    check(r.resolve("zmod"), "source", archive / "zmod.py")
    check(r.resolve("both"), "bytecode", archive / "both.pyc")  # zipimport tries bytecode first
    ns = r.resolve("zns")
    check(ns, "namespace", None, True)
    assert ns.locations == (str(archive / "zns"),)
    check(r.resolve("zns.part"), "source", archive / "zns/part.py")
    assert r.resolve("zpkg").finder == "zip"


def test_zip_with_prefix(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "bundle.zip", {"lib/python/inside.py": "", "outside.py": ""})
    r = resolver([archive / "lib" / "python"])
    check(r.resolve("inside"), "source", archive / "lib/python/inside.py")
    assert not r.resolve("outside").found


def test_zip_without_directory_entries_has_no_namespace_portions(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "flat.zip", {"ns/part.py": "", "pkg/__init__.py": ""}, directories=False)
    r = resolver([archive])
    assert not r.resolve("ns").found
    check(r.resolve("pkg"), "source", archive / "pkg/__init__.py", True)


def test_namespace_split_across_directory_and_zip(tmp_path: Path) -> None:
    directory = tmp_path / "dir"
    touch(directory, "split/a.py")
    archive = make_zip(tmp_path / "z.zip", {"split/b.py": ""})
    r = resolver([directory, archive])
    assert r.resolve("split").locations == (str(directory / "split"), str(archive / "split"))
    check(r.resolve("split.b"), "source", archive / "split/b.py")


# --- site and .pth files ------------------------------------------------------------------------


def test_pth_files(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    touch(site, "b_second.pth", text="../second\n")
    touch(site, "a_first.pth", text="# comment\n\n../first\n../missing\n../first\nimport os; os.system('boom')\n")
    touch(site, ".hidden.pth", text="../hidden\n")
    for name in ("first", "second", "hidden"):
        touch(tmp_path, f"{name}/")
    search = build_search_path(interpreter(site_dirs=[site], version=(3, 12, 2)))
    paths = [(e.path, e.origin) for e in search.entries]
    assert paths == [(str(site), "site"), (str(tmp_path / "first"), "pth"), (str(tmp_path / "second"), "pth")]
    [line] = search.pth_imports
    assert (line.line, line.text, line.meaning) == (6, "import os; os.system('boom')", None)
    # Before gh-113659 (3.11.8, 3.12.2, ...) site read dot-named .pth files too.
    older = build_search_path(interpreter(site_dirs=[site], version=(3, 11, 7)))
    assert str(tmp_path / "hidden") in [e.path for e in older.entries]


@pytest.mark.parametrize(("version", "found"), [((3, 13, 0), True), ((3, 12, 2), False)])
def test_pth_with_a_bom(tmp_path: Path, version: tuple[int, ...], found: bool) -> None:
    """3.13 reads .pth files as UTF-8 with an optional BOM; before, the BOM stayed in the first path."""
    site = tmp_path / "site-packages"
    touch(tmp_path, "target/")
    touch(site, "bom.pth", text="\ufeff../target\n")
    entries = [e.path for e in build_search_path(interpreter(site_dirs=[site], version=version)).entries]
    assert (str(tmp_path / "target") in entries) is found


def test_distutils_precedence(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    touch(site, "setuptools/__init__.py", "setuptools/_distutils/__init__.py", "setuptools/_distutils/core.py")
    line = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; "
    line += "enabled and __import__('_distutils_hack').add_shim(); \n"
    touch(site, "distutils-precedence.pth", text=line)
    interp = interpreter(site_dirs=[site])
    r = Resolver(interp, build_search_path(interp, environ={}))
    distutils = r.resolve("distutils")
    check(distutils, "source", site / "setuptools/_distutils/__init__.py", True)
    assert distutils.finder == "distutils-shim"
    check(r.resolve("distutils.core"), "source", site / "setuptools/_distutils/core.py")
    off = build_search_path(interp, environ={"SETUPTOOLS_USE_DISTUTILS": "stdlib"})
    assert not off.distutils_shim and off.pth_imports[0].meaning == "distutils-precedence"


FINDER = """\
import sys
MAPPING: dict[str, str] = {mapping!r}
NAMESPACES: dict[str, list[str]] = {namespaces!r}
PATH_PLACEHOLDER = '__editable__.demo-1.0.finder' + ".__path_hook__"
open("/nonexistent/should-never-run", "w")
"""


def editable_site(tmp_path: Path, mapping: dict[str, str], namespaces: dict[str, list[str]]) -> Path:
    site = tmp_path / "site-packages"
    touch(site, "__editable___demo_1_0_finder.py", text=FINDER.format(mapping=mapping, namespaces=namespaces))
    touch(
        site,
        "__editable__.demo-1.0.pth",
        text="import __editable___demo_1_0_finder; __editable___demo_1_0_finder.install()\n",
    )
    return site


def test_editable_finder(tmp_path: Path) -> None:
    src = tmp_path / "project" / "src"
    touch(src, "demo/__init__.py", "demo/core.py", "single.py", "nsroot/leaf/x.py")
    site = editable_site(
        tmp_path,
        {"demo": str(src / "demo"), "single": str(src / "single")},
        {"nsroot": [str(src / "nsroot")]},
    )
    interp = interpreter(site_dirs=[site])
    search = build_search_path(interp, project_root=str(tmp_path / "project"))
    assert [line.meaning for line in search.pth_imports] == ["setuptools-editable-finder"]
    r = Resolver(interp, search)
    demo = r.resolve("demo")
    check(demo, "source", src / "demo/__init__.py", True)
    assert demo.finder == "editable" and demo.category == "project"
    check(r.resolve("demo.core"), "source", src / "demo/core.py")
    check(r.resolve("single"), "source", src / "single.py", False)
    ns = r.resolve("nsroot")
    assert ns.kind == "namespace"
    assert ns.locations == (str(src / "nsroot"), "__editable__.demo-1.0.finder.__path_hook__")
    check(r.resolve("nsroot.leaf.x"), "source", src / "nsroot/leaf/x.py")


def test_an_editable_mapping_with_a_nul_finds_nothing(tmp_path: Path) -> None:
    """The finder's MAPPING is the installed tree's data: a NUL in a path made the listing of its
    directory raise ValueError, a traceback in every command."""
    src = tmp_path / "project" / "src"
    touch(src, "demo/__init__.py")
    site = editable_site(tmp_path, {"demo": str(src / "demo"), "bad": str(src) + "/x\0y"}, {"ns": [str(src) + "\0"]})
    interp = interpreter(site_dirs=[site])
    r = Resolver(interp, build_search_path(interp, project_root=str(tmp_path / "project")))
    check(r.resolve("demo"), "source", src / "demo/__init__.py", True)
    assert r.resolve("bad").kind == "missing"
    assert r.resolve("bad.sub").kind == "missing"
    assert r.resolve("ns.sub").kind == "missing"


def test_editable_finder_shadowed_by_a_bare_directory(tmp_path: Path) -> None:
    src, cwd = tmp_path / "src", tmp_path / "cwd"
    touch(src, "demo/__init__.py")
    touch(cwd, "demo/")  # a directory of the same name earlier on the path: a namespace portion
    site = editable_site(tmp_path, {"demo": str(src / "demo")}, {})
    interp = interpreter(site_dirs=[site])
    r = Resolver(interp, build_search_path(interp, [str(cwd)]))
    result = r.resolve("demo")
    assert result.kind == "namespace" and result.locations == (str(cwd / "demo"),)


# --- legacy namespace packages ------------------------------------------------------------------


@pytest.mark.parametrize(
    "init",
    [
        "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n",
        "from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n",
        "__import__('pkg_resources').declare_namespace(__name__)\n",
    ],
)
def test_legacy_namespace_packages(tmp_path: Path, init: str) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    touch(a, "legacy/__init__.py", text=init)
    touch(a, "legacy/one.py")
    touch(b, "legacy/__init__.py", text=init)
    touch(b, "legacy/two.py")
    touch(c, "legacy/three.py")
    r = resolver([a, b, c])
    legacy = r.resolve("legacy")
    assert legacy.legacy_namespace in ("pkgutil", "pkg_resources")
    check(r.resolve("legacy.two"), "source", b / "legacy/two.py")
    if legacy.legacy_namespace == "pkgutil":  # every portion, namespace directories included
        assert legacy.locations == (str(a / "legacy"), str(b / "legacy"), str(c / "legacy"))
        check(r.resolve("legacy.three"), "source", c / "legacy/three.py")
    else:  # pkg_resources takes only portions with an __init__
        assert legacy.locations == (str(a / "legacy"), str(b / "legacy"))
        assert not r.resolve("legacy.three").found


def test_a_legacy_namespace_declared_in_utf_7_is_one(tmp_path: Path) -> None:
    """The cheap search for ``extend_path(`` read the bytes: in UTF-7 the words need not be there, and
    the second portion's module was missing. The oracle: the same ``__init__`` in UTF-8."""
    text = "from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n"
    hidden = b"# coding: utf-7\n+" + base64.b64encode(text.encode("utf-16-be")).rstrip(b"=") + b"-"
    assert b"extend_path" not in hidden
    for init in (hidden, b"# coding: utf-8\n" + text.encode()):
        a, b = tmp_path / init[10:15].decode() / "a", tmp_path / init[10:15].decode() / "b"
        for portion, module in ((a, "one"), (b, "two")):
            (portion / "legacy").mkdir(parents=True)
            (portion / "legacy" / "__init__.py").write_bytes(init)
            (portion / "legacy" / f"{module}.py").write_text("")
        r = resolver([a, b])
        assert r.resolve("legacy").legacy_namespace == "pkgutil"
        check(r.resolve("legacy.two"), "source", b / "legacy/two.py")


def test_legacy_namespace_portion_in_a_zip(tmp_path: Path) -> None:
    init = "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"
    touch(tmp_path / "d", "legacy/__init__.py", text=init)
    archive = make_zip(tmp_path / "z.zip", {"legacy/__init__.py": init, "legacy/zipped.py": ""})
    r = resolver([tmp_path / "d", archive])
    assert r.resolve("legacy").locations == (str(tmp_path / "d" / "legacy"), str(archive / "legacy"))
    check(r.resolve("legacy.zipped"), "source", archive / "legacy/zipped.py")


# --- hostile ----------------------------------------------------------------------------------------


def test_corrupt_zip_is_a_diagnostic_and_the_rest_resolves(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip file")
    good = tmp_path / "good"
    touch(good, "fine.py")
    r = resolver([bad, good])
    check(r.resolve("fine"), "source", good / "fine.py")
    assert [d.code for d in r.diagnostics] == ["DS015"]
    assert r.diagnostics[0].path == str(bad)


def test_zip_with_absurd_sizes(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "huge.zip", {"m.py": "x = 1\n"})
    data = bytearray(archive.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    data[central + 20 : central + 28] = (0xFFFFFFFF).to_bytes(4, "little") * 2  # sizes of the member
    archive.write_bytes(bytes(data))
    r = resolver([archive])
    r.resolve("m")  # no exception, whatever zipfile makes of it
    r.resolve("other")


def test_symlink_loops_and_dangling_links(tmp_path: Path) -> None:
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    (tmp_path / "cycle").mkdir()
    (tmp_path / "cycle" / "again").symlink_to(tmp_path / "cycle")
    touch(tmp_path, "ok.py")
    r = resolver([tmp_path])
    assert not r.resolve("loop").found
    assert not r.resolve("dangling").found
    assert r.resolve("cycle.again.again.again").kind == "namespace"
    check(r.resolve("ok"), "source", tmp_path / "ok.py")


def test_pth_with_missing_paths_and_bad_bytes(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    (site / "weird.pth").write_bytes(b"\xff\xfe/nonexistent/dir\n\x00\x01\n../real\n")
    touch(tmp_path, "real/x.py")
    search = build_search_path(interpreter(site_dirs=[site]))
    assert [e.path for e in search.entries] == [str(site), str(tmp_path / "real")]


def test_unreadable_directory_as_another_user(world_tmp: Path) -> None:
    tmp_path = world_tmp
    locked = tmp_path / "locked"
    touch(locked, "secret.py")
    open_dir = tmp_path / "open"
    touch(open_dir, "visible.py")
    locked.chmod(0)
    if os.geteuid() == 0:
        pid = os.fork()
        if pid == 0:
            try:
                os.setgid(65534)
                os.setuid(65534)
                r = resolver([locked, open_dir])
                ok = not r.resolve("secret").found and r.resolve("visible").found
                ok = ok and [d.code for d in r.diagnostics] == ["DS012"]
                os._exit(0 if ok else 1)
            except BaseException:
                os._exit(2)
        _, status = os.waitpid(pid, 0)
        locked.chmod(0o755)
        assert os.waitstatus_to_exitcode(status) == 0
    else:
        r = resolver([locked, open_dir])
        assert not r.resolve("secret").found and r.resolve("visible").found
        locked.chmod(0o755)


def test_nothing_is_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w')\n"
    site = tmp_path / "site-packages"
    touch(site, "sitecustomize.py", "pkg/__init__.py", "mod.py", text=code)
    touch(site, "hook.pth", text=f"import os; open({str(marker)!r}, 'w')\n")
    touch(site, "legacy/__init__.py", text="__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n" + code)
    interp = interpreter(site_dirs=[site])
    r = Resolver(interp, build_search_path(interp))
    for name in ("sitecustomize", "pkg", "mod", "legacy", "missing"):
        r.resolve(name)
    assert not marker.exists()
    assert sys.modules.get("sitecustomize") is None or "site-packages" not in str(sys.modules["sitecustomize"])
