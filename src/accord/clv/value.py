"""Customer lifetime value: expected purchases × expected spend, discounted.

    CLV = Σ_i  spend · (E[Y(t_i)] - E[Y(t_{i-1})]) / (1 + d)^(t_i / periods_per_year)

over steps t_i = step, 2·step, … up to the horizon, where E[Y(t)] is the
purchase model's conditional expectation of purchases in (T, T+t] and `spend`
the expected value per purchase (e.g. the Gamma-Gamma conditional mean). Each
step's purchases are discounted at its end, at the annual rate d.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from accord.clv._fitting import ArrayLike, FloatArray
from accord.clv.errors import ClvError

WEEKS_PER_YEAR = 365.25 / 7.0


class PurchaseModel(Protocol):
    """What CLV needs from a purchase model (BGNBD, ParetoNBD)."""

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray: ...


def customer_lifetime_value(
    model: PurchaseModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    spend: ArrayLike,
    *,
    horizon: float,
    discount_rate: float = 0.10,
    periods_per_year: float = WEEKS_PER_YEAR,
    step: float | None = None,
) -> FloatArray:
    """Discounted expected value of each customer's purchases over the next `horizon`.

    `horizon` and `step` are in the model's time unit (weeks by default, with
    `periods_per_year` = 52.18); `step` defaults to a month. `discount_rate` is
    annual.
    """
    if not (horizon > 0 and math.isfinite(horizon)):
        raise ClvError(f"horizon must be positive, got {horizon}")
    if discount_rate <= -1:
        raise ClvError(f"discount_rate must be above -100%, got {discount_rate}")
    width = periods_per_year / 12.0 if step is None else step
    if width <= 0:
        raise ClvError(f"step must be positive, got {width}")
    n_steps = max(1, math.ceil(horizon / width - 1e-9))
    ends = np.minimum(np.arange(1, n_steps + 1) * width, horizon)
    x = np.atleast_1d(np.asarray(frequency, dtype=np.float64))
    cumulative = model.conditional_expected_purchases(ends[:, None], x, recency, T)
    cumulative = np.broadcast_to(cumulative, (n_steps, len(x)))
    increments = np.diff(cumulative, axis=0, prepend=0.0)
    factors = (1.0 + discount_rate) ** (-ends / periods_per_year)
    value: FloatArray = (factors @ increments) * np.asarray(spend, dtype=np.float64)
    return value


__all__ = ["WEEKS_PER_YEAR", "PurchaseModel", "customer_lifetime_value"]
