"""touchpoint purpose may be blank: CRM exports seldom label it

Revision ID: 0015
Revises: 0008
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0008"
branch_labels = None
depends_on = None


def _relog_touchpoints() -> None:
    """SQLite rebuilds the table to change a column, dropping 0008's change-log triggers."""
    if op.get_bind().dialect.name != "sqlite":
        return
    log = "INSERT INTO ledger_changes (table_name, row_id) VALUES ('touchpoints', OLD.rowid)"
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS ledger_changes_touchpoints_{event}")
        op.execute(
            f"CREATE TRIGGER ledger_changes_touchpoints_{event} AFTER {event.upper()} "
            f'ON "touchpoints" BEGIN {log}; END'
        )


def upgrade() -> None:
    with op.batch_alter_table("touchpoints") as batch:
        batch.alter_column("purpose", existing_type=sa.Text(), nullable=True)
    _relog_touchpoints()


def downgrade() -> None:
    op.execute("UPDATE touchpoints SET purpose = 'admin' WHERE purpose IS NULL")
    with op.batch_alter_table("touchpoints") as batch:
        batch.alter_column("purpose", existing_type=sa.Text(), nullable=False)
    _relog_touchpoints()
