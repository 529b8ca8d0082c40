"""Seller alignment: is each seller rewarded for relationships, or only for revenue?

Per seller, over the window that ends on the review's month end (all set-based
in polars, one pass per table):

* **revenue** — Σ order amount; an order counts for its `user_id`, else for
  the account's owner;
* **gross margin %** — Σ (amount − cost) / Σ amount over orders of known cost;
* **discount** — value-weighted, 1 − Σ amount / Σ list amount, and its
  difference with the median discount of the seller's team (sellers with orders);
* **pressure share** — share of revenue booked in the last
  `quota_pressure.quarter_end_days` days of a calendar quarter;
* **follow-up rate** — orders at least `transactional.follow_up_days` old whose
  account got an insight, guidance, support or social touchpoint 1 to
  `transactional.follow_up_days` days after them, over those orders;
* **kept rate** — our commitments (the seller's, else the owner's) due in the
  window and done on or before their due date, over those due;
* **existing share** — of the seller's time (touchpoint minutes + service
  hours), the share spent on accounts that ordered before the window began;
* **health** — the mean health score of the accounts the seller owns.

**Relationship-adjusted performance** = revenue × quality − excess discount −
`review.pressure_penalty` × pressure revenue, where quality is the weighted
mean of health / 100, follow-up rate and kept rate (weights
`review.health_weight`, `review.follow_up_weight`, `review.kept_weight`; an
unknown part's weight is spread over the known ones; no known part: 1), and
excess discount = max(0, discount − team median discount) × Σ list amount:
the money given away beyond the team's norm.

Each **flag** is driven by the seller's own numbers against their team's
median (sellers of the team with a value), so that a manager can say it out
loud: `margin giveaway` when their discount is at least
`review.giveaway_points` above the team's (a seller below it never is);
`pressure deals` when their pressure share is at least `review.pressure_points`
above the team's, or at least `review.pressure_share` outright; `broken
promises` when their kept rate is at least `review.kept_points` below the
team's; `no follow-up` when their follow-up rate is at least
`review.follow_up_points` below it. The accounts showing `margin_giveaway` or
`quota_pressure` are counted beside, as evidence, not as a trigger.

The **breakdown** says what each gap to the team costs in adjusted
performance: the adjusted figure recomputed with the team's median in place
of the seller's own health, follow-up rate, kept rate, discount and pressure
share, one at a time; the gains, largest first ("would be 412,300 higher with
the team's kept rate, 81% → 88%").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from accord.config import Settings
from accord.domain.enums import FOLLOW_UP_PURPOSES

C = pl.col
_FOLLOW = sorted(str(p) for p in FOLLOW_UP_PURPOSES)


@dataclass(frozen=True, slots=True)
class SellerAlignment:
    """One seller's row of the alignment table; rates are None when unknown."""

    user_id: str
    name: str
    team: str | None
    accounts: int
    revenue: float
    margin_pct: float | None
    discount: float | None
    team_median_discount: float | None
    discount_vs_team: float | None
    pressure_share: float | None
    follow_up_rate: float | None
    kept_rate: float | None
    existing_share: float | None
    health: float | None
    quality: float
    excess_discount: float
    adjusted: float
    flags: list[str]
    breakdown: list[Gap] = field(default_factory=list)  # largest gain first
    giveaway_accounts: int = 0  # accounts showing margin_giveaway (evidence, not a trigger)
    pressure_accounts: int = 0  # accounts showing quota_pressure

    def breakdown_words(self) -> list[str]:
        return [g.words() for g in self.breakdown]


@dataclass(frozen=True, slots=True)
class Gap:
    """What adjusted performance would gain with the team's median for one figure."""

    figure: str  # "kept rate", "follow-up rate", "portfolio health", "discount", "pressure share"
    own: float
    team: float
    gain: float

    def words(self) -> str:
        def show(x: float) -> str:
            return f"{x:.0f}" if self.figure == "portfolio health" else f"{x:.1%}"

        return (
            f"would be {self.gain:,.0f} higher with the team's {self.figure}, "
            f"{show(self.own)} → {show(self.team)}"
        )


