"""The read models behind the pages and the API's read endpoints, scoped like the ledger.

* `portfolio` — the accounts a user may see, worst first, with health and top pattern,
  and what the unhealthy ones among them cost (`accord.services_costs`, by pattern);
* `account_view` — one account: timeline, health and its facts, patterns, lifetime
  value, contacts with relationship strength, open commitments, audit trail;
* `account_diagnosis` / `account_lifetime` — the same figures as JSON records.

A diagnosis covers the whole book (segment figures are book-wide), so it is
computed once per as-of date and kept until the book changes: a change made
through `accord.services_ledger` moves the audit log on, and anything else (an
import) is seen within `CACHE_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa

from accord import services
from accord.access import Principal, scoped_account_ids
from accord.audit import AuditEntry, account_trail
from accord.config import Settings
from accord.domain.schema import BY_NAME
from accord.errors import BadInputError
from accord.health import Diagnosis, only_account, only_accounts
from accord.health.bands import health_bands
from accord.health.strength import strength
from accord.money import money
from accord.services_costs import CostsReport, costs_from_diagnosis
from accord.services_ledger import Row, get_row, row_version
from accord.storage.access_state import audit_log
from accord.storage.engines import dispose_all, engine_for
from accord.storage.snapshots import read_snapshots
from accord.storage.tables import LEDGER_TABLES

CACHE_SECONDS = 120.0
PORTFOLIO_LIMIT = 300
_cache: dict[tuple[str, date, Settings], tuple[int, float, Diagnosis, dict[str, Any]]] = {}
"""key → (book stamp, when computed, the diagnosis, the account records put in words so far)"""
_computing: dict[tuple[str, date, Settings], threading.Lock] = {}
_lock = threading.Lock()
_T = LEDGER_TABLES


def _stamp(url: str | None) -> int:
    with engine_for(url).connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(audit_log.c.entry_id), 0))
            ).scalar_one()
        )


def book_diagnosis(*, url: str | None, as_of: date) -> Diagnosis:
    """The whole book's diagnosis as of a date, from the cache when the book has not changed."""
    return _book_entry(url, as_of)[0]


def account_record(*, url: str | None, as_of: date, account_id: str) -> dict[str, Any]:
    """One account's diagnosis record (facts in words), kept beside the cached diagnosis:
    the account page asks for the same account's words again and again while the book is
    unchanged. Raises IndexError for an account the diagnosis does not hold."""
    diagnosis, records = _book_entry(url, as_of)
    with _lock:
        found = records.get(account_id)
    if found is None:
        found = only_account(diagnosis, account_id).records()[0]
        with _lock:
            records[account_id] = found
    return found


def _book_entry(url: str | None, as_of: date) -> tuple[Diagnosis, dict[str, Any]]:
    settings = services.load_config()  # the team's weights and thresholds ($ACCORD_CONFIG)
    key = (str(engine_for(url).url), as_of, settings)
    stamp = _stamp(url)

    def cached() -> tuple[Diagnosis, dict[str, Any]] | None:
        with _lock:
            hit = _cache.get(key)
        if hit is not None and hit[0] == stamp and time.monotonic() - hit[1] < CACHE_SECONDS:
            return hit[2], hit[3]
        return None

    found = cached()
    if found is not None:
        return found
    with _lock:
        computing = _computing.setdefault(key, threading.Lock())
    # One request works the diagnosis out; the others asking meanwhile wait for it
    # instead of each doing the same work at once.
    with computing:
        found = cached()
        if found is not None:
            return found
        result = services.diagnose(url=url, as_of=as_of, settings=settings)
        records: dict[str, Any] = {}
        with _lock:
            _cache[key] = (stamp, time.monotonic(), result, records)
    return result, records


def _worst_first(record: dict[str, Any]) -> tuple[int, int, float]:
    severities = [p["severity"] for p in record["patterns"]]
    score = record["health"]["score"]
    return (
        -severities.count("critical"),
        -severities.count("warning"),
        score if score is not None else 101.0,
    )


@dataclass(frozen=True)
class PortfolioRow:
    account_id: str
    name: str
    owner_id: str | None
    owner_name: str | None
    segment: str | None
    record: dict[str, Any] | None

    @property
    def score(self) -> float | None:
        return None if self.record is None else self.record["health"]["score"]

    @property
    def top_pattern(self) -> dict[str, Any] | None:
        if not self.record or not self.record["patterns"]:
            return None
        return dict(self.record["patterns"][0])


