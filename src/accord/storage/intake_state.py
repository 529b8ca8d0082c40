"""What bringing the book in must remember beside the ledger (migration 0005).

* `intake_captured`: one row per captured mail message or calendar occurrence,
  keyed by a digest of its Message-ID / UID, so capturing it again counts once.
  Only the digest is kept (never the id itself, which can carry an address).
* `intake_account_domains`: the web domains of accounts, from CRM exports and
  contacts' addresses, used to place new people and to find duplicates.
* `intake_rules`: the user's changes to the capture rules (see intake/rules.py).
* `intake_journal`: merges (with what they changed, for undo and for the audit
  trail) and erasures (with counts only, never the erased data).
"""

from __future__ import annotations

import sqlalchemy as sa

from accord.storage.tables import metadata

intake_captured = sa.Table(
    "intake_captured",
    metadata,
    sa.Column("source_key", sa.Text(), primary_key=True),  # sha256 of "mail:<id>" / "cal:<uid>@<t>"
    sa.Column("touchpoint_id", sa.Text(), nullable=False),
    sa.Column("captured_at", sa.DateTime(), nullable=False),
    sa.Index("ix_intake_captured_touchpoint_id", "touchpoint_id"),
)

intake_account_domains = sa.Table(
    "intake_account_domains",
    metadata,
    sa.Column(
        "account_id",
        sa.Text(),
        sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("domain", sa.Text(), primary_key=True),
    sa.Index("ix_intake_account_domains_domain", "domain"),
)

intake_rules = sa.Table(
    "intake_rules",
    metadata,
    sa.Column("rule_id", sa.Text(), primary_key=True),
    sa.Column("kind", sa.Text(), nullable=False),  # newsletter | personal
    sa.Column("field", sa.Text(), nullable=False),  # header | from | address | domain | subject
    sa.Column("pattern", sa.Text(), nullable=False),
    sa.Column("enabled", sa.Boolean(create_constraint=False), nullable=False),
)

intake_journal = sa.Table(
    "intake_journal",
    metadata,
    sa.Column("entry_id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("kind", sa.Text(), nullable=False),  # merge_contact | merge_account | erase
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("kept_id", sa.Text(), nullable=True),
    sa.Column("dropped_id", sa.Text(), nullable=True),
    sa.Column("detail", sa.Text(), nullable=False),  # JSON
    sa.Column("undone_at", sa.DateTime(), nullable=True),
)
