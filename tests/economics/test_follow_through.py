"""The agenda asks of issue 8, on hand-built frames (pure), with concrete items."""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from accord.agenda import build
from accord.agenda.follow_through import (
    account_plans,
    check_ins,
    decision_makers,
    qualification,
    retrospectives,
)
from accord.config import Settings
from tests.agenda.test_rules import _inputs

AS_OF = date(2026, 6, 30)
S = Settings()


def _accounts() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": ["A", "B", "C", "D"],
            "name": ["Alpha", "Beta", "Gamma", "Delta"],
            "created_on": [date(2024, 1, 1)] * 4,
            "p_alive": [None] * 4,
            "p_alive_before": [None] * 4,
            "ideal_days": [None] * 4,
            "max_days": [None] * 4,
            "value_rank": [1, 2, 3, 11],
            "expected_value_12m": [9000.0, 5000.0, 4000.0, 100.0],
            "plan_updated_on": [None, date(2026, 3, 1), date(2026, 5, 1), None],
            "n_decision_makers": [2, 1, 0, 1],
            "decision_maker_strength": [0.1, 0.5, None, 0.29],
        },
        schema_overrides={
            "p_alive": pl.Float64,
            "p_alive_before": pl.Float64,
            "ideal_days": pl.Int64,
            "max_days": pl.Int64,
        },
    )


def _opportunities() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "opportunity_id": ["L", "N", "W", "O", "Q"],
            "account_id": ["A", "B", "C", "A", "B"],
            "name": ["Lost deal", "Stalled deal", "Won deal", "Open deal", "Good deal"],
            "stage": ["lost", "no_decision", "won", "open", "open"],
            "amount": [1000.0, 2000.0, 3000.0, 4000.0, 5000.0],
            "closed_on": [date(2026, 5, 31), date(2026, 4, 2), date(2026, 6, 20), None, None],
            "user_id": ["U1"] * 5,
            "genuine_need": [None, None, None, True, True],
            "able_to_decide": [None, None, None, None, True],
            "able_to_pay": [None, None, None, False, True],
            "has_retrospective": [False, True, False, False, False],
        }
    )


def _keys(frame: pl.DataFrame) -> list[tuple[str, str, str]]:
    return [(r["account_id"], r["reason_key"], str(r["due"])) for r in frame.to_dicts()]


def test_plans_for_top_accounts_missing_or_older_than_90_days() -> None:
    found = account_plans(_inputs(accounts=_accounts()), AS_OF, S)
    # A: top 1, no plan (due today); B: updated 121 days ago (due 90 days after);
    # C: 60 days old, fine; D: 11th, outside the top 10
    assert _keys(found) == [("A", "plan", "2026-06-30"), ("B", "plan", "2026-05-30")]
    assert found["title"].to_list() == ["Write the account plan", "Refresh the account plan"]
    assert found["reason"][1].startswith("The plan of this top account (number 2) was last")


def test_a_connection_where_every_decision_maker_is_weak() -> None:
    found = decision_makers(_inputs(accounts=_accounts()), AS_OF, S)
    assert _keys(found) == [("A", "connect", "2026-07-07"), ("D", "connect", "2026-07-07")]
    assert json.loads(found["evidence"][0]) == {
        "n_decision_makers": 2,
        "decision_maker_strength": 0.1,
    }


def test_check_ins_30_and_90_days_after_lost_or_no_decision() -> None:
    found = check_ins(_inputs(opportunities=_opportunities()), AS_OF, S)
    # L lost on 05-31: day 30 is today; N no decision on 04-02: day 90 (07-01) is
    # within the week ahead, so it replaces the overdue day-30 check-in (05-02)
    assert _keys(found) == [
        ("A", "L:30", "2026-06-30"),
        ("B", "N:90", "2026-07-01"),
    ]
    assert "not a pitch" in found["reason"][0]


def test_retrospectives_within_14_days_of_closing() -> None:
    found = retrospectives(_inputs(opportunities=_opportunities()), AS_OF, S)
    # N already has one; W won on 06-20 → due 07-04; L lost 05-31 → due 06-14
    assert sorted(_keys(found)) == [("A", "L", "2026-06-14"), ("C", "W", "2026-07-04")]


def test_open_opportunities_without_qualification() -> None:
    found = qualification(_inputs(opportunities=_opportunities()), AS_OF, S)
    assert _keys(found) == [("A", "O", "2026-07-07")]
    assert "without able to decide, able to pay" in found["reason"][0]
    assert json.loads(found["evidence"][0])["missing"] == ["able_to_decide", "able_to_pay"]


def test_priority_by_the_documented_formula() -> None:
    inputs = _inputs(accounts=_accounts(), opportunities=_opportunities())
    states = pl.DataFrame(
        schema={"item_id": pl.String, "state": pl.String, "until": pl.Date, "note": pl.String}
    )
    frame = build(inputs, states, AS_OF, S)
    plan = frame.filter((pl.col("kind") == "account_plan") & (pl.col("account_id") == "A"))
    # value at stake 9,000 (expected 12-month value) × urgency 1 (due today)
    assert plan["priority"].to_list() == [9000.0]
    qual = frame.filter(pl.col("kind") == "qualification")
    # max(own value 4,000, account value 9,000) × 1 / (1 + 7/7)
    assert qual["priority"].to_list() == [4500.0]