@dataclass(frozen=True)
class Portfolio:
    as_of: date
    rows: list[PortfolioRow]
    total: int
    distribution: list[tuple[str, int]]  # (band, accounts)
    segments: list[str]
    sellers: list[tuple[str, str]]  # (user_id, name) owning accounts in scope
    note: str | None = None
    costs: CostsReport | None = None  # what the unhealthy accounts in view cost, by pattern


COST_TOP = 3
"""Accounts named behind each pattern of the portfolio's cost summary."""


def scoped_costs(diagnosis: Diagnosis, names: dict[str, str], top: int = COST_TOP) -> CostsReport:
    """`costs_from_diagnosis` on the accounts of `names` only (account_id → name): the
    diagnosis stays book-wide (segment figures), the money is only the caller's."""
    ids = list(names)
    scoped = only_accounts(diagnosis, ids)
    frame = pl.DataFrame(
        {"account_id": ids, "name": list(names.values())},
        schema={"account_id": pl.String, "name": pl.String},
    )
    return costs_from_diagnosis(scoped, frame, "pattern", top)


def portfolio(
    *,
    url: str | None,
    principal: Principal,
    as_of: date,
    segment: str | None = None,
    seller: str | None = None,
) -> Portfolio:
    """The accounts in scope, worst first, with the health distribution and filters."""
    a, u = _T["accounts"], _T["users"]
    query = (
        sa.select(a.c.account_id, a.c.name, a.c.owner_id, u.c.name.label("owner_name"), a.c.segment)
        .select_from(a.outerjoin(u, u.c.user_id == a.c.owner_id))
        .where(a.c.account_id.in_(scoped_account_ids(principal)))
    )
    with engine_for(url).connect() as conn:
        everything = [dict(r) for r in conn.execute(query).mappings()]
    segments = sorted({r["segment"] for r in everything if r["segment"]})
    sellers = sorted(
        {(r["owner_id"], r["owner_name"] or r["owner_id"]) for r in everything if r["owner_id"]},
        key=lambda s: s[1],
    )
    chosen = [
        r
        for r in everything
        if (segment is None or r["segment"] == segment)
        and (seller is None or r["owner_id"] == seller)
    ]
    note = None
    records: dict[str, dict[str, Any]] = {}
    costs = None
    if chosen:
        try:
            diagnosis = book_diagnosis(url=url, as_of=as_of)
            # Narrowed first: the facts are put in words for the accounts shown only.
            ids = {r["account_id"] for r in chosen}
            records = {rec["account_id"]: rec for rec in only_accounts(diagnosis, ids).records()}
            costs = scoped_costs(diagnosis, {r["account_id"]: r["name"] for r in chosen})
        except BadInputError as exc:
            note = str(exc)
    rows = [PortfolioRow(**r, record=records.get(r["account_id"])) for r in chosen]
    empty: dict[str, Any] = {"patterns": [], "health": {"score": None}}
    rows.sort(key=lambda r: (_worst_first(r.record or empty), r.name))
    bands = health_bands()
    counts = {f"{b.name} ({b.label})": 0 for b in bands} | {"unknown": 0}
    for r in rows:
        if r.score is None:
            counts["unknown"] += 1
            continue
        for b in bands:
            if b.low <= r.score < b.high:
                counts[f"{b.name} ({b.label})"] += 1
    return Portfolio(
        as_of,
        rows[:PORTFOLIO_LIMIT],
        len(rows),
        list(counts.items()),
        segments,
        sellers,
        note,
        costs,
    )


# -- one account ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    day: date
    kind: str  # touchpoint | order | invoice_late | kept | broken | feedback
    label: str
    detail: str = ""


@dataclass(frozen=True)
class ContactView:
    contact_id: str
    name: str
    title: str | None
    decision_role: str | None
    active: bool
    strength: float
    touchpoints: int
    last_touch: date | None


@dataclass
class AccountView:
    account: Row
    owner_name: str | None
    as_of: date
    record: dict[str, Any] | None
    note: str | None
    trend: list[tuple[date, float]]
    timeline: list[Event]
    contacts: list[ContactView]
    open_commitments: list[dict[str, Any]]
    audit: list[AuditEntry]
    window_start: date
    opportunities: list[dict[str, Any]] = field(default_factory=list)  # newest first
    extra: dict[str, Any] = field(default_factory=dict)
    plan: dict[str, Any] | None = None  # the account plan's row, None when none is written


