"""Where the feature queries run: next to the data.

* **PostgreSQL** (a team server): Ibis's postgres backend on the same URL, so
  every aggregate runs inside the server and only one row per account comes back.
* **SQLite** (the embedded default): SQLite has no median, percentile or
  parallel scans, so the columns the features need are read once as Arrow
  (through ADBC's SQLite driver, which fills Arrow arrays in C) and registered,
  without copying, in an in-memory DuckDB. DuckDB's own
  sqlite scanner is an extension that is downloaded on first use, which an
  air-gapped install cannot do, so it is not used.

Either way the feature code sees the same `Ledger`: Ibis tables with the same
names, columns and types (dates as dates, flags as booleans), so it is written
once. Only the columns listed in `COLUMNS` are read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import adbc_driver_sqlite.dbapi as adbc
import ibis
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from ibis.backends import BaseBackend
from ibis.expr import types as ir

from accord.errors import BadInputError

# Column kinds: "t" text, "i" integer, "f" float, "d" date, "ts" a time read as its date,
# "b" boolean.
COLUMNS: dict[str, dict[str, str]] = {
    "accounts": {
        "account_id": "t",
        "owner_id": "t",
        "segment": "t",
        "created_on": "d",
        "payment_terms_days": "i",
    },
    "contacts": {"contact_id": "t", "account_id": "t", "decision_role": "t", "active": "b"},
    "touchpoints": {
        "account_id": "t",
        "occurred_at": "ts",
        "direction": "t",
        "purpose": "t",
        "user_id": "t",
        "contact_ids": "t",
        "minutes": "i",
        "tags": "t",
        "purpose_inferred": "t",
        "tags_inferred": "t",
        "signals_model": "t",
    },
    "opportunities": {
        "opportunity_id": "t",
        "account_id": "t",
        "opened_on": "d",
        "stage": "t",
        "closed_on": "d",
    },
    "value_plans": {
        "opportunity_id": "t",
        "metric": "t",
        "baseline": "f",
        "target": "f",
        "measure_by": "d",
        "starts_on": "d",
    },
    "value_checks": {"opportunity_id": "t", "metric": "t", "measured_on": "d", "value": "f"},
    "orders": {
        "order_id": "t",
        "account_id": "t",
        "ordered_on": "d",
        "amount": "f",
        "list_amount": "f",
        "cost": "f",
    },
    "order_lines": {
        "order_id": "t",
        "line_no": "i",
        "sku": "t",
        "quantity": "f",
        "unit_price": "f",
    },
    "products": {"sku": "t", "kind": "t", "includes": "t"},
    "invoices": {
        "account_id": "t",
        "issued_on": "d",
        "amount": "f",
        "terms_days": "i",
        "paid_on": "d",
    },
    "commitments": {
        "account_id": "t",
        "side": "t",
        "made_on": "d",
        "due_on": "d",
        "done_on": "d",
        "cancelled": "b",
    },
    "service_log": {"account_id": "t", "worked_on": "d", "hours": "f", "in_scope": "b"},
    "feedback": {
        "feedback_id": "t",
        "account_id": "t",
        "received_on": "d",
        "kind": "t",
        "score": "f",
        "tags": "t",
        "tags_inferred": "t",
        "signals_model": "t",
    },
}
"""The columns the features read, per table. A `ts` column arrives as a date named `day`."""

_ARROW = {
    "t": pa.string(),
    "i": pa.int64(),
    "f": pa.float64(),
    "b": pa.bool_(),
    "d": pa.date32(),
    "ts": pa.date32(),
}


def analysis_columns(name: str) -> dict[str, pa.DataType]:
    """One table's columns as the analysis sees them: name (a `ts` column is `day`) → type."""
    return {"day" if kind == "ts" else col: _ARROW[kind] for col, kind in COLUMNS[name].items()}


PAIR_SUMS_SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("contact_id", pa.string()),
        ("touchpoints", pa.int64()),
        ("two_way_touchpoints", pa.int64()),
        ("weight_units", pa.int64()),
        ("two_way_units", pa.int64()),
    ]
)
"""The columns of `accord.analytics.features.pair_sums`."""


