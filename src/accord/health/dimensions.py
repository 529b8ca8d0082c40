"""The four dimensions of health (SPEC section 3) and the overall score, per account.

Pure polars over the feature table of `accord.analytics`: each dimension is a
weighted mean of 0–1 components, each component unknown (null) when it has
nothing to measure, and an unknown component's weight spread over the known
ones. A dimension with no known component is unknown; the overall score is the
weighted geometric mean of the known dimensions, so an unknown never counts as
0 and a strong dimension cannot hide a weak one. Every
formula is written out, with a worked example, in docs/health.md.
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
    serve_share = _ratio(cost_to_serve(s), pl.col("margin"))
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

    follow_up = _ratio(pl.col("n_followed"), pl.col("n_orders_judged"))
    tenure_days = (as_of_day - pl.col("created_day")).clip(lower_bound=0)
    tenure = _clip01(tenure_days / c.tenure_full_days) if c.tenure_full_days > 0 else pl.lit(1.0)
    alive = pl.col("p_alive")

    values = {
        "trust": (ours, theirs, invoices),
        "engagement": (recency, frequency, breadth, reciprocity, value_adding),
        "mutual_value": (margin, serve, satisfaction, complaints, pl.col("value_realised")),
        "continuity": (follow_up, tenure, alive),
    }
    return [
        expr.cast(pl.Float64).alias(_col(dim, name))
        for dim, exprs in values.items()
        for name, expr in zip(COMPONENTS[dim], exprs, strict=True)
    ]


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
        dims.append((100.0 * weighted_mean(parts)).alias(dim))
    frame = frame.with_columns(dims)
    w = s.weights
    overall = weighted_geometric_mean(
        [
            (pl.col("trust"), w.trust),
            (pl.col("engagement"), w.engagement),
            (pl.col("mutual_value"), w.mutual_value),
            (pl.col("continuity"), w.continuity),
        ]
    )
    return frame.with_columns(overall.alias("score"))


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
