"""depscan's configuration: the ``[tool.depscan]`` table of ``pyproject.toml``.

depscan looks for the ``pyproject.toml`` of the project: the first one found
in the starting directory or above it. Its ``[tool.depscan]`` table holds the
settings; a project without that table, or with no ``pyproject.toml`` at all,
gets the defaults. ``--config FILE`` names the file instead: a file called
``pyproject.toml`` is read for its ``[tool.depscan]`` table, any other file
(``depscan.toml``, say) holds the settings at its top level, without the
``[tool.depscan]`` header. Relative paths in the settings are relative to the
directory of the file they are in.

```toml
[tool.depscan]
source-roots = ["src"]              # where the project's modules are (default: found automatically)
paths = ["vendor"]                  # extra directories on the search path
python = ".venv/bin/python"         # the target interpreter (a path, or a command such as "python3.12")
python-version = ["3.10", "3.13"]   # or "3.12": check against these versions' standard library
platforms = ["linux", "win32"]      # sys.platform values the program runs on
exclude = ["tests/fixtures/*"]      # path globs of files not to check
ignore-missing = ["yaml", "win32*"] # module-name globs never reported missing
known-first-party = ["myapp"]       # modules that belong to the project
check-type-checking = true          # check imports under `if TYPE_CHECKING:` too (the default)

[tool.depscan.rules]                # a rule's code or name, and "error", "warning" or "off"
DS003 = "off"
undeclared-dependency = "warning"

[tool.depscan.dependency-mapping]   # import name -> distribution name(s), when they differ
yaml = "PyYAML"
"google.protobuf" = ["protobuf"]
```

Every key is optional, and a key depscan does not know is an error (with a
suggestion when it looks like a known one misspelt), as is a value of the
wrong type, a rule that is not in the catalogue (``depscan codes``), a
``python-version`` not of the form ``X.Y`` and a platform that is not a
``sys.platform`` value (lowercase letters and digits: ``linux``, ``darwin``,
``win32``, ``cygwin``, ``emscripten``, ``wasi``, ``freebsd``, ``aix``,
``android``, ``ios``). Command-line options override the file's settings.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from depscan.errors import DepscanError
from depscan.resolve.interpreter import plausible_version
from depscan.source import is_inside, shown_path

RuleSeverity = Literal["error", "warning", "off"]

PYPROJECT = "pyproject.toml"
SEVERITIES: tuple[RuleSeverity, ...] = ("error", "warning", "off")

_KEYS = (
    "source-roots",
    "paths",
    "python",
    "python-version",
    "platforms",
    "exclude",
    "ignore-missing",
    "known-first-party",
    "check-type-checking",
    "rules",
    "dependency-mapping",
    "capabilities",
)
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_PLATFORM = re.compile(r"[a-z][a-z0-9]*")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)$")


class ConfigError(DepscanError):
    """A problem with the configuration file; ``str()`` is the whole message for the user."""


@dataclass(frozen=True, slots=True)
class Config:
    """depscan's settings for one project.

    ``root`` is the absolute directory of the configuration file (or of the
    start directory when there is none) and ``file`` the absolute path of the
    file read, or None. Paths in the settings are absolute. An empty
    ``source_roots`` means "find them automatically"; an empty
    ``python_versions`` or ``platforms`` means "not given". ``rules`` maps a
    rule code (``DS001``) to its severity, for the rules the file sets.
    """

    root: str
    file: str | None = None
    source_roots: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    python: str | None = None
    python_versions: tuple[tuple[int, int], ...] = ()
    platforms: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    ignore_missing: tuple[str, ...] = ()
    known_first_party: tuple[str, ...] = ()
    check_type_checking: bool = True
    rules: Mapping[str, RuleSeverity] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    dependency_mapping: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    # [tool.depscan.capabilities]: additions to the audit's capability table, checked by depscan.analysis.capabilities.
    capabilities: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)


def repository_root(root: str) -> str:
    """The work tree holding ``root`` (the nearest ancestor with ``.git``), else ``root`` itself: a
    monorepo's project may name a sibling directory of the same repository."""
    directory = os.path.abspath(root)
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return os.path.abspath(root)
        directory = parent


def find_project_root(start: str) -> str | None:
    """The first directory holding a ``pyproject.toml``, from ``start`` (or a file's directory) up; absolute."""
    directory = os.path.abspath(start)
    if os.path.isfile(directory):
        directory = os.path.dirname(directory)
    while True:
        candidate = os.path.join(directory, PYPROJECT)
        if os.path.lexists(candidate) and not os.path.isdir(candidate):  # a FIFO there is an error, not skipped
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def load_config(config_file: str | None = None, start: str = ".") -> Config:
    """Read the configuration: ``config_file`` (``--config``) if given, else the project's ``pyproject.toml``.

    The project is found from ``start`` up (:func:`find_project_root`); without
    one the defaults apply, with ``root`` the absolute ``start`` directory.
    Raises :class:`ConfigError` for every problem with the file.
    """
    if config_file is None:
        root = find_project_root(start)
        if root is None:
            directory = os.path.abspath(start)
            if os.path.isfile(directory):
                directory = os.path.dirname(directory)
            return Config(root=directory)
        path = os.path.join(root, PYPROJECT)
    else:
        path = os.path.abspath(config_file)
    data = _read_toml(path)
    if os.path.basename(path) == PYPROJECT:
        section = "tool.depscan"
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{shown_path(path)}: 'tool' must be a table, not {_type_name(tool)}")
        settings = tool.get("depscan", {})
        if not isinstance(settings, dict):
            raise ConfigError(f"{shown_path(path)}: [tool.depscan] must be a table, not {_type_name(settings)}")
    else:
        section, settings = "", data
    return _Parser(path, section).parse(settings)


