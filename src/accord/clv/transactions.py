"""Reading transaction rows `customer_id, date, amount`, with located errors.

Two formats:

* ``csv`` — a UTF-8 CSV file with a header holding (at least) the columns
  `customer_id`, `date` (ISO `YYYY-MM-DD`) and `amount` (a non-negative number).
* ``cdnow`` — the whitespace-separated CDNOW files as distributed (Fader & Hardie):
  `customer_id date(YYYYMMDD) number_of_cds dollar_value`, with or without a
  header line (CDNOW_master.txt), or with a second id column (CDNOW_sample.txt:
  the master id, then the sample's own 1..2357 id, which is the one used).

Every problem is reported with file, line and column; nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import polars as pl

from accord.clv.errors import Problem, TransactionsError

InputFormat = Literal["csv", "cdnow"]
REQUIRED = ("customer_id", "date", "amount")
_SHOWN = 20


def read_transactions(path: str | Path, *, input_format: InputFormat = "csv") -> pl.DataFrame:
    """Rows `customer_id` (str), `date` (Date), `amount` (f64), `line` (the file's line number)."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        problem = Problem(str(file), None, None, f"cannot read: {exc.strerror}")
        raise TransactionsError([problem]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TransactionsError(
            [Problem(str(file), None, None, f"not UTF-8 text (byte {exc.start})")]
        ) from None
    if not text.strip():
        raise TransactionsError([Problem(str(file), None, None, "the file is empty")])
    if input_format == "cdnow":
        frame, date_format = _cdnow_frame(str(file), text), "%Y%m%d"
    else:
        frame, date_format = _csv_frame(str(file), text), "%Y-%m-%d"
    return _typed(str(file), frame, date_format)


def _csv_frame(name: str, text: str) -> pl.DataFrame:
    lines = text.splitlines()
    header = [h.strip() for h in lines[0].split(",")]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise TransactionsError(
            [
                Problem(
                    name,
                    1,
                    None,
                    f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                    f"(the header must name {', '.join(REQUIRED)})",
                )
            ]
        )
    try:
        frame = pl.read_csv(
            text.encode(),
            infer_schema=False,
            new_columns=header,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TransactionsError(
            [Problem(name, None, None, f"not a valid CSV file: {first}")]
        ) from None
    if frame.height == 0:
        raise TransactionsError([Problem(name, None, None, "no transactions (only a header)")])
    # Line numbers: the header is line 1; polars skips blank lines, so count them out.
    numbers = [i for i, line in enumerate(lines[1:], start=2) if line.strip()]
    if len(numbers) != frame.height:  # quoted newlines: fall back to row positions
        numbers = list(range(2, frame.height + 2))
    return frame.select(
        pl.col("customer_id"), pl.col("date"), pl.col("amount"), pl.Series("line", numbers)
    )


def _cdnow_frame(name: str, text: str) -> pl.DataFrame:
    ids: list[str] = []
    dates: list[str] = []
    amounts: list[str] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    width = 0
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        if not numbers and not problems and not tokens[0].isdigit():
            continue  # the header line of CDNOW_master.txt
        if width == 0:
            width = len(tokens)
            if width not in (4, 5):
                raise TransactionsError(
                    [
                        Problem(
                            name,
                            number,
                            None,
                            f"expected 4 fields (customer_id date number_of_cds dollar_value) "
                            f"or 5 (with a sample id), found {width}",
                        )
                    ]
                )
        if len(tokens) != width:
            problems.append(
                Problem(name, number, None, f"expected {width} fields, found {len(tokens)}")
            )
            continue
        ids.append(tokens[width - 4].lstrip("0") or "0")
        dates.append(tokens[width - 3])
        amounts.append(tokens[width - 1])
        numbers.append(number)
    if problems:
        raise TransactionsError(problems[:_SHOWN], total=len(problems))
    if not numbers:
        raise TransactionsError([Problem(name, None, None, "no transactions in the file")])
    return pl.DataFrame(
        {"customer_id": ids, "date": dates, "amount": amounts, "line": numbers},
        schema={"customer_id": pl.String, "date": pl.String, "amount": pl.String, "line": pl.Int64},
    )


def _typed(name: str, frame: pl.DataFrame, date_format: str) -> pl.DataFrame:
    typed = frame.with_columns(
        pl.col("customer_id").str.strip_chars(),
        pl.col("date").str.strip_chars().str.to_date(date_format, strict=False).alias("_date"),
        pl.col("amount").str.strip_chars().cast(pl.Float64, strict=False).alias("_amount"),
    )
    checks: list[tuple[str, pl.Expr, Callable[[dict[str, Any]], str]]] = [
        (
            "customer_id",
            pl.col("customer_id").is_null() | (pl.col("customer_id") == ""),
            lambda row: "empty customer id",
        ),
        (
            "date",
            pl.col("_date").is_null(),
            lambda row: f"cannot read {row['date']!r} as a date ({_describe(date_format)})",
        ),
        (
            "amount",
            pl.col("_amount").is_null() | ~pl.col("_amount").is_finite(),
            lambda row: f"cannot read {row['amount']!r} as a number",
        ),
        (
            "amount",
            pl.col("_amount") < 0,
            lambda row: f"negative amount {row['amount']} (amounts must be >= 0)",
        ),
    ]
    problems: list[tuple[int, Problem]] = []
    total = 0
    for column, bad, describe in checks:
        rows = typed.filter(bad)
        total += rows.height
        for row in rows.head(_SHOWN).iter_rows(named=True):
            problems.append((row["line"], Problem(name, row["line"], column, describe(row))))
    if total:
        problems.sort(key=lambda item: item[0])
        raise TransactionsError([p for _, p in problems[:_SHOWN]], total=total)
    return typed.select(
        pl.col("customer_id"),
        pl.col("_date").alias("date"),
        pl.col("_amount").alias("amount"),
        pl.col("line"),
    )


def _describe(date_format: str) -> str:
    return "expected YYYY-MM-DD" if date_format == "%Y-%m-%d" else "expected YYYYMMDD"


__all__ = ["REQUIRED", "InputFormat", "read_transactions"]
