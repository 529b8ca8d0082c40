"""The bulk path between typed polars frames and the ledger tables.

An import writes through a `BulkWriter`: one transaction, set-based upserts on
the key. Both backends stage the rows in a temporary table at C speed and
merge them with one `INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE changed`:

* SQLite: Arrow arrays bound by ADBC's SQLite driver (no Python object per
  value), under BEGIN IMMEDIATE so that the rows the importer checked
  references against cannot change under it. Per-row foreign-key and CHECK
  evaluation is suspended for the merge: the importer has already checked both,
  set-based, and per-row they cost more than the insert itself.
* PostgreSQL: `COPY` into the staging table; every constraint stays on.

A row whose values are unchanged is not rewritten, so importing twice changes
nothing and the counts say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import adbc_driver_sqlite.dbapi as adbc
import polars as pl
import pyarrow as pa
import sqlalchemy as sa

from accord.domain.schema import BY_NAME, Kind, Table
from accord.errors import StorageError
from accord.prefetch import prefetched
from accord.storage.tables import LEDGER_TABLES

_LOOKUP_CHUNK = 5000
_WRITE_CHUNK = 100_000
_REBUILD_INDEXES_FROM = 50_000  # rows: beyond this, indexes are dropped and rebuilt

RowsWritten = Callable[[int], None]
"""Called after each chunk with the number of rows it held (drives progress bars)."""


@dataclass(frozen=True, slots=True)
class WriteCounts:
    inserted: int
    updated: int
    unchanged: int


class BulkWriter(Protocol):
    """What an import needs from the database, inside one transaction."""

    def known_keys(self, table: str, column: str, candidates: list[str]) -> set[str]:
        """The candidates that exist as `table.column` in the database."""
        ...

    def known_rows(
        self, table: str, columns: tuple[str, ...], candidates: list[tuple[str, ...]]
    ) -> set[tuple[str, ...]]:
        """The candidates that exist as `table(columns)` in the database (composite keys)."""
        ...

    def upsert(
        self,
        table: Table,
        frame: pl.DataFrame,
        update_columns: tuple[str, ...],
        on_rows: RowsWritten | None = None,
    ) -> WriteCounts:
        """Insert new rows and update changed ones (only `update_columns`)."""
        ...

    def fetch_rows(
        self,
        table: str,
        key: str,
        columns: tuple[str, ...],
        ids: list[str],
        *,
        inferred_only: bool = False,
    ) -> pl.DataFrame:
        """`key` and `columns` (as text) of the rows of `table` whose `key` is in `ids`
        (only those holding an inference — `signals_model` set — with `inferred_only`)."""
        ...

    def store_rows(self, table: str, key: str, frame: pl.DataFrame) -> int:
        """Set the other columns of `frame` on the rows its `key` names, leaving alone the
        rows where nothing changes; returns the rows changed."""
        ...


@contextmanager
def open_writer(engine: sa.Engine) -> Iterator[BulkWriter]:
    """A writer whose work is committed when the block ends, rolled back on an error."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            yield _PostgresWriter(conn)
        return
    path = engine.url.database
    if not path or path == ":memory:":
        raise StorageError("bulk import needs a SQLite file, not an in-memory database")
    con = adbc.connect(path, autocommit=True)
    cur = con.cursor()
    try:
        for pragma in (
            "busy_timeout = 30000",
            "synchronous = NORMAL",
            "foreign_keys = OFF",
            "ignore_check_constraints = ON",
            "temp_store = MEMORY",  # the staging tables
            "cache_size = -262144",  # 256 MiB: index builds sort in memory
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield _SqliteWriter(cur, engine.dialect)
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")
    finally:
        cur.close()
        con.close()


def _conflict_clause(table: Table, update_columns: tuple[str, ...], distinct: str) -> str:
    key = ", ".join(f'"{k}"' for k in table.key)
    if not update_columns:
        return f"ON CONFLICT ({key}) DO NOTHING"
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in update_columns)
    changed = " OR ".join(f'"{table.name}"."{c}" {distinct} excluded."{c}"' for c in update_columns)
    return f"ON CONFLICT ({key}) DO UPDATE SET {sets} WHERE {changed}"