def _quarter_end(day: pl.Expr, days: int) -> pl.Expr:
    """Whether `day` falls in the last `days` days of its calendar quarter."""
    q_end = day.dt.truncate("1q").dt.offset_by("3mo") - pl.duration(days=1)
    return (q_end - day).dt.total_days() < days


def alignment(
    *,
    users: pl.DataFrame,  # user_id, name, team
    accounts: pl.DataFrame,  # account_id, owner_id
    orders: pl.DataFrame,  # account_id, ordered_on, amount, list_amount, cost, user_id
    touchpoints: pl.DataFrame,  # account_id, day, purpose, user_id, minutes
    service: pl.DataFrame,  # account_id, worked_on, hours, user_id
    commitments: pl.DataFrame,  # account_id, side, due_on, done_on, cancelled, made_on, user_id
    health: pl.DataFrame,  # account_id, score
    patterns: pl.DataFrame,  # account_id, id
    end: date,
    s: Settings,
) -> list[SellerAlignment]:
    """The alignment table of `users` (sorted by adjusted performance, best first)."""
    r = s.review
    start = end - timedelta(days=r.alignment_days)  # exclusive
    owner = accounts.select("account_id", C("owner_id").alias("owner"))
    window = C("ordered_on").is_between(start + timedelta(days=1), end)

    all_orders = orders.join(owner, on="account_id", how="left").with_columns(
        pl.coalesce("user_id", "owner").alias("seller"),
        C("list_amount").fill_null(C("amount")).alias("listed"),
    )
    ow = all_orders.filter(window).with_columns(
        _quarter_end(C("ordered_on"), s.quota_pressure.quarter_end_days).alias("pressure")
    )
    follow_days = s.transactional.follow_up_days
    touches = (
        touchpoints.filter(C("purpose").is_in(_FOLLOW) & (C("day") <= end))
        .select("account_id", C("day").alias("follow_day"))
        .sort("follow_day")
    )
    judged = (
        ow.filter(C("ordered_on") <= end - timedelta(days=follow_days))
        .with_columns((C("ordered_on") + pl.duration(days=1)).alias("after"))
        .sort("after")
        .join_asof(
            touches,
            left_on="after",
            right_on="follow_day",
            by="account_id",
            strategy="forward",
            check_sortedness=False,  # both sides are sorted on the join key above
        )
        .with_columns(
            ((C("follow_day") - C("ordered_on")).dt.total_days() <= follow_days)
            .fill_null(False)
            .alias("followed")
        )
        .group_by("seller")
        .agg(pl.len().alias("judged"), C("followed").sum().alias("followed"))
    )
    sales = ow.group_by("seller").agg(
        C("amount").sum().alias("revenue"),
        C("listed").sum().alias("listed"),
        C("amount").filter(C("cost").is_not_null()).sum().alias("known_revenue"),
        (C("amount") - C("cost")).filter(C("cost").is_not_null()).sum().alias("margin"),
        C("amount").filter(C("pressure")).sum().alias("pressure_revenue"),
    )

    cm = (
        commitments.join(owner, on="account_id", how="left")
        .with_columns(pl.coalesce("user_id", "owner").alias("seller"))
        .filter(
            (C("side") == "us")
            & ~C("cancelled").fill_null(False)
            & C("due_on").is_between(start + timedelta(days=1), end)
            & (C("made_on") <= end)
        )
        .group_by("seller")
        .agg(
            pl.len().alias("due"),
            ((C("done_on") <= C("due_on")) & (C("done_on") <= end))
            .fill_null(False)
            .sum()
            .alias("kept"),
        )
    )

    existing = (
        all_orders.filter(C("ordered_on") <= start).select("account_id").unique()
    ).with_columns(pl.lit(True).alias("existing"))
    time = (
        pl.concat(
            [
                touchpoints.filter(C("day").is_between(start + timedelta(days=1), end)).select(
                    "account_id",
                    C("user_id").alias("seller"),
                    C("minutes").fill_null(0).cast(pl.Float64).alias("minutes"),
                ),
                service.filter(C("worked_on").is_between(start + timedelta(days=1), end)).select(
                    "account_id", C("user_id").alias("seller"), (C("hours") * 60.0).alias("minutes")
                ),
            ]
        )
        .filter(C("seller").is_not_null())
        .join(existing, on="account_id", how="left")
        .group_by("seller")
        .agg(
            C("minutes").sum().alias("minutes"),
            C("minutes").filter(C("existing").fill_null(False)).sum().alias("existing_minutes"),
        )
    )
    portfolio = (
        owner.join(health, on="account_id", how="left")
        .group_by("owner")
        .agg(pl.len().alias("accounts"), C("score").mean().alias("health"))
        .rename({"owner": "seller"})
    )
    flagged = (
        patterns.filter(C("id").is_in(["margin_giveaway", "quota_pressure"]))
        .join(owner, on="account_id")
        .group_by("owner")
        .agg(
            (C("id") == "margin_giveaway").sum().alias("giveaway_accounts"),
            (C("id") == "quota_pressure").sum().alias("pressure_accounts"),
        )
        .rename({"owner": "seller"})
    )

    table = users.select(C("user_id").alias("seller"), "name", "team")
    for part in (sales, judged, cm, time, portfolio, flagged):
        table = table.join(part, on="seller", how="left")
    ratio = _ratio
    table = table.with_columns(
        C("revenue").fill_null(0.0),
        C("accounts").fill_null(0),
        ratio(C("margin"), C("known_revenue")).alias("margin_pct"),
        (1.0 - ratio(C("revenue"), C("listed"))).alias("discount"),
        ratio(C("pressure_revenue"), C("revenue")).alias("pressure_share"),
        ratio(C("followed"), C("judged")).alias("follow_up_rate"),
        ratio(C("kept"), C("due")).alias("kept_rate"),
        ratio(C("existing_minutes"), C("minutes")).alias("existing_share"),
    )
    team_median = (
        table.filter(C("discount").is_not_null())
        .group_by(C("team").fill_null(""))
        .agg(C("discount").median().alias("team_median_discount"))
    )
    table = table.with_columns(C("team").fill_null("").alias("_team")).join(
        team_median.rename({"team": "_team"}), on="_team", how="left"
    )
    for col in ("pressure_share", "follow_up_rate", "kept_rate", "health"):
        medians = (
            table.filter(C(col).is_not_null())
            .group_by("_team")
            .agg(C(col).median().alias(f"team_{col}"))
        )
        table = table.join(medians, on="_team", how="left")
    parts = [
        (C("health") / 100.0, r.health_weight),
        (C("follow_up_rate"), r.follow_up_weight),
        (C("kept_rate"), r.kept_weight),
    ]
    weight = pl.sum_horizontal([pl.when(x.is_not_null()).then(w).otherwise(0.0) for x, w in parts])
    weighted = pl.sum_horizontal([(x * w).fill_null(0.0) for x, w in parts])
    quality = pl.when(weight > 0).then(weighted / weight).otherwise(1.0)
    above = C("discount") - C("team_median_discount")
    excess = (above.clip(lower_bound=0.0) * C("listed")).fill_null(0.0)
    table = table.with_columns(
        above.alias("discount_vs_team"),
        quality.alias("quality"),
        excess.alias("excess_discount"),
    ).with_columns(
        (
            C("revenue") * C("quality")
            - C("excess_discount")
            - r.pressure_penalty * C("pressure_revenue").fill_null(0.0)
        ).alias("adjusted")
    )
    table = table.sort(["adjusted", "seller"], descending=[True, False])
    out = []
    for row in table.iter_rows(named=True):
        vs = row["discount_vs_team"]
        share = row["pressure_share"]
        flags = _flags(row, s)
        out.append(
            SellerAlignment(
                user_id=row["seller"],
                name=row["name"],
                team=row["team"],
                accounts=int(row["accounts"]),
                revenue=round(float(row["revenue"]), 2),
                margin_pct=_round(row["margin_pct"]),
                discount=_round(row["discount"]),
                team_median_discount=_round(row["team_median_discount"]),
                discount_vs_team=_round(vs),
                pressure_share=_round(share),
                follow_up_rate=_round(row["follow_up_rate"]),
                kept_rate=_round(row["kept_rate"]),
                existing_share=_round(row["existing_share"]),
                health=None if row["health"] is None else round(float(row["health"]), 1),
                quality=round(float(row["quality"]), 4),
                excess_discount=round(float(row["excess_discount"]), 2),
                adjusted=round(float(row["adjusted"]), 2),
                flags=flags,
                breakdown=_breakdown(row, s),
                giveaway_accounts=int(row["giveaway_accounts"] or 0),
                pressure_accounts=int(row["pressure_accounts"] or 0),
            )
        )
    return out


