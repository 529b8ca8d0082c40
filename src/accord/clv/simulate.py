"""Draw data from the models, for parameter-recovery checks and demos.

Each simulator follows its model's story exactly, vectorised over customers:

* BG/NBD — λ ~ Gamma(r, α), p ~ Beta(a, b); purchases are Poisson(λ) while
  active and the customer drops out after each repeat purchase with chance p.
* Pareto/NBD — λ ~ Gamma(r, α), μ ~ Gamma(s, β); purchases are Poisson(λ) for an
  exponential(μ) lifetime.
* Gamma-Gamma — ν ~ Gamma(q, γ); each transaction is Gamma(p, ν), so the mean of
  x transactions is Gamma(px, xν).

Rates are per unit of the T given (e.g. weeks); `rng` makes runs repeatable.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from accord.clv._fitting import ArrayLike, FloatArray, as_float_array


def _order_statistic(rng: np.random.Generator, k: FloatArray, n: FloatArray) -> FloatArray:
    """The k-th smallest of n uniforms on (0, 1) (0 where k = 0): Beta(k, n-k+1)."""
    out = np.zeros_like(k)
    some = k > 0
    out[some] = rng.beta(k[some], n[some] - k[some] + 1.0)
    return out


def simulate_bgnbd(
    T: ArrayLike, r: float, alpha: float, a: float, b: float, *, rng: np.random.Generator
) -> dict[str, FloatArray]:
    """(frequency, recency, T) of customers observed for T under BG/NBD(r, α, a, b)."""
    t_cal = as_float_array(T, "T")
    lam = rng.gamma(r, 1.0 / alpha, size=len(t_cal))
    p = rng.beta(a, b, size=len(t_cal))
    n_if_alive = rng.poisson(lam * t_cal).astype(np.float64)
    drop_after = rng.geometric(p).astype(np.float64)  # repeat purchase after which he leaves
    x = np.minimum(n_if_alive, drop_after)
    tx = t_cal * _order_statistic(rng, x, n_if_alive)
    return {"frequency": x, "recency": tx, "T": t_cal}


def simulate_paretonbd(
    T: ArrayLike, r: float, alpha: float, s: float, beta: float, *, rng: np.random.Generator
) -> dict[str, FloatArray]:
    """(frequency, recency, T) of customers observed for T under Pareto/NBD(r, α, s, β)."""
    t_cal = as_float_array(T, "T")
    lam = rng.gamma(r, 1.0 / alpha, size=len(t_cal))
    mu = rng.gamma(s, 1.0 / beta, size=len(t_cal))
    lifetime = rng.exponential(1.0 / mu)
    window = np.minimum(lifetime, t_cal)
    x = rng.poisson(lam * window).astype(np.float64)
    tx = window * _order_statistic(rng, x, x)
    return {"frequency": x, "recency": tx, "T": t_cal}


def simulate_gammagamma(
    frequency: ArrayLike, p: float, q: float, gamma: float, *, rng: np.random.Generator
) -> FloatArray:
    """Mean transaction value of each customer's `frequency` (>= 1) transactions."""
    x = as_float_array(frequency, "frequency")
    nu = rng.gamma(q, 1.0 / gamma, size=len(x))
    out: FloatArray = rng.gamma(p * x, 1.0 / (x * nu))
    return out


def simulate_transactions(
    n_customers: int,
    *,
    start: date,
    end: date,
    acquisition_days: int = 90,
    r: float = 0.55,
    alpha: float = 10.6,
    s: float = 0.61,
    beta: float = 11.7,
    p: float = 6.25,
    q: float = 3.74,
    gamma: float = 15.44,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Rows `customer_id, date, amount` from a Pareto/NBD + Gamma-Gamma world (rates per week).

    Customers make their first purchase uniformly over `acquisition_days` from
    `start`; purchases run until `end`. Defaults are the CDNOW estimates.
    """
    birth = rng.integers(0, acquisition_days, size=n_customers)
    horizon = (end - start).days - birth  # days each customer can be observed
    lam = rng.gamma(r, 1.0 / alpha, size=n_customers) / 7.0  # per day
    mu = rng.gamma(s, 1.0 / beta, size=n_customers) / 7.0
    window = np.minimum(rng.exponential(1.0 / mu), horizon)
    repeats = rng.poisson(lam * window)
    nu = rng.gamma(q, 1.0 / gamma, size=n_customers)
    owner = np.repeat(np.arange(n_customers), repeats + 1)
    offset = rng.uniform(0.0, 1.0, size=len(owner)) * window[owner]
    first = np.r_[0, np.cumsum(repeats + 1)[:-1]]
    offset[first] = 0.0  # each customer's first purchase
    day = birth[owner] + np.floor(offset).astype(np.int64)
    amount = np.round(rng.gamma(p, 1.0 / nu[owner]), 2)
    dates = np.datetime64(start) + day.astype("timedelta64[D]")
    frame = pl.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in owner],
            "date": dates,
            "amount": amount,
        }
    ).with_columns(pl.col("date").cast(pl.Date))
    return frame.filter(pl.col("date") <= pl.lit(end - timedelta(days=0))).sort(
        "customer_id", "date"
    )


__all__ = [
    "simulate_bgnbd",
    "simulate_gammagamma",
    "simulate_paretonbd",
    "simulate_transactions",
]
