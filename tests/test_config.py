"""Configuration loading: ``[tool.depscan]`` in pyproject.toml, or a ``--config`` file."""

from __future__ import annotations

import dataclasses
import os
import re
import textwrap
from pathlib import Path

import pytest

import depscan.app.config
from depscan.app.config import Config, ConfigError, find_project_root, load_config
from depscan.model.diagnostics import CATALOGUE


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def pyproject(directory: Path, settings: str) -> Path:
    return write(directory / "pyproject.toml", "[project]\nname = 'x'\n\n[tool.depscan]\n" + textwrap.dedent(settings))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory, made current, with no pyproject.toml above it."""
    if find_project_root(str(tmp_path)) is not None:
        pytest.skip("a pyproject.toml above the temporary directory")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- Finding the project ---------------------------------------------------------------------------------------------


def test_defaults_without_pyproject(project: Path) -> None:
    config = load_config(start=str(project))
    assert config == Config(root=str(project))
    assert config.file is None
    assert config.source_roots == config.paths == config.platforms == ()
    assert config.python_versions == ()
    assert config.python is None
    assert config.check_type_checking is True
    assert dict(config.rules) == {}
    assert dict(config.dependency_mapping) == {}


def test_defaults_root_is_absolute_start(project: Path) -> None:
    (project / "sub").mkdir()
    assert load_config(start="sub").root == str(project / "sub")
    assert load_config().root == str(project)


def test_find_project_root_walks_up(project: Path) -> None:
    pyproject(project / "proj", "")
    nested = project / "proj" / "src" / "pkg" / "deep"
    nested.mkdir(parents=True)
    module = write(nested / "mod.py", "import os\n")
    assert find_project_root(str(nested)) == str(project / "proj")
    assert find_project_root(str(module)) == str(project / "proj")
    assert find_project_root(str(project)) is None


def test_find_project_root_takes_nearest(project: Path) -> None:
    pyproject(project, "")
    pyproject(project / "inner", "")
    (project / "inner" / "a").mkdir()
    assert find_project_root(str(project / "inner" / "a")) == str(project / "inner")


def test_find_project_root_ignores_directory_named_pyproject(project: Path) -> None:
    (project / "a" / "pyproject.toml").mkdir(parents=True)
    assert find_project_root(str(project / "a")) is None


def test_load_walks_up_from_nested_directory(project: Path) -> None:
    file = pyproject(project, 'exclude = ["build/*"]\n')
    (project / "src" / "pkg").mkdir(parents=True)
    config = load_config(start=str(project / "src" / "pkg"))
    assert config.root == str(project)
    assert config.file == str(file)
    assert config.exclude == ("build/*",)


def test_pyproject_without_table_is_defaults(project: Path) -> None:
    file = write(project / "pyproject.toml", "[project]\nname = 'x'\n\n[tool.ruff]\nline-length = 99\n")
    assert load_config(start=str(project)) == Config(root=str(project), file=str(file))


# --- Every key --------------------------------------------------------------------------------------------------------


def test_every_key(project: Path) -> None:
    root = project / "proj"
    (project / ".git").mkdir()  # the repository: a sibling directory of the project may be named
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").write_text("")
    file = pyproject(
        root,
        """\
        source-roots = ["src", "lib/"]
        paths = ["vendor", "../shared"]
        python = ".venv/bin/python"
        python-version = ["3.10", "3.13"]
        platforms = ["linux", "win32"]
        exclude = ["tests/fixtures/*"]
        ignore-missing = ["yaml", "win32*"]
        known-first-party = ["myapp"]
        check-type-checking = false

        [tool.depscan.rules]
        DS003 = "off"
        undeclared-dependency = "warning"

        [tool.depscan.dependency-mapping]
        yaml = "PyYAML"
        "google.protobuf" = ["protobuf", "protobuf-extra"]
        """,
    )
    config = load_config(start=str(root))
    assert config == Config(
        root=str(root),
        file=str(file),
        source_roots=(str(root / "src"), str(root / "lib")),
        paths=(str(root / "vendor"), str(project / "shared")),
        python=str(root / ".venv" / "bin" / "python"),
        python_versions=((3, 10), (3, 13)),
        platforms=("linux", "win32"),
        exclude=("tests/fixtures/*",),
        ignore_missing=("yaml", "win32*"),
        known_first_party=("myapp",),
        check_type_checking=False,
        rules={"DS003": "off", "DS002": "warning"},
        dependency_mapping={"yaml": ("PyYAML",), "google.protobuf": ("protobuf", "protobuf-extra")},
    )
    assert all(os.path.isabs(path) for path in (*config.source_roots, *config.paths))


def test_docstring_example_loads(project: Path) -> None:
    doc = depscan.app.config.__doc__
    assert doc is not None
    match = re.search(r"```toml\n(.*?)```", doc, re.S)
    assert match is not None
    pyproject(project, match.group(1).replace("[tool.depscan]\n", "", 1))
    config = load_config()
    assert config.source_roots == (str(project / "src"),)
    assert config.python_versions == ((3, 10), (3, 13))
    assert config.rules == {"DS003": "off", "DS002": "warning"}
    assert config.dependency_mapping == {"yaml": ("PyYAML",), "google.protobuf": ("protobuf",)}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"3.12"', ((3, 12),)),
        ('["3.8", "3.14"]', ((3, 8), (3, 14))),
        ('["3.11", "3.11"]', ((3, 11),)),
        ('"3.49"', ((3, 49),)),
        ("[]", ()),
    ],
)
def test_python_version(project: Path, value: str, expected: tuple[tuple[int, int], ...]) -> None:
    pyproject(project, f"python-version = {value}\n")
    assert load_config().python_versions == expected


def test_platforms_deduplicated_in_order(project: Path) -> None:
    pyproject(project, 'platforms = ["win32", "linux", "win32"]\n')
    assert load_config().platforms == ("win32", "linux")


def test_python_kept_as_given_when_not_a_file_under_root(project: Path) -> None:
    pyproject(project, 'python = "python3.12"\n')
    assert load_config().python == "python3.12"


def test_python_absolute_kept(project: Path) -> None:
    pyproject(project, 'python = "/usr/bin/python3"\n')
    assert load_config().python == "/usr/bin/python3"


@pytest.mark.parametrize("key", ["DS001", "missing-module"])
def test_rule_code_or_name(project: Path, key: str) -> None:
    pyproject(project, f'rules = {{ {key} = "warning" }}\n')
    assert load_config().rules == {"DS001": "warning"}


def test_every_catalogue_rule_by_name_and_code(project: Path) -> None:
    lines = [f'{entry.name} = "off"' for entry in CATALOGUE.values()]
    pyproject(project, "[tool.depscan.rules]\n" + "\n".join(lines) + "\n")
    assert load_config().rules == dict.fromkeys(CATALOGUE, "off")
    lines = [f'{code} = "error"' for code in CATALOGUE]
    pyproject(project, "[tool.depscan.rules]\n" + "\n".join(lines) + "\n")
    assert load_config().rules == dict.fromkeys(CATALOGUE, "error")


# --- --config ---------------------------------------------------------------------------------------------------------


def test_config_standalone_file(project: Path) -> None:
    pyproject(project, 'exclude = ["from-pyproject"]\n')
    file = write(
        project / "conf" / "depscan.toml",
        """\
        paths = ["vendor"]
        exclude = ["standalone"]

        [rules]
        DS001 = "off"
        """,
    )
    config = load_config("conf/depscan.toml")
    assert config.root == str(project / "conf")
    assert config.file == str(file)
    assert config.exclude == ("standalone",)
    assert config.paths == (str(project / "conf" / "vendor"),)
    assert config.rules == {"DS001": "off"}


def test_config_standalone_ignores_tool_table_name(project: Path) -> None:
    write(project / "depscan.toml", '[tool.depscan]\nexclude = ["x"]\n')
    with pytest.raises(ConfigError) as caught:
        load_config("depscan.toml")
    assert str(caught.value) == "depscan.toml: unknown key 'tool'"


def test_config_pyproject_elsewhere(project: Path) -> None:
    pyproject(project, 'exclude = ["here"]\n')
    other = pyproject(project / "other", 'exclude = ["there"]\nsource-roots = ["src"]\n')
    config = load_config(str(other), start=str(project))
    assert config.file == str(other)
    assert config.root == str(project / "other")
    assert config.exclude == ("there",)
    assert config.source_roots == (str(project / "other" / "src"),)


def test_config_pyproject_without_table(project: Path) -> None:
    other = write(project / "other" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert load_config(str(other)) == Config(root=str(project / "other"), file=str(other))


# --- Errors -----------------------------------------------------------------------------------------------------------

TOP = "[tool.depscan]"
RULES = "[tool.depscan.rules]"
MAP = "[tool.depscan.dependency-mapping]"
VERSION_TYPE = "'python-version' must be a string \"X.Y\" or a list of them"
NOT_XY = 'is not of the form X.Y (such as "3.12")'
NOT_PLATFORM = "is not a sys.platform value (such as 'linux', 'darwin', 'win32')"
SEVERITY = 'must be "error", "warning" or "off"'
DIST = "must be a distribution name or a list of them"

ERRORS = [
    ("ignore_missing = []", f"{TOP} unknown key 'ignore_missing' (did you mean 'ignore-missing'?)"),
    ("exclud = []", f"{TOP} unknown key 'exclud' (did you mean 'exclude'?)"),
    ("zzz = 1", f"{TOP} unknown key 'zzz'"),
    ("PATHS = []", f"{TOP} unknown key 'PATHS' (did you mean 'paths'?)"),
    ("exclude = 3", f"{TOP} 'exclude' must be a list of strings, not integer"),
    ('exclude = "build"', f"{TOP} 'exclude' must be a list of strings, not string"),
    ('paths = ["a", 2]', f"{TOP} 'paths' must be a list of strings, but item 2 is integer"),
    ('source-roots = [""]', f"{TOP} 'source-roots' must be a list of strings, but item 1 is empty"),
    ("ignore-missing = [[]]", f"{TOP} 'ignore-missing' must be a list of strings, but item 1 is array"),
    ("known-first-party = {}", f"{TOP} 'known-first-party' must be a list of strings, not table"),
    ("python = 3.12", f"{TOP} 'python' must be a string, not float"),
    ('python = ""', f"{TOP} 'python' must not be empty"),
    ("python-version = 3.12", f"{TOP} {VERSION_TYPE}, not float"),
    ('python-version = ["3.12", 3]', f"{TOP} {VERSION_TYPE}, not integer"),
    ('python-version = "3"', f"{TOP} 'python-version' value '3' {NOT_XY}"),
    ('python-version = "3.12.1"', f"{TOP} 'python-version' value '3.12.1' {NOT_XY}"),
    ('python-version = "99.99"', f"{TOP} 'python-version' value '99.99' is not a Python version (2.7, or 3.0 to 3.49)"),
    ('python-version = "3.50"', f"{TOP} 'python-version' value '3.50' is not a Python version (2.7, or 3.0 to 3.49)"),
    ('python-version = ["3.x"]', f"{TOP} 'python-version' value '3.x' {NOT_XY}"),
    ('python-version = "3.12\\n"', f"{TOP} 'python-version' value '3.12\\n' {NOT_XY}"),
    ('platforms = ["Linux"]', f"{TOP} 'platforms' value 'Linux' {NOT_PLATFORM}"),
    ('platforms = ["1linux"]', f"{TOP} 'platforms' value '1linux' {NOT_PLATFORM}"),
    ('platforms = "linux"', f"{TOP} 'platforms' must be a list of strings, not string"),
    ('check-type-checking = "yes"', f"{TOP} 'check-type-checking' must be true or false, not string"),
    ("check-type-checking = 1", f"{TOP} 'check-type-checking' must be true or false, not integer"),
    ("check-type-checking = 1979-05-27", f"{TOP} 'check-type-checking' must be true or false, not date"),
    ("rules = []", f"{TOP} 'rules' must be a table, not array"),
    ('rules = { DS999 = "off" }', f"{RULES} 'DS999' is not a rule code or name"),
    ('rules = { ds001 = "off" }', f"{RULES} 'ds001' is not a rule code or name (did you mean 'DS001'?)"),
    (
        'rules = { missing_module = "off" }',
        f"{RULES} 'missing_module' is not a rule code or name (did you mean 'missing-module'?)",
    ),
    (
        'rules = { "missing-modules" = "off" }',
        f"{RULES} 'missing-modules' is not a rule code or name (did you mean 'missing-module'?)",
    ),
    ('rules = { DS001 = "fatal" }', f"{RULES} 'DS001' {SEVERITY}, not 'fatal'"),
    ("rules = { syntax-error = false }", f"{RULES} 'syntax-error' {SEVERITY}, not boolean"),
    ('rules = { DS001 = "off", missing-module = "error" }', f"{RULES} 'missing-module' and 'DS001' are the same rule"),
    ('dependency-mapping = "yaml"', f"{TOP} 'dependency-mapping' must be a table, not string"),
    ("dependency-mapping = { yaml = 1 }", f"{MAP} 'yaml' {DIST}, not integer"),
    ('dependency-mapping = { yaml = ["PyYAML", 2] }', f"{MAP} 'yaml' {DIST}, not array containing integer"),
    ('dependency-mapping = { yaml = "" }', f"{MAP} 'yaml' {DIST}, not an empty string"),
    ('dependency-mapping = { google.protobuf = "protobuf" }', f"{MAP} 'google' {DIST}, not table"),
    ('dependency-mapping = { "a-b" = "x" }', f"{MAP} 'a-b' is not a module name"),
]


@pytest.mark.parametrize(("settings", "expected"), ERRORS)
def test_error_in_pyproject(project: Path, settings: str, expected: str) -> None:
    pyproject(project, settings + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value) == f"pyproject.toml: {expected}"


@pytest.mark.parametrize(("settings", "expected"), ERRORS)
def test_error_in_standalone_file(project: Path, settings: str, expected: str) -> None:
    write(project / "depscan.toml", settings + "\n")
    expected = expected.replace("[tool.depscan] ", "").replace("[tool.depscan.", "[")
    with pytest.raises(ConfigError) as caught:
        load_config("depscan.toml")
    assert str(caught.value) == f"depscan.toml: {expected}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[tool]\ndepscan = "yes"\n', "pyproject.toml: [tool.depscan] must be a table, not string"),
        ("tool = 1\n", "pyproject.toml: 'tool' must be a table, not integer"),
        ("[[tool.depscan]]\nexclude = []\n", "pyproject.toml: [tool.depscan] must be a table, not array"),
    ],
)
def test_tool_depscan_not_a_table(project: Path, text: str, expected: str) -> None:
    write(project / "pyproject.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Not "rules = {\n": TOML 1.1 (tomli 2.4+, read on 3.10) allows a newline there: it fails at the end.
        ("paths = []\n\nrules = {=\n", "depscan.toml:3:10: invalid TOML: Invalid initial character for a key part"),
        ("a = 1\nb = \n", "depscan.toml:2:5: invalid TOML: Invalid value"),
        ("a = 1\n[t\n", "depscan.toml:2:3: invalid TOML: Expected ']' at the end of a table declaration"),
        ("a = 1\nexclude = [1,", "depscan.toml:2:14: invalid TOML: Invalid value"),
    ],
)
def test_invalid_toml(project: Path, text: str, expected: str) -> None:
    (project / "depscan.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config("depscan.toml")
    assert str(caught.value) == expected


def test_invalid_toml_in_discovered_pyproject(project: Path) -> None:
    (project / "src").mkdir()
    (project / "pyproject.toml").write_text("[tool.depscan]\nexclude = [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^pyproject\.toml:3:1: invalid TOML: "):
        load_config(start="src")


def test_deeply_nested_toml(project: Path) -> None:
    (project / "depscan.toml").write_text("a = " + "[" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^depscan\.toml(:\d+:\d+)?: invalid TOML: "):
        load_config("depscan.toml")


def test_not_utf8(project: Path) -> None:
    (project / "depscan.toml").write_bytes(b'exclude = []\npaths = ["caf\xe9"]\n')
    with pytest.raises(ConfigError) as caught:
        load_config("depscan.toml")
    assert str(caught.value) == "depscan.toml:2:14: not UTF-8 (invalid continuation byte)"


def test_utf8_bom_accepted(project: Path) -> None:
    (project / "depscan.toml").write_bytes(b'\xef\xbb\xbfexclude = ["caf\xc3\xa9"]\n')
    assert load_config("depscan.toml").exclude == ("café",)


def test_missing_config_file(project: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config("nope/depscan.toml")
    expected = f"{os.path.join('nope', 'depscan.toml')}: cannot read the configuration: no such file"
    assert str(caught.value) == expected


def test_config_file_is_a_directory(project: Path) -> None:
    (project / "depscan.toml").mkdir()
    with pytest.raises(ConfigError) as caught:
        load_config("depscan.toml")
    assert str(caught.value) == "depscan.toml: cannot read the configuration: is a directory, not a file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_config_file_is_a_fifo(project: Path) -> None:
    os.mkfifo(project / "depscan.toml")
    with pytest.raises(ConfigError) as caught:
        load_config("depscan.toml")
    assert str(caught.value) == "depscan.toml: cannot read the configuration: is a FIFO; not read"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not as root")
def test_config_file_unreadable(project: Path) -> None:
    file = write(project / "depscan.toml", "exclude = []\n")
    file.chmod(0)
    try:
        with pytest.raises(ConfigError) as caught:
            load_config("depscan.toml")
    finally:
        file.chmod(0o644)
    assert str(caught.value) == "depscan.toml: cannot read the configuration: permission denied"


def test_error_path_outside_current_directory_is_absolute(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = pyproject(project / "proj", "exclude = 1\n")
    (project / "elsewhere").mkdir()
    monkeypatch.chdir(project / "elsewhere")
    with pytest.raises(ConfigError) as caught:
        load_config(start=str(project / "proj"))
    assert str(caught.value) == f"{file}: [tool.depscan] 'exclude' must be a list of strings, not integer"


def test_error_path_under_current_directory_is_relative(project: Path) -> None:
    pyproject(project / "proj" / "sub", "exclude = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(start="proj/sub")
    assert str(caught.value).startswith(os.path.join("proj", "sub", "pyproject.toml") + ": [tool.depscan] 'exclude'")


def test_error_message_is_one_line(project: Path) -> None:
    pyproject(project, '"bad\\nkey" = 1\n')
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert "\n" not in str(caught.value)
    assert str(caught.value) == "pyproject.toml: [tool.depscan] unknown key 'bad\\nkey'"


# --- The Config object ------------------------------------------------------------------------------------------------


def test_config_is_immutable(project: Path) -> None:
    pyproject(project, 'rules = { DS001 = "off" }\ndependency-mapping = { yaml = "PyYAML" }\n')
    config = load_config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.python = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.rules["DS002"] = "off"  # type: ignore[index]
    with pytest.raises(TypeError):
        config.dependency_mapping["x"] = ("y",)  # type: ignore[index]
    assert hash(config) == hash(dataclasses.replace(config))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param("source-roots", "../../../../..", id="roots-climbing-out"),
        pytest.param("paths", "/", id="paths-absolute-outside"),
        pytest.param("paths", "escape", id="paths-link-leading-out"),
    ],
)
def test_directories_outside_the_repository_are_refused(project: Path, key: str, value: str) -> None:
    """An analysed tree cannot make depscan walk the file system and print it into CI logs."""
    root = project / "repo" / "proj"
    root.mkdir(parents=True)
    (project / "repo" / ".git").mkdir()
    (root / "escape").symlink_to(project)
    pyproject(root, f'{key} = ["{value}"]\n')
    with pytest.raises(ConfigError, match="outside the project"):
        load_config(start=str(root))


@pytest.mark.parametrize("key", ["source-roots", "paths"])
def test_a_directory_with_a_nul_is_refused_not_a_traceback(project: Path, key: str) -> None:
    """TOML's ``\\u0000`` made the look at where the directory leads raise ValueError, a traceback."""
    root = project / "proj"
    root.mkdir()
    pyproject(root, f'{key} = ["src\\u0000x"]\n')
    with pytest.raises(ConfigError, match=f"'{key}' value 'src\\\\x00x' has a NUL character"):
        load_config(start=str(root))
