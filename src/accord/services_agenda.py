"""Use cases of the daily agenda and the monthly review (part of the service layer).

Keyword-only functions taking a database URL, returning typed dataclasses;
nothing here prints. The agenda is regenerated from the ledger on every call
(a diagnosis of the whole book, since patterns compare an account with its
segment) and only the seller's decisions are stored (`agenda_state`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from accord import audit
from accord.agenda import AgendaInputs, AgendaItem, build, to_items
from accord.agenda.daily import Action, Entry, daily, merge, ranked
from accord.config import Settings
from accord.domain import enums
from accord.domain.schema import BY_NAME, Kind
from accord.errors import BadInputError, NotFoundError
from accord.services_signals import infer_rows
from accord.storage.agenda_state import (
    agenda_state,
    clear_cadence,
    read_cadences,
    read_states,
    save_cadence,
    save_state,
)
from accord.storage.database import make_engine, require_current
from accord.storage.tables import LEDGER_TABLES

_POLARS = {
    Kind.TEXT: pl.String(),
    Kind.ENUM: pl.String(),
    Kind.LIST: pl.String(),
    Kind.INT: pl.Int64(),
    Kind.DECIMAL: pl.Float64(),
    Kind.DATE: pl.Date(),
    Kind.DATETIME: pl.Datetime("us"),
    Kind.BOOL: pl.Boolean(),
}

_SLICE: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id", "name", "owner_id", "segment", "created_on", "payment_terms_days"),
    "contacts": ("contact_id", "account_id", "name", "decision_role", "active"),
    "touchpoints": (
        "account_id",
        "occurred_at",
        "purpose",
        "user_id",
        "contact_ids",
        "tags",
        "purpose_inferred",
    ),
    "orders": ("order_id", "account_id", "ordered_on", "amount", "list_amount", "user_id"),
    "commitments": (
        "commitment_id",
        "account_id",
        "side",
        "made_on",
        "due_on",
        "description",
        "done_on",
        "cancelled",
        "user_id",
        "contact_id",
    ),
    "invoices": ("invoice_id", "account_id", "issued_on", "amount", "terms_days", "paid_on"),
    "opportunities": (
        "opportunity_id",
        "account_id",
        "name",
        "stage",
        "amount",
        "closed_on",
        "user_id",
        "genuine_need",
        "able_to_decide",
        "able_to_pay",
    ),
    "feedback": ("account_id", "received_on", "tags"),
    "referrals": ("account_id", "partner_id", "direction", "made_on"),
}


def read_slice(
    conn: sa.Connection, table: str, owners: list[str] | None, columns: tuple[str, ...]
) -> pl.DataFrame:
    """Columns of a ledger table for the accounts of `owners` (all accounts if None), typed.

    SQLite is read as Arrow through ADBC (no Python object per value: a whole
    book's touchpoints in a fraction of a second); PostgreSQL through the driver.
    """
    spec = BY_NAME[table]
    schema = {c: _POLARS[spec.column(c).kind] for c in columns}
    database = conn.engine.url.database
    if conn.dialect.name == "sqlite" and database and database != ":memory:":
        return _read_sqlite(Path(database), table, owners, columns, schema)
    t = LEDGER_TABLES[table]
    query = sa.select(*[t.c[c] for c in columns])
    if owners is not None:
        accounts = LEDGER_TABLES["accounts"]
        if table == "accounts":
            query = query.where(t.c.owner_id.in_(owners))
        else:
            mine = sa.select(accounts.c.account_id).where(accounts.c.owner_id.in_(owners))
            query = query.where(t.c.account_id.in_(mine))
    rows = [tuple(r) for r in conn.execute(query)]
    return pl.DataFrame(rows, schema=schema, orient="row")


_PROBE = {pl.String(): "'x'", pl.Int64(): "0", pl.Float64(): "0.0", pl.Boolean(): "0"}
_CAST = {pl.Int64(): "INTEGER", pl.Float64(): "REAL", pl.Boolean(): "INTEGER"}


def _read_sqlite(
    path: Path,
    table: str,
    owners: list[str] | None,
    columns: tuple[str, ...],
    schema: dict[str, pl.DataType],
) -> pl.DataFrame:
    import adbc_driver_sqlite.dbapi as adbc

    parts, probe = [], []
    for col in columns:
        dtype = schema[col]
        parts.append(f'CAST("{col}" AS {_CAST[dtype]})' if dtype in _CAST else f'"{col}"')
        # A typed first row (dropped below): ADBC infers a column's type from its first rows.
        probe.append(_PROBE.get(dtype, "'1970-01-01 00:00:00'"))
    where = ""
    if owners is not None:
        quoted = ", ".join("'" + o.replace("'", "''") + "'" for o in owners)
        mine = f"owner_id IN ({quoted})"
        where = (
            f" WHERE {mine}"
            if table == "accounts"
            else (f" WHERE account_id IN (SELECT account_id FROM accounts WHERE {mine})")
        )
    sql = f'SELECT {", ".join(probe)} UNION ALL SELECT {", ".join(parts)} FROM "{table}"{where}'
    with adbc.connect(str(path), autocommit=True) as con, con.cursor() as cur:
        cur.execute("PRAGMA busy_timeout = 10000")
        cur.execute(sql)
        arrow = cur.fetch_arrow_table()
    raw = pl.from_arrow(arrow.slice(1).rename_columns(list(columns)))
    assert isinstance(raw, pl.DataFrame)
    fixes = []
    for col, dtype in schema.items():
        c = pl.col(col)
        if dtype == pl.Date():
            fixes.append(c.cast(pl.String).str.slice(0, 10).str.to_date("%Y-%m-%d"))
        elif dtype == pl.Datetime("us"):
            fixes.append(c.cast(pl.String).str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us"))
        elif dtype == pl.Boolean():
            fixes.append(c.cast(pl.Int64) != 0)
        else:
            fixes.append(c.cast(dtype))
    return raw.with_columns(fixes) if fixes else raw


def require_user(conn: sa.Connection, user_id: str) -> dict[str, Any]:
    users = LEDGER_TABLES["users"]
    row = conn.execute(sa.select(users).where(users.c.user_id == user_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"there is no user {user_id!r} in the book")
    return dict(row)


def p_alive_before(url: str, day: date, s: Settings) -> pl.DataFrame:
    """account_id, p_alive_before: the lifetime model's probability alive as of `day`."""
    from accord.analytics import open_ledger, order_history
    from accord.clv import ClvError, account_outlook

    empty = pl.DataFrame(schema={"account_id": pl.String, "p_alive_before": pl.Float64})
    with open_ledger(url, tables=("orders",)) as ledger:
        orders = pl.from_arrow(ledger.to_arrow(order_history(ledger, day)))
    assert isinstance(orders, pl.DataFrame)
    if orders.height == 0:
        return empty
    try:
        outlook = account_outlook(
            orders.sort("account_id", "ordered_on", "amount"),
            day,
            min_accounts=s.continuity.min_model_accounts,
        )
    except ClvError:
        return empty
    return outlook.table.select("account_id", pl.col("p_alive").alias("p_alive_before"))


@dataclass(frozen=True)
class AgendaData:
    """The agenda of some accounts as a frame, with what it was built from."""

    as_of: date
    frame: pl.DataFrame  # every item, hidden ones included (column `state`)
    inputs: AgendaInputs
    diagnosis: Any  # accord.health.Diagnosis of the whole book


def agenda_data(
    *,
    url: str | None,
    owners: list[str] | None,
    as_of: date,
    settings: Settings,
    diagnosis: Any = None,
) -> AgendaData:
    """Build the agenda of the accounts owned by `owners` (every account if None)."""
    from accord.services import diagnose
    from accord.services_decision import agenda_hooks

    engine = make_engine(url)
    try:
        require_current(engine)
        full_url = engine.url.render_as_string(hide_password=False)
        if diagnosis is None:
            diagnosis = diagnose(url=url, as_of=as_of, settings=settings)
        before = p_alive_before(
            full_url, as_of - timedelta(days=settings.agenda.reconnect_lookback_days), settings
        )
        with engine.connect() as conn:
            frames = {t: read_slice(conn, t, owners, cols) for t, cols in _SLICE.items()}
            # the purpose a person gave, else the one read from the text (accord.signals)
            frames["touchpoints"] = frames["touchpoints"].with_columns(
                pl.col("purpose").fill_null(pl.col("purpose_inferred"))
            )
            partners = read_slice(conn, "partners", None, ("partner_id", "name", "expertise"))
            plans = read_slice(conn, "account_plans", owners, ("account_id", "updated_on"))
            retros = read_slice(conn, "retrospectives", None, ("opportunity_id",))
            cadences = read_cadences(conn)
            states = read_states(conn, frames["accounts"]["account_id"].to_list())
    finally:
        engine.dispose()
    outlook = diagnosis.accounts.select("account_id", "p_alive", "expected_value_12m")
    # issue 8: book-wide value rank, plan age, decision makers (accord.agenda.follow_through)
    people = diagnosis.accounts.select(
        "account_id",
        pl.col("expected_value_12m")
        .rank("ordinal", descending=True)
        .cast(pl.Int64)
        .alias("value_rank"),
        "n_decision_makers",
        "decision_maker_strength",
    ).join(plans.rename({"updated_on": "plan_updated_on"}), on="account_id", how="left")
    values = outlook["expected_value_12m"].drop_nulls()
    valuable_from = (
        float(values.quantile(settings.agenda.reconnect_percentile, interpolation="linear") or 0.0)
        if values.len()
        else None
    )
    accounts = (
        frames["accounts"]
        .join(outlook, on="account_id", how="left")
        .join(before, on="account_id", how="left")
        .join(cadences, on="account_id", how="left")
        .join(people, on="account_id", how="left")
    )
    invoices = frames["invoices"].join(
        accounts.select("account_id", "payment_terms_days"), on="account_id", how="left"
    )
    invoices = invoices.with_columns(
        (
            pl.col("issued_on")
            + pl.duration(
                days=pl.coalesce("terms_days", "payment_terms_days", pl.lit(30, dtype=pl.Int64))
            )
        ).alias("due_on")
    )
    touch = frames["touchpoints"].with_columns(pl.col("occurred_at").dt.date().alias("day"))
    mine = set(accounts["account_id"].to_list())
    decisions, value_states = agenda_hooks(
        url=url, as_of=as_of, settings=settings, accounts=sorted(mine)
    )
    inputs = AgendaInputs(
        accounts=accounts,
        contacts=frames["contacts"],
        touchpoints=touch,
        orders=frames["orders"],
        commitments=frames["commitments"],
        invoices=invoices,
        opportunities=frames["opportunities"].with_columns(
            pl.col("opportunity_id")
            .is_in(retros["opportunity_id"].implode())
            .alias("has_retrospective")
        ),
        feedback=frames["feedback"],
        partners=partners,
        referrals=frames["referrals"],
        patterns=diagnosis.patterns.filter(pl.col("account_id").is_in(list(mine))),
        valuable_from=valuable_from,
        decisions=decisions,
        value_states=value_states,
    )
    frame = build(inputs, states, as_of, settings)
    return AgendaData(as_of, frame, inputs, diagnosis)


@dataclass(frozen=True)
class Agenda:
    """A seller's next actions as of a date: the daily agenda and every item behind it.

    `actions` is the daily agenda (one line per account, at most
    `agenda.max_actions`; accord.agenda.daily), `to_complete` the separate list
    of missing data; `items` every open item (with `include_hidden`, the hidden
    ones too), ranked by severity then priority, `limit` of them at most.
    """

    user_id: str
    user_name: str
    as_of: date
    items: list[AgendaItem]
    total: int  # open items before any limit
    hidden: dict[str, int]  # snoozed / done / dismissed items not shown
    actions: list[Action] = field(default_factory=list)
    more_actions: int = 0  # account lines beyond `agenda.max_actions`
    to_complete: list[Entry] = field(default_factory=list)
    more_to_complete: int = 0

    def records(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "user_name": self.user_name,
            "as_of": self.as_of.isoformat(),
            "total": self.total,
            "hidden": self.hidden,
            "actions": [a.record() for a in self.actions],
            "more_actions": self.more_actions,
            "to_complete": [e.record() for e in self.to_complete],
            "more_to_complete": self.more_to_complete,
            "items": [i.record() for i in self.items],
        }


def agenda_of(data: AgendaData, user: dict[str, Any], settings: Settings, **kw: Any) -> Agenda:
    """The agenda of a seller from built agenda data (their accounts only)."""
    frame = data.frame
    if "owner_id" not in frame.columns:
        owners = data.inputs.accounts.select("account_id", "owner_id")
        frame = frame.join(owners, on="account_id", how="left")
    return _agenda(
        frame.filter(pl.col("owner_id") == user["user_id"]), user, data.as_of, settings, **kw
    )


def _agenda(
    frame: pl.DataFrame,
    user: dict[str, Any],
    day: date,
    settings: Settings,
    *,
    limit: int | None = None,
    include_hidden: bool = False,
    max_actions: int | None = None,
) -> Agenda:
    open_ = frame.filter(pl.col("state") == "open")
    hidden = {
        str(k): int(v)
        for k, v in frame.filter(pl.col("state") != "open").group_by("state").len().iter_rows()
    }
    open_items = to_items(open_)
    shown = ranked(to_items(frame) if include_hidden else open_items)
    if limit:
        shown = shown[:limit]
    a = settings.agenda
    most = a.max_actions if max_actions is None else max_actions
    today = daily(open_items, most or None, a.max_to_complete or None)
    return Agenda(
        str(user["user_id"]),
        str(user["name"]),
        day,
        shown,
        open_.height,
        hidden,
        today.actions,
        today.more_actions,
        today.to_complete,
        today.more_to_complete,
    )


def agenda(
    *,
    url: str | None,
    user_id: str,
    as_of: date | None = None,
    settings: Settings | None = None,
    limit: int | None = None,
    include_hidden: bool = False,
    max_actions: int | None = None,
) -> Agenda:
    """The seller's agenda: the daily actions, the data to complete, and every open item.

    `max_actions` overrides `agenda.max_actions` (0: every account line).
    """
    settings = settings or Settings()
    day = as_of or date.today()
    user = _user(url, user_id)
    data = agenda_data(url=url, owners=[user_id], as_of=day, settings=settings)
    return _agenda(
        data.frame,
        user,
        day,
        settings,
        limit=limit,
        include_hidden=include_hidden,
        max_actions=max_actions,
    )


@dataclass(frozen=True)
class SellerDay:
    """One seller on a manager's view: their agenda, how they follow it, their late promises."""

    agenda: Agenda
    completed: int  # items completed in the last `COMPLETION_DAYS` days
    overdue_open: int  # open items past their due date
    overdue_promises: int  # our commitments on their accounts, open and past due

    @property
    def completion_rate(self) -> float | None:
        """completed ÷ (completed + open and overdue); None when both are 0."""
        whole = self.completed + self.overdue_open
        return None if whole == 0 else round(self.completed / whole, 3)

    def record(self) -> dict[str, Any]:
        return {
            "user_id": self.agenda.user_id,
            "user_name": self.agenda.user_name,
            "completion_rate": self.completion_rate,
            "completed_30d": self.completed,
            "overdue_open": self.overdue_open,
            "overdue_promises": self.overdue_promises,
            "open_items": self.agenda.total,
            "actions": [a.record() for a in self.agenda.actions],
            "more_actions": self.agenda.more_actions,
            "to_complete": len(self.agenda.to_complete) + self.agenda.more_to_complete,
        }


@dataclass(frozen=True)
class TeamAgenda:
    """A manager's view: each seller's daily agenda, completion rate and overdue promises."""

    scope: str  # "team North 1" / "the team of Zoe Ekstrom (U00002)"
    as_of: date
    sellers: list[SellerDay]

    def records(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "as_of": self.as_of.isoformat(),
            "completion_days": COMPLETION_DAYS,
            "sellers": [s.record() for s in self.sellers],
        }


COMPLETION_DAYS = 30
"""A seller's completion rate counts the items they completed in this many days up to the date."""


def team_sellers(
    conn: sa.Connection, *, team: str | None = None, manager_id: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The sellers (users owning accounts or of role rep) of a team, or reporting to a manager
    (through `manager_id`, or in the manager's team); with the scope in words."""
    users = LEDGER_TABLES["users"]
    accounts = LEDGER_TABLES["accounts"]
    owners = {r[0] for r in conn.execute(sa.select(accounts.c.owner_id).distinct())}
    if manager_id is not None:
        boss = require_user(conn, manager_id)
        cond = users.c.manager_id == manager_id
        if boss.get("team"):
            cond = sa.or_(cond, users.c.team == boss["team"])
        scope = f"the team of {boss['name']} ({manager_id})"
        rows = conn.execute(
            sa.select(users).where(cond & (users.c.user_id != manager_id)).order_by(users.c.user_id)
        ).mappings()
    elif team is not None:
        scope = f"team {team}"
        rows = conn.execute(
            sa.select(users).where(users.c.team == team).order_by(users.c.user_id)
        ).mappings()
    else:
        raise BadInputError("which team? give a team name or a manager's user id")
    sellers = [dict(r) for r in rows if r["role"] in (None, "rep") or r["user_id"] in owners]
    if not sellers:
        known = sorted(
            {str(r[0]) for r in conn.execute(sa.select(users.c.team).distinct()) if r[0]}
        )
        raise NotFoundError(
            f"{scope} has no sellers"
            + (f"; teams in the book: {', '.join(known)}" if known else "")
        )
    return scope, sellers


def team_agenda(
    *,
    url: str | None,
    team: str | None = None,
    manager_id: str | None = None,
    as_of: date | None = None,
    settings: Settings | None = None,
) -> TeamAgenda:
    """Each seller of a team (or of a manager) with their daily agenda, completion rate and
    overdue promises; one diagnosis of the book for all of them."""
    settings = settings or Settings()
    day = as_of or date.today()
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            scope, sellers = team_sellers(conn, team=team, manager_id=manager_id)
            done = _completed(conn, [str(u["user_id"]) for u in sellers], day)
    finally:
        engine.dispose()
    data = agenda_data(
        url=url, owners=[str(u["user_id"]) for u in sellers], as_of=day, settings=settings
    )
    commitments = data.inputs.commitments.join(
        data.inputs.accounts.select("account_id", "owner_id"), on="account_id"
    ).filter(
        (pl.col("side") == "us")
        & ~pl.col("cancelled").fill_null(False)
        & (pl.col("done_on").is_null() | (pl.col("done_on") > day))
        & (pl.col("due_on") < day)
    )
    late = dict(commitments.group_by("owner_id").len().iter_rows())
    out = []
    for u in sellers:
        seller = agenda_of(data, u, settings)
        uid = str(u["user_id"])
        overdue = sum(
            1
            for i in to_items(
                data.frame.join(
                    data.inputs.accounts.select("account_id", "owner_id"), on="account_id"
                ).filter(
                    (pl.col("owner_id") == uid)
                    & (pl.col("state") == "open")
                    & (pl.col("days_overdue") > 0)
                )
            )
            if i.category == "action"
        )
        out.append(SellerDay(seller, done.get(uid, 0), overdue, int(late.get(uid, 0))))
    return TeamAgenda(scope, day, out)


def _completed(conn: sa.Connection, user_ids: list[str], day: date) -> dict[str, int]:
    """Items each user completed in the `COMPLETION_DAYS` days up to `day`."""
    t = agenda_state
    rows = conn.execute(
        sa.select(t.c.user_id, sa.func.count())
        .where(
            t.c.user_id.in_(user_ids)
            & (t.c.state == "done")
            & (t.c.changed_on > day - timedelta(days=COMPLETION_DAYS))
            & (t.c.changed_on <= day)
        )
        .group_by(t.c.user_id)
    )
    return {str(r[0]): int(r[1]) for r in rows}


@dataclass(frozen=True, slots=True)
class WrittenDigest:
    user_id: str
    path: Path
    to: str
    actions: int


def write_digests(
    *,
    url: str | None,
    out: Path,
    user_id: str | None = None,
    all_sellers: bool = False,
    as_of: date | None = None,
    sender: str | None = None,
    settings: Settings | None = None,
) -> list[WrittenDigest]:
    """Write the morning agenda as e-mail (`out` FILE.eml, or FILE.html for the HTML alone);
    with `all_sellers`, one DIR/USER_ID.eml per seller who owns accounts and has an e-mail."""
    from accord.agenda import digest

    settings = settings or Settings()
    day = as_of or date.today()
    if all_sellers == (user_id is not None):
        raise BadInputError("give one seller (--user ID) or every seller (--all), not both")
    if not all_sellers and out.suffix.lower() not in (".eml", ".html"):
        raise BadInputError(f"{out}: the digest is written as FILE.eml (e-mail) or FILE.html")
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            if user_id is not None:
                users = [require_user(conn, user_id)]
            else:
                t, a = LEDGER_TABLES["users"], LEDGER_TABLES["accounts"]
                owners = sa.select(a.c.owner_id).distinct()
                users = [
                    dict(r)
                    for r in conn.execute(
                        sa.select(t).where(t.c.user_id.in_(owners)).order_by(t.c.user_id)
                    ).mappings()
                ]
    finally:
        engine.dispose()
    if user_id is not None and out.suffix.lower() == ".eml" and not users[0].get("email"):
        raise BadInputError(
            f"user {user_id!r} has no e-mail address in the book; add it to users.csv, "
            "or write --out FILE.html"
        )
    data = agenda_data(
        url=url, owners=[str(u["user_id"]) for u in users], as_of=day, settings=settings
    )
    if all_sellers:
        out.mkdir(parents=True, exist_ok=True)
    written = []
    for u in users:
        seller = agenda_of(data, u, settings)
        if all_sellers and not u.get("email"):
            continue
        path = out / f"{u['user_id']}.eml" if all_sellers else out
        if path.suffix.lower() == ".html":
            path.write_text(digest.html(seller), encoding="utf-8")
        else:
            msg = digest.message(seller, to=str(u["email"]), sender=sender or digest.DEFAULT_SENDER)
            path.write_bytes(msg.as_bytes())
        written.append(
            WrittenDigest(str(u["user_id"]), path, str(u.get("email") or ""), len(seller.actions))
        )
    return written


def _user(url: str | None, user_id: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            return require_user(conn, user_id)
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class NewTouchpoint:
    """A touchpoint logged when an item is completed (the contact of the item by default)."""

    channel: str = "call"
    purpose: str | None = None  # None: unlabelled (inferred from the summary)
    direction: str = "outbound"
    minutes: int | None = None
    summary: str | None = None
    contact_ids: str | None = None  # `;`-separated; default the item's contact


@dataclass(frozen=True)
class Decision:
    """What was stored for an item."""

    item: AgendaItem
    state: str
    until: date | None
    note: str | None
    touchpoint_id: str | None


@dataclass(frozen=True, slots=True)
class Completion:
    """What completing an item records in the ledger, beside the decision (docs/agenda.md).

    `values`: a value review's measurements, metric → value (one value check each,
    measured on the as-of date); `do_differently`: a retrospective's second half
    (the first, what we learned, is the note).
    """

    values: dict[str, float] = field(default_factory=dict)
    do_differently: str | None = None


def complete_item(
    *,
    url: str | None,
    user_id: str,
    item_id: str,
    as_of: date | None = None,
    note: str | None = None,
    touchpoint: NewTouchpoint | None = None,
    settings: Settings | None = None,
    completion: Completion | None = None,
) -> Decision:
    """Mark an item done and do what it says in the ledger, in one transaction, audited.

    A promise item marks the commitment done on the as-of date; a value review
    records the value checks of `completion.values`; a retrospective writes it
    (the note is what we learned). With `touchpoint`, the touchpoint that did it
    is logged on the item's account. Items merged into this one (they said the
    same thing) are completed with it, unless they have ledger effects of their own.
    """
    return _decide(
        url,
        user_id,
        item_id,
        as_of,
        settings,
        "done",
        None,
        note,
        touchpoint,
        completion or Completion(),
    )


def snooze_item(
    *,
    url: str | None,
    user_id: str,
    item_id: str,
    until: date,
    as_of: date | None = None,
    settings: Settings | None = None,
) -> Decision:
    """Hide an item until a date (it comes back on that date if still due)."""
    day = as_of or date.today()
    if until <= day:
        raise BadInputError(
            f"snooze until {until.isoformat()} is not after the as-of date {day.isoformat()}"
        )
    return _decide(url, user_id, item_id, day, settings, "snoozed", until, None, None)


def dismiss_item(
    *,
    url: str | None,
    user_id: str,
    item_id: str,
    reason: str,
    as_of: date | None = None,
    settings: Settings | None = None,
) -> Decision:
    """Hide an item for good, saying why (the reason is kept with it)."""
    if not reason.strip():
        raise BadInputError("a dismissal needs a reason: say why this item does not apply")
    return _decide(url, user_id, item_id, as_of, settings, "dismissed", None, reason.strip(), None)


def _check_touchpoint(tp: NewTouchpoint) -> None:
    for name, value, choices in (
        ("channel", tp.channel, enums.Channel),
        ("purpose", tp.purpose, enums.Purpose),
        ("direction", tp.direction, enums.Direction),
    ):
        allowed = [str(m.value) for m in choices]
        if value not in allowed and not (name == "purpose" and value is None):
            raise BadInputError(
                f"unknown touchpoint {name} {value!r}; expected one of: {', '.join(allowed)}"
            )
    if tp.minutes is not None and tp.minutes < 0:
        raise BadInputError(f"touchpoint minutes must not be negative (got {tp.minutes})")


def _decide(
    url: str | None,
    user_id: str,
    item_id: str,
    as_of: date | None,
    settings: Settings | None,
    state: str,
    until: date | None,
    note: str | None,
    touchpoint: NewTouchpoint | None,
    completion: Completion | None = None,
) -> Decision:
    settings = settings or Settings()
    day = as_of or date.today()
    if touchpoint is not None:
        _check_touchpoint(touchpoint)
    _user(url, user_id)
    data = agenda_data(url=url, owners=[user_id], as_of=day, settings=settings)
    found = to_items(data.frame.filter(pl.col("id") == item_id))
    if not found:
        raise NotFoundError(
            f"there is no agenda item {item_id!r} for user {user_id!r} as of {day.isoformat()}"
        )
    item = found[0]
    merged: list[AgendaItem] = []
    if state == "done":
        account = to_items(
            data.frame.filter(
                (pl.col("account_id") == item.account_id) & (pl.col("state") == "open")
            )
        )
        entry = next((e for e in merge(account) if e.item.id == item.id), None)
        merged = [m for m in (entry.merged if entry else []) if m.kind not in LEDGER_EFFECTS]
    now = datetime.now(UTC).replace(tzinfo=None)
    touchpoint_id: str | None = None
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if touchpoint is not None:
                touchpoint_id = f"AG-{day:%Y%m%d}-{uuid.uuid4().hex[:10]}"
                contacts = touchpoint.contact_ids or item.contact_id
                if contacts:
                    _check_contacts(conn, item.account_id, contacts)
                row = {
                    "touchpoint_id": touchpoint_id,
                    "account_id": item.account_id,
                    "occurred_at": datetime.combine(day, datetime.min.time()),
                    "channel": touchpoint.channel,
                    "direction": touchpoint.direction,
                    "purpose": touchpoint.purpose,
                    "user_id": user_id,
                    "contact_ids": contacts,
                    "minutes": touchpoint.minutes,
                    "summary": touchpoint.summary or f"{item.title} (from the agenda)",
                    "tags": "agenda",
                }
                conn.execute(LEDGER_TABLES["touchpoints"].insert(), row)
                infer_rows(conn, "touchpoints", [touchpoint_id], settings=settings)
                audit.record(
                    conn,
                    user_id=user_id,
                    action="create",
                    table="touchpoints",
                    key=touchpoint_id,
                    account_id=item.account_id,
                    old=None,
                    new=row,
                )
            if state == "done":
                apply_completion(conn, item, user_id, day, note, completion or Completion())
            for one in (item, *merged):
                _record_decision(conn, one, user_id, state, until, note, touchpoint_id)
                save_state(
                    conn,
                    item_id=one.id,
                    account_id=one.account_id,
                    kind=one.kind,
                    reason_key=one.reason_key,
                    state=state,
                    until=until,
                    note=note,
                    touchpoint_id=touchpoint_id,
                    user_id=user_id,
                    changed_on=day,
                    changed_at=now,
                )
    finally:
        engine.dispose()
    return Decision(item, state, until, note, touchpoint_id)


_DECIDED = ("state", "until", "note", "touchpoint_id")

LEDGER_EFFECTS = frozenset({"our_commitment", "their_commitment", "value_review", "retrospective"})
"""Kinds whose completion writes the ledger (`apply_completion`)."""


def apply_completion(
    conn: sa.Connection,
    item: AgendaItem,
    user_id: str,
    day: date,
    note: str | None,
    completion: Completion,
) -> None:
    """Do in the ledger what a completed item says, audited, inside the caller's transaction."""
    if item.kind in ("our_commitment", "their_commitment"):
        t = LEDGER_TABLES["commitments"]
        row = (
            conn.execute(sa.select(t.c.done_on).where(t.c.commitment_id == item.reason_key))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"commitment {item.reason_key!r} is no longer in the book")
        conn.execute(t.update().where(t.c.commitment_id == item.reason_key).values(done_on=day))
        audit.record(
            conn,
            user_id=user_id,
            action="update",
            table="commitments",
            key=item.reason_key,
            account_id=item.account_id,
            old={"done_on": row["done_on"]},
            new={"done_on": day},
        )
    elif item.kind == "value_review":
        plans = LEDGER_TABLES["value_plans"]
        metrics = [
            r[0]
            for r in conn.execute(
                sa.select(plans.c.metric).where(plans.c.opportunity_id == item.reason_key)
            )
        ]
        unknown = sorted(set(completion.values) - set(metrics))
        if unknown:
            known = ", ".join(metrics) if metrics else "none (the deal has no value plan)"
            raise BadInputError(
                f"opportunity {item.reason_key!r} has no value plan for {', '.join(unknown)}; "
                f"its plans: {known}"
            )
        if metrics and not completion.values:
            raise BadInputError(
                f"record what the customer measured: give a value for each plan of "
                f"{item.reason_key!r} ({', '.join(metrics)}), e.g. --value {metrics[0]}=123"
            )
        checks = LEDGER_TABLES["value_checks"]
        for metric, value in sorted(completion.values.items()):
            key = {"opportunity_id": item.reason_key, "metric": metric, "measured_on": day}
            conn.execute(
                checks.delete().where(
                    (checks.c.opportunity_id == item.reason_key)
                    & (checks.c.metric == metric)
                    & (checks.c.measured_on == day)
                )
            )
            new = {**key, "value": value}
            conn.execute(checks.insert(), new)
            audit.record(
                conn,
                user_id=user_id,
                action="create",
                table="value_checks",
                key=f"{item.reason_key}/{metric}/{day.isoformat()}",
                account_id=item.account_id,
                old=None,
                new=new,
            )
    elif item.kind == "retrospective":
        if not (note and note.strip()):
            raise BadInputError(
                'a retrospective needs what we learned: give it as the note (--note "…")'
            )
        t = LEDGER_TABLES["retrospectives"]
        new = {
            "opportunity_id": item.reason_key,
            "written_on": day,
            "learned": note.strip(),
            "do_differently": (completion.do_differently or "").strip() or None,
            "user_id": user_id,
        }
        conn.execute(t.insert(), new)
        audit.record(
            conn,
            user_id=user_id,
            action="create",
            table="retrospectives",
            key=item.reason_key,
            account_id=item.account_id,
            old=None,
            new=new,
        )


def _record_decision(
    conn: sa.Connection,
    item: AgendaItem,
    user_id: str,
    state: str,
    until: date | None,
    note: str | None,
    touchpoint_id: str | None,
) -> None:
    """Audit a decision on an item (table `agenda_state`, keyed by the item id), from the
    decision stored before, if any, to this one."""
    t = agenda_state
    before = (
        conn.execute(sa.select(*[t.c[c] for c in _DECIDED]).where(t.c.item_id == item.id))
        .mappings()
        .first()
    )
    audit.record(
        conn,
        user_id=user_id,
        action="create" if before is None else "update",
        table="agenda_state",
        key=item.id,
        account_id=item.account_id,
        old=None if before is None else dict(before),
        new={"state": state, "until": until, "note": note, "touchpoint_id": touchpoint_id},
    )


def _check_contacts(conn: sa.Connection, account_id: str, contact_ids: str) -> None:
    contacts = LEDGER_TABLES["contacts"]
    wanted = [c.strip() for c in contact_ids.split(";") if c.strip()]
    rows = conn.execute(
        sa.select(contacts.c.contact_id).where(
            contacts.c.contact_id.in_(wanted) & (contacts.c.account_id == account_id)
        )
    )
    missing = sorted(set(wanted) - {r[0] for r in rows})
    if missing:
        raise NotFoundError(f"account {account_id!r} has no contact {', '.join(missing)}")


@dataclass(frozen=True, slots=True)
class Cadence:
    account_id: str
    ideal_days: int
    max_days: int
    own: bool  # False: the defaults of the settings


def set_cadence(
    *,
    url: str | None,
    account_id: str,
    ideal_days: int | None,
    max_days: int | None,
    reset: bool = False,
    settings: Settings | None = None,
) -> Cadence:
    """Give an account its own stay-in-touch cadence (or, with `reset`, the default again)."""
    from accord.storage import bulk

    s = (settings or Settings()).agenda
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.begin() as conn:
            if not bulk.account_exists(conn, account_id):
                raise NotFoundError(f"there is no account {account_id!r} in the book")
            if reset:
                clear_cadence(conn, account_id)
                return Cadence(account_id, s.cadence_ideal_days, s.cadence_max_days, False)
            ideal = s.cadence_ideal_days if ideal_days is None else ideal_days
            most = max(s.cadence_max_days, ideal) if max_days is None else max_days
            if ideal <= 0 or most < ideal:
                raise BadInputError(
                    f"a cadence needs 0 < ideal ≤ maximum days (got ideal {ideal}, maximum {most})"
                )
            save_cadence(conn, account_id, ideal, most, datetime.now(UTC).replace(tzinfo=None))
            return Cadence(account_id, ideal, most, True)
    finally:
        engine.dispose()


# The monthly review lives in its own module; adapters reach it from here.
from accord.services_review import (  # noqa: E402
    WrittenReview,
    answer_review,
    review,
    seller_alignment,
    write_review,
)

__all__ = [
    "Agenda",
    "AgendaData",
    "Cadence",
    "Completion",
    "Decision",
    "NewTouchpoint",
    "SellerDay",
    "TeamAgenda",
    "WrittenDigest",
    "WrittenReview",
    "agenda",
    "agenda_data",
    "answer_review",
    "complete_item",
    "dismiss_item",
    "review",
    "seller_alignment",
    "set_cadence",
    "snooze_item",
    "team_agenda",
    "write_digests",
    "write_review",
]
