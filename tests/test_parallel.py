"""Extraction over processes (depscan.parallel): the same answers, in order, as in one process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from depscan import parallel
from depscan.extract import extract_file


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


@pytest.mark.skipif(parallel._fork_context() is None, reason="no fork on this platform")
@pytest.mark.parametrize("processes", [2, 3])
@pytest.mark.parametrize("data", [True, False])
def test_results_over_processes_are_those_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int, data: bool
) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 1)  # split whatever the size
    keys = _tree(tmp_path, 300)
    results, used = parallel.extract_files(keys, processes=processes, data=data)
    assert used == processes
    assert [extraction for extraction, _ in results] == [extract_file(*key) for key in keys]
    for (path, _, _), (extraction, read) in zip(keys, results, strict=True):
        if not data or (extraction.diagnostics and extraction.diagnostics[0].code == "DS012"):
            assert read is None
        else:
            assert read == Path(path).read_bytes()


def test_no_processes_to_be_had_means_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 1)
    keys = _tree(tmp_path, 20)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no processes")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", refuse)
    results, used = parallel.extract_files(keys, processes=2)
    assert used == 1 and [e for e, _ in results] == [extract_file(*key) for key in keys]


def test_small_trees_stay_in_this_process(tmp_path: Path) -> None:
    keys = _tree(tmp_path, 10)
    assert parallel.worker_count(keys, 4) == 1
    big = tmp_path / "big.py"
    big.write_text("x = 1\n" * (parallel.PARALLEL_BYTES // 6 + 1))
    assert parallel.worker_count([*keys, (str(big), "big", False)], 4) == (4 if os.name != "nt" else 1)
