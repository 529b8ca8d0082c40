"""Use cases of the monthly relationship review and seller alignment (service layer).

Re-exported by `accord.services_agenda`; adapters call them from there.
"""

from __future__ import annotations

import calendar
import dataclasses
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import sqlalchemy as sa

from accord.config import Settings
from accord.errors import BadInputError, NotFoundError
from accord.review import (
    Answer,
    CostSection,
    Referrals,
    ReviewModel,
    SellerAlignment,
    alignment,
    build_review,
    cost_section,
    empty_review,
    month_activity,
    plan_summaries,
    render_html,
    write_pdf,
)
from accord.services_agenda import agenda_data, read_slice, require_user
from accord.storage.database import make_engine, require_current
from accord.storage.review_answers import review_answers
from accord.storage.snapshots import read_snapshots
from accord.storage.tables import LEDGER_TABLES

if TYPE_CHECKING:
    from accord.health import Diagnosis

C = pl.col


def parse_month(text: str) -> tuple[date, date]:
    """'YYYY-MM' → (first day, last day)."""
    try:
        year, month = (int(p) for p in text.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise BadInputError(f"--month {text!r} is not a month (YYYY-MM)") from None
    if len(text) != 7:
        raise BadInputError(f"--month {text!r} is not a month (YYYY-MM)")
    return first, date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True, slots=True)
class Scope:
    label: str
    owners: list[str] | None  # None: the whole book
    users: pl.DataFrame  # user_id, name, team of the sellers in scope


def _scope(conn: sa.Connection, team: str | None, user_id: str | None) -> Scope:
    users_t = LEDGER_TABLES["users"]
    rows = conn.execute(sa.select(users_t.c.user_id, users_t.c.name, users_t.c.team)).all()
    users = pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"user_id": pl.String, "name": pl.String, "team": pl.String},
        orient="row",
    )
    if user_id is not None:
        user = require_user(conn, user_id)
        if team is not None and user.get("team") != team:
            raise BadInputError(f"user {user_id!r} is not in team {team!r}")
        return Scope(
            f"{user['name']} ({user_id})", [user_id], users.filter(C("user_id") == user_id)
        )
    if team is not None:
        members = users.filter(C("team") == team)
        if members.height == 0:
            teams = sorted({t for t in users["team"].to_list() if t})
            known = ", ".join(teams) if teams else "none"
            raise NotFoundError(f"there is no team {team!r} in the book (teams: {known})")
        return Scope(f"team {team}", members["user_id"].to_list(), members)
    return Scope("the whole book", None, users)


def _first_activity(conn: sa.Connection) -> date | None:
    firsts = []
    for table, col in (
        ("orders", "ordered_on"),
        ("invoices", "issued_on"),
        ("commitments", "made_on"),
    ):
        t = LEDGER_TABLES[table]
        firsts.append(conn.execute(sa.select(sa.func.min(t.c[col]))).scalar())
    t = LEDGER_TABLES["touchpoints"]
    touched = conn.execute(sa.select(sa.func.min(t.c.occurred_at))).scalar()
    if touched is not None:
        firsts.append(touched.date() if hasattr(touched, "date") else touched)
    found = [d if isinstance(d, date) else date.fromisoformat(str(d)[:10]) for d in firsts if d]
    return min(found) if found else None


def _scores(diagnosis: Diagnosis) -> pl.DataFrame:
    ids = diagnosis.patterns.group_by("account_id").agg(C("id").str.join(";").alias("patterns"))
    return diagnosis.accounts.select(
        "account_id",
        "score",
        "trust",
        "engagement",
        "mutual_value",
        "continuity",
        "expected_value_12m",
        "p_alive",
        "horizon",
        "revenue",
    ).join(ids, on="account_id", how="left")


