"""Duplicates and merges as a signed-in manager or admin sees them (service layer, web).

`accord.services_people` finds, merges and undoes; this module keeps each list
to the caller's scope (a group is shown only when every record in it is in
scope) and passes the principal on, so scope, role and audit hold inside the
transaction of the merge itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from accord import people_audit, services_people
from accord.access import Principal, scoped_account_ids
from accord.intake.duplicates import DuplicateGroup
from accord.storage.engines import engine_for
from accord.storage.intake_state import intake_journal
from accord.storage.tables import LEDGER_TABLES


def _owners(conn: sa.Connection, principal: Principal) -> dict[str, dict[str, str]]:
    """kind → record id → its account, for the records in scope."""
    accounts = {str(a) for a in conn.execute(scoped_account_ids(principal)).scalars()}
    c = LEDGER_TABLES["contacts"]
    contacts = {
        str(cid): str(aid)
        for cid, aid in conn.execute(sa.select(c.c.contact_id, c.c.account_id))
        if str(aid) in accounts
    }
    return {"account": {a: a for a in accounts}, "contact": contacts}


def duplicates(*, url: str | None, principal: Principal) -> list[DuplicateGroup]:
    """The duplicate groups whose records are all in the caller's scope."""
    people_audit.may_merge(principal)
    with engine_for(url).connect() as conn:
        groups = services_people.find_duplicates_in(conn)
        if principal.is_admin:
            return groups
        seen = _owners(conn, principal)
    return [g for g in groups if all(i in seen[g.kind] for i in g.ids)]


@dataclass(frozen=True, slots=True)
class Merge:
    entry_id: int
    kind: str
    kept_id: str
    dropped_id: str
    at: datetime
    moved: int  # rows re-pointed


def merges(*, url: str | None, principal: Principal, limit: int = 50) -> list[Merge]:
    """Merges not undone yet whose kept record is in scope, newest first."""
    people_audit.may_merge(principal)
    j = intake_journal
    with engine_for(url).connect() as conn:
        rows = conn.execute(
            sa.select(j)
            .where(j.c.kind.like("merge_%"), j.c.undone_at.is_(None))
            .order_by(j.c.entry_id.desc())
        ).mappings()
        found = [dict(r) for r in rows]
        seen = None if principal.is_admin else _owners(conn, principal)
    out = []
    for r in found:
        kind = str(r["kind"]).removeprefix("merge_")
        if seen is not None and str(r["kept_id"]) not in seen[kind]:
            continue
        moved = len(json.loads(str(r["detail"])).get("changes", []))
        out.append(
            Merge(int(r["entry_id"]), kind, str(r["kept_id"]), str(r["dropped_id"]), r["at"], moved)
        )
    return out[:limit]


def merge(
    *, url: str | None, principal: Principal, kind: str, keep: str, drop: str
) -> services_people.MergeResult:
    """Merge two records in the caller's scope (audited as the caller)."""
    return services_people.merge(url=url, kind=kind, keep=keep, drop=drop, principal=principal)


def undo(*, url: str | None, principal: Principal, entry_id: int) -> services_people.MergeResult:
    """Undo a merge whose kept record is in the caller's scope (audited as the caller)."""
    return services_people.undo_merge(url=url, entry_id=entry_id, principal=principal)
