"""The fifteen pattern rules of SPEC section 4, each as data: when, evidence, action.

A rule is a set of polars expressions over the scored feature table, so every
rule is judged for every account at once. `fires` is true only when every
number the rule needs is known (a rate with nothing to count never fires).
`evidence` lists the numbers that decide the rule, each with the threshold it
is compared with; `action` is a sentence a seller can act on this week;
`cost` is money lost in the window and `at_risk` the value ahead that the
pattern puts at risk (SPEC section 6), either null when not known.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from accord.config import Settings
from accord.health.dimensions import cost_to_serve, margin_of_revenue
from accord.money import money_expr

Evidence = tuple[str, pl.Expr, float, str]
"""(name, value, threshold, comparison) — the comparison as the rule reads it."""


@dataclass(frozen=True)
class Rule:
    id: str
    fires: pl.Expr
    critical: pl.Expr  # when it fires, whether it is critical rather than a warning
    evidence: tuple[Evidence, ...]
    action: pl.Expr
    cost: pl.Expr | None = None
    at_risk: bool | pl.Expr = False  # an expression: value ahead is at risk only where true
    not_judged: tuple[tuple[pl.Expr, pl.Expr], ...] = ()
    """(where, why): accounts the rule cannot judge because the book lacks an input that
    would decide it (a purpose, a cost, a list price, the in-scope flag, tags), and the
    reason in plain words. Where the rule fires it is judged, whatever these say."""


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(None)


def _pct(x: pl.Expr) -> pl.Expr:
    """A share as whole percent, for sentences."""
    return (x * 100).round(0).cast(pl.Int64)


def _money(x: pl.Expr, currency: str) -> pl.Expr:
    return money_expr(x, currency)  # "EUR 31,316", the one money format (accord.money)


C = pl.col
NO = pl.lit(False)

# -- what the book may lack (see docs/health.md, "Inferred signals and not judged") --------
UNKNOWN_PURPOSE = C("n_purpose_unknown")
NO_COST = (C("n_orders") > 0) & (C("known_revenue") == 0)
"""Orders in the window, none with a cost: the gross margin is unknown."""
BOOK_LISTS_PRICES = (C("listed") - C("revenue")).abs().sum() > 0.005
"""Some order in the book was sold below its list price: the book records list prices."""
BOOK_MARKS_SCOPE = C("out_of_scope_hours").sum() > 0
"""Some service entry in the book is out of scope: the book records the in-scope flag."""
BOOK_TAGS = (C("tp_tags_labelled") + C("fb_tags_labelled")).sum() > 0
"""Some touchpoint or feedback in the book carries a person's tags."""


KNOWN_PURPOSE = C("n_touch") - UNKNOWN_PURPOSE


def known_enough(s: Settings) -> pl.Expr:
    """Enough of the window's touchpoints have a known purpose (`signals.min_known_share`)
    for a rule to read the known ones as a sample of all. None in the window: nothing is
    unknown. All unknown is never enough, whatever the setting."""
    share = _ratio(KNOWN_PURPOSE, C("n_touch"))
    return (C("n_touch") == 0) | (
        (KNOWN_PURPOSE > 0) & (share >= s.signals.min_known_share).fill_null(False)
    )


def _purpose_reason(what: str, s: Settings) -> pl.Expr:
    return pl.format(
        "the purpose of {} of {} touchpoints in the window is unknown (unlabelled, and "
        "not clear enough from the text), more than the {}% a sample may lack, so {} "
        "cannot be told",
        UNKNOWN_PURPOSE,
        C("n_touch"),
        _pct(pl.lit(1.0 - s.signals.min_known_share)),
        pl.lit(what),
    )


COST_REASON = pl.format(
    "none of its {} orders in the window has a cost, so the gross margin is unknown",
    C("n_orders"),
)
LIST_REASON = pl.lit(
    "no order in the book has a list price above its amount, so discounts cannot be measured"
)
SCOPE_REASON = pl.lit(
    "no service entry in the book is marked out of scope, so out-of-scope work cannot be measured"
)


def _tags_reason(blind: pl.Expr, days: str) -> pl.Expr:
    return pl.format(
        "{} touchpoints or feedback in {} carry neither tags nor text to read them from",
        blind,
        pl.lit(days),
    )