def _below(own: float | None, team: float | None, points: float) -> bool:
    return own is not None and team is not None and team - own >= points - 1e-9


def _flags(row: dict[str, object], s: Settings) -> list[str]:
    """The seller's flags, each from their own figure against the team's median."""
    r = s.review

    def num(key: str) -> float | None:
        x = row.get(key)
        return None if x is None else float(x)  # type: ignore[arg-type]

    flags = []
    vs = num("discount_vs_team")
    if vs is not None and vs > 0 and vs >= r.giveaway_points - 1e-9:
        flags.append("margin giveaway")
    share, team_share = num("pressure_share"), num("team_pressure_share")
    if share is not None and (
        share >= r.pressure_share or _below(team_share, share, r.pressure_points)
    ):
        flags.append("pressure deals")
    if _below(num("kept_rate"), num("team_kept_rate"), r.kept_points):
        flags.append("broken promises")
    if _below(num("follow_up_rate"), num("team_follow_up_rate"), r.follow_up_points):
        flags.append("no follow-up")
    return flags


def _breakdown(row: dict[str, object], s: Settings) -> list[Gap]:
    """Adjusted performance with the team's median in place of one own figure at a time."""
    r = s.review

    def num(key: str) -> float | None:
        x = row.get(key)
        return None if x is None else float(x)  # type: ignore[arg-type]

    revenue = num("revenue") or 0.0
    pressure_revenue = num("pressure_revenue") or 0.0
    parts = {
        "health": num("health"),
        "follow_up_rate": num("follow_up_rate"),
        "kept_rate": num("kept_rate"),
    }
    weights = {
        "health": r.health_weight,
        "follow_up_rate": r.follow_up_weight,
        "kept_rate": r.kept_weight,
    }

    def quality(values: dict[str, float | None]) -> float:
        known = {k: v for k, v in values.items() if v is not None}
        weight = sum(weights[k] for k in known)
        if weight <= 0:
            return 1.0
        return (
            sum(weights[k] * (v / 100.0 if k == "health" else v) for k, v in known.items()) / weight
        )

    gaps = []
    names = {
        "health": "portfolio health",
        "follow_up_rate": "follow-up rate",
        "kept_rate": "kept rate",
    }
    for key, name in names.items():
        own, team = parts[key], num(f"team_{key}")
        if own is None or team is None or team <= own:
            continue
        gain = revenue * (quality({**parts, key: team}) - quality(parts))
        gaps.append(Gap(name, own, team, round(gain, 2)))
    excess = num("excess_discount") or 0.0
    own_d, team_d = num("discount"), num("team_median_discount")
    if excess > 0 and own_d is not None and team_d is not None:
        gaps.append(Gap("discount", own_d, team_d, round(excess, 2)))
    share, team_share = num("pressure_share"), num("team_pressure_share")
    if share is not None and team_share is not None and share > team_share:
        gain = r.pressure_penalty * (pressure_revenue - team_share * revenue)
        gaps.append(Gap("pressure share", share, team_share, round(gain, 2)))
    return sorted((g for g in gaps if g.gain > 0), key=lambda g: -g.gain)


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num.fill_null(0) / den).otherwise(None).cast(pl.Float64)


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)
