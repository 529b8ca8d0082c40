"""From transaction rows to each customer's sufficient statistics, vectorised.

For a calibration end date and a time unit, per customer whose first purchase
falls on or before the calibration end:

* frequency — repeat purchases in the calibration period; several rows on one
  day are one purchase (their amounts are added);
* recency — time from the first to the last purchase in the calibration period;
* T — time from the first purchase to the calibration end;
* monetary_value — mean value of the repeat purchases (0 without any);
* frequency_holdout, monetary_value_holdout — purchases (days with purchases)
  after the calibration end up to the observation end, and their mean value;
* duration_holdout — length of that holdout period.

Times are in days or weeks (7 days), counted from dates, as in the papers.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import polars as pl

from accord.clv.errors import ClvError

TimeUnit = Literal["days", "weeks"]
DAYS_PER_UNIT: dict[str, float] = {"days": 1.0, "weeks": 7.0}


def unit_days(time_unit: str) -> float:
    """Days in one time unit; a ClvError for an unknown unit."""
    try:
        return DAYS_PER_UNIT[time_unit]
    except KeyError:
        raise ClvError(f"unknown time unit {time_unit!r}: use days or weeks") from None


def daily_purchases(transactions: pl.DataFrame, *, ordered: bool = False) -> pl.DataFrame:
    """One row per customer and day with purchases: `customer_id, date, amount` (summed).

    Rows are sorted first, so that every sum adds the same numbers in the same
    order whatever the order of the input: the statistics (and so the fits) are
    reproducible to the last bit. With `ordered`, the caller has sorted them
    already by customer_id, date, amount.
    """
    if not ordered:
        transactions = transactions.sort("customer_id", "date", "amount")
    # Sorted, each (customer, day) is a run of rows: number the runs and sum each in place,
    # which is several times faster than hashing the (customer, day) keys.
    customer, day = pl.col("customer_id"), pl.col("date")
    starts = ((customer != customer.shift(1)) | (day != day.shift(1))).fill_null(True)
    run = transactions.select(starts.cum_sum().alias("_run"))["_run"].set_sorted()
    return (
        transactions.with_columns(run)
        .group_by("_run", maintain_order=True)
        .agg(customer.first(), day.first(), pl.col("amount").sum())
        .drop("_run")
    )


def summarize(
    transactions: pl.DataFrame,
    calibration_end: date,
    *,
    observation_end: date | None = None,
    time_unit: TimeUnit = "weeks",
    ordered: bool = False,
) -> pl.DataFrame:
    """Per-customer (frequency, recency, T, monetary_value) and holdout counts.

    `transactions` holds `customer_id`, `date` (Date) and `amount`. Customers
    whose first purchase is after `calibration_end` are not in the cohort and
    are left out. `observation_end` defaults to the last date in the data.
    `ordered`: the rows are sorted by customer_id, date, amount already.
    """
    days = unit_days(time_unit)
    if transactions.height == 0:
        raise ClvError("no transactions")
    daily = daily_purchases(transactions.select("customer_id", "date", "amount"), ordered=ordered)
    first_day = daily["date"].min()
    last_day = daily["date"].max()
    assert isinstance(first_day, date)
    assert isinstance(last_day, date)
    if calibration_end < first_day:
        raise ClvError(
            f"the calibration end {calibration_end.isoformat()} is before the first purchase "
            f"({first_day.isoformat()}): no customer is in the calibration period"
        )
    end = observation_end if observation_end is not None else max(last_day, calibration_end)
    if end < calibration_end:
        raise ClvError(
            f"the observation end {end.isoformat()} is before the calibration end "
            f"{calibration_end.isoformat()}"
        )
    cal_end = pl.lit(calibration_end)
    # `daily` is sorted by customer, then day: each customer is a run of rows (numbered
    # here, so that grouping needs no hashing) whose first row is the first purchase.
    customer, day, amount = pl.col("customer_id"), pl.col("date"), pl.col("amount")
    starts = (customer != customer.shift(1)).fill_null(True)
    in_cal = day <= cal_end
    in_hold = (day > cal_end) & (day <= pl.lit(end))
    run = daily.select(starts.cum_sum().alias("_customer"))["_customer"].set_sorted()
    per = (
        daily.with_columns(
            run,
            in_cal.alias("_in_cal"),
            pl.when(in_cal).then(day).alias("_cal_day"),
            (in_cal & ~starts).alias("_is_repeat"),
            in_hold.alias("_in_hold"),
        )
        .group_by("_customer", maintain_order=True)
        .agg(
            customer.first(),
            day.first().alias("first_purchase"),
            pl.col("_in_cal").sum().alias("_n_cal"),
            pl.col("_cal_day").max().alias("_last_cal"),
            amount.filter(pl.col("_is_repeat")).sum().alias("_repeat_value"),
            pl.col("_in_hold").sum().alias("frequency_holdout"),
            amount.filter(pl.col("_in_hold")).sum().alias("_hold_value"),
        )
        .filter(pl.col("first_purchase") <= cal_end)
        .drop("_customer")
    )

    def span(a: pl.Expr, b: pl.Expr) -> pl.Expr:
        return (a - b).dt.total_days().cast(pl.Float64) / days

    frequency = (pl.col("_n_cal") - 1).cast(pl.Int64)
    return per.select(
        pl.col("customer_id"),
        frequency.alias("frequency"),
        span(pl.col("_last_cal"), pl.col("first_purchase")).alias("recency"),
        span(cal_end, pl.col("first_purchase")).alias("T"),
        pl.when(frequency > 0)
        .then(pl.col("_repeat_value") / frequency)
        .otherwise(0.0)
        .alias("monetary_value"),
        pl.col("frequency_holdout").cast(pl.Int64),
        pl.when(pl.col("frequency_holdout") > 0)
        .then(pl.col("_hold_value") / pl.col("frequency_holdout"))
        .otherwise(0.0)
        .alias("monetary_value_holdout"),
        pl.lit((end - calibration_end).days / days).alias("duration_holdout"),
        pl.col("first_purchase"),
    ).sort("customer_id")


__all__ = ["DAYS_PER_UNIT", "TimeUnit", "daily_purchases", "summarize", "unit_days"]
