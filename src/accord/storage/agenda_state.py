"""What sellers did with their agenda items, and per-account contact cadences.

The agenda itself is derived (regenerated from the ledger on every call); only
a seller's decisions are stored: an item completed, snoozed until a date, or
dismissed with a reason (table `agenda_state`, keyed by the item id, which is
a hash of its account, kind and reason key, so a regenerated agenda finds
them again), and a cadence set for one account (`agenda_cadence`). Migration
0003 creates both; neither is part of the bundle.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa

from accord.storage.tables import metadata

agenda_state = sa.Table(
    "agenda_state",
    metadata,
    sa.Column("item_id", sa.Text(), primary_key=True),
    sa.Column(
        "account_id",
        sa.Text(),
        sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("kind", sa.Text(), nullable=False),
    sa.Column("reason_key", sa.Text(), nullable=False),
    sa.Column("state", sa.Text(), nullable=False),  # done | snoozed | dismissed
    sa.Column("until", sa.Date(), nullable=True),  # snoozed: hidden before this date
    sa.Column("note", sa.Text(), nullable=True),  # dismissed: the reason; done: a note
    sa.Column("touchpoint_id", sa.Text(), nullable=True),  # logged on completion
    sa.Column("user_id", sa.Text(), nullable=True),
    sa.Column("changed_on", sa.Date(), nullable=False),  # the as-of date of the decision
    sa.Column("changed_at", sa.DateTime(), nullable=False),
    sa.Index("ix_agenda_state_account_id", "account_id"),
)

agenda_cadence = sa.Table(
    "agenda_cadence",
    metadata,
    sa.Column(
        "account_id",
        sa.Text(),
        sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("ideal_days", sa.Integer(), nullable=False),
    sa.Column("max_days", sa.Integer(), nullable=False),
    sa.Column("changed_at", sa.DateTime(), nullable=False),
)

STATE_SCHEMA: dict[str, pl.DataType] = {
    "item_id": pl.String(),
    "state": pl.String(),
    "until": pl.Date(),
    "note": pl.String(),
}
CADENCE_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "ideal_days": pl.Int64(),
    "max_days": pl.Int64(),
}


def read_states(conn: sa.Connection, account_ids: list[str] | None = None) -> pl.DataFrame:
    """item_id, state, until, note of the decisions on these accounts (all, if None)."""
    t = agenda_state
    query = sa.select(t.c.item_id, t.c.state, t.c.until, t.c.note, t.c.account_id)
    rows: list[Any] = []
    if account_ids is None:
        rows = list(conn.execute(query))
    else:
        for start in range(0, len(account_ids), 5000):
            chunk = account_ids[start : start + 5000]
            rows += list(conn.execute(query.where(t.c.account_id.in_(chunk))))
    return pl.DataFrame([tuple(r)[:4] for r in rows], schema=STATE_SCHEMA, orient="row")


def save_state(
    conn: sa.Connection,
    *,
    item_id: str,
    account_id: str,
    kind: str,
    reason_key: str,
    state: str,
    until: date | None,
    note: str | None,
    touchpoint_id: str | None,
    user_id: str | None,
    changed_on: date,
    changed_at: datetime,
) -> None:
    """Record (or replace) the decision on one item."""
    t = agenda_state
    conn.execute(t.delete().where(t.c.item_id == item_id))
    conn.execute(
        t.insert(),
        {
            "item_id": item_id,
            "account_id": account_id,
            "kind": kind,
            "reason_key": reason_key,
            "state": state,
            "until": until,
            "note": note,
            "touchpoint_id": touchpoint_id,
            "user_id": user_id,
            "changed_on": changed_on,
            "changed_at": changed_at,
        },
    )


def read_cadences(conn: sa.Connection) -> pl.DataFrame:
    """The accounts that have a cadence of their own."""
    t = agenda_cadence
    rows = conn.execute(sa.select(t.c.account_id, t.c.ideal_days, t.c.max_days)).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=CADENCE_SCHEMA, orient="row")


def save_cadence(
    conn: sa.Connection, account_id: str, ideal_days: int, max_days: int, changed_at: datetime
) -> None:
    t = agenda_cadence
    conn.execute(t.delete().where(t.c.account_id == account_id))
    conn.execute(
        t.insert(),
        {
            "account_id": account_id,
            "ideal_days": ideal_days,
            "max_days": max_days,
            "changed_at": changed_at,
        },
    )


def clear_cadence(conn: sa.Connection, account_id: str) -> bool:
    t = agenda_cadence
    return bool(conn.execute(t.delete().where(t.c.account_id == account_id)).rowcount)
