"""SQLAlchemy tables of the ledger, built from `accord.domain.schema`.

Table classes are not API schemas and not domain objects: they only say how the
ledger is stored. Amounts are stored as double precision (exact to the cent up
to 10^13), dates as DATE, times as naive UTC timestamps, `;`-lists as text.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from accord.domain.schema import BY_NAME, LEDGER, Column, Kind, Table

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_TYPES: dict[Kind, sa.types.TypeEngine[Any]] = {
    Kind.TEXT: sa.Text(),
    Kind.INT: sa.Integer(),
    Kind.DECIMAL: sa.Double(),
    Kind.DATE: sa.Date(),
    Kind.DATETIME: sa.DateTime(),
    Kind.BOOL: sa.Boolean(create_constraint=False),
    Kind.ENUM: sa.Text(),
    Kind.LIST: sa.Text(),
}


# Indexes beyond keys: every child table is read by account. One index on
# account_id serves the account pages (an account's few hundred rows sort in
# microseconds) and costs a third less to build on a bulk load than
# (account_id, time); whole-book analytics scan tables and need none.
def _indexes(table: Table) -> list[sa.Index]:
    if table.name == "accounts":
        return [sa.Index("ix_accounts_owner_id", "owner_id")]
    if "account_id" not in table.column_names or "account_id" in table.key:
        return []
    return [sa.Index(f"ix_{table.name}_account_id", "account_id")]


def _column(table: Table, col: Column) -> sa.Column[Any]:
    args: list[Any] = []
    if col.references and col.kind is not Kind.LIST:
        ref_table, ref_col = col.references.split(".")
        args.append(
            sa.ForeignKey(
                f"{ref_table}.{ref_col}",
                deferrable=True,
                initially="DEFERRED",
                ondelete="CASCADE" if col.required else "SET NULL",
            )
        )
    in_key = col.name in table.key
    nullable = not (col.required or in_key or col.default is not None)
    return sa.Column(
        col.name,
        _TYPES[col.kind],
        *args,
        primary_key=in_key,
        nullable=nullable,
    )


def _table(table: Table) -> sa.Table:
    checks = [
        sa.CheckConstraint(
            sa.column(c.name).in_(c.allowed) | sa.column(c.name).is_(None),
            name=f"{c.name}_allowed",
        )
        for c in (*table.columns, *table.inferred)
        if c.kind is Kind.ENUM
    ]
    links = [
        sa.ForeignKeyConstraint(
            list(link.columns),
            [f"{link.table}.{k}" for k in BY_NAME[link.table].key],
            deferrable=True,
            initially="DEFERRED",
            ondelete="CASCADE",
        )
        for link in table.links
    ]
    return sa.Table(
        table.name,
        metadata,
        *[_column(table, c) for c in (*table.columns, *table.inferred)],
        *checks,
        *links,
        *_indexes(table),
    )


LEDGER_TABLES: dict[str, sa.Table] = {t.name: _table(t) for t in LEDGER}
