"""The four dimensions of health (SPEC section 3) and the overall score, per account.

Pure polars over the feature table of `accord.analytics`: each dimension is a
weighted mean of 0–1 components, each component unknown (null) when it has
nothing to measure, and an unknown component's weight spread over the known
ones. A dimension with no known component is unknown; the overall score is the
weighted geometric mean of the known dimensions, so an unknown never counts as
0 and a strong dimension cannot hide a weak one — and it is unknown with fewer
than two known dimensions, since one alone says too little. Continuity is also
taken down by silence against the account's own buying rhythm, so that a
dormant account never gets healthier as time passes. Every formula is written
out, with a worked example, in docs/health.md.
"""

from __future__ import annotations

import math

import polars as pl

from accord.config import Settings

DIMENSIONS = ("trust", "engagement", "mutual_value", "continuity")

COMPONENTS: dict[str, tuple[str, ...]] = {
    "trust": ("ours", "theirs", "invoices"),
    "engagement": ("recency", "frequency", "breadth", "reciprocity", "value_adding"),
    "mutual_value": ("margin", "cost_to_serve", "satisfaction", "complaints", "realised"),
    "continuity": ("follow_up", "tenure", "alive"),
}
"""Each dimension's components; a component's column is `<dimension>__<component>`."""


def _col(dimension: str, component: str) -> str:
    return f"{dimension}__{component}"


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num / den, unknown (null) when den is 0."""
    return pl.when(den > 0).then(num / den).otherwise(None)


def _clip01(x: pl.Expr) -> pl.Expr:
    return x.clip(0.0, 1.0)


def weighted_mean(parts: list[tuple[pl.Expr, float]]) -> pl.Expr:
    """Σ wᵢxᵢ / Σ wᵢ over the known xᵢ; null when none is known (or their weights are 0)."""
    num = pl.sum_horizontal([(x * w).fill_null(0.0) for x, w in parts])
    den = pl.sum_horizontal([pl.when(x.is_not_null()).then(w).otherwise(0.0) for x, w in parts])
    return pl.when(den > 0).then(num / den).otherwise(None)


def cost_to_serve(s: Settings) -> pl.Expr:
    """(service hours + touchpoint minutes / 60) × hourly cost (SPEC section 6)."""
    return (pl.col("service_hours") + pl.col("touch_minutes") / 60.0) * s.general.hourly_cost


def margin_of_revenue(s: Settings) -> pl.Expr:
    """The gross margin that cost to serve is set against: the margin % of the orders with
    a cost × all the window's revenue, since cost to serve counts the work for all of
    them; null when the costed orders carry less than `over_servicing.min_cost_share`
    of the revenue."""
    share = _ratio(pl.col("known_revenue"), pl.col("revenue"))
    costed = (share >= s.over_servicing.min_cost_share).fill_null(False)
    return pl.when(costed).then(pl.col("margin_pct") * pl.col("revenue"))


def components(s: Settings, as_of_day: int) -> list[pl.Expr]:
    """Every component of every dimension, 0–1 or null."""
    t, e, m, c = s.trust, s.engagement, s.mutual_value, s.continuity
    credit = t.late_credit
    ours = _ratio(pl.col("ours_kept") + credit * pl.col("ours_late"), pl.col("ours_due"))
    theirs = _ratio(pl.col("theirs_kept") + credit * pl.col("theirs_late"), pl.col("theirs_due"))
    invoices = _ratio(pl.col("invoice_credit"), pl.col("n_invoices"))

    touched = pl.col("n_touch_ever") > 0
    since = as_of_day - pl.col("last_two_way_day")
    recency = (
        pl.when(~touched)
        .then(None)
        .when(pl.col("last_two_way_day").is_null())
        .then(0.0)
        .otherwise((since.cast(pl.Float64) * (-math.log(2) / e.recency_half_life_days)).exp())
    )
    frequency = pl.when(touched).then(
        _clip01(pl.col("n_two_way") / e.frequency_target) if e.frequency_target > 0 else 1.0
    )
    people_goal = pl.min_horizontal(pl.col("n_contacts"), pl.lit(e.breadth_people_target))
    people = _clip01(_ratio(pl.col("n_known").cast(pl.Float64), people_goal))
    roles = (pl.col("decision_maker_known").clip(0, 1) + pl.col("champion_known").clip(0, 1)) / 2.0
    breadth = pl.when(touched & (pl.col("n_contacts") > 0)).then(
        e.breadth_people * people.fill_null(0.0) + (1 - e.breadth_people) * roles
    )
    reciprocity = _ratio(pl.col("n_two_way"), pl.col("n_touch"))
    # over the touchpoints whose purpose is known (labelled, or inferred: accord.signals)
    value_adding = _ratio(pl.col("n_value"), pl.col("n_touch") - pl.col("n_purpose_unknown"))

    margin = _clip01(pl.col("margin_pct") / m.margin_target) if m.margin_target > 0 else pl.lit(1.0)
    serve_share = _ratio(cost_to_serve(s), margin_of_revenue(s))
    serve = (
        _clip01(1.0 - serve_share / m.serve_zero_share)
        if m.serve_zero_share > 0
        else (serve_share <= 0).cast(pl.Float64)
    )
    # NPS by its own convention: detractors (0–6) 0, passives (7–8) ½, promoters (9–10) 1
    nps = (
        pl.when(pl.col("latest_nps") >= 9)
        .then(1.0)
        .when(pl.col("latest_nps") >= 7)
        .then(0.5)
        .when(pl.col("latest_nps").is_not_null())
        .then(0.0)
    )
    csat = (pl.col("latest_csat") - 1.0) / 4.0
    satisfaction = pl.mean_horizontal(_clip01(nps), _clip01(csat))
    net_complaints = (pl.col("n_complaints") - pl.col("n_praise")).clip(lower_bound=0)
    complaints = pl.when(pl.col("n_feedback") > 0).then(
        _clip01(1.0 - net_complaints / m.complaints_zero) if m.complaints_zero > 0 else 1.0
    )

    # No order left in the window to follow up, after earlier ones: none was followed up
    # (unknown instead would let continuity climb back as the last orders leave the window).
    follow_up = (
        pl.when((pl.col("n_orders") == 0) & (pl.col("n_orders_ever") > 0))
        .then(0.0)
        .otherwise(_ratio(pl.col("n_followed"), pl.col("n_orders_judged")))
    )
    # Tenure as lived: from created_on to the last order or two-way touchpoint, so that
    # years of silence do not count as years of relationship.
    last_active = pl.max_horizontal(pl.col("last_order_day"), pl.col("last_two_way_day"))
    lived = pl.when(last_active.is_not_null()).then(pl.min_horizontal(last_active, as_of_day))
    tenure_days = (lived - pl.col("created_day")).clip(lower_bound=0)
    tenure = (
        _clip01(tenure_days / c.tenure_full_days)
        if c.tenure_full_days > 0
        else pl.when(tenure_days.is_not_null()).then(1.0)
    )
    alive = pl.col("p_alive")

    values = {
        "trust": (ours, theirs, invoices),
        "engagement": (recency, frequency, breadth, reciprocity, value_adding),
        "mutual_value": (margin, serve, satisfaction, complaints, pl.col("value_realised")),
        "continuity": (follow_up, tenure, alive),
    }
    weighted = [
        expr.cast(pl.Float64).alias(_col(dim, name))
        for dim, exprs in values.items()
        for name, expr in zip(COMPONENTS[dim], exprs, strict=True)
    ]
    return [*weighted, rhythm(s, as_of_day).alias(RHYTHM)]


RHYTHM = "continuity__rhythm"
"""The factor (0–1) that silence takes continuity down by: 1 while the account buys and
talks at its own rhythm, halving with each further rhythm of silence."""


def rhythm_days(s: Settings) -> pl.Expr:
    """The account's buying rhythm: the mean days between its orders so far, clipped to
    `[rhythm_min_days, rhythm_max_days]`; `rhythm_default_days` with fewer than two."""
    c = s.continuity
    low = min(c.rhythm_min_days, c.rhythm_max_days)
    span = (pl.col("last_order_day") - pl.col("first_order_day")).cast(pl.Float64)
    mean_gap = span / (pl.col("n_orders_ever") - 1).cast(pl.Float64)
    return (
        pl.when(pl.col("n_orders_ever") >= 2)
        .then(mean_gap.clip(low, c.rhythm_max_days))
        .otherwise(pl.lit(float(min(max(c.rhythm_default_days, low), c.rhythm_max_days))))
        .clip(lower_bound=1.0)
    )


def _silence(since_day: pl.Expr, gap: pl.Expr, as_of_day: int) -> pl.Expr:
    """2^(−max(0, days since `since_day` − gap) / gap): 1 within one rhythm, then halving
    each rhythm; null when `since_day` is null (never happened)."""
    late = ((as_of_day - since_day).cast(pl.Float64) - gap).clip(lower_bound=0.0)
    return (late / gap * -math.log(2)).exp()


def rhythm(s: Settings, as_of_day: int) -> pl.Expr:
    """The mean of the order and the two-way touchpoint silence factors that are known
    (null: the account never ordered nor had a two-way touchpoint)."""
    gap = rhythm_days(s)
    return pl.mean_horizontal(
        _silence(pl.col("last_order_day"), gap, as_of_day),
        _silence(pl.col("last_two_way_day"), gap, as_of_day),
    ).cast(pl.Float64)


def _weights(s: Settings, dimension: str) -> list[float]:
    group = getattr(s, dimension)
    return [float(getattr(group, name)) for name in COMPONENTS[dimension]]


def score(features: pl.DataFrame, s: Settings, as_of_day: int) -> pl.DataFrame:
    """The feature table with every component, the four dimensions and `score` (0–100)."""
    frame = features.with_columns(components(s, as_of_day))
    dims = []
    for dim in DIMENSIONS:
        parts = [
            (pl.col(_col(dim, name)), w)
            for name, w in zip(COMPONENTS[dim], _weights(s, dim), strict=True)
        ]
        mean = weighted_mean(parts)
        if dim == "continuity":  # silence takes continuity down, whatever else it shows
            factor = pl.col(RHYTHM)
            mean = pl.when(mean.is_null()).then(factor).otherwise(mean * factor.fill_null(1.0))
        dims.append((100.0 * mean).alias(dim))
    frame = frame.with_columns(dims)
    return frame.with_columns(overall(s).alias("score"))


def overall(s: Settings) -> pl.Expr:
    """The overall score from the four dimension columns: their weighted geometric mean,
    unknown when fewer than `general.min_known_dimensions` are known (one strong
    dimension alone says too little to call a relationship healthy)."""
    w = s.weights
    known = pl.sum_horizontal([pl.col(d).is_not_null().cast(pl.Int32) for d in DIMENSIONS])
    mean = weighted_geometric_mean(
        [
            (pl.col("trust"), w.trust),
            (pl.col("engagement"), w.engagement),
            (pl.col("mutual_value"), w.mutual_value),
            (pl.col("continuity"), w.continuity),
        ]
    )
    return pl.when(known >= max(s.general.min_known_dimensions, 1)).then(mean)


SCORE_FLOOR = 1.0
"""A dimension counts as at least 1 in the overall score, so a 0 weighs it down but not to 0."""


def weighted_geometric_mean(parts: list[tuple[pl.Expr, float]]) -> pl.Expr:
    """exp(Σ wᵢ ln max(xᵢ, 1) / Σ wᵢ) over the known xᵢ (0–100); null when none is known.

    A relationship is only as strong as its weakest pillar: unlike an arithmetic
    mean, a strong dimension cannot hide a weak one (100, 100, 100 and 30 on
    engagement give 74 by weight ¼ each rather than 82.5).
    """
    logs = [(x.clip(lower_bound=SCORE_FLOOR).log(), w) for x, w in parts]
    mean_log = weighted_mean(logs)
    return mean_log.exp()