def _read_toml(path: str) -> dict[str, Any]:
    # (The TOML parser is imported here, when there is a file to read: a third of a warm run's
    # start-up otherwise.)
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

    from depscan.source import CONFIG_MAX_BYTES, read_bytes

    shown = shown_path(path)
    raw = read_bytes(path, CONFIG_MAX_BYTES)  # not a FIFO, a device, or endless
    if not isinstance(raw, bytes):
        raise ConfigError(f"{shown}: cannot read the configuration: {raw.message}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        col = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConfigError(f"{shown}:{line}:{col}: not UTF-8 ({error.reason})") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message, line, col = _toml_location(str(error), text)
        where = f"{shown}:{line}:{col}" if line else shown
        raise ConfigError(f"{where}: invalid TOML: {message}") from None
    except RecursionError:
        raise ConfigError(f"{shown}: invalid TOML: nested too deeply") from None
    return data


def _toml_location(message: str, text: str) -> tuple[str, int, int]:
    """tomllib's message without its position, and the position (line, column; 0, 0 when unknown)."""
    message = message.splitlines()[0] if message else "parse error"
    match = _TOML_AT.search(message)
    if match:
        return message[: match.start()], int(match.group(1)), int(match.group(2))
    match = _TOML_AT_END.search(message)
    if match:
        last = text.rsplit("\n", 1)[-1]
        return message[: match.start()], text.count("\n") + 1, len(last) + 1
    return message, 0, 0


def _type_name(value: object) -> str:
    """The TOML name of a value's type, for messages (bool before int, datetime before date)."""
    # Only a message needs datetime: imported here, not when every command starts (as difflib and
    # the catalogue below), to keep a warm run's start-up short.
    from datetime import date, datetime, time

    kinds: tuple[tuple[type, str], ...] = (
        (bool, "boolean"),
        (str, "string"),
        (int, "integer"),
        (float, "float"),
        (list, "array"),
        (dict, "table"),
        (datetime, "datetime"),
        (date, "date"),
        (time, "time"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def _hint(word: str, choices: tuple[str, ...] | list[str]) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``word``, or nothing."""
    dashed = word.replace("_", "-").lower()
    if dashed in choices:
        return f" (did you mean {dashed!r}?)"
    import difflib

    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Parser:
    """Checks and converts one settings table, raising ConfigError with the file and key named."""

    def __init__(self, path: str, section: str) -> None:
        self.path = path
        self.root = os.path.dirname(path)
        self.section = section

    def fail(self, message: str, table: str = "") -> ConfigError:
        header = ".".join(part for part in (self.section, table) if part)
        prefix = f"{shown_path(self.path)}: [{header}]" if header else f"{shown_path(self.path)}:"
        return ConfigError(f"{prefix} {message}")

    def parse(self, settings: dict[str, Any]) -> Config:
        for key in settings:
            if key not in _KEYS:
                raise self.fail(f"unknown key {key!r}{_hint(key, _KEYS)}")
        python = settings.get("python")
        if python is not None:
            python = self.python(python)
        return Config(
            root=self.root,
            file=self.path,
            source_roots=self.paths(settings, "source-roots"),
            paths=self.paths(settings, "paths"),
            python=python,
            python_versions=self.versions(settings.get("python-version", [])),
            platforms=self.platforms(settings),
            exclude=self.strings(settings, "exclude"),
            ignore_missing=self.strings(settings, "ignore-missing"),
            known_first_party=self.strings(settings, "known-first-party"),
            check_type_checking=self.boolean(settings, "check-type-checking", True),
            rules=self.rules(settings.get("rules", {})),
            dependency_mapping=self.mapping(settings.get("dependency-mapping", {})),
            capabilities=self.capabilities(settings.get("capabilities", {})),
        )

    def capabilities(self, value: Any) -> Mapping[str, Any]:
        """A table of tables: its contents are checked where the table is loaded (depscan.analysis.capabilities)."""
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise self.fail("'capabilities' must be a table of capability tables", "capabilities")
        return MappingProxyType(dict(value))

    def strings(self, settings: dict[str, Any], key: str) -> tuple[str, ...]:
        value = settings.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"{key!r} must be a list of strings, not {_type_name(value)}")
        for number, item in enumerate(value, start=1):
            if not isinstance(item, str):
                raise self.fail(f"{key!r} must be a list of strings, but item {number} is {_type_name(item)}")
            if not item:
                raise self.fail(f"{key!r} must be a list of strings, but item {number} is empty")
        return tuple(value)

    def paths(self, settings: dict[str, Any], key: str) -> tuple[str, ...]:
        """Directories of the project: one outside its repository (``../../..``, ``/``, or a link that
        leads out) is an error, so that a tree cannot make depscan walk and print the rest of the
        file system; a user who means it names the directory on the command line (``--path``)."""
        found = tuple(os.path.normpath(os.path.join(self.root, item)) for item in self.strings(settings, key))
        boundary = repository_root(self.root)
        for item, path in zip(self.strings(settings, key), found, strict=True):
            if "\0" in item:  # TOML's \u0000: no directory is named so
                raise self.fail(f"{key!r} value {item!r} has a NUL character")
            if not is_inside(path, boundary):
                raise self.fail(f"{key!r} value {item!r} is outside the project ({shown_path(boundary)}); use --path")
        return found

    def python(self, value: object) -> str:
        if not isinstance(value, str):
            raise self.fail(f"'python' must be a string, not {_type_name(value)}")
        if not value:
            raise self.fail("'python' must not be empty")
        # A path (it has a separator) is relative to the configuration's directory, whether it
        # exists or not; a bare name is a command on $PATH, or a version X.Y (depscan's tables).
        if not os.path.isabs(value) and ("/" in value or os.sep in value):
            return os.path.normpath(os.path.join(self.root, value))
        return value

    def versions(self, value: object) -> tuple[tuple[int, int], ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise self.fail(f"'python-version' must be a string \"X.Y\" or a list of them, not {_type_name(value)}")
        versions: list[tuple[int, int]] = []
        for item in items:
            if not isinstance(item, str):
                raise self.fail(f"'python-version' must be a string \"X.Y\" or a list of them, not {_type_name(item)}")
            if not _VERSION.fullmatch(item):
                raise self.fail(f"'python-version' value {item!r} is not of the form X.Y (such as \"3.12\")")
            major, minor = item.split(".")
            version = (int(major), int(minor))
            if not plausible_version(version):
                raise self.fail(f"'python-version' value {item!r} is not a Python version (2.7, or 3.0 to 3.49)")
            if version not in versions:
                versions.append(version)
        return tuple(versions)

    def platforms(self, settings: dict[str, Any]) -> tuple[str, ...]:
        platforms = self.strings(settings, "platforms")
        for platform in platforms:
            if not _PLATFORM.fullmatch(platform):
                raise self.fail(
                    f"'platforms' value {platform!r} is not a sys.platform value (such as 'linux', 'darwin', 'win32')"
                )
        return tuple(dict.fromkeys(platforms))

    def boolean(self, settings: dict[str, Any], key: str, default: bool) -> bool:
        value = settings.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key!r} must be true or false, not {_type_name(value)}")
        return value

    def rules(self, table: object) -> Mapping[str, RuleSeverity]:
        if not isinstance(table, dict):
            raise self.fail(f"'rules' must be a table, not {_type_name(table)}")
        from depscan.model.diagnostics import CATALOGUE

        codes = {entry.name: code for code, entry in CATALOGUE.items()}
        names = sorted(codes)
        rules: dict[str, RuleSeverity] = {}
        given: dict[str, str] = {}
        for key, severity in table.items():
            code = key if key in CATALOGUE else codes.get(key)
            if code is None:
                hint = f" (did you mean {key.upper()!r}?)" if key.upper() in CATALOGUE else _hint(key, names)
                raise self.fail(f"{key!r} is not a rule code or name{hint}", "rules")
            if not isinstance(severity, str):
                raise self.fail(f'{key!r} must be "error", "warning" or "off", not {_type_name(severity)}', "rules")
            if severity not in SEVERITIES:
                raise self.fail(f'{key!r} must be "error", "warning" or "off", not {severity!r}', "rules")
            if code in given:
                raise self.fail(f"{key!r} and {given[code]!r} are the same rule", "rules")
            given[code] = key
            rules[code] = severity
        return MappingProxyType(rules)

    def mapping(self, table: object) -> Mapping[str, tuple[str, ...]]:
        if not isinstance(table, dict):
            raise self.fail(f"'dependency-mapping' must be a table, not {_type_name(table)}")
        mapping: dict[str, tuple[str, ...]] = {}
        for module, value in table.items():
            if not all(part.isidentifier() for part in module.split(".")):
                raise self.fail(f"{module!r} is not a module name", "dependency-mapping")
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(item, str) and item for item in items):
                shown = _type_name(value)
                if isinstance(items, list):
                    bad = next(item for item in items if not (isinstance(item, str) and item))
                    shown = "an empty string" if bad == "" else f"array containing {_type_name(bad)}"
                raise self.fail(
                    f"{module!r} must be a distribution name or a list of them, not {shown}", "dependency-mapping"
                )
            mapping[module] = tuple(items)
        return MappingProxyType(mapping)
