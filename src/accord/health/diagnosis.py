"""From the feature table to a diagnosis: scores, facts, orientation, patterns.

Pure and columnar: `diagnose_features` takes the per-account features (from
`accord.analytics`) and the lifetime-value outlook (probability alive, value
ahead) and returns frames; `Diagnosis.records` turns them into the JSON
contract of SPEC section 5 only when asked.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from accord.analytics.features import day_number
from accord.clv.accounts import NO_ORDERS
from accord.config import Settings
from accord.health.detectors import NOT_JUDGED_SCHEMA, detect, not_judged
from accord.health.dimensions import DIMENSIONS, score
from accord.health.economics import FIGURES, PREFIX, economics_columns, economics_record
from accord.health.explain import facts
from accord.health.orientation import account_orientation, seller_orientation
from accord.health.penalties import apply_patterns

OUTLOOK_SCHEMA = {
    "account_id": pl.String,
    "p_alive": pl.Float64,
    "expected_orders_12m": pl.Float64,
    "expected_value_12m": pl.Float64,
    "horizon": pl.String,
    "lifetime_note": pl.String,  # why the figures are unknown (null where known)
}


@dataclass(frozen=True)
class Diagnosis:
    """Health and patterns of every account diagnosed, as of one date."""

    as_of: date
    accounts: pl.DataFrame  # one row per account: scores, components, orientation …
    patterns: pl.DataFrame  # one row per (account, pattern): id, severity, evidence (JSON) …
    sellers: pl.DataFrame  # orientation per seller
    settings: Settings  # those it was made with: the facts are put in words from them
    not_judged: pl.DataFrame = field(  # one row per (account, pattern): id, reason
        default_factory=lambda: pl.DataFrame(schema=NOT_JUDGED_SCHEMA)
    )

    def __repr__(self) -> str:
        return (
            f"Diagnosis(as_of={self.as_of.isoformat()}, accounts={self.accounts.height}, "
            f"patterns={self.patterns.height})"
        )

    def pattern_ids(self) -> dict[str, list[str]]:
        """account_id → the ids of its patterns (worst first), `healthy` included."""
        grouped = self.patterns.group_by("account_id", maintain_order=True).agg(pl.col("id"))
        found = dict(zip(grouped["account_id"], grouped["id"].to_list(), strict=True))
        return {a: found.get(a, []) for a in self.accounts["account_id"]}

    def with_facts(self) -> pl.DataFrame:
        """`accounts` with the facts behind each dimension in words (`facts_<dimension>`).

        Put in words only when shown: the agenda, the review, snapshots and costs read
        the numbers alone (the words for a million accounts take seconds)."""
        return self.accounts.with_columns(*facts(day_number(self.as_of), self.settings))

    def records(self) -> list[dict[str, Any]]:
        """The JSON contract: `{account_id, health: {…}, patterns: […], facts, orientation …}`."""
        rounded = self.with_facts().select(
            "account_id",
            *[pl.col(c).round(1) for c in ("score", *DIMENSIONS)],
            *[f"facts_{d}" for d in DIMENSIONS],
            pl.col("orientation").round(1),
            pl.col("off_cycle_value_share").round(4),
            pl.col("follow_up_rate").round(4),
            "n_contacts",
            "n_known",
            (pl.col("decision_maker_known") > 0).alias("decision_maker_known"),
            (pl.col("champion_known") > 0).alias("champion_known"),
            pl.col("p_alive").round(4),
            pl.col("expected_orders_12m").round(3),
            pl.col("expected_value_12m").round(2),
            "horizon",
            "lifetime_note",
            *[PREFIX + f for f in FIGURES],
        )
        patterns: dict[str, list[dict[str, Any]]] = {}
        for row in self.patterns.iter_rows(named=True):
            patterns.setdefault(row["account_id"], []).append(
                {
                    "id": row["id"],
                    "severity": row["severity"],
                    "evidence": json.loads(row["evidence"]),
                    "action": row["action"],
                    "cost": row["cost"],
                    "at_risk": row["at_risk"],
                }
            )
        unjudged: dict[str, list[dict[str, str]]] = {}
        for row in self.not_judged.iter_rows(named=True):
            unjudged.setdefault(row["account_id"], []).append(
                {"id": row["id"], "reason": row["reason"]}
            )
        out = []
        for r in rounded.iter_rows(named=True):
            out.append(
                {
                    "account_id": r["account_id"],
                    "as_of": self.as_of.isoformat(),
                    "health": {"score": r["score"], **{d: r[d] for d in DIMENSIONS}},
                    "patterns": patterns.get(r["account_id"], []),
                    "not_judged": unjudged.get(r["account_id"], []),
                    "facts": {d: r[f"facts_{d}"] for d in DIMENSIONS},
                    "orientation": {
                        "index": r["orientation"],
                        "off_cycle_value_share": r["off_cycle_value_share"],
                        "follow_up_rate": r["follow_up_rate"],
                    },
                    "breadth": {
                        "people": r["n_contacts"],
                        "known": r["n_known"],
                        "decision_maker_known": r["decision_maker_known"],
                        "champion_known": r["champion_known"],
                    },
                    "lifetime": {
                        "p_alive": r["p_alive"],
                        "expected_orders_12m": r["expected_orders_12m"],
                        "value_ahead_12m": r["expected_value_12m"],
                        "horizon": r["horizon"],
                        "reason": r["lifetime_note"],
                    },
                    "economics": economics_record(r),
                }
            )
        return out


def diagnose_features(
    features: pl.DataFrame,
    outlook: pl.DataFrame | None,
    as_of: date,
    s: Settings,
) -> Diagnosis:
    """Score, explain and judge every account of `features` as of `as_of`."""
    today = day_number(as_of)
    life = outlook if outlook is not None else pl.DataFrame(schema=OUTLOOK_SCHEMA)
    if "lifetime_note" not in life.columns:
        life = life.with_columns(pl.lit(None, dtype=pl.String).alias("lifetime_note"))
    frame = (
        features.join(life.select(list(OUTLOOK_SCHEMA)), on="account_id", how="left")
        .with_columns(
            pl.when(pl.col("p_alive").is_null())
            .then(pl.col("lifetime_note").fill_null(NO_ORDERS))
            .otherwise(pl.col("lifetime_note"))
            .alias("lifetime_note")
        )
        .sort("account_id")
    )
    scored = score(frame, s, today)
    scored = scored.with_columns(*account_orientation(), *economics_columns(s))
    patterns = detect(scored, s)
    # The patterns found lower the dimensions they belong to (a critical one keeps the
    # account out of the healthy band); `healthy` needs no pattern, so it stands.
    scored = apply_patterns(scored, patterns, s)
    unjudged = not_judged(scored, s)
    return Diagnosis(as_of, scored, patterns, seller_orientation(scored), s, unjudged)


def only_account(diagnosis: Diagnosis, account_id: str) -> Diagnosis:
    """The same diagnosis narrowed to one account (segment figures stay book-wide)."""
    return only_accounts(diagnosis, [account_id])


def only_accounts(diagnosis: Diagnosis, account_ids: Collection[str]) -> Diagnosis:
    """The same diagnosis narrowed to these accounts (segment figures stay book-wide)."""
    pick = pl.col("account_id").is_in(list(account_ids))
    return Diagnosis(
        diagnosis.as_of,
        diagnosis.accounts.filter(pick),
        diagnosis.patterns.filter(pick),
        diagnosis.sellers,
        diagnosis.settings,
        diagnosis.not_judged.filter(pick),
    )
