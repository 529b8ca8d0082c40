"""Dated health snapshots: one row per account and as-of date, so trends can be shown.

`accord diagnose --snapshot` writes them; writing the same date again replaces
that date's rows for the accounts diagnosed. The table lives beside the ledger
(migration 0002) but is not part of the bundle: it is derived, not entered.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa

from accord.storage.tables import metadata

health_snapshots = sa.Table(
    "health_snapshots",
    metadata,
    sa.Column(
        "account_id",
        sa.Text(),
        sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("as_of", sa.Date(), primary_key=True),
    sa.Column("taken_at", sa.DateTime(), nullable=False),
    sa.Column("score", sa.Double(), nullable=True),
    sa.Column("trust", sa.Double(), nullable=True),
    sa.Column("engagement", sa.Double(), nullable=True),
    sa.Column("mutual_value", sa.Double(), nullable=True),
    sa.Column("continuity", sa.Double(), nullable=True),
    sa.Column("patterns", sa.Text(), nullable=True),  # `;`-separated ids, worst first
    sa.Index("ix_health_snapshots_as_of", "as_of"),
)

SNAPSHOT_COLUMNS = (
    "account_id",
    "score",
    "trust",
    "engagement",
    "mutual_value",
    "continuity",
    "patterns",
)
_CHUNK = 5000


def save_snapshots(
    conn: sa.Connection, as_of: date, rows: pl.DataFrame, *, taken_at: datetime
) -> int:
    """Replace the snapshots of `as_of` for the accounts in `rows` (columns SNAPSHOT_COLUMNS)."""
    table = health_snapshots
    ids = rows["account_id"].to_list()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        conn.execute(
            table.delete().where(table.c.as_of == as_of).where(table.c.account_id.in_(chunk))
        )
    records: list[dict[str, Any]] = [
        {**r, "as_of": as_of, "taken_at": taken_at}
        for r in rows.select(SNAPSHOT_COLUMNS).iter_rows(named=True)
    ]
    for start in range(0, len(records), _CHUNK):
        conn.execute(table.insert(), records[start : start + _CHUNK])
    return len(records)


def read_snapshots(conn: sa.Connection, account_id: str | None = None) -> pl.DataFrame:
    """Every snapshot (of one account, if given), by account then date."""
    table = health_snapshots
    query = sa.select(table).order_by(table.c.account_id, table.c.as_of)
    if account_id is not None:
        query = query.where(table.c.account_id == account_id)
    rows = conn.execute(query).mappings().all()
    schema: dict[str, pl.DataType] = {
        "account_id": pl.String(),
        "as_of": pl.Date(),
        "taken_at": pl.Datetime("us"),
        "score": pl.Float64(),
        "trust": pl.Float64(),
        "engagement": pl.Float64(),
        "mutual_value": pl.Float64(),
        "continuity": pl.Float64(),
        "patterns": pl.String(),
    }
    return pl.DataFrame([dict(r) for r in rows], schema=schema, orient="row")
