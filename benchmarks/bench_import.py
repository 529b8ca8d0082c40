"""Bulk import speed: rows per second for a 1M-row touchpoints file, SQLite and PostgreSQL.

Target (issue 2): ≥ 200,000 rows/s on SQLite for 1,000,000 touchpoints.

    .venv/bin/python benchmarks/bench_import.py [--rows 1000000] [--runs 5] [--no-postgres]

Prints, per backend and run (each into a fresh database): seconds and rows/s
(touchpoints ÷ seconds) of a first import, then of a second import of the
same bundle (which must change nothing); with several runs, the median of each.
A 2-core machine's timings swing with whatever else runs, so judge the median
of several runs, not one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from accord import services


def build_bundle(directory: Path, rows: int, accounts: int = 20_000) -> None:
    """A bundle with `rows` touchpoints over `accounts` accounts (every column filled)."""
    rng = np.random.default_rng(1)
    users = pl.DataFrame({"user_id": [f"U{i:04d}" for i in range(50)], "name": "Seller"})
    users.write_csv(directory / "users.csv")
    acc_ids = np.array([f"A{i:06d}" for i in range(accounts)])
    pl.DataFrame(
        {
            "account_id": acc_ids,
            "name": "Account",
            "owner_id": users["user_id"].to_numpy()[rng.integers(0, 50, accounts)],
        }
    ).write_csv(directory / "accounts.csv")
    start = datetime(2024, 1, 1)
    seconds = rng.integers(0, 2 * 365 * 86400, rows)
    occurred = (pl.lit(start) + pl.duration(seconds=pl.lit(pl.Series(seconds)))).dt.strftime(
        "%Y-%m-%dT%H:%M:%S"
    )
    pl.DataFrame(
        {
            "touchpoint_id": [f"T{i:08d}" for i in range(rows)],
            "account_id": acc_ids[rng.integers(0, accounts, rows)],
            "occurred_at": pl.select(occurred).to_series(),
            "channel": np.array(["meeting", "call", "email", "visit"])[rng.integers(0, 4, rows)],
            "direction": np.array(["outbound", "inbound", "mutual"])[rng.integers(0, 3, rows)],
            "purpose": np.array(["insight", "pitch", "social", "support"])[
                rng.integers(0, 4, rows)
            ],
            "user_id": users["user_id"].to_numpy()[rng.integers(0, 50, rows)],
            "contact_ids": None,
            "minutes": rng.integers(5, 90, rows),
            "summary": "Checked in on the roll-out",
            "tags": None,
        }
    ).write_csv(directory / "touchpoints.csv")


def run(url: str, bundle: Path, rows: int) -> list[tuple[str, float, float]]:
    services.init_database(url=url)
    results = []
    for label in ("first import", "second import (no change)"):
        os.sync()  # start with no dirty pages left by the run before (not timed)
        started = time.perf_counter()
        report = services.import_bundle(url=url, directory=bundle)
        elapsed = time.perf_counter() - started
        changed = report.changed
        results.append((f"{label}, {changed:,} changed", elapsed, rows / elapsed))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1, help="imports into fresh databases")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "bundle"
        bundle.mkdir()
        t0 = time.perf_counter()
        build_bundle(bundle, args.rows)
        print(f"built a bundle of {args.rows:,} touchpoints in {time.perf_counter() - t0:.1f} s")
        size = (bundle / "touchpoints.csv").stat().st_size / 1e6
        print(f"touchpoints.csv: {size:.0f} MB\n")
        rows: list[tuple[str, str, float, float]] = []
        for i in range(args.runs):
            db = Path(tmp) / f"bench-{i}.db"
            rows += [("SQLite", *r) for r in run(f"sqlite:///{db}", bundle, args.rows)]
            for leftover in Path(tmp).glob(f"bench-{i}.db*"):
                leftover.unlink()
        if not args.no_postgres:
            from tests.support.postgres import postgres_server

            with postgres_server() as url:
                rows += [("PostgreSQL", *r) for r in run(url, bundle, args.rows)]
        print(f"{'backend':<11} {'run':<44} {'seconds':>8} {'rows/s':>12}")
        for backend, label, secs, rate in rows:
            print(f"{backend:<11} {label:<44} {secs:8.2f} {rate:12,.0f}")
        if args.runs > 1:
            for which in ("first", "second"):
                times = [s for b, lab, s, _ in rows if b == "SQLite" and lab.startswith(which)]
                mid = statistics.median(times)
                print(
                    f"SQLite {which} import over {len(times)} runs: median {mid:.2f} s "
                    f"({args.rows / mid:,.0f} rows/s), {min(times):.2f}–{max(times):.2f} s"
                )


if __name__ == "__main__":
    main()
