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

Beside the rows it keeps facts that no as-of date changes, so that every
diagnosis need not work them out again from the whole history:

* per touchpoint the day of the account's next order, per order the day of
  the next follow-up touchpoint (`features.next_days`), and per order line of a
  standalone product the days to the account's nearest order that billed it in
  a bundle (`features.bundle_gaps`): worked out again, in the transaction that
  ends a refresh, for the accounts whose touchpoints, orders or order lines
  changed (`_dirty_accounts` and `_dirty_orders`, filled in each table's own
  transaction), for all when the products changed;
* per (seller, contact) the sums behind relationship strength for one
  half-life (`features.pair_sums`), as of a reference day: a row added or
  removed adds or subtracts its own whole-number sums, in the transaction that
  writes it. They are built on the first analysis that asks for them
  (`open_mirror(..., half_life_days)`), again for another half-life, and anew
  when the touchpoints are copied afresh or have moved far past the reference
  day.

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
import ibis
import pyarrow as pa

from accord.analytics.backend import (
    COLUMNS,
    PAIR_SUMS_SCHEMA,
    analysis_columns,
    sqlite_select,
    typed_columns,
)
from accord.analytics.features import (
    BUNDLE_GAP,
    NEXT_FOLLOW,
    NEXT_ORDER,
    bundle_gaps,
    day_number,
    is_two_way,
    next_days,
    pair_sums,
)
from accord.prefetch import prefetched

_FORMAT = 4  # bump when the copy's own layout changes
_SCHEMA = "ledger"  # the copied tables; unqualified names are the analysis views
_KEPT: dict[str, dict[str, pa.DataType]] = {
    "touchpoints": {NEXT_ORDER: pa.int32()},
    "orders": {NEXT_FOLLOW: pa.int32()},
    "order_lines": {BUNDLE_GAP: pa.int32()},
}
_DERIVED_FROM = ("touchpoints", "orders", "order_lines", "products")
"""The tables the kept per-row facts are worked out from."""
PAIR_SUMS = "contact_pair_sums"  # the view of the kept strength sums
_REBASE_HALF_LIVES = 8  # sums are re-based when touchpoints run this far past their day

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


@dataclass(frozen=True, slots=True)
class Copy:
    """An open, up-to-date copy: one view per table, and the kept strength sums' view
    (PAIR_SUMS) with (half-life, reference day, newest touchpoint's day) when kept."""

    con: duckdb.DuckDBPyConnection
    pair_sums: tuple[float, int, int] | None


def kept_columns(name: str) -> dict[str, pa.DataType]:
    """The columns the copy keeps beside a table's own (see the module's docstring)."""
    return _KEPT.get(name, {})


@contextmanager
def open_mirror(
    db: Path, names: tuple[str, ...], half_life_days: float | None = None
) -> Iterator[Copy | None]:
    """The up-to-date copy of `db`, with one view per table in `names` (its COLUMNS and
    kept columns), keeping strength sums for `half_life_days` when given; None when
    the copy cannot be used."""
    path = mirror_path(db)
    with _lock_for(path):
        con = _connect(path)
        if con is None:
            yield None
            return
        try:
            try:
                refresh(con, db, names)
                if half_life_days is not None and "touchpoints" in names:
                    _keep_pair_sums(con, half_life_days)
                for name in names:
                    cols = ", ".join(
                        f'"{c}"' for c in (*analysis_columns(name), *kept_columns(name))
                    )
                    con.execute(
                        f'CREATE OR REPLACE TEMP VIEW "{name}" AS '
                        f'SELECT {cols} FROM {_SCHEMA}."{name}"'
                    )
                sums = _pair_sums_state(con) if "touchpoints" in names else None
            except duckdb.Error:  # the copy cannot be written (a full disk, say): do without
                yield None
                return
            yield Copy(con, sums)
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
    con.execute("CREATE TABLE IF NOT EXISTS _dirty_accounts (account_id TEXT)")
    con.execute("CREATE TABLE IF NOT EXISTS _dirty_orders (order_id TEXT)")
    con.execute("CREATE TABLE IF NOT EXISTS _pair_sums (half_life DOUBLE, ref_day INTEGER)")
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
    _work_out_kept(con)
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


