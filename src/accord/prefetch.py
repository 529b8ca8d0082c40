"""Work done a little ahead on other threads, consumed in order, with bounded memory."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def prefetched(
    work: Callable[[T], R], items: Iterable[T], *, threads: int, ahead: int = 2
) -> Iterator[R]:
    """`work(item)` for each item, in order, computed up to `ahead` items in advance.

    The caller handles one result while the next are computed (worth it where
    both sides release the GIL: polars, Arrow, SQLite, DuckDB); no more than
    `ahead` results wait in memory.
    """
    todo = iter(items)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        pending = [pool.submit(work, item) for item in itertools.islice(todo, ahead)]
        while pending:
            done = pending.pop(0).result()
            following = next(todo, None)
            if following is not None:
                pending.append(pool.submit(work, following))
            yield done
