"""Every "missing" is an import that really fails, and every import that fails is missing: small
programs checked against the running interpreter (the oracle runs only these test programs, written
here, never analysed code from elsewhere)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from depscan.cli import cli

PACKAGE = {
    "pkg/__init__.py": "from . import sub as alias\nfrom . import other\nVALUE = 1\n",
    "reg/__init__.py": "from .registry import *\n",
    # A package that puts an alias of a submodule in sys.modules as it runs.
    "al/__init__.py": "import sys\nfrom . import real\nsys.modules[__name__ + '.alias'] = real\n",
    "al/real.py": "X = 1\n",
    # Entries under literal names only: conditional, f-string, one in a handler (may not run).
    "ent/__init__.py": (
        "import sys\nfrom . import real\nsys.modules[f'{__name__}.fs'] = real\n"
        "if sys.platform == 'nope-os':\n    sys.modules['ent.never'] = real\n"
        "try:\n    import absent_q\nexcept ImportError:\n    sys.modules['ent.handled'] = real\n"
    ),
    "ent/real.py": "X = 1\n",
    # __all__ grown by a function called at import time, and by an @export decorator.
    "reg/registry.py": (
        "__all__ = ['first']\nfirst = 1\n"
        "def _register(name):\n    global later\n    later = 2\n    __all__.append(name)\n_register('later')\n"
        "def export(function):\n    __all__.append(function.__name__)\n    return function\n"
        "@export\ndef exported():\n    pass\n"
    ),
    "pkg/sub.py": "X = 1\n",
    "pkg/other.py": "",
    "mod.py": "'''A module.'''\n",
    # Flags another module binds, passed on by a package (Django's PY314, six.PY2).
    "flagmod/__init__.py": "from .version import PY99\n",
    "flagmod/version.py": (
        "import sys\nPY99 = sys.version_info >= (99,)\nPY3 = sys.version_info[0] == 3\nNOT99 = not PY99\n"
    ),
    # A package that replaces itself in sys.modules with a lazy module it makes (pygments.lexers):
    # its submodules are still its files.
    "selfrep/__init__.py": (
        "import sys, types\nclass _Lazy(types.ModuleType):\n    pass\n"
        "_old = sys.modules[__name__]\n_new = sys.modules[__name__] = _Lazy(__name__)\n"
        "_new.__dict__.update(_old.__dict__)\n"
    ),
    "selfrep/real.py": "X = 1\n",
    "selfrep2/__init__.py": (  # the way pygments.lexers writes it
        "import sys, types\nclass _Lazy(types.ModuleType):\n    pass\n"
        "oldmod = sys.modules[__name__]\nnewmod = _Lazy(__name__)\nnewmod.__dict__.update(oldmod.__dict__)\n"
        "sys.modules[__name__] = newmod\n"
    ),
    "selfrep2/real.py": "X = 1\n",
    # A shim bound where a module is absent (SQLAlchemy's Cython pure-Python mode).
    "cyshim/__init__.py": "",
    "cyshim/off.py": "compiled = False\n",
    "cyshim/on.py": "compiled = True\n",
    # Names made by code the module hands its globals() to, or runs with exec (protobuf's generated
    # *_pb2 modules, fontTools' otTables, twisted's Yapps parser): no static reading lists them.
    "gen_pb2.py": "def _build(ns):\n    ns['Any'] = 1\n_globals = globals()\n_build(_globals)\n",
    "gen_old_pb2.py": "def _build(ns):\n    ns['Any'] = 1\n_build(globals())\n",
    "ottables.py": (
        "def _build():\n    namespace = globals()\n    for n in ['FeatureList']:\n"
        "        namespace[n] = type(n, (), {})\n_build()\n"
    ),
    "yapps.py": 'exec("""\nclass XPathParser:\n    pass\n""")\n',
    # A module that installs a finder of its own, serving names under it (six's moves).
    "movesish.py": (
        "import importlib.abc, importlib.util, json, sys\n__path__ = []\n"
        "class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        return importlib.util.spec_from_loader(name, self) if name == __name__ + '.moves' else None\n"
        "    def create_module(self, spec):\n        return json\n"
        "    def exec_module(self, module):\n        pass\n"
        "sys.meta_path.append(_Finder())\n"
    ),
    # A package that adds a directory it works out to its __path__ (twisted.plugins).
    "plugs/__init__.py": (
        "import os\n__path__.extend([os.path.join(os.path.dirname(__file__), '..', 'more_' + 'plugs')])\n"
    ),
    "more_plugs/found.py": "X = 1\n",
}

# One import statement each: does it work when run, and does depscan agree?
CASES: list[Any] = [
    "from pkg import alias",  # bound by `from . import sub as alias` in pkg itself
    "from pkg import other",
    "from pkg import sub",
    "from pkg import nope_xyz",
    "from reg import first, later, exported",
    "from pkg import __doc__, __file__, __path__, __name__, __spec__, __loader__, __package__",
    "from mod import __doc__, __file__, __name__, __cached__, __builtins__",
    "from mod import __path__",  # not a package
    "from sys import __file__",  # a built-in module has no file
    "from sys import version_info, __name__, __doc__",
    "from io import BytesIO",
    "from itertools import chain",
    "from os.path import join",
    "from ssl import VerifyMode",  # made by an enum helper: no static reading finds it
    "from hashlib import sha256",
    "from socket import AF_INET",
    "from os import nope_xyz",
    "from json import nope_xyz",
    "from collections import OrderedDict, nope_xyz",
    "from concurrent.futures import InvalidStateError",  # there, though its __dir__ leaves it out
    # Aliases the code installs: sys.modules entries, setuptools' VendorImporter (in every venv of 3.11).
    "import al.alias",
    "from al import alias",
    "from al.alias import X",  # the names of the module put there
    "from al.alias import nope_xyz",  # fails
    "import al.nope_xyz",  # fails: al puts only al.alias there
    "import ent.fs",
    "import ent.never",  # fails: put there only on another platform
    "import ent.handled",
    "from ent.fs import X",
    "from setuptools.extern import packaging",
    "from setuptools.extern.packaging import version",
    "import pkg_resources.extern.jaraco.text",
    "from pkg_resources.extern import platformdirs",  # not among the names it serves: fails
    # Guards on flags other modules bind.
    "from flagmod.version import PY99\nif PY99:\n    import absent_q",
    "from flagmod import PY99\nif PY99:\n    import absent_q",
    "from flagmod import version\nif version.PY99:\n    import absent_q",
    "import flagmod.version\nif not flagmod.version.PY3:\n    import absent_q",
    "from flagmod.version import NOT99\nif not NOT99:\n    import absent_q",
    "from flagmod.version import PY99\nif not PY99:\n    import absent_q",  # fails
    # A fallback inside the handler of a try whose imports work never runs (distlib's compat).
    "try:\n    import json\nexcept ImportError:\n    try:\n        import absent_q\n"
    "    except ImportError:\n        import absent_r",
    "try:\n    import absent_p\nexcept ImportError:\n    try:\n        import absent_q\n"
    "    except ImportError:\n        import absent_r",  # fails
    "from selfrep.real import X",
    "from selfrep.nope import X",  # fails: pip strips pygments.lexers.special, and its cmdline fails
    # `if cython.compiled:` reads the module the try bound: the shim's, where cython is absent.
    "try:\n    import absent_cy\nexcept ModuleNotFoundError:\n    from cyshim import off as absent_cy\n"
    "if absent_cy.compiled:\n    from absent_cy.cimports import x",
    "try:\n    import absent_cy\nexcept ModuleNotFoundError:\n    from cyshim import on as absent_cy\n"
    "if absent_cy.compiled:\n    from absent_cy.cimports import x",  # fails
    "import importlib.util\nif importlib.util.find_spec('json'):\n    import json.nope_sub_xyz",  # fails
    # hasattr of a standard library module, told by the names tables (setuptools' typing_extensions).
    "import typing\nif hasattr(typing, 'Protocol'):\n    pass\nelse:\n    from typing import _nope_xyz",
    "import json\nif not hasattr(json, 'dumps'):\n    pass\nelse:\n    from json import _nope_xyz",  # fails
    # (not typing's: on 3.13 its module-level __getattr__ makes a name it lacks "maybe missing")
    "import json\nif hasattr(json, 'nope_xyz_attr'):\n    import absent_q",
    "from selfrep2.real import X",
    "from selfrep2.nope import X",  # fails
    "from movesish.moves import dumps",
    # Modules the standard library puts in sys.modules as it runs (typing.io and typing.re until 3.13).
    "import xml.parsers.expat.errors",
    "from xml.parsers.expat.model import XML_CTYPE_ANY",
    "from typing.io import TextIO",
    "import typing.nope_xyz",  # typing puts modules in sys.modules, not this one: fails
    "import json.dumps",  # a name of json, not a module: fails
    # As setuptools 69's vendored more_itertools guards `from itertools import batched`.
    "from sys import hexversion\nif hexversion >= 0x7F000000:\n    import absent_q",
    "import sys\nif sys.hexversion < 0x7F000000:\n    import absent_q",  # fails
    "import movesish.moves",
    # Availability guards: the import runs only where its module is found.
    "import importlib.util\nif importlib.util.find_spec('absent_q') is not None:\n    import absent_q",
    "import importlib.util\nHAS_Q = importlib.util.find_spec('absent_q') is not None\n"
    "if HAS_Q:\n    import absent_q.sub",
    "from importlib.util import find_spec\nif find_spec('absent_q'):\n    from absent_q import thing",
    "import importlib.util\nif importlib.util.find_spec('absent_q') is None:\n    pass\nelse:\n    import absent_q",
    "import importlib.util\nif importlib.util.find_spec('absent_q') is None:\n    import absent_q",  # fails
    "import importlib.util\nif importlib.util.find_spec('json') is not None:\n    import absent_other_q",  # fails
    "from gen_pb2 import Any",
    "from gen_old_pb2 import Any",
    "from ottables import FeatureList",
    "from yapps import XPathParser",
    "from plugs import found",
    "import plugs.found",
    "from plugs.found import X",
]


def _runs(tmp_path: Path, statement: str) -> bool:
    (tmp_path / "main.py").write_text(statement + "\n")
    done = subprocess.run([sys.executable, "-E", "-s", "main.py"], cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode == 0 or b"ImportError" in done.stderr or b"ModuleNotFoundError" in done.stderr, done.stderr
    return done.returncode == 0


def _missing_errors(tmp_path: Path, statement: str) -> set[str]:
    (tmp_path / "main.py").write_text(statement + "\n")
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "scan",
            str(tmp_path / "main.py"),
            "--format",
            "json",
            "--no-cache",
            "--no-pythonpath",
            "--python",
            sys.executable,
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    # The statement's own imports (what the modules it reaches import is their business).
    return {
        entry["name"]
        for entry in document["missing"]
        if entry["error"] and any(site["importer"] == "__main__" for site in entry["sites"])
    }


@pytest.mark.parametrize("statement", CASES)
def test_missing_when_and_only_when_it_fails(tmp_path: Path, statement: str) -> None:
    for relative, text in PACKAGE.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    runs = _runs(tmp_path, statement)
    missing = _missing_errors(tmp_path, statement)
    assert runs == (not missing), f"{statement}: runs={runs}, depscan missing={missing}"


@pytest.mark.parametrize(
    ("source", "exact"),
    [
        ("__all__ = ['a']\ndef f():\n    __all__.extend(['b'])\nf()\n", False),
        ("__all__ = ['a']\ndef f():\n    global __all__\n    __all__ = __all__ + ['b']\n", False),
        ("__all__ = []\ndef export(f):\n    __all__.append(f.__name__)\n    return f\n", False),
        ("__all__ = ['a']\nclass C:\n    __all__.append('b')\n", False),
        ("__all__ = ['a']\nadd = lambda n: __all__.append(n)\n", False),
        ("__all__ = ['a']\n__all__[0:0] = ['b']\n", False),
        ("__all__ = ['a']\nfor n in 'bc':\n    __all__.append(n)\n", False),
        ("__all__ = ['a']\n__all__ += ['b']\nif True:\n    __all__.extend(['c'])\n", True),
        ("__all__ = ['a']\ndef __dir__():\n    return __all__\nassert 'a' in __all__\n", True),
    ],
)
def test_an_all_changed_where_no_static_reading_follows_is_not_exact(source: str, exact: bool) -> None:
    from depscan.extract.walker import extract

    assert extract(source.encode(), "m", False, "m.py").facts.all_exact is exact


def test_the_stdlib_names_are_not_maybe_missing(tmp_path: Path) -> None:
    """One model of names: the scan knows the stdlib's names as the check does; none of these is
    even "maybe missing" (25 red nodes in a small Django project's diagram, before)."""
    (tmp_path / "main.py").write_text(
        "from io import BytesIO\nfrom sys import version_info\nfrom itertools import chain\n"
        "from os.path import join\nfrom ssl import VerifyMode\nfrom functools import partial\n"
    )
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "main.py"), "--format", "json", "--no-cache"])
    document = json.loads(result.stdout)
    assert document["maybe_missing"] == [] and document["missing"] == []


