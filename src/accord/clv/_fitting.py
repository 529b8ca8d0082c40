"""Maximum likelihood shared by the models: sufficient statistics, optimiser, fitter base.

Every model writes one function, ``loglik(params, order)``, returning the total
(weighted) log-likelihood of its collapsed data in *natural* parameters, and when
asked its analytic gradient (order 1) and Hessian (order 2). This module
optimises it over log-parameters with a Newton trust-region method (scipy's
``trust-exact``), which needs a handful of iterations, and turns the Hessian at
the maximum into standard errors.

Customers with the same sufficient statistics contribute the same likelihood,
so the data are first collapsed into distinct rows with a weight each: the
cost of every likelihood evaluation grows with the number of distinct
histories, not with the number of customers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import optimize

from accord.clv.errors import ClvError, ConvergenceError, IdentificationError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ArrayLike = npt.ArrayLike

#: loglik(params, order) -> (value, gradient or None, Hessian or None), natural parameters.
LogLik = Callable[[FloatArray, int], tuple[float, FloatArray | None, FloatArray | None]]

_POLARS_ABOVE = 200_000  # rows above which collapsing goes through polars (multi-threaded hash)
_RUNAWAY = 23.0  # |log parameter| beyond which we say the likelihood has no interior maximum


_BLAS_SAFE = 8192  # OpenBLAS runs dot products of up to 10,000 elements on one thread


def dot(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> float:
    """Σ a·b, avoiding threaded BLAS: OpenBLAS threads long dot products, which on a
    busy machine costs milliseconds of waiting for cores instead of microseconds of
    work. Short ones go to BLAS (less call overhead than einsum)."""
    if len(a) <= _BLAS_SAFE:
        return float(a @ b)
    return float(np.einsum("i,i->", a, b))


def as_float_array(values: ArrayLike, name: str) -> FloatArray:
    """A 1-D float64 array of finite values, or a ClvError naming `name`."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ClvError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ClvError(f"{name} contains missing or infinite values")
    return arr


def collapse(
    columns: Sequence[FloatArray], weights: FloatArray | None = None
) -> tuple[list[FloatArray], FloatArray]:
    """Distinct rows of `columns` and the total weight of each (sorted lexicographically)."""
    n = len(columns[0])
    w = np.ones(n) if weights is None else weights
    if n == 0:
        return [c.copy() for c in columns], w.copy()
    if n > _POLARS_ABOVE:
        names = [f"c{i}" for i in range(len(columns))]
        frame = pl.DataFrame({**dict(zip(names, columns, strict=True)), "w": w})
        grouped = frame.group_by(names).agg(pl.col("w").sum()).sort(names)
        return [grouped[c].to_numpy().astype(np.float64) for c in names], grouped[
            "w"
        ].to_numpy().astype(np.float64)
    order = _lex_order(columns)
    sorted_cols = [c[order] for c in columns]
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for c in sorted_cols:
        change[1:] |= c[1:] != c[:-1]
    starts = np.flatnonzero(change)
    return [c[starts] for c in sorted_cols], np.add.reduceat(w[order], starts)


def _lex_order(columns: Sequence[FloatArray]) -> IntArray:
    """The lexicographic order of the rows.

    For (count, value) pairs — a small whole-number first column — an unstable
    sort on the values then a stable radix sort on the 16-bit counts is several
    times faster than numpy's multi-key lexsort; otherwise lexsort.
    """
    if len(columns) == 2:
        first, second = columns
        if first.min() >= 0 and first.max() < 32767 and np.all(first == np.floor(first)):
            order = np.argsort(second)
            out: IntArray = order[np.argsort(first[order].astype(np.int16), kind="stable")]
            return out
    lex: IntArray = np.lexsort(tuple(reversed(columns)))
    return lex


@dataclass(frozen=True, slots=True)
class Optimum:
    """Where the optimiser stopped, in natural parameters."""

    params: FloatArray
    log_likelihood: float
    gradient: FloatArray
    hessian: FloatArray
    iterations: int