def _merge_sql(table: Table, staging: str, update_columns: tuple[str, ...], distinct: str) -> str:
    names = ", ".join(f'"{c}"' for c in table.column_names)
    # "WHERE true" tells SQLite's parser that ON CONFLICT belongs to the INSERT.
    return (
        f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM {staging} WHERE true '
        + _conflict_clause(table, update_columns, distinct)
    )


def _rebuild_indexes(table: Table, rows: int, existing: int) -> list[sa.Index]:
    """Indexes to drop and rebuild: a big load into a small table builds them once,
    sorted, instead of updating them row by row in random order."""
    if rows >= _REBUILD_INDEXES_FROM and rows > existing:
        return list(LEDGER_TABLES[table.name].indexes)
    return []


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


def _arrow_chunks(table: Table, frame: pl.DataFrame) -> Iterator[pa.Table]:
    """The frame in SQLite's values, chunk by chunk; each chunk is converted on another
    thread while SQLite takes the one before."""

    def convert(chunk: pl.DataFrame) -> pa.Table:
        return _sqlite_values(table, chunk).to_arrow()

    return prefetched(convert, frame.iter_slices(_WRITE_CHUNK), threads=1)


class _Writer:
    """The upsert both backends share: counts, index rebuilds; subclasses move the rows."""

    def known_keys(self, table: str, column: str, candidates: list[str]) -> set[str]:
        """A one-column key is a composite key of one: `known_rows` answers both."""
        return {row[0] for row in self.known_rows(table, (column,), [(c,) for c in candidates])}

    def known_rows(
        self, table: str, columns: tuple[str, ...], candidates: list[tuple[str, ...]]
    ) -> set[tuple[str, ...]]:
        raise NotImplementedError

    def _count(self, table: str) -> int:
        raise NotImplementedError

    def _drop_index(self, index: sa.Index) -> None:
        raise NotImplementedError

    def _create_indexes(self, indexes: list[sa.Index]) -> None:
        raise NotImplementedError

    def _write(
        self,
        table: Table,
        frame: pl.DataFrame,
        update_columns: tuple[str, ...],
        on_rows: RowsWritten | None,
        *,
        into_empty: bool,
    ) -> int:
        """Write the rows; return how many were inserted or changed."""
        raise NotImplementedError

    def upsert(
        self,
        table: Table,
        frame: pl.DataFrame,
        update_columns: tuple[str, ...],
        on_rows: RowsWritten | None = None,
    ) -> WriteCounts:
        if frame.height == 0:
            return WriteCounts(0, 0, 0)
        before = self._count(table.name)
        indexes = _rebuild_indexes(table, frame.height, before)
        for index in indexes:
            self._drop_index(index)
        touched = self._write(table, frame, update_columns, on_rows, into_empty=before == 0)
        if indexes:
            self._create_indexes(indexes)
        inserted = self._count(table.name) - before
        return WriteCounts(inserted, touched - inserted, frame.height - touched)


