"""The pure agenda: rules that need a fitted model or odd inputs, dedup and urgency."""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from accord.agenda import AgendaInputs, build
from accord.agenda.hooks import value_reviews
from accord.agenda.items import candidates
from accord.agenda.rules import reconnect
from accord.config import Settings

AS_OF = date(2026, 6, 30)
S = Settings()


def _inputs(**frames: pl.DataFrame | float | None) -> AgendaInputs:
    empty: dict[str, object] = {
        "accounts": pl.DataFrame(
            schema={
                "account_id": pl.String,
                "name": pl.String,
                "created_on": pl.Date,
                "expected_value_12m": pl.Float64,
                "p_alive": pl.Float64,
                "p_alive_before": pl.Float64,
                "ideal_days": pl.Int64,
                "max_days": pl.Int64,
            }
        ),
        "contacts": pl.DataFrame(
            schema={
                "contact_id": pl.String,
                "account_id": pl.String,
                "name": pl.String,
                "decision_role": pl.String,
                "active": pl.Boolean,
            }
        ),
        "touchpoints": pl.DataFrame(
            schema={
                "account_id": pl.String,
                "day": pl.Date,
                "purpose": pl.String,
                "contact_ids": pl.String,
                "tags": pl.String,
            }
        ),
        "orders": pl.DataFrame(
            schema={
                "order_id": pl.String,
                "account_id": pl.String,
                "ordered_on": pl.Date,
                "amount": pl.Float64,
            }
        ),
        "commitments": pl.DataFrame(
            schema={
                "commitment_id": pl.String,
                "account_id": pl.String,
                "side": pl.String,
                "made_on": pl.Date,
                "due_on": pl.Date,
                "description": pl.String,
                "done_on": pl.Date,
                "cancelled": pl.Boolean,
                "contact_id": pl.String,
            }
        ),
        "invoices": pl.DataFrame(
            schema={
                "invoice_id": pl.String,
                "account_id": pl.String,
                "issued_on": pl.Date,
                "amount": pl.Float64,
                "paid_on": pl.Date,
                "due_on": pl.Date,
            }
        ),
        "opportunities": pl.DataFrame(
            schema={
                "opportunity_id": pl.String,
                "account_id": pl.String,
                "name": pl.String,
                "stage": pl.String,
                "amount": pl.Float64,
                "closed_on": pl.Date,
            }
        ),
        "feedback": pl.DataFrame(
            schema={"account_id": pl.String, "received_on": pl.Date, "tags": pl.String}
        ),
        "partners": pl.DataFrame(
            schema={"partner_id": pl.String, "name": pl.String, "expertise": pl.String}
        ),
        "referrals": pl.DataFrame(
            schema={
                "account_id": pl.String,
                "partner_id": pl.String,
                "direction": pl.String,
                "made_on": pl.Date,
            }
        ),
        "patterns": pl.DataFrame(
            schema={
                "account_id": pl.String,
                "id": pl.String,
                "severity": pl.String,
                "evidence": pl.String,
                "action": pl.String,
                "cost": pl.Float64,
                "at_risk": pl.Float64,
            }
        ),
        "valuable_from": None,
    }
    empty.update(frames)
    return AgendaInputs(**empty)  # type: ignore[arg-type]


def _accounts(*rows: tuple[str, float | None, float | None, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "account_id": a,
                "name": a,
                "created_on": AS_OF,
                "expected_value_12m": v,
                "p_alive": p,
                "p_alive_before": before,
                "ideal_days": None,
                "max_days": None,
            }
            for a, v, p, before in rows
        ],
        schema=_inputs().accounts.schema,
    )


def test_reconnect_asks_for_valuable_accounts_whose_chance_falls() -> None:
    accounts = _accounts(
        ("A1", 50_000.0, 0.55, 0.80),  # valuable, fell 25 points: reconnect
        ("A2", 50_000.0, 0.75, 0.80),  # valuable, fell 5 points: not yet
        ("A3", 1_000.0, 0.10, 0.90),  # fell a lot, but not valuable
        ("A4", None, None, None),  # unknown value
    )
    found = reconnect(_inputs(accounts=accounts, valuable_from=20_000.0), AS_OF, S)
    assert found["account_id"].to_list() == ["A1"]
    assert found["reason"][0].startswith(
        "The chance they are still an active customer fell from 80% to 55% in 30 days, on an "
        "account worth 50,000 over the next 12 months."
    )
    assert json.loads(found["evidence"][0])["valuable_from"] == 20_000.0
    nothing = reconnect(_inputs(accounts=accounts, valuable_from=None), AS_OF, S)
    assert nothing.height == 0


