"""Planted patterns fire, and only where planted: checked by an independent reading of the rules.

`tests/generate/rules.py` re-implements the rules of SPEC section 4 in plain
polars. Every planted account must satisfy its rule and no other account may
satisfy it — under both readings of the SPEC's open points, and with a clear
margin: planted accounts still fire when every threshold is made 25 % harder,
unplanted ones still do not when every threshold is made 25 % easier.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from accord.generate import PATTERNS, GeneratedBook, generate_book
from tests.generate.rules import DEFAULT, READINGS, Reading, Thresholds, fired, load


def mismatches(
    tables: dict[str, pl.DataFrame],
    truth: dict[str, set[str]],
    as_of: date,
    reading: Reading,
    thresholds: Thresholds,
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per pattern: planted accounts that do not fire, and unplanted accounts that do."""
    found = fired(tables, as_of, reading, thresholds)
    assert set(found) == set(PATTERNS)
    missed, extra = {}, {}
    for pattern, accounts in found.items():
        planted = {a for a, ps in truth.items() if pattern in ps}
        if planted - accounts:
            missed[pattern] = sorted(planted - accounts)[:5]
        if accounts - planted:
            extra[pattern] = sorted(accounts - planted)[:5]
    return missed, extra


@pytest.mark.parametrize("reading", READINGS, ids=["strict-window", "loose-window"])
def test_rules_fire_exactly_where_planted(
    book: GeneratedBook,
    tables: dict[str, pl.DataFrame],
    truth: dict[str, set[str]],
    reading: Reading,
) -> None:
    missed, extra = mismatches(tables, truth, book.as_of, reading, DEFAULT)
    assert missed == {}
    assert extra == {}


@pytest.mark.parametrize("reading", READINGS, ids=["strict-window", "loose-window"])
def test_with_a_clear_margin(
    book: GeneratedBook,
    tables: dict[str, pl.DataFrame],
    truth: dict[str, set[str]],
    reading: Reading,
) -> None:
    missed, _ = mismatches(tables, truth, book.as_of, reading, DEFAULT.shifted(0.25))
    assert missed == {}
    _, extra = mismatches(tables, truth, book.as_of, reading, DEFAULT.shifted(-0.25))
    assert extra == {}


def test_the_checker_is_not_vacuous(
    book: GeneratedBook, tables: dict[str, pl.DataFrame], truth: dict[str, set[str]]
) -> None:
    """Thresholds made far easier must catch unplanted accounts: the checker can fail."""
    _, extra = mismatches(tables, truth, book.as_of, READINGS[0], DEFAULT.shifted(-0.9))
    assert len(extra) >= 5


@pytest.mark.parametrize(("seed", "as_of"), [(21, date(2025, 11, 14)), (22, date(2026, 2, 28))])
def test_other_seeds_and_dates(tmp_path: Path, seed: int, as_of: date) -> None:
    """An as-of date that is not a quarter end, and one at a month end, hold as well."""
    book = generate_book(tmp_path / "b", accounts=800, seed=seed, as_of=as_of)
    tables = load(book.path)
    truth = {a: set(p.split(";")) if p else set() for a, p in tables["truth"].iter_rows()}
    for reading in READINGS:
        assert mismatches(tables, truth, as_of, reading, DEFAULT) == ({}, {})


def test_healthy_accounts_are_model_relationships(
    book: GeneratedBook, tables: dict[str, pl.DataFrame], truth: dict[str, set[str]]
) -> None:
    healthy = [a for a, ps in truth.items() if ps == {"healthy"}]
    as_of = book.as_of
    start = as_of - timedelta(days=365)

    def of_healthy(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("account_id").is_in(healthy))

    commitments = of_healthy(tables["commitments"]).filter(
        ~pl.col("cancelled") & (pl.col("due_on") <= as_of)
    )
    assert (commitments["done_on"] <= commitments["due_on"]).all()
    invoices = (
        of_healthy(tables["invoices"])
        .join(tables["accounts"].select("account_id", "payment_terms_days"), on="account_id")
        .with_columns(
            due=pl.col("issued_on")
            + pl.duration(days=pl.coalesce("terms_days", "payment_terms_days"))
        )
    )
    settled = pl.col("paid_on").fill_null(pl.lit(as_of))
    assert invoices.filter(settled > pl.col("due")).height == 0
    nps = of_healthy(tables["feedback"]).filter(
        (pl.col("kind") == "nps") & (pl.col("received_on") > start)
    )
    assert nps["score"].min() >= 9  # type: ignore[operator]
    assert nps["account_id"].n_unique() > 0.9 * len(healthy)
    csat = of_healthy(tables["feedback"]).filter(pl.col("kind") == "csat")
    assert csat["score"].min() >= 4  # type: ignore[operator]
    recent = of_healthy(tables["touchpoints"]).filter(
        (pl.col("occurred_at").dt.date() > as_of - timedelta(days=60))
        & pl.col("direction").is_in(["inbound", "mutual"])
    )
    assert recent["account_id"].n_unique() == len(healthy)
    window = of_healthy(tables["touchpoints"]).filter(pl.col("occurred_at").dt.date() > start)
    value = window["purpose"].is_in(["insight", "guidance", "support"]).mean()
    assert value > 0.6  # type: ignore[operator]
    orders = of_healthy(tables["orders"]).filter(pl.col("ordered_on") > start)
    assert orders.group_by("account_id").len()["len"].min() >= 2  # type: ignore[operator]


def test_fading_accounts_look_gone_to_a_lifetime_value_model(book: GeneratedBook) -> None:
    """The part of `fading` the checker leaves out: a Pareto/NBD model fitted on the book's
    orders gives every fading account a probability alive well below 0.5, and every
    healthy account one near 1."""
    from accord.clv import account_outlook

    orders = pl.read_csv(book.path / "orders.csv", try_parse_dates=True)
    outlook = account_outlook(orders, book.as_of, model="paretonbd")
    table = outlook.table.join(book.truth, on="account_id")
    fading = table.filter(pl.col("patterns").str.contains("fading"))["p_alive"]
    healthy = table.filter(pl.col("patterns") == "healthy")["p_alive"]
    assert fading.len() > 50
    assert fading.max() < 0.25  # type: ignore[operator]
    assert healthy.min() > 0.9  # type: ignore[operator]