class _SqliteWriter(_Writer):
    def __init__(self, cursor: Any, dialect: sa.Dialect) -> None:
        self._cur = cursor
        self._dialect = dialect

    def _scalar(self, sql: str) -> int:
        self._cur.execute(sql)
        return int(self._cur.fetchone()[0])

    def _count(self, table: str) -> int:
        return self._scalar(f'SELECT count(*) FROM "{table}"')

    def _drop_index(self, index: sa.Index) -> None:
        self._cur.execute(f'DROP INDEX "{index.name}"')

    def _create_indexes(self, indexes: list[sa.Index]) -> None:
        for index in indexes:
            self._cur.execute(str(sa.schema.CreateIndex(index).compile(dialect=self._dialect)))

    def known_rows(
        self, table: str, columns: tuple[str, ...], candidates: list[tuple[str, ...]]
    ) -> set[tuple[str, ...]]:
        names = [f"k{i}" for i in range(len(columns))]
        keys = pa.table(
            {n: pa.array([c[i] for c in candidates], pa.string()) for i, n in enumerate(names)}
        )
        self._cur.adbc_ingest("_accord_rows", keys, mode="replace", temporary=True)
        match = " AND ".join(f'x."{c}" = k.{n}' for c, n in zip(columns, names, strict=True))
        self._cur.execute(
            f"SELECT {', '.join(names)} FROM temp._accord_rows k "
            f'WHERE EXISTS (SELECT 1 FROM "{table}" x WHERE {match})'
        )
        found = {tuple(str(v) for v in row) for row in self._cur.fetchall()}
        self._cur.execute("DROP TABLE temp._accord_rows")
        return found

    def fetch_rows(
        self,
        table: str,
        key: str,
        columns: tuple[str, ...],
        ids: list[str],
        *,
        inferred_only: bool = False,
    ) -> pl.DataFrame:
        names = (key, *columns)
        if not ids:
            return _text_frame(names, [])
        self._cur.adbc_ingest(
            "_accord_ids",
            pa.table({"k": pa.array(ids, pa.string())}),
            mode="replace",
            temporary=True,
        )
        # A leading row of text (dropped) keeps ADBC from typing a column by its first blanks.
        probe = ", ".join(f"'' AS \"{c}\"" for c in names)
        picked = ", ".join(f'CAST(x."{c}" AS TEXT)' for c in names)
        self._cur.execute(
            f'SELECT {probe} UNION ALL SELECT {picked} FROM "{table}" x '
            f'JOIN temp._accord_ids k ON x."{key}" = k.k'
            + (" WHERE x.signals_model IS NOT NULL" if inferred_only else "")
        )
        found = pl.from_arrow(self._cur.fetch_arrow_table().slice(1))
        self._cur.execute("DROP TABLE temp._accord_ids")
        assert isinstance(found, pl.DataFrame)
        return found.rename(dict(zip(found.columns, names, strict=True))).cast(pl.String)

    def store_rows(self, table: str, key: str, frame: pl.DataFrame) -> int:
        if frame.height == 0:
            return 0
        columns = [c for c in frame.columns if c != key]
        self._cur.adbc_ingest("_accord_set", frame.to_arrow(), mode="replace", temporary=True)
        sets = ", ".join(f'"{c}" = s."{c}"' for c in columns)
        differs = " OR ".join(f'"{table}"."{c}" IS NOT s."{c}"' for c in columns)
        self._cur.execute(
            f'UPDATE "{table}" SET {sets} FROM temp._accord_set s '
            f'WHERE "{table}"."{key}" = s."{key}" AND ({differs})'
        )
        changed = self._scalar("SELECT changes()")
        self._cur.execute("DROP TABLE temp._accord_set")
        return changed

    def _write(
        self,
        table: Table,
        frame: pl.DataFrame,
        update_columns: tuple[str, ...],
        on_rows: RowsWritten | None,
        *,
        into_empty: bool,
    ) -> int:
        # An empty table takes the rows as they are (keys are unique: the importer checked);
        # otherwise they are staged and merged.
        staging = f"_accord_stage_{table.name}"
        for i, chunk in enumerate(_arrow_chunks(table, frame)):
            if into_empty:
                self._cur.adbc_ingest(table.name, chunk, mode="append")
            else:
                mode = "create" if i == 0 else "append"
                self._cur.adbc_ingest(staging, chunk, mode=mode, temporary=True)
            if on_rows:
                on_rows(chunk.num_rows)
        if into_empty:
            return frame.height
        self._cur.execute(_merge_sql(table, f'temp."{staging}"', update_columns, "IS NOT"))
        touched = self._scalar("SELECT changes()")
        self._cur.execute(f'DROP TABLE temp."{staging}"')
        return touched