def review(
    *,
    url: str | None,
    month: str,
    team: str | None = None,
    user_id: str | None = None,
    settings: Settings | None = None,
) -> ReviewModel:
    """The monthly relationship review of the whole book, a team or one seller."""
    from accord.services import diagnose

    s = settings or Settings()
    start, end = parse_month(month)
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            scope = _scope(conn, team, user_id)
            first = _first_activity(conn)
            accounts = read_slice(
                conn, "accounts", scope.owners, ("account_id", "name", "owner_id", "intent")
            )
            ids = accounts["account_id"].to_list()
            answers = read_answers(conn, month, ids)
            last_answers = read_answers(conn, _previous(month), ids)
            history = read_snapshots(conn).filter(C("as_of") <= end)
            plans = read_slice(conn, "account_plans", scope.owners, _PLAN_COLUMNS)
    finally:
        engine.dispose()
    if first is None or end < first:
        starts = "it holds no dated activity yet" if first is None else f"it starts on {first}"
        return empty_review(
            month, start, end, scope.label, f"No data for {month}: {starts}. Nothing to review."
        )
    if accounts.height == 0:
        return empty_review(
            month, start, end, scope.label, f"No accounts in {scope.label}: nothing to review."
        )
    now_dx = diagnose(url=url, as_of=end, settings=s)
    now = _scores(now_dx)
    prev_end = start - timedelta(days=1)
    stored = history.filter(C("as_of").is_between(prev_end.replace(day=1), prev_end))
    before: pl.DataFrame | None = None
    source: str | None = None
    if stored.height:
        day = stored["as_of"].max()
        assert isinstance(day, date)
        before = stored.filter(C("as_of") == day)
        source = f"the snapshots stored for {day.isoformat()}"
    elif prev_end >= first:
        before = _scores(diagnose(url=url, as_of=prev_end, settings=s))
        source = f"health as of {prev_end.isoformat()}, computed (no snapshot was stored)"
    data = agenda_data(url=url, owners=scope.owners, as_of=end, settings=s, diagnosis=now_dx)
    open_items = data.frame.filter(C("state") == "open")
    commitments = data.inputs.commitments.filter(
        ~C("cancelled").fill_null(False)
        & (C("done_on").is_null() | (C("done_on") > end))
        & (C("made_on") <= end)
    )
    sellers = _alignment(url, scope, now_dx, end, s)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            all_names = read_slice(conn, "users", None, ("user_id", "name"))
    finally:
        engine.dispose()
    names = all_names.select(C("user_id").alias("owner_id"), C("name").alias("owner_name"))
    inputs = data.inputs
    activity = month_activity(
        orders=inputs.orders,
        touchpoints=inputs.touchpoints,
        commitments=inputs.commitments,
        start=start,
        end=end,
    )
    costs = _costs(now_dx, accounts.select("account_id", "name"), all_names, end, s)
    intents = dict(
        accounts.join(
            plans.select("account_id", C("intent").alias("plan_intent")),
            on="account_id",
            how="left",
        )
        .select("account_id", pl.coalesce("intent", "plan_intent"))
        .drop_nulls()
        .iter_rows()
    )
    return build_review(
        month=month,
        start=start,
        end=end,
        scope=scope.label,
        accounts=accounts.join(names, on="owner_id", how="left"),
        now=now,
        before=before,
        before_source=source,
        history=history,
        agenda=open_items,
        commitments=commitments,
        sellers=sellers,
        alignment_start=end - timedelta(days=s.review.alignment_days - 1),
        key_accounts=s.review.key_accounts,
        movers=s.review.movers,
        plans=plan_summaries(plans, end, s.agenda.plan_max_age_days),
        activity=activity,
        costs=costs,
        plan_max_age_days=s.agenda.plan_max_age_days,
        answers=answers,
        last_answers=last_answers,
        referrals=_referrals(inputs.referrals, start, end),
        intents=intents,
    )


def _previous(month: str) -> str:
    start, _ = parse_month(month)
    return (start - timedelta(days=1)).strftime("%Y-%m")


def _referrals(referrals: pl.DataFrame, start: date, end: date) -> dict[str, Referrals]:
    """account_id → referrals given and received, in the month and in the 12 months to its end."""
    year = referrals.filter(C("made_on").is_between(end - timedelta(days=364), end))
    month = C("made_on") >= start
    counted = year.group_by("account_id").agg(
        ((C("direction") == "given") & month).sum().alias("gm"),
        ((C("direction") == "received") & month).sum().alias("rm"),
        (C("direction") == "given").sum().alias("gy"),
        (C("direction") == "received").sum().alias("ry"),
    )
    return {
        r["account_id"]: Referrals(int(r["gm"]), int(r["rm"]), int(r["gy"]), int(r["ry"]))
        for r in counted.iter_rows(named=True)
    }


