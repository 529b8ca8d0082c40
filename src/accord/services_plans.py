"""Account plans, the map of their people, and win/loss retrospectives (service layer).

A plan is stored (`account_plans`, `plan_people`: see docs/bundle.md); our
relationship strength to each person is computed, never stored, from the
touchpoints naming them (`accord.health.strength`, the strongest of our
sellers). Rules that span rows — a retrospective only on a closed
opportunity, a plan's person from the plan's own account — live here, for
the web and API writes (`row_rules`) and for bundle imports
(`check_bundle_rules`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from accord.bundle.parse import ROW, read_file
from accord.config import Settings
from accord.domain.schema import BY_NAME
from accord.errors import BundleError, NotFoundError, Problem
from accord.storage.database import make_engine, require_current
from accord.storage.tables import LEDGER_TABLES

PLAN_FIELDS = (
    "mutual_benefit",
    "business_drivers",
    "current_challenges",
    "future_challenges",
    "point_of_view",
    "intent",
    "intent_reason",
    "objectives",
    "updated_on",
    "user_id",
)


@dataclass(frozen=True)
class PlanPerson:
    contact_id: str
    name: str
    title: str | None
    decision_role: str | None  # the plan's, else the contact's
    strength: float  # computed: the strongest of our sellers' relationships with them
    known: bool  # strength ≥ strength.known_from
    gap: str | None
    notes: str | None
    desired_owner_id: str | None

    def record(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "name": self.name,
            "title": self.title,
            "decision_role": self.decision_role,
            "strength": round(self.strength, 3),
            "known": self.known,
            "gap": self.gap,
            "notes": self.notes,
            "desired_owner_id": self.desired_owner_id,
        }


@dataclass(frozen=True)
class AccountPlan:
    """One account's plan (None where none is written), its people and the gaps."""

    account_id: str
    account_name: str
    as_of: date
    plan: dict[str, Any] | None
    people: list[PlanPerson]
    gaps: list[str] = field(default_factory=list)

    @property
    def age_days(self) -> int | None:
        if self.plan is None:
            return None
        updated: date = self.plan["updated_on"]
        return (self.as_of - updated).days

    def record(self) -> dict[str, Any]:
        plan = None
        if self.plan is not None:
            plan = {k: self.plan.get(k) for k in PLAN_FIELDS}
            plan["updated_on"] = self.plan["updated_on"].isoformat()
            plan["objectives"] = _objectives(self.plan.get("objectives"))
        return {
            "account_id": self.account_id,
            "account_name": self.account_name,
            "as_of": self.as_of.isoformat(),
            "plan": plan,
            "age_days": self.age_days,
            "people": [p.record() for p in self.people],
            "gaps": self.gaps,
        }


