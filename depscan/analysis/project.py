"""A project's files: where they are, which are left out, and the walk that finds them.

The walk tells of each file as it finds it, so that a caller can start extracting
it at once (the fast path of :mod:`depscan.perf.early`); :mod:`depscan.analysis.check`
works on what it found.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from depscan.source import expand_paths, forget_directories, module_name_for


@dataclass
class CheckSettings:
    """What a check needs to know beyond the target Python; the configuration fills it."""

    root: str
    source_roots: Sequence[str] = ()  # absolute; empty: src/ when it holds Python code, else root
    paths: Sequence[str] = ()  # extra search path entries
    exclude: Sequence[str] = ()  # path globs, relative to root
    ignore_missing: Sequence[str] = ()  # module-name globs
    versions: Sequence[tuple[int, int]] = ()  # empty: the interpreter's
    platforms: Sequence[str] = ()  # empty: the interpreter's
    check_type_checking: bool = True
    rules: dict[str, str] = field(default_factory=dict)  # code -> "error" | "warning" | "off"
    use_pythonpath: bool = True
    known_first_party: Sequence[str] = ()  # top-level names that are the project's own
    dependency_mapping: Mapping[str, Sequence[str]] = field(default_factory=dict)  # import name -> distributions
    dependencies: bool = True  # compare imports with the declared dependencies (DS002, DS003)


Key = tuple[str, str, bool]  # a file to extract: path, module name, is_package


@dataclass
class Walk:
    """The files of a check, found."""

    files: list[str]
    whole_project: bool  # every file of the project, not a few named
    walked: list[str]  # the directories walked
    names: dict[str, tuple[str, bool]]  # path -> module name and is_package, as the packages around it say


def walk(
    settings: CheckSettings, files: Sequence[str] | None = None, on_file: Callable[[Key], object] | None = None
) -> Walk:
    """Find the files to check: ``files``, else the whole project. ``on_file`` is told of each as
    the walk finds it, under the name the packages around it give it (so that its extraction can
    start at once: see :mod:`depscan.perf.early`)."""
    forget_directories()
    walked: list[str] = []
    names: dict[str, tuple[str, bool]] = {}

    def found(path: str) -> None:
        name = names[path] = module_name_for(path)
        if on_file is not None:
            on_file((path, *name))

    if files is None:
        # Every file of the project: the configured source roots, else the whole project
        # (tests and scripts beside a src/ layout too).
        found_files = project_files(settings, settings.source_roots or [settings.root], walked, found)
    else:
        # Each file once, however it was named (x.py and ./x.py, a file and its directory).
        named = (os.path.abspath(f) for f in expand_paths(list(files), walked) if not excluded(f, settings))
        found_files = list(dict.fromkeys(named))
        for file in found_files:
            found(file)
    return Walk(found_files, files is None, walked, names)


def default_source_roots(root: str) -> list[str]:
    """``src/`` when the project uses a src layout, else the project root."""
    src = os.path.join(root, "src")
    if os.path.isdir(src) and any(
        name.endswith(".py") or os.path.isdir(os.path.join(src, name)) for name in os.listdir(src)
    ):
        return [src]
    return [root]


def project_files(
    settings: CheckSettings,
    source_roots: Sequence[str],
    directories: list[str] | None = None,
    on_file: Callable[[str], object] | None = None,
) -> list[str]:
    """Every ``.py`` file under ``source_roots``, less virtual environments and excluded paths.

    ``on_file`` is told of each as the walk finds it (see :func:`depscan.source.expand_paths`).
    """
    seen: dict[str, bool] = {}
    kept: set[str] = set()

    def found(path: str) -> None:
        if not (in_virtualenv(path, settings.root, seen) or excluded(path, settings)):
            kept.add(path)
            if on_file is not None:
                on_file(path)

    return [path for path in expand_paths(list(source_roots), directories, found) if path in kept]


def in_virtualenv(path: str, root: str, seen: dict[str, bool] | None = None) -> bool:
    """Under a directory of ``root`` that is a virtual environment or a site-packages."""
    seen = {} if seen is None else seen
    directory = os.path.dirname(os.path.abspath(path))
    root = os.path.abspath(root)
    walked: list[str] = []
    answer = False
    while directory.startswith(root) and len(directory) >= len(root):
        if directory in seen:
            answer = seen[directory]
            break
        walked.append(directory)
        if os.path.exists(os.path.join(directory, "pyvenv.cfg")) or os.path.basename(directory) == "site-packages":
            answer = True
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    for visited in walked:
        seen[visited] = answer
    return answer


def excluded(path: str, settings: CheckSettings) -> bool:
    if not settings.exclude:
        return False
    relative = os.path.relpath(os.path.abspath(path), settings.root).replace(os.sep, "/")
    parts = relative.split("/")
    for glob in settings.exclude:
        glob = glob.rstrip("/")
        if fnmatch.fnmatchcase(relative, glob):
            return True
        # A glob naming a directory excludes what is under it.
        if any(fnmatch.fnmatchcase("/".join(parts[:end]), glob) for end in range(1, len(parts))):
            return True
    return False
