"""An independent reading of the pattern rules of SPEC section 4, in plain polars.

It shares no code with the generator (nor with accord's detectors): it reads
the CSV files back and applies the rules with their default thresholds. Where
the SPEC leaves room (is the window's first day in or out? does cost to serve
count touchpoint time? over which accounts is a segment percentile taken?),
`READINGS` lists two readings; a planted account must fire under both and an
unplanted one under neither. `fading`'s probability-alive part is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from accord.domain.schema import Kind
from accord.generate.writer import GENERATED

FOLLOW_UP = ["insight", "guidance", "support", "social"]
ABUSIVE = ["aggressive", "threat", "bullying"]
BIG_BROTHER = ["ultimatum", "unilateral_change"]
HOURLY_COST = 100.0


@dataclass(frozen=True)
class Reading:
    """One way to read the rules where the SPEC is not explicit."""

    first_day_in: bool  # the window holds its first day (as_of - 365) too
    touch_time_costs: bool  # cost to serve counts touchpoint minutes (SPEC section 6)
    bundle_either_side: bool  # a double bill may come before the bundle, too
    active_only: bool  # segment percentiles over accounts with activity only
    margin_of_all_revenue: bool  # margin % = known margin / all revenue
    pre_order_same_day: bool  # "14 days before an order" includes the order's day


@dataclass(frozen=True)
class Thresholds:
    """The rules' default thresholds; `shifted` makes every rule harder (k > 0) or easier."""

    pre_share: float = 0.8
    follow_rate: float = 0.5
    median_late: float = 15.0
    serve_share: float = 0.3
    out_share: float = 0.4
    visitor_social: float = 0.5
    on_time: float = 0.7
    giveaway_points: float = 0.10
    pressure_points: float = 0.05
    lose_margin: float = 0.05
    high: float = 0.75  # the segment percentile of win_lose and friendship_over_profit
    low: float = 0.25
    friend_social: float = 0.3

    def shifted(self, k: float) -> Thresholds:
        """Move each threshold by a relative k (percentile levels by 0.4 k) towards not firing."""
        up = 1 + k
        return Thresholds(
            pre_share=min(1.0, self.pre_share * up),
            follow_rate=self.follow_rate / up,
            median_late=self.median_late * up,
            serve_share=self.serve_share * up,
            out_share=self.out_share * up,
            visitor_social=self.visitor_social * up,
            on_time=self.on_time / up,
            giveaway_points=self.giveaway_points * up,
            pressure_points=self.pressure_points * up,
            lose_margin=self.lose_margin / up,
            high=self.high + 0.4 * k,
            low=self.low - 0.4 * k,
            friend_social=self.friend_social * up,
        )


DEFAULT = Thresholds()

READINGS = (
    Reading(False, False, False, False, False, False),
    Reading(True, True, True, True, True, True),
)


KINDS = {
    Kind.DATE: pl.Date,
    Kind.DATETIME: pl.Datetime("us"),
    Kind.DECIMAL: pl.Float64,
    Kind.INT: pl.Int64,
    Kind.BOOL: pl.Boolean,
}


def load(folder: Path) -> dict[str, pl.DataFrame]:
    """Every CSV of a bundle, typed by the schema (truth.csv as text)."""
    out = {"truth": pl.read_csv(folder / "truth.csv", schema_overrides={"patterns": pl.String})}
    for table in GENERATED:
        types: dict[str, Any] = {c.name: KINDS.get(c.kind, pl.String) for c in table.columns}
        out[table.name] = pl.read_csv(folder / table.file, schema=types)
    return out


def _within(col: pl.Expr, as_of: date, days: int, r: Reading) -> pl.Expr:
    start = as_of - timedelta(days=days)
    first = col >= start if r.first_day_in else col > start
    return first & (col <= as_of)