def test_value_review_from_a_week_before_until_sixty_days_after() -> None:
    opps = pl.DataFrame(
        [
            ("OP1", "A1", "won", 100.0, date(2026, 4, 6)),  # due 07-05: in the next week
            ("OP2", "A1", "won", 100.0, date(2026, 4, 9)),  # due 07-08: eight days ahead
            ("OP3", "A1", "won", 100.0, date(2026, 1, 31)),  # due 05-01: 60 days ago
            ("OP4", "A1", "won", 100.0, date(2026, 1, 30)),  # due 04-30: stale
            ("OP5", "A1", "lost", 100.0, date(2026, 4, 1)),
        ],
        schema=["opportunity_id", "account_id", "stage", "amount", "closed_on"],
        orient="row",
    ).with_columns(pl.col("opportunity_id").alias("name"))
    found = value_reviews(_inputs(opportunities=opps), AS_OF, S)
    assert sorted(found["reason_key"].to_list()) == ["OP1", "OP3"]


def test_value_plans_say_their_state_hold_the_review_or_bring_it_forward() -> None:
    opps = pl.DataFrame(
        [
            ("OP1", "A1", "won", 100.0, date(2026, 4, 6)),  # due 07-05, on track
            ("OP3", "A1", "won", 100.0, date(2026, 1, 31)),  # due 05-01, checked 04-20: held
            ("OP4", "A1", "won", 100.0, date(2025, 6, 1)),  # long stale, but a plan is behind
        ],
        schema=["opportunity_id", "account_id", "stage", "amount", "closed_on"],
        orient="row",
    ).with_columns(pl.col("opportunity_id").alias("name"))
    states = pl.DataFrame(
        [
            ("OP1", "uptime", "on_track", date(2026, 6, 1)),
            ("OP1", "cost", "not_measured", None),
            ("OP3", "cost", "reached", date(2026, 4, 20)),
            ("OP4", "errors", "behind", date(2026, 6, 28)),
        ],
        schema=["opportunity_id", "metric", "state", "measured_on"],
        orient="row",
    )
    found = value_reviews(_inputs(opportunities=opps, value_states=states), AS_OF, S)
    rows = {r["reason_key"]: r for r in found.iter_rows(named=True)}
    assert sorted(rows) == ["OP1", "OP4"]
    assert rows["OP1"]["reason"].endswith("Value plan: cost not measured yet, uptime on track.")
    assert rows["OP1"]["due"] == date(2026, 7, 5)
    assert rows["OP4"]["reason"].endswith("Value plan: errors behind.")
    assert rows["OP4"]["due"] == date(2026, 7, 5)  # a week after the check that found it behind


def test_items_are_deduplicated_on_account_kind_and_reason() -> None:
    pattern = {
        "account_id": "A1",
        "id": "fading",
        "severity": "warning",
        "evidence": "{}",
        "action": "Call them.",
        "cost": None,
        "at_risk": 300.0,
    }
    patterns = pl.DataFrame(
        [pattern, {**pattern, "at_risk": 900.0}, {**pattern, "id": "hostage"}],
        schema=_inputs().patterns.schema,
    )
    inp = _inputs(accounts=_accounts(("A1", 200.0, 0.5, 0.5)), patterns=patterns)
    assert candidates(inp, AS_OF, S).height == 3
    states = pl.DataFrame(
        schema={"item_id": pl.String, "state": pl.String, "until": pl.Date, "note": pl.String}
    )
    agenda = build(inp, states, AS_OF, S)
    # one fading item (the higher stake kept), one hostage item (stake 300); due in 7 days:
    # urgency 0.5
    assert agenda.select("reason_key", "value_at_stake", "urgency", "priority").rows() == [
        ("fading", 900.0, 0.5, 450.0),
        ("hostage", 300.0, 0.5, 150.0),
    ]
