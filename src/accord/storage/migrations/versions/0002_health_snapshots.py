"""health snapshots

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "health_snapshots",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("trust", sa.Double(), nullable=True),
        sa.Column("engagement", sa.Double(), nullable=True),
        sa.Column("mutual_value", sa.Double(), nullable=True),
        sa.Column("continuity", sa.Double(), nullable=True),
        sa.Column("patterns", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_health_snapshots_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "as_of", name=op.f("pk_health_snapshots")),
    )
    with op.batch_alter_table("health_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_health_snapshots_as_of", ["as_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("health_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_health_snapshots_as_of")
    op.drop_table("health_snapshots")
