"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987, Management Science 33(1)).

While alive a customer buys at Poisson rate λ ~ Gamma(r, α); his lifetime is
exponential with rate μ ~ Gamma(s, β). For x repeat purchases, the last at
t_x, observed for T (Fader & Hardie 2005, "A Note on Deriving the Pareto/NBD
Model and Related Expressions", eq. 18-20, written as an integral):

    L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s  +  s · ∫_{t_x}^T f(τ) dτ ]
    f(τ) = (α+τ)^-(r+x) (β+τ)^-(s+1)

The second term is the chance of dying at τ between the last purchase and T.
The note writes ∫_{t_x}^T f = F(t_x) - F(T), F(t) = ∫_t^∞ f, with F as a
Gaussian hypergeometric function 2F1(r+s+x, ·; r+s+x+1; |α-β|/(max(α,β)+t)),
whose evaluation is fragile when x is large or α and β far apart. We keep the
integral and evaluate F by quadrature in y = log((m+τ)/(m+t)), m the smaller of
α and β, where the integrand is log-concave and smooth:

    F(t) = m_t^-k ∫_0^∞ exp(-k y - e_L · log(1 + δ e^-y)) dy,   k = r+s+x,

with m_t = min(α,β)+t, δ = |α-β|/m_t and e_L the exponent of the larger scale.
Gauss–Laguerre nodes cover [max(0, log δ), ∞) and, when δ > 1, Gauss–Legendre
nodes in an exponentially stretched variable cover [0, log δ). Everything is
done in logs, and differentiating under the integral gives the gradient and
Hessian of the log-likelihood analytically, from the same nodes.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt
from scipy.special import expit, roots_laguerre, roots_legendre

from accord.clv._fitting import (
    ArrayLike,
    Fitter,
    FloatArray,
    IntArray,
    as_float_array,
    check_identifiable,
    collapse,
    distinct_rows,
    dot,
    maximize,
    shifted_gamma_terms,
    validate_rft,
)
from accord.clv.errors import ConvergenceError, IdentificationError

BoolArray = npt.NDArray[np.bool_]

#: (Laguerre, Legendre) node counts: a coarse rule to get near the maximum cheaply,
#: a fine one (log F within ~5e-7 over a wide random parameter range, far closer for
#: customer data) to finish and to predict.
_COARSE = (8, 8)
_FINE = (16, 16)