def _tr_step(g: FloatArray, h: FloatArray, radius: float) -> FloatArray:
    """The exact minimiser of g·d + d·H·d/2 over |d| <= radius (Moré–Sorensen, small dense)."""
    lam_arr, q = np.linalg.eigh(h)
    lam = [float(v) for v in lam_arr]
    gq = [float(v) for v in q.T @ g]
    lo = max(0.0, -lam[0]) + 1e-12 * max(1.0, abs(lam[-1]))

    def norm(mu: float) -> float:
        return math.sqrt(sum((c / (e + mu)) ** 2 for c, e in zip(gq, lam, strict=True)))

    if lam[0] > 0 and norm(0.0) <= radius:
        mu = 0.0
    elif norm(lo) <= radius:
        mu = lo  # the hard case, near enough: take the boundary-limited step below
    else:
        # Newton on 1/|d(μ)| - 1/radius, concave and increasing in μ: from the left it
        # converges monotonically, without overshooting the root.
        mu = lo
        for _ in range(60):
            n = norm(mu)
            slope = sum(c * c / (e + mu) ** 3 for c, e in zip(gq, lam, strict=True)) / n**3
            gap = 1.0 / n - 1.0 / radius
            if abs(gap) <= 1e-12 / radius or slope <= 0:
                break
            mu -= gap / slope
    d: FloatArray = -(q @ np.array([c / (e + mu) for c, e in zip(gq, lam, strict=True)]))
    n = float(np.linalg.norm(d))
    if n > radius:
        d *= radius / n
    return d


def _newton(
    evaluate: Callable[[FloatArray, int], tuple[float, FloatArray, FloatArray]],
    theta: FloatArray,
    *,
    gtol: float,
    max_iter: int,
) -> tuple[FloatArray, int, bool]:
    """Newton's method in a trust region, for a smooth objective of a few parameters.

    Each step minimises the quadratic model exactly within the region (so an
    indefinite Hessian far from the optimum is handled), and the region grows
    or shrinks with the agreement between predicted and actual decrease.
    Returns (theta, iterations, converged).
    """
    f, g, h = evaluate(theta, 2)
    if not math.isfinite(f):
        return theta, 0, False
    radius = 1.0
    for it in range(1, max_iter + 1):
        if float(np.max(np.abs(g))) < gtol:
            return theta, it - 1, True
        d = _tr_step(g, h, radius)
        predicted = -float(g @ d + 0.5 * d @ h @ d)
        trial = theta + d
        f_new, g_new, h_new = evaluate(trial, 2)
        actual = f - f_new
        rho = actual / predicted if predicted > 0 else -1.0
        step = float(np.linalg.norm(d))
        if rho < 0.25:
            radius = 0.25 * step
        elif rho > 0.75 and step > 0.99 * radius:
            radius = min(2.0 * radius, 8.0)
        roundoff = abs(actual) <= 1e-13 * max(1.0, abs(f))
        improves = rho > 1e-4 or (
            roundoff and float(np.max(np.abs(g_new))) < float(np.max(np.abs(g)))
        )
        if improves and math.isfinite(f_new):
            theta, f, g, h = trial, f_new, g_new, h_new
        elif radius < 1e-14:
            return theta, it, float(np.max(np.abs(g))) < 1e3 * gtol
    return theta, max_iter, float(np.max(np.abs(g))) < gtol


