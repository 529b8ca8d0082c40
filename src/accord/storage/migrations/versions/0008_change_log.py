"""the change log that keeps the analytics' columnar copy of a SQLite ledger current

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Frozen here: a later migration that mirrors another table adds its triggers itself.
_LOGGED = (
    "accounts",
    "contacts",
    "touchpoints",
    "opportunities",
    "value_plans",
    "value_checks",
    "orders",
    "order_lines",
    "products",
    "invoices",
    "commitments",
    "service_log",
    "feedback",
)


def upgrade() -> None:
    op.create_table(
        "ledger_changes",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_changes")),
        sqlite_autoincrement=True,
    )
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in _LOGGED:
        log = f"INSERT INTO ledger_changes (table_name, row_id) VALUES ('{table}', OLD.rowid)"
        for event in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER ledger_changes_{table}_{event} AFTER {event.upper()} "
                f'ON "{table}" BEGIN {log}; END'
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in _LOGGED:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS ledger_changes_{table}_{event}")
    op.drop_table("ledger_changes")
