"""The bulk path between typed polars frames and the ledger tables.

Writes are set-based upserts on the key: SQLite gets one prepared `INSERT …
ON CONFLICT DO UPDATE` run over all rows (executemany); PostgreSQL gets
`COPY` into a temporary table and one `INSERT … SELECT … ON CONFLICT`. A row
whose values are unchanged is not rewritten, so importing twice changes
nothing and the counts say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain

import polars as pl
import sqlalchemy as sa

from accord.domain.schema import BY_NAME, Kind, Table
from accord.storage.tables import LEDGER_TABLES

_LOOKUP_CHUNK = 5000
_WRITE_CHUNK = 100_000
_ROWS_PER_STATEMENT = 500
_SQLITE_MAX_VARIABLES = 32_766
_REBUILD_INDEXES_FROM = 50_000  # rows: beyond this, indexes are dropped and rebuilt

RowsWritten = Callable[[int], None]
"""Called after each chunk with the number of rows it held (drives progress bars)."""


@dataclass(frozen=True, slots=True)
class WriteCounts:
    inserted: int
    updated: int
    unchanged: int


def known_keys(conn: sa.Connection, table: str, column: str, candidates: list[str]) -> set[str]:
    """The candidates that exist as `table.column` in the database."""
    col = LEDGER_TABLES[table].c[column]
    found: set[str] = set()
    for start in range(0, len(candidates), _LOOKUP_CHUNK):
        chunk = candidates[start : start + _LOOKUP_CHUNK]
        found.update(conn.execute(sa.select(col).where(col.in_(chunk))).scalars())
    return found


def _count(conn: sa.Connection, table: str) -> int:
    return int(conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one())


def upsert(
    conn: sa.Connection,
    table: Table,
    frame: pl.DataFrame,
    update_columns: tuple[str, ...],
    on_rows: RowsWritten | None = None,
) -> WriteCounts:
    """Insert new rows and update changed ones, inside the caller's transaction."""
    if frame.height == 0:
        return WriteCounts(0, 0, 0)
    before = _count(conn, table.name)
    indexes = list(LEDGER_TABLES[table.name].indexes)
    # A big load into a small table: building the indexes once, sorted, beats
    # updating them row by row in random order.
    rebuild = frame.height >= _REBUILD_INDEXES_FROM and frame.height > before
    if rebuild:
        for index in indexes:
            index.drop(conn)
    if conn.dialect.name == "postgresql":
        touched = _upsert_postgres(conn, table, frame, update_columns, on_rows)
    else:
        touched = _upsert_sqlite(conn, table, frame, update_columns, on_rows)
    if rebuild:
        postgres = conn.dialect.name == "postgresql"
        if postgres:  # run the deferred FK checks now: PostgreSQL won't index with them pending
            conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        for index in indexes:
            index.create(conn)
        if postgres:
            conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")
    inserted = _count(conn, table.name) - before
    updated = touched - inserted
    return WriteCounts(inserted, updated, frame.height - inserted - updated)


def _conflict_clause(table: Table, update_columns: tuple[str, ...], distinct: str) -> str:
    key = ", ".join(f'"{k}"' for k in table.key)
    if not update_columns:
        return f"ON CONFLICT ({key}) DO NOTHING"
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in update_columns)
    changed = " OR ".join(f'"{table.name}"."{c}" {distinct} excluded."{c}"' for c in update_columns)
    return f"ON CONFLICT ({key}) DO UPDATE SET {sets} WHERE {changed}"


