"""touchpoint purpose optional; purpose and behaviour tags inferred from text, kept apart

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_PURPOSES = ("insight", "guidance", "support", "social", "pitch", "negotiation", "admin")
_CHECK = "purpose_inferred IN ({}) OR purpose_inferred IS NULL".format(
    ", ".join(f"'{p}'" for p in _PURPOSES)
)


def _inferred(with_purpose: bool) -> list[sa.Column[object]]:
    cols: list[sa.Column[object]] = []
    if with_purpose:
        cols += [
            sa.Column("purpose_inferred", sa.Text(), nullable=True),
            sa.Column("purpose_confidence", sa.Double(), nullable=True),
        ]
    cols += [
        sa.Column("tags_inferred", sa.Text(), nullable=True),
        sa.Column("tags_confidence", sa.Text(), nullable=True),
        sa.Column("signals_model", sa.Text(), nullable=True),
    ]
    return cols


def _sqlite_purpose_nullable(nullable: bool) -> None:
    """Drop (or restore) NOT NULL on touchpoints.purpose in place, with the CHECK on
    purpose_inferred (every row has it blank when this runs, so none can break it).

    SQLite's documented way for a change that leaves the stored rows as they
    are (https://sqlite.org/lang_altertable.html, "otheralter"): rewrite the
    table's CREATE statement in the schema. No copy of a big table, and its
    rowids, triggers (0008's change log) and deferred foreign keys stay."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'touchpoints'"
    ).scalar_one()
    pattern = re.compile(r"(\bpurpose\s+TEXT)(\s+NOT\s+NULL)?", re.IGNORECASE)
    new_sql = pattern.sub(r"\1" if nullable else r"\1 NOT NULL", str(sql), count=1)
    check = f", CONSTRAINT ck_touchpoints_purpose_inferred_allowed CHECK ({_CHECK})"
    if nullable and check not in new_sql:
        new_sql = new_sql.rstrip().removesuffix(")") + check + ")"
    elif not nullable:
        new_sql = new_sql.replace(check, "")
    if new_sql == sql:
        return
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'touchpoints'",
        (new_sql,),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for col in _inferred(True):
            op.add_column("touchpoints", col)
        _sqlite_purpose_nullable(True)
    else:
        op.alter_column("touchpoints", "purpose", existing_type=sa.Text(), nullable=True)
        for col in _inferred(True):
            op.add_column("touchpoints", col)
        op.create_check_constraint(
            op.f("ck_touchpoints_purpose_inferred_allowed"), "touchpoints", _CHECK
        )
    for col in _inferred(False):
        op.add_column("feedback", col)


def downgrade() -> None:
    for col in reversed(_inferred(False)):
        op.drop_column("feedback", col.name)
    op.execute("UPDATE touchpoints SET purpose = 'admin' WHERE purpose IS NULL")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_purpose_nullable(False)
        for col in reversed(_inferred(True)):
            op.drop_column("touchpoints", col.name)
    else:
        op.drop_constraint(op.f("ck_touchpoints_purpose_inferred_allowed"), "touchpoints")
        for col in reversed(_inferred(True)):
            op.drop_column("touchpoints", col.name)
        op.alter_column("touchpoints", "purpose", existing_type=sa.Text(), nullable=False)
