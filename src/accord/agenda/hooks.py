"""The agenda rules fed by the decision ledger (issue 7): value reviews and decision hooks.

`value_reviews` is the one value-review item of a won deal (it reads the state of
the deal's value plans, `AgendaInputs.value_states`); `decision_hooks` turns the
records of `accord.decision.suggestions` (`AgendaInputs.decisions`) into items of
their own kinds, each worth the deal's size.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from accord.agenda.rules import AgendaInputs, _money, _out
from accord.config import Settings

C = pl.col
VALUE_REVIEW_LEAD_DAYS = 14
"""A value check this many days before the review day or later counts as the review
(the same lead as `accord.decision.suggestions`)."""

_DECISION_TITLES = {
    "define_criteria": "Help them define their decision criteria: {}",
    "plan_risks": "Plan the risks of the change with them: {}",
    "tell_customer": "Tell them honestly what fits them best: {}",
    "refer_partner": "Introduce a partner who fits better: {}",
}
_STATE_WORDS = {
    "reached": "target reached",
    "on_track": "on track",
    "behind": "behind",
    "not_measured": "not measured yet",
}


def _plan_states(inp: AgendaInputs) -> pl.DataFrame:
    """Per won deal with value plans: the plans' states in words, whether one is behind
    (and the day of its check), and whether a check was recorded near the review."""
    v = inp.value_states
    words = pl.concat_str(
        C("metric"), pl.lit(" "), C("state").replace_strict(_STATE_WORDS, default=C("state"))
    )
    return (
        v.sort("opportunity_id", "metric")
        .group_by("opportunity_id", maintain_order=True)
        .agg(
            words.str.join(", ").alias("plan_states"),
            (C("state") == "behind").any().alias("behind"),
            C("measured_on").filter(C("state") == "behind").max().alias("behind_on"),
            C("measured_on").max().alias("last_check"),
        )
    )


def value_reviews(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """`value_review_days` after a won deal closed: check the value the customer realised.

    The one value-review item of a deal. When it has value plans (issue 7), the
    reason says each plan's state; a plan behind asks for the review a week
    after the check that found it behind, whatever the date; and a check
    recorded from `VALUE_REVIEW_LEAD_DAYS` before the review day on, with no
    plan behind, means the review was held: no item.
    """
    a = s.agenda
    review_on = C("closed_on") + pl.duration(days=a.value_review_days)
    plans = _plan_states(inp)
    frame = (
        inp.opportunities.filter(
            (C("stage") == "won") & C("closed_on").is_not_null() & (C("closed_on") <= as_of)
        )
        .with_columns(review_on.alias("review_on"))
        .join(plans, on="opportunity_id", how="left")
        .with_columns(C("behind").fill_null(False))
    )
    in_window = C("review_on").is_between(
        as_of - timedelta(days=a.value_review_stale_days),
        as_of + timedelta(days=a.commitment_days),
    )
    held = C("last_check").is_not_null() & (
        C("last_check") >= C("review_on") - pl.duration(days=VALUE_REVIEW_LEAD_DAYS)
    )
    frame = frame.filter(C("behind") | (in_window & ~held))
    plan_words = (
        pl.when(C("plan_states").is_not_null())
        .then(pl.format(" Value plan: {}.", C("plan_states")))
        .otherwise(pl.lit(""))
    )
    return _out(
        frame,
        account_id=C("account_id"),
        kind=pl.lit("value_review"),
        reason_key=C("opportunity_id"),
        title=pl.format("Value review: {}", C("name")),
        reason=pl.format(
            "We won “{}”{} on {}. {} days on, sit down with them and check the value they "
            "actually realised against what they expected.{}",
            C("name"),
            pl.when(C("amount").is_not_null())
            .then(pl.format(" ({})", _money(C("amount"))))
            .otherwise(pl.lit("")),
            C("closed_on"),
            pl.lit(a.value_review_days),
            plan_words,
        ),
        evidence=pl.struct(
            C("opportunity_id"),
            C("closed_on").cast(pl.String),
            C("amount"),
            C("review_on").cast(pl.String),
            C("plan_states"),
        ).struct.json_encode(),
        due=pl.when(C("behind"))
        .then(C("behind_on") + pl.duration(days=7))
        .otherwise(C("review_on")),
        own_value=C("amount"),
    )


def decision_hooks(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """The decision ledger's hooks (define criteria, plan risks, tell the customer, refer a
    partner), each worth the deal's size. Value reviews are `value_reviews`' own."""
    hooks = inp.decisions.filter(C("kind") != "value_review").join(
        inp.opportunities.select("opportunity_id", "name", "amount"),
        on="opportunity_id",
        how="left",
    )
    title = pl.lit(None, dtype=pl.String)
    for kind, text in _DECISION_TITLES.items():
        title = pl.when(C("kind") == kind).then(pl.format(text, C("name"))).otherwise(title)
    return _out(
        hooks,
        account_id=C("account_id"),
        kind=C("kind"),
        reason_key=C("opportunity_id"),
        title=title,
        reason=C("reason"),
        evidence=C("evidence"),
        due=C("due"),
        own_value=C("amount"),
    )


HOOKS = (value_reviews, decision_hooks)