def read_answers(conn: sa.Connection, month: str, account_ids: list[str]) -> dict[str, Answer]:
    """account_id → the answer written for `month` (accounts without one are left out)."""
    t = review_answers
    out: dict[str, Answer] = {}
    for begin in range(0, len(account_ids), 5000):
        chunk = account_ids[begin : begin + 5000]
        rows = conn.execute(
            sa.select(t).where((t.c.month == month) & t.c.account_id.in_(chunk))
        ).mappings()
        for r in rows:
            out[r["account_id"]] = Answer(
                r["month"], r["answer"], r["commitment"], r["user_id"], r["written_at"]
            )
    return out


ANSWER_MAX = 2000
"""Most characters of an answer, and of a commitment."""


def answer_review(
    *,
    url: str | None,
    month: str,
    account_id: str,
    user_id: str,
    answer: str,
    commitment: str | None = None,
    allowed_accounts: set[str] | None = None,
) -> Answer:
    """Store (or replace) the seller's answer for an account and month, audited, in one
    transaction: what they are doing to perpetuate the relationship, and their commitment
    for the month. `allowed_accounts` (None: any) is the caller's scope."""
    from datetime import UTC, datetime

    from accord import audit
    from accord.storage import bulk

    parse_month(month)
    text = " ".join(answer.split())
    promise = " ".join((commitment or "").split()) or None
    if not text:
        raise BadInputError(
            "the answer is empty: say what you are doing to perpetuate the relationship"
        )
    for name, value in (("answer", text), ("commitment", promise or "")):
        if len(value) > ANSWER_MAX:
            raise BadInputError(f"the {name} is {len(value)} characters; at most {ANSWER_MAX}")
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.begin() as conn:
            require_user(conn, user_id)
            if not bulk.account_exists(conn, account_id) or (
                allowed_accounts is not None and account_id not in allowed_accounts
            ):
                raise NotFoundError(f"there is no account {account_id!r} in the book")
            t = review_answers
            key = (t.c.month == month) & (t.c.account_id == account_id)
            old = (
                conn.execute(sa.select(t.c.answer, t.c.commitment, t.c.user_id).where(key))
                .mappings()
                .first()
            )
            now = datetime.now(UTC).replace(tzinfo=None)
            new = {"answer": text, "commitment": promise, "user_id": user_id}
            conn.execute(t.delete().where(key))
            conn.execute(
                t.insert(), {"month": month, "account_id": account_id, "written_at": now, **new}
            )
            audit.record(
                conn,
                user_id=user_id,
                action="create" if old is None else "update",
                table="review_answers",
                key=f"{account_id}/{month}",
                account_id=account_id,
                old=None if old is None else dict(old),
                new=new,
            )
    finally:
        engine.dispose()
    return Answer(month, text, promise, user_id, now)


COST_TOP_ACCOUNTS = 3
"""Accounts named behind each line of the cost section (as `accord costs --top`)."""

_PLAN_COLUMNS = (
    "account_id",
    "updated_on",
    "mutual_benefit",
    "intent",
    "intent_reason",
    "objectives",
)


def _costs(
    diagnosis: Diagnosis, accounts: pl.DataFrame, users: pl.DataFrame, end: date, s: Settings
) -> CostSection:
    """What the unhealthy relationships in scope cost, by pattern and by seller.

    The diagnosis is of the whole book (patterns compare an account with its
    segment); only the scope's accounts are totalled, by `costs_from_diagnosis`.
    """
    from accord.services_costs import costs_from_diagnosis  # it imports services_agenda

    mine = accounts["account_id"].implode()
    scoped = dataclasses.replace(
        diagnosis,
        accounts=diagnosis.accounts.filter(C("account_id").is_in(mine)),
        patterns=diagnosis.patterns.filter(C("account_id").is_in(mine)),
    )
    by_pattern = costs_from_diagnosis(scoped, accounts, "pattern", COST_TOP_ACCOUNTS)
    by_seller = costs_from_diagnosis(scoped, accounts, "seller", COST_TOP_ACCOUNTS)
    return cost_section(
        by_pattern=by_pattern.lines,
        by_seller=by_seller.lines,
        total=by_pattern.total,
        sellers=dict(users.select("user_id", "name").iter_rows()),
        window_start=end - timedelta(days=s.general.window_days - 1),
        as_of=end,
    )


