"""The first part of a check: the project's files, found and handed to extraction as the walk goes.

A cold check spends most of its time parsing. So that the parse starts as early
as it can, :func:`begin` needs none of the modules that resolve imports or make
the findings: the command line calls it before importing them, the walk hands
each file to an :class:`~depscan.perf.parallel.Extractor` as it finds it (which
forks its workers once there is enough to share), and the imports, the
interpreter probe and the search path are then made while the workers parse.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from depscan.perf.parallel import Extractor, Key
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
    cache_dir: str | None = None  # the extraction cache (None: no cache)
    processes: int | None = None  # extraction processes (None: as many as pay, 1: this process only)


@dataclass
class Begun:
    """The files of a check, and their extraction under way."""

    files: list[str]
    whole_project: bool  # every file of the project, not a few named
    walked: list[str]  # the directories walked
    names: dict[str, tuple[str, bool]]  # path -> module name and is_package, as the packages around it say
    extractor: Extractor
    cache: Any  # the ExtractionCache, or None

    def close(self) -> None:
        """Stop the workers and close the cache (once is enough; more is harmless)."""
        self.extractor.close()
        if self.cache is not None:
            self.cache.close()


def begin(settings: CheckSettings, files: Sequence[str] | None = None) -> Begun:
    """Find the files to check (``files``, else the whole project) and start extracting them."""
    forget_directories()
    walked: list[str] = []
    cache = None
    if settings.cache_dir:
        from depscan.perf.cache import ExtractionCache, extract_for_cache

        cache = ExtractionCache(settings.cache_dir)
    if cache is not None and cache.enabled:
        extractor = Extractor(processes=settings.processes, work=extract_for_cache, lookup=cache.get_many)
    else:  # no cache, or one that cannot be opened: nothing to hash or encode
        extractor = Extractor(processes=settings.processes)
    names: dict[str, tuple[str, bool]] = {}

    def found(path: str) -> None:
        # Extraction starts under the name the packages around the file give it; a file the
        # search path names otherwise is extracted again, under that name.
        name = names[path] = module_name_for(path)
        key: Key = (path, *name)
        extractor.add(key)

    try:
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
    except BaseException:
        extractor.close()
        if cache is not None:
            cache.close()
        raise
    return Begun(found_files, files is None, walked, names, extractor, cache)


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