def _objectives(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").split(";") if x.strip()]


def _strengths(conn: sa.Connection, account_id: str, day: date, s: Settings) -> dict[str, float]:
    """contact_id → the strongest (seller, contact) strength, from this account's touchpoints."""
    tp = LEDGER_TABLES["touchpoints"]
    rows = conn.execute(
        sa.select(tp.c.user_id, tp.c.contact_ids, tp.c.occurred_at, tp.c.direction).where(
            tp.c.account_id == account_id, tp.c.contact_ids.is_not(None)
        )
    ).all()
    touches: dict[tuple[str | None, str], list[tuple[int, bool]]] = {}
    for user_id, contact_ids, occurred_at, direction in rows:
        when = occurred_at.date() if hasattr(occurred_at, "date") else occurred_at
        age = (day - when).days
        if age < 0:
            continue
        for cid in str(contact_ids).split(";"):
            if cid.strip():
                touches.setdefault((user_id, cid.strip()), []).append(
                    (age, direction != "outbound")
                )
    from accord.health.strength import strength  # (the health package is heavy to import)

    best: dict[str, float] = {}
    for (_, cid), found in touches.items():
        best[cid] = max(best.get(cid, 0.0), strength(found, s))
    return best


def plan_show(
    *,
    url: str | None,
    account_id: str,
    as_of: date | None = None,
    settings: Settings | None = None,
) -> AccountPlan:
    """The account's plan and the map of its people with our computed strength to each."""
    s = settings or Settings()
    day = as_of or date.today()
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            return _plan(conn, account_id, day, s)
    finally:
        engine.dispose()


def _plan(conn: sa.Connection, account_id: str, day: date, s: Settings) -> AccountPlan:
    acc = LEDGER_TABLES["accounts"]
    name = conn.execute(sa.select(acc.c.name).where(acc.c.account_id == account_id)).scalar()
    if name is None:
        raise NotFoundError(f"there is no account {account_id!r} in the book")
    plans = LEDGER_TABLES["account_plans"]
    row = conn.execute(sa.select(plans).where(plans.c.account_id == account_id)).mappings().first()
    plan = None if row is None else dict(row)
    if plan is not None and not isinstance(plan["updated_on"], date):
        plan["updated_on"] = date.fromisoformat(str(plan["updated_on"])[:10])
    ct, pp = LEDGER_TABLES["contacts"], LEDGER_TABLES["plan_people"]
    people_rows = conn.execute(
        sa.select(
            ct.c.contact_id,
            ct.c.name,
            ct.c.title,
            ct.c.decision_role,
            pp.c.decision_role.label("plan_role"),
            pp.c.gap,
            pp.c.notes,
            pp.c.desired_owner_id,
        )
        .select_from(
            ct.outerjoin(pp, (pp.c.contact_id == ct.c.contact_id) & (pp.c.account_id == account_id))
        )
        .where(ct.c.account_id == account_id, ct.c.active.is_not(False))
        .order_by(ct.c.contact_id)
    ).mappings()
    strengths = _strengths(conn, account_id, day, s)
    people = []
    for r in people_rows:
        st = strengths.get(r["contact_id"], 0.0)
        people.append(
            PlanPerson(
                contact_id=r["contact_id"],
                name=r["name"],
                title=r["title"],
                decision_role=r["plan_role"] or r["decision_role"],
                strength=st,
                known=st >= s.strength.known_from,
                gap=r["gap"],
                notes=r["notes"],
                desired_owner_id=r["desired_owner_id"],
            )
        )
    return AccountPlan(account_id, str(name), day, plan, people, _gaps(people, plan, s))


def _gaps(people: list[PlanPerson], plan: dict[str, Any] | None, s: Settings) -> list[str]:
    """What the plan is missing, in words: the decision makers we don't really know first."""
    out = []
    deciders = [p for p in people if p.decision_role == "decision_maker"]
    if not deciders:
        out.append("no decision maker on the map: find out who decides")
    for p in deciders:
        if p.strength < s.agenda.weak_strength:
            out.append(
                f"decision maker {p.name} ({p.contact_id}): strength {p.strength:.2f}, "
                f"below {s.agenda.weak_strength:g}: we don't really know them"
            )
    if plan is None:
        out.append("no plan written yet")
    else:
        for name in ("mutual_benefit", "point_of_view", "intent"):
            if not plan.get(name):
                out.append(f"the plan has no {name.replace('_', ' ')}")
        if not _objectives(plan.get("objectives")):
            out.append("the plan has no objectives")
    return out


# -- rules across rows ------------------------------------------------------------------


def row_rules(conn: sa.Connection, table: str, values: dict[str, Any]) -> dict[str, str]:
    """column → problem for rules that span rows (empty when the row may be written)."""
    problems: dict[str, str] = {}
    if table == "retrospectives" and values.get("opportunity_id"):
        op = LEDGER_TABLES["opportunities"]
        stage = conn.execute(
            sa.select(op.c.stage).where(op.c.opportunity_id == values["opportunity_id"])
        ).scalar()
        if stage == "open":
            problems["opportunity_id"] = (
                f"the opportunity {values['opportunity_id']!r} is still open: "
                "a retrospective is written once it is won, lost or ended with no decision"
            )
    if table == "plan_people" and values.get("contact_id") and values.get("account_id"):
        ct = LEDGER_TABLES["contacts"]
        owner = conn.execute(
            sa.select(ct.c.account_id).where(ct.c.contact_id == values["contact_id"])
        ).scalar()
        if owner is not None and owner != values["account_id"]:
            problems["contact_id"] = (
                f"the contact {values['contact_id']!r} belongs to account {owner!r}, "
                f"not {values['account_id']!r}"
            )
    return problems


def check_bundle_rules(engine: sa.Engine, tables: list[Any], directory: Path) -> None:
    """Refuse a bundle whose retrospectives name an open opportunity (in the bundle, or in
    the book when the bundle does not carry it): BundleError, nothing written."""
    frames = {t.table.name: t.frame for t in tables}
    retros = frames.get("retrospectives")
    if retros is None or retros.height == 0:
        return
    wanted = retros.get_column("opportunity_id").unique().to_list()
    stages: dict[str, str] = {}
    with engine.connect() as conn:
        op = LEDGER_TABLES["opportunities"]
        for oid, stage in conn.execute(
            sa.select(op.c.opportunity_id, op.c.stage).where(op.c.opportunity_id.in_(wanted))
        ):
            stages[str(oid)] = str(stage)
    if "opportunities" in frames:
        opps = frames["opportunities"].filter(pl.col("opportunity_id").is_in(wanted))
        stages.update(dict(zip(opps["opportunity_id"], opps["stage"], strict=True)))
    still_open = {oid for oid in wanted if stages.get(oid) == "open"}
    if not still_open:
        return
    # locate every offending row in the file, quoted line breaks and all
    spec = BY_NAME["retrospectives"]
    parsed = read_file(spec, directory / spec.file)
    rows = parsed.frame.filter(pl.col("opportunity_id").is_in(still_open))
    problems = [
        Problem(
            spec.file,
            parsed.line(int(r[ROW])),
            "opportunity_id",
            f"the opportunity {r['opportunity_id']!r} is still open: a retrospective is "
            "written once it is won, lost or ended with no decision",
        )
        for r in rows.iter_rows(named=True)
    ]
    if problems:
        raise BundleError(problems, total=len(problems))