class ConnectionRows:
    """`fetch_rows` and `store_rows` on a SQLAlchemy connection (either database), for
    writes made row by row (the web pages, the API) and PostgreSQL imports."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def fetch_rows(
        self,
        table: str,
        key: str,
        columns: tuple[str, ...],
        ids: list[str],
        *,
        inferred_only: bool = False,
    ) -> pl.DataFrame:
        t = LEDGER_TABLES[table]
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            query = sa.select(*(t.c[c] for c in (key, *columns))).where(
                t.c[key].in_(ids[start : start + _LOOKUP_CHUNK])
            )
            if inferred_only:
                query = query.where(t.c.signals_model.is_not(None))
            found.extend(
                tuple(None if v is None else str(v) for v in row)
                for row in self._conn.execute(query)
            )
        return _text_frame((key, *columns), found)

    def store_rows(self, table: str, key: str, frame: pl.DataFrame) -> int:
        if frame.height == 0:
            return 0
        t = LEDGER_TABLES[table]
        columns = [c for c in frame.columns if c != key]
        differs = sa.or_(*(t.c[c].is_distinct_from(sa.bindparam(f"v_{c}")) for c in columns))
        statement = (
            t.update()
            .where(t.c[key] == sa.bindparam("k_"), differs)
            .values({c: sa.bindparam(f"v_{c}") for c in columns})
        )
        params = [
            {"k_": r[key], **{f"v_{c}": r[c] for c in columns}} for r in frame.iter_rows(named=True)
        ]
        result = self._conn.execute(statement, params)
        return int(result.rowcount or 0)


def _text_frame(names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")


class _PostgresWriter(ConnectionRows, _Writer):
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def _count(self, table: str) -> int:
        return int(self._conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one())

    def _drop_index(self, index: sa.Index) -> None:
        index.drop(self._conn)

    def _create_indexes(self, indexes: list[sa.Index]) -> None:
        # Run the deferred FK checks now: PostgreSQL won't build an index with them pending.
        self._conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        for index in indexes:
            index.create(self._conn)
        self._conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")

    def known_rows(
        self, table: str, columns: tuple[str, ...], candidates: list[tuple[str, ...]]
    ) -> set[tuple[str, ...]]:
        cols = [LEDGER_TABLES[table].c[c] for c in columns]
        found: set[tuple[str, ...]] = set()
        for start in range(0, len(candidates), _LOOKUP_CHUNK):
            chunk = candidates[start : start + _LOOKUP_CHUNK]
            query = sa.select(*cols).where(sa.tuple_(*cols).in_(chunk))
            found.update(tuple(str(v) for v in row) for row in self._conn.execute(query))
        return found

    def _write(
        self,
        table: Table,
        frame: pl.DataFrame,
        update_columns: tuple[str, ...],
        on_rows: RowsWritten | None,
        *,
        into_empty: bool,
    ) -> int:
        """COPY into a staging table, then one merge (every constraint stays on)."""
        staging = f"_accord_stage_{table.name}"
        names = ", ".join(f'"{c}"' for c in table.column_names)
        self._conn.exec_driver_sql(
            f'CREATE TEMP TABLE "{staging}" (LIKE "{table.name}" INCLUDING DEFAULTS) ON COMMIT DROP'
        )
        raw = self._conn.connection.driver_connection
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
            cursor.execute(_merge_sql(table, f'"{staging}"', update_columns, "IS DISTINCT FROM"))
            touched = int(cursor.rowcount)
            cursor.execute(f'DROP TABLE "{staging}"')
        return touched


def account_exists(conn: sa.Connection, account_id: str) -> bool:
    accounts = LEDGER_TABLES["accounts"]
    query = sa.select(accounts.c.account_id).where(accounts.c.account_id == account_id)
    return conn.execute(query).first() is not None


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
