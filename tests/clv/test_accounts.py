"""The per-account outlook: probability alive, 12-month expectations, horizon labels."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from accord.clv import HorizonRule, account_outlook, simulate_transactions

AS_OF = date(2025, 6, 30)


@pytest.fixture(scope="module")
def orders() -> pl.DataFrame:
    rows = simulate_transactions(
        600, start=date(2024, 1, 1), end=AS_OF, rng=np.random.default_rng(21)
    )
    return rows.rename({"customer_id": "account_id", "date": "ordered_on"})


def test_outlook_columns_and_ranges(orders: pl.DataFrame) -> None:
    outlook = account_outlook(orders, AS_OF)
    table = outlook.table
    assert outlook.note is None
    assert outlook.model is not None
    assert outlook.spend_model is not None
    assert table.columns == [
        "account_id", "orders", "first_order_on", "last_order_on", "frequency",
        "recency_weeks", "age_weeks", "p_alive", "expected_orders_12m",
        "expected_value_12m", "horizon", "note",
    ]  # fmt: skip
    assert table["note"].null_count() == table.height  # every figure known
    assert table.height == orders["account_id"].n_unique()
    assert table["p_alive"].is_between(0, 1).all()
    assert (table["expected_orders_12m"] >= 0).all()
    assert (table["expected_value_12m"] >= 0).all()
    assert set(table["horizon"].unique()) <= {"reason", "season", "lifetime"}
    assert table["orders"].sum() <= orders.height


def test_horizon_rule_is_applied_in_order(orders: pl.DataFrame) -> None:
    table = account_outlook(orders, AS_OF).table
    rule = HorizonRule()
    reason = table.filter(pl.col("horizon") == "reason")
    assert (
        (reason["p_alive"] < rule.reason_below)
        | ((reason["frequency"] == 0) & (reason["expected_orders_12m"] < rule.one_off_below))
    ).all()
    lifetime = table.filter(pl.col("horizon") == "lifetime")
    assert lifetime.height > 0
    assert (lifetime["p_alive"] >= rule.lifetime_from).all()
    assert (lifetime["frequency"] >= rule.lifetime_min_repeat).all()
    assert (lifetime["expected_orders_12m"] >= rule.lifetime_min_orders).all()
    # A stricter rule moves accounts out of "lifetime", never into it.
    strict = account_outlook(orders, AS_OF, rule=HorizonRule(lifetime_from=0.95)).table
    assert strict.filter(pl.col("horizon") == "lifetime").height <= lifetime.height


def test_orders_after_the_as_of_date_are_ignored(orders: pl.DataFrame) -> None:
    early = date(2024, 12, 31)
    table = account_outlook(orders, early).table
    assert (table["last_order_on"] <= early).all()
    later = orders.filter(pl.col("ordered_on") > early)["account_id"].unique()
    assert table.height < orders["account_id"].n_unique() or later.len() > 0


def test_too_little_data_gives_unknown_not_zero(orders: pl.DataFrame) -> None:
    few = orders.filter(pl.col("account_id").is_in(["C000001", "C000002", "C000003"]))
    outlook = account_outlook(few, AS_OF)
    assert outlook.model is None
    assert outlook.note is not None
    assert "at least 10" in outlook.note
    assert outlook.table["p_alive"].is_null().all()
    assert outlook.table["horizon"].is_null().all()


def test_bgnbd_can_be_chosen(orders: pl.DataFrame) -> None:
    outlook = account_outlook(orders, AS_OF, model="bgnbd")
    assert type(outlook.model).__name__ == "BGNBD"
    one_order = outlook.table.filter(pl.col("frequency") == 0)
    assert (one_order["p_alive"] == 1.0).all()  # BG/NBD's known property


def test_no_orders_before_as_of() -> None:
    orders = pl.DataFrame({"account_id": ["a"], "ordered_on": [date(2030, 1, 1)], "amount": [1.0]})
    outlook = account_outlook(orders, AS_OF)
    assert outlook.table.height == 0
    assert outlook.note == "no orders on or before the as-of date"


def test_outlook_is_reproducible_whatever_the_row_order(orders: pl.DataFrame) -> None:
    first = account_outlook(orders, AS_OF)
    again = account_outlook(orders.sample(fraction=1.0, shuffle=True, seed=5), AS_OF)
    assert again.table.equals(first.table)  # bit for bit, value ahead included


def test_one_history_for_every_account_is_unknown_not_a_guess() -> None:
    """18 accounts with the same two orders: any fit gives them all the same figures,
    so the figures are unknown, and the note says why."""
    orders = pl.DataFrame(
        {
            "account_id": [f"A{i:02d}" for i in range(18) for _ in range(2)],
            "ordered_on": [date(2025, 1, 1), date(2025, 4, 1)] * 18,
            "amount": [400.0] * 36,
        }
    )
    outlook = account_outlook(orders, date(2025, 7, 1))
    assert outlook.model is None
    assert outlook.note is not None
    assert "same order history" in outlook.note
    assert outlook.table["p_alive"].is_null().all()
    assert (outlook.table["note"] == outlook.note).all()
