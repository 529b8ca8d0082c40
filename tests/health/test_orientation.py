"""The transactional ↔ relational index on hand-built books (docs/health.md, Orientation)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.health.book import Book, ago


def _orientation(tmp_path: Path, book: Book, account: str) -> dict[str, object]:
    accounts = book.diagnose(tmp_path).accounts
    row = accounts.filter(pl.col("account_id") == account)
    return row.select("off_cycle_value_share", "follow_up_rate", "orientation").row(0, named=True)


def test_value_added_with_no_order_in_sight_is_off_cycle(tmp_path: Path) -> None:
    """An account that never orders: its insight and support are not in any run-up."""
    book = Book()
    book.start("NOORDER")
    book.touch(ago(100), purpose="insight")
    book.touch(ago(60), purpose="support")
    book.touch(ago(20), purpose="pitch")
    got = _orientation(tmp_path, book, "NOORDER")
    assert got["follow_up_rate"] is None  # no order to follow up
    assert got == {
        "off_cycle_value_share": pytest.approx(2 / 3),
        "follow_up_rate": None,
        "orientation": pytest.approx(200 / 3),
    }


def test_value_added_just_before_an_order_is_in_its_run_up(tmp_path: Path) -> None:
    """Insight 10 days before an order is run-up (30 days by default); 100 days before is not."""
    book = Book()
    book.start("RUNUP")
    book.touch(ago(200), purpose="insight")  # 100 days before the order: off-cycle
    book.touch(ago(110), purpose="insight")  # 10 days before it: run-up
    book.order(ago(100), 1000.0)
    book.touch(ago(95), purpose="social")  # follows the order up within 14 days
    got = _orientation(tmp_path, book, "RUNUP")
    assert got == {
        "off_cycle_value_share": pytest.approx(1 / 3),
        "follow_up_rate": 1.0,
        "orientation": pytest.approx(200 / 3),
    }
