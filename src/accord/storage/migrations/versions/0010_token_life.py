"""token life and sign-in throttling: token expiry, known sign-in devices

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("sign_in_failures") as batch:
        batch.add_column(sa.Column("device", sa.Text(), nullable=True))
    op.create_index("ix_sign_in_failures_login", "sign_in_failures", ["login"], unique=False)
    op.create_table(
        "sign_in_devices",
        sa.Column("device_hash", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_sign_in_devices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_hash", "user_id", name=op.f("pk_sign_in_devices")),
    )


def downgrade() -> None:
    op.drop_table("sign_in_devices")
    op.drop_index("ix_sign_in_failures_login", table_name="sign_in_failures")
    with op.batch_alter_table("sign_in_failures") as batch:
        batch.drop_column("device")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
