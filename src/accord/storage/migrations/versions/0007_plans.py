"""account plans, the map of their people, win/loss retrospectives, opportunity qualification

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_QUALIFICATION = ("genuine_need", "able_to_decide", "able_to_pay")


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column],
        [target],
        name=op.f(f"fk_{table}_{column}_{ref_table}"),
        ondelete=ondelete,
        initially="DEFERRED",
        deferrable=True,
    )


def upgrade() -> None:
    with op.batch_alter_table("opportunities") as batch:
        for name in _QUALIFICATION:
            batch.add_column(sa.Column(name, sa.Boolean(create_constraint=False), nullable=True))
    op.create_table(
        "account_plans",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.Column("mutual_benefit", sa.Text(), nullable=True),
        sa.Column("business_drivers", sa.Text(), nullable=True),
        sa.Column("current_challenges", sa.Text(), nullable=True),
        sa.Column("future_challenges", sa.Text(), nullable=True),
        sa.Column("point_of_view", sa.Text(), nullable=True),
        sa.Column("intent", sa.Text(), nullable=True),
        sa.Column("intent_reason", sa.Text(), nullable=True),
        sa.Column("objectives", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "intent IN ('reason', 'season', 'lifetime') OR intent IS NULL",
            name=op.f("ck_account_plans_intent_allowed"),
        ),
        _fk("account_plans", "account_id", "accounts.account_id"),
        _fk("account_plans", "user_id", "users.user_id", "SET NULL"),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_plans")),
    )
    op.create_table(
        "plan_people",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=False),
        sa.Column("decision_role", sa.Text(), nullable=True),
        sa.Column("gap", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("desired_owner_id", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "decision_role IN ('decision_maker', 'champion', 'influencer', 'user', 'blocker', "
            "'other') OR decision_role IS NULL",
            name=op.f("ck_plan_people_decision_role_allowed"),
        ),
        _fk("plan_people", "account_id", "accounts.account_id"),
        _fk("plan_people", "contact_id", "contacts.contact_id"),
        _fk("plan_people", "desired_owner_id", "users.user_id", "SET NULL"),
        sa.PrimaryKeyConstraint("account_id", "contact_id", name=op.f("pk_plan_people")),
    )
    op.create_table(
        "retrospectives",
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("learned", sa.Text(), nullable=False),
        sa.Column("do_differently", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Text(), nullable=True),
        _fk("retrospectives", "opportunity_id", "opportunities.opportunity_id"),
        _fk("retrospectives", "user_id", "users.user_id", "SET NULL"),
        sa.PrimaryKeyConstraint("opportunity_id", name=op.f("pk_retrospectives")),
    )


def downgrade() -> None:
    op.drop_table("retrospectives")
    op.drop_table("plan_people")
    op.drop_table("account_plans")
    with op.batch_alter_table("opportunities") as batch:
        for name in reversed(_QUALIFICATION):
            batch.drop_column(name)
