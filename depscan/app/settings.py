"""The configuration and the command line's options, merged in one place for every command.

Every command finds its project the same way (:func:`project_root`), reads the
same ``[tool.depscan]`` table, chooses its target Python by the same rule
(:func:`depscan.resolve.interpreter.choose_executable`) and gets the same
search path, versions and platforms: a project gets one answer from every
command. Options add to the file's settings (``--path``, ``--python-version``,
``--platform``) or replace them (``--python``).

The audit is the exception, and says so: it reads the auditor's configuration
(where it runs, or ``--config``), never the audited tree's.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from depscan.app.config import Config, find_project_root, load_config
from depscan.errors import UsageError
from depscan.resolve.interpreter import Choice, Interpreter, choose_executable, table_version
from depscan.source import outside_packages

if TYPE_CHECKING:
    from depscan.analysis.project import CheckSettings

FAST_PATHS_VARIABLE = "DEPSCAN_FAST_PATHS"
"""``DEPSCAN_FAST_PATHS=0`` switches every fast path off: no stored answers, no extraction cache,
no worker processes, no early scan. The answers are the same (``tests/test_fast_paths.py``)."""

_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")

Progress = Callable[[int, int], object]  # told (modules scanned, modules queued) as a scan goes


@dataclass(frozen=True, eq=False, repr=False)
class Options:
    """What the command line says; empty or None where it says nothing."""

    targets: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()  # -m MODULE
    paths: tuple[str, ...] = ()  # --path DIR
    python: str | None = None
    python_versions: tuple[str, ...] = ()  # --python-version X.Y, as given
    platforms: tuple[str, ...] = ()
    no_pythonpath: bool = False
    probe_python: bool = False
    config_file: str | None = None
    no_cache: bool = False
    cache_dir: str | None = None
    jobs: int | None = None
    follow_stdlib: bool = False
    no_follow: tuple[str, ...] = ()
    max_depth: int | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    output_format: str = "text"


@dataclass(frozen=True, eq=False, repr=False)
class Settings:
    """Options and configuration merged: what every command works from."""

    command: str
    options: Options
    config: Config
    project: str | None  # the project's root directory, when there is a project
    start: Path  # where the search for a project's .venv starts
    paths: tuple[str, ...]  # extra search path entries, absolute: the configuration's, then --path
    versions: tuple[tuple[int, int], ...]  # the Python versions the code runs on (empty: the target's)
    platforms: tuple[str, ...]  # the sys.platform values it runs on (empty: the target's)
    cache_dir: str | None  # where the caches are (None: no caches)
    fast: bool = True  # the fast paths (stored answers, extraction cache, processes, early scan)
    configuration: tuple[str, ...] = ()  # the file read (--config), or every pyproject.toml that would be
    unread: str | None = None  # a configuration found, not read: it is the audited tree's (see settings())

    @property
    def search_paths(self) -> list[str]:
        """The project's entries on the search path, for every command: the configuration's
        source roots, its paths, then ``--path``."""
        return [*self.config.source_roots, *self.paths]

    def choice(self) -> Choice:
        """The target interpreter's path (or version), chosen; nothing is run."""
        return choose_executable(
            self.options.python,
            self.start,
            _path(self.project),
            self.config.python,
            configured_by="your configuration" if self.command == "audit" else "configuration",
        )

    def check_settings(self) -> CheckSettings:
        """What the check's analysis needs of these settings."""
        from depscan.analysis.project import CheckSettings

        config = self.config
        return CheckSettings(
            root=config.root,
            source_roots=config.source_roots,
            paths=self.paths,
            exclude=config.exclude,
            ignore_missing=config.ignore_missing,
            versions=self.versions,
            platforms=self.platforms,
            check_type_checking=config.check_type_checking,
            rules=dict(config.rules),
            use_pythonpath=not self.options.no_pythonpath,
            known_first_party=config.known_first_party,
            dependency_mapping=dict(config.dependency_mapping),
        )

    def interpreter(self) -> Interpreter:
        """The target Python, described (or, with ``--probe-python``, asked)."""
        from depscan.resolve.describe import interpreter_of

        return interpreter_of(self.choice(), self.options.probe_python)