def _count(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    return frame.group_by("account_id").agg(pl.len().alias(name))


def fired(
    b: dict[str, pl.DataFrame], as_of: date, r: Reading, th: Thresholds = DEFAULT
) -> dict[str, set[str]]:
    """Pattern id → the accounts on which the rule fires, as of `as_of`."""

    def window(col: str) -> pl.Expr:
        return _within(pl.col(col), as_of, 365, r)

    accounts = b["accounts"].select("account_id", "segment", "payment_terms_days")
    ids = accounts.select("account_id")
    tp = b["touchpoints"].with_columns(day=pl.col("occurred_at").dt.date())
    tpw = tp.filter(window("day"))
    orders = b["orders"]
    ow = orders.filter(window("ordered_on"))
    feedback = b["feedback"]
    fw = feedback.filter(window("received_on"))
    out: dict[str, set[str]] = {}

    def accounts_where(frame: pl.DataFrame, cond: pl.Expr) -> set[str]:
        return set(frame.filter(cond)["account_id"].to_list())

    # per-account facts
    per = (
        ids.join(accounts, on="account_id")
        .join(_count(ow, "n_orders"), on="account_id", how="left")
        .join(_count(tpw, "n_touch"), on="account_id", how="left")
        .join(
            tpw.group_by("account_id").agg(
                social=(pl.col("purpose") == "social").sum(),
                insight=pl.col("purpose").is_in(["insight", "guidance"]).sum(),
                minutes=pl.col("minutes").sum(),
            ),
            on="account_id",
            how="left",
        )
        .join(
            ow.group_by("account_id").agg(
                revenue=pl.col("amount").sum(),
                listed=pl.col("list_amount").sum(),
                known_revenue=pl.col("amount").filter(pl.col("cost").is_not_null()).sum(),
                margin=(pl.col("amount") - pl.col("cost"))
                .filter(pl.col("cost").is_not_null())
                .sum(),
            ),
            on="account_id",
            how="left",
        )
        .fill_null(0)
    )
    base = pl.col("revenue") if r.margin_of_all_revenue else pl.col("known_revenue")
    per = per.with_columns(
        margin_pct=pl.when(base > 0).then(pl.col("margin") / base),
        discount=pl.when(pl.col("listed") > 0).then(1 - pl.col("revenue") / pl.col("listed")),
    )

    # transactional
    pairs = tpw.join(orders.select("account_id", "ordered_on"), on="account_id")
    before = (pl.col("ordered_on") - pl.col("day")).dt.total_days()
    lo = 0 if r.pre_order_same_day else 1
    pre = pairs.filter(before.is_between(lo, 14)).select("account_id", "touchpoint_id").unique()
    old = ow.filter(pl.col("ordered_on") <= as_of - timedelta(days=30))
    follow = (
        old.join(tp.filter(pl.col("purpose").is_in(FOLLOW_UP)), on="account_id")
        .filter((pl.col("day") - pl.col("ordered_on")).dt.total_days().is_between(1, 30))
        .select("order_id")
        .unique()
    )
    t = (
        per.join(_count(pre, "n_pre"), on="account_id", how="left")
        .join(_count(old, "n_old"), on="account_id", how="left")
        .join(
            _count(old.filter(pl.col("order_id").is_in(follow["order_id"].implode())), "n_fol"),
            on="account_id",
            how="left",
        )
        .fill_null(0)
    )
    out["transactional"] = accounts_where(
        t,
        (pl.col("n_orders") >= 2)
        & (pl.col("n_touch") > 0)
        & (pl.col("n_pre") >= th.pre_share * pl.col("n_touch"))
        & (pl.col("n_old") > 0)
        & (pl.col("n_fol") < th.follow_rate * pl.col("n_old")),
    )

    # terms_dictated
    inv = (
        b["invoices"]
        .join(accounts, on="account_id")
        .with_columns(terms=pl.coalesce("terms_days", "payment_terms_days"))
        .with_columns(due=pl.col("issued_on") + pl.duration(days=pl.col("terms")))
        .filter(window("due"))
        .with_columns(
            settled=pl.when(pl.col("paid_on").is_not_null() & (pl.col("paid_on") <= as_of))
            .then(pl.col("paid_on"))
            .otherwise(pl.lit(as_of))
        )
        .with_columns(late=(pl.col("settled") - pl.col("due")).dt.total_days())
        .group_by("account_id")
        .agg(n=pl.len(), median=pl.col("late").median())
    )
    out["terms_dictated"] = accounts_where(
        inv, (pl.col("n") >= 3) & (pl.col("median") >= th.median_late)
    )

    # over_servicing
    sv = (
        b["service_log"]
        .filter(window("worked_on"))
        .group_by("account_id")
        .agg(hours=pl.col("hours").sum(), out=pl.col("hours").filter(~pl.col("in_scope")).sum())
    )
    o = per.join(sv, on="account_id", how="left").fill_null(0)
    touch_hours = pl.col("minutes") / 60 if r.touch_time_costs else pl.lit(0.0)
    cost = (pl.col("hours") + touch_hours) * HOURLY_COST
    out["over_servicing"] = accounts_where(
        o,
        ((pl.col("margin") > 0) & (cost >= th.serve_share * pl.col("margin")))
        | ((pl.col("hours") >= 10) & (pl.col("out") >= th.out_share * pl.col("hours"))),
    )

    # professional_visitor
    opened = set(b["opportunities"].filter(window("opened_on"))["account_id"].to_list())
    out["professional_visitor"] = {
        a
        for a in accounts_where(
            per,
            (pl.col("n_touch") >= 6)
            & (pl.col("social") >= th.visitor_social * pl.col("n_touch"))
            & (pl.col("n_orders") == 0),
        )
        if a not in opened
    }

    # broken promises, both sides
    cm = b["commitments"].filter(~pl.col("cancelled") & window("due_on"))
    on_time = pl.col("done_on").is_not_null() & (pl.col("done_on") <= pl.col("due_on"))
    for side, pattern in (("us", "broken_promises_ours"), ("them", "broken_promises_theirs")):
        c = (
            cm.filter(pl.col("side") == side)
            .group_by("account_id")
            .agg(n=pl.len(), kept=on_time.sum())
        )
        out[pattern] = accounts_where(
            c, (pl.col("n") - pl.col("kept") >= 2) & (pl.col("kept") < th.on_time * pl.col("n"))
        )

    # margin_giveaway
    least = 2 if r.active_only else 1
    medians = (
        per.filter(pl.col("n_orders") >= least)
        .group_by("segment")
        .agg(median_discount=pl.col("discount").median())
    )
    g = per.join(medians, on="segment", how="left")
    out["margin_giveaway"] = accounts_where(
        g,
        (pl.col("n_orders") >= 2)
        & (pl.col("discount") - pl.col("median_discount") >= th.giveaway_points),
    )

    # quota_pressure
    q_month = ((pl.col("ordered_on").dt.month() - 1) // 3) * 3 + 3
    q_end = pl.date(pl.col("ordered_on").dt.year(), q_month, 1).dt.month_end()
    qo = ow.with_columns(qe=(q_end - pl.col("ordered_on")).dt.total_days() < 7)
    qa = qo.group_by("account_id").agg(
        n_qe=pl.col("qe").sum(),
        qe_disc=1 - pl.col("amount").filter("qe").sum() / pl.col("list_amount").filter("qe").sum(),
        n_other=(~pl.col("qe")).sum(),
        other_disc=1
        - pl.col("amount").filter(~pl.col("qe")).sum()
        / pl.col("list_amount").filter(~pl.col("qe")).sum(),
    )
    qa = qa.join(accounts, on="account_id").join(medians, on="segment", how="left")
    ref = pl.when(pl.col("n_other") > 0).then("other_disc").otherwise("median_discount")
    out["quota_pressure"] = accounts_where(
        qa, (pl.col("n_qe") >= 2) & (pl.col("qe_disc") - ref >= th.pressure_points)
    )

    # win_lose and friendship_over_profit: segment percentiles
    def latest(kind: str, name: str) -> pl.DataFrame:
        return (
            fw.filter(pl.col("kind") == kind)
            .sort("received_on", "feedback_id")
            .group_by("account_id")
            .agg(pl.col("score").last().alias(name))
        )

    touch_pop = pl.col("n_touch") > 0 if r.active_only else pl.lit(True)
    pct = per.group_by("segment").agg(
        m75=pl.col("margin_pct").drop_nulls().quantile(th.high, "linear"),
        m25=pl.col("margin_pct").drop_nulls().quantile(th.low, "linear"),
        t75=pl.col("n_touch").filter(touch_pop).quantile(th.high, "linear"),
    )
    wl = (
        per.join(pct, on="segment")
        .join(latest("nps", "nps"), on="account_id", how="left")
        .join(latest("csat", "csat"), on="account_id", how="left")
    )
    unhappy = (pl.col("nps") <= 6).fill_null(False) | (pl.col("csat") <= 2).fill_null(False)
    out["win_lose"] = accounts_where(
        wl,
        ((pl.col("margin_pct") >= pl.col("m75")) & unhappy).fill_null(False)
        | ((pl.col("margin_pct") < th.lose_margin) & (pl.col("revenue") > 0)).fill_null(False),
    )
    out["friendship_over_profit"] = accounts_where(
        wl,
        (
            (pl.col("n_touch") >= pl.col("t75"))
            & (pl.col("social") >= th.friend_social * pl.col("n_touch"))
            & (pl.col("n_touch") > 0)
            & (pl.col("margin_pct") < pl.col("m25"))
        ).fill_null(False),
    )

    # hostage
    complaints = _count(fw.filter(pl.col("kind") == "complaint"), "complaints")
    h = wl.join(complaints, on="account_id", how="left").with_columns(
        pl.col("complaints").fill_null(0)
    )
    out["hostage"] = accounts_where(
        h,
        (pl.col("n_orders") >= 2)
        & ((pl.col("nps") <= 6).fill_null(False) | (pl.col("complaints") >= 2))
        & (pl.col("insight") == 0),
    )

    # double_billing
    lines = (
        b["order_lines"]
        .join(orders.select("order_id", "account_id", "ordered_on"), on="order_id")
        .join(b["products"].select("sku", "kind", "includes"), on="sku")
    )
    bundles = (
        lines.filter(pl.col("kind") == "bundle")
        .with_columns(component=pl.col("includes").str.split(";"))
        .explode("component")
        .select("account_id", pl.col("ordered_on").alias("bundle_day"), "component")
    )
    single = lines.filter((pl.col("kind") != "bundle") & (pl.col("unit_price") > 0)).filter(
        window("ordered_on")
    )
    gap = (pl.col("ordered_on") - pl.col("bundle_day")).dt.total_days()
    near = gap.abs() <= 30 if r.bundle_either_side else gap.is_between(0, 30)
    db = single.join(
        bundles, left_on=["account_id", "sku"], right_on=["account_id", "component"]
    ).filter(near)
    out["double_billing"] = set(db["account_id"].to_list())

    # fading (without the probability-alive part)
    two_way = tp.filter(
        _within(pl.col("day"), as_of, 90, r) & pl.col("direction").is_in(["inbound", "mutual"])
    )
    out["fading"] = accounts_where(per, pl.col("n_orders") >= 1) - set(
        two_way["account_id"].to_list()
    )

    # abusive and big_brother: tagged touchpoints and feedback
    for pattern, words, days in (("abusive", ABUSIVE, 90), ("big_brother", BIG_BROTHER, 365)):
        hits = []
        for frame, col in ((tp, "day"), (feedback, "received_on")):
            tagged = frame.filter(
                _within(pl.col(col), as_of, days, r)
                & pl.col("tags")
                .fill_null("")
                .str.split(";")
                .list.eval(pl.element().is_in(words))
                .list.any()
            )
            hits.append(tagged.select("account_id"))
        out[pattern] = set(_count(pl.concat(hits), "n").filter(pl.col("n") >= 2)["account_id"])
    return out
