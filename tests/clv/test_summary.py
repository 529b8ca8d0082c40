"""From transactions to (frequency, recency, T, monetary value) and holdout counts."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from accord.clv import ClvError, TransactionsError, read_transactions, summarize


def _rows(*rows: tuple[str, str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "date": [date.fromisoformat(r[1]) for r in rows],
            "amount": [r[2] for r in rows],
        }
    )


def test_a_hand_worked_example() -> None:
    rows = _rows(
        ("a", "2024-01-01", 10.0),
        ("a", "2024-01-01", 5.0),  # same day: one purchase of 15
        ("a", "2024-01-15", 20.0),
        ("a", "2024-01-29", 40.0),
        ("a", "2024-03-01", 7.0),  # holdout
        ("b", "2024-01-08", 12.0),
        ("c", "2024-02-20", 9.0),  # first purchase after the calibration end: not in the cohort
    )
    out = summarize(rows, date(2024, 2, 5), observation_end=date(2024, 3, 4), time_unit="weeks")
    assert out["customer_id"].to_list() == ["a", "b"]
    a, b = out.row(0, named=True), out.row(1, named=True)
    assert a["frequency"] == 2
    assert a["recency"] == pytest.approx(4.0)  # 28 days
    assert a["T"] == pytest.approx(5.0)  # 35 days
    assert a["monetary_value"] == pytest.approx(30.0)  # mean of the repeat purchases, not the first
    assert a["frequency_holdout"] == 1
    assert a["monetary_value_holdout"] == pytest.approx(7.0)
    assert a["duration_holdout"] == pytest.approx(4.0)
    assert (b["frequency"], b["recency"], b["T"], b["monetary_value"]) == (0, 0.0, 4.0, 0.0)
    days = summarize(rows, date(2024, 2, 5), time_unit="days")
    assert days.row(0, named=True)["T"] == 35.0


def test_calibration_end_before_the_first_purchase_is_refused() -> None:
    rows = _rows(("a", "2024-01-01", 10.0))
    with pytest.raises(ClvError, match="before the first purchase"):
        summarize(rows, date(2023, 12, 31))


def test_unknown_time_unit() -> None:
    with pytest.raises(ClvError, match="unknown time unit"):
        summarize(_rows(("a", "2024-01-01", 1.0)), date(2024, 2, 1), time_unit="months")  # type: ignore[arg-type]


def test_reading_locates_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "customer_id,date,amount\n"
        "1,2024-01-01,10\n"
        "1,2024-02-30,10\n"  # no such day
        "2,2024-01-03,-5\n"
        "3,yesterday,abc\n"
    )
    with pytest.raises(TransactionsError) as caught:
        read_transactions(path)
    text = [str(p) for p in caught.value.problems]
    assert text == [
        f"{path}, line 3, column date: cannot read '2024-02-30' as a date (expected YYYY-MM-DD)",
        f"{path}, line 4, column amount: negative amount -5 (amounts must be >= 0)",
        f"{path}, line 5, column date: cannot read 'yesterday' as a date (expected YYYY-MM-DD)",
        f"{path}, line 5, column amount: cannot read 'abc' as a number",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("customer_id,date,amount\n", "no transactions (only a header)"),
        ("customer,date,amount\n1,2024-01-01,3\n", "missing column customer_id"),
    ],
)
def test_reading_refuses_empty_or_malformed_files(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(content)
    with pytest.raises(TransactionsError, match=re.escape(message)):
        read_transactions(path)


def test_reading_cdnow_files(cdnow_path: Path) -> None:
    sample = read_transactions(cdnow_path / "CDNOW_sample.txt", input_format="cdnow")
    assert sample.height == 6919
    assert sample["customer_id"].n_unique() == 2357
    assert sample.row(0, named=True) == {
        "customer_id": "1",
        "date": date(1997, 1, 1),
        "amount": 29.33,
        "line": 1,
    }
    master = read_transactions(cdnow_path / "CDNOW_master.txt", input_format="cdnow")
    assert master.height == 69659
    assert master["customer_id"].n_unique() == 23570


def test_reading_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TransactionsError, match="cannot read"):
        read_transactions(tmp_path / "nope.csv")


def test_summary_is_reproducible_whatever_the_row_order(cdnow_sample) -> None:  # type: ignore[no-untyped-def]
    from tests.clv.conftest import CALIBRATION_END

    rows = cdnow_sample.transactions
    reference = summarize(rows, CALIBRATION_END)
    for seed in (1, 2):
        shuffled = summarize(rows.sample(fraction=1.0, shuffle=True, seed=seed), CALIBRATION_END)
        assert shuffled.equals(reference)  # bit for bit: sums add in one order