def settings(
    command: str, options: Options, config_from: str | None = None, distrusted: Sequence[str] = ()
) -> Settings:
    """Merge ``options`` with the configuration found from the first target (or
    ``config_from``: the audit reads the auditor's, from where it runs).

    A configuration found inside one of the ``distrusted`` directories is not read at all: an audit
    run in the tree it audits (``cd repo && depscan audit .``) finds the tree's own ``pyproject.toml``,
    whose ``python = "2.7"`` made the branches that run on Python 3 dead, and the capabilities they
    bring unseen, and whose ``python`` ``--probe-python`` ran. ``--config`` names a file to read anyway."""
    start = _start_of(options.targets)
    here = config_from if config_from is not None else str(start)
    unread = None if options.config_file is not None else _distrusted_config(here, distrusted)
    config = Config(root=os.path.abspath(here)) if unread else load_config(options.config_file, here)
    project = os.path.dirname(config.file) if config.file and not options.config_file else project_root(here)
    if command == "check":
        if config.file is None:
            # No configuration: the project starts above the packages of the first path, so that
            # checking django/__main__.py does not make django/http the stdlib's http.
            config = dataclasses.replace(config, root=outside_packages(config.root))
        project = config.root  # the check's project is where its configuration is, or where it starts
        start = Path(config.root)
    versions = [*config.python_versions, *(parse_version(text, "--python-version") for text in options.python_versions)]
    fast = os.environ.get(FAST_PATHS_VARIABLE, "1").strip().lower() not in ("0", "off", "no", "false")
    return Settings(
        command=command,
        options=options,
        config=config,
        project=project,
        start=start,
        paths=(*config.paths, *(os.path.abspath(path) for path in options.paths)),
        versions=tuple(dict.fromkeys(versions)),
        platforms=tuple(dict.fromkeys([*config.platforms, *options.platforms])),
        cache_dir=None if options.no_cache or not fast else _cache_dir(options.cache_dir, project),
        fast=fast,
        configuration=_configuration_files(options.config_file, here, config.file),
        unread=unread,
    )


def _distrusted_config(start: str, distrusted: Sequence[str]) -> str | None:
    """The ``pyproject.toml`` found from ``start`` up when its directory lies inside one of the
    ``distrusted`` directories (links resolved: not the file's own, which the tree may point anywhere,
    ``pyproject.toml -> /dev/zero``), else None."""
    if not distrusted:
        return None
    from depscan.app.config import PYPROJECT
    from depscan.source import is_inside

    root = find_project_root(start)
    if root is None:
        return None
    found = os.path.join(root, PYPROJECT)
    return found if any(is_inside(root, directory) for directory in distrusted) else None


def parse_version(text: str, option: str) -> tuple[int, int]:
    """``X.Y`` as a version a program can target, else a usage error naming ``option``."""
    if table_version(text) is None:
        raise UsageError(f"{option}: {text!r} is not a Python version X.Y (2.7, or 3.0 to 3.49)")
    major, minor = text.split(".")
    return int(major), int(minor)


def project_root(start: str) -> str | None:
    """The project around ``start``: the nearest directory from it up holding a
    ``pyproject.toml`` (where the configuration is), else ``setup.py``, ``setup.cfg`` or
    ``.git``; None outside any project."""
    found = find_project_root(start)
    if found is not None:
        return found
    directory = Path(os.path.abspath(start))
    for candidate in (directory, *directory.parents):
        if any(os.path.lexists(candidate / marker) for marker in _PROJECT_MARKERS):
            return str(candidate)
    return None


def _configuration_files(given: str | None, start: str, found: str | None) -> tuple[str, ...]:
    """The files whose change (or appearance) changes the configuration: ``--config FILE``, else
    the ``pyproject.toml`` of each directory from ``start`` up to the one found (to the root
    when none was)."""
    if given:
        return (os.path.abspath(given),)
    directory = Path(os.path.abspath(start))
    files = []
    for candidate in (directory, *directory.parents):
        files.append(str(candidate / "pyproject.toml"))
        if found is not None and str(candidate / "pyproject.toml") == found:
            break
    return tuple(files)


def _start_of(targets: Sequence[str]) -> Path:
    """Where a command starts looking: the first target's directory, else the current one."""
    first = Path(os.path.abspath(targets[0])) if targets else Path.cwd()
    return first if first.is_dir() else first.parent


def _cache_dir(given: str | None, project: str | None) -> str:
    """Where the caches are: ``--cache-dir``, else in the project, as ruff and mypy keep theirs;
    a script outside any project uses the user's cache."""
    if given:
        return os.path.abspath(given)
    if project:
        return os.path.join(project, ".depscan_cache")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "depscan", "extractions")


def _path(directory: str | None) -> Path | None:
    return Path(directory) if directory else None


@dataclass(eq=False)
class Outcome:
    """What a command answers: the report (for standard output, or ``-o FILE``), the lines for
    standard error after it, and the exit status (0; 1: findings or failures; 2: errors)."""

    report: str
    notes: list[str]
    status: int = 0
