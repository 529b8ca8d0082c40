"""A columnar copy of a SQLite ledger, kept beside it, so that big books are analysed at
DuckDB speed.

Reading SQLite row by row is the slow part of analysing a big book (about a
million rows a second per core, even through ADBC). A DuckDB file beside the
database (`accord.db` → `accord.db.duckdb`) holds the columns the features read
(`COLUMNS`) and is brought up to date before each analysis by reading only what
changed since it last looked:

* rows whose rowid is above the highest it has seen — SQLite numbers new rows
  upwards, so an import of new rows costs no bookkeeping at write time;
* rows the change log (`ledger_changes`, filled by triggers in the writer's own
  transaction) says were updated or deleted.

The first analysis of a book builds the copy in full. Log, rows and watermark
are read in one SQLite snapshot, so a write that lands meanwhile is simply
picked up next time. The copy is rebuilt whenever it might not match: a new
schema revision or column layout, a database file that was replaced (restored
from a backup, say), a change log pruned past what the copy has seen, or a
highest rowid that disagrees after catching up.

It is a cache: deleting it loses nothing. When it cannot be used (another
process holds it, the folder is read-only) `open_mirror` yields None and the
caller reads SQLite directly.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import adbc_driver_sqlite.dbapi as adbc
import duckdb
import pyarrow as pa

from accord.analytics.backend import COLUMNS, analysis_columns, sqlite_select, typed_columns
from accord.prefetch import prefetched

_FORMAT = 1  # bump when the copy's own layout changes
_SCHEMA = "ledger"  # the copied tables; unqualified names are the analysis views

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def mirror_path(db: Path) -> Path:
    """Where the columnar copy of the SQLite database `db` lives."""
    return db.with_name(db.name + ".duckdb")


@dataclass(frozen=True, slots=True)
class _State:
    """What the copy of one table has seen: its highest rowid and the last log entry."""

    max_rowid: int
    seq: int


@dataclass(frozen=True, slots=True)
class _Delta:
    name: str
    rows: pa.Table  # `_rowid` then the table's COLUMNS, typed
    changed: pa.Array | None  # rowids to drop before inserting `rows`; None: replace all
    max_rowid: int
    seq: int


@contextmanager
def open_mirror(db: Path, names: tuple[str, ...]) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A DuckDB connection on the up-to-date copy of `db`, with one view per table in
    `names` (its COLUMNS); None when the copy cannot be used."""
    path = mirror_path(db)
    with _lock_for(path):
        con = _connect(path)
        if con is None:
            yield None
            return
        try:
            try:
                refresh(con, db, names)
                for name in names:
                    cols = ", ".join(f'"{c}"' for c in analysis_columns(name))
                    con.execute(
                        f'CREATE OR REPLACE TEMP VIEW "{name}" AS '
                        f'SELECT {cols} FROM {_SCHEMA}."{name}"'
                    )
            except duckdb.Error:  # the copy cannot be written (a full disk, say): do without
                yield None
                return
            yield con
        finally:
            con.close()


def discard_copy(db: Path) -> None:
    """Delete the copy of `db` (the next analysis builds it afresh): after an erasure,
    so that no earlier value of an erased row is left in its file."""
    path = mirror_path(db)
    with _lock_for(path):
        _remove(path)


def refresh(con: duckdb.DuckDBPyConnection, db: Path, names: tuple[str, ...]) -> None:
    """Bring the copy of each table in `names` up to date with `db`, then prune the log."""
    layout, first_kept = _sqlite_state(db)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_SCHEMA}")
    con.execute(
        "CREATE TABLE IF NOT EXISTS _mirror (table_name TEXT PRIMARY KEY, max_rowid BIGINT, "
        "seq BIGINT, layout TEXT)"
    )
    known = {
        str(name): (_State(int(max_rowid), int(seq)), str(seen_layout))
        for name, max_rowid, seq, seen_layout in con.execute("SELECT * FROM _mirror").fetchall()
    }
    since: dict[str, _State | None] = {}
    for name in names:
        state, seen = known.get(name, (None, None))
        usable = state is not None and seen == layout and state.seq >= first_kept - 1
        since[name] = state if usable else None
    # Full builds read whole tables: two at a time, as SQLite reads one per core; each
    # table is written to the copy while the next two are read (no more: memory).
    for delta in prefetched(lambda n: _read_delta(db, n, since[n]), names, threads=2):
        if not _apply(con, delta, layout):  # disagrees after catching up: start over
            _apply(con, _read_delta(db, delta.name, None), layout)
    _prune_log(db, con)


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


def _connect(path: Path) -> duckdb.DuckDBPyConnection | None:
    """Open the copy; a damaged one is removed and started afresh, a locked one skipped."""
    for attempt in range(2):
        try:
            con = duckdb.connect(str(path))
            con.execute("SET enable_progress_bar = false")  # it would corrupt JSON on stdout
            return con
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower() or attempt:
                return None  # another process holds it, or the folder cannot be written
        except duckdb.Error:
            if attempt:
                return None
        with contextlib.suppress(OSError):
            _remove(path)
    return None  # pragma: no cover


