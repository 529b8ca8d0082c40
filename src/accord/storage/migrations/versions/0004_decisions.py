"""the decision ledger: criteria, alternatives, scores, risks, ROI flows, value plans and checks

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-22 23:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alternatives",
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("alternative_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('us', 'competitor', 'do_nothing', 'build_in_house') OR kind IS NULL",
            name=op.f("ck_alternatives_kind_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.opportunity_id"],
            name=op.f("fk_alternatives_opportunity_id_opportunities"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("opportunity_id", "alternative_id", name=op.f("pk_alternatives")),
    )
    op.create_table(
        "decision_criteria",
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("criterion_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("business_driver", sa.Text(), nullable=True),
        sa.Column("weight", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.opportunity_id"],
            name=op.f("fk_decision_criteria_opportunity_id_opportunities"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint(
            "opportunity_id", "criterion_id", name=op.f("pk_decision_criteria")
        ),
    )
    op.create_table(
        "risks",
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("risk_id", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=True),
        sa.Column("owner_side", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "owner_side IN ('us', 'them', 'both') OR owner_side IS NULL",
            name=op.f("ck_risks_owner_side_allowed"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'mitigated', 'occurred', 'closed') OR status IS NULL",
            name=op.f("ck_risks_status_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.opportunity_id"],
            name=op.f("fk_risks_opportunity_id_opportunities"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("opportunity_id", "risk_id", name=op.f("pk_risks")),
    )
    op.create_table(
        "roi_flows",
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Double(), nullable=False),
        sa.Column("benefit", sa.Double(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.opportunity_id"],
            name=op.f("fk_roi_flows_opportunity_id_opportunities"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("opportunity_id", "period", name=op.f("pk_roi_flows")),
    )
    op.create_table(
        "value_plans",
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("baseline", sa.Double(), nullable=False),
        sa.Column("target", sa.Double(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("measure_by", sa.Date(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.opportunity_id"],
            name=op.f("fk_value_plans_opportunity_id_opportunities"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("opportunity_id", "metric", name=op.f("pk_value_plans")),
    )
    op.create_table(
        "criterion_scores",
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("alternative_id", sa.Text(), nullable=False),
        sa.Column("criterion_id", sa.Text(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["opportunity_id", "alternative_id"],
            ["alternatives.opportunity_id", "alternatives.alternative_id"],
            name=op.f("fk_criterion_scores_opportunity_id_alternatives"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id", "criterion_id"],
            ["decision_criteria.opportunity_id", "decision_criteria.criterion_id"],
            name=op.f("fk_criterion_scores_opportunity_id_decision_criteria"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.opportunity_id"],
            name=op.f("fk_criterion_scores_opportunity_id_opportunities"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint(
            "opportunity_id", "alternative_id", "criterion_id", name=op.f("pk_criterion_scores")
        ),
    )
    op.create_table(
        "value_checks",
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id", "metric"],
            ["value_plans.opportunity_id", "value_plans.metric"],
            name=op.f("fk_value_checks_opportunity_id_value_plans"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.opportunity_id"],
            name=op.f("fk_value_checks_opportunity_id_opportunities"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint(
            "opportunity_id", "metric", "measured_on", name=op.f("pk_value_checks")
        ),
    )


def downgrade() -> None:
    op.drop_table("value_checks")
    op.drop_table("criterion_scores")
    op.drop_table("value_plans")
    op.drop_table("roi_flows")
    op.drop_table("risks")
    op.drop_table("decision_criteria")
    op.drop_table("alternatives")
