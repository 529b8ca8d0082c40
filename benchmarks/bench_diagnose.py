"""Diagnose speed on the embedded default (SQLite), against a plain DuckDB floor.

Targets (issue 4): a generated book of 1,000,000 accounts diagnosed in ≤ 60 s
on 2 cores, and ≤ 5× the floor.

    .venv/bin/python benchmarks/bench_diagnose.py [--accounts 1000000] [--work DIR]

Builds (or reuses, in --work) the book: `accord generate` then import into
SQLite — neither is timed. Then, in one run, prints:

* diagnose — `services.diagnose` end to end (read SQLite as Arrow, features
  in DuckDB, lifetime model, scores and rules), split by step;
* floor — the same columns read from SQLite the same way, plus one plain DuckDB
  pass that groups every table by account (count and a sum): the least any
  diagnosis on this storage must do; and the DuckDB pass alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb

from accord import services
from accord.analytics.backend import COLUMNS, read_sqlite
from accord.generate import DEFAULT_AS_OF


def build(work: Path, accounts: int) -> str:
    bundle, db = work / f"book-{accounts}", work / f"book-{accounts}.db"
    url = f"sqlite:///{db}"
    if db.exists():
        return url
    t = time.perf_counter()
    services.generate_bundle(directory=bundle, accounts=accounts, seed=1)
    print(f"generated {accounts:,} accounts in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    services.init_database(url=url)
    report = services.import_bundle(url=url, directory=bundle)
    print(f"imported {report.rows:,} rows in {time.perf_counter() - t:.1f} s")
    return url


def floor(db: Path) -> tuple[float, float, int]:
    """(read + one DuckDB pass, the DuckDB pass alone, rows) over the diagnosis's columns."""
    t0 = time.perf_counter()
    tables = read_sqlite(db, tuple(COLUMNS))
    con = duckdb.connect()
    con.execute("SET threads = 2")
    for name, table in tables.items():
        con.register(name, table)
    t1 = time.perf_counter()
    rows = 0
    for name, table in tables.items():
        rows += table.num_rows
        key = "account_id" if "account_id" in table.column_names else table.column_names[0]
        number = next((c for c, k in COLUMNS[name].items() if k in ("f", "i")), None)
        total = f', sum("{number}")' if number else ""
        con.sql(f'SELECT "{key}", count(*){total} FROM "{name}" GROUP BY 1').to_arrow_table()
    t2 = time.perf_counter()
    return t2 - t0, t2 - t1, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/accord-bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    url = build(args.work, args.accounts)
    db = Path(url.removeprefix("sqlite:///"))
    print(f"cores: {os.cpu_count()}")

    steps: dict[str, float] = {}
    last = [time.perf_counter(), ""]

    def progress(step: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if last[1]:
            steps[str(last[1])] = now - float(last[0])
        last[0], last[1] = now, step

    t = time.perf_counter()
    result = services.diagnose(url=url, as_of=DEFAULT_AS_OF, progress=progress)
    took = time.perf_counter() - t
    flagged = result.patterns.filter(result.patterns["id"] != "healthy")["account_id"].n_unique()
    print(
        f"diagnose: {took:.1f} s for {result.accounts.height:,} accounts "
        f"({flagged:,} with a pattern); "
        + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items() if k != "done")
    )
    read_and_pass, duck_pass, rows = floor(db)
    print(
        f"floor: read {rows:,} rows from SQLite + one DuckDB pass {read_and_pass:.1f} s "
        f"(the DuckDB pass alone {duck_pass:.2f} s)"
    )
    print(
        f"diagnose / floor: {took / read_and_pass:.1f}× (read + pass), "
        f"{took / duck_pass:.0f}× (pass alone)"
    )


if __name__ == "__main__":
    main()