@pytest.mark.skipif(sys.version_info < (3, 11), reason="these modules are frozen from 3.11 on")
def test_frozen_stdlib_modules_are_followed_from_their_source(tmp_path: Path) -> None:
    """``--follow-stdlib`` reads a frozen module's source in Lib/, as modulefinder does: before,
    ``import runpy`` stopped at runpy's frozen imports (os, io, importlib.util, ...)."""
    import modulefinder

    (tmp_path / "main.py").write_text("import runpy\n")
    result = CliRunner().invoke(
        cli, ["scan", str(tmp_path / "main.py"), "--follow-stdlib", "--format", "json", "--no-cache"]
    )
    modules = {module["name"]: module for module in json.loads(result.stdout)["modules"]}
    for name in ("os", "io", "abc", "codecs", "stat", "posixpath", "genericpath", "importlib.util"):
        assert modules[name]["kind"] == "frozen" and modules[name]["scanned"], name
    finder = modulefinder.ModuleFinder()
    finder.run_script(str(tmp_path / "main.py"))
    # What os, io and importlib.util import, found only by reading them.
    for name in ("_collections_abc", "importlib._abc", "contextlib", "types"):
        assert name in finder.modules and name in modules, name


def test_pytest_importorskip_is_an_import_that_never_fails(tmp_path: Path) -> None:
    """``pytest.importorskip("x")`` imports x, or skips the test: x is found (an edge) when it is
    there, and never a failure when it is not."""
    (tmp_path / "test_x.py").write_text(
        "import pytest\nfrom pytest import importorskip\n"
        "yaml = pytest.importorskip('absent_q')\nnp = importorskip('absent_r', minversion='1.0')\n"
        "json = pytest.importorskip('json')\nimport absent_s\n"
    )
    result = CliRunner().invoke(
        cli, ["scan", str(tmp_path / "test_x.py"), "--format", "json", "--no-cache", "--no-follow", "third_party"]
    )
    document = json.loads(result.stdout)
    assert {m["name"]: m["error"] for m in document["missing"]} == {
        "absent_q": False,
        "absent_r": False,
        "absent_s": True,
    }
    assert any(edge["to"] == "json" for edge in document["imports"])


