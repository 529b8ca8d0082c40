"""Writing frames as bundle files: the format of SPEC section 2, byte-stable.

Dates as YYYY-MM-DD, times as YYYY-MM-DDTHH:MM:SS (fractions only when
present), booleans as true/false, rows sorted by key — so that the same book
always exports to the same bytes, whichever database it came from.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from accord.domain.schema import Kind, Table


def _as_text(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for col in table.columns:
        c = pl.col(col.name)
        if col.kind is Kind.DATE:
            c = c.dt.strftime("%Y-%m-%d")
        elif col.kind is Kind.DATETIME:
            c = (
                pl.when(c.dt.microsecond() == 0)
                .then(c.dt.strftime("%Y-%m-%dT%H:%M:%S"))
                .otherwise(c.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f"))
            )
        elif col.kind is Kind.BOOL:
            c = pl.when(c).then(pl.lit("true")).when(c.not_()).then(pl.lit("false"))
        exprs.append(c.alias(col.name))
    return frame.select(exprs)


def write_table(table: Table, frame: pl.DataFrame, directory: Path) -> Path:
    """Write one table's rows (typed, every schema column) as `directory/<table>.csv`."""
    path = directory / table.file
    _as_text(table, frame.sort(list(table.key))).write_csv(path, line_terminator="\n")
    return path
