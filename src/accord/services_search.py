"""Find accounts, contacts and opportunities by name, e-mail or id, within the caller's scope.

The header's search box asks this. Matching is a case-insensitive substring of the
name, the e-mail (contacts) or the id; every query is narrowed to the accounts the
principal may see (`accord.access.scoped_account_ids`), so a seller never learns of
another seller's rows. Best matches first: an exact id, then a name or e-mail that
starts with the words, then the rest, each group by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from accord.access import Principal, scoped_account_ids
from accord.errors import BadInputError
from accord.storage.engines import engine_for
from accord.storage.tables import LEDGER_TABLES

PAGE_SIZE = 20
MAX_QUERY = 200
_T = LEDGER_TABLES


@dataclass(frozen=True, slots=True)
class Hit:
    """One row found: what it is, its id and name, and the account it belongs to."""

    kind: str  # account | contact | opportunity
    id: str
    name: str
    detail: str  # the e-mail and title of a contact, the stage of an opportunity, …
    account_id: str
    account_name: str


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    hits: list[Hit]
    total: int
    page: int  # 1-based
    pages: int


def _rank(exact: sa.ColumnElement[bool], prefix: sa.ColumnElement[bool]) -> sa.Case[int]:
    return sa.case((exact, 0), (prefix, 1), else_=2)


def _like(column: sa.ColumnElement[str] | sa.Column[str], needle: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(sa.func.coalesce(column, "")).contains(needle, autoescape=True)


def _starts(column: sa.ColumnElement[str] | sa.Column[str], needle: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(sa.func.coalesce(column, "")).startswith(needle, autoescape=True)


def search(
    *, url: str | None, principal: Principal, query: str, page: int = 1, per_page: int = PAGE_SIZE
) -> SearchPage:
    """The `page`-th page of rows in scope matching `query` (blank: nothing)."""
    text = " ".join(query.split())
    if len(text) > MAX_QUERY:
        raise BadInputError(f"the search is too long (at most {MAX_QUERY} characters)")
    if page < 1:
        raise BadInputError("the page must be 1 or more")
    if not text:
        return SearchPage(query="", hits=[], total=0, page=1, pages=0)
    needle = text.lower()
    a, c, o = _T["accounts"], _T["contacts"], _T["opportunities"]
    scope = scoped_account_ids(principal)
    empty = sa.literal("")
    accounts = sa.select(
        sa.literal("account").label("kind"),
        a.c.account_id.label("id"),
        a.c.name.label("name"),
        sa.func.coalesce(a.c.segment, empty).label("detail"),
        a.c.account_id.label("account_id"),
        a.c.name.label("account_name"),
        _rank(sa.func.lower(a.c.account_id) == needle, _starts(a.c.name, needle)).label("rank"),
    ).where(
        a.c.account_id.in_(scope),
        sa.or_(_like(a.c.name, needle), _like(a.c.account_id, needle)),
    )
    contacts = (
        sa.select(
            sa.literal("contact").label("kind"),
            c.c.contact_id.label("id"),
            c.c.name.label("name"),
            (sa.func.coalesce(c.c.email, empty) + " " + sa.func.coalesce(c.c.title, empty)).label(
                "detail"
            ),
            c.c.account_id.label("account_id"),
            a.c.name.label("account_name"),
            _rank(
                sa.or_(sa.func.lower(c.c.contact_id) == needle, sa.func.lower(c.c.email) == needle),
                sa.or_(_starts(c.c.name, needle), _starts(c.c.email, needle)),
            ).label("rank"),
        )
        .select_from(c.join(a, a.c.account_id == c.c.account_id))
        .where(
            c.c.account_id.in_(scope),
            sa.or_(
                _like(c.c.name, needle), _like(c.c.email, needle), _like(c.c.contact_id, needle)
            ),
        )
    )
    opportunities = (
        sa.select(
            sa.literal("opportunity").label("kind"),
            o.c.opportunity_id.label("id"),
            o.c.name.label("name"),
            o.c.stage.label("detail"),
            o.c.account_id.label("account_id"),
            a.c.name.label("account_name"),
            _rank(sa.func.lower(o.c.opportunity_id) == needle, _starts(o.c.name, needle)).label(
                "rank"
            ),
        )
        .select_from(o.join(a, a.c.account_id == o.c.account_id))
        .where(
            o.c.account_id.in_(scope),
            sa.or_(_like(o.c.name, needle), _like(o.c.opportunity_id, needle)),
        )
    )
    found = sa.union_all(accounts, contacts, opportunities).subquery("found")
    with engine_for(url).connect() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(found)).scalar_one())
        rows = conn.execute(
            sa.select(found)
            .order_by(found.c.rank, sa.func.lower(found.c.name), found.c.kind, found.c.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).mappings()
        hits = [
            Hit(
                kind=str(r["kind"]),
                id=str(r["id"]),
                name=str(r["name"]),
                detail=" ".join(str(r["detail"] or "").split()),
                account_id=str(r["account_id"]),
                account_name=str(r["account_name"]),
            )
            for r in rows
        ]
    pages = (total + per_page - 1) // per_page
    return SearchPage(query=text, hits=hits, total=total, page=page, pages=pages)
