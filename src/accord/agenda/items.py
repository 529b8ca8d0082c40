"""From candidates to the agenda: identity, dedup, priority, and the seller's decisions.

**Priority** = value at stake × urgency, where

* value at stake = the largest of the item's own money (the order, the deal,
  the amount overdue, a pattern's cost or value at risk), the account's
  expected value over the next 12 months, and `agenda.min_stake`;
* urgency = min(1 + d / `agenda.urgency_days`, `agenda.max_urgency`) once due,
  where d = days overdue (as-of date − due date), and 1 / (1 + a /
  `agenda.urgency_days`) when it is due in a days: with the defaults an item due
  today has urgency 1, a week overdue 2, a week ahead 0.5, nine weeks overdue
  or more 10.

Items are deduplicated on (account, kind, reason key), keeping the highest
priority; the item id is a hash of those three, so a regenerated agenda finds
its stored decision again: `done` and `dismissed` items stay hidden, `snoozed`
ones until their date.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from accord.agenda.hooks import HOOKS
from accord.agenda.rules import CANDIDATE_SCHEMA, RULES, AgendaInputs, main_contacts
from accord.config import Settings

STATES = ("open", "snoozed", "done", "dismissed")
C = pl.col


def item_id(account_id: str, kind: str, reason_key: str) -> str:
    """A short, stable id of the item (account, kind, reason key)."""
    text = "\x1f".join((account_id, kind, reason_key)).encode("utf-8")
    return hashlib.sha1(text, usedforsecurity=False).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One thing for a seller to do, with why, by when and how much it matters."""

    id: str
    kind: str
    account_id: str
    account_name: str
    contact_id: str | None
    contact_name: str | None
    title: str
    reason: str
    evidence: dict[str, Any]
    due: date
    days_overdue: int
    value_at_stake: float
    urgency: float
    priority: float
    level: str | None  # amber / red for stay in touch
    reason_key: str
    state: str  # open, or (when hidden items are asked for) snoozed / done / dismissed
    until: date | None  # snoozed until
    note: str | None
    severity: str = "routine"  # critical, warning or routine (accord.agenda.daily)
    category: str = "action"  # action, or to_complete: data that is merely missing

    @property
    def when(self) -> str:
        """'22 days overdue', 'due today', 'due in 3 days'."""
        if self.days_overdue > 0:
            return f"{self.days_overdue} day{'s' if self.days_overdue != 1 else ''} overdue"
        if self.days_overdue == 0:
            return "due today"
        ahead = -self.days_overdue
        return f"due in {ahead} day{'s' if ahead != 1 else ''}"

    @property
    def priority_words(self) -> str:
        """The priority as a person says it: 'critical · 49,907 at stake · 22 days overdue'."""
        return f"{self.severity} · {self.value_at_stake:,.0f} at stake · {self.when}"

    def record(self) -> dict[str, Any]:
        """The stable JSON shape (docs/agenda.md)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "account_id": self.account_id,
            "account_name": self.account_name,
            "contact_id": self.contact_id,
            "contact_name": self.contact_name,
            "title": self.title,
            "reason": self.reason,
            "evidence": self.evidence,
            "due": self.due.isoformat(),
            "days_overdue": self.days_overdue,
            "value_at_stake": self.value_at_stake,
            "urgency": self.urgency,
            "priority": self.priority,
            "level": self.level,
            "state": self.state,
            "until": None if self.until is None else self.until.isoformat(),
            "note": self.note,
            "severity": self.severity,
            "category": self.category,
            "priority_words": self.priority_words,
        }


def _urgency(days: pl.Expr, step: float, most: float) -> pl.Expr:
    """1 + d/step once due (d days overdue), 1/(1 + ahead/step) before; at most `most`."""
    if step <= 0:
        return pl.lit(1.0)
    late = 1.0 + days.cast(pl.Float64) / step
    early = 1.0 / (1.0 - days.cast(pl.Float64) / step)
    return pl.when(days >= 0).then(late).otherwise(early).clip(upper_bound=max(most, 1.0)).round(3)


def candidates(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """Every rule's candidates, one frame."""
    from accord.agenda.follow_through import RULES as FOLLOW_THROUGH

    rules = (*RULES, *HOOKS, *FOLLOW_THROUGH)
    return pl.concat([rule(inp, as_of, s) for rule in rules], how="vertical")


