"""Key accounts: each plan's intent and objectives beside what happened in the month.

Pure: the account plans (`account_plans`) and the month's orders, touchpoints
and commitments arrive as frames; out come a `PlanSummary` per account with a
plan and a `MonthActivity` per account, which the review puts side by side so
that the question "did the month serve what we meant to do?" can be asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

C = pl.col
ONE_LINE = 160  # characters of the mutual-benefit hypothesis shown


@dataclass(frozen=True, slots=True)
class PlanSummary:
    intent: str | None  # reason | season | lifetime
    intent_reason: str | None
    objectives: list[str]
    mutual_benefit: str | None  # in one line
    updated_on: date
    age_days: int  # as of the month's end (negative: updated after the month)
    stale: bool  # older than agenda.plan_max_age_days


@dataclass(frozen=True, slots=True)
class MonthActivity:
    """What happened on the account within the month."""

    orders: int
    revenue: float
    touchpoints: int
    ours_kept: int  # our commitments due in the month, done on or before their due date
    ours_broken: int  # due in the month, not cancelled, not done by their due date
    theirs_kept: int
    theirs_broken: int


NOTHING = MonthActivity(0, 0.0, 0, 0, 0, 0, 0)


def one_line(text: str | None, limit: int = ONE_LINE) -> str | None:
    """The text on one line, cut at a word with an ellipsis when longer than `limit`."""
    if not text or not text.strip():
        return None
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def plan_summaries(plans: pl.DataFrame, end: date, max_age_days: int) -> dict[str, PlanSummary]:
    """account_id → its plan as the review shows it.

    `plans` holds account_id, updated_on, mutual_benefit, intent, intent_reason,
    objectives (`;`-separated).
    """
    out = {}
    for r in plans.iter_rows(named=True):
        age = (end - r["updated_on"]).days
        out[r["account_id"]] = PlanSummary(
            intent=r["intent"] or None,
            intent_reason=one_line(r["intent_reason"]),
            objectives=[x.strip() for x in (r["objectives"] or "").split(";") if x.strip()],
            mutual_benefit=one_line(r["mutual_benefit"]),
            updated_on=r["updated_on"],
            age_days=age,
            stale=age > max_age_days,
        )
    return out


def month_activity(
    *,
    orders: pl.DataFrame,  # account_id, ordered_on, amount
    touchpoints: pl.DataFrame,  # account_id, day
    commitments: pl.DataFrame,  # account_id, side, due_on, done_on, cancelled
    start: date,
    end: date,
) -> dict[str, MonthActivity]:
    """account_id → what happened on it between `start` and `end` (both included)."""
    sold = (
        orders.filter(C("ordered_on").is_between(start, end))
        .group_by("account_id")
        .agg(pl.len().alias("orders"), C("amount").sum().alias("revenue"))
    )
    touched = (
        touchpoints.filter(C("day").is_between(start, end))
        .group_by("account_id")
        .agg(pl.len().alias("touchpoints"))
    )
    kept = C("done_on").is_not_null() & (C("done_on") <= C("due_on"))
    due = commitments.filter(
        C("due_on").is_between(start, end) & ~C("cancelled").fill_null(False)
    ).with_columns(kept.alias("kept"))
    promised = due.group_by("account_id").agg(
        *[
            ((C("side") == side) & (C("kept") == is_kept)).sum().alias(name)
            for side, is_kept, name in (
                ("us", True, "ours_kept"),
                ("us", False, "ours_broken"),
                ("them", True, "theirs_kept"),
                ("them", False, "theirs_broken"),
            )
        ]
    )
    ids = pl.concat(
        [f.select("account_id") for f in (sold, touched, promised)], how="vertical"
    ).unique()
    joined = (
        ids.join(sold, on="account_id", how="left")
        .join(touched, on="account_id", how="left")
        .join(promised, on="account_id", how="left")
    )
    return {
        r["account_id"]: MonthActivity(
            int(r["orders"] or 0),
            float(r["revenue"] or 0.0),
            int(r["touchpoints"] or 0),
            int(r["ours_kept"] or 0),
            int(r["ours_broken"] or 0),
            int(r["theirs_kept"] or 0),
            int(r["theirs_broken"] or 0),
        )
        for r in joined.iter_rows(named=True)
    }
