"""The facts health and the detectors read, per account, as one set-based Ibis query.

Every figure is an aggregate over the ledger as of a date; nothing loops over
accounts. Days are whole numbers (days since 1970-01-01), so that every window
is integer arithmetic that reads the same on DuckDB and PostgreSQL. The window
is the `window_days` days that end on the as-of date, that day included:
`as_of - window_days < day <= as_of`. Rows dated after the as-of date do not
exist as far as a diagnosis is concerned.

The result has one row per account (see `FEATURES` in docs/health.md for
every column); a count with nothing to count is 0, a figure with nothing to
measure (a latest NPS, a median lateness) is null.
"""

from __future__ import annotations

import math
import string
from datetime import date
from typing import Any

import ibis
from ibis.expr import types as ir

from accord.analytics.backend import Ledger
from accord.config import Settings

VALUE_ADDING = ("insight", "guidance", "support")
FOLLOW_UP = (*VALUE_ADDING, "social")
INSIGHT = ("insight", "guidance")
ABUSIVE_TAGS = ("aggressive", "threat", "bullying")
BIG_BROTHER_TAGS = ("ultimatum", "unilateral_change")

_EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    """Days since 1970-01-01: the unit every window is measured in."""
    return (day - _EPOCH).days


def _day(col: ir.DateValue) -> ir.IntegerValue:
    return col.epoch_days()


def _tagged(tags: ir.StringValue, words: tuple[str, ...]) -> ir.BooleanValue:
    """Whether a `;`-list of tags holds any of `words` (case-insensitive, whole words)."""
    padded = ibis.literal(";") + tags.lower() + ibis.literal(";")
    hit: ir.BooleanValue = ibis.literal(False)
    for word in words:
        hit = hit | padded.contains(f";{word};")
    # Most rows carry no tags: the string work runs only on those that do.
    return ibis.ifelse(tags.notnull(), hit, False)


def effective_purpose(touchpoints: ir.Table) -> ir.StringValue:
    """The purpose a person gave, else the one inferred from the text (`accord.signals`
    stores it only when sure enough); null when neither is known."""
    purpose: ir.StringValue = touchpoints.purpose.fill_null(touchpoints.purpose_inferred)
    return purpose


def is_two_way(direction: ir.StringValue) -> ir.BooleanValue:
    """A touchpoint that came from them or went both ways (inbound, mutual)."""
    return direction != "outbound"


