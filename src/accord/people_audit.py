"""Audit entries and scope checks for merges, their undoing and erasures (issue 9).

Written inside the transaction of the change, like every other audit entry
(`accord.audit`). Actions: `merge`, `undo_merge`, `erase`. A merge is recorded
as one `merged` line on the kept record plus one line per changed field (each
re-pointed reference, each blank filled, the dropped row); an erasure records
only that it happened and its journal entry — never what was erased.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from accord import audit
from accord.access import PermissionDeniedError, Principal, scoped_account_ids
from accord.domain.schema import BY_NAME
from accord.errors import NotFoundError
from accord.storage.tables import LEDGER_TABLES

CLI_ACTOR = "cli"
"""The audit user of changes made from the command line (which has no sign-in)."""


def actor(principal: Principal | None) -> str:
    return CLI_ACTOR if principal is None else principal.user_id


def may_merge(principal: Principal | None) -> None:
    """Merges are for managers and admins (the command line may always)."""
    if principal is not None and not (principal.is_admin or principal.is_manager):
        raise PermissionDeniedError("only a manager or an admin may merge duplicates")


def account_of(conn: sa.Connection, table: str, row: Mapping[str, Any]) -> str | None:
    """The account a contact or account row belongs to."""
    if table == "accounts":
        return str(row["account_id"])
    found = row.get("account_id")
    return None if found is None else str(found)


def check_scope(
    conn: sa.Connection, principal: Principal | None, table: str, row: Mapping[str, Any]
) -> None:
    """A record outside the principal's scope is "not in the book", like a missing one."""
    if principal is None or principal.is_admin:
        return
    account = account_of(conn, table, row)
    visible = conn.execute(
        scoped_account_ids(principal).where(LEDGER_TABLES["accounts"].c.account_id == account)
    ).first()
    if visible is None:
        spec = BY_NAME[table]
        raise NotFoundError(f"there is no {spec.noun} {row[spec.key[0]]!r} in the book")


def record_merge(
    conn: sa.Connection,
    *,
    user_id: str,
    undo: bool,
    table: str,
    kept: Mapping[str, Any],
    dropped: Mapping[str, Any],
    filled: Mapping[str, Any],
    changes: list[dict[str, Any]],
    entry_id: int,
) -> None:
    """The audit lines of a merge (or, with `undo`, of putting it back)."""
    action = "undo_merge" if undo else "merge"
    key = BY_NAME[table].key[0]
    kept_id, dropped_id = str(kept[key]), str(dropped[key])
    account = account_of(conn, table, kept)
    label = f"{dropped_id} (journal entry {entry_id})"
    audit.record(
        conn,
        user_id=user_id,
        action=action,
        table=table,
        key=kept_id,
        account_id=account,
        old={"merged": label if undo else None},
        new={"merged": None if undo else label},
    )
    for change in changes:
        before, after = change["before"], change["after"]
        audit.record(
            conn,
            user_id=user_id,
            action=action,
            table=change["table"],
            key="/".join(str(v) for v in change["key"].values()),
            account_id=change.get("account_id"),
            old={change["column"]: after if undo else before},
            new={change["column"]: before if undo else after},
        )
    if filled:
        blanks = dict.fromkeys(filled)
        audit.record(
            conn,
            user_id=user_id,
            action=action,
            table=table,
            key=kept_id,
            account_id=account,
            old=filled if undo else blanks,
            new=blanks if undo else filled,
        )
    audit.record(
        conn,
        user_id=user_id,
        action=action,
        table=table,
        key=dropped_id,
        account_id=account_of(conn, table, dropped),
        old=None if undo else dropped,
        new=dropped if undo else None,
    )


def record_erasure(
    conn: sa.Connection, *, user_id: str, contacts: list[dict[str, Any]], entry_id: int
) -> None:
    """One line per erased contact: that it was erased, and where the journal says how."""
    for contact in contacts:
        audit.record(
            conn,
            user_id=user_id,
            action="erase",
            table="contacts",
            key=str(contact["contact_id"]),
            account_id=str(contact["account_id"]),
            old={"erased": None},
            new={"erased": f"journal entry {entry_id}"},
        )
