"""Extraction of many files over processes, when there is enough of it to pay for them.

Parsing is CPU-bound and the GIL keeps threads from sharing it, so a large tree
is split among processes: this one and N - 1 forked workers (they start with
depscan's extractor already imported). Files are handed to an
:class:`Extractor` as the tree walk finds them; once they add up to
:data:`PARALLEL_BYTES` of source the workers are forked, and they take chunks
of files from the front while the walk, and whatever the caller does next,
goes on. When this process has nothing else to do, it takes the chunks no
worker has started from the back, handing on each chunk that is ready as it
goes. The workers' results come back pickled (see :mod:`depscan.model.frozen`).

Workers never outlive this process. A killed parent (SIGKILL, or any death that
runs no clean-up) leaves its workers waiting on a pipe whose write end each of
them holds too, so they would wait forever; each worker therefore has a watchdog
thread that looks at its parent process id twice a second and exits when it has
changed (the orphan was taken in by init or a subreaper). That works under any
signal and any threads, where ``prctl(PR_SET_PDEATHSIG)`` fires when the *thread*
that forked dies, and a pipe held only by the parent would have to be closed in
each worker before it could be trusted. When this process leaves the pool by an
exception (Ctrl-C, an error) the workers are terminated rather than waited for;
on SIGTERM the CLI exits at once and the watchdogs end the workers. Workers
ignore SIGINT and take SIGTERM's default action: the parent decides.

Measured with ``depscan check`` on parts of Django's tree on 2 cores (best of
8, wall): 0.6 MB of source took 0.38 s in one process and 0.42 s over two,
1.1 MB 0.48 s and 0.43 s, 2 MB 0.70 s and 0.61 s; so below about 1 MB the
processes cost more than they save, and smaller trees are read in this process.
"""

from __future__ import annotations

import functools
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from depscan import DEFAULT_MAX_BYTES
from depscan.extract.grammar import quietly
from depscan.extract.walker import extract_bytes
from depscan.model.records import Diagnostic, Extraction
from depscan.source import read_bytes

if TYPE_CHECKING:  # (multiprocessing is imported when workers start: most checks never need one)
    import multiprocessing.context
    from concurrent.futures import Future, ProcessPoolExecutor

PARALLEL_BYTES = 1024 * 1024
"""Below this much source, extraction stays in one process."""

CHUNK_BYTES = 96 * 1024
CHUNK_FILES = 48
"""A chunk of work is this much source, or this many files: small enough that no process is
left with a long last chunk while the others wait, large enough that handing it over is cheap."""

Key = tuple[str, str, bool]  # path, module name, is_package
Read = tuple[Extraction, Any]  # an extraction, and what the work made beside it (None by default)
Work = Callable[[list[Key], int | None], list[Read]]
"""Extracts a chunk of files: a function of a module (the workers are told it by name)."""
Lookup = Callable[[list[Key]], dict[Key, Extraction]]