def maximize(
    loglik: LogLik,
    start: FloatArray,
    names: Sequence[str],
    *,
    n_customers: float,
    gtol: float = 1e-7,
    max_iter: int = 200,
    fallback: bool = True,
) -> Optimum:
    """Maximise `loglik` over log-parameters from `start`; raise ConvergenceError on failure.

    The objective is the mean negative log-likelihood per customer, so that
    tolerances do not depend on the size of the data. `fallback` allows a
    quasi-Newton pass when Newton stalls (not wanted for a rough first stage).
    """
    scale = 1.0 / max(n_customers, 1.0)
    last: dict[bytes, tuple[float, FloatArray, FloatArray]] = {}

    def evaluate(theta: FloatArray, order: int) -> tuple[float, FloatArray, FloatArray]:
        if np.any(np.abs(theta) > 50):
            return math.inf, np.zeros_like(theta), np.eye(len(theta))
        p = np.exp(theta)
        with np.errstate(all="ignore"):
            value, grad, hess = loglik(p, order)
        if order == 2 and grad is not None and hess is not None:
            last.clear()
            last[theta.tobytes()] = (value, grad, hess)
        if not math.isfinite(value):
            return math.inf, np.zeros_like(theta), np.eye(len(theta))
        if order == 0:
            return -value * scale, np.zeros_like(theta), np.eye(len(theta))
        assert grad is not None
        if not np.all(np.isfinite(grad)):
            return math.inf, np.zeros_like(theta), np.eye(len(theta))
        g_theta = p * grad
        if order == 1 or hess is None:
            return -value * scale, -g_theta * scale, np.eye(len(theta))
        if not np.all(np.isfinite(hess)):
            return math.inf, np.zeros_like(theta), np.eye(len(theta))
        h_theta = p[:, None] * hess * p[None, :] + np.diag(g_theta)
        return -value * scale, -g_theta * scale, -h_theta * scale

    theta0 = np.log(start)
    theta, iterations, converged = _newton(evaluate, theta0, gtol=gtol, max_iter=max_iter)
    if iterations == 0 and not converged:
        raise ConvergenceError("the likelihood cannot be evaluated at the starting values")
    if not converged and fallback and not np.any(np.abs(theta) > _RUNAWAY):
        # A quasi-Newton pass from where Newton stopped either finishes the job or
        # confirms that there is no interior maximum to find.
        res = optimize.minimize(
            lambda th: evaluate(th, 1)[0],
            theta,
            jac=lambda th: evaluate(th, 1)[1],
            method="L-BFGS-B",
            options={"gtol": gtol, "maxiter": 20 * max_iter, "ftol": 1e-15},
        )
        theta = np.asarray(res.x, dtype=np.float64)
        iterations += int(res.nit)
        theta, more, converged = _newton(evaluate, theta, gtol=gtol, max_iter=max_iter)
        iterations += more
    hit = last.get(theta.tobytes())
    if hit is not None:
        p = np.exp(theta)
        grad = -(p * hit[1]) * scale
        value = -hit[0] * scale
    else:
        value, grad, _ = evaluate(theta, 2)
    if np.any(np.abs(theta) > _RUNAWAY):
        which = ", ".join(
            f"{n} → {'∞' if t > 0 else '0'}"
            for n, t in zip(names, theta, strict=True)
            if abs(t) > _RUNAWAY
        )
        raise IdentificationError(
            f"the likelihood keeps increasing as {which}: the data cannot identify the model"
        )
    if not math.isfinite(value) or float(np.max(np.abs(grad))) > max(1e-6, 10.0 * gtol):
        raise ConvergenceError(
            f"maximum likelihood did not converge after {iterations} iterations "
            f"(largest gradient {float(np.max(np.abs(grad))):.2e}); "
            "the data may not identify the model"
        )
    ll, g, h = last[theta.tobytes()]
    return Optimum(
        params=np.exp(theta), log_likelihood=ll, gradient=g, hessian=h, iterations=iterations
    )


def covariance(hessian: FloatArray) -> FloatArray:
    """Inverse observed information; NaN where the Hessian is not negative definite."""
    info = -hessian
    try:
        np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        return np.full_like(info, np.nan)
    cov = np.asarray(np.linalg.inv(info), dtype=np.float64)
    return cov


