"""Diagnose speed on the embedded default (SQLite), against a plain DuckDB floor.

Targets (issue 4): a generated book of 1,000,000 accounts diagnosed in ≤ 60 s
on 2 cores, and ≤ 5× the floor.

    .venv/bin/python benchmarks/bench_diagnose.py [--accounts 1000000] [--work DIR]

Builds (or reuses, in --work) the book: `accord generate` then import into
SQLite — neither is timed. Then, in one run, prints:

* diagnose, first — `services.diagnose` end to end when the book has no
  columnar copy yet (it builds one: every column the features need read from
  SQLite as Arrow and written to `<db>.duckdb`), split by step; skipped when
  the copy exists already (`--fresh` deletes it first);
* diagnose — the same with the copy current (the everyday case: it reads only
  what changed since the last analysis), split by step, `--repeat` times;
* diagnose after a day's new rows — `--day-rows N` touchpoints (and a tenth as
  many orders, each with a copy of a line) added to SQLite, as an import would,
  then diagnose: the copy catches up and works its kept facts out again for
  the accounts they touch; the rows are deleted again afterwards (the next run
  catches up with that);
* floor — one plain DuckDB pass that groups every table of the copy by account
  (count and a sum): the least any diagnosis of these rows must do, `--repeat`
  times; the ratio of the best of each (and of the medians); and, for
  comparison, the same pass preceded by reading the same columns from SQLite
  (what an analysis without the copy must add).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb

from accord import services
from accord.analytics.backend import COLUMNS, read_sqlite
from accord.analytics.mirror import mirror_path
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


def _pass(con: duckdb.DuckDBPyConnection, tables: dict[str, str]) -> None:
    """One aggregation per table: rows and a sum per account (per key if no account)."""
    for name, source in tables.items():
        key = "account_id" if "account_id" in COLUMNS[name] else next(iter(COLUMNS[name]))
        number = next((c for c, k in COLUMNS[name].items() if k in ("f", "i")), None)
        total = f', sum("{number}")' if number else ""
        con.sql(f'SELECT "{key}", count(*){total} FROM {source} GROUP BY 1').to_arrow_table()


def floor_on_copy(db: Path) -> tuple[float, int]:
    """(one DuckDB pass over the columnar copy's tables, rows), read from a fresh
    connection (the file comes from the kernel's cache or the disk)."""
    con = duckdb.connect(str(mirror_path(db)), read_only=True)
    con.execute("SET threads = 2")
    rows = 0
    for name in COLUMNS:
        ((n,),) = con.execute(f'SELECT count(*) FROM ledger."{name}"').fetchall()
        rows += int(n)
    t = time.perf_counter()
    _pass(con, {name: f'ledger."{name}"' for name in COLUMNS})
    took = time.perf_counter() - t
    con.close()
    return took, rows


def floor_from_sqlite(db: Path) -> float:
    """Read the same columns from SQLite as Arrow, then the same pass in memory."""
    t = time.perf_counter()
    tables = read_sqlite(db, tuple(COLUMNS))
    con = duckdb.connect()
    con.execute("SET threads = 2")
    for name, table in tables.items():
        con.register(name, table)
    _pass(con, {name: f'"{name}"' for name in COLUMNS})
    return time.perf_counter() - t


def add_day(db: Path, touchpoints: int) -> None:
    """Copies of `touchpoints` spread touchpoints (and a tenth as many orders, with a copy
    of one of their lines), dated the book's as-of date, written straight to SQLite."""
    orders = max(1, touchpoints // 10)
    day = DEFAULT_AS_OF.isoformat()
    con = sqlite3.connect(db)
    with con:
        for table, key, n, dated in (
            ("touchpoints", "touchpoint_id", touchpoints, "occurred_at"),
            ("orders", "order_id", orders, "ordered_on"),
        ):
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            picked = ", ".join(
                f"'NEW-' || {key}" if c == key else (f"'{day}'" if c == dated else c) for c in cols
            )
            step = max(1, con.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] // n)
            con.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) SELECT {picked} FROM {table} "
                f"WHERE rowid % {step} = 0 LIMIT {n}"
            )
        con.execute(
            "INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price) "
            "SELECT o.order_id, 1, l.sku, l.quantity, l.unit_price FROM orders o "
            "JOIN order_lines l ON l.order_id = substr(o.order_id, 5) AND l.line_no = 1 "
            "WHERE o.order_id LIKE 'NEW-%'"
        )
    con.close()


def drop_day(db: Path) -> None:
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM order_lines WHERE order_id LIKE 'NEW-%'")
        con.execute("DELETE FROM orders WHERE order_id LIKE 'NEW-%'")
        con.execute("DELETE FROM touchpoints WHERE touchpoint_id LIKE 'NEW-%'")
    con.close()


def timed_diagnose(url: str, label: str) -> float:
    steps: dict[str, float] = {}
    current, started = "", time.perf_counter()  # the step under way and when it started

    def progress(step: str, done: int, total: int) -> None:
        nonlocal current, started
        now = time.perf_counter()
        if current:
            steps[current] = now - started
        current, started = step, now

    t = time.perf_counter()
    result = services.diagnose(url=url, as_of=DEFAULT_AS_OF, progress=progress)
    took = time.perf_counter() - t
    flagged = result.patterns.filter(result.patterns["id"] != "healthy")["account_id"].n_unique()
    print(
        f"{label}: {took:.1f} s for {result.accounts.height:,} accounts "
        f"({flagged:,} with a pattern); "
        + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items() if k != "done")
    )
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/accord-bench"))
    parser.add_argument("--fresh", action="store_true", help="delete the columnar copy first")
    parser.add_argument("--repeat", type=int, default=3, help="runs of diagnose and of the floor")
    parser.add_argument(
        "--day-rows", type=int, default=0, help="also diagnose after adding this many touchpoints"
    )
    parser.add_argument(
        "--no-sqlite-pass", action="store_true", help="skip the read-SQLite-then-pass comparison"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    url = build(args.work, args.accounts)
    db = Path(url.removeprefix("sqlite:///"))
    print(f"cores: {os.cpu_count()}")
    if args.fresh:
        mirror_path(db).unlink(missing_ok=True)
    if not mirror_path(db).exists():
        timed_diagnose(url, "diagnose, first (builds the columnar copy)")
    runs = [timed_diagnose(url, "diagnose (columnar copy current)") for _ in range(args.repeat)]
    if args.day_rows:
        add_day(db, args.day_rows)
        try:
            timed_diagnose(url, f"diagnose after {args.day_rows:,} new touchpoints")
        finally:
            drop_day(db)
    passes = []
    for _ in range(args.repeat):
        duck_pass, rows = floor_on_copy(db)
        print(f"floor: one DuckDB pass over the copy's {rows:,} rows {duck_pass:.2f} s")
        passes.append(duck_pass)
    if not args.no_sqlite_pass:
        with_read = floor_from_sqlite(db)
        print(f"  (reading the same columns from SQLite first: {with_read:.1f} s)")
    best, floor = min(runs), min(passes)
    mid = statistics.median(runs) / statistics.median(passes)
    print(
        f"diagnose / floor: {best / floor:.1f}× (best {best:.1f} s / best {floor:.2f} s); "
        f"medians over {args.repeat} runs each: {mid:.1f}×"
    )


if __name__ == "__main__":
    main()
