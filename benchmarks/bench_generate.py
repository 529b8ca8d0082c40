"""Generator speed: seconds and rows per second for 10,000 accounts (1,000,000 with --big).

Target (issue 2): 10,000 accounts in seconds; 1,000,000 accounts within minutes,
with memory bounded by the chunk size, not the book.

    .venv/bin/python benchmarks/bench_generate.py [--big] [--seed 1] [--dir DIR] [--realism crm]

Prints, per size: wall seconds, rows written (all files), rows/s, bytes on
disk, and the process's peak resident memory so far.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from accord.generate import CHUNK, generate_book


def run(accounts: int, seed: int, parent: Path | None, realism: str = "clean") -> None:
    with tempfile.TemporaryDirectory(dir=parent) as scratch:
        target = Path(scratch) / "bundle"
        start = time.perf_counter()
        book = generate_book(target, accounts=accounts, seed=seed, realism=realism)
        seconds = time.perf_counter() - start
        rows = sum(book.rows.values())
        size = sum(p.stat().st_size for p in target.iterdir())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB → MiB
        print(
            f"{accounts:>10,} accounts {seconds:8.1f} s {rows:>13,} rows "
            f"{rows / seconds:>11,.0f} rows/s {size / 1e9:6.2f} GB  peak {peak:,.0f} MiB"
        )
        touch = book.rows["touchpoints.csv"]
        print(f"{'':>10} touchpoints {touch:,} ({touch / seconds:,.0f}/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--big", action="store_true", help="also 1,000,000 accounts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="where to write (a temp folder)")
    parser.add_argument("--realism", choices=("clean", "crm"), default="clean")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"accord generate --realism {args.realism} — {cores} cores, chunks of {CHUNK:,} accounts")
    run(10_000, args.seed, args.dir, args.realism)
    if args.big:
        run(1_000_000, args.seed, args.dir, args.realism)


if __name__ == "__main__":
    main()