class Fitter:
    """Base of the fitters: `fit()` returns self; `params_`, `summary`, a telling repr."""

    model_name: ClassVar[str] = "model"
    param_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.params_: dict[str, float] | None = None
        self.log_likelihood_: float | None = None
        self.standard_errors_: dict[str, float] | None = None
        self.covariance_: FloatArray | None = None
        self.n_customers_: int = 0
        self.n_distinct_: int = 0
        self.n_iterations_: int = 0

    @classmethod
    def from_params(cls, **params: float) -> Self:
        """A model with known parameters (e.g. published ones), ready to predict."""
        missing = [n for n in cls.param_names if n not in params]
        extra = [n for n in params if n not in cls.param_names]
        if missing or extra:
            raise ClvError(
                f"{cls.model_name} takes parameters {', '.join(cls.param_names)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(extra)}" if extra else "")
            )
        for name, value in params.items():
            if not (math.isfinite(value) and value > 0):
                raise ClvError(f"{cls.model_name} parameter {name} must be positive, got {value}")
        model = cls()
        model.params_ = {n: float(params[n]) for n in cls.param_names}
        return model

    def _set_fit(self, opt: Optimum, *, n_customers: int, n_distinct: int) -> None:
        self.params_ = {n: float(v) for n, v in zip(self.param_names, opt.params, strict=True)}
        self.log_likelihood_ = float(opt.log_likelihood)
        cov = covariance(opt.hessian)
        self.covariance_ = cov
        self.standard_errors_ = {
            n: float(math.sqrt(v)) if v >= 0 else math.nan
            for n, v in zip(self.param_names, np.diag(cov), strict=True)
        }
        self.n_customers_ = n_customers
        self.n_distinct_ = n_distinct
        self.n_iterations_ = opt.iterations

    def _values(self) -> FloatArray:
        if self.params_ is None:
            raise ClvError(
                f"{type(self).__name__} is not fitted: call fit() or from_params() first"
            )
        return np.array([self.params_[n] for n in self.param_names])

    @property
    def summary(self) -> pl.DataFrame:
        """One row per parameter: estimate, standard error and a 95% Wald interval."""
        values = self._values()
        se = self.standard_errors_ or {}
        errors = np.array([se.get(n, math.nan) for n in self.param_names])
        return pl.DataFrame(
            {
                "param": list(self.param_names),
                "estimate": values,
                "std_error": errors,
                "lower_95": values - 1.959963984540054 * errors,
                "upper_95": values + 1.959963984540054 * errors,
            }
        )

    def __repr__(self) -> str:
        name = type(self).__name__
        if self.params_ is None:
            return f"<{name}: not fitted>"
        params = ", ".join(f"{n}={v:.4g}" for n, v in self.params_.items())
        if self.log_likelihood_ is None:
            return f"<{name}: {params} (given)>"
        return (
            f"<{name}: fitted on {self.n_customers_:,} customers "
            f"({self.n_distinct_:,} distinct histories), {params}, "
            f"log-likelihood {self.log_likelihood_:,.2f}>"
        )