def test_a_test_skipped_off_its_platform_imports_only_on_it(tmp_path: Path) -> None:
    """``@pytest.mark.skipif(sys.platform != "win32")`` (or its string form, or unittest's
    skipUnless) guards the test's body: its Windows imports are not findings on Linux; a test
    without a marker still is."""
    (tmp_path / "test_w.py").write_text(
        "import os\nimport sys\nimport unittest\n\nimport pytest\n\n\n"
        '@pytest.mark.skipif(sys.platform != "win32", reason="Windows only")\n'
        "def test_registry():\n    import winreg\n\n\n"
        '@unittest.skipUnless(os.name == "nt", "Windows only")\n'
        "class TestConsole(unittest.TestCase):\n    def test_it(self):\n        import msvcrt\n\n\n"
        "@pytest.mark.skipif(\"sys.platform != 'win32'\")\n"
        "def test_string_condition():\n    import _winapi\n\n\n"
        "def test_plain():\n    import absent_plain_q\n"
    )
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "test_w.py"), "--format", "json", "--no-cache"])
    findings = json.loads(result.stdout)["findings"]
    assert [(f["line"], f["module"]) for f in findings] == [(25, "absent_plain_q")]


def test_a_package_of_a_stdlib_name_does_not_hide_the_stdlib(tmp_path: Path) -> None:
    """With no configuration, the check's project starts above the packages of its first path:
    checking django/__main__.py and django/http/cookie.py must not make django/http the stdlib's
    http (found on Django's own tree)."""
    files = {
        "pkg/__init__.py": "",
        "pkg/__main__.py": "from pkg.http import cookie\n",
        "pkg/http/__init__.py": "",
        "pkg/http/cookie.py": "from http.cookies import SimpleCookie\nimport absent_mod_q\n",
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    arguments = [str(tmp_path / "pkg" / "__main__.py"), str(tmp_path / "pkg" / "http" / "cookie.py")]
    result = CliRunner().invoke(cli, ["check", *arguments, "--format", "json", "--no-cache"])
    findings = json.loads(result.stdout)["findings"]
    assert [f["module"] for f in findings] == ["absent_mod_q"]


def test_the_standard_librarys_own_imports_are_no_errors(tmp_path: Path) -> None:
    """Followed into the standard library, its imports of other platforms' and implementations'
    modules (os's nt, platform's java.lang for Jython) are no errors: it works on its Python."""
    (tmp_path / "main.py").write_text("import os\nimport platform\nimport subprocess\n")
    runner = CliRunner()
    args = ["scan", str(tmp_path / "main.py"), "--follow-stdlib", "--format", "json", "--no-cache"]
    result = runner.invoke(cli, [*args, "--no-pythonpath", "--python", sys.executable])
    document = json.loads(result.stdout)
    assert [entry["name"] for entry in document["missing"] if entry["error"]] == []
    assert any(entry["excused"] == "only the standard library imports it" for entry in document["missing"])


def test_hasattr_of_a_stdlib_module_is_told_only_where_the_tables_were_made() -> None:
    """The names tables come from CPython on Linux: hasattr is decided there, version by version,
    and unknown for PyPy, for Windows and for a version with no table."""
    from depscan.analysis.names import stdlib_has
    from depscan.model.conditions import Target

    protocol = stdlib_has("typing", "Protocol")
    assert protocol is not None
    assert [protocol.evaluate(Target.for_platform((3, minor), "linux", "cpython")) for minor in (7, 8, 13)] == [
        False,
        True,
        True,
    ]
    pypy = stdlib_has("sys", "pypy_version_info")
    assert pypy is not None and pypy.evaluate(Target.for_platform((3, 11), "linux", "cpython")) is False
    assert pypy.evaluate(Target.for_platform((3, 11), "linux", "pypy")) is None
    assert pypy.evaluate(Target.for_platform((3, 11), "win32", "cpython")) is None
    assert pypy.evaluate(Target.for_platform((3, 99), "linux", "cpython")) is None