@dataclass(frozen=True)
class KeptPairSums:
    """The per (seller, contact) weight sums the columnar copy keeps (the columns of
    `accord.analytics.features.pair_sums`), as of `ref_day` for one half-life."""

    table: ir.Table
    half_life_days: float
    ref_day: int  # days since 1970-01-01
    newest: int  # the newest touchpoint's day: the sums serve as-of dates from it on


@dataclass
class Ledger:
    """The ledger's tables as Ibis expressions on one backend."""

    con: BaseBackend
    engine: str  # "duckdb" (SQLite read as Arrow) or "postgres" (in place)
    tables: dict[str, ir.Table]
    pair_sums: KeptPairSums | None = None  # kept by the columnar copy, when it is used

    def __getitem__(self, name: str) -> ir.Table:
        return self.tables[name]

    def to_arrow(self, expr: ir.Table) -> pa.Table:
        """Run a query on this backend and bring its (small) result back as Arrow."""
        if self.engine == "duckdb":
            # Ibis 12 fetches through a DuckDB call that DuckDB 2 deprecates; run its SQL instead.
            sql = ibis.to_sql(expr, dialect="duckdb")
            table: pa.Table = self.con.con.sql(str(sql)).to_arrow_table()
        else:
            table = self.con.to_pyarrow(expr)
        return _no_decimals(table)


def _no_decimals(table: pa.Table) -> pa.Table:
    """Whole-number decimals (SQL sums of integers) as int64, others as float64."""
    for i, f in enumerate(table.schema):
        if pa.types.is_decimal(f.type):
            target = pa.int64() if f.type.scale == 0 else pa.float64()
            table = table.set_column(i, f.name, table.column(i).cast(target))
    return table


@contextmanager
def open_ledger(
    url: str,
    *,
    tables: tuple[str, ...] | None = None,
    mirror: bool = True,
    half_life_days: float | None = None,
) -> Iterator[Ledger]:
    """The ledger at `url`, ready for Ibis queries; closed on exit.

    On SQLite the queries run on the columnar copy beside the file (`mirror`),
    brought up to date first; with `mirror=False`, or when the copy cannot be
    used, on the tables read afresh as Arrow. With `half_life_days`, the copy
    keeps relationship-strength sums for that half-life (`Ledger.pair_sums`)."""
    parsed = sa.engine.make_url(url)
    names = tables or tuple(COLUMNS)
    if parsed.get_backend_name() == "postgresql":
        con = ibis.postgres.connect(
            host=parsed.host or "localhost",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
        )
        try:
            yield Ledger(con, "postgres", {n: _postgres_table(con, n) for n in names})
        finally:
            con.disconnect()
        return
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise BadInputError(f"cannot run analytics on {url!r}: use sqlite:///PATH or postgresql://")
    path = Path(parsed.database)
    if not path.exists():
        raise BadInputError(f"there is no database at {path}: run `accord init` first")
    from accord.analytics.mirror import PAIR_SUMS, kept_columns, open_mirror

    with open_mirror(path, names, half_life_days) if mirror else contextlib.nullcontext() as copy:
        if copy is not None:
            views = {n: ibis.table(_schema(n, kept_columns(n)), name=n) for n in names}
            sums = None
            if copy.pair_sums is not None:
                schema = ibis.Schema.from_pyarrow(PAIR_SUMS_SCHEMA)
                sums = KeptPairSums(ibis.table(schema, name=PAIR_SUMS), *copy.pair_sums)
            yield Ledger(ibis.duckdb.from_connection(copy.con), "duckdb", views, sums)
            return
    duck = ibis.duckdb.connect()
    try:
        raw = duck.con
        # DuckDB draws a progress bar on stdout for queries over 2 s: it would corrupt JSON output.
        raw.execute("SET enable_progress_bar = false")
        bound: dict[str, ir.Table] = {}
        for name, arrow in read_sqlite(path, names).items():
            raw.register(name, arrow)
            # Unbound tables of a known schema: run as SQL on the raw connection (`to_arrow`).
            bound[name] = ibis.table(ibis.Schema.from_pyarrow(arrow.schema), name=name)
        yield Ledger(duck, "duckdb", bound)
    finally:
        duck.disconnect()


