"""What each relationship makes or costs (SPEC section 6), as polars expressions.

Every figure is computed for every account at once from the feature table
(`accord.analytics.features`) and the lifetime-value outlook; nothing loops
over accounts. Money is in the book's currency over the diagnosis window.

A figure that cannot be known is null, never 0: gross margin is unknown when
the account has orders and none of them carries a cost (orders without a
cost are left out of the margin and counted in `orders_unknown_cost`), and
net contribution is then unknown as well. Value ahead is unknown when the
lifetime model could not be fitted.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from accord.config import Settings
from accord.health.dimensions import cost_to_serve
from accord.health.rules import rules

FIGURES: tuple[str, ...] = (
    "revenue",
    "gross_margin",
    "orders",
    "orders_unknown_cost",
    "revenue_unknown_cost",
    "cost_to_serve",
    "financing_cost",
    "discount_given",
    "net_contribution",
    "value_ahead",
)
"""The keys of a record's `economics` object, in order (docs/health.md explains each)."""

PREFIX = "econ_"


def financing_cost(s: Settings) -> pl.Expr:
    """Σ amount × max(0, lateness days) × cost of capital / 365 over invoices due in the window."""
    return pl.col("late_money_days") * s.general.cost_of_capital / 365.0


def gross_margin() -> pl.Expr:
    """Σ (amount − cost) over orders with a known cost; unknown when no order has one."""
    unknown = (pl.col("n_orders") > 0) & (pl.col("n_unknown_cost") >= pl.col("n_orders"))
    return pl.when(unknown).then(None).otherwise(pl.col("margin")).cast(pl.Float64)


def economics_columns(s: Settings) -> list[pl.Expr]:
    """`econ_<figure>` for every figure of `FIGURES`, each rounded to the cent."""
    margin = gross_margin()
    serve = cost_to_serve(s)
    financing = financing_cost(s)
    figures: dict[str, pl.Expr] = {
        "revenue": pl.col("revenue").cast(pl.Float64),
        "gross_margin": margin,
        "orders": pl.col("n_orders").cast(pl.Int64),
        "orders_unknown_cost": pl.col("n_unknown_cost").cast(pl.Int64),
        "revenue_unknown_cost": (pl.col("revenue") - pl.col("known_revenue")).cast(pl.Float64),
        "cost_to_serve": serve.cast(pl.Float64),
        "financing_cost": financing.cast(pl.Float64),
        "discount_given": (pl.col("listed") - pl.col("revenue")).cast(pl.Float64),
        "net_contribution": (margin - serve - financing).cast(pl.Float64),
        "value_ahead": pl.col("expected_value_12m").cast(pl.Float64),
    }
    out = []
    for name in FIGURES:
        expr = figures[name]
        if name not in ("orders", "orders_unknown_cost"):
            expr = expr.round(2)
        out.append(expr.alias(PREFIX + name))
    return out


def economics_record(row: dict[str, Any]) -> dict[str, Any]:
    """The `economics` object of one account from its row of `Diagnosis.accounts`."""
    return {name: row[PREFIX + name] for name in FIGURES}


# -- what the unhealthy relationships cost: lines by pattern, seller, segment or account ----


def pattern_figures() -> dict[str, tuple[bool, bool]]:
    """pattern id → (carries a cost, carries value at risk), from the detectors' rules.

    A figure a pattern does not carry by definition is not applicable, which is
    neither 0 nor unknown: reports print "—" for it.
    """
    return {r.id: (r.cost is not None, r.at_risk is not False) for r in rules(Settings())}


BY = ("pattern", "seller", "segment", "account")
"""The ways `cost_lines` can group (docs/health.md, "What unhealthy relationships cost")."""

MARGIN_GAP = ("win_lose", "friendship_over_profit")
"""Patterns whose cost is the same margin gap: an account's total counts it once."""

_NONE = "(none)"


def _known_sum(name: str) -> pl.Expr:
    """The sum where any value is known, else null (unknown is not 0)."""
    c = pl.col(name)
    return pl.when(c.is_not_null().any()).then(c.sum()).otherwise(None).round(2).alias(name)


def account_costs(patterns: pl.DataFrame) -> pl.DataFrame:
    """Per account with a firing pattern: cost (the margin gap once), at_risk (value ahead,
    once: the largest of its patterns') and the ids of its patterns, worst first."""
    fired = patterns.filter(pl.col("id") != "healthy")
    gap = pl.col("id").is_in(MARGIN_GAP)
    return fired.group_by("account_id", maintain_order=True).agg(
        pl.when(pl.col("cost").is_not_null().any())
        .then(pl.col("cost").filter(~gap).sum() + pl.col("cost").filter(gap).max().fill_null(0.0))
        .otherwise(None)
        .round(2)
        .alias("cost"),
        pl.col("at_risk").max().alias("at_risk"),
        pl.col("id").alias("patterns"),
    )


def _top(frame: pl.DataFrame, key: str, top: int) -> pl.DataFrame:
    weight = pl.col("cost").fill_null(0.0) + pl.col("at_risk").fill_null(0.0)
    return (
        frame.with_columns(weight.alias("_w"))
        .sort(["_w", "account_id"], descending=[True, False])
        .group_by(key, maintain_order=True)
        .agg(
            pl.struct("account_id", "name", "cost", "at_risk").head(top).alias("top"),
        )
    )


def cost_lines(
    accounts: pl.DataFrame, patterns: pl.DataFrame, by: str, top: int = 3
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Lines of cost and at_risk with the `top` accounts behind each, and the total.

    `accounts` holds account_id, name, seller, segment and the `econ_` figures;
    `patterns` the diagnosis's (account, pattern) rows. By pattern, an account
    counts once in each of its patterns' lines (lines overlap); by seller,
    segment or account, once in all (`account_costs`), so those lines add up
    to the total. `unknown` counts the entries whose cost and at_risk are both
    unknown.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    info = accounts.select(
        "account_id",
        "name",
        pl.col("seller").fill_null(_NONE),
        pl.col("segment").fill_null(_NONE),
        pl.col(PREFIX + "revenue").alias("revenue"),
        pl.col(PREFIX + "net_contribution").alias("net_contribution"),
    )
    per_account = account_costs(patterns).join(info, on="account_id", how="inner")
    unknown = (pl.col("cost").is_null() & pl.col("at_risk").is_null()).sum().alias("unknown")
    if by == "pattern":
        rows = (
            patterns.filter(pl.col("id") != "healthy")
            .join(info, on="account_id", how="inner")
            .rename({"id": "key"})
        )
    else:
        key = {"seller": "seller", "segment": "segment", "account": "account_id"}[by]
        rows = per_account.with_columns(pl.col(key).alias("key"))
    if rows.height == 0:
        lines: list[dict[str, Any]] = []
    else:
        agg = rows.group_by("key").agg(
            pl.len().alias("accounts"), _known_sum("cost"), _known_sum("at_risk"), unknown
        )
        weight = pl.col("cost").fill_null(0.0) + pl.col("at_risk").fill_null(0.0)
        agg = agg.join(_top(rows, "key", top), on="key").with_columns(weight.alias("_w"))
        agg = agg.sort(["_w", "key"], descending=[True, False]).drop("_w")
        lines = agg.to_dicts()
    total = per_account.select(
        pl.len().alias("accounts"),
        _known_sum("cost"),
        _known_sum("at_risk"),
        _known_sum("revenue"),
        _known_sum("net_contribution"),
    ).to_dicts()[0]
    return lines, total
