"""The fast path of a check: extraction that starts while the project is being walked.

A cold check spends most of its time parsing. So that the parse starts as early
as it can, :func:`begin` needs none of the modules that resolve imports or make
the findings: the application calls it before importing them, the walk hands
each file to an :class:`~depscan.perf.parallel.Extractor` as it finds it (which
forks its workers once there is enough to share), and the imports, the
interpreter's description and the search path are then made while the workers
parse. As chunks come back, :class:`_EarlyScan` scans the roots that are ready.
Extractions come from the cache (:mod:`depscan.perf.cache`) where it holds them,
and the fresh ones are stored.

Everything here is a fast path: :class:`depscan.analysis.check.Plain` gives the
same answers without it (``tests/test_fast_paths.py`` compares them).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from depscan import DEFAULT_MAX_BYTES
from depscan.analysis.project import CheckSettings, Key, Walk, walk
from depscan.extract.walker import extract_file
from depscan.perf.memory import give_back
from depscan.perf.parallel import Extractor, Read

if TYPE_CHECKING:
    from depscan.analysis.scan import Scanner
    from depscan.model.records import Extraction


@dataclass
class Begun:
    """The files of a check, and their extraction under way (an
    :class:`~depscan.analysis.check.Extractions`)."""

    walk: Walk
    extractor: Extractor
    cache: Any  # the ExtractionCache, or None

    def read(self, path: str, module: str, is_package: bool, max_bytes: int | None) -> Extraction:
        if self.cache is None:
            return extract_file(path, module, is_package, max_bytes)
        from depscan.perf.cache import extract_cached

        return extract_cached(self.cache, path, module, is_package, max_bytes)

    def extract_roots(
        self, keys: list[Key], scanner: Scanner, roots: Mapping[Key, str]
    ) -> tuple[list[Extraction], int, int]:
        """Every checked file's extraction: from the cache where it holds one, the rest from the
        extractor, the roots scanned as they come."""
        ready = _EarlyScan(scanner, roots)
        extractor = self.extractor
        extractor.add_all(keys)  # those the walk named otherwise
        extractor.look_up()
        hits = extractor.hits
        if hits:  # in already: scanned while the others are parsed
            ready(list(hits), [(extraction, None) for extraction in hits.values()])
        done, processes = extractor.finish(ready)
        if self.cache is not None:
            # What the cache stores of each fresh extraction (see depscan.perf.cache.extract_for_cache),
            # under the walk's name too where the search path named the file otherwise: the next
            # run's walk asks for it first.
            self.cache.put_entries((key, entry) for key, (_, entry) in done.items() if entry is not None)
        extractions = [hits[key] if key in hits else done[key][0] for key in keys]
        give_back()  # the syntax trees' space, before the scan and the findings take more
        return extractions, sum(key in hits for key in keys), processes

    def close(self) -> None:
        """Stop the workers and close the cache (once is enough; more is harmless)."""
        self.extractor.close()
        if self.cache is not None:
            self.cache.close()


def begin(
    settings: CheckSettings,
    files: Sequence[str] | None = None,
    cache_dir: str | None = None,
    processes: int | None = None,
) -> Begun:
    """Find the files to check (``files``, else the whole project) and start extracting them, with
    at most ``processes`` processes (None: as many as pay), through the extraction cache in
    ``cache_dir`` (None: no cache)."""
    cache = None
    if cache_dir:
        from depscan.perf.cache import ExtractionCache

        cache = ExtractionCache(cache_dir)
    extractor = _extractor(cache, processes)
    try:
        # Extraction starts under the name the packages around the file give it; a file the
        # search path names otherwise is extracted again, under that name.
        found = walk(settings, files, extractor.add)
    except BaseException:
        extractor.close()
        if cache is not None:
            cache.close()
        raise
    return Begun(found, extractor, cache)


def _extractor(cache: Any, processes: int | None, max_bytes: int | None = DEFAULT_MAX_BYTES) -> Extractor:
    """An :class:`Extractor` that looks files up in ``cache`` (an ExtractionCache, or None) first,
    and makes what the cache stores of the others where they are parsed."""
    if cache is not None and cache.enabled:
        from depscan.perf.cache import extract_for_cache

        return Extractor(
            max_bytes, processes, work=extract_for_cache, lookup=partial(cache.get_many, max_bytes=max_bytes)
        )
    return Extractor(max_bytes, processes)  # no cache, or one that cannot be opened: nothing to hash or encode


def extract_all(
    keys: Sequence[Key],
    cache: Any,
    processes: int | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    told: Callable[[int], object] | None = None,
) -> dict[Key, Extraction]:
    """Every file's extraction at once: from ``cache`` (an ExtractionCache, or None) where it holds
    one, the others over processes when they are many enough to pay (at most ``processes``; None:
    as many as pay), stored in the cache. ``told`` is given the number of files done so far, as
    chunks of them are done. For a scan of a package or a source tree, whose roots are known
    before the scan starts."""
    extractor = _extractor(cache, processes, max_bytes)
    count = 0

    def ready(chunk: list[Key], reads: list[Read]) -> None:
        nonlocal count
        count += len(chunk)
        if told is not None:
            told(count)

    try:
        extractor.add_all(keys)
        extractor.look_up()
        if extractor.hits:
            ready(list(extractor.hits), [])
        done, _ = extractor.finish(ready)
    finally:
        extractor.close()
    if cache is not None:
        cache.put_entries((key, entry) for key, (_, entry) in done.items() if entry is not None)
    found = dict(extractor.hits)
    found.update((key, extraction) for key, (extraction, _) in done.items())
    give_back()
    return found


class _EarlyScan:
    """Scans the roots while other files are still being parsed (the :class:`Extractor` tells of
    each chunk as it is done), and resolves what the others import meanwhile.

    A root is scanned once its extraction is in and so are those of the roots it takes names
    from (``from m import name``, star imports, the ``__all__`` they read), else the scan
    would read them itself; the others wait for the next chunk, or for :meth:`Scanner.run`.
    The scan's outcome is the same in any order, and the findings are sorted.
    """

    def __init__(self, scanner: Scanner, roots: Mapping[Key, str]) -> None:
        self.scanner = scanner
        self.roots = roots
        self.pending = set(roots.values())
        self.waiting: list[str] = []

    def __call__(self, keys: list[Key], reads: list[Read]) -> None:
        collecting = gc.isenabled()
        gc.disable()  # as in Scanner.run: many objects made, none freed
        try:
            arrived = []
            for key, (extraction, _) in zip(keys, reads, strict=True):
                name = self.roots.get(key)
                if name is None:  # a file the search path names otherwise: extracted again
                    continue
                self.scanner.add_extraction(name, extraction)
                self.pending.discard(name)
                arrived.append(name)
            if self.pending:  # resolve now what the scan will ask, while the other files are parsed
                for name in arrived:
                    self.scanner.prepare(self.scanner.extractions[name])
            waiting, self.waiting = [*self.waiting, *arrived], []
            for name in waiting:
                if self._names_in(self.scanner.extractions[name]):
                    self.scanner.scan_now(name)
                else:
                    self.waiting.append(name)
        finally:
            if collecting:
                gc.enable()

    def _names_in(self, extraction: Extraction) -> bool:
        seen: set[str] = set()
        return all(
            self._ready(record.module, seen)
            for record in extraction.imports
            if record.kind in ("from", "star", "call") and record.module is not None
        )

    def _ready(self, module: str, seen: set[str]) -> bool:
        """``module``'s names can be read now: its extraction and its star sources' are in."""
        stack = [module]
        while stack:
            name = stack.pop()
            if name in self.pending:
                return False
            extraction = self.scanner.extractions.get(name)
            if name in seen or extraction is None:  # not a root: the scan reads it, now or later alike
                continue
            seen.add(name)
            stack += [r.module for r in extraction.imports if r.kind == "star" and r.module is not None]
            stack += [ref.module for ref in extraction.facts.all_refs]
        return True