def _last_seq(cur: Any) -> int:
    """The newest change logged, pruned or not: a log pruned empty still numbers on from
    it (AUTOINCREMENT), so a copy that has seen it has seen everything so far."""
    return _scalar(cur, "SELECT max(seq) FROM ledger_changes") or _scalar(
        cur, "SELECT seq FROM sqlite_sequence WHERE name = 'ledger_changes'"
    )


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
            seq = _last_seq(cur)
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
    blank = "".join(f', NULL::{_SQL_TYPE[t]} AS "{c}"' for c, t in kept_columns(delta.name).items())
    sums = _pair_sums_layout(con) if delta.name == "touchpoints" else None

    def dirty(rows: str) -> None:
        _mark_dirty(con, delta.name, rows)

    con.execute("BEGIN")
    try:
        con.register("_accord_rows", delta.rows)
        if delta.changed is None:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT *{blank} FROM _accord_rows")
            dirty("_accord_rows")
            if sums:
                _build_pair_sums(con, sums[0])
        else:
            if len(delta.changed):
                con.register("_accord_changed", pa.table({"row_id": delta.changed}))
                con.execute(
                    f"CREATE OR REPLACE TEMP VIEW _accord_old AS SELECT * FROM {table} "
                    "WHERE _rowid IN (SELECT row_id FROM _accord_changed)"
                )
                dirty("_accord_old")
                if sums:
                    _add_pair_sums(con, "_accord_old", sums, sign=-1)
                con.execute(
                    f"DELETE FROM {table} WHERE _rowid IN (SELECT row_id FROM _accord_changed)"
                )
            if delta.rows.num_rows:
                con.execute(f"INSERT INTO {table} SELECT *{blank} FROM _accord_rows")
                dirty("_accord_rows")
                if sums:
                    _add_pair_sums(con, "_accord_rows", sums, sign=1)
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
        con.execute("DROP VIEW IF EXISTS _accord_old")


_SQL_TYPE = {pa.int32(): "INTEGER"}


