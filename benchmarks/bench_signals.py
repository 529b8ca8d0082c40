"""Inferring purpose and tags: training, the cached models, and notes read per second.

    .venv/bin/python benchmarks/bench_signals.py [--notes N]

Prints the seconds to train the models (no cache), to load them from the cache,
and to read N distinct notes (cleaning included), with notes per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=50_000)
    args = parser.parse_args()
    os.environ["ACCORD_CACHE_DIR"] = tempfile.mkdtemp(prefix="accord-bench-signals-")
    from tests.signals.heldout import PURPOSE_HELDOUT, TAG_HELDOUT

    from accord.config import Signals
    from accord.signals import infer
    from accord.signals import model as m
    from accord.signals.infer import Note

    started = time.perf_counter()
    m._models()
    print(f"train (no cache)       {time.perf_counter() - started:8.2f} s")
    m._models.cache_clear()
    started = time.perf_counter()
    m._models()
    print(f"load from the cache    {time.perf_counter() - started:8.2f} s")
    texts = [t for _, t in (*PURPOSE_HELDOUT, *TAG_HELDOUT)]
    notes = [
        Note((f"{texts[i % len(texts)]} (ref {chr(65 + i % 26)}{i})",)) for i in range(args.notes)
    ]
    started = time.perf_counter()
    infer(notes, Signals())
    elapsed = time.perf_counter() - started
    print(
        f"read {args.notes:,} distinct notes {elapsed:8.2f} s  {args.notes / elapsed:,.0f} notes/s"
    )


if __name__ == "__main__":
    main()