def _rows(conn: sa.Connection, table: str, account_id: str) -> list[dict[str, Any]]:
    t = _T[table]
    return [
        dict(r) for r in conn.execute(sa.select(t).where(t.c.account_id == account_id)).mappings()
    ]


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _purpose_label(t: dict[str, Any]) -> str:
    """A person's purpose as it is; one read from the text says so (accord.signals)."""
    if t["purpose"]:
        return str(t["purpose"])
    inferred = t.get("purpose_inferred")
    return f"{inferred} (inferred)" if inferred else "purpose unknown"


def _timeline(
    data: dict[str, list[dict[str, Any]]], terms: int, as_of: date, start: date
) -> list[Event]:
    events: list[Event] = []
    cur = services.load_config().general.currency
    for t in data["touchpoints"]:
        events.append(
            Event(
                _day(t["occurred_at"]),
                "touchpoint",
                f"{t['channel']} · {_purpose_label(t)} ({t['direction']})",
                t["summary"] or "",
            )
        )
    for o in data["orders"]:
        events.append(
            Event(o["ordered_on"], "order", f"order {o['order_id']}: {money(o['amount'], cur)}")
        )
    for i in data["invoices"]:
        due = i["issued_on"] + timedelta(
            days=i["terms_days"] if i["terms_days"] is not None else terms
        )
        paid = i["paid_on"]
        if paid is not None and paid > due:
            events.append(
                Event(
                    paid,
                    "invoice_late",
                    f"invoice {i['invoice_id']} paid {(paid - due).days} days late",
                )
            )
        elif paid is None and as_of > due:
            events.append(
                Event(
                    as_of,
                    "invoice_late",
                    f"invoice {i['invoice_id']} unpaid, {(as_of - due).days} days late",
                )
            )
    for c in data["commitments"]:
        if c["cancelled"]:
            continue
        who = "we" if c["side"] == "us" else "they"
        if c["done_on"] is not None:
            kept = c["done_on"] <= c["due_on"]
            events.append(
                Event(
                    c["done_on"],
                    "kept" if kept else "broken",
                    f"{who} {'kept' if kept else 'kept late'}: {c['description']}",
                )
            )
        elif c["due_on"] < as_of:
            events.append(Event(c["due_on"], "broken", f"{who} broke: {c['description']}"))
    for f in data["feedback"]:
        score = "" if f["score"] is None else f" {f['score']:g}"
        events.append(Event(f["received_on"], "feedback", f"{f['kind']}{score}", f["text"] or ""))
    return sorted((e for e in events if start <= e.day <= as_of), key=lambda e: e.day, reverse=True)


def _contacts(data: dict[str, list[dict[str, Any]]], as_of: date) -> list[ContactView]:
    settings = services.load_config()
    touches: dict[tuple[str, str], list[tuple[int, bool]]] = {}
    count: dict[str, int] = {}
    last: dict[str, date] = {}
    for t in data["touchpoints"]:
        day = _day(t["occurred_at"])
        if day > as_of:
            continue
        for cid in (t["contact_ids"] or "").split(";"):
            if not cid:
                continue
            touches.setdefault((t["user_id"] or "", cid), []).append(
                ((as_of - day).days, t["direction"] != "outbound")
            )
            count[cid] = count.get(cid, 0) + 1
            last[cid] = max(last.get(cid, day), day)
    best: dict[str, float] = {}
    for (_, cid), pairs in touches.items():
        best[cid] = max(best.get(cid, 0.0), strength(pairs, settings))
    out = [
        ContactView(
            c["contact_id"],
            c["name"],
            c["title"],
            c["decision_role"],
            bool(c["active"]),
            best.get(c["contact_id"], 0.0),
            count.get(c["contact_id"], 0),
            last.get(c["contact_id"]),
        )
        for c in data["contacts"]
    ]
    return sorted(out, key=lambda c: (-c.strength, c.name))


def account_diagnosis(
    *, url: str | None, principal: Principal, account_id: str, as_of: date
) -> dict[str, Any]:
    """The diagnose record (SPEC section 5) of one account in scope."""
    get_row(url=url, principal=principal, table="accounts", key={"account_id": account_id})
    return account_record(url=url, as_of=as_of, account_id=account_id)


