"""Extraction over processes (depscan.perf.parallel): the same answers, in order, as in one process."""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import platform
import sys
from pathlib import Path

import pytest

from depscan import DEFAULT_MAX_BYTES
from depscan.extract.walker import extract, extract_file
from depscan.model.records import Extraction
from depscan.perf import parallel
from depscan.perf.cache import extract_for_cache
from depscan.perf.codec import decode_extraction


def _tree(tmp_path: Path, count: int) -> list[tuple[str, str, bool]]:
    keys = []
    for number in range(count):
        # Sizes that differ a lot, so that the processes' shares are uneven in files.
        body = "x = 1\n" * (number % 13) * 40
        path = tmp_path / f"m{number}.py"
        path.write_text(f"import dep_{number}\n{body}")
        keys.append((str(path), f"m{number}", False))
    (tmp_path / "bad.py").write_text("def (:\n")
    keys.insert(5, (str(tmp_path / "bad.py"), "bad", False))
    keys.insert(9, (str(tmp_path / "gone.py"), "gone", False))
    return keys


def _split_early(monkeypatch: pytest.MonkeyPatch, keys: list[parallel.Key]) -> None:
    """Small chunks, and the threshold passed after a few of them (a worker for each chunk so
    far, at most, is forked then)."""
    monkeypatch.setattr(parallel, "CHUNK_FILES", 5)
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", sum(parallel._size(path) for path, _, _ in keys[:60]))


def extract_all(
    keys: list[parallel.Key], processes: int | None = None, work: parallel.Work | None = None
) -> tuple[list[parallel.Read], int]:
    """Each file's extraction by an :class:`~depscan.perf.parallel.Extractor` (with what ``work`` made
    beside it), in order, and the processes it used: the Extractor driven as ``depscan check`` does."""
    extractor = parallel.Extractor(DEFAULT_MAX_BYTES, processes, work)
    try:
        extractor.add_all(keys)
        done, used = extractor.finish()
    finally:
        extractor.close()
    return [done[key] for key in keys], used


def _work_with_pid(keys: list[parallel.Key], max_bytes: int | None) -> list[parallel.Read]:
    return [(extract_file(*key), os.getpid()) for key in keys]


@pytest.mark.skipif(parallel._fork_context() is None, reason="no fork on this platform")
@pytest.mark.parametrize("processes", [2, 3])
def test_the_work_is_shared_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int) -> None:
    keys = _tree(tmp_path, 300)
    _split_early(monkeypatch, keys)
    results, used = extract_all(keys, processes=processes, work=_work_with_pid)
    assert used == processes
    assert [extraction for extraction, _ in results] == [extract_file(*key) for key in keys]
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) == processes  # this process and each worker took some


def test_a_tree_just_past_the_threshold_forks_a_worker_per_chunk_at_most(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if parallel._fork_context() is None:
        pytest.skip("no fork on this platform")
    keys = _tree(tmp_path, 12)
    monkeypatch.setattr(parallel, "CHUNK_FILES", 4)
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 1)  # passed at the first chunk
    results, used = extract_all(keys, processes=8, work=_work_with_pid)
    assert used == 2 and len({pid for _, pid in results}) <= 2


@pytest.mark.skipif(parallel._fork_context() is None, reason="no fork on this platform")
@pytest.mark.parametrize("processes", [2, 3])
@pytest.mark.parametrize("for_cache", [False, True])
def test_results_over_processes_are_those_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int, for_cache: bool
) -> None:
    keys = _tree(tmp_path, 300)
    _split_early(monkeypatch, keys)
    work = extract_for_cache if for_cache else None
    results, used = extract_all(keys, processes=processes, work=work)
    assert used == processes
    assert [extraction for extraction, _ in results] == [extract_file(*key) for key in keys]
    for (path, _, _), (extraction, entry) in zip(keys, results, strict=True):
        if not for_cache or (extraction.diagnostics and extraction.diagnostics[0].code == "DS012"):
            assert entry is None
        else:  # made in the worker: the hash of what was parsed, the stat, the encoding
            digest, (mtime, size, *_), encoded = entry
            assert digest == hashlib.sha256(Path(path).read_bytes()).digest()
            assert (mtime, size) in ((os.stat(path).st_mtime_ns, os.path.getsize(path)), (0, -1))
            assert decode_extraction(encoded) == extraction


def test_no_processes_to_be_had_means_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 1)
    keys = _tree(tmp_path, 20)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no processes")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)  # (imported when workers start)
    results, used = extract_all(keys, processes=2)
    assert used == 1 and [e for e, _ in results] == [extract_file(*key) for key in keys]


