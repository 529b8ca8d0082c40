"""The lifetime-value outlook of each account, as of a date: the product-facing function.

From an account's orders (`account_id, ordered_on, amount`) up to the as-of
date, in weeks:

* a purchase model (Pareto/NBD by default: unlike BG/NBD it lets a customer
  with a single order fade) fitted on all accounts gives the probability each
  account is still active and its expected orders over the next 12 months;
* a Gamma-Gamma spend model, when enough accounts reordered, gives the expected
  value per order (its conditional mean); otherwise the account's own mean
  order value is used;
* expected value over 12 months = expected orders × expected value per order.

**Horizon label** — "friends for a reason, a season or a lifetime". With the
thresholds of `HorizonRule` (defaults in brackets), in this order:

1. ``reason`` — probability alive below `reason_below` (0.3), or a single order
   and fewer than `one_off_below` (0.5) orders expected in the next 12 months:
   the relationship served one need and is over, or about to be.
2. ``lifetime`` — probability alive at least `lifetime_from` (0.7), at least
   `lifetime_min_repeat` (2) repeat orders, and at least `lifetime_min_orders`
   (1) order expected in the next 12 months: an established relationship the
   model expects to keep producing business.
3. ``season`` — everything else: active for a period, cooling, or not yet proven.

When the model cannot be fitted (too few accounts, nobody reordered, no
convergence, any numerical failure) the model columns are null and `note` says
why, per account and for the book: callers treat them as unknown, never as
zero, and go on.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from accord.clv.bgnbd import BGNBD
from accord.clv.errors import ClvError
from accord.clv.gammagamma import GammaGamma
from accord.clv.paretonbd import ParetoNBD
from accord.clv.summary import summarize
from accord.clv.value import WEEKS_PER_YEAR

PurchaseModelName = Literal["paretonbd", "bgnbd"]
NO_ORDERS = "no orders on or before the as-of date"  # the reason an account has no outlook
HORIZON_LABELS = ("reason", "season", "lifetime")


@dataclass(frozen=True, slots=True)
class HorizonRule:
    """Thresholds of the reason / season / lifetime label (see the module docstring)."""

    reason_below: float = 0.3
    one_off_below: float = 0.5
    lifetime_from: float = 0.7
    lifetime_min_repeat: int = 2
    lifetime_min_orders: float = 1.0

    def expression(self) -> pl.Expr:
        """The label as a polars expression over p_alive, frequency, expected_orders_12m."""
        p_alive = pl.col("p_alive")
        expected = pl.col("expected_orders_12m")
        repeat = pl.col("frequency")
        return (
            pl.when(p_alive.is_null())
            .then(pl.lit(None, dtype=pl.String))
            .when((p_alive < self.reason_below) | ((repeat == 0) & (expected < self.one_off_below)))
            .then(pl.lit("reason"))
            .when(
                (p_alive >= self.lifetime_from)
                & (repeat >= self.lifetime_min_repeat)
                & (expected >= self.lifetime_min_orders)
            )
            .then(pl.lit("lifetime"))
            .otherwise(pl.lit("season"))
        )


@dataclass(frozen=True, slots=True)
class AccountOutlook:
    """Per-account figures, the fitted models (None when not fitted) and why, if not."""

    table: pl.DataFrame
    model: BGNBD | ParetoNBD | None
    spend_model: GammaGamma | None
    note: str | None


def account_outlook(
    orders: pl.DataFrame,
    as_of: date,
    *,
    model: PurchaseModelName = "paretonbd",
    min_accounts: int = 10,
    min_repeat_buyers: int = 5,
    rule: HorizonRule | None = None,
) -> AccountOutlook:
    """Probability alive, expected orders and value over 12 months, and a horizon label.

    `orders` needs `account_id`, `ordered_on` (Date) and `amount`; orders after
    `as_of` are ignored, and so are accounts whose first order is after it.
    Columns of the table: account_id, orders, first_order_on, last_order_on,
    frequency (repeat orders), recency_weeks, age_weeks, p_alive,
    expected_orders_12m, expected_value_12m, horizon, note (why the model's figures
    are unknown for the account, null where they are known).

    Total: whatever the orders, it returns (a model that cannot be fitted, or whose
    predictions fail, leaves the figures unknown with the reason in `note`); only
    orders without the needed columns are a ClvError.
    """
    missing = [c for c in ("account_id", "ordered_on", "amount") if c not in orders.columns]
    if missing:
        raise ClvError(f"orders need the columns account_id, ordered_on, amount; missing {missing}")
    rule = rule or HorizonRule()
    rows = orders.select(
        pl.col("account_id").cast(pl.String).alias("customer_id"),
        pl.col("ordered_on").cast(pl.Date).alias("date"),
        pl.col("amount").cast(pl.Float64),
    ).filter(pl.col("date") <= pl.lit(as_of))
    if rows.height == 0:
        return AccountOutlook(_empty(), None, None, NO_ORDERS)
    ordered = rows.sort("customer_id", "date", "amount")
    stats = summarize(ordered, as_of, observation_end=as_of, time_unit="weeks", ordered=True)
    customer = pl.col("customer_id")
    # Sorted, each customer is a run of rows: numbered runs group without hashing.
    run = ordered.select((customer != customer.shift(1)).fill_null(True).cum_sum().alias("_run"))
    counts = (
        ordered.with_columns(run["_run"].set_sorted())
        .group_by("_run", maintain_order=True)
        .agg(
            customer.first(),
            pl.len().alias("orders"),
            pl.col("date").min().alias("first_order_on"),
            pl.col("date").max().alias("last_order_on"),
            pl.col("amount").mean().alias("mean_order_value"),
        )
        .drop("_run")
    )
    stats = stats.join(counts, on="customer_id", maintain_order="left")
    x = stats["frequency"].to_numpy().astype(np.float64)
    tx = stats["recency"].to_numpy()
    t_cal = stats["T"].to_numpy()
    repeaters = stats.filter((pl.col("frequency") > 0) & (pl.col("monetary_value") > 0))
    fitted: BGNBD | ParetoNBD | None = None
    note: str | None = None
    n = stats.height
    unknown = pl.Series("_unknown", [None] * n, dtype=pl.Float64)
    p_alive = unknown.alias("p_alive")
    expected = unknown.alias("expected_orders_12m")
    value = unknown.alias("expected_value_12m")
    # The spend model does not depend on the purchase model: it is fitted beside it, on
    # another core (used only when the purchase model is fitted too).
    with ThreadPoolExecutor(max_workers=1) as pool:
        spend_job = (
            pool.submit(_spend_model, repeaters)
            if n >= min_accounts and repeaters.height >= min_repeat_buyers
            else None
        )
        distinct = stats.select("frequency", "recency", "T").n_unique() if n else 0
        if n < min_accounts:
            note = f"{n} accounts with orders; the model needs at least {min_accounts}"
        elif distinct < 2:
            # One history for every account: whatever the fit, it could not tell them apart.
            note = (
                f"all {n} accounts have the same order history (orders, recency and age): "
                "the model needs at least two different ones"
            )
        else:
            try:
                fitted = (ParetoNBD() if model == "paretonbd" else BGNBD()).fit(x, tx, t_cal)
            except ClvError as exc:
                note = f"the purchase model could not be fitted: {exc}"
            except _NUMERIC as exc:  # a numerical failure the fit did not foresee
                note = f"the purchase model could not be fitted: {type(exc).__name__}: {exc}"
        spend_model = spend_job.result() if spend_job is not None and fitted is not None else None
        if fitted is not None:
            try:
                # Array arithmetic lets go of the interpreter: the two run side by side.
                alive_job = pool.submit(fitted.probability_alive, x, tx, t_cal)
                ahead = fitted.conditional_expected_purchases(WEEKS_PER_YEAR, x, tx, t_cal)
                if spend_model is not None:
                    spend = spend_model.conditional_expected_spend(
                        x, stats["monetary_value"].to_numpy()
                    )
                else:
                    spend = stats["mean_order_value"].to_numpy()
                alive = alive_job.result()
            except (ClvError, *_NUMERIC) as exc:
                fitted, spend_model = None, None
                note = f"the purchase model's predictions failed: {exc}"
            else:
                p_alive = _finite("p_alive", alive, 0.0, 1.0)
                expected = _finite("expected_orders_12m", ahead, 0.0, np.inf)
                value = _finite("expected_value_12m", ahead * spend, 0.0, np.inf)
    # Per account, why its figures are unknown (null where they are known).
    why = pl.lit(note, dtype=pl.String) if note is not None else pl.lit(_NO_FIGURE)
    table = (
        stats.with_columns(p_alive, expected, value)
        .select(
            pl.col("customer_id").alias("account_id"),
            pl.col("orders").cast(pl.Int64),
            "first_order_on",
            "last_order_on",
            "frequency",
            pl.col("recency").alias("recency_weeks"),
            pl.col("T").alias("age_weeks"),
            "p_alive",
            "expected_orders_12m",
            "expected_value_12m",
        )
        .with_columns(
            rule.expression().alias("horizon"),
            pl.when(pl.col("p_alive").is_null() | pl.col("expected_value_12m").is_null())
            .then(why)
            .otherwise(None)
            .alias("note"),
        )
        .sort("account_id")
    )
    return AccountOutlook(table, fitted, spend_model, note)


_NUMERIC = (ArithmeticError, ValueError, np.linalg.LinAlgError)
_NO_FIGURE = "the model gave no finite figure for this account"


def _finite(name: str, values: npt.ArrayLike, low: float, high: float) -> pl.Series:
    """The model's figures, null (unknown) where not finite, and clipped into [low, high]
    against rounding (a probability of 1 + 1e-16 is 1)."""
    arr = np.clip(np.asarray(values, dtype=np.float64), low, high)
    return pl.Series(name, np.where(np.isfinite(arr), arr, np.nan), nan_to_null=True)


def _spend_model(repeaters: pl.DataFrame) -> GammaGamma | None:
    """Gamma-Gamma fitted on the repeat buyers, or None when it cannot be (or its mean
    spend would be infinite: q ≤ 1)."""
    try:
        model = GammaGamma().fit(
            repeaters["frequency"].to_numpy(), repeaters["monetary_value"].to_numpy()
        )
    except (ClvError, *_NUMERIC):
        return None
    return model if model.params_ is not None and model.params_["q"] > 1 else None


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "account_id": pl.String,
            "orders": pl.Int64,
            "first_order_on": pl.Date,
            "last_order_on": pl.Date,
            "frequency": pl.Int64,
            "recency_weeks": pl.Float64,
            "age_weeks": pl.Float64,
            "p_alive": pl.Float64,
            "expected_orders_12m": pl.Float64,
            "expected_value_12m": pl.Float64,
            "horizon": pl.String,
            "note": pl.String,
        }
    )


__all__ = ["HORIZON_LABELS", "NO_ORDERS", "AccountOutlook", "HorizonRule", "account_outlook"]