def _sqlite_values(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as SQLite stores it through SQLAlchemy: ISO text dates, 0/1 booleans."""
    exprs = []
    for col in table.columns:
        c = pl.col(col.name)
        if col.kind is Kind.DATE:
            c = c.dt.strftime("%Y-%m-%d")
        elif col.kind is Kind.DATETIME:
            c = c.dt.strftime("%Y-%m-%d %H:%M:%S.%6f")
        elif col.kind is Kind.BOOL:
            c = c.cast(pl.Int8)
        exprs.append(c)
    return frame.select(exprs)


def _upsert_sqlite(
    conn: sa.Connection,
    table: Table,
    frame: pl.DataFrame,
    update_columns: tuple[str, ...],
    on_rows: RowsWritten | None,
) -> int:
    """Many rows per statement (fewer round trips through the driver), run as executemany."""
    width = len(table.column_names)
    per_statement = max(1, min(_ROWS_PER_STATEMENT, _SQLITE_MAX_VARIABLES // width))
    names = ", ".join(f'"{c}"' for c in table.column_names)
    one = "(" + ", ".join("?" * width) + ")"
    conflict = _conflict_clause(table, update_columns, "IS NOT")

    def statement(rows: int) -> str:
        return f'INSERT INTO "{table.name}" ({names}) VALUES {", ".join([one] * rows)} {conflict}'

    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    touched = 0
    for chunk in _sqlite_values(table, frame).iter_slices(_WRITE_CHUNK):
        rows = chunk.rows()
        full = len(rows) - len(rows) % per_statement
        batches = [
            tuple(chain.from_iterable(rows[i : i + per_statement]))
            for i in range(0, full, per_statement)
        ]
        if batches:
            cursor.executemany(statement(per_statement), batches)
            touched += cursor.rowcount
        if full < len(rows):
            cursor.executemany(statement(1), rows[full:])
            touched += cursor.rowcount
        if on_rows:
            on_rows(chunk.height)
    cursor.close()
    return touched


def _upsert_postgres(
    conn: sa.Connection,
    table: Table,
    frame: pl.DataFrame,
    update_columns: tuple[str, ...],
    on_rows: RowsWritten | None,
) -> int:
    staging = f"_accord_stage_{table.name}"
    names = ", ".join(f'"{c}"' for c in table.column_names)
    conn.exec_driver_sql(
        f'CREATE TEMP TABLE "{staging}" (LIKE "{table.name}" INCLUDING DEFAULTS) ON COMMIT DROP'
    )
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        with cursor.copy(f'COPY "{staging}" ({names}) FROM STDIN (FORMAT csv)') as copy:
            for chunk in frame.iter_slices(_WRITE_CHUNK):
                copy.write(
                    chunk.write_csv(
                        include_header=False,
                        datetime_format="%Y-%m-%dT%H:%M:%S%.f",
                        date_format="%Y-%m-%d",
                    )
                )
                if on_rows:
                    on_rows(chunk.height)
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "{staging}" '
            + _conflict_clause(table, update_columns, "IS DISTINCT FROM")
        )
        touched = int(cursor.rowcount)
        cursor.execute(f'DROP TABLE "{staging}"')
    return touched


def read_table(conn: sa.Connection, table_name: str) -> pl.DataFrame:
    """A ledger table as a typed frame, sorted by key (byte order, on every backend)."""
    table = BY_NAME[table_name]
    names = ", ".join(f'"{c}"' for c in table.column_names)
    rows = conn.exec_driver_sql(f'SELECT {names} FROM "{table.name}"').fetchall()
    sqlite = conn.dialect.name == "sqlite"
    schema: dict[str, pl.DataType] = {}
    for col in table.columns:
        if col.kind in (Kind.INT,):
            schema[col.name] = pl.Int64()
        elif col.kind is Kind.DECIMAL:
            schema[col.name] = pl.Float64()
        elif col.kind is Kind.BOOL:
            schema[col.name] = pl.Int64() if sqlite else pl.Boolean()
        elif col.kind is Kind.DATE:
            schema[col.name] = pl.String() if sqlite else pl.Date()
        elif col.kind is Kind.DATETIME:
            schema[col.name] = pl.String() if sqlite else pl.Datetime("us")
        else:
            schema[col.name] = pl.String()
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    if sqlite:
        fixes = []
        for col in table.columns:
            c = pl.col(col.name)
            if col.kind is Kind.BOOL:
                fixes.append(c.cast(pl.Boolean))
            elif col.kind is Kind.DATE:
                fixes.append(c.str.to_date("%Y-%m-%d"))
            elif col.kind is Kind.DATETIME:
                fixes.append(c.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us"))
        if fixes:
            frame = frame.with_columns(fixes)
    return frame.sort(list(table.key))
