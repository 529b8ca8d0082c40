"""The audit trail: who changed what field of which row, when, from what to what.

Written inside the same transaction as the change it describes (so a change
and its record stand or fall together) by `accord.services_ledger`, the one
path through which the web and the API change the ledger. Values are kept as
the bundle's text (dates ISO, lists `;`-joined), so the trail reads the same
whatever the backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from accord.storage.access_state import audit_log


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    user_id: str
    action: str  # create | update | delete
    table: str
    key: str
    account_id: str | None
    field: str
    old: str | None
    new: str | None


def as_text(value: Any) -> str | None:
    """A stored value as bundle text (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def record(
    conn: sa.Connection,
    *,
    user_id: str,
    action: str,
    table: str,
    key: str,
    account_id: str | None,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
) -> int:
    """Write one entry per field that differs between `old` and `new`; returns how many."""
    now = datetime.now(UTC).replace(tzinfo=None)
    names = list((new or old or {}).keys())
    rows = []
    for name in names:
        before = as_text((old or {}).get(name))
        after = as_text((new or {}).get(name))
        if before == after:
            continue
        rows.append(
            {
                "at": now,
                "user_id": user_id,
                "action": action,
                "table_name": table,
                "row_key": key,
                "account_id": account_id,
                "field": name,
                "old_value": before,
                "new_value": after,
            }
        )
    if rows:
        conn.execute(audit_log.insert(), rows)
    return len(rows)


def account_trail(conn: sa.Connection, account_id: str, *, limit: int = 200) -> list[AuditEntry]:
    """The latest changes to an account and to every row that belongs to it, newest first."""
    t = audit_log
    query = (
        sa.select(t).where(t.c.account_id == account_id).order_by(t.c.entry_id.desc()).limit(limit)
    )
    return [
        AuditEntry(
            r["at"],
            r["user_id"],
            r["action"],
            r["table_name"],
            r["row_key"],
            r["account_id"],
            r["field"],
            r["old_value"],
            r["new_value"],
        )
        for r in conn.execute(query).mappings()
    ]
