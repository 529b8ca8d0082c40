"""Judge every rule for every account at once; add `healthy` where nothing is wrong.

The result is one long table, a row per (account, pattern) that fired, with
`evidence` already as a JSON object (numbers rounded to 4 decimals, so that
DuckDB and PostgreSQL sums agree to the digit) — building a million result
objects in Python would cost more than the whole diagnosis.
"""

from __future__ import annotations

import polars as pl

from accord.config import Settings
from accord.domain.enums import PATTERN_IDS
from accord.health.rules import Rule, rules, with_rule_inputs

SEVERITIES = ("info", "warning", "critical")


def _number(x: pl.Expr) -> pl.Expr:
    return x.cast(pl.Float64).round(4)


def _evidence(rule: Rule) -> pl.Expr:
    items = []
    for name, value, threshold, op in rule.evidence:
        if op == "info":
            items.append(pl.struct(_number(value).alias("value")).alias(name))
        else:
            items.append(
                pl.struct(
                    _number(value).alias("value"),
                    pl.lit(float(threshold)).alias("threshold"),
                    pl.lit(op).alias("rule"),
                ).alias(name)
            )
    return pl.struct(items).struct.json_encode()


def _fires(rule: Rule) -> pl.Expr:
    """Where `rule` fires (a rule whose numbers are unknown does not)."""
    return rule.fires.fill_null(False)


def _judge(frame: pl.LazyFrame, rule: Rule, risk_share: float = 1.0) -> pl.LazyFrame:
    """The rows of the accounts `rule` fires for (lazy: only the columns it reads are
    gathered from the wide scored table); at risk: value ahead × the pattern's risk share."""
    value_ahead = pl.col("expected_value_12m") * risk_share
    if isinstance(rule.at_risk, pl.Expr):
        at_risk = pl.when(rule.at_risk).then(value_ahead).otherwise(None)
    else:
        at_risk = value_ahead if rule.at_risk else pl.lit(None, dtype=pl.Float64)
    cost = rule.cost if rule.cost is not None else pl.lit(None, dtype=pl.Float64)
    return frame.filter(_fires(rule)).select(
        pl.col("account_id").cast(pl.String),
        pl.lit(rule.id, dtype=pl.String).alias("id"),
        pl.when(rule.critical.fill_null(False))
        .then(pl.lit("critical"))
        .otherwise(pl.lit("warning"))
        .cast(pl.String)
        .alias("severity"),
        _evidence(rule).cast(pl.String).alias("evidence"),
        rule.action.cast(pl.String).alias("action"),
        cost.cast(pl.Float64).round(2).alias("cost"),
        at_risk.cast(pl.Float64).round(2).alias("at_risk"),
    )


NOT_JUDGED_SCHEMA = {"account_id": pl.String, "id": pl.String, "reason": pl.String}


def _unjudged(frame: pl.LazyFrame, rule: Rule) -> pl.LazyFrame | None:
    """The accounts `rule` cannot judge (it does not fire, and an input that would decide
    it is missing), with the reasons joined."""
    if not rule.not_judged:
        return None
    conds = [cond.fill_null(False) for cond, _ in rule.not_judged]
    reasons = [pl.when(c).then(why) for c, (_, why) in zip(conds, rule.not_judged, strict=True)]
    return frame.filter(~_fires(rule) & pl.any_horizontal(conds)).select(
        pl.col("account_id").cast(pl.String),
        pl.lit(rule.id, dtype=pl.String).alias("id"),
        pl.concat_str(reasons, separator="; ", ignore_nulls=True).cast(pl.String).alias("reason"),
    )


def not_judged(scored: pl.DataFrame, s: Settings) -> pl.DataFrame:
    """One row per (account, pattern) that could not be judged: account_id, id, reason
    (SPEC section 4's rules, in their order; none of them is among the account's patterns)."""
    lazy = with_rule_inputs(scored).lazy()
    parts = [p for p in (_unjudged(lazy, rule) for rule in rules(s)) if p is not None]
    if not parts:
        return pl.DataFrame(schema=NOT_JUDGED_SCHEMA)
    order = {pid: i for i, pid in enumerate(PATTERN_IDS)}
    return (
        pl.concat(parts, how="vertical")
        .collect()
        .with_columns(pl.col("id").replace_strict(order, return_dtype=pl.Int64).alias("_ord"))
        .sort("account_id", "_ord")
        .drop("_ord")
    )


def detect(scored: pl.DataFrame, s: Settings) -> pl.DataFrame:
    """Every pattern that fired, plus `healthy` rows; sorted by account, worst first."""
    frame = with_rule_inputs(scored)
    lazy = frame.lazy()
    judged = rules(s)
    found = pl.concat(
        [_judge(lazy, rule, getattr(s.risk_share, rule.id, 1.0)) for rule in judged],
        how="vertical",
    ).collect()
    threshold = s.general.healthy_from
    # Where no rule fires, asked of the rules again: 3× faster than an anti-join on ids.
    none_fires = ~pl.any_horizontal([_fires(rule) for rule in judged])
    healthy = frame.filter((pl.col("score") >= threshold) & none_fires).select(
        "account_id",
        pl.lit("healthy").alias("id"),
        pl.lit("info").alias("severity"),
        pl.struct(
            pl.struct(
                pl.col("score").round(1).alias("value"),
                pl.lit(float(threshold)).alias("threshold"),
                pl.lit(">=").alias("rule"),
            ).alias("score")
        )
        .struct.json_encode()
        .alias("evidence"),
        pl.lit(
            "Healthy, with no warning pattern. Keep the rhythm: one value-adding "
            "touchpoint this month and a check-in after every order."
        ).alias("action"),
        pl.lit(None, dtype=pl.Float64).alias("cost"),
        pl.lit(None, dtype=pl.Float64).alias("at_risk"),
    )
    rank = {sev: -i for i, sev in enumerate(SEVERITIES)}
    order = {pid: i for i, pid in enumerate((*PATTERN_IDS, "healthy"))}
    return (
        pl.concat([found, healthy], how="vertical")
        .with_columns(
            pl.col("severity").replace_strict(rank, return_dtype=pl.Int64).alias("_sev"),
            pl.col("id").replace_strict(order, return_dtype=pl.Int64).alias("_ord"),
        )
        .sort("account_id", "_sev", "_ord")
        .drop("_sev", "_ord")
    )