def test_small_trees_stay_in_this_process(tmp_path: Path) -> None:
    keys = _tree(tmp_path, 10)
    assert extract_all(keys, processes=4)[1] == 1
    big = tmp_path / "big.py"
    big.write_text("x = 1\n" * (parallel.PARALLEL_BYTES // 6 + 1))
    keys.append((str(big), "big", False))
    assert extract_all(keys, processes=4)[1] == (2 if parallel._fork_context() else 1)  # one chunk


@pytest.mark.skipif(parallel._fork_context() is None, reason="no fork on this platform")
def test_workers_start_while_files_are_still_being_handed_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "CHUNK_FILES", 10)
    keys = _tree(tmp_path, 200)
    threshold = sum(os.path.getsize(path) for path, _, _ in keys[:60] if os.path.exists(path))
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", threshold)
    extractor = parallel.Extractor(processes=2)
    extractor.add_all(keys[:50])
    assert extractor._pool is None  # not enough yet: no process forked
    extractor.add_all(keys[50:100])
    assert extractor._pool is not None and extractor._futures  # forked, and given the chunks so far
    extractor.add_all(keys[100:])
    told: list[tuple[list[parallel.Key], list[parallel.Read]]] = []
    done, used = extractor.finish(lambda chunk, reads: told.append((chunk, reads)))
    assert used == 2 and set(done) == set(keys)
    assert {extraction for extraction, _ in done.values()} == {extract_file(*key) for key in keys}
    # Each chunk is told once, as it was made, and together they are all of them.
    assert sorted(key for chunk, _ in told for key in chunk) == sorted(keys)
    for chunk, reads in told:
        assert [done[key] for key in chunk] == reads


def test_the_cache_is_asked_first_and_its_hits_are_not_extracted(tmp_path: Path) -> None:
    keys = _tree(tmp_path, 30)
    asked: list[list[parallel.Key]] = []

    def lookup(batch: list[parallel.Key]) -> dict[parallel.Key, Extraction]:
        asked.append(batch)
        return {key: Extraction("stored", False, None) for key in batch if key[1].endswith("7")}

    extractor = parallel.Extractor(lookup=lookup)
    extractor.add_all([*keys, keys[0]])  # a file handed in twice is extracted once
    done, _ = extractor.finish()
    assert sorted(key for batch in asked for key in batch) == sorted(keys)
    assert set(extractor.hits) == {key for key in keys if key[1].endswith("7")} != set()
    assert set(done) == set(keys) - set(extractor.hits)
    assert all(done[key][0] == extract_file(*key) for key in done)


@pytest.mark.skipif(parallel._fork_context() is None, reason="no fork on this platform")
def test_workers_that_die_leave_their_work_to_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 1)
    keys = _tree(tmp_path, 100)
    extractor = parallel.Extractor(processes=2)
    extractor.add_all(keys)
    assert extractor._pool is not None
    for process in list(extractor._pool._processes.values()):
        process.kill()  # out of memory, say
    # Let the pool see it first: Python 3.11's pool, marking futures broken while this process
    # cancels them, fails in its own thread (InvalidStateError), harmlessly but loudly.
    concurrent.futures.wait(extractor._futures, timeout=60)
    done, _ = extractor.finish()
    assert {key: read[0] for key, read in done.items()} == {key: extract_file(*key) for key in keys}


def test_extractions_cross_processes_whole() -> None:
    """Workers send extractions pickled (each model class by its fields): they come back equal,
    of the same classes, with every kind of condition and the text of undecidable ones."""
    import pickle
    import pickletools

    from conftest import FIXTURES
    from depscan.model.conditions import Unknown

    extractions = [
        extract_file(path, f"pkg.{path.stem}", False) for path in sorted((FIXTURES / "extract" / "pkg").rglob("*.py"))
    ]
    either = b"import sys\nif sys.platform == 'win32' or sys.version_info < (3, 8):\n    import either\n"
    extractions.append(extract(either, "either"))
    conditions = {type(c).__name__ for e in extractions for r in e.imports for c in r.context.conditions}
    assert {"Version", "Platform", "TypeChecking", "Not", "All", "Any_", "Unknown"} <= conditions
    data = pickle.dumps(extractions)
    back = pickle.loads(data)
    unknown = next(c for e in back for r in e.imports for c in r.context.conditions if isinstance(c, Unknown))
    assert unknown._node is None and unknown.text  # its text came, not the parse tree it was read from
    # Rebuilt by their constructors, not by setting their state field by field (BUILD).
    assert "BUILD" not in {op.name for op, _, _ in pickletools.genops(data)}
    assert back == extractions
    for before, after in zip(extractions, back, strict=True):
        assert [type(r.context) for r in after.imports] == [type(r.context) for r in before.imports]
        assert after.facts == before.facts and after.diagnostics == before.diagnostics