@functools.lru_cache(maxsize=8)
def _rules(n_lag: int, n_leg: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Laguerre nodes and log-weights for ∫ g(u) du = Σ w e^u g(u); Legendre ones on [0, 1]."""
    lag_u, lag_w = roots_laguerre(n_lag)
    leg_x, leg_w = roots_legendre(n_leg)
    return (
        np.asarray(lag_u, dtype=np.float64),
        np.log(lag_w) + lag_u,
        0.5 * (np.asarray(leg_x, dtype=np.float64) + 1.0),
        np.log(0.5 * leg_w),
    )


def _softplus(v: FloatArray) -> FloatArray:
    """log(1 + e^v), computed without overflow."""
    out: FloatArray = np.maximum(v, 0.0) + np.log1p(np.exp(-np.abs(v)))
    return out


class _Tail:
    """log F(t) for many (x, t) pairs, with the moments needed for derivatives.

    After `compute`, `log_f` holds log F, `mean` the 4 weighted means of
    Q = (log(α+τ), 1/(α+τ), log(β+τ), 1/(β+τ)) under the normalised integrand,
    and `second` their 4×4 weighted second moments (order 2).

    The integral over y ∈ [0, ∞) is cut into up to three segments, each with
    the rule that suits it: [0, y*) (only when δ > 1, y* = log δ) with
    Gauss–Legendre in a gently stretched variable; [y*, y*+8) (only when the
    decay rate k is small, so that the unit-width bend of log(1 + δe^-y) is
    not lost between Laguerre nodes) with Gauss–Legendre; and the rest with
    Gauss–Laguerre at the local rate of decay.
    """

    def __init__(self, x: FloatArray, t: FloatArray) -> None:
        self.x = x
        self.t = t
        self.nodes = _FINE

    def compute(self, r: float, alpha: float, s: float, beta: float, order: int) -> None:
        x, t = self.x, self.t
        n = len(x)
        lag_u, lag_logw, leg_u, leg_logw = _rules(*self.nodes)
        self.alpha_small = alpha <= beta
        m = min(alpha, beta) + t
        self.log_m = np.log(m)
        gap = abs(alpha - beta)
        self.log_delta = math.log(gap) - self.log_m if gap > 0 else np.full(n, -np.inf)
        k = r + s + x
        e_large = np.full(n, s + 1.0) if self.alpha_small else r + x
        y_star = np.maximum(self.log_delta, 0.0)
        all_rows = np.arange(n)
        parts: list[tuple[IntArray, FloatArray, FloatArray]] = []

        # Region 1: [0, y*), where δ > 1.
        hard = np.flatnonzero(self.log_delta > 0)
        if hard.size:
            ld, kk, el, ys_h = self.log_delta[hard], k[hard], e_large[hard], y_star[hard]
            rho = kk - el * expit(ld)  # -φ'(0)
            # u = (1 - e^(-ρ y)) / (1 - e^(-ρ y*)) puts nodes where the mass is; a gentle
            # stretch (at most e^4 across the segment) keeps the map analytic.
            rho = np.sign(rho) * np.minimum(np.abs(rho), 4.0 / ys_h)
            flat = np.abs(rho) * ys_h < 1e-6
            rate = np.where(flat, 1.0, np.abs(rho))
            span = -np.expm1(-rate * ys_h)
            u = leg_u[None, :]
            dist = -np.log1p(-span[:, None] * u) / rate[:, None]
            y1 = np.where((rho > 0)[:, None], dist, ys_h[:, None] - dist)
            log_jac = np.log(span / rate)[:, None] + rate[:, None] * dist
            y1 = np.where(flat[:, None], ys_h[:, None] * u, y1)
            log_jac = np.where(flat[:, None], np.log(ys_h)[:, None], log_jac)
            parts.append((hard, y1, leg_logw[None, :] + log_jac))

        # Region 2a: [y*, y* + 8) by Gauss–Legendre where the decay is slow.
        slow = np.flatnonzero(k < 2.5)
        start = y_star.copy()
        if slow.size:
            y2a = y_star[slow, None] + _BEND * leg_u[None, :]
            parts.append((slow, y2a, np.broadcast_to(leg_logw + math.log(_BEND), y2a.shape)))
            start[slow] += _BEND

        # Region 2b: the rest, Gauss–Laguerre at the rate the integrand decays with there.
        slope = k - e_large * expit(self.log_delta - start)  # -φ'(start)
        rate_b = np.maximum(slope, 0.5 * k)
        y2 = start[:, None] + lag_u[None, :] / rate_b[:, None]
        parts.append((all_rows, y2, lag_logw[None, :] - np.log(rate_b)[:, None]))

        # Per node: e^-y, the bend log(1 + δe^-y), and the log-weight of the integrand.
        delta = np.exp(self.log_delta)
        log_f = np.full(n, -np.inf)
        done = []
        for rows, y, lw0 in parts:
            ey = np.exp(-y)
            bend = np.log1p(delta[rows, None] * ey)
            lw = lw0 - k[rows, None] * y - e_large[rows, None] * bend
            top = lw.max(axis=1)
            e = np.exp(lw - top[:, None])
            lse = top + np.log(e.sum(axis=1))
            done.append((rows, y, ey, bend, e, top))
            log_f[rows] = np.logaddexp(log_f[rows], lse)
        self.log_f = -k * self.log_m + log_f
        if order == 0:
            return
        self.mean = np.zeros((n, 4))
        if order >= 2:
            self.second = np.zeros((n, 4, 4))
        inv_m = np.exp(-self.log_m)
        for rows, y, ey, bend, e, top in done:
            pi = e * np.exp(top - log_f[rows])[:, None]
            log_small = self.log_m[rows, None] + y
            inv_small = ey * inv_m[rows, None]
            log_large = log_small + bend
            inv_large = inv_small / (1.0 + delta[rows, None] * ey)
            if self.alpha_small:
                q = np.stack([log_small, inv_small, log_large, inv_large])
            else:
                q = np.stack([log_large, inv_large, log_small, inv_small])
            qp = q * pi
            self.mean[rows] += qp.sum(axis=2).T
            if order >= 2:
                self.second[rows] += np.einsum("anj,bnj->nab", qp, q)


_BEND = 8.0


class _ParetoData:
    """Collapsed rows and the distinct (x, t) pairs whose tails F(t) they need."""

    x: FloatArray
    tx: FloatArray
    T: FloatArray
    open: BoolArray
    tail: _Tail
    i1: IntArray
    i2: IntArray

    def __init__(self, x: FloatArray, tx: FloatArray, T: FloatArray, w: FloatArray) -> None:
        (x, tx, T), w = collapse([x, tx, T], w)
        keep = w > 0
        self.x, self.tx, self.T, self.w = x[keep], tx[keep], T[keep], w[keep]
        self.n_rows = len(self.x)
        self.n = float(self.w.sum())
        self.ux, inverse = np.unique(self.x, return_inverse=True)
        self.wx = np.bincount(inverse, weights=self.w, minlength=len(self.ux))
        self.open = self.tx < self.T  # rows where death between t_x and T is possible
        _attach_tail(self, self.x, self.tx, self.T)


def _attach_tail(data: _ParetoData, x: FloatArray, tx: FloatArray, T: FloatArray) -> None:
    """The distinct (x, t) pairs needed for F(t_x) and F(T) on the open rows."""
    data.open = tx < T
    n_open = int(data.open.sum())
    pair_x = np.concatenate([x[data.open], x[data.open]])
    pair_t = np.concatenate([tx[data.open], T[data.open]])
    (px, pt), inverse = distinct_rows([pair_x, pair_t])
    data.tail = _Tail(px, pt)
    data.i1 = inverse[:n_open]
    data.i2 = inverse[n_open:]


def _row_terms(
    data: _ParetoData, p: FloatArray, order: int
) -> tuple[
    FloatArray,
    FloatArray,
    FloatArray | None,
    FloatArray | None,
    tuple[FloatArray, FloatArray] | None,
]:
    """Per-row log of the two bracketed terms (A: alive at T, B: died in (t_x, T])."""
    r, alpha, s, beta = (float(v) for v in p)
    x, T = data.x, data.T
    rx = r + x
    lat = np.log(alpha + T)
    lbt = np.log(beta + T)
    log_a = -rx * lat - s * lbt
    log_b = np.full_like(x, -np.inf)
    tail = data.tail
    tail.compute(r, alpha, s, beta, order)
    lf1 = tail.log_f[data.i1]
    lf2 = tail.log_f[data.i2]
    ratio = np.minimum(np.exp(lf2 - lf1), 1.0 - 1e-16)
    log_b[data.open] = math.log(s) + lf1 + np.log1p(-ratio)
    if order == 0:
        return log_a, log_b, None, None, None
    # Gradients of the two terms, natural parameters (r, alpha, s, beta).
    ga = np.stack([-lat, -rx / (alpha + T), -lbt, -s / (beta + T)], axis=1)
    gb = np.zeros((len(x), 4))
    xo = x[data.open]
    c = np.stack([-np.ones_like(xo), -(r + xo), -np.ones_like(xo), -np.full_like(xo, s + 1.0)], 1)
    mean1, mean2 = tail.mean[data.i1], tail.mean[data.i2]
    inv = 1.0 / (1.0 - ratio)
    g_tail = c * (mean1 - ratio[:, None] * mean2) * inv[:, None]  # ∇ log(F1 - F2)
    gb[data.open] = g_tail
    gb[data.open, 2] += 1.0 / s
    if order == 1:
        return log_a, log_b, ga, gb, None
    # Hessians: K = ∇²F / F = E[∇² log f] + E[g gᵀ] at each tail, then log of the difference.
    n = len(x)
    ha = np.zeros((n, 4, 4))
    inv_at, inv_bt = 1.0 / (alpha + T), 1.0 / (beta + T)
    ha[:, 0, 1] = ha[:, 1, 0] = -inv_at
    ha[:, 1, 1] = rx * inv_at**2
    ha[:, 2, 3] = ha[:, 3, 2] = -inv_bt
    ha[:, 3, 3] = s * inv_bt**2

    def k_matrix(mean: FloatArray, second: FloatArray) -> FloatArray:
        km = c[:, :, None] * c[:, None, :] * second
        km[:, 0, 1] -= mean[:, 1]
        km[:, 1, 0] -= mean[:, 1]
        km[:, 1, 1] += (r + xo) * second[:, 1, 1]
        km[:, 2, 3] -= mean[:, 3]
        km[:, 3, 2] -= mean[:, 3]
        km[:, 3, 3] += (s + 1.0) * second[:, 3, 3]
        return km

    k1 = k_matrix(mean1, tail.second[data.i1])
    k2 = k_matrix(mean2, tail.second[data.i2])
    hb_open = (k1 - ratio[:, None, None] * k2) * inv[:, None, None] - (
        g_tail[:, :, None] * g_tail[:, None, :]
    )
    hb_open[:, 2, 2] -= 1.0 / s**2
    hb = np.zeros((n, 4, 4))
    hb[data.open] = hb_open
    return log_a, log_b, ga, gb, (ha, hb)


def _loglik(
    data: _ParetoData, p: FloatArray, order: int
) -> tuple[float, FloatArray | None, FloatArray | None]:
    r, alpha, s, beta = (float(v) for v in p)
    ux, wx, w = data.ux, data.wx, data.w
    terms = _row_terms(data, p, order)
    log_a, log_b = terms[0], terms[1]
    mix = np.logaddexp(log_a, log_b)
    g_r, d_r, t_r = shifted_gamma_terms(r, ux, order)  # x enters only through Γ(r+x)
    ll = dot(wx, g_r) + data.n * (r * math.log(alpha) + s * math.log(beta))
    ll += dot(w, mix)
    if order == 0:
        return ll, None, None
    ga, gb = terms[2], terms[3]
    assert d_r is not None
    assert ga is not None
    assert gb is not None
    wb = expit(log_b - log_a)
    wa = 1.0 - wb
    grad = np.array(
        [
            dot(wx, d_r) + data.n * math.log(alpha),
            data.n * r / alpha,
            data.n * math.log(beta),
            data.n * s / beta,
        ]
    )
    grad += np.einsum("n,ni->i", w, wa[:, None] * ga + wb[:, None] * gb)
    if order == 1:
        return ll, grad, None
    hess_pair = terms[4]
    assert hess_pair is not None
    assert t_r is not None
    ha, hb = hess_pair
    h = np.zeros((4, 4))
    h[0, 0] = dot(wx, t_r)
    h[0, 1] = h[1, 0] = data.n / alpha
    h[1, 1] = -data.n * r / alpha**2
    h[2, 3] = h[3, 2] = data.n / beta
    h[3, 3] = -data.n * s / beta**2
    d = ga - gb
    h += np.einsum("n,nij->ij", w * wa, ha) + np.einsum("n,nij->ij", w * wb, hb)
    h += np.einsum("n,ni,nj->ij", w * wa * wb, d, d)
    return ll, grad, h


class ParetoNBD(Fitter):
    """Pareto/NBD: `ParetoNBD().fit(frequency, recency, T)`; parameters r, alpha, s, beta."""

    model_name = "Pareto/NBD"
    param_names = ("r", "alpha", "s", "beta")

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> ParetoNBD:
        """Maximum likelihood on (x, t_x, T); identical histories are fitted once, weighted."""
        x, tx, t_cal, w = validate_rft(frequency, recency, T, weights)
        check_identifiable(x, w, self.model_name)
        data = _ParetoData(x, tx, t_cal, w)
        # From the collapsed (sorted) rows: the result must not depend on row order.
        rate = dot(data.w, data.x) / max(dot(data.w, data.T), 1e-12)
        mean_t = dot(data.w, data.T) / max(data.n, 1e-12)
        # Scale-free start (r = s = 1/2, mean rate matched, β half the mean age): on
        # CDNOW and simulated cohorts it needs the fewest Newton steps of those tried.
        start = np.array([0.5, 0.5 / max(rate, 1e-12), 0.5, max(0.5 * mean_t, 1e-6)])
        # Coarse quadrature to get near the maximum, then the fine one to finish.
        data.tail.nodes = _COARSE
        try:
            near = maximize(
                lambda p, order: _loglik(data, p, order),
                start,
                self.param_names,
                n_customers=data.n,
                gtol=1e-5,
                max_iter=30,
                fallback=False,
            )
            start, done = near.params, near.iterations
        except ConvergenceError:
            done = 0
        data.tail.nodes = _FINE
        # From near the maximum a Newton step squares the gradient: 1e-6 per customer
        # leaves the parameters accurate to ~1e-8.
        opt = maximize(
            lambda p, order: _loglik(data, p, order),
            start,
            self.param_names,
            n_customers=data.n,
            gtol=1e-6,
        )
        self._set_fit(opt, n_customers=round(data.n), n_distinct=data.n_rows)
        self.n_iterations_ += done
        return self

    def log_likelihood(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> float:
        """Total log-likelihood of these data at the model's parameters."""
        x, tx, t_cal, w = validate_rft(frequency, recency, T, weights)
        return _loglik(_ParetoData(x, tx, t_cal, w), self._values(), 0)[0]

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] = rβ/(α(s-1)) [1 - (β/(β+t))^(s-1)] for a new customer (SMC 1987)."""
        r, alpha, s, beta = self._values()
        tt = as_float_array(t, "t")
        out: FloatArray = r / alpha * beta * _one_minus_pow(s - 1.0, np.log1p(tt / beta))
        return out

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(alive at T | x, t_x, T): the share of the likelihood in the "alive" term."""
        x, tx, t_cal = _flat(frequency, recency, T)
        log_a, log_b = self._terms(x, tx, t_cal)
        out: FloatArray = expit(log_a - log_b)
        return out

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T] = (r+x)(β+T)/((α+T)(s-1)) [1-((β+T)/(β+T+t))^(s-1)] P(alive)."""
        r, alpha, s, beta = self._values()
        x, tx, t_cal = _flat(frequency, recency, T)
        tt = np.asarray(t, dtype=np.float64)  # broadcasts: e.g. shape (steps, 1) by customers
        alive = self.probability_alive(x, tx, t_cal)
        growth = _one_minus_pow(s - 1.0, np.log1p(tt / (beta + t_cal)))
        out: FloatArray = (r + x) / (alpha + t_cal) * (beta + t_cal) * growth * alive
        return out

    def _terms(self, x: FloatArray, tx: FloatArray, T: FloatArray) -> tuple[FloatArray, FloatArray]:
        p = self._values()
        data = _ParetoData.__new__(_ParetoData)
        data.x, data.tx, data.T = x, tx, T
        _attach_tail(data, x, tx, T)
        log_a, log_b, *_ = _row_terms(data, p, 0)
        return log_a, log_b


def _flat(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    x, tx, t_cal = np.broadcast_arrays(
        np.atleast_1d(np.asarray(frequency, dtype=np.float64)),
        np.atleast_1d(np.asarray(recency, dtype=np.float64)),
        np.atleast_1d(np.asarray(T, dtype=np.float64)),
    )
    if np.any(x < 0) or np.any(tx < 0) or np.any(tx > t_cal):
        raise IdentificationError("need 0 <= recency <= T and frequency >= 0")
    return x.astype(np.float64), tx.astype(np.float64), t_cal.astype(np.float64)


def _one_minus_pow(c: float, log_ratio: FloatArray) -> FloatArray:
    """(1 - exp(-c L)) / c, continuous at c = 0 (where it is L)."""
    if abs(c) < 1e-10:
        return log_ratio
    out: FloatArray = -np.expm1(-c * log_ratio) / c
    return out