def _alignment(
    url: str | None, scope: Scope, diagnosis: Diagnosis, end: date, s: Settings
) -> list[SellerAlignment]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            accounts = read_slice(conn, "accounts", None, ("account_id", "owner_id"))
            orders = read_slice(
                conn,
                "orders",
                None,
                ("account_id", "ordered_on", "amount", "list_amount", "cost", "user_id"),
            )
            touch = read_slice(
                conn,
                "touchpoints",
                None,
                ("account_id", "occurred_at", "purpose", "user_id", "minutes", "purpose_inferred"),
            ).with_columns(
                C("occurred_at").dt.date().alias("day"),
                C("purpose").fill_null(C("purpose_inferred")),  # else read from the text
            )
            service = read_slice(
                conn, "service_log", None, ("account_id", "worked_on", "hours", "user_id")
            )
            commitments = read_slice(
                conn,
                "commitments",
                None,
                ("account_id", "side", "made_on", "due_on", "done_on", "cancelled", "user_id"),
            )
    finally:
        engine.dispose()
    owners = set(accounts["owner_id"].drop_nulls().to_list())
    sellers = set(orders["user_id"].drop_nulls().to_list()) | owners
    users = scope.users.filter(C("user_id").is_in(sorted(sellers)))
    return alignment(
        users=users,
        accounts=accounts,
        orders=orders,
        touchpoints=touch,
        service=service,
        commitments=commitments,
        health=diagnosis.accounts.select("account_id", "score"),
        patterns=diagnosis.patterns.select("account_id", "id"),
        end=end,
        s=s,
    )


def seller_alignment(
    *,
    url: str | None,
    month: str,
    team: str | None = None,
    user_id: str | None = None,
    settings: Settings | None = None,
) -> list[SellerAlignment]:
    """The seller alignment table as of a month's end (best adjusted performance first)."""
    from accord.services import diagnose

    s = settings or Settings()
    _, end = parse_month(month)
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            scope = _scope(conn, team, user_id)
    finally:
        engine.dispose()
    return _alignment(url, scope, diagnose(url=url, as_of=end, settings=s), end, s)


@dataclass(frozen=True)
class WrittenReview:
    path: Path
    format: str  # html | pdf
    model: ReviewModel


def check_output(out: Path) -> str:
    """The format of `out` from its suffix, after checking it can be written."""
    kind = out.suffix.lower().lstrip(".")
    if kind not in ("html", "pdf"):
        raise BadInputError(f"--out {out}: the file must end in .html or .pdf")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise BadInputError(f"cannot write {out}: the folder {folder} does not exist")
    if out.is_dir():
        raise BadInputError(f"cannot write {out}: it is a folder")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise BadInputError(f"cannot write {out}: permission denied")
    return kind


def write_review(
    *,
    url: str | None,
    month: str,
    out: Path,
    team: str | None = None,
    user_id: str | None = None,
    settings: Settings | None = None,
) -> WrittenReview:
    """Build the review and write it as HTML or PDF (by the suffix of `out`)."""
    s = settings or Settings()
    kind = check_output(out)
    model = review(url=url, month=month, team=team, user_id=user_id, settings=s)
    html = render_html(
        model,
        pressure_penalty=s.review.pressure_penalty,
        giveaway_points=s.review.giveaway_points,
        pressure_points=s.review.pressure_points,
        kept_points=s.review.kept_points,
        follow_up_points=s.review.follow_up_points,
        currency=s.general.currency,
    )
    try:
        if kind == "html":
            out.write_text(html, encoding="utf-8")
        else:
            write_pdf(html, out)
    except OSError as exc:
        raise BadInputError(f"cannot write {out}: {exc.strerror or exc}") from None
    return WrittenReview(out, kind, model)
