"""Seller alignment on hand-built frames, every figure worked out by hand.

Window: 2025-07-01 … 2026-06-30 (365 days). Sam (U1) owns A1 (ordered before the
window: existing) and A2 (new); Ria (U2) owns A3.

| | Sam | Ria |
|---|---|---|
| revenue (list) | 800 (1000) + 1200 (1200) = 2000 (2200) | 2000 (2000) |
| margin % | (400 + 600) / 2000 = 50% | 500 / 2000 = 25% |
| discount | 1 − 2000/2200 = 9.09% | 0% |
| team median discount | 4.545% | 4.545% |
| excess discount | 4.545 pts × 2200 = 100 | 0 |
| pressure share | 800 on 03-28 (3 days before the quarter end) / 2000 = 40% | 0% |
| follow-up | A1's order: support 13 days later; A2's: only a pitch: 1/2 | 45 days on: 0/1 |
| kept | 1 of 2 (one kept early, one not done) | none due: unknown |
| existing share | (60 + 120) / (60 + 120 + 30) minutes = 85.71% | 0% |
| health | (80 + 60) / 2 = 70 | 40 |
| quality | 0.5 × 0.7 + 0.25 × 0.5 + 0.25 × 0.5 = 0.6 | (0.5 × 0.4 + 0.25 × 0) / 0.75 = 0.2667 |
| adjusted | 2000 × 0.6 − 100 − 0.25 × 800 = 900 | 2000 × 0.2667 = 533.33 |
"""

from __future__ import annotations

from datetime import date

import polars as pl

from accord.config import Settings
from accord.review import alignment

D = date


def test_alignment_figures_and_flags() -> None:
    users = pl.DataFrame(
        {"user_id": ["U1", "U2"], "name": ["Sam", "Ria"], "team": ["North", "North"]}
    )
    accounts = pl.DataFrame({"account_id": ["A1", "A2", "A3"], "owner_id": ["U1", "U1", "U2"]})
    orders = pl.DataFrame(
        [
            ("A1", D(2025, 5, 1), 1000.0, 1000.0, 500.0, "U1"),
            ("A1", D(2026, 3, 28), 800.0, 1000.0, 400.0, "U1"),
            ("A2", D(2026, 2, 10), 1200.0, 1200.0, 600.0, None),
            ("A3", D(2026, 4, 15), 2000.0, 2000.0, 1500.0, "U2"),
        ],
        schema=["account_id", "ordered_on", "amount", "list_amount", "cost", "user_id"],
        orient="row",
    )
    touch = pl.DataFrame(
        [
            ("A1", D(2026, 4, 10), "support", "U1", 60),
            ("A2", D(2026, 2, 15), "pitch", "U1", 30),
            ("A3", D(2026, 5, 30), "social", "U2", 30),
        ],
        schema=["account_id", "day", "purpose", "user_id", "minutes"],
        orient="row",
    )
    service = pl.DataFrame(
        [("A1", D(2026, 1, 5), 2.0, "U1")],
        schema=["account_id", "worked_on", "hours", "user_id"],
        orient="row",
    )
    commitments = pl.DataFrame(
        [
            ("A1", "us", D(2026, 4, 1), D(2026, 5, 1), D(2026, 4, 30), False, "U1"),
            ("A2", "us", D(2026, 5, 1), D(2026, 6, 1), None, False, None),
            ("A3", "them", D(2026, 5, 1), D(2026, 6, 1), None, False, None),
        ],
        schema={
            "account_id": pl.String,
            "side": pl.String,
            "made_on": pl.Date,
            "due_on": pl.Date,
            "done_on": pl.Date,
            "cancelled": pl.Boolean,
            "user_id": pl.String,
        },
        orient="row",
    )
    health = pl.DataFrame({"account_id": ["A1", "A2", "A3"], "score": [80.0, 60.0, 40.0]})
    patterns = pl.DataFrame({"account_id": ["A3"], "id": ["margin_giveaway"]})
    sam, ria = alignment(
        users=users,
        accounts=accounts,
        orders=orders,
        touchpoints=touch,
        service=service,
        commitments=commitments,
        health=health,
        patterns=patterns,
        end=D(2026, 6, 30),
        s=Settings(),
    )
    assert (sam.user_id, sam.accounts, sam.revenue, sam.margin_pct) == ("U1", 2, 2000.0, 0.5)
    assert (sam.discount, sam.team_median_discount, sam.discount_vs_team) == (
        0.0909,
        0.0455,
        0.0455,
    )
    assert (sam.pressure_share, sam.follow_up_rate, sam.kept_rate) == (0.4, 0.5, 0.5)
    assert (sam.existing_share, sam.health, sam.quality) == (0.8571, 70.0, 0.6)
    # each flag from the seller's own figure against the team's median: Sam's discount is
    # 4.5 points above it (≥ 2), his pressure share 40% ≥ 25%
    assert (sam.excess_discount, sam.adjusted, sam.flags) == (
        100.0,
        900.0,
        ["margin giveaway", "pressure deals"],
    )
    # with the team's discount: + the excess 100; with the team's pressure share (median of
    # 40% and 0% = 20%): 0.25 × (800 − 20% × 2000) = 100
    assert sam.breakdown_words() == [
        "would be 100 higher with the team's discount, 9.1% → 4.5%",
        "would be 100 higher with the team's pressure share, 40.0% → 20.0%",
    ]
    assert (ria.user_id, ria.revenue, ria.margin_pct, ria.discount) == ("U2", 2000.0, 0.25, 0.0)
    assert (ria.pressure_share, ria.follow_up_rate, ria.kept_rate) == (0.0, 0.0, None)
    assert (ria.existing_share, ria.health, ria.quality) == (0.0, 40.0, 0.2667)
    # Ria's discount is below the team's: never a giveaway flag, whatever her accounts show
    # (A3's margin_giveaway pattern is counted as evidence); her follow-up 0% is 25 points
    # below the team's median (0.5 and 0: 25%)
    assert (ria.excess_discount, ria.adjusted, ria.flags) == (0.0, 533.33, ["no follow-up"])
    assert (ria.giveaway_accounts, ria.pressure_accounts) == (1, 0)
    # with the team's health 55: (0.5 × 0.55) / 0.75 = 0.3667, + 2000 × 0.1 = 200;
    # with the team's follow-up 25%: (0.5 × 0.4 + 0.25 × 0.25) / 0.75 = 0.35, + 166.67
    assert [(g.figure, g.gain) for g in ria.breakdown] == [
        ("portfolio health", 200.0),
        ("follow-up rate", 166.67),
    ]
