"""Agenda asks of issue 8: account plans, decision makers, and follow-through after outcomes.

Same contract as `accord.agenda.rules`: functions of polars frames returning
candidates. They read, beside the usual inputs, columns that
`services_agenda.agenda_data` joins on: per account `value_rank` (book-wide
rank by expected 12-month value, 1 = most valuable), `plan_updated_on`,
`n_decision_makers`, `decision_maker_strength`; per opportunity
`has_retrospective` and the qualification columns.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from accord.agenda.rules import AgendaInputs, _money, _out
from accord.config import Settings

C = pl.col

KINDS = ("account_plan", "decision_maker", "check_in", "retrospective", "qualification")
QUALIFICATION = ("genuine_need", "able_to_decide", "able_to_pay")


def account_plans(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """A top account by value with no plan, or a plan older than `plan_max_age_days`."""
    a = s.agenda
    if "value_rank" not in inp.accounts.columns:
        return _out(pl.DataFrame())
    age = (pl.lit(as_of) - C("plan_updated_on")).dt.total_days()
    frame = inp.accounts.filter(
        (C("value_rank") <= a.plan_top_accounts)
        & (C("plan_updated_on").is_null() | (age > a.plan_max_age_days))
    ).with_columns(age.alias("age"))
    missing = C("plan_updated_on").is_null()
    return _out(
        frame,
        account_id=C("account_id"),
        kind=pl.lit("account_plan"),
        reason_key=pl.lit("plan"),
        title=pl.when(missing)
        .then(pl.lit("Write the account plan"))
        .otherwise(pl.lit("Refresh the account plan")),
        reason=pl.when(missing)
        .then(
            pl.format(
                "One of our {} most valuable accounts (number {}) has no plan. Write down why "
                "the relationship is worth having for both sides, their challenges and our "
                "point of view, its intent and objectives, and map their people.",
                pl.lit(a.plan_top_accounts),
                C("value_rank"),
            )
        )
        .otherwise(
            pl.format(
                "The plan of this top account (number {}) was last updated {} days ago. Check "
                "it with them: their challenges move, so should our point of view.",
                C("value_rank"),
                C("age"),
            )
        ),
        evidence=pl.struct(
            C("value_rank"), C("plan_updated_on").cast(pl.String), C("expected_value_12m")
        ).struct.json_encode(),
        due=pl.when(missing)
        .then(pl.lit(as_of))
        .otherwise(C("plan_updated_on") + pl.duration(days=a.plan_max_age_days)),
    )


def decision_makers(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """Decision makers on the account, every one of them weakly connected to us."""
    if "decision_maker_strength" not in inp.accounts.columns:
        return _out(pl.DataFrame())
    weak = s.agenda.weak_strength
    frame = inp.accounts.filter(
        (C("n_decision_makers") > 0) & (C("decision_maker_strength") < weak)
    )
    return _out(
        frame,
        account_id=C("account_id"),
        kind=pl.lit("decision_maker"),
        reason_key=pl.lit("connect"),
        title=pl.lit("Build a connection to a decision maker"),
        reason=pl.format(
            "We don't really know any of their {} decision maker(s): the strongest connection "
            "is {} (weak below {}). Ask your champion for an introduction, or bring the "
            "decision maker one insight worth their time.",
            C("n_decision_makers"),
            C("decision_maker_strength").round(2),
            pl.lit(weak),
        ),
        evidence=pl.struct(
            C("n_decision_makers"), C("decision_maker_strength").round(4)
        ).struct.json_encode(),
        due=pl.lit(as_of + timedelta(days=s.agenda.pattern_warning_days)),
    )


def check_ins(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """30 and 90 days after a lost or no-decision opportunity: keep in touch, not a pitch."""
    a = s.agenda
    closed = inp.opportunities.filter(
        C("stage").is_in(["lost", "no_decision"]) & C("closed_on").is_not_null()
    )
    parts = []
    for days in (a.check_in_first_days, a.check_in_second_days):
        due = C("closed_on") + pl.duration(days=days)
        part = closed.with_columns(due.alias("due_on"), pl.lit(days).alias("after")).filter(
            C("due_on").is_between(
                as_of - timedelta(days=a.value_review_stale_days),
                as_of + timedelta(days=a.commitment_days),
            )
        )
        parts.append(part)
    frame = pl.concat(parts, how="vertical_relaxed") if parts else closed.clear()
    # once the second check-in is on the agenda, the first (if still open) gives way to it
    frame = frame.sort("after").unique("opportunity_id", keep="last", maintain_order=True)
    return _out(
        frame,
        account_id=C("account_id"),
        kind=pl.lit("check_in"),
        reason_key=pl.format("{}:{}", C("opportunity_id"), C("after")),
        title=pl.format("Check in {} days after “{}”", C("after"), C("name")),
        reason=pl.format(
            "“{}” ended {} on {}. Keep in touch, not a pitch: ask how they are getting on with "
            "what they chose and share something useful to them.",
            C("name"),
            C("stage").str.replace("_", " "),
            C("closed_on"),
        ),
        evidence=pl.struct(
            C("opportunity_id"), C("stage"), C("closed_on").cast(pl.String), C("after")
        ).struct.json_encode(),
        due=C("due_on"),
    )


def retrospectives(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """A closed opportunity with no retrospective: write it within `retrospective_days`."""
    if "has_retrospective" not in inp.opportunities.columns:
        return _out(pl.DataFrame())
    a = s.agenda
    frame = inp.opportunities.filter(
        (C("stage") != "open")
        & C("closed_on").is_not_null()
        & ~C("has_retrospective")
        & C("closed_on").is_between(as_of - timedelta(days=a.value_review_stale_days), as_of)
    )
    return _out(
        frame,
        account_id=C("account_id"),
        kind=pl.lit("retrospective"),
        reason_key=C("opportunity_id"),
        title=pl.format("Win/loss retrospective: {}", C("name")),
        reason=pl.format(
            "“{}” closed {} on {}. Write down what we learned and what we would do "
            "differently, while it is fresh.",
            C("name"),
            C("stage").str.replace("_", " "),
            C("closed_on"),
        ),
        evidence=pl.struct(
            C("opportunity_id"), C("stage"), C("closed_on").cast(pl.String)
        ).struct.json_encode(),
        due=C("closed_on") + pl.duration(days=a.retrospective_days),
        own_value=C("amount"),
    )


def qualification(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """An open opportunity without a confirmed need, ability to decide and capacity to pay."""
    if not set(QUALIFICATION) <= set(inp.opportunities.columns):
        return _out(pl.DataFrame())
    missing = pl.concat_list(
        [pl.when(C(q).fill_null(False)).then(None).otherwise(pl.lit(q)) for q in QUALIFICATION]
    ).list.drop_nulls()
    frame = (
        inp.opportunities.filter(C("stage") == "open")
        .with_columns(missing.alias("missing"))
        .filter(C("missing").list.len() > 0)
    )
    return _out(
        frame,
        account_id=C("account_id"),
        kind=pl.lit("qualification"),
        reason_key=C("opportunity_id"),
        title=pl.format("Qualify “{}”", C("name")),
        reason=pl.format(
            "“{}”{} is open without {}. A real buyer has a genuine need, the ability to decide "
            "and the capacity to pay: find out before investing more.",
            C("name"),
            pl.when(C("amount").is_not_null())
            .then(pl.format(" ({})", _money(C("amount"))))
            .otherwise(pl.lit("")),
            C("missing").list.join(", ").str.replace_all("_", " "),
        ),
        evidence=pl.struct(C("opportunity_id"), C("missing")).struct.json_encode(),
        due=pl.lit(as_of + timedelta(days=s.agenda.pattern_warning_days)),
        own_value=C("amount"),
    )


RULES = (account_plans, decision_makers, check_ins, retrospectives, qualification)
