"""What each seller answers, per key account and month, at the monthly review.

"What are you doing to perpetuate the relationship?": the seller's own answer
and their commitment for the month (table `review_answers`, one row per
account and month, migration 0011). Not part of the bundle; every write is
audited (`accord.services_review.answer_review`).
"""

from __future__ import annotations

import sqlalchemy as sa

from accord.storage.tables import metadata

review_answers = sa.Table(
    "review_answers",
    metadata,
    sa.Column("month", sa.Text(), primary_key=True),  # YYYY-MM
    sa.Column(
        "account_id",
        sa.Text(),
        sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("user_id", sa.Text(), nullable=True),  # who wrote it
    sa.Column("answer", sa.Text(), nullable=False),  # what we do to perpetuate it
    sa.Column("commitment", sa.Text(), nullable=True),  # what we commit to this month
    sa.Column("written_at", sa.DateTime(), nullable=False),
)