def _has_tables(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> bool:
    marks = ", ".join(f"'{n}'" for n in names)
    ((found,),) = con.execute(
        f"SELECT count(*) FROM _mirror WHERE table_name IN ({marks})"
    ).fetchall()
    return int(found) == len(names)


def _mark_dirty(con: duckdb.DuckDBPyConnection, name: str, rows: str) -> None:
    """Note whose kept facts the rows `rows` of table `name` (written or about to go) change."""
    if name in ("touchpoints", "orders"):
        con.execute(f"INSERT INTO _dirty_accounts SELECT DISTINCT account_id FROM {rows}")
    elif name == "order_lines":
        con.execute(f"INSERT INTO _dirty_orders SELECT DISTINCT order_id FROM {rows}")
    elif name == "products" and _has_tables(con, ("orders",)):  # a bundle's parts, say
        con.execute(f"INSERT INTO _dirty_accounts SELECT DISTINCT account_id FROM {_SCHEMA}.orders")


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One DuckDB transaction: committed when the block ends, rolled back if it raises."""
    con.execute("BEGIN")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _work_out_kept(con: duckdb.DuckDBPyConnection) -> None:
    """The kept per-row facts (`_KEPT`) again for the accounts whose rows changed, in one
    transaction (left for later while a table they come from is not copied yet)."""
    if not _has_tables(con, _DERIVED_FROM):
        return
    ((waiting,),) = con.execute(
        "SELECT (SELECT count(*) FROM _dirty_accounts) + (SELECT count(*) FROM _dirty_orders)"
    ).fetchall()
    if not waiting:
        return
    ledger = {name: f'{_SCHEMA}."{name}"' for name in _DERIVED_FROM}
    try:
        with _transaction(con):
            con.execute(
                "INSERT INTO _dirty_accounts SELECT DISTINCT account_id FROM "
                f"{ledger['orders']} WHERE order_id IN (SELECT order_id FROM _dirty_orders)"
            )
            dirty = "account_id IN (SELECT account_id FROM _dirty_accounts)"
            views = {
                "_accord_tp": "SELECT _rowid, account_id, day, "
                "coalesce(purpose, purpose_inferred) AS purpose "  # features.effective_purpose
                f"FROM {ledger['touchpoints']} WHERE {dirty}",
                "_accord_orders": "SELECT _rowid, order_id, account_id, ordered_on AS day, "
                f"'' AS purpose FROM {ledger['orders']} WHERE {dirty}",
                "_accord_lines": "SELECT order_id, line_no, sku, quantity, unit_price "
                f"FROM {ledger['order_lines']} "
                "WHERE order_id IN (SELECT order_id FROM _accord_orders)",
                "_accord_products": f"SELECT sku, kind, includes FROM {ledger['products']}",
            }
            for view, sql in views.items():
                con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {sql}")
            next_sql, gaps_sql = _kept_sql()
            con.execute(f"CREATE OR REPLACE TEMP TABLE _accord_next AS {next_sql}")
            for table, kind, column, value in (
                ("touchpoints", 0, NEXT_ORDER, "next_order"),
                ("orders", 1, NEXT_FOLLOW, "next_follow"),
            ):
                con.execute(
                    f'UPDATE {ledger[table]} AS t SET "{column}" = n.{value} '
                    f"FROM _accord_next AS n WHERE n.kind = {kind} AND n._rowid = t._rowid"
                )
            con.execute(f"CREATE OR REPLACE TEMP TABLE _accord_gaps AS {gaps_sql}")
            lines = ledger["order_lines"]
            con.execute(
                f'UPDATE {lines} SET "{BUNDLE_GAP}" = NULL WHERE "{BUNDLE_GAP}" IS NOT NULL '
                "AND order_id IN (SELECT order_id FROM _accord_orders)"
            )
            con.execute(
                f'UPDATE {lines} AS l SET "{BUNDLE_GAP}" = g.gap FROM _accord_gaps AS g '
                "WHERE l.order_id = g.order_id AND l.line_no = g.line_no"
            )
            con.execute("DELETE FROM _dirty_accounts")
            con.execute("DELETE FROM _dirty_orders")
    finally:
        for temp in ("_accord_next", "_accord_gaps"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
        for view in _KEPT_INPUTS:
            con.execute(f"DROP VIEW IF EXISTS {view}")


_KEPT_INPUTS: dict[str, dict[str, str]] = {
    "_accord_tp": {"_rowid": "int64", "account_id": "string", "day": "date", "purpose": "string"},
    "_accord_orders": {
        "_rowid": "int64",
        "order_id": "string",
        "account_id": "string",
        "day": "date",
        "purpose": "string",
    },
    "_accord_lines": {
        "order_id": "string",
        "line_no": "int64",
        "sku": "string",
        "quantity": "float64",
        "unit_price": "float64",
    },
    "_accord_products": {"sku": "string", "kind": "string", "includes": "string"},
}
"""The views `_work_out_kept` makes of the dirty accounts' rows: name → columns."""


def _kept_sql() -> tuple[str, str]:
    """The queries of the kept facts over the `_accord_*` views of `_work_out_kept`:
    next days per touchpoint and order (by `_rowid`), gaps per order line."""
    tp, orders, lines, products = (
        ibis.table(schema, name=name) for name, schema in _KEPT_INPUTS.items()
    )
    both = next_days(
        tp.select("_rowid", "account_id", "purpose", day=tp.day.epoch_days()),
        orders.select("_rowid", "account_id", "purpose", day=orders.day.epoch_days()),
    )
    order_days = orders.select("order_id", "account_id", day=orders.day.epoch_days())
    gaps = bundle_gaps(lines, order_days, products).select("order_id", "line_no", "gap")
    return (
        str(ibis.to_sql(both.select("_rowid", "kind", "next_order", "next_follow"), "duckdb")),
        str(ibis.to_sql(gaps, "duckdb")),
    )


def _pair_sums_layout(con: duckdb.DuckDBPyConnection) -> tuple[float, int] | None:
    """(half-life, reference day) of the kept strength sums, or None when none are kept."""
    found = con.execute("SELECT half_life, ref_day FROM _pair_sums").fetchall()
    return (float(found[0][0]), int(found[0][1])) if found else None


def _pair_sums_sql(source: str, ref_day: int, half_life_days: float) -> str:
    """`features.pair_sums` over the touchpoint rows of table or view `source`."""
    rows = ibis.table(
        {"user_id": "string", "contact_ids": "string", "day": "date", "direction": "string"},
        name=source,
    )
    named = rows.select(
        "user_id", "contact_ids", day=rows.day.epoch_days(), two_way=is_two_way(rows.direction)
    )
    return str(ibis.to_sql(pair_sums(named, ref_day, half_life_days), dialect="duckdb"))


def _newest_touch(con: duckdb.DuckDBPyConnection, source: str) -> int | None:
    ((newest,),) = con.execute(f"SELECT max(day) FROM {source}").fetchall()
    return None if newest is None else day_number(newest)


def _build_pair_sums(con: duckdb.DuckDBPyConnection, half_life_days: float) -> None:
    """Every (seller, contact)'s sums afresh, as of the newest touchpoint (inside the
    caller's transaction)."""
    ref_day = _newest_touch(con, f"{_SCHEMA}.touchpoints") or 0
    con.execute(f"CREATE OR REPLACE TEMP VIEW _accord_all AS SELECT * FROM {_SCHEMA}.touchpoints")
    sql = _pair_sums_sql("_accord_all", ref_day, half_life_days)
    con.execute(f"CREATE OR REPLACE TABLE {_SCHEMA}.pair_sums AS {sql}")
    con.execute("DROP VIEW _accord_all")
    con.execute("DELETE FROM _pair_sums")
    con.execute("INSERT INTO _pair_sums VALUES (?, ?)", [half_life_days, ref_day])


def _add_pair_sums(
    con: duckdb.DuckDBPyConnection, source: str, layout: tuple[float, int], *, sign: int
) -> None:
    """Add (sign 1) or take away (−1) the sums of the touchpoint rows in `source` to the
    kept ones of `layout` (half-life, reference day), inside the caller's transaction;
    re-base all when the rows run far past the reference day."""
    half_life, ref_day = layout
    newest = _newest_touch(con, source)
    if newest is None:
        return
    if sign > 0 and newest > ref_day + _REBASE_HALF_LIVES * half_life:
        _build_pair_sums(con, half_life)
        return
    sums = f"{_SCHEMA}.pair_sums"
    values = ("touchpoints", "two_way_touchpoints", "weight_units", "two_way_units")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _accord_sums AS SELECT user_id, contact_id, "
        + ", ".join(f"{sign} * {v} AS {v}" for v in values)
        + f" FROM ({_pair_sums_sql(source, ref_day, half_life)})"
    )
    try:
        match = "p.user_id = d.user_id AND p.contact_id = d.contact_id"
        con.execute(
            f"UPDATE {sums} AS p SET "
            + ", ".join(f"{v} = p.{v} + d.{v}" for v in values)
            + f" FROM _accord_sums AS d WHERE {match}"
        )
        con.execute(
            f"INSERT INTO {sums} SELECT * FROM _accord_sums AS d "
            f"WHERE NOT EXISTS (SELECT 1 FROM {sums} AS p WHERE {match})"
        )
        con.execute(f"DELETE FROM {sums} WHERE touchpoints = 0")
    finally:
        con.execute("DROP TABLE IF EXISTS _accord_sums")


def _keep_pair_sums(con: duckdb.DuckDBPyConnection, half_life_days: float) -> None:
    """Build the strength sums for `half_life_days` unless they are kept already."""
    layout = _pair_sums_layout(con)
    if layout is not None and layout[0] == half_life_days:
        return
    if not _has_tables(con, ("touchpoints",)):
        return
    with _transaction(con):
        _build_pair_sums(con, half_life_days)


def _pair_sums_state(con: duckdb.DuckDBPyConnection) -> tuple[float, int, int] | None:
    """(half-life, reference day, newest touchpoint's day) of the kept sums, their view
    made; None when none are kept."""
    layout = _pair_sums_layout(con)
    if layout is None:
        return None
    cols = ", ".join(f'"{c}"' for c in PAIR_SUMS_SCHEMA.names)
    con.execute(
        f'CREATE OR REPLACE TEMP VIEW "{PAIR_SUMS}" AS SELECT {cols} FROM {_SCHEMA}.pair_sums'
    )
    newest = _newest_touch(con, f"{_SCHEMA}.touchpoints")
    return (*layout, layout[1] if newest is None else newest)


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