@pytest.mark.skipif(parallel._fork_context() is None, reason="no fork on this platform")
def test_a_fork_refused_leaves_the_work_to_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At the process limit, or in a sandbox, the fork (at the first chunk handed to the pool)
    fails: everything is extracted here, and said so."""
    keys = _tree(tmp_path, 300)
    _split_early(monkeypatch, keys)

    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    results, used = extract_all(keys, processes=2)
    assert used == 1 and [e for e, _ in results] == [extract_file(*key) for key in keys]


_PARTIAL_FORK = """
import os, sys
sys.path[:0] = [sys.argv[1]]
from depscan.perf import parallel
from test_parallel import _tree, extract_all
from pathlib import Path
keys = _tree(Path(sys.argv[2]), 200)
forks = [0]
fork = os.fork
def second_fails():
    forks[0] += 1
    if forks[0] > 1:
        raise BlockingIOError(11, "Resource temporarily unavailable")
    return fork()
os.fork = second_fails
parallel.CHUNK_FILES = 5
parallel.PARALLEL_BYTES = sum(parallel._size(path) for path, _, _ in keys[:60])
results, used = extract_all(keys, processes=3)
print(used, len(results))
"""


@pytest.mark.skipif(parallel._fork_context() is None, reason="no fork on this platform")
def test_a_fork_refused_part_of_the_way_does_not_hang(tmp_path: Path) -> None:
    """The worker that did fork waits for work no thread will hand it: it is stopped, and the
    process exits (it hung at exit before)."""
    import subprocess
    import sys

    tests = Path(__file__).parent
    done = subprocess.run(
        [sys.executable, "-c", _PARTIAL_FORK, str(tests), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(tests.parent)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "202"]


@pytest.mark.skipif(parallel._fork_context() is None, reason="no fork on this platform")
def test_an_error_in_what_is_told_is_not_taken_for_dead_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = _tree(tmp_path, 300)
    _split_early(monkeypatch, keys)
    extractor = parallel.Extractor(processes=2)
    extractor.add_all(keys)

    calls: list[int] = []

    def fails_once(chunk: list[parallel.Key], reads: list[parallel.Read]) -> None:
        calls.append(1)
        if len(calls) == 1:  # as the check's scan of a file would, half done
            raise RecursionError("in the caller's work")

    with pytest.raises(RecursionError):
        extractor.finish(fails_once)
    extractor.close()


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_the_c_heaps_free_pages_are_given_back_on_glibc() -> None:
    """After a check's extraction the freed syntax trees' pages go back to the system
    (depscan.perf.memory): on glibc, malloc_trim is found without searching the file system."""
    from depscan.perf import memory

    assert memory._libc() is not None
    memory.give_back()


@pytest.mark.skipif(parallel._fork_context() is None, reason="no fork on this platform")
def test_a_scans_files_read_at_once_over_processes_then_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """depscan.perf.early.extract_all, which reads a package's modules for a scan: over processes,
    told as chunks are done, stored in the cache, and from the cache the next time."""
    from depscan.perf import cache as cache_module
    from depscan.perf import early

    tree = tmp_path / "tree"
    tree.mkdir()
    keys = _tree(tree, 120)
    for path, _, _ in keys:  # a minute old: the cache stores no file changed in the last seconds
        if os.path.exists(path):
            os.utime(path, (os.path.getmtime(path) - 60,) * 2)
    _split_early(monkeypatch, keys)
    started: list[int] = []
    start = parallel.Extractor._start

    def counted(self: parallel.Extractor) -> None:
        started.append(self.cores)
        start(self)

    monkeypatch.setattr(parallel.Extractor, "_start", counted)
    store = cache_module.ExtractionCache(str(tmp_path / "cache"))
    told: list[int] = []
    try:
        found = early.extract_all(keys, store, 2, told=told.append)
        assert started  # the workers were forked
        assert [found[key] for key in keys] == [extract_file(*key) for key in keys]
        assert told == sorted(told) and told[-1] == len(keys)

        def refuse(keys: list[parallel.Key], max_bytes: int | None) -> list[parallel.Read]:
            assert not keys, "extracted again"
            return []

        monkeypatch.setattr(cache_module, "extract_for_cache", refuse)
        again = early.extract_all([key for key in keys if key[1] != "gone"], store, 2)
    finally:
        store.close()
    assert [again[key] for key in keys if key[1] != "gone"] == [found[key] for key in keys if key[1] != "gone"]