def account_lifetime(
    *, url: str | None, principal: Principal, account_id: str, as_of: date
) -> dict[str, Any]:
    """Probability alive, expected orders and value ahead of one account in scope."""
    get_row(url=url, principal=principal, table="accounts", key={"account_id": account_id})
    outlook = services.lifetime_outlook(url=url, as_of=as_of, account_id=account_id)
    rows = outlook.table.to_dicts()
    base: dict[str, Any] = {
        "account_id": account_id,
        "as_of": as_of.isoformat(),
        "note": outlook.note,
    }
    return base | (rows[0] if rows else {})


def account_view(
    *, url: str | None, principal: Principal, account_id: str, as_of: date
) -> AccountView:
    """Everything the account page shows, for an account in the principal's scope."""
    account = get_row(
        url=url, principal=principal, table="accounts", key={"account_id": account_id}
    )
    start = as_of - timedelta(days=365)
    with engine_for(url).connect() as conn:
        data = {
            name: _rows(conn, name, account_id)
            for name in (
                "touchpoints",
                "orders",
                "invoices",
                "commitments",
                "feedback",
                "contacts",
                "opportunities",
                "account_plans",
            )
        }
        owner = account.values["owner_id"]
        owner_name = None
        if owner:
            u = _T["users"]
            owner_name = conn.execute(sa.select(u.c.name).where(u.c.user_id == owner)).scalar()
        trail = account_trail(conn, account_id)
        snaps = read_snapshots(conn, account_id)  # on this connection: no engine of its own
    record: dict[str, Any] | None = None
    note = None
    try:
        record = account_record(url=url, as_of=as_of, account_id=account_id)
    except (BadInputError, IndexError) as exc:
        note = str(exc) or "no diagnosis for this account"
    trend = [
        (d, s)
        for d, s in zip(snaps["as_of"], snaps["score"], strict=True)
        if s is not None and d < as_of
    ]
    if record is not None and record["health"]["score"] is not None:
        trend.append((as_of, record["health"]["score"]))
    terms = account.values["payment_terms_days"] or 30
    commitments = BY_NAME["commitments"]
    open_commitments = sorted(
        (
            c | {"version": row_version(commitments, c)}
            for c in data["commitments"]
            if c["done_on"] is None and not c["cancelled"]
        ),
        key=lambda c: c["due_on"],
    )
    return AccountView(
        account=account,
        owner_name=owner_name,
        as_of=as_of,
        record=record,
        note=note,
        trend=trend,
        timeline=_timeline(data, terms, as_of, start),
        contacts=_contacts(data, as_of),
        open_commitments=open_commitments,
        audit=trail,
        window_start=start,
        opportunities=sorted(
            data["opportunities"], key=lambda o: (o["opened_on"], o["opportunity_id"]), reverse=True
        ),
        plan=data["account_plans"][0] if data["account_plans"] else None,
    )


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    name: str
    role: str
    password: str


def prepare_demo(*, url: str | None, as_of: date, snapshots: int = 3) -> list[DemoUser]:
    """Give one user of each role a fresh random password, and store a few monthly
    health snapshots (so the account pages have a trend to draw)."""
    import secrets as _secrets

    from accord.access import set_password

    u, a = _T["users"], _T["accounts"]
    chosen: list[DemoUser] = []
    with engine_for(url).connect() as conn:
        for role in ("rep", "manager", "admin"):
            query = sa.select(u.c.user_id, u.c.name).where(
                sa.func.coalesce(u.c.role, "rep") == role
            )
            if role == "rep":  # a seller with accounts, so the demo has something to show
                query = query.where(u.c.user_id.in_(sa.select(a.c.owner_id)))
            row = conn.execute(query.order_by(u.c.user_id).limit(1)).first()
            if row is not None:
                chosen.append(DemoUser(str(row[0]), str(row[1]), role, _secrets.token_urlsafe(9)))
    for user in chosen:
        set_password(url=url, user_id=user.user_id, password=user.password)
    dispose_all()  # the snapshots are written through a connection of their own
    for months in range(snapshots, 0, -1):
        try:
            services.diagnose(url=url, as_of=as_of - timedelta(days=30 * months), snapshot=True)
        except BadInputError:
            continue
    return chosen