class Extractor:
    """Extractions of files handed in one by one, made meanwhile over processes when they are many.

    :meth:`add` the files as they are found, then :meth:`finish` for every extraction. With
    ``lookup`` (a cache's ``get_many``), the files are looked up in batches first and only
    the others extracted. ``work`` extracts a chunk of files; by default each comes with None
    beside it, and :func:`depscan.perf.cache.extract_for_cache` gives what the cache stores of it.
    """

    LOOKUP_BATCH = 256

    def __init__(
        self,
        max_bytes: int | None = DEFAULT_MAX_BYTES,
        processes: int | None = None,
        work: Work | None = None,
        lookup: Lookup | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.work = work or extract_chunk
        self.lookup = lookup
        self.cores = _cores(processes)
        self.hits: dict[Key, Extraction] = {}
        self._seen: set[Key] = set()
        self._unlooked: list[Key] = []
        self._chunks: list[list[Key]] = []
        self._futures: list[Future[list[Read]]] = []
        self._chunk: list[Key] = []
        self._chunk_bytes = 0
        self._total_bytes = 0
        self._pool: ProcessPoolExecutor | None = None
        self._failed = False  # no processes could be had: everything is done here

    def add(self, key: Key) -> None:
        """Have ``key``'s file extracted (once, however often it is added)."""
        if key in self._seen:
            return
        self._seen.add(key)
        if self.lookup is None:
            self._queue(key)
            return
        self._unlooked.append(key)
        if len(self._unlooked) >= self.LOOKUP_BATCH:
            self._look_up()

    def add_all(self, keys: Iterable[Key]) -> None:
        for key in keys:
            self.add(key)

    def look_up(self) -> None:
        """Ask the cache about the files handed in so far now (their hits in :attr:`hits`)."""
        self._look_up()

    def finish(self, on_ready: Callable[[list[Key], list[Read]], object] | None = None) -> tuple[dict[Key, Read], int]:
        """Every fresh extraction by key (the cache's hits are in :attr:`hits`), and the processes used.

        ``on_ready`` is given each chunk of fresh extractions as soon as it is done, while
        the others are still being made, so that work on them can start.
        """
        self._look_up()
        self._close_chunk()
        pool, self._pool = self._pool, None
        if pool is None:
            results = self._here(self._chunks)
            if on_ready is not None and results:
                on_ready(list(results), list(results.values()))
            return results, 1
        from concurrent.futures import BrokenExecutor

        done: dict[int, list[Read]] = {}
        told: set[int] = set()
        broken = False

        def tell(index: int) -> None:
            if on_ready is not None and index not in told:
                told.add(index)
                on_ready(self._chunks[index], done[index])

        def collect(index: int) -> bool:
            """A worker's chunk, False when the workers are gone (killed, out of memory)."""
            nonlocal broken
            if not broken:
                try:
                    done[index] = self._futures[index].result()
                    return True
                except (BrokenExecutor, OSError):
                    broken = True
            return False

        try:
            # This process takes, from the back, every chunk no worker has started (its
            # future cancelled), until it meets the workers; between chunks it hands on
            # what is ready.
            for index in range(len(self._chunks) - 1, -1, -1):
                if not self._futures[index].cancel():
                    break  # a worker has it: the rest are theirs
                done[index] = _run(self.work, self._chunks[index], self.max_bytes)
                tell(index)
                for ready, future in enumerate(self._futures[:index]):
                    if ready not in done and future.done() and not future.cancelled() and collect(ready):
                        tell(ready)
            for index in range(len(self._chunks)):
                if index not in done and collect(index):
                    tell(index)
        except BaseException:  # SIGTERM, Ctrl-C, an error in what was told: the workers stop now
            _stop(pool)
            raise
        pool.shutdown(wait=True)
        for index, chunk in enumerate(self._chunks):  # what the workers could not give: here
            if index not in done:
                done[index] = _run(self.work, chunk, self.max_bytes)
                tell(index)
        results = {}
        for index, chunk in enumerate(self._chunks):
            results.update(zip(chunk, done[index], strict=True))
        return results, self.cores

    def close(self) -> None:
        """Stop the workers, if :meth:`finish` has not (an error on the way there)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            _stop(pool)

    # -- the work -----------------------------------------------------------------

    def _look_up(self) -> None:
        if not self._unlooked:
            return
        batch, self._unlooked = self._unlooked, []
        assert self.lookup is not None
        found = self.lookup(batch)
        self.hits.update(found)
        for key in batch:
            if key not in found:
                self._queue(key)

    def _queue(self, key: Key) -> None:
        size = _size(key[0]) if self.cores > 1 else 0  # (sizes only balance the chunks of processes)
        self._chunk.append(key)
        self._chunk_bytes += size
        self._total_bytes += size
        if self._chunk_bytes >= CHUNK_BYTES or len(self._chunk) >= CHUNK_FILES:
            self._close_chunk()

    def _close_chunk(self) -> None:
        if not self._chunk:
            return
        self._chunks.append(self._chunk)
        self._chunk, self._chunk_bytes = [], 0
        if self._pool is None and not self._failed and self.cores > 1 and self._total_bytes >= PARALLEL_BYTES:
            self._start()
        if self._pool is not None:
            self._submit(self._chunks[-1])

    def _start(self) -> None:
        # A worker for each chunk there is so far, at most: a tree just past the threshold
        # does not fork every core of a large machine.
        workers = min(self.cores - 1, len(self._chunks))
        _quiet_about_cancelled_chunks()
        from concurrent.futures import ProcessPoolExecutor

        try:
            self._pool = ProcessPoolExecutor(
                workers, mp_context=_fork_context(), initializer=_become_worker, initargs=(os.getpid(),)
            )
        except (OSError, RuntimeError):
            self._abandon()
            return
        self.cores = workers + 1
        for chunk in self._chunks[:-1]:
            if self._pool is None:
                return  # the first submit forks; it failed
            self._submit(chunk)

    def _submit(self, chunk: list[Key]) -> None:
        assert self._pool is not None
        try:
            self._futures.append(self._pool.submit(_run, self.work, chunk, self.max_bytes))
        except (OSError, RuntimeError):  # no processes to be had (limits, a sandbox): do it here
            self._abandon()

    def _abandon(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            # A fork that failed part of the way leaves the workers that did start waiting for
            # work that will never come, and the pool no thread to tell them: stop them.
            _stop(pool)
        self._futures, self._failed = [], True

    def _here(self, chunks: list[list[Key]]) -> dict[Key, Read]:
        keys = [key for chunk in chunks for key in chunk]
        return dict(zip(keys, _run(self.work, keys, self.max_bytes), strict=True))


def _quiet_about_cancelled_chunks() -> None:
    """Before Python 3.12, a worker that dies (SIGTERM to the process group, the OOM killer) makes the
    pool's thread raise InvalidStateError on the first chunk this process took back (its future
    cancelled) and print a traceback; the futures before it were told already, and those after it
    are cancelled too. That traceback is not printed (3.12 ignores the error itself)."""
    if sys.version_info >= (3, 12) or getattr(threading.excepthook, "_depscan", False):
        return
    from concurrent.futures import InvalidStateError

    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if not (args.exc_type is InvalidStateError and type(args.thread).__name__ == "_ExecutorManagerThread"):
            previous(args)

    hook._depscan = True  # type: ignore[attr-defined]
    threading.excepthook = hook


def _stop(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's workers, then shut it down: its thread sees them gone and ends at
    once (not waited for, it may still be writing to a pipe that the exit closes under it)."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


WATCH_SECONDS = 0.5
"""How often a worker looks whether its parent is still there."""


def _become_worker(parent: int) -> None:
    """Run first in each worker: signals left to the parent, and a watchdog on the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent handles it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the CLI's handler, inherited by the fork
    threading.Thread(target=_watch_parent, args=(parent,), name="depscan-watchdog", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)  # no clean-up: the queues' threads would block on pipes nobody reads