def _schema(name: str, kept: dict[str, pa.DataType] | None = None) -> ibis.Schema:
    columns = {**analysis_columns(name), **(kept or {})}
    return ibis.Schema.from_pyarrow(pa.schema(list(columns.items())))


def _postgres_table(con: Any, name: str) -> ir.Table:
    table = con.table(name)
    cols: list[Any] = []
    for col, kind in COLUMNS[name].items():
        if kind == "ts":
            cols.append(table[col].date().name("day"))
        else:
            cols.append(table[col])
    return table.select(cols)


_PROBE = {"t": "'x'", "i": "0", "f": "0.0", "d": "'1970-01-01'", "ts": "'1970-01-01'", "b": "0"}
_CAST = {"i": "INTEGER", "f": "REAL", "b": "INTEGER"}


def sqlite_select(name: str, *, with_rowid: bool = False, where: tuple[str, ...] = ("",)) -> str:
    """The query for one table (its rows matching any of `where`, each once when the
    conditions are disjoint), led by a row of the right types.

    ADBC's SQLite driver infers each column's type from the first rows and
    refuses a later change; a leading row of typed literals (dropped after)
    keeps a column that starts with blanks from being taken for integers.
    Conditions are queried apart and glued with UNION ALL: SQLite plans
    `rowid > n` and `rowid IN (…)` as lookups apiece, but their OR as a scan.
    """
    parts = ["rowid"] if with_rowid else []
    for col, kind in COLUMNS[name].items():
        if kind == "ts":
            parts.append(f'substr("{col}", 1, 10)')
        elif kind in _CAST:
            parts.append(f'CAST("{col}" AS {_CAST[kind]})')
        else:
            parts.append(f'"{col}"')
    query = f'SELECT {", ".join(parts)} FROM "{name}"'
    probes = ["0"] if with_rowid else []
    first = ", ".join(probes + [_PROBE[kind] for kind in COLUMNS[name].values()])
    selects = [f"{query} WHERE {w}" if w else query for w in where]
    return f"SELECT {first} UNION ALL " + " UNION ALL ".join(selects)


def typed_columns(name: str, raw: pa.Table) -> pa.Table:
    """SQLite's text dates and 0/1 flags as Arrow dates and booleans, every column typed."""
    arrays: list[pa.Array] = []
    for kind, array in zip(COLUMNS[name].values(), raw.columns, strict=True):
        column = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
        if kind in ("d", "ts"):
            text = column if pa.types.is_string(column.type) else column.cast(pa.string())
            column = pc.cast(text, _ARROW[kind])
        elif kind == "b":
            column = pc.not_equal(column.cast(pa.int64()), 0)
        else:
            column = column.cast(_ARROW[kind])
        arrays.append(column)
    return pa.table(arrays, names=list(analysis_columns(name)))


def _read_adbc(path: Path, name: str) -> pa.Table:
    with adbc.connect(str(path), autocommit=True) as con, con.cursor() as cur:
        cur.execute("PRAGMA busy_timeout = 10000")
        cur.execute(sqlite_select(name))
        table: pa.Table = cur.fetch_arrow_table()
    return table.slice(1)


def read_sqlite(path: Path, names: tuple[str, ...], *, workers: int = 2) -> dict[str, pa.Table]:
    """The feature columns of each table, as typed Arrow, read in parallel."""
    if not path.exists():
        raise BadInputError(f"there is no database at {path}: run `accord init` first")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        raw = dict(zip(names, pool.map(lambda n: _read_adbc(path, n), names), strict=True))
    return {name: typed_columns(name, table) for name, table in raw.items()}
