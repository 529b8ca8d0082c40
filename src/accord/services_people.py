"""Use cases of issue 9 about people and companies: duplicates, merge and undo, privacy.

A merge moves every row that names the dropped contact or account onto the
kept one (touchpoints, commitments, feedback, orders … all kept), fills the
kept row's blanks from the dropped one, deletes the dropped row, and writes in
the journal (intake_journal) every value it changed, so that `undo` can put
them back and an audit trail can be fed from it.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from accord.intake.duplicates import DuplicateGroup, account_duplicates, contact_duplicates
from accord.storage.database import make_engine, require_current
from accord.storage.intake_state import intake_account_domains


def find_duplicates_in(conn: sa.Connection) -> list[DuplicateGroup]:
    contacts = [
        (str(i), str(n), None if e is None else str(e))
        for i, n, e in conn.exec_driver_sql("SELECT contact_id, name, email FROM contacts")
    ]
    domains: dict[str, set[str]] = defaultdict(set)
    t = intake_account_domains
    for account_id, domain in conn.execute(sa.select(t.c.account_id, t.c.domain)):
        domains[str(account_id)].add(str(domain))
    for account_id, email in conn.exec_driver_sql(
        "SELECT account_id, email FROM contacts WHERE email IS NOT NULL"
    ):
        if "@" in str(email):
            domains[str(account_id)].add(str(email).rsplit("@", 1)[1].lower())
    accounts = [(str(i), str(n)) for i, n in conn.exec_driver_sql("SELECT account_id, name FROM accounts")]
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
