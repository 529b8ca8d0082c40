"""What a pattern does to health: it lowers the dimension it belongs to, and a critical
one keeps the account out of the healthy band.

The dimensions measure what the ledger shows on average; a pattern is a named
failure that an average can hide (a hostage customer who keeps buying, an
abusive contact in an otherwise busy account). So, after the rules are judged,
each warning pattern takes `patterns.warning_penalty` off its dimension and each
critical one `patterns.critical_penalty` (several compound), the overall score
is worked out again, and an account with a critical pattern scores at most
`patterns.critical_max` — always below `general.healthy_from`. Pure polars,
for every account at once; the rules are in docs/health.md.
"""

from __future__ import annotations

import polars as pl

from accord.config import Settings
from accord.health.dimensions import DIMENSIONS, overall

DIMENSION_OF: dict[str, str] = {
    "transactional": "continuity",
    "fading": "continuity",
    "terms_dictated": "trust",
    "broken_promises_ours": "trust",
    "broken_promises_theirs": "trust",
    "big_brother": "trust",
    "over_servicing": "mutual_value",
    "margin_giveaway": "mutual_value",
    "quota_pressure": "mutual_value",
    "win_lose": "mutual_value",
    "friendship_over_profit": "mutual_value",
    "double_billing": "mutual_value",
    "professional_visitor": "engagement",
    "hostage": "engagement",
    "abusive": "engagement",
}
"""The dimension each pattern of SPEC section 4 belongs to (docs/health.md says why)."""

PENALISED = "patterns_{}"
"""Column per dimension: the patterns that lowered it, `id (severity)` joined by `, `."""

CRITICAL = "has_critical"


def apply_patterns(scored: pl.DataFrame, patterns: pl.DataFrame, s: Settings) -> pl.DataFrame:
    """`scored` with each dimension lowered by its patterns, `score` worked out again and
    capped for a critical pattern; the raw dimensions are kept as `<dimension>_measured`
    and the patterns behind each cut as `patterns_<dimension>`."""
    p = s.patterns
    fired = patterns.filter(pl.col("severity").is_in(["warning", "critical"])).select(
        "account_id",
        "id",
        "severity",
        pl.col("id").replace_strict(DIMENSION_OF, default=None).alias("dimension"),
        pl.when(pl.col("severity") == "critical")
        .then(pl.lit(1.0 - p.critical_penalty))
        .otherwise(pl.lit(1.0 - p.warning_penalty))
        .alias("keep"),
    )
    per_dim = (
        fired.filter(pl.col("dimension").is_not_null())
        .group_by("account_id", "dimension")
        .agg(
            pl.col("keep").product().alias("keep"),
            pl.format("{} ({})", "id", "severity").str.join(", ").alias("which"),
        )
    )
    critical = fired.group_by("account_id").agg(
        (pl.col("severity") == "critical").any().alias(CRITICAL)
    )
    frame = scored.join(critical, on="account_id", how="left", maintain_order="left")
    for dim in DIMENSIONS:
        mine = per_dim.filter(pl.col("dimension") == dim).select(
            "account_id",
            pl.col("keep").alias(f"_keep_{dim}"),
            pl.col("which").alias(PENALISED.format(dim)),
        )
        frame = frame.join(mine, on="account_id", how="left", maintain_order="left")
    frame = frame.with_columns(
        *[pl.col(d).alias(f"{d}_measured") for d in DIMENSIONS],
        *[(pl.col(d) * pl.col(f"_keep_{d}").fill_null(1.0)).alias(d) for d in DIMENSIONS],
        pl.col(CRITICAL).fill_null(False),
    ).drop([f"_keep_{d}" for d in DIMENSIONS])
    cap = max(min(p.critical_max, s.general.healthy_from - 0.1), 0.0)
    score = overall(s)
    capped = pl.min_horizontal(score, pl.lit(cap))  # only where score is known: see below
    return frame.with_columns(
        pl.when(pl.col(CRITICAL) & score.is_not_null()).then(capped).otherwise(score).alias("score")
    )