def extract_chunk(keys: list[Key], max_bytes: int | None) -> list[Read]:
    """The default :data:`Work`: each file's extraction, with None."""
    results: list[Read] = []
    for path, module, is_package in keys:
        data = read_bytes(path, max_bytes)
        if isinstance(data, Diagnostic):
            results.append((Extraction(module, is_package, path, diagnostics=(data,)), None))
        else:
            results.append((extract_bytes(data, module, is_package, path), None))
    return results


def _run(work: Work, keys: list[Key], max_bytes: int | None) -> list[Read]:
    # Parse trees hold no reference cycles and are freed as each file is done; the cyclic
    # collector, run again and again by their allocations, would only walk the heap for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with quietly():  # once for the chunk, not for each file
            return work(keys, max_bytes)
    finally:
        if collecting:
            gc.enable()


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _cores(processes: int | None) -> int:
    """The processes to use at most: ``processes``, else the usable cores; 1 where nothing forks."""
    if processes == 1 or _fork_context() is None:
        return 1
    return processes or _usable_cores()


def _usable_cores() -> int:
    """The cores this process may run on, less those other work keeps busy: each whole unit of
    the last minute's load average is a core the workers would share. (On two cores with one
    busy, two workers were slower than one: the parse shared one core, and sending extractions
    back cost a sixth more. Measured on Home Assistant, 6,725 files.)"""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        busy = int(os.getloadavg()[0])
    except (AttributeError, OSError):  # no load average here
        busy = 0
    return max(1, cores - busy)


@functools.cache
def _fork_context() -> multiprocessing.context.BaseContext | None:
    """Forking starts workers at once; where the platform has no fork, extraction stays serial."""
    import multiprocessing

    if sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods():
        return None

    class _Worker(multiprocessing.context.ForkProcess):
        """A forked worker that is daemonic: at exit this process terminates it rather than joins it.
        An exception raised by a signal (Ctrl-C) may come between a worker's fork and the pool's
        record of it, and that worker, never told to stop, would wait for work forever, and this
        process for it."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.daemon = True

    class _WorkerContext(multiprocessing.context.ForkContext):
        Process = _Worker

    return _WorkerContext()