def _n(cond: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows satisfy `cond`."""
    return cond.sum().fill_null(0).cast("int64")


def _in(col: ir.Value, values: tuple[str, ...]) -> ir.BooleanValue:
    return col.isin(list(values))


def account_features(ledger: Ledger, as_of: date, settings: Settings) -> ir.Table:
    """One row per account with every fact of docs/health.md, as of `as_of`."""
    s = settings
    today = day_number(as_of)
    start = today - s.general.window_days  # exclusive

    def in_window(day: ir.IntegerValue) -> ir.BooleanValue:
        return (day > start) & (day <= today)

    accounts = ledger["accounts"]
    acc = accounts.select(
        "account_id",
        "owner_id",
        segment_key=accounts.segment.fill_null(""),
        segment=accounts.segment,
        created_day=_day(accounts.created_on),
        payment_terms_days=accounts.payment_terms_days.fill_null(30),
    )

    # -- touchpoints --------------------------------------------------------------------
    tp0 = ledger["touchpoints"]
    next_kept = NEXT_ORDER in tp0.columns and NEXT_FOLLOW in ledger["orders"].columns
    tp = tp0.select(
        "account_id",
        "user_id",
        "contact_ids",
        purpose=effective_purpose(tp0),
        purpose_inferred=tp0.purpose.isnull() & tp0.purpose_inferred.notnull(),
        day=_day(tp0.day),
        two_way=is_two_way(tp0.direction),
        minutes=tp0.minutes.fill_null(0),
        abusive=_tagged(tp0.tags, ABUSIVE_TAGS) | _tagged(tp0.tags_inferred, ABUSIVE_TAGS),
        big_brother=_tagged(tp0.tags, BIG_BROTHER_TAGS)
        | _tagged(tp0.tags_inferred, BIG_BROTHER_TAGS),
        tag_blind=tp0.tags.isnull() & tp0.signals_model.isnull(),
        tag_labelled=tp0.tags.notnull(),
        **({"next_order": tp0[NEXT_ORDER]} if next_kept else {}),
    ).filter(lambda t: t.day <= today)
    quiet_from = today - s.fading.quiet_days
    abusive_from = today - s.abusive.days
    run_up = s.transactional.run_up_days
    follow_days = s.transactional.follow_up_days
    # Most counts look at recent rows only: they are made over those, and the two that
    # look at every row apart (a grouping of all the rows with 13 sums costs twice one
    # with 2).
    recent = tp.filter(tp.day > min(start, quiet_from, abusive_from))
    # Where the copy keeps each row's next order and next follow-up, the run-up and
    # follow-up counts are two more sums of the passes below; elsewhere they need
    # the ordered pass of `_cycle`.
    cycle_of_touches: dict[str, ir.IntegerScalar] = {}
    if next_kept:
        pre = in_window(recent.day) & _in_run_up(recent.day, recent.next_order, today, run_up)
        cycle_of_touches = {
            "n_pre_order": _n(pre),
            "n_value_off_cycle": _n(
                in_window(recent.day) & _in(recent.purpose, VALUE_ADDING) & ~pre
            ),
        }
    touch = recent.group_by("account_id").agg(
        n_touch=_n(in_window(recent.day)),
        n_social=_n(in_window(recent.day) & (recent.purpose == "social")),
        n_purpose_unknown=_n(in_window(recent.day) & recent.purpose.isnull()),
        n_purpose_inferred=_n(in_window(recent.day) & recent.purpose_inferred),
        tp_tag_blind=_n(recent.tag_blind & (recent.day > abusive_from)),
        tp_tag_blind_window=_n(recent.tag_blind & in_window(recent.day)),
        tp_tags_labelled=_n(recent.tag_labelled & in_window(recent.day)),
        n_value=_n(in_window(recent.day) & _in(recent.purpose, VALUE_ADDING)),
        n_insight=_n(in_window(recent.day) & _in(recent.purpose, INSIGHT)),
        n_two_way=_n(in_window(recent.day) & recent.two_way),
        touch_minutes=recent.minutes.sum(where=in_window(recent.day)).cast("int64"),
        n_two_way_quiet=_n(recent.two_way & (recent.day > quiet_from)),
        tp_abusive=_n(recent.abusive & (recent.day > abusive_from)),
        tp_big_brother=_n(recent.big_brother & in_window(recent.day)),
        **cycle_of_touches,
    )
    ever = tp.group_by("account_id").agg(
        n_touch_ever=tp.count(), last_two_way_day=tp.day.max(where=tp.two_way)
    )

    # -- orders ---------------------------------------------------------------------------
    or0 = ledger["orders"]
    # Each use selects its own columns from the table: one shared selection of every
    # order would be materialised whole for its several users.
    orders = or0.select("order_id", "account_id", day=_day(or0.ordered_on))
    ow = or0.select(
        "account_id",
        "amount",
        "cost",
        day=_day(or0.ordered_on),
        listed=or0.list_amount.fill_null(or0.amount),
        month=or0.ordered_on.month(),
        year=or0.ordered_on.year(),
        **({"next_follow": or0[NEXT_FOLLOW]} if next_kept else {}),
    )
    ow = ow.filter(in_window(ow.day))
    next_month = ((ow.month - 1) // 3) * 3 + 4
    next_quarter = ibis.date(
        ow.year + ibis.ifelse(next_month > 12, 1, 0),
        ibis.ifelse(next_month > 12, 1, next_month),
        1,
    )
    ow = ow.mutate(
        quarter_end=(_day(next_quarter) - ow.day) <= s.quota_pressure.quarter_end_days,
        known=ow.cost.notnull(),
    )
    order_agg = ow.group_by("account_id").agg(
        n_orders=ow.count(),
        revenue=ow.amount.sum(),
        listed=ow.listed.sum(),
        known_revenue=ow.amount.sum(where=ow.known),
        margin=(ow.amount - ow.cost).sum(where=ow.known),
        n_unknown_cost=_n(~ow.known),
        n_quarter_end=_n(ow.quarter_end),
        qe_amount=ow.amount.sum(where=ow.quarter_end),
        qe_listed=ow.listed.sum(where=ow.quarter_end),
        other_amount=ow.amount.sum(where=~ow.quarter_end),
        other_listed=ow.listed.sum(where=~ow.quarter_end),
        **(_cycle_of_orders(ow.day, ow.next_follow, today, follow_days) if next_kept else {}),
    )

    # Every order up to today, for the account's buying rhythm: when it first and last
    # bought and how often (one grouping of two integer columns).
    oh = or0.select("account_id", day=_day(or0.ordered_on))
    oh = oh.filter(oh.day <= today)
    history = oh.group_by("account_id").agg(
        n_orders_ever=oh.count(), first_order_day=oh.day.min(), last_order_day=oh.day.max()
    )

    # -- invoices ------------------------------------------------------------------------
    iv0 = ledger["invoices"].join(acc.select("account_id", "payment_terms_days"), "account_id")
    iv = iv0.select(
        "account_id",
        "amount",
        due=_day(iv0.issued_on) + iv0.terms_days.fill_null(iv0.payment_terms_days),
        paid=_day(iv0.paid_on),
    )
    # An invoice still unpaid past its due date stays, however old: a debt does not
    # expire with the window (one paid long ago does leave it).
    unpaid = iv.paid.isnull() | (iv.paid > today)
    iv = iv.filter(in_window(iv.due) | ((iv.due <= start) & unpaid))
    settled = ibis.ifelse(iv.paid.notnull() & (iv.paid <= today), iv.paid, today)
    iv = iv.mutate(late=settled - iv.due)
    late_pos = ibis.greatest(iv.late, 0)
    zero = s.trust.invoice_zero_days
    credit = (
        ibis.greatest(1.0 - late_pos / zero, 0.0)
        if zero > 0
        else ibis.ifelse(iv.late <= 0, 1.0, 0.0)
    )
    invoice = iv.group_by("account_id").agg(
        n_invoices=iv.count(),
        n_invoices_on_time=_n(iv.late <= 0),
        invoice_credit=credit.sum(),
        median_days_late=iv.late.cast("float64").median(),
        max_days_late=iv.late.max(),
        n_unpaid_overdue=_n(iv.paid.isnull() | (iv.paid > today)),
        late_money_days=(iv.amount * late_pos).sum(),
    )

    # -- commitments ---------------------------------------------------------------------
    cm0 = ledger["commitments"]
    cm = cm0.select(
        "account_id",
        "side",
        "cancelled",
        due=_day(cm0.due_on),
        made=_day(cm0.made_on),
        done=_day(cm0.done_on),
    )
    # A promise still open past its due date stays, however old: it is broken until it
    # is kept or cancelled (one settled long ago does leave the window).
    is_open = cm.done.isnull() | (cm.done > today)
    cm = cm.filter(
        ~cm.cancelled & (cm.made <= today) & (in_window(cm.due) | ((cm.due <= start) & is_open))
    )
    done = ~is_open
    kept = done & (cm.done <= cm.due)
    late = done & (cm.done > cm.due)
    commit = cm.group_by("account_id").agg(
        ours_due=_n(cm.side == "us"),
        ours_kept=_n(kept & (cm.side == "us")),
        ours_late=_n(late & (cm.side == "us")),
        ours_open=_n(is_open & (cm.side == "us")),
        theirs_due=_n(cm.side == "them"),
        theirs_kept=_n(kept & (cm.side == "them")),
        theirs_late=_n(late & (cm.side == "them")),
        theirs_open=_n(is_open & (cm.side == "them")),
    )

    # -- service -------------------------------------------------------------------------
    sv0 = ledger["service_log"]
    sv = sv0.select("account_id", "hours", "in_scope", day=_day(sv0.worked_on))
    sv = sv.filter(in_window(sv.day))
    service = sv.group_by("account_id").agg(
        service_hours=sv.hours.sum(),
        out_of_scope_hours=sv.hours.sum(where=~sv.in_scope),
    )

    # -- feedback ------------------------------------------------------------------------
    fb0 = ledger["feedback"]
    fb = fb0.select(
        "feedback_id",
        "account_id",
        "kind",
        "score",
        day=_day(fb0.received_on),
        abusive=_tagged(fb0.tags, ABUSIVE_TAGS) | _tagged(fb0.tags_inferred, ABUSIVE_TAGS),
        big_brother=_tagged(fb0.tags, BIG_BROTHER_TAGS)
        | _tagged(fb0.tags_inferred, BIG_BROTHER_TAGS),
        # a score alone (NPS, CSAT) or praise carries no abuse: only a complaint could
        tag_blind=fb0.tags.isnull() & fb0.signals_model.isnull() & (fb0.kind == "complaint"),
        tag_labelled=fb0.tags.notnull(),
    ).filter(lambda t: t.day <= today)
    fw = fb.filter(in_window(fb.day))
    newest = ibis.window(
        group_by=["account_id", "kind"], order_by=[ibis.desc("day"), ibis.desc("feedback_id")]
    )
    scored = fw.filter(_in(fw.kind, ("nps", "csat")) & fw.score.notnull())
    scored = scored.mutate(rank=ibis.row_number().over(newest))
    top = scored.filter(scored.rank == 0)
    latest = top.group_by("account_id").agg(
        latest_nps=top.score.max(where=top.kind == "nps"),
        latest_csat=top.score.max(where=top.kind == "csat"),
    )
    feedback = fb.group_by("account_id").agg(
        n_feedback=_n(in_window(fb.day)),
        n_complaints=_n(in_window(fb.day) & (fb.kind == "complaint")),
        n_praise=_n(in_window(fb.day) & (fb.kind == "praise")),
        fb_abusive=_n(fb.abusive & (fb.day > abusive_from)),
        fb_big_brother=_n(fb.big_brother & in_window(fb.day)),
        fb_tag_blind=_n(fb.tag_blind & (fb.day > abusive_from)),
        fb_tag_blind_window=_n(fb.tag_blind & in_window(fb.day)),
        fb_tags_labelled=_n(fb.tag_labelled & in_window(fb.day)),
    )

    # -- opportunities -------------------------------------------------------------------
    op0 = ledger["opportunities"]
    op = op0.select("account_id", day=_day(op0.opened_on))
    opened = op.filter(in_window(op.day))
    opps = opened.group_by("account_id").agg(n_opportunities=opened.count())

    realised = value_realised(ledger, today)
    doubles = _double_billing(ledger, orders, in_window, s.double_billing.days, start, today)
    people = _breadth(ledger, tp, today, s)

    # -- one row per account -------------------------------------------------------------
    parts: list[ir.Table] = [
        touch,
        ever,
        order_agg,
        history,
        *([] if next_kept else [_cycle(tp, ow, in_window, today, s)]),
        invoice,
        commit,
        service,
        latest,
        feedback,
        opps,
        doubles,
        people,
        realised,
    ]
    fill: dict[str, float] = {
        name: 0
        for part in parts
        for name, dtype in part.schema().items()
        if dtype.is_integer() and name.startswith(("n_", "tp_", "fb_", "ours_", "theirs_"))
    }
    fill.update(
        {
            "touch_minutes": 0,
            "revenue": 0.0,
            "listed": 0.0,
            "known_revenue": 0.0,
            "margin": 0.0,
            "qe_amount": 0.0,
            "qe_listed": 0.0,
            "other_amount": 0.0,
            "other_listed": 0.0,
            "service_hours": 0.0,
            "out_of_scope_hours": 0.0,
            "late_money_days": 0.0,
            "invoice_credit": 0.0,
            "double_amount": 0.0,
            "decision_maker_known": 0,
            "champion_known": 0,
            "roles_known": 0,
        }
    )
    # The same columns in the same order, whichever way the cycle counts were made.
    cycle = ("n_pre_order", "n_value_off_cycle", "n_orders_judged", "n_followed")
    return _with_segments(_beside(acc, parts, fill).relocate(*cycle, after="other_listed"), s)


def _beside(acc: ir.Table, parts: list[ir.Table], fill: dict[str, float]) -> ir.Table:
    """`acc` with the columns of each per-account part beside it, a blank filled from `fill`
    (left joins in one chain and one projection: nested ones cost Ibis much more to compile).
    """
    keyed = [p.rename({f"_key{i}": "account_id"}) for i, p in enumerate(parts)]
    joined: Any = acc
    for i, part in enumerate(keyed):
        joined = joined.left_join(part, acc.account_id == part[f"_key{i}"])
    columns = [joined[c] for c in acc.columns]
    for i, part in enumerate(keyed):
        for c in part.columns:
            if c != f"_key{i}":
                columns.append(joined[c].fill_null(fill[c]).name(c) if c in fill else joined[c])
    out: ir.Table = joined.select(columns)
    return out


NEXT_ORDER = "next_order_day"
"""Touchpoints column the columnar copy keeps: the day of the account's first order on
or after the touchpoint's day (days since 1970-01-01; null: none)."""
NEXT_FOLLOW = "next_follow_day"
"""Orders column the columnar copy keeps: the day of the account's first follow-up
touchpoint on a later day than the order's (null: none)."""


def next_days(touchpoints: ir.Table, orders: ir.Table) -> ir.Table:
    """Touchpoints (account_id, day, purpose, …) and orders (account_id, day, …) as one
    table with `kind` (0 a touchpoint, 1 an order) and, per row, `next_order` and
    `next_follow` (see NEXT_ORDER and NEXT_FOLLOW): one ordered pass per account.

    These depend on no as-of date: an order after it is simply later than any
    window, which `_in_run_up` checks. The other columns of either table pass through
    (the two must have the same ones)."""
    events = ibis.union(
        touchpoints.mutate(kind=ibis.literal(0), follow=_in(touchpoints.purpose, FOLLOW_UP)),
        orders.mutate(kind=ibis.literal(1), follow=ibis.literal(False)),
    )
    # Rows from this one to the account's last, touchpoints before orders on the same day:
    # a touchpoint sees the orders of its own day; an order does not see that day's touches.
    ahead = ibis.window(
        group_by="account_id", order_by=["day", "kind"], preceding=0, following=None
    )
    return events.mutate(
        next_order=events.day.min(where=events.kind == 1).over(ahead),
        next_follow=events.day.min(where=(events.kind == 0) & events.follow).over(ahead),
    )


def _in_run_up(
    day: ir.IntegerValue, next_order: ir.IntegerValue, today: int, run_up: int
) -> ir.BooleanValue:
    """A touchpoint in the run-up to an order: one within `run_up` days on or after it, by
    today (no order ahead at all is "not in a run-up", not unknown)."""
    return ((next_order <= today) & ((next_order - day) <= run_up)).fill_null(False)


def _cycle_of_orders(
    day: ir.IntegerValue,
    next_follow: ir.IntegerValue,
    today: int,
    follow_days: int,
    order: ir.BooleanValue | None = None,
) -> dict[str, ir.IntegerScalar]:
    """Orders (rows where `order`, all when None) old enough to judge, and those of them
    followed up within `follow_days` days."""
    judged = day <= today - follow_days
    if order is not None:
        judged = order & judged
    return {
        "n_orders_judged": _n(judged),
        "n_followed": _n(judged & ((next_follow - day) <= follow_days)),
    }


def _cycle(tp: ir.Table, ow: ir.Table, in_window: Any, today: int, s: Settings) -> ir.Table:
    """The run-up and follow-up counts per account, from the window's rows alone (where
    the copy does not keep each row's next days): a row in the window looks only
    ahead, so rows before it cannot change its next days."""
    tw = tp.filter(in_window(tp.day))
    value = _in(tw.purpose, VALUE_ADDING)
    events = next_days(
        tw.select("account_id", "day", "purpose", value=value),
        ow.select(
            "account_id",
            "day",
            purpose=ibis.literal("").cast(tw.purpose.type()),
            value=ibis.literal(False).cast(value.type()),
        ),
    )
    touch, order = events.kind == 0, events.kind == 1
    pre = touch & _in_run_up(events.day, events.next_order, today, s.transactional.run_up_days)
    follow_days = s.transactional.follow_up_days
    return events.group_by("account_id").agg(
        n_pre_order=_n(pre),
        n_value_off_cycle=_n(touch & events.value & ~pre),
        **_cycle_of_orders(events.day, events.next_follow, today, follow_days, order),
    )


def _with_segments(out: ir.Table, s: Settings) -> ir.Table:
    """Segment medians and percentiles beside each account (segment blank = one segment)."""
    margin_pct = ibis.ifelse(out.known_revenue > 0, out.margin / out.known_revenue, ibis.null())
    discount = ibis.ifelse(out.listed > 0, 1.0 - out.revenue / out.listed, ibis.null())
    out = out.mutate(margin_pct=margin_pct.cast("float64"), discount=discount.cast("float64"))
    seg = out.group_by("segment_key").agg(
        segment_accounts=out.count(),
        segment_median_discount=out.discount.median(where=out.n_orders > 0),
        segment_median_margin=out.margin_pct.median(),
        segment_margin_high=out.margin_pct.quantile(s.win_lose.high_percentile),
        segment_margin_low=out.margin_pct.quantile(s.friendship_over_profit.margin_percentile),
        segment_touch_high=out.n_touch.cast("float64").quantile(
            s.friendship_over_profit.touch_percentile
        ),
    )
    return out.left_join(seg, "segment_key").drop("segment_key_right")


def value_realised(ledger: Ledger, today: int) -> ir.Table:
    """Per account: the mean realisation of the value plans of its won deals, by each plan's
    latest check on or before today, and how many plans are behind (the formulas of
    `accord.decision.value`, set-based)."""
    op0 = ledger["opportunities"]
    won = op0.filter(op0.stage == "won").select(
        "opportunity_id",
        "account_id",
        closed=_day(op0.closed_on),
        opened=_day(op0.opened_on),
    )
    vp0 = ledger["value_plans"]
    plans = vp0.select(
        "opportunity_id",
        "metric",
        "baseline",
        "target",
        by=_day(vp0.measure_by),
        starts=_day(vp0.starts_on),
    ).join(won, "opportunity_id")
    plans = plans.mutate(start=ibis.coalesce(plans.starts, plans.closed, plans.opened))
    vc0 = ledger["value_checks"]
    checks = vc0.select("opportunity_id", "metric", "value", day=_day(vc0.measured_on))
    checks = checks.filter(checks.day <= today)
    newest = ibis.window(group_by=["opportunity_id", "metric"], order_by=ibis.desc("day"))
    checks = checks.mutate(rank=ibis.row_number().over(newest))
    latest = checks.filter(checks.rank == 0).drop("rank")
    rows = plans.join(latest, ["opportunity_id", "metric"])
    span = rows.target - rows.baseline
    progress = ibis.ifelse(
        span == 0,
        ibis.ifelse(rows.value == rows.target, 1.0, 0.0),
        (rows.value - rows.baseline) / ibis.ifelse(span == 0, 1.0, span),
    )
    length = rows.by - rows.start
    expected = ibis.ifelse(
        length <= 0,
        1.0,
        ibis.greatest(
            ibis.least((rows.day - rows.start).cast("float64") / ibis.greatest(length, 1), 1.0),
            0.0,
        ),
    )
    rows = rows.mutate(p=progress.cast("float64"), e=expected.cast("float64"))
    realisation = ibis.ifelse(
        (rows.p >= 1) | (rows.e <= 0),
        1.0,
        ibis.greatest(ibis.least(rows.p / ibis.ifelse(rows.e <= 0, 1.0, rows.e), 1.0), 0.0),
    )
    rows = rows.mutate(realisation=realisation.cast("float64"))
    return rows.group_by("account_id").agg(
        value_realised=rows.realisation.mean(),
        n_value_plans=rows.count(),
        n_value_behind=_n((rows.p < 1) & (rows.p < rows.e) & (rows.e > 0)),
    )


BUNDLE_GAP = "bundle_gap_days"
"""Order-lines column the columnar copy keeps (see `bundle_gaps`; null: none)."""


def bundle_gaps(lines: ir.Table, orders: ir.Table, products: ir.Table) -> ir.Table:
    """Per priced line (price > 0) of a standalone product, on `orders` (order_id,
    account_id, day): the days to the nearest of those orders of the same account
    that billed a bundle including that product — order_id, line_no, account_id,
    day, billed (quantity × price) and gap. Lines without such an order are left out.

    Set up so that the big order-lines table is looked up in small tables only:
    bundle lines against the orders (bundles are a few lines in ten), then priced
    standalone lines against the orders of accounts that bought such a bundle."""
    bundle = products.filter(products.kind == "bundle")
    standalone = products.filter(products.kind != "bundle")
    parts = bundle.select(bundle_sku=bundle.sku, part=bundle.includes.split(";").unnest().strip())
    billed = (
        lines.semi_join(bundle, lines.sku == bundle.sku)
        .select("order_id", bundle_sku="sku")
        .join(orders.select("order_id", "account_id", bundle_day="day"), "order_id")
        .join(parts, "bundle_sku")
    )
    bundles = billed.select("account_id", "part", "bundle_day")
    buyers = orders.select("order_id", "account_id", "day").semi_join(bundles, "account_id")
    priced = lines.filter(lines.unit_price > 0).semi_join(standalone, lines.sku == standalone.sku)
    single = priced.join(buyers, "order_id")
    pairs = single.join(
        bundles, (single.account_id == bundles.account_id) & (single.sku == bundles.part)
    )
    return pairs.group_by(
        "order_id", "line_no", "account_id", "day", billed=pairs.quantity * pairs.unit_price
    ).agg(gap=(pairs.day - pairs.bundle_day).abs().min())


def _double_billing(
    ledger: Ledger, orders: ir.Table, in_window: Any, days: int, start: int, today: int
) -> ir.Table:
    """Standalone lines (price > 0) of the window's orders for a part that a bundle billed
    to the same account within `days` days (either side) already includes.

    The columnar copy keeps each line's gap (BUNDLE_GAP); elsewhere the gaps are
    worked out from the orders within `days` days of the window."""
    lines = ledger["order_lines"]
    window = orders.filter(in_window(orders.day))
    if BUNDLE_GAP in lines.columns:
        near = lines.filter(lines[BUNDLE_GAP] <= days)
        twice = near.select("order_id", billed=near.quantity * near.unit_price).join(
            window.select("order_id", "account_id"), "order_id"
        )
    else:
        near_orders = orders.filter((orders.day > start - days) & (orders.day <= today + days))
        gaps = bundle_gaps(lines, near_orders, ledger["products"])
        twice = gaps.filter(in_window(gaps.day) & (gaps.gap <= days))
    return twice.group_by("account_id").agg(
        n_double_lines=twice.count(), double_amount=twice.billed.sum()
    )


WEIGHT_UNITS = 1e12
"""A touchpoint's decayed weight in whole pico-units: integer sums come out the same in
any order, so a parallel aggregation gives the same strength on every run."""


def pair_sums(named: ir.Table, ref_day: int, half_life_days: float) -> ir.Table:
    """Per (seller, contact): touchpoints, two-way ones, and their weights in pico-units
    as of `ref_day`, from the touchpoints (user_id, contact_ids, day, two_way) that name
    someone.

    A weight as of a later day is this one × 2^(−days later / half-life), so the
    sums kept in the columnar copy (as of its newest touchpoint) serve any later
    as-of date, and rows added or removed change them by their own sums alone."""
    named = named.filter(named.contact_ids.notnull())
    age = (ibis.literal(ref_day) - named.day).cast("float64")
    units = ((age * (-math.log(2) / half_life_days)).exp() * WEIGHT_UNITS).round()
    named = named.mutate(weight=units.cast("int64"))
    # Summed per (seller, list of people) first: far fewer rows to split and trim than
    # touchpoints (splitting and trimming every touchpoint's list was most of the query).
    lists = named.group_by(["user_id", "contact_ids"]).agg(
        touchpoints=named.count(),
        two_way_touchpoints=_n(named.two_way),
        weight=named.weight.sum(),
        two_way_weight=named.weight.sum(where=named.two_way).fill_null(0),
    )
    each = lists.mutate(contact_id=lists.contact_ids.split(";").unnest())
    blank: ir.BooleanValue = ibis.literal(False)
    for ch in string.whitespace:
        blank = blank | each.contact_id.contains(ch)
    # Trimming is slow and ids rarely hold a blank: trim only those that do.
    each = each.mutate(contact_id=ibis.ifelse(blank, each.contact_id.strip(), each.contact_id))
    return each.group_by(["user_id", "contact_id"]).agg(
        touchpoints=each.touchpoints.sum().cast("int64"),
        two_way_touchpoints=each.two_way_touchpoints.sum().cast("int64"),
        weight_units=each.weight.sum().cast("int64"),
        two_way_units=each.two_way_weight.sum().cast("int64"),
    )


def contact_strengths(ledger: Ledger, tp: ir.Table, today: int, s: Settings) -> ir.Table:
    """Per (seller, contact): decayed touchpoints, two-sidedness and the 0–1 strength.

    Each touchpoint naming the contact weighs 2^(−age / half-life); strength is
    (1 − e^(−weight / saturation)) × min(1, two-way share / balance target), so
    a contact we only ever wrote to has strength 0 (see docs/health.md). The sums
    come from the columnar copy when it keeps them for this half-life and no
    touchpoint is dated after today; else from `tp` (user_id, contact_ids, day,
    two_way), filtered to today.
    """
    st = s.strength
    kept = ledger.pair_sums
    if kept is not None and kept.half_life_days == st.half_life_days and kept.newest <= today:
        pairs, ref_day = kept.table, kept.ref_day
    else:
        pairs, ref_day = pair_sums(tp, today, st.half_life_days), today
    later = 0.5 ** ((today - ref_day) / st.half_life_days)  # 1 exactly on the reference day
    pairs = pairs.select(
        "user_id",
        "contact_id",
        "touchpoints",
        "two_way_touchpoints",
        weight=pairs.weight_units.cast("float64") / WEIGHT_UNITS * later,
        two_way_weight=pairs.two_way_units.cast("float64") / WEIGHT_UNITS * later,
    )
    share = pairs.two_way_weight / pairs.weight
    balance = (
        ibis.least(share / st.balance_target, 1.0) if st.balance_target > 0 else ibis.literal(1.0)
    )
    grow = 1.0 - (-pairs.weight / st.saturation).exp() if st.saturation > 0 else ibis.literal(1.0)
    strength = ibis.ifelse(pairs.weight > 0, grow * balance, 0.0)
    return pairs.mutate(strength=strength.cast("float64"))


def _breadth(ledger: Ledger, tp: ir.Table, today: int, s: Settings) -> ir.Table:
    """Per account: active people, those we really know, and the decision roles among them."""
    strengths = contact_strengths(ledger, tp, today, s)
    best = strengths.group_by("contact_id").agg(strength=strengths.strength.max())
    contacts = ledger["contacts"]
    people = contacts.filter(contacts.active).left_join(best, "contact_id")
    known = people.strength.fill_null(0.0) >= s.strength.known_from
    return people.group_by("account_id").agg(
        n_contacts=people.count(),
        n_known=_n(known),
        n_decision_makers=_n(people.decision_role == "decision_maker"),
        decision_maker_known=_n(known & (people.decision_role == "decision_maker")),
        decision_maker_strength=people.strength.fill_null(0.0).max(
            where=people.decision_role == "decision_maker"
        ),
        n_champions=_n(people.decision_role == "champion"),
        champion_known=_n(known & (people.decision_role == "champion")),
        roles_known=people.decision_role.nunique(where=known),
    )


def first_activity(ledger: Ledger) -> date | None:
    """The earliest dated row of the book (orders, touchpoints, invoices, commitments)."""
    # the minimum of an empty table is null: say so, or a NOT NULL column's type refuses it
    firsts = [
        ledger[table].aggregate(
            first=lambda t, c=column: t[c].min().cast(t[c].type().copy(nullable=True))
        )
        for table, column in (
            ("orders", "ordered_on"),
            ("touchpoints", "day"),
            ("invoices", "issued_on"),
            ("commitments", "made_on"),
        )
    ]
    days = [ledger.to_arrow(f).column("first")[0].as_py() for f in firsts]
    found = [_as_date(d) for d in days if d is not None]
    return min(found) if found else None


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    return date.fromisoformat(str(value)[:10])


def order_history(ledger: Ledger, as_of: date) -> ir.Table:
    """account_id, ordered_on, amount of every order up to the as-of date (for the CLV model)."""
    orders = ledger["orders"]
    return orders.filter(orders.ordered_on <= as_of).select("account_id", "ordered_on", "amount")
