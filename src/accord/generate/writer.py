"""Turning arrays into bundle columns, and appending them to the bundle's CSV files.

Every file is opened once with its header (the schema's columns, in order)
and each chunk of accounts is appended to it, so memory stays bounded by the
chunk, not the book.
"""

from __future__ import annotations

import functools
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

import numpy as np
import polars as pl

from accord.domain import schema
from accord.generate.vec import F64, I64, Bool

TRUTH_FILE = "truth.csv"
AS_OF_FILE = "as_of.txt"
TRUTH_COLUMNS = ("account_id", "patterns")
FIRST_DAY = -25567  # 1900-01-01
# The generator writes the fourteen tables of SPEC section 2; it plants no decision data
# and no account plans.
GENERATED = tuple(
    t for t in schema.LEDGER if t not in schema.DECISION_TABLES and t not in schema.PLAN_TABLES
)
BUNDLE_FILES = frozenset({t.file for t in GENERATED} | {TRUTH_FILE, AS_OF_FILE})


def ids(prefix: str, start: int, n: int, width: int) -> pl.Series:
    """Readable, stable ids: prefix + zero-padded 1-based number (`A0000001`)."""
    numbers = pl.Series(np.arange(start + 1, start + n + 1, dtype=np.int64))
    return prefix + numbers.cast(pl.String).str.zfill(width)


def text(values: tuple[str, ...], codes: I64) -> pl.Series:
    """The word for each code."""
    return pl.Series(values, dtype=pl.String).gather(codes)


@functools.cache
def _day_text() -> pl.Series:
    """ISO text of every day from 1900 to 2199 (faster to gather than to format)."""
    days = np.arange(FIRST_DAY, FIRST_DAY + 300 * 366, dtype=np.int32)
    return pl.Series(days).cast(pl.Date).cast(pl.String)


@functools.cache
def _time_text() -> pl.Series:
    """`HH:MM:00` of every quarter hour of a day."""
    return pl.Series([f"{q // 4:02d}:{q % 4 * 15:02d}:00" for q in range(96)], dtype=pl.String)


def dates(day: I64, valid: Bool | None = None) -> pl.Series:
    """Day numbers as ISO dates; blank where not `valid`."""
    idx = day - FIRST_DAY
    return gather(_day_text(), idx, valid) if valid is not None else _day_text().gather(idx)


def timestamps(seconds: I64) -> pl.Series:
    """Seconds since the epoch (on a quarter hour) as ISO 8601 local date-times."""
    day = seconds // 86400
    quarter = (seconds % 86400) // 900
    parts = pl.DataFrame({"d": dates(day), "t": _time_text().gather(quarter)})
    return parts.select(pl.concat_str(["d", "t"], separator="T")).to_series()


def money(cents: I64, valid: Bool | None = None) -> pl.Series:
    """Cents as an exact two-decimal amount; blank where not `valid`."""
    whole = pl.Series(cents.astype(np.int64))
    if valid is not None:
        whole = _blank(whole, valid)
    return whole.cast(pl.Decimal(18, 2)) / 100


def integers(values: I64, valid: Bool | None = None) -> pl.Series:
    out = pl.Series(values.astype(np.int64))
    return out if valid is None else _blank(out, valid)


def decimals(values: F64) -> pl.Series:
    """Numbers written with two decimals."""
    return money(np.round(values * 100).astype(np.int64))


def gather(series: pl.Series, idx: I64, valid: Bool | None = None) -> pl.Series:
    """`series[idx]`, blank where not `valid` (idx there may be anything in range)."""
    out = series.gather(np.where(valid, idx, 0) if valid is not None else idx)
    return out if valid is None else _blank(out, valid)


def _blank(series: pl.Series, valid: Bool) -> pl.Series:
    missing = np.flatnonzero(~valid)
    return series.scatter(missing, None) if missing.size else series


def check_folder(out_dir: Path) -> None:
    """Refuse a path that is a file, or a non-empty folder that is not a previous bundle."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir} is a file, not a folder")
    if not out_dir.exists():
        return
    names = {p.name for p in out_dir.iterdir()}
    if not names:
        return
    if names <= BUNDLE_FILES and names & {TRUTH_FILE, AS_OF_FILE}:
        return
    raise ValueError(
        f"{out_dir} is not empty and does not hold a generated bundle; "
        "choose an empty or new folder"
    )


class BundleWriter:
    """Appends chunks to the 14 ledger files and truth.csv; counts the rows written."""

    def __init__(self, out_dir: Path, *, quote: bool = False) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        # clean books hold no separator in any field (words.py): unquoted is faster;
        # CRM-realistic text holds commas, quotes and line breaks: quoted where needed
        self._quote: Literal["necessary", "never"] = "necessary" if quote else "never"
        self.columns: dict[str, tuple[str, ...]] = {t.name: t.column_names for t in GENERATED}
        self.columns["truth"] = TRUTH_COLUMNS
        self.rows: dict[str, int] = dict.fromkeys(self.columns, 0)
        self._files: dict[str, IO[bytes]] = {}
        for name, cols in self.columns.items():
            f = (out_dir / f"{name}.csv").open("wb")
            f.write((",".join(cols) + "\n").encode())
            self._files[name] = f
        # one writer thread: files are appended in submission order while the
        # next chunk is generated (polars writes without holding the GIL)
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._older: list[Future[None]] = []
        self._newer: list[Future[None]] = []

    def write(self, table: str, frame: pl.DataFrame) -> None:
        """Queue a frame for appending to its file (columns in schema order)."""
        frame = frame.select(self.columns[table])
        self.rows[table] += frame.height
        if frame.height:
            self._newer.append(self._pool.submit(self._append, self._files[table], frame))

    def _append(self, f: IO[bytes], frame: pl.DataFrame) -> None:
        frame.write_csv(f, include_header=False, quote_style=self._quote)

    def settle(self) -> None:
        """Wait for the writes queued before the previous `settle`: at most two chunks in memory."""
        for future in self._older:
            future.result()
        self._older, self._newer = self._newer, []

    def close(self) -> None:
        try:
            for future in self._older + self._newer:
                future.result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            for f in self._files.values():
                f.close()

    def __enter__(self) -> BundleWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
