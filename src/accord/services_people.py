"""Use cases of issue 9 about people and companies: duplicates, merge and undo, privacy.

A merge moves every row that names the dropped contact or account onto the
kept one (touchpoints, commitments, feedback, orders … all kept), fills the
kept row's blanks from the dropped one, deletes the dropped row, and writes in
the journal (intake_journal) every value it changed, so that `undo` can put
them back and an audit trail can be fed from it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from accord import people_audit
from accord.access import Principal
from accord.domain.schema import BY_NAME, LEDGER, Kind, Table
from accord.errors import BadInputError, NotFoundError
from accord.intake.duplicates import (
    DuplicateGroup,
    account_duplicates,
    contact_duplicates,
    majority_domain,
    normalise_name,
)
from accord.intake.privacy import ERASED_NAME, mentions, needles, pattern, scrub, scrub_json
from accord.storage.access_state import audit_log
from accord.storage.database import make_engine, require_current
from accord.storage.intake_state import intake_account_domains, intake_journal, intake_rules
from accord.storage.snapshots import health_snapshots
from accord.storage.tables import LEDGER_TABLES


def find_duplicates_in(conn: sa.Connection) -> list[DuplicateGroup]:
    contacts = [
        (str(i), str(n), None if e is None else str(e))
        for i, n, e in conn.exec_driver_sql("SELECT contact_id, name, email FROM contacts")
    ]
    domains: dict[str, set[str]] = defaultdict(set)
    t = intake_account_domains
    for account_id, domain in conn.execute(sa.select(t.c.account_id, t.c.domain)):
        domains[str(account_id)].add(str(domain))  # the accounts' own web domains
    people: dict[str, list[str]] = defaultdict(list)
    for account_id, email in conn.exec_driver_sql(
        "SELECT account_id, email FROM contacts WHERE email IS NOT NULL"
    ):
        if "@" in str(email) and str(account_id) not in domains:
            people[str(account_id)].append(str(email).rsplit("@", 1)[1].lower())
    for account_id, found in people.items():
        majority = majority_domain(found)
        if majority is not None:
            domains[account_id].add(majority)
    accounts = [
        (str(i), str(n)) for i, n in conn.exec_driver_sql("SELECT account_id, name FROM accounts")
    ]
    return contact_duplicates(contacts) + account_duplicates(accounts, domains)


def find_duplicates(*, url: str | None) -> list[DuplicateGroup]:
    """Contacts and accounts that look the same (see intake/duplicates.py for the rules)."""
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            return find_duplicates_in(conn)
    finally:
        engine.dispose()


def count_duplicates(*, url: str | None) -> int:
    return len(find_duplicates(url=url))


# -- merge and undo --------------------------------------------------------------------------

_KINDS = {"contact": "contacts", "account": "accounts"}


@dataclass
class MergeResult:
    entry_id: int
    kind: str
    kept_id: str
    dropped_id: str
    moved: dict[str, int] = field(default_factory=dict)  # table → rows re-pointed
    filled: list[str] = field(default_factory=list)  # kept columns filled from the dropped row
    warnings: list[str] = field(default_factory=list)  # why they may not be the same


def _disagreements(
    conn: sa.Connection, kind: str, kept: dict[str, Any], dropped: dict[str, Any]
) -> list[str]:
    """What says two records may not be the same company or person: different names
    (case, accents, punctuation and legal forms aside), or no domain in common."""
    out = []
    company = kind == "account"
    names = [normalise_name(str(r.get("name") or ""), company=company) for r in (kept, dropped)]
    if names[0] != names[1]:
        out.append(f"the names differ: {kept.get('name')!r} and {dropped.get('name')!r}")
    if company:
        d = intake_account_domains
        held = [
            set(
                conn.execute(
                    sa.select(d.c.domain).where(d.c.account_id == r["account_id"])
                ).scalars()
            )
            for r in (kept, dropped)
        ]
    else:
        held = [
            {str(r["email"]).rsplit("@", 1)[1].lower()}
            if "@" in str(r.get("email") or "")
            else set()
            for r in (kept, dropped)
        ]
    if held[0] and held[1] and not held[0] & held[1]:
        what = "web domain" if company else "e-mail domain"
        out.append(
            f"no {what} in common: {', '.join(sorted(held[0]))} and {', '.join(sorted(held[1]))}"
        )
    return out


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in row.items()}


def _typed_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in table.columns:
        value = row.get(col.name)
        if value is not None and col.kind is Kind.DATE:
            value = date.fromisoformat(str(value)[:10])
        elif value is not None and col.kind is Kind.DATETIME:
            value = datetime.fromisoformat(str(value))
        elif value is not None and col.kind is Kind.BOOL:
            value = bool(value)
        out[col.name] = value
    return out


def _one(conn: sa.Connection, table: str, key: str, value: str) -> dict[str, Any]:
    t = LEDGER_TABLES[table]
    row = conn.execute(sa.select(t).where(t.c[key] == value)).mappings().first()
    if row is None:
        raise NotFoundError(f"there is no {BY_NAME[table].noun} {value!r} in the book")
    return dict(row)


def merge(
    *, url: str | None, kind: str, keep: str, drop: str, principal: Principal | None = None
) -> MergeResult:
    """Merge `drop` into `keep` (contacts or accounts), in one transaction, journaled and
    audited. With `principal` (the web), both must be in their scope and they must be a
    manager or an admin; without, the command line, audited as user `cli`."""
    people_audit.may_merge(principal)
    if kind not in _KINDS:
        raise BadInputError(f"can merge contact or account, not {kind!r}")
    if keep == drop:
        raise BadInputError("a record cannot be merged into itself")
    table = _KINDS[kind]
    key = BY_NAME[table].key[0]
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.begin() as conn:
            kept = _one(conn, table, key, keep)
            dropped = _one(conn, table, key, drop)
            people_audit.check_scope(conn, principal, table, kept)
            people_audit.check_scope(conn, principal, table, dropped)
            changes: list[dict[str, Any]] = []
            result = MergeResult(0, kind, keep, drop)
            result.warnings = _disagreements(conn, kind, kept, dropped)
            for ref_table in LEDGER:
                for col in ref_table.columns:
                    if col.references != f"{table}.{key}" or ref_table.name == table:
                        continue
                    moved = _repoint(conn, ref_table, col.name, col.kind is Kind.LIST, drop, keep)
                    changes.extend(moved)
                    if moved:
                        result.moved[ref_table.name] = result.moved.get(ref_table.name, 0) + len(
                            moved
                        )
            fill = {
                c: dropped[c]
                for c in BY_NAME[table].column_names
                if kept.get(c) is None and dropped.get(c) is not None
            }
            t = LEDGER_TABLES[table]
            if fill:
                conn.execute(t.update().where(t.c[key] == keep).values(**fill))
                result.filled = sorted(fill)
            extra = _move_beside(conn, kind, keep, drop)
            conn.execute(t.delete().where(t.c[key] == drop))
            detail = {
                "dropped_row": _json_row(dropped),
                "filled": dict.fromkeys(fill),
                "changes": changes,
                **extra,
            }
            entry = conn.execute(
                intake_journal.insert().values(
                    kind=f"merge_{kind}",
                    at=datetime.now(UTC).replace(tzinfo=None),
                    kept_id=keep,
                    dropped_id=drop,
                    detail=json.dumps(detail, default=str),
                )
            )
            result.entry_id = _new_id(entry)
            people_audit.record_merge(
                conn,
                user_id=people_audit.actor(principal),
                undo=False,
                table=table,
                kept=kept,
                dropped=dropped,
                filled=fill,
                changes=changes,
                entry_id=result.entry_id,
            )
            return result
    finally:
        engine.dispose()


def _repoint(
    conn: sa.Connection, table: Table, column: str, is_list: bool, old: str, new: str
) -> list[dict[str, Any]]:
    t = LEDGER_TABLES[table.name]
    keys = [t.c[k] for k in table.key]
    col = t.c[column]
    where = col.like(f"%{old}%") if is_list else col == old
    owner = [t.c.account_id] if "account_id" in table.column_names else [sa.null()]
    changes = []
    for found in conn.execute(sa.select(*owner, *keys, col).where(where)).all():
        account, row = found[0], found[1:]
        before = row[-1]
        if is_list:
            ids = [i for i in str(before).split(";") if i]
            if old not in ids:
                continue
            after = ";".join(dict.fromkeys(new if i == old else i for i in ids))
        else:
            after = new
        key = {k: _json_row({"v": v})["v"] for k, v in zip(table.key, row[:-1], strict=True)}
        conn.execute(
            t.update()
            .where(*[t.c[k] == row[i] for i, k in enumerate(table.key)])
            .values({column: after})
        )
        if column == "account_id":
            account = after
        changes.append(
            {
                "table": table.name,
                "key": key,
                "column": column,
                "before": before,
                "after": after,
                "account_id": account,
            }
        )
    return changes


def _move_beside(conn: sa.Connection, kind: str, keep: str, drop: str) -> dict[str, Any]:
    """Account merges: the web domains move over; the dropped account's snapshots go
    (they describe an account that no longer exists) and are kept in the journal."""
    if kind != "account":
        return {}
    d = intake_account_domains
    kept = set(conn.execute(sa.select(d.c.domain).where(d.c.account_id == keep)).scalars())
    domains = list(conn.execute(sa.select(d.c.domain).where(d.c.account_id == drop)).scalars())
    conn.execute(d.delete().where(d.c.account_id == drop))
    new = [x for x in domains if x not in kept]
    if new:
        conn.execute(d.insert(), [{"account_id": keep, "domain": x} for x in new])
    s = health_snapshots
    snaps = [dict(r) for r in conn.execute(sa.select(s).where(s.c.account_id == drop)).mappings()]
    conn.execute(s.delete().where(s.c.account_id == drop))
    return {"domains": domains, "domains_added": new, "snapshots": [_json_row(r) for r in snaps]}


def undo_merge(
    *, url: str | None, entry_id: int, principal: Principal | None = None
) -> MergeResult:
    """Put a merge back: the dropped record, every re-pointed row, the kept record's blanks.

    Audited like the merge; with `principal`, the kept record must be in their scope."""
    people_audit.may_merge(principal)
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.begin() as conn:
            j = intake_journal
            entry = conn.execute(sa.select(j).where(j.c.entry_id == entry_id)).mappings().first()
            if entry is None or not str(entry["kind"]).startswith("merge_"):
                raise NotFoundError(f"there is no merge {entry_id} in the journal")
            if entry["undone_at"] is not None:
                raise BadInputError(f"merge {entry_id} was already undone on {entry['undone_at']}")
            kind = str(entry["kind"]).removeprefix("merge_")
            table = BY_NAME[_KINDS[kind]]
            detail = json.loads(str(entry["detail"]))
            kept = _one(conn, table.name, table.key[0], str(entry["kept_id"]))
            people_audit.check_scope(conn, principal, table.name, kept)
            for change in detail["changes"]:
                t = LEDGER_TABLES[change["table"]]
                ref = BY_NAME[change["table"]]
                where = [
                    t.c[k] == v
                    for k, v in _typed_row(ref, change["key"]).items()
                    if k in change["key"]
                ]
                now = conn.execute(sa.select(t.c[change["column"]]).where(*where)).scalar()
                if now != change["after"]:
                    raise BadInputError(
                        f"cannot undo merge {entry_id}: {change['table']} {change['key']} "
                        f"{change['column']} has changed since"
                    )
            conn.execute(
                LEDGER_TABLES[table.name]
                .insert()
                .values(**_typed_row(table, detail["dropped_row"]))
            )
            for change in detail["changes"]:
                t = LEDGER_TABLES[change["table"]]
                ref = BY_NAME[change["table"]]
                where = [
                    t.c[k] == v
                    for k, v in _typed_row(ref, change["key"]).items()
                    if k in change["key"]
                ]
                conn.execute(t.update().where(*where).values({change["column"]: change["before"]}))
            t = LEDGER_TABLES[table.name]
            key = table.key[0]
            if detail["filled"]:
                conn.execute(
                    t.update().where(t.c[key] == entry["kept_id"]).values(**detail["filled"])
                )
            people_audit.record_merge(
                conn,
                user_id=people_audit.actor(principal),
                undo=True,
                table=table.name,
                kept=kept,
                dropped=_typed_row(table, detail["dropped_row"]),
                filled={c: kept[c] for c in detail["filled"]},
                changes=detail["changes"],
                entry_id=entry_id,
            )
            if kind == "account":
                d = intake_account_domains
                for domain in detail["domains_added"]:
                    conn.execute(
                        d.delete()
                        .where(d.c.account_id == entry["kept_id"])
                        .where(d.c.domain == domain)
                    )
                if detail["domains"]:
                    conn.execute(
                        d.insert(),
                        [
                            {"account_id": entry["dropped_id"], "domain": x}
                            for x in detail["domains"]
                        ],
                    )
                for snap in detail["snapshots"]:
                    snap["as_of"] = date.fromisoformat(snap["as_of"])
                    snap["taken_at"] = datetime.fromisoformat(snap["taken_at"])
                    conn.execute(health_snapshots.insert().values(**snap))
            conn.execute(
                j.update()
                .where(j.c.entry_id == entry_id)
                .values(undone_at=datetime.now(UTC).replace(tzinfo=None))
            )
            return MergeResult(entry_id, kind, str(entry["kept_id"]), str(entry["dropped_id"]))
    finally:
        engine.dispose()


def merge_journal(*, url: str | None) -> list[dict[str, Any]]:
    """Merges and erasures, newest first (what changed is in `detail`)."""
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            j = intake_journal
            rows = conn.execute(sa.select(j).order_by(j.c.entry_id.desc())).mappings().all()
            return [_json_row(dict(r)) for r in rows]
    finally:
        engine.dispose()


# -- privacy -----------------------------------------------------------------------------------


def _text_columns(conn: sa.Connection) -> list[tuple[sa.Table, list[sa.Column[Any]]]]:
    """Every table of the book with its free-text columns (ids and enums aside)."""
    out = []
    for table in LEDGER_TABLES.values():
        spec = BY_NAME[table.name]
        cols = [
            table.c[c.name]
            for c in spec.columns
            if c.kind in (Kind.TEXT, Kind.LIST) and c.references is None and c.name not in spec.key
        ]
        out.append((table, cols))
    for extra, names in (
        (intake_journal, ["detail"]),
        (intake_rules, ["pattern"]),
        (audit_log, ["old_value", "new_value"]),
    ):
        out.append((extra, [extra.c[n] for n in names]))
    return out


def _person(conn: sa.Connection, email: str) -> tuple[list[dict[str, Any]], list[str]]:
    contacts = LEDGER_TABLES["contacts"]
    rows = (
        conn.execute(
            sa.select(contacts).where(sa.func.lower(contacts.c.email) == email.strip().lower())
        )
        .mappings()
        .all()
    )
    if not rows:
        raise NotFoundError(f"no contact has the e-mail address {email!r}")
    found = [dict(r) for r in rows]
    return found, needles([r["name"] for r in found], [email, *(r["email"] for r in found)])


def _refuse_users(conn: sa.Connection, email: str) -> None:
    users = LEDGER_TABLES["users"]
    hit = conn.execute(
        sa.select(users.c.user_id).where(sa.func.lower(users.c.email) == email.strip().lower())
    ).first()
    if hit is not None:
        raise BadInputError(f"{email} is the address of user {hit[0]}, one of us, not a contact")


def person_export(*, url: str | None, email: str) -> dict[str, Any]:
    """Everything the book holds about a person: their contact rows, the rows that name
    them as a participant, and every free text that mentions them."""
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            contacts, words = _person(conn, email)
            ids = [str(c["contact_id"]) for c in contacts]
            found = pattern(words)
            out: dict[str, Any] = {
                "email": email,
                "contacts": [_json_row(c) for c in contacts],
                "participant_in": {},
                "mentioned_in": {},
            }
            for ref_table in LEDGER:
                for col in ref_table.columns:
                    if col.references != "contacts.contact_id":
                        continue
                    t = LEDGER_TABLES[ref_table.name]
                    rows = (
                        conn.execute(
                            sa.select(t).where(sa.or_(*[t.c[col.name].like(f"%{i}%") for i in ids]))
                        )
                        .mappings()
                        .all()
                    )
                    hits = [
                        _json_row(dict(r))
                        for r in rows
                        if set(str(r[col.name] or "").split(";")) & set(ids)
                    ]
                    if hits:
                        out["participant_in"][ref_table.name] = hits
            for table, cols in _text_columns(conn):
                if not cols or table.name in ("intake_journal", "audit_log"):
                    continue
                rows = conn.execute(sa.select(table)).mappings().all()
                hits = [
                    _json_row(dict(r))
                    for r in rows
                    if any(mentions(r[c.name], found) for c in cols)
                    and not (table.name == "contacts" and str(r["contact_id"]) in ids)
                ]
                if hits:
                    out["mentioned_in"][table.name] = hits
            return out
    finally:
        engine.dispose()


@dataclass
class Erasure:
    entry_id: int
    contacts: list[str]
    rows_changed: dict[str, int] = field(default_factory=dict)


def person_erase(*, url: str | None, email: str, principal: Principal | None = None) -> Erasure:
    """Anonymise a person everywhere (the audit trail too), in one transaction, and journal
    and audit that it happened, without their data."""
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.begin() as conn:
            _refuse_users(conn, email)
            contacts, words = _person(conn, email)
            ids = [str(c["contact_id"]) for c in contacts]
            found = pattern(words)
            result = Erasure(0, ids)
            c = LEDGER_TABLES["contacts"]
            conn.execute(
                c.update()
                .where(c.c.contact_id.in_(ids))
                .values(name=ERASED_NAME, email=None, title=None)
            )
            result.rows_changed["contacts"] = len(ids)
            for table, cols in _text_columns(conn):
                if not cols:
                    continue
                keys = list(table.primary_key.columns)
                for row in conn.execute(sa.select(*keys, *cols)).mappings().all():
                    values = {}
                    for col in cols:
                        text = row[col.name]
                        if mentions(text, found):
                            values[col.name] = (
                                scrub_json(str(text), found)
                                if table.name == "intake_journal"
                                else scrub(str(text), found)
                            )
                    if values:
                        conn.execute(
                            table.update().where(*[k == row[k.name] for k in keys]).values(**values)
                        )
                        result.rows_changed[table.name] = result.rows_changed.get(table.name, 0) + 1
            entry = conn.execute(
                intake_journal.insert().values(
                    kind="erase",
                    at=datetime.now(UTC).replace(tzinfo=None),
                    kept_id=None,
                    dropped_id=None,
                    detail=json.dumps({"contacts": ids, "rows_changed": result.rows_changed}),
                )
            )
            result.entry_id = _new_id(entry)
            people_audit.record_erasure(
                conn,
                user_id=people_audit.actor(principal),
                contacts=contacts,
                entry_id=result.entry_id,
            )
        if engine.dialect.name == "sqlite" and engine.url.database:
            from accord.analytics.mirror import discard_copy

            discard_copy(Path(engine.url.database))  # it may hold the erased values
        return result
    finally:
        engine.dispose()


def _new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