def validate_rft(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Check (x, t_x, T[, weights]) arrays of one length; return them as float64."""
    x = as_float_array(frequency, "frequency")
    tx = as_float_array(recency, "recency")
    t_cal = as_float_array(T, "T")
    w = np.ones_like(x) if weights is None else as_float_array(weights, "weights")
    if not (len(x) == len(tx) == len(t_cal) == len(w)):
        raise ClvError(
            "frequency, recency, T (and weights) must have the same length, got "
            f"{len(x)}, {len(tx)}, {len(t_cal)}, {len(w)}"
        )
    if len(x) == 0:
        raise IdentificationError("no customers to fit")
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ClvError("frequency must hold non-negative whole numbers (repeat purchases)")
    if np.any(tx < 0) or np.any(t_cal < 0):
        raise ClvError("recency and T must be non-negative")
    if np.any(tx > t_cal * (1 + 1e-12)):
        raise ClvError("recency must not exceed T (the last purchase falls inside the period)")
    if np.any((x == 0) & (tx != 0)):
        raise ClvError("customers with no repeat purchase must have recency 0")
    if np.any(w < 0):
        raise ClvError("weights must be non-negative")
    return x, np.minimum(tx, t_cal), t_cal, w


def check_identifiable(x: FloatArray, w: FloatArray, model: str) -> None:
    """The minimum a purchase-count model needs: two customers and some repeat buying."""
    n = float(w.sum())
    if n < 2:
        raise IdentificationError(
            f"{model} needs at least 2 customers to estimate heterogeneity, got {n:g}"
        )
    if dot(w, x) == 0:
        raise IdentificationError(
            f"no customer made a repeat purchase: {model} cannot estimate purchase rates "
            "(frequency is 0 for everyone)"
        )


def distinct_rows(columns: Sequence[FloatArray]) -> tuple[list[FloatArray], IntArray]:
    """Distinct rows of `columns` (sorted) and, for each input row, the index of its row."""
    n = len(columns[0])
    if n == 0:
        return [c.copy() for c in columns], np.zeros(0, dtype=np.int64)
    order = _lex_order(columns)
    sorted_cols = [c[order] for c in columns]
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for c in sorted_cols:
        change[1:] |= c[1:] != c[:-1]
    group = np.cumsum(change) - 1
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group
    starts = np.flatnonzero(change)
    return [c[starts] for c in sorted_cols], inverse


def trigamma(v: ArrayLike) -> FloatArray:
    """ψ'(v) for v > 0, to ~1e-13 relative; several times faster than scipy's Hurwitz zeta.

    Recurrence ψ'(v) = 1/v² + ψ'(v+1) up to v >= 7, then the asymptotic series
    1/v + 1/(2v²) + Σ B_2k / v^(2k+1) through B_14.
    """
    if np.ndim(v) == 0:
        return np.asarray(_trigamma_scalar(float(v)))  # type: ignore[arg-type]
    x = np.array(v, dtype=np.float64, ndmin=1)
    if x.min() >= 7.0:  # the common case for shape parameters times counts
        i = 1.0 / x
        i2 = i * i
        out_big: FloatArray = i + 0.5 * i2 + i * i2 * _bernoulli_series(i2)
        return out_big
    acc = np.zeros_like(x)
    small = np.flatnonzero(x < 7.0)
    while small.size:
        xs = x[small]
        acc[small] += 1.0 / (xs * xs)
        x[small] = xs + 1.0
        small = small[xs + 1.0 < 7.0]
    i = 1.0 / x
    i2 = i * i
    series = 1.0 / 6 - i2 * (
        1.0 / 30
        - i2 * (1.0 / 42 - i2 * (1.0 / 30 - i2 * (5.0 / 66 - i2 * (691.0 / 2730 - i2 * 7.0 / 6))))
    )
    out: FloatArray = acc + i + 0.5 * i2 + i * i2 * series
    return out


def _trigamma_scalar(x: float) -> float:
    acc = 0.0
    while x < 7.0:
        acc += 1.0 / (x * x)
        x += 1.0
    i = 1.0 / x
    i2 = i * i
    series = 1.0 / 6 - i2 * (
        1.0 / 30
        - i2 * (1.0 / 42 - i2 * (1.0 / 30 - i2 * (5.0 / 66 - i2 * (691.0 / 2730 - i2 * 7.0 / 6))))
    )
    return acc + i + 0.5 * i2 + i * i2 * series


def shifted_gamma_terms(
    a: float, ks: FloatArray, order: int
) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:
    """log Γ(a+k) - log Γ(a), ψ(a+k) - ψ(a), ψ'(a+k) - ψ'(a) for whole numbers k >= 0.

    By the recurrences Γ(a+1) = aΓ(a), ψ(a+1) = ψ(a) + 1/a, ψ'(a+1) = ψ'(a) - 1/a²:
    one cumulative sum over j < max(k), no special function. The frequencies of a
    customer base are small whole numbers, so this is both exact and cheap.
    """
    top = int(ks.max()) if len(ks) else 0
    idx = ks.astype(np.int64)
    t = a + np.arange(top, dtype=np.float64)
    lg = np.concatenate(([0.0], np.cumsum(np.log(t))))[idx]
    if order == 0:
        return lg, None, None
    inv = 1.0 / t
    dg = np.concatenate(([0.0], np.cumsum(inv)))[idx]
    if order == 1:
        return lg, dg, None
    tg = -np.concatenate(([0.0], np.cumsum(inv * inv)))[idx]
    return lg, dg, tg


def _bernoulli_series(i2: FloatArray) -> FloatArray:
    out: FloatArray = 1.0 / 6 - i2 * (
        1.0 / 30
        - i2 * (1.0 / 42 - i2 * (1.0 / 30 - i2 * (5.0 / 66 - i2 * (691.0 / 2730 - i2 * 7.0 / 6))))
    )
    return out
