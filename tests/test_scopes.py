"""Scopes (depscan.extract.scopes): which binding a name refers to, as Python binds it."""

from __future__ import annotations

import ast

import pytest

from depscan.extract.scopes import scope_tree


def imported_at_target(source: str) -> list[str | None]:
    """What the name before each ``.target`` stands for when an import binds it, in order."""
    tree = ast.parse(source)
    found = [
        (node.lineno, scope.imported(node.value.id))
        for node, scope in scope_tree(tree, "m").nodes()
        if isinstance(node, ast.Attribute) and node.attr == "target" and isinstance(node.value, ast.Name)
    ]
    return [module for _, module in sorted(found, key=lambda item: item[0])]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("import os\nos.target", ["os"], id="module-level"),
        pytest.param("import os as o\no.target", ["os"], id="alias"),
        pytest.param("import os.path\nos.target", ["os"], id="dotted-binds-the-top"),
        pytest.param("from os import path\npath.target", ["os.path"], id="from-import"),
        pytest.param("import os\ndef f(os):\n    os.target", [None], id="parameter-shadows"),
        pytest.param("import os\ndef f():\n    os = 1\n    os.target", [None], id="local-shadows"),
        pytest.param("import os\nlambda os: os.target", [None], id="lambda-parameter-shadows"),
        pytest.param("import os\n[os.target for os in ()]", [None], id="comprehension-shadows"),
        pytest.param("import os\ndef f():\n    os.target\n    os = 1", [None], id="local-anywhere-in-the-body"),
        pytest.param("def f():\n    import os\ndef g():\n    os.target", [None], id="another-functions-import"),
        pytest.param("def f():\n    global os\n    import os\ndef g():\n    os.target", ["os"], id="global-import"),
        pytest.param(
            "import os\nclass A:\n    import sys as os\n    def f(self):\n        os.target\n    os.target",
            ["os", "sys"],
            id="class-body-not-seen-from-methods",
        ),
        pytest.param(
            "try:\n    import os\nexcept ImportError:\n    os = None\nos.target", ["os"], id="import-beats-fallback"
        ),
        pytest.param(
            "import os\ndef f():\n    def g():\n        os.target\n    os = 1", [None], id="enclosing-function-local"
        ),
    ],
)
def test_what_a_name_refers_to(source: str, expected: list[str | None]) -> None:
    assert imported_at_target(source) == expected


def test_names_importing_looks_in_every_scope() -> None:
    tree = ast.parse("import os as a\ndef f():\n    import posix as b\n    import sys as c\n")
    assert scope_tree(tree, "m").names_importing({"os", "posix"}) == {"a", "b"}