def _remove(path: Path) -> None:
    """Delete the copy's file and DuckDB's write-ahead log beside it."""
    for part in (path, path.with_name(path.name + ".wal")):
        part.unlink(missing_ok=True)


def _scalar(cur: Any, sql: str) -> int:
    cur.execute(sql)
    row = cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _sqlite_state(db: Path) -> tuple[str, int]:
    """(what the copy must match, the oldest change still in the log), in one look.

    The copy must match its format, the columns, the schema revision and the
    database file itself (a restored backup is a new file). Pruning removes a
    prefix of the log and a sequence number never repeats, so a copy that has
    seen less than the entry before the oldest kept has missed changes."""
    with adbc.connect(str(db), autocommit=True) as con, con.cursor() as cur:
        cur.execute("PRAGMA busy_timeout = 10000")
        cur.execute("SELECT version_num FROM alembic_version")
        revision = cur.fetchone()
        oldest = _scalar(cur, "SELECT min(seq) FROM ledger_changes") or (
            _scalar(cur, "SELECT seq FROM sqlite_sequence WHERE name = 'ledger_changes'") + 1
        )
    stat = os.stat(db)
    layout = json.dumps(
        {
            "format": _FORMAT,
            "columns": COLUMNS,
            "revision": revision[0] if revision else None,
            "file": [stat.st_dev, stat.st_ino],
        },
        sort_keys=True,
    )
    return layout, oldest


def _read_delta(db: Path, name: str, since: _State | None) -> _Delta:
    """What changed in one table since `since` (everything when None), in one snapshot."""
    with adbc.connect(str(db), autocommit=True) as con, con.cursor() as cur:
        cur.execute("PRAGMA busy_timeout = 10000")
        cur.execute("BEGIN")
        try:
            seq = _scalar(cur, "SELECT max(seq) FROM ledger_changes")
            max_rowid = _scalar(cur, f'SELECT max(rowid) FROM "{name}"')
            changed: pa.Array | None = None
            where: tuple[str, ...] = ("",)
            if since is not None:
                log = (
                    f"SELECT DISTINCT row_id FROM ledger_changes "
                    f"WHERE table_name = '{name}' AND seq > {since.seq}"
                )
                cur.execute(log)
                changed = cur.fetch_arrow_table().column(0).combine_chunks().cast(pa.int64())
                where = (
                    f"rowid > {since.max_rowid}",
                    f"rowid IN ({log}) AND rowid <= {since.max_rowid}",
                )
            cur.execute(sqlite_select(name, with_rowid=True, where=where))
            raw: pa.Table = cur.fetch_arrow_table().slice(1)
        finally:
            cur.execute("COMMIT")
    rowids = raw.column(0).combine_chunks().cast(pa.int64())
    rows = typed_columns(name, raw.select(list(range(1, raw.num_columns))))
    rows = rows.add_column(0, "_rowid", rowids)
    return _Delta(name, rows, changed, max_rowid, seq)


def _apply(con: duckdb.DuckDBPyConnection, delta: _Delta, layout: str) -> bool:
    """Write one table's delta and its new state in one DuckDB transaction; False (and
    nothing written) when the copy's highest rowid then disagrees with SQLite's."""
    table = f'{_SCHEMA}."{delta.name}"'
    con.execute("BEGIN")
    try:
        con.register("_accord_rows", delta.rows)
        if delta.changed is None:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _accord_rows")
        else:
            if len(delta.changed):
                con.register("_accord_changed", pa.table({"row_id": delta.changed}))
                con.execute(
                    f"DELETE FROM {table} WHERE _rowid IN (SELECT row_id FROM _accord_changed)"
                )
            if delta.rows.num_rows:
                con.execute(f"INSERT INTO {table} SELECT * FROM _accord_rows")
        ((highest,),) = con.execute(f"SELECT coalesce(max(_rowid), 0) FROM {table}").fetchall()
        if int(highest) != delta.max_rowid:
            con.execute("ROLLBACK")
            return False
        con.execute(
            "INSERT OR REPLACE INTO _mirror VALUES (?, ?, ?, ?)",
            [delta.name, delta.max_rowid, delta.seq, layout],
        )
        con.execute("COMMIT")
        return True
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for view in ("_accord_rows", "_accord_changed"):
            with contextlib.suppress(duckdb.Error):
                con.unregister(view)


def _prune_log(db: Path, con: duckdb.DuckDBPyConnection) -> None:
    """Drop the log entries every table's copy has seen (best effort: a busy database
    keeps them until next time)."""
    ((oldest,),) = con.execute("SELECT min(seq) FROM _mirror").fetchall()
    seen = int(oldest) if oldest is not None else 0
    if seen <= 0:
        return
    try:
        with adbc.connect(str(db), autocommit=True) as sq, sq.cursor() as cur:
            if _scalar(cur, f"SELECT count(*) FROM ledger_changes WHERE seq <= {seen}") == 0:
                return
            cur.execute("PRAGMA busy_timeout = 200")
            cur.execute(f"DELETE FROM ledger_changes WHERE seq <= {seen}")
    except adbc.Error:
        return
