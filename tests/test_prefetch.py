"""Work done ahead on other threads comes back in order, never far ahead."""

from __future__ import annotations

import threading

import pytest

from accord.prefetch import prefetched


def test_results_come_in_order_with_at_most_two_computed_ahead() -> None:
    started: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> int:
        with lock:
            started.append(i)
        return i * i

    results = prefetched(work, range(10), threads=2)
    assert next(results) == 0
    assert set(started) <= {0, 1, 2}  # the one taken and the two after it, no more
    assert list(results) == [i * i for i in range(1, 10)]
    assert sorted(started) == list(range(10))


def test_an_error_in_the_work_reaches_the_caller_at_its_item() -> None:
    def work(i: int) -> int:
        if i == 3:
            raise ValueError("bad item 3")
        return i

    results = prefetched(work, range(6), threads=1)
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="bad item 3"):
        next(results)
