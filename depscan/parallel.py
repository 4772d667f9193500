"""Extraction of many files over processes, when there is enough of it to pay for them.

Parsing is CPU-bound and the GIL keeps threads from sharing it, so a large tree
is split among processes: this one and N - 1 forked workers (they start with
depscan already imported), taking small chunks of files from the two ends of
the list; the workers' results come back pickled, which costs a fraction of
the parse. Measured on Django's tree (885 files, 5.7 MB) on 2 cores: about
1.4 s serially, 0.9 s over 2 processes (a check, start to end); below about
2 MB of source (some 400 files) the processes cost more than they save, so
smaller trees are read in this process alone.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from depscan import DEFAULT_MAX_BYTES
from depscan.bytecode import extract_bytecode
from depscan.extract import extract, extract_file
from depscan.model import Diagnostic, Extraction
from depscan.source import read_bytes

PARALLEL_BYTES = 2 * 1024 * 1024
"""Below this much source, extraction stays in one process."""

Key = tuple[str, str, bool]  # path, module name, is_package


def worker_count(keys: Sequence[Key], processes: int | None = None) -> int:
    """How many processes to extract ``keys`` with: 1 unless the work is worth splitting."""
    cores = processes or _usable_cores()
    if cores < 2 or len(keys) < 2 or _fork_context() is None:
        return 1
    total = 0
    for path, _, _ in keys:
        try:
            total += os.stat(path).st_size
        except OSError:
            continue
        if total >= PARALLEL_BYTES:
            return min(cores, len(keys))
    return 1


Read = tuple[Extraction, bytes | None]  # an extraction and the bytes it was made from (None: not read)


def extract_files(
    keys: Sequence[Key], max_bytes: int | None = DEFAULT_MAX_BYTES, processes: int | None = None, data: bool = True
) -> tuple[list[Read], int]:
    """Each file's extraction with the bytes read for it, in order, and the number of processes used.

    The bytes come back (unless ``data`` is False) so that a cache stores an extraction under
    the content it was made from, even if the file changes meanwhile.
    """
    workers = worker_count(keys, processes) if processes != 1 else 1
    if workers == 1:
        return _extract_chunk(list(keys), max_bytes), 1
    # Many small chunks: big and small files even out, and no process is left with a long
    # last chunk while the others wait. This process is one of the workers: it takes chunks
    # from the end of the list while the forked ones take them from the front, each chunk
    # it takes one that no worker has started (its future cancelled), until they meet.
    size = max(1, len(keys) // (workers * 16))
    chunks = [list(keys[start : start + size]) for start in range(0, len(keys), size)]
    work = _extract_chunk if data else _extract_chunk_without_data
    done: dict[int, list[Read]] = {}
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=_fork_context()) as pool:
            futures = [pool.submit(work, chunk, max_bytes) for chunk in chunks]
            for index in range(len(chunks) - 1, -1, -1):
                if not futures[index].cancel():
                    break  # a worker has it: the rest are theirs
                done[index] = work(chunks[index], max_bytes)
            for index, future in enumerate(futures):
                if index not in done:
                    done[index] = future.result()
    except (OSError, RuntimeError):  # no processes to be had (limits, a sandbox): do it here
        return _extract_chunk(list(keys), max_bytes), 1
    return [read for index in range(len(chunks)) for read in done[index]], workers


def _extract_chunk_without_data(keys: list[Key], max_bytes: int | None) -> list[Read]:
    return [(extraction, None) for extraction, _ in _extract_chunk(keys, max_bytes)]


def _extract_chunk(keys: list[Key], max_bytes: int | None) -> list[Read]:
    # Parse trees hold no reference cycles and are freed as each file is done; the cyclic
    # collector, run again and again by their allocations, would only walk the heap for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _extract_each(keys, max_bytes)
    finally:
        if collecting:
            gc.enable()


def _extract_each(keys: list[Key], max_bytes: int | None) -> list[Read]:
    results: list[Read] = []
    for path, module, is_package in keys:
        data = read_bytes(path, max_bytes)
        if isinstance(data, Diagnostic):
            results.append((extract_file(path, module, is_package, max_bytes), None))
        elif path.endswith(".pyc"):
            results.append((extract_bytecode(data, module, is_package, path), data))
        else:
            results.append((extract(data, module, is_package, path), data))
    return results


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _fork_context() -> multiprocessing.context.BaseContext | None:
    """Forking starts workers at once; where the platform has no fork, extraction stays serial."""
    if sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")