def rules(s: Settings) -> list[Rule]:
    """Every rule with the thresholds of `s`."""
    out: list[Rule] = []

    t = s.transactional
    pre_share = _ratio(C("n_pre_order"), C("n_touch"))
    follow_rate = _ratio(C("n_followed"), C("n_orders_judged"))
    # Each touchpoint of unknown purpose could have followed up one order at most.
    follow_best = _ratio(C("n_followed") + UNKNOWN_PURPOSE, C("n_orders_judged"))
    transactional_gate = (C("n_orders") >= t.min_orders) & (pre_share >= t.pre_order_share)
    sampled = known_enough(s)
    out.append(
        Rule(
            "transactional",
            # with enough purposes known, the follow-ups among them are the sample; with
            # fewer, only when even counting every unknown one as a follow-up stays below
            transactional_gate
            & ((follow_best < t.follow_up_rate) | (sampled & (follow_rate < t.follow_up_rate))),
            NO,
            (
                ("orders", C("n_orders"), t.min_orders, ">="),
                ("pre_order_share", pre_share, t.pre_order_share, ">="),
                ("follow_up_rate", follow_rate, t.follow_up_rate, "<"),
            ),
            pl.format(
                "{}% of touchpoints came in the {} days before an order and {} of {} orders were "
                "followed up. This week, book a conversation with no sale attached: ask how the "
                "last order is working and bring one insight about their business.",
                _pct(pre_share),
                pl.lit(t.run_up_days),
                C("n_followed"),
                C("n_orders_judged"),
            ),
            at_risk=True,
            not_judged=(
                (
                    transactional_gate
                    & ~sampled
                    & (follow_rate < t.follow_up_rate)
                    & (follow_best >= t.follow_up_rate),
                    _purpose_reason("whether its orders were followed up", s),
                ),
            ),
        )
    )

    d = s.terms_dictated
    median = C("median_days_late")
    financing = C("late_money_days") * s.general.cost_of_capital / 365.0
    out.append(
        Rule(
            "terms_dictated",
            (C("n_invoices") >= d.min_invoices) & (median >= d.median_days_late),
            median >= 2 * d.median_days_late,
            (
                ("invoices_due", C("n_invoices"), d.min_invoices, ">="),
                ("median_days_late", median, d.median_days_late, ">="),
            ),
            pl.format(
                "They pay a median {} days late on {} invoices ({} unpaid past due). This week, "
                "call their finance contact, agree a payment plan for what is overdue, and make "
                "the agreed terms a condition of the next order.",
                median.round(0).cast(pl.Int64),
                C("n_invoices"),
                C("n_unpaid_overdue"),
            ),
            cost=financing,
        )
    )

    o = s.over_servicing
    serve = cost_to_serve(s)
    # the margin of the costed orders, scaled to all revenue, once enough of it is costed
    cost_share = _ratio(C("known_revenue"), C("revenue"))  # revenue on orders with a cost
    costed = (cost_share >= o.min_cost_share).fill_null(False)
    margin_all = margin_of_revenue(s)
    serve_share = _ratio(serve, margin_all)
    out_share = pl.when(C("service_hours") >= o.min_hours).then(
        _ratio(C("out_of_scope_hours"), C("service_hours"))
    )
    out.append(
        Rule(
            "over_servicing",
            (serve_share >= o.serve_share) | (out_share >= o.out_of_scope_share),
            serve_share >= 1.0,
            (
                ("cost_to_serve_share_of_margin", serve_share, o.serve_share, ">="),
                ("out_of_scope_share", out_share, o.out_of_scope_share, ">="),
                ("service_hours", C("service_hours"), o.min_hours, ">="),
            ),
            pl.format(
                "Serving them cost {} against a gross margin of {}, with {} of {} service hours "
                "out of scope. This week, list the out-of-scope work, agree with them what is "
                "included, and quote the rest as a paid service.",
                _money(serve, s.general.currency),
                _money(margin_all, s.general.currency),
                C("out_of_scope_hours").round(1),
                C("service_hours").round(1),
            ),
            cost=pl.max_horizontal(
                (serve - o.serve_share * margin_all).clip(lower_bound=0),
                C("out_of_scope_hours") * s.general.hourly_cost,
            ),
            not_judged=(
                (NO_COST & (serve > 0), COST_REASON),
                (
                    (C("revenue") > 0) & (C("known_revenue") > 0) & ~costed & (serve > 0),
                    pl.format(
                        "only {}% of its revenue in the window is on orders with a cost (below "
                        "{}%), so the gross margin is not known well enough",
                        _pct(cost_share),
                        _pct(pl.lit(o.min_cost_share)),
                    ),
                ),
                (~BOOK_MARKS_SCOPE & (C("service_hours") >= o.min_hours), SCOPE_REASON),
            ),
        )
    )

    v = s.professional_visitor
    social = _ratio(C("n_social"), C("n_touch"))
    social_best = _ratio(C("n_social") + UNKNOWN_PURPOSE, C("n_touch"))  # unknown all social
    # the social share of the known purposes, once enough are known; below, of all
    # touchpoints (an unknown one counted as not social, so absence never makes it fire)
    social = pl.when(sampled).then(_ratio(C("n_social"), KNOWN_PURPOSE)).otherwise(social)
    visitor_gate = (
        (C("n_touch") >= v.min_touchpoints) & (C("n_orders") == 0) & (C("n_opportunities") == 0)
    )
    out.append(
        Rule(
            "professional_visitor",
            (C("n_touch") >= v.min_touchpoints)
            & (social >= v.social_share)
            & (C("n_orders") == 0)
            & (C("n_opportunities") == 0),
            NO,
            (
                ("touchpoints", C("n_touch"), v.min_touchpoints, ">="),
                ("social_share", social, v.social_share, ">="),
                ("orders", C("n_orders"), 0, "=="),
                ("opportunities_opened", C("n_opportunities"), 0, "=="),
            ),
            pl.format(
                "{} visits, {}% of them social, and no order or opportunity in a year. This "
                "week, go with a point of view on one business problem of theirs and ask "
                "whether it is worth working on together.",
                C("n_touch"),
                _pct(social),
            ),
            cost=C("touch_minutes") / 60.0 * s.general.hourly_cost,
            not_judged=(
                (
                    visitor_gate
                    & ~sampled
                    & (social < v.social_share)
                    & (social_best >= v.social_share),
                    _purpose_reason("the share of social touchpoints", s),
                ),
            ),
        )
    )

    b = s.broken_promises
    for side, rid in (
        ("ours", "broken_promises_ours"),
        ("theirs", "broken_promises_theirs"),
    ):
        due, kept = C(f"{side}_due"), C(f"{side}_kept")
        rate = _ratio(kept, due)
        broken = due - kept
        if side == "ours":
            action = pl.format(
                "We kept {} of {} promises on time. This week, call them, own the misses, "
                "and agree new dates for the open ones that you will keep.",
                kept,
                due,
            )
        else:
            action = pl.format(
                "They kept {} of {} of their promises on time. This week, review the open "
                "items with your contact and agree who does what by when, in writing.",
                kept,
                due,
            )
        out.append(
            Rule(
                rid,
                (broken >= b.min_broken) & (rate < b.on_time_rate),
                rate < b.on_time_rate / 2,
                (
                    ("not_kept_on_time", broken, b.min_broken, ">="),
                    ("on_time_rate", rate, b.on_time_rate, "<"),
                    ("open_past_due", C(f"{side}_open"), 0.0, "info"),
                ),
                action,
                at_risk=side == "ours",
            )
        )

    g = s.margin_giveaway
    above = C("discount") - C("segment_median_discount")
    out.append(
        Rule(
            "margin_giveaway",
            (C("n_orders") >= g.min_orders) & (above >= g.points),
            above >= 2 * g.points,
            (
                ("orders", C("n_orders"), g.min_orders, ">="),
                ("discount", C("discount"), 0.0, "info"),
                ("segment_median_discount", C("segment_median_discount"), 0.0, "info"),
                ("points_above_segment", above, g.points, ">="),
            ),
            pl.format(
                "Their discount is {}% against a segment median of {}%. This week, prepare "
                "the next quote at the segment's price and trade any discount for something "
                "of value (volume, term, a reference).",
                _pct(C("discount")),
                _pct(C("segment_median_discount")),
            ),
            cost=above * C("listed"),
            not_judged=((~BOOK_LISTS_PRICES & (C("n_orders") >= g.min_orders), LIST_REASON),),
        )
    )

    q = s.quota_pressure
    qe_disc = _ratio(C("listed_qe_discount_num"), C("qe_listed"))
    other = pl.when(C("n_orders") - C("n_quarter_end") > 0).then(
        _ratio(C("other_listed") - C("other_amount"), C("other_listed"))
    )
    reference = pl.coalesce(other, C("segment_median_discount"))
    extra = qe_disc - reference
    out.append(
        Rule(
            "quota_pressure",
            (C("n_quarter_end") >= q.min_orders) & (extra >= q.points),
            NO,
            (
                ("quarter_end_orders", C("n_quarter_end"), q.min_orders, ">="),
                ("quarter_end_discount", qe_disc, 0.0, "info"),
                ("reference_discount", reference, 0.0, "info"),
                ("extra_discount", extra, q.points, ">="),
            ),
            pl.format(
                "{} orders were booked in the last {} days of a quarter at {} points more "
                "discount. This week, plan their next order with them by need and date, not by "
                "our quarter, and hold the price.",
                C("n_quarter_end"),
                pl.lit(q.quarter_end_days),
                (extra * 100).round(1),
            ),
            cost=extra * C("qe_listed"),
            not_judged=((~BOOK_LISTS_PRICES & (C("n_quarter_end") >= q.min_orders), LIST_REASON),),
        )
    )

    w = s.win_lose
    unhappy = (C("latest_nps") <= w.nps_max).fill_null(False) | (
        C("latest_csat") <= w.csat_max
    ).fill_null(False)
    we_win = (C("margin_pct") >= C("segment_margin_high")) & unhappy
    we_lose = (C("margin_pct") < w.low_margin) & (C("revenue") > 0)
    # They lose, too, when the value they realised is far behind their plan.
    value_behind = (C("value_realised") < w.value_realised_max).fill_null(False)
    out.append(
        Rule(
            "win_lose",
            we_win.fill_null(False) | we_lose.fill_null(False) | value_behind,
            NO,
            (
                ("margin_pct", C("margin_pct"), w.low_margin, "<"),
                ("segment_margin_high", C("segment_margin_high"), w.high_percentile, "percentile"),
                ("latest_nps", C("latest_nps"), w.nps_max, "<="),
                ("latest_csat", C("latest_csat"), w.csat_max, "<="),
                ("value_realised", C("value_realised"), w.value_realised_max, "<"),
            ),
            pl.when(we_lose.fill_null(False))
            .then(
                pl.format(
                    "We lose, they win: our gross margin is {}% on {} of revenue. This week, "
                    "review the price and scope with them and agree terms that work for both.",
                    (C("margin_pct") * 100).round(1),
                    _money(C("revenue"), s.general.currency),
                )
            )
            .when(value_behind & ~we_win.fill_null(False))
            .then(
                pl.format(
                    "They lose: they realised {}% of the value their plan expected by now. This "
                    "week, review the plan with them, find what stands in the way, and commit "
                    "to one step that gets the value back on track.",
                    (C("value_realised") * 100).round(0).cast(pl.Int64),
                )
            )
            .otherwise(
                pl.format(
                    "We win, they lose: our margin is in the segment's top quarter while their "
                    "latest score is low. This week, ask what would make the deal fair for "
                    "them and offer one concrete improvement.",
                )
            ),
            cost=pl.when(we_lose.fill_null(False)).then(
                (C("segment_median_margin") - C("margin_pct")).clip(lower_bound=0) * C("revenue")
            ),
            # they lose (we win while they are unhappy, or their value is behind plan)
            at_risk=we_win.fill_null(False) | value_behind,
            not_judged=((NO_COST & (C("revenue") > 0), COST_REASON),),
        )
    )

    f = s.friendship_over_profit
    out.append(
        Rule(
            "friendship_over_profit",
            (C("n_touch") >= C("segment_touch_high"))
            & (social >= f.social_share)
            & (C("margin_pct") < C("segment_margin_low")),
            NO,
            (
                ("touchpoints", C("n_touch"), f.touch_percentile, "percentile"),
                ("segment_touch_high", C("segment_touch_high"), 0.0, "info"),
                ("social_share", social, f.social_share, ">="),
                ("margin_pct", C("margin_pct"), f.margin_percentile, "percentile"),
                ("segment_margin_low", C("segment_margin_low"), 0.0, "info"),
            ),
            pl.format(
                "{} touchpoints, {}% social, at a margin of {}% (segment low quarter below "
                "{}%). This week, turn the next social visit into a business review and "
                "bring the price back to the segment's level.",
                C("n_touch"),
                _pct(social),
                (C("margin_pct") * 100).round(1),
                (C("segment_margin_low") * 100).round(1),
            ),
            cost=(C("segment_median_margin") - C("margin_pct")).clip(lower_bound=0) * C("revenue"),
            not_judged=(
                (
                    (C("n_touch") >= C("segment_touch_high"))
                    & (social_best >= f.social_share)
                    & NO_COST,
                    COST_REASON,
                ),
                (
                    (C("n_touch") >= C("segment_touch_high"))
                    & ~sampled
                    & (social < f.social_share)
                    & (social_best >= f.social_share)
                    & (C("margin_pct") < C("segment_margin_low")),
                    _purpose_reason("the share of social touchpoints", s),
                ),
            ),
        )
    )

    h = s.hostage
    unhappy_h = (C("latest_nps") <= h.nps_max).fill_null(False) | (
        C("n_complaints") >= h.min_complaints
    )
    hostage_gate = (C("n_orders") >= h.min_orders) & unhappy_h & (C("n_insight") == 0)
    out.append(
        Rule(
            "hostage",
            # never on labels that are missing: enough of the purposes must be known, and
            # none of the known ones insight or guidance
            hostage_gate & sampled,
            pl.lit(True),
            (
                ("orders", C("n_orders"), h.min_orders, ">="),
                ("latest_nps", C("latest_nps"), h.nps_max, "<="),
                ("complaints", C("n_complaints"), h.min_complaints, ">="),
                ("insight_or_guidance_touchpoints", C("n_insight"), 0, "=="),
            ),
            pl.format(
                "They keep buying ({} orders) while unhappy ({} complaints) and we brought no "
                "insight or guidance in a year. This week, meet them to hear the complaints "
                "out and come back with a plan; they stay because they must, not because they "
                "want to.",
                C("n_orders"),
                C("n_complaints"),
            ),
            at_risk=True,
            not_judged=(
                (
                    hostage_gate & ~sampled,
                    _purpose_reason("whether we brought any insight or guidance", s),
                ),
            ),
        )
    )

    db = s.double_billing
    out.append(
        Rule(
            "double_billing",
            C("n_double_lines") >= 1,
            pl.lit(True),
            (
                ("lines_billed_twice", C("n_double_lines"), 1, ">="),
                ("amount_billed_twice", C("double_amount"), 0.0, "info"),
                ("days", pl.lit(db.days), db.days, "<="),
            ),
            pl.format(
                "{} order lines billed parts their bundle already includes ({} in all). This "
                "week, tell them before they find it, and issue a credit note.",
                C("n_double_lines"),
                _money(C("double_amount"), s.general.currency),
            ),
            cost=C("double_amount"),
        )
    )

    fd = s.fading
    p_ok = C("p_alive").is_null() | (C("p_alive") < fd.p_alive)
    out.append(
        Rule(
            "fading",
            (C("n_orders") >= fd.min_orders) & (C("n_two_way_quiet") == 0) & p_ok,
            NO,
            (
                ("orders", C("n_orders"), fd.min_orders, ">="),
                ("two_way_touchpoints_recent", C("n_two_way_quiet"), 0, "=="),
                ("p_alive", C("p_alive"), fd.p_alive, "<"),
            ),
            pl.format(
                "No inbound or mutual contact in {} days (probability still active: {}). This "
                "week, call your main contact with something useful to them, not a pitch.",
                pl.lit(fd.quiet_days),
                pl.when(C("p_alive").is_null())
                .then(pl.lit("unknown"))
                .otherwise((C("p_alive") * 100).round(0).cast(pl.Int64).cast(pl.String) + "%"),
            ),
            at_risk=True,
        )
    )

    a = s.abusive
    tagged_a = C("tp_abusive") + C("fb_abusive")
    blind_a = C("tp_tag_blind") + C("fb_tag_blind")
    out.append(
        Rule(
            "abusive",
            tagged_a >= a.min_tagged,
            pl.lit(True),
            (("tagged_aggressive_threat_bullying", tagged_a, a.min_tagged, ">="),),
            pl.format(
                "{} touchpoints or feedback in {} days were tagged aggressive, threat or "
                "bullying. This week, raise it with your manager and agree how the "
                "relationship continues, on respectful terms or not at all.",
                tagged_a,
                pl.lit(a.days),
            ),
            at_risk=True,
            not_judged=(
                (
                    ~BOOK_TAGS & (tagged_a + blind_a >= a.min_tagged),
                    _tags_reason(blind_a, f"the last {a.days} days"),
                ),
            ),
        )
    )

    bb = s.big_brother
    tagged_b = C("tp_big_brother") + C("fb_big_brother")
    blind_b = C("tp_tag_blind_window") + C("fb_tag_blind_window")
    out.append(
        Rule(
            "big_brother",
            tagged_b >= bb.min_tagged,
            NO,
            (("tagged_ultimatum_unilateral_change", tagged_b, bb.min_tagged, ">="),),
            pl.format(
                "{} ultimatums or one-sided changes in a year. This week, put the agreement "
                "back on the table: write down what each side does and what changes need "
                "both to agree.",
                tagged_b,
            ),
            at_risk=True,
            not_judged=(
                (
                    ~BOOK_TAGS & (tagged_b + blind_b >= bb.min_tagged),
                    _tags_reason(blind_b, "the window"),
                ),
            ),
        )
    )
    return out


def with_rule_inputs(frame: pl.DataFrame) -> pl.DataFrame:
    """Columns some rules share, derived once."""
    return frame.with_columns(
        listed_qe_discount_num=pl.col("qe_listed") - pl.col("qe_amount"),
    )