def prioritise(
    found: pl.DataFrame,
    inp: AgendaInputs,
    states: pl.DataFrame,
    as_of: date,
    s: Settings,
) -> pl.DataFrame:
    """Dedup, priority, contacts and names, stored decisions; highest priority first."""
    a = s.agenda
    contacts = inp.contacts.select("contact_id", C("name").alias("contact_name"))
    main = main_contacts(inp.touchpoints, inp.contacts).rename({"contact_id": "main_contact"})
    accounts = inp.accounts.select(
        "account_id", C("name").alias("account_name"), "expected_value_12m"
    )
    frame = (
        found.join(accounts, on="account_id", how="left")
        .join(main, on="account_id", how="left")
        .with_columns(pl.coalesce("contact_id", "main_contact").alias("contact_id"))
        .join(contacts, on="contact_id", how="left")
        .with_columns(
            (pl.lit(as_of) - C("due")).dt.total_days().cast(pl.Int64).alias("days_overdue"),
            pl.max_horizontal(
                C("own_value"), C("expected_value_12m"), pl.lit(a.min_stake, dtype=pl.Float64)
            )
            .round(2)
            .alias("value_at_stake"),
        )
        .with_columns(_urgency(C("days_overdue"), a.urgency_days, a.max_urgency).alias("urgency"))
        .with_columns((C("value_at_stake") * C("urgency")).round(2).alias("priority"))
        .sort(
            ["priority", "due", "account_id", "kind", "reason_key"], descending=[True] + [False] * 4
        )
        .unique(["account_id", "kind", "reason_key"], keep="first", maintain_order=True)
    )
    ids = [
        item_id(acc, kind, key)
        for acc, kind, key in zip(
            frame["account_id"], frame["kind"], frame["reason_key"], strict=True
        )
    ]
    frame = frame.with_columns(pl.Series("id", ids, dtype=pl.String))
    frame = frame.join(states.rename({"item_id": "id"}), on="id", how="left", maintain_order="left")
    shown = (
        pl.when(C("state").is_null())
        .then(pl.lit("open"))
        .when((C("state") == "snoozed") & (C("until") <= as_of))
        .then(pl.lit("open"))
        .otherwise(C("state"))
    )
    return frame.with_columns(shown.alias("state"))


def to_items(frame: pl.DataFrame) -> list[AgendaItem]:
    """The frame as typed items (only the few rows a seller sees become objects)."""
    from accord.agenda.daily import category_of, overdue_text, severity_of

    out = []
    for r in frame.iter_rows(named=True):
        open_ = r["state"] == "open"
        evidence = json.loads(r["evidence"]) if r["evidence"] else {}
        out.append(
            AgendaItem(
                id=r["id"],
                kind=r["kind"],
                account_id=r["account_id"],
                account_name=r["account_name"] or r["account_id"],
                contact_id=r["contact_id"],
                contact_name=r["contact_name"],
                title=r["title"],
                reason=overdue_text(r["reason"], r["days_overdue"]),
                evidence=evidence,
                due=r["due"],
                days_overdue=r["days_overdue"],
                value_at_stake=r["value_at_stake"],
                urgency=r["urgency"],
                priority=r["priority"],
                level=r["level"],
                reason_key=r["reason_key"],
                state=r["state"],
                until=None if open_ else r["until"],
                note=None if open_ else r["note"],
                severity=severity_of(
                    r["kind"], r.get("severity"), r["days_overdue"], r["level"], evidence
                ),
                category=category_of(r["kind"], evidence),
            )
        )
    return out


def build(inp: AgendaInputs, states: pl.DataFrame, as_of: date, s: Settings) -> pl.DataFrame:
    """The whole agenda of `inp`'s accounts as a frame, hidden items included (see `state`)."""
    return prioritise(candidates(inp, as_of, s), inp, states, as_of, s)


__all__ = ["CANDIDATE_SCHEMA", "STATES", "AgendaItem", "build", "item_id", "to_items"]
