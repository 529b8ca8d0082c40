"""Who may sign in, and what they changed: credentials, sessions, API tokens, audit.

These tables live beside the ledger (migration 0006) but are not part of the
bundle: an export never writes them and an import never reads them. Secrets
are never stored in the clear: passwords as argon2 hashes, session and API
tokens as SHA-256 digests of random 256-bit values.

Row versions need no table: a ledger row's version is a digest of its values
(`accord.services_ledger.row_version`), so a change made by any path — the API,
a page, a bundle import — makes an older version stale.
"""

from __future__ import annotations

import sqlalchemy as sa

from accord.storage.tables import metadata

credentials = sa.Table(
    "credentials",
    metadata,
    sa.Column(
        "user_id",
        sa.Text(),
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("password_hash", sa.Text(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.Text(), primary_key=True),
    sa.Column(
        "user_id",
        sa.Text(),
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("csrf_token", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.Index("ix_sessions_user_id", "user_id"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_hash", sa.Text(), primary_key=True),
    sa.Column(
        "user_id",
        sa.Text(),
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("last_used_at", sa.DateTime(), nullable=True),  # to within TOKEN_TOUCH
    sa.Column("expires_at", sa.DateTime(), nullable=True),  # None: never (migration 0010)
    sa.Index("ix_api_tokens_user_id", "user_id"),
)

sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("failure_id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("login", sa.Text(), nullable=False),
    sa.Column("client", sa.Text(), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("device", sa.Text(), nullable=True),  # digest of the device cookie sent, if any
    sa.Index("ix_sign_in_failures_at", "at"),
    sa.Index("ix_sign_in_failures_login", "login"),
)

sign_in_devices = sa.Table(
    "sign_in_devices",
    metadata,
    # A browser that signed in as the user before (digest of its device cookie): failures
    # from elsewhere never slow it down, so nobody can lock the rightful user out.
    sa.Column("device_hash", sa.Text(), primary_key=True),
    sa.Column(
        "user_id",
        sa.Text(),
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(), nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("entry_id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("user_id", sa.Text(), nullable=False),  # no foreign key: history outlives users
    sa.Column("action", sa.Text(), nullable=False),  # create | update | delete
    sa.Column("table_name", sa.Text(), nullable=False),
    sa.Column("row_key", sa.Text(), nullable=False),
    sa.Column("account_id", sa.Text(), nullable=True),
    sa.Column("field", sa.Text(), nullable=False),
    sa.Column("old_value", sa.Text(), nullable=True),
    sa.Column("new_value", sa.Text(), nullable=True),
    sa.Index("ix_audit_log_account_id", "account_id"),
)
