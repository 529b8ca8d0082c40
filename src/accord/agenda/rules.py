"""The rules that turn the ledger and a diagnosis into candidate agenda items.

Each rule is a function of polars frames (every account of the seller at once,
no loop over rows) that returns candidates in `CANDIDATE_SCHEMA`: the account,
the kind, a reason key (with account and kind, the item's identity: what a
snooze or a dismissal sticks to), a reason in plain words, the evidence as a
JSON object, the due date, the contact where known, the item's own money (an
order, a deal, what is overdue) and a level (`amber`/`red` for cadences).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from accord.config import Settings
from accord.domain.enums import FOLLOW_UP_PURPOSES
from accord.money import grouped_expr

KINDS: tuple[str, ...] = (
    "post_order",
    "our_commitment",
    "their_commitment",
    "overdue_payment",
    "stay_in_touch",
    "reconnect",
    "value_review",
    "pattern",
    "referral",
    # the customer's decision (accord.agenda.hooks)
    "define_criteria",
    "plan_risks",
    "tell_customer",
    "refer_partner",
    # issue 8 (accord.agenda.follow_through)
    "account_plan",
    "decision_maker",
    "check_in",
    "retrospective",
    "qualification",
)
"""Every kind of agenda item (docs/agenda.md explains each)."""

DECISION_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "opportunity_id": pl.String(),
    "kind": pl.String(),
    "reason": pl.String(),
    "evidence": pl.String(),  # a JSON object
    "due": pl.Date(),
}
"""The decision hooks (`accord.decision.suggestions`) as a frame."""

VALUE_STATE_SCHEMA: dict[str, pl.DataType] = {
    "opportunity_id": pl.String(),
    "metric": pl.String(),
    "state": pl.String(),  # reached | on_track | behind | not_measured
    "measured_on": pl.Date(),  # the latest check by the as-of date (null: none)
}
"""Each value plan of a won deal with its state (`accord.decision.value`)."""


CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "kind": pl.String(),
    "reason_key": pl.String(),
    "title": pl.String(),
    "reason": pl.String(),
    "evidence": pl.String(),
    "due": pl.Date(),
    "contact_id": pl.String(),
    "own_value": pl.Float64(),
    "level": pl.String(),
    "severity": pl.String(),  # a pattern's own (warning, critical); null: by kind (agenda.daily)
}

C = pl.col
_FOLLOW = sorted(str(p) for p in FOLLOW_UP_PURPOSES)


@dataclass(frozen=True)
class AgendaInputs:
    """The seller's slice of the ledger, as frames (see `services_agenda` for the columns).

    `accounts` carries each account's outlook (`expected_value_12m`, `p_alive`,
    `p_alive_before`) and its own cadence (`ideal_days`, `max_days`, null for
    the default); `valuable_from` is the book-wide expected value from which an
    account counts as valuable (None when the model has no values).
    """

    accounts: pl.DataFrame
    contacts: pl.DataFrame
    touchpoints: pl.DataFrame
    orders: pl.DataFrame
    commitments: pl.DataFrame
    invoices: pl.DataFrame
    opportunities: pl.DataFrame
    feedback: pl.DataFrame
    partners: pl.DataFrame
    referrals: pl.DataFrame
    patterns: pl.DataFrame
    valuable_from: float | None
    decisions: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=DECISION_SCHEMA))
    value_states: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=VALUE_STATE_SCHEMA)
    )


def _days(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days().cast(pl.Int64)


def _money(x: pl.Expr) -> pl.Expr:
    """Whole money with thousands separators, for sentences (the one format: accord.money)."""
    return grouped_expr(x)


def _when(days: pl.Expr) -> pl.Expr:
    """'due in 3 days' / 'due today' / '5 days overdue'."""
    return (
        pl.when(days > 0)
        .then(pl.format("{} days overdue", days))
        .when(days == 0)
        .then(pl.lit("due today"))
        .otherwise(pl.format("due in {} days", -days))
    )


def _out(frame: pl.DataFrame, **exprs: pl.Expr) -> pl.DataFrame:
    """Select the candidate columns, each cast to its type."""
    cols = []
    for name, dtype in CANDIDATE_SCHEMA.items():
        expr = exprs.get(name, pl.lit(None))
        cols.append(expr.cast(dtype).alias(name))
    return frame.select(cols) if frame.height else pl.DataFrame(schema=CANDIDATE_SCHEMA)


def main_contacts(touchpoints: pl.DataFrame, contacts: pl.DataFrame) -> pl.DataFrame:
    """account_id → contact_id: the first person on the latest touchpoint naming one,
    else an active decision maker or champion (lowest id)."""
    named = (
        touchpoints.filter(C("contact_ids").is_not_null())
        .sort("day", "contact_ids")
        .group_by("account_id")
        .agg(C("contact_ids").last())
        .select("account_id", C("contact_ids").str.split(";").list.first().alias("contact_id"))
    )
    role = (
        contacts.filter(C("active") & C("decision_role").is_in(["decision_maker", "champion"]))
        .sort("contact_id")
        .group_by("account_id")
        .agg(C("contact_id").first().alias("role_contact"))
    )
    return (
        named.join(role, on="account_id", how="full", coalesce=True)
        .select("account_id", pl.coalesce("contact_id", "role_contact").alias("contact_id"))
        .filter(C("contact_id").is_not_null())
    )


def post_order(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """An order `post_order_days` or more ago with no follow-up touchpoint since."""
    a = s.agenda
    last_follow = (
        inp.touchpoints.filter(C("purpose").is_in(_FOLLOW) & (C("day") <= as_of))
        .group_by("account_id")
        .agg(C("day").max().alias("last_follow"))
    )
    lo, hi = (
        as_of - timedelta(days=a.post_order_max_days),
        as_of - timedelta(days=a.post_order_days),
    )
    open_orders = (
        inp.orders.filter(C("ordered_on").is_between(lo, hi))
        .join(last_follow, on="account_id", how="left")
        .filter(C("last_follow").is_null() | (C("last_follow") <= C("ordered_on")))
        .sort("account_id", "ordered_on", "order_id")
        .group_by("account_id", maintain_order=True)
        .agg(pl.all().last(), pl.len().alias("n_open"))
    )
    since = _days(pl.lit(as_of), C("ordered_on"))
    return _out(
        open_orders,
        account_id=C("account_id"),
        kind=pl.lit("post_order"),
        reason_key=C("order_id"),
        title=pl.format("Check in after order {}", C("order_id")),
        reason=pl.format(
            "Order {} of {} on {} ({} days ago) had no follow-up touchpoint since. Ask how it "
            "is working for them and bring one idea that helps them use it well.",
            C("order_id"),
            _money(C("amount")),
            C("ordered_on"),
            since,
        ),
        evidence=pl.struct(
            C("order_id"),
            C("ordered_on").cast(pl.String),
            C("amount").round(2),
            since.alias("days_since"),
            C("last_follow").cast(pl.String).alias("last_follow_up"),
            C("n_open").alias("orders_without_check_in"),
        ).struct.json_encode(),
        due=C("ordered_on") + pl.duration(days=a.post_order_days),
        own_value=C("amount"),
    )


def _open_commitments(inp: AgendaInputs, as_of: date) -> pl.DataFrame:
    return inp.commitments.filter(
        ~C("cancelled").fill_null(False)
        & (C("done_on").is_null() | (C("done_on") > as_of))
        & (C("made_on") <= as_of)
    )


def our_commitments(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """Our open commitments due within `commitment_days`, or overdue."""
    horizon = as_of + timedelta(days=s.agenda.commitment_days)
    due = _open_commitments(inp, as_of).filter((C("side") == "us") & (C("due_on") <= horizon))
    late = _days(pl.lit(as_of), C("due_on"))
    return _out(
        due,
        account_id=C("account_id"),
        kind=pl.lit("our_commitment"),
        reason_key=C("commitment_id"),
        title=pl.format("Keep our promise: {}", C("description")),
        reason=pl.format(
            "We promised “{}” by {} ({}). Do it, or call them before the date and agree a new one.",
            C("description"),
            C("due_on"),
            _when(late),
        ),
        evidence=pl.struct(
            C("commitment_id"),
            C("made_on").cast(pl.String),
            C("due_on").cast(pl.String),
            late.alias("days_overdue"),
        ).struct.json_encode(),
        due=C("due_on"),
        contact_id=C("contact_id"),
    )


def their_commitments(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """Their open commitments past due: a friendly nudge."""
    late = _open_commitments(inp, as_of).filter((C("side") == "them") & (C("due_on") < as_of))
    days = _days(pl.lit(as_of), C("due_on"))
    return _out(
        late,
        account_id=C("account_id"),
        kind=pl.lit("their_commitment"),
        reason_key=C("commitment_id"),
        title=pl.format("Nudge: {}", C("description")),
        reason=pl.format(
            "They promised “{}” by {} ({} days overdue). A friendly nudge: ask whether anything "
            "stands in the way and whether we can help.",
            C("description"),
            C("due_on"),
            days,
        ),
        evidence=pl.struct(
            C("commitment_id"),
            C("made_on").cast(pl.String),
            C("due_on").cast(pl.String),
            days.alias("days_overdue"),
        ).struct.json_encode(),
        due=C("due_on"),
        contact_id=C("contact_id"),
    )


def overdue_payments(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """Invoices unpaid `payment_grace_days` or more past due: one conversation per account."""
    grace = s.agenda.payment_grace_days
    late = (
        inp.invoices.filter(
            (C("issued_on") <= as_of)
            & (C("paid_on").is_null() | (C("paid_on") > as_of))
            & (_days(pl.lit(as_of), C("due_on")) >= grace)
        )
        .sort("account_id", "due_on", "invoice_id")
        .group_by("account_id", maintain_order=True)
        .agg(
            C("invoice_id").first().alias("oldest_invoice"),
            C("due_on").first().alias("oldest_due"),
            C("amount").sum().alias("overdue_amount"),
            pl.len().alias("n"),
        )
    )
    days = _days(pl.lit(as_of), C("oldest_due"))
    return _out(
        late,
        account_id=C("account_id"),
        kind=pl.lit("overdue_payment"),
        reason_key=C("oldest_invoice"),
        title=pl.format("Payment conversation: {} overdue", _money(C("overdue_amount"))),
        reason=pl.format(
            "{} invoice(s) worth {} are unpaid, the oldest ({}) {} days past due. Call their "
            "finance contact, agree a plan for what is overdue, and restate the terms.",
            C("n"),
            _money(C("overdue_amount")),
            C("oldest_invoice"),
            days,
        ),
        evidence=pl.struct(
            C("n").alias("invoices_overdue"),
            C("overdue_amount").round(2),
            C("oldest_invoice"),
            C("oldest_due").cast(pl.String),
            days.alias("days_past_due"),
        ).struct.json_encode(),
        due=C("oldest_due") + pl.duration(days=grace),
        own_value=C("overdue_amount"),
    )


def stay_in_touch(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """Accounts past their ideal interval since the last touchpoint (amber), or the maximum (red).

    Any logged touchpoint restarts the clock; an account never touched counts
    from its created_on (an account with neither is skipped).
    """
    a = s.agenda
    last = (
        inp.touchpoints.filter(C("day") <= as_of)
        .group_by("account_id")
        .agg(C("day").max().alias("last_touch"))
    )
    frame = (
        inp.accounts.join(last, on="account_id", how="left")
        .with_columns(
            pl.coalesce("last_touch", "created_on").alias("since"),
            C("ideal_days").fill_null(a.cadence_ideal_days).alias("ideal"),
            C("max_days").fill_null(a.cadence_max_days).alias("max"),
        )
        .filter(C("since").is_not_null())
        .with_columns(_days(pl.lit(as_of), C("since")).alias("quiet"))
        .filter(C("quiet") > C("ideal"))
    )
    level = pl.when(C("quiet") > C("max")).then(pl.lit("red")).otherwise(pl.lit("amber"))
    return _out(
        frame,
        account_id=C("account_id"),
        kind=pl.lit("stay_in_touch"),
        reason_key=pl.format("since {}", C("since")),
        title=pl.format("Stay in touch ({} days quiet)", C("quiet")),
        reason=pl.format(
            "{} days since the last touchpoint{} (ideal every {} days, at most {}). Get in touch "
            "with something useful to them: an insight, a check on how things are going.",
            C("quiet"),
            pl.when(C("last_touch").is_null())
            .then(pl.lit(" (none logged yet)"))
            .otherwise(pl.lit("")),
            C("ideal"),
            C("max"),
        ),
        evidence=pl.struct(
            C("last_touch").cast(pl.String),
            C("quiet").alias("days_since"),
            C("ideal").alias("ideal_days"),
            C("max").alias("max_days"),
        ).struct.json_encode(),
        due=C("since") + pl.duration(days=C("ideal")),
        level=level,
    )


def reconnect(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """A valuable account whose probability alive fell by `reconnect_drop` or more
    over `reconnect_lookback_days`."""
    if inp.valuable_from is None:
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    a = s.agenda
    last_order = inp.orders.group_by("account_id").agg(C("ordered_on").max().alias("last_order"))
    drop = C("p_alive_before") - C("p_alive")
    frame = inp.accounts.join(last_order, on="account_id", how="left").filter(
        (C("expected_value_12m") >= inp.valuable_from) & (drop >= a.reconnect_drop)
    )
    return _out(
        frame,
        account_id=C("account_id"),
        kind=pl.lit("reconnect"),
        reason_key=pl.format("last order {}", C("last_order").cast(pl.String).fill_null("none")),
        title=pl.lit("Reconnect: a valuable relationship is cooling"),
        reason=pl.format(
            "The chance they are still an active customer fell from {}% to {}% in {} days, on "
            "an account worth {} over the next 12 months. Reconnect in person with something "
            "that matters to their business, not a pitch.",
            (C("p_alive_before") * 100).round(0).cast(pl.Int64),
            (C("p_alive") * 100).round(0).cast(pl.Int64),
            pl.lit(a.reconnect_lookback_days),
            _money(C("expected_value_12m")),
        ),
        evidence=pl.struct(
            C("p_alive").round(4),
            C("p_alive_before").round(4),
            C("expected_value_12m").round(2),
            pl.lit(inp.valuable_from).round(2).alias("valuable_from"),
            C("last_order").cast(pl.String),
        ).struct.json_encode(),
        due=pl.lit(as_of),
        own_value=C("expected_value_12m"),
    )


def patterns(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """Each warning or critical pattern of the diagnosis, with the detector's own action."""
    frame = inp.patterns.filter(C("severity").is_in(["warning", "critical"]))
    later = as_of + timedelta(days=s.agenda.pattern_warning_days)
    due = pl.when(C("severity") == "critical").then(pl.lit(as_of)).otherwise(pl.lit(later))
    return _out(
        frame,
        account_id=C("account_id"),
        kind=pl.lit("pattern"),
        reason_key=C("id"),
        title=pl.format("{} ({})", C("id").str.replace_all("_", " "), C("severity")),
        reason=C("action"),
        evidence=pl.concat_str(
            pl.lit('{"pattern":"'),
            C("id"),
            pl.lit('","severity":"'),
            C("severity"),
            pl.lit('","evidence":'),
            C("evidence"),
            pl.lit("}"),
        ),
        due=due,
        own_value=pl.max_horizontal(C("cost"), C("at_risk")),
        severity=C("severity"),
    )


