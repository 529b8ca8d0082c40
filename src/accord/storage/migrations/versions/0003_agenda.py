"""agenda state and per-account cadences

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agenda_state",
        sa.Column("item_id", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("reason_key", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("touchpoint_id", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_agenda_state_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_agenda_state")),
    )
    with op.batch_alter_table("agenda_state", schema=None) as batch_op:
        batch_op.create_index("ix_agenda_state_account_id", ["account_id"], unique=False)
    op.create_table(
        "agenda_cadence",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("ideal_days", sa.Integer(), nullable=False),
        sa.Column("max_days", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_agenda_cadence_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_agenda_cadence")),
    )


def downgrade() -> None:
    op.drop_table("agenda_cadence")
    with op.batch_alter_table("agenda_state", schema=None) as batch_op:
        batch_op.drop_index("ix_agenda_state_account_id")
    op.drop_table("agenda_state")
