"""intake state: captured messages, account domains, capture rules, merge/erase journal

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_captured",
        sa.Column("source_key", sa.Text(), nullable=False),
        sa.Column("touchpoint_id", sa.Text(), nullable=False),
        sa.Column("captured_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source_key", name=op.f("pk_intake_captured")),
    )
    with op.batch_alter_table("intake_captured", schema=None) as batch_op:
        batch_op.create_index("ix_intake_captured_touchpoint_id", ["touchpoint_id"], unique=False)
    op.create_table(
        "intake_account_domains",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_intake_account_domains_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "domain", name=op.f("pk_intake_account_domains")),
    )
    with op.batch_alter_table("intake_account_domains", schema=None) as batch_op:
        batch_op.create_index("ix_intake_account_domains_domain", ["domain"], unique=False)
    op.create_table(
        "intake_rules",
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("pattern", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(create_constraint=False), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", name=op.f("pk_intake_rules")),
    )
    op.create_table(
        "intake_journal",
        sa.Column("entry_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kept_id", sa.Text(), nullable=True),
        sa.Column("dropped_id", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_intake_journal")),
    )


def downgrade() -> None:
    op.drop_table("intake_journal")
    op.drop_table("intake_rules")
    with op.batch_alter_table("intake_account_domains", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_account_domains_domain")
    op.drop_table("intake_account_domains")
    with op.batch_alter_table("intake_captured", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_captured_touchpoint_id")
    op.drop_table("intake_captured")