def referrals(inp: AgendaInputs, as_of: date, s: Settings) -> pl.DataFrame:
    """A need (a `need:WORD` tag on a touchpoint or feedback in the last `need_days` days)
    that an allied partner's expertise covers, with no referral to such a partner since."""
    start = as_of - timedelta(days=s.agenda.need_days)
    tagged = pl.concat(
        [
            inp.touchpoints.select("account_id", "day", "tags"),
            inp.feedback.select("account_id", C("received_on").alias("day"), "tags"),
        ]
    )
    needs = (
        tagged.filter(C("day").is_between(start, as_of) & C("tags").is_not_null())
        .with_columns(C("tags").str.to_lowercase().str.split(";"))
        .explode("tags")
        .with_columns(C("tags").str.strip_chars())
        .filter(C("tags").str.starts_with("need:"))
        .select("account_id", "day", C("tags").str.strip_prefix("need:").alias("need"))
        .group_by("account_id", "need")
        .agg(C("day").min().alias("first_noted"), C("day").max().alias("last_noted"))
    )
    experts = (
        inp.partners.with_columns(C("expertise").str.to_lowercase().str.split(";"))
        .explode("expertise")
        .with_columns(C("expertise").str.strip_chars())
        .select("partner_id", C("name").alias("partner_name"), C("expertise").alias("need"))
    )
    matched = needs.join(experts, on="need")
    given = inp.referrals.filter((C("direction") == "given") & (C("made_on") <= as_of)).select(
        "account_id", "partner_id", C("made_on").alias("referred_on")
    )
    done = (
        matched.join(given, on=["account_id", "partner_id"])
        .filter(C("referred_on") >= C("first_noted"))
        .select("account_id", "need")
        .unique()
    )
    open_needs = (
        matched.join(done, on=["account_id", "need"], how="anti")
        .sort("partner_id")
        .group_by("account_id", "need", maintain_order=True)
        .agg(
            C("first_noted").first(),
            C("last_noted").first(),
            C("partner_id"),
            C("partner_name"),
        )
    )
    return _out(
        open_needs,
        account_id=C("account_id"),
        kind=pl.lit("referral"),
        reason_key=pl.format("need:{}", C("need")),
        title=pl.format("Refer them for {}", C("need")),
        reason=pl.format(
            "They need help with {} (noted {}), which {} serve(s) better than we do. Introduce "
            "them: a good referral earns more trust than a stretch sale.",
            C("need"),
            C("last_noted"),
            C("partner_name").list.join(", "),
        ),
        evidence=pl.struct(
            C("need"),
            C("first_noted").cast(pl.String),
            C("last_noted").cast(pl.String),
            C("partner_id").alias("partners"),
        ).struct.json_encode(),
        due=C("last_noted") + pl.duration(days=s.agenda.pattern_warning_days),
    )


RULES = (
    post_order,
    our_commitments,
    their_commitments,
    overdue_payments,
    stay_in_touch,
    reconnect,
    patterns,
    referrals,
)
"""The rules of this module; `accord.agenda.hooks` adds the value review and decision hooks."""
