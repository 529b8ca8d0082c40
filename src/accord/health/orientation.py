"""Transactional ↔ relational: is our value defined by the last order?

Per account, 0 (purely transactional) to 100 (purely relational), the mean of
two shares that are known:

* **off-cycle value** — of the touchpoints in the window, the share that add
  value (insight, guidance, support) and are *not* in the run-up to an order
  (the `transactional.run_up_days` before it, its day included);
* **follow-up rate** — of the orders old enough to judge, the share followed
  up by an insight, guidance, support or social touchpoint within
  `transactional.follow_up_days`.

Per seller (the accounts' owner) the same two shares are pooled over the
seller's accounts (sums of numerators over sums of denominators), so a big
account weighs by its activity, not as one vote.
"""

from __future__ import annotations

import polars as pl

from accord.health.dimensions import weighted_mean

_PARTS = ("n_value_off_cycle", "n_touch", "n_followed", "n_orders_judged")


def _index(off: pl.Expr, touches: pl.Expr, followed: pl.Expr, judged: pl.Expr) -> list[pl.Expr]:
    off_share = pl.when(touches > 0).then(off / touches)
    follow = pl.when(judged > 0).then(followed / judged)
    return [
        off_share.alias("off_cycle_value_share"),
        follow.alias("follow_up_rate"),
        (100.0 * weighted_mean([(off_share, 1.0), (follow, 1.0)])).alias("orientation"),
    ]


def account_orientation() -> list[pl.Expr]:
    """Columns off_cycle_value_share, follow_up_rate and orientation (0–100) per account."""
    c = pl.col
    return _index(c("n_value_off_cycle"), c("n_touch"), c("n_followed"), c("n_orders_judged"))


def seller_orientation(features: pl.DataFrame) -> pl.DataFrame:
    """One row per seller (account owner): accounts, the pooled shares and the index."""
    pooled = (
        features.filter(pl.col("owner_id").is_not_null())
        .group_by("owner_id")
        .agg(pl.len().alias("accounts"), *[pl.col(p).sum() for p in _PARTS])
    )
    c = pl.col
    return (
        pooled.with_columns(
            _index(c("n_value_off_cycle"), c("n_touch"), c("n_followed"), c("n_orders_judged"))
        )
        .rename({"owner_id": "user_id"})
        .select("user_id", "accounts", "off_cycle_value_share", "follow_up_rate", "orientation")
        .sort("user_id")
    )
