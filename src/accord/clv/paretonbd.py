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
    CAP,
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
from accord.clv.errors import ClvError, IdentificationError

BoolArray = npt.NDArray[np.bool_]

#: (Laguerre, Legendre) node counts: a coarse rule to get near the maximum cheaply,
#: a fine one to finish the fit (on CDNOW its log-likelihood agrees with the precise
#: rule to 1e-11 relative), and a precise one (log F within ~4e-8 over a wide random
#: parameter range) for predictions and by default.
_COARSE = (8, 8)
_FINE = (12, 12)
_PRECISE = (20, 20)


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
        self.nodes = _PRECISE

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
    ratio: FloatArray

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


def _row_terms(data: _ParetoData, p: FloatArray, order: int) -> tuple[FloatArray, FloatArray]:
    """Per-row log of the two bracketed terms (A: alive at T, B: died in (t_x, T]).

    Leaves `data.tail` computed to `order` (its moments are what derivatives need).
    """
    r, alpha, s, beta = (float(v) for v in p)
    log_a = -(r + data.x) * np.log(alpha + data.T) - s * np.log(beta + data.T)
    log_b = np.full_like(data.x, -np.inf)
    tail = data.tail
    tail.compute(r, alpha, s, beta, order)
    lf1 = tail.log_f[data.i1]
    ratio = np.minimum(np.exp(tail.log_f[data.i2] - lf1), 1.0 - 1e-16)  # F(T) / F(t_x)
    data.ratio = ratio
    log_b[data.open] = math.log(s) + lf1 + np.log1p(-ratio)
    return log_a, log_b


def _loglik(
    data: _ParetoData, p: FloatArray, order: int
) -> tuple[float, FloatArray | None, FloatArray | None]:
    """Log-likelihood, gradient and Hessian, contracted over rows and (x, t) pairs early.

    With B = log s + log(F(t_x) - F(T)) and K = ∇²F/F at each tail (from the
    quadrature moments), ∇B = ∇log(F1 - F2) + e_s/s and
    ∇²B = (K1 - ρK2)/(1-ρ) - ∇log(F1-F2)∇log(F1-F2)ᵀ - e_ss/s², ρ = F2/F1;
    each row's log(A + B) then mixes the two terms by their shares.
    """
    r, alpha, s, beta = (float(v) for v in p)
    ux, wx, w, x, T = data.ux, data.wx, data.w, data.x, data.T
    log_a, log_b = _row_terms(data, p, order)
    g_r, d_r, t_r = shifted_gamma_terms(r, ux, order)  # x enters only through Γ(r+x)
    ll = dot(wx, g_r) + data.n * (r * math.log(alpha) + s * math.log(beta))
    ll += dot(w, np.logaddexp(log_a, log_b))
    if order == 0:
        return ll, None, None
    assert d_r is not None
    tail, ratio, op = data.tail, data.ratio, data.open
    wb = expit(log_b - log_a)
    wa = 1.0 - wb
    inv_at, inv_bt = 1.0 / (alpha + T), 1.0 / (beta + T)
    rx = r + x
    ga = np.stack([-np.log(alpha + T), -rx * inv_at, -np.log(beta + T), -s * inv_bt], axis=1)
    # The death term, on open rows: ∇ log(F1 - F2) from the tails' first moments.
    xo = x[op]
    c = np.stack([-np.ones_like(xo), -(r + xo), -np.ones_like(xo), np.full_like(xo, -(s + 1.0))], 1)
    inv = 1.0 / (1.0 - ratio)
    g_tail = c * (tail.mean[data.i1] - ratio[:, None] * tail.mean[data.i2]) * inv[:, None]
    gb = g_tail.copy()
    gb[:, 2] += 1.0 / s
    wa_w, wb_o = w * wa, (w * wb)[op]
    grad = np.array(
        [
            dot(wx, d_r) + data.n * math.log(alpha),
            data.n * r / alpha,
            data.n * math.log(beta),
            data.n * s / beta,
        ]
    )
    grad += np.einsum("n,ni->i", wa_w, ga) + np.einsum("n,ni->i", wb_o, gb)
    if order == 1:
        return ll, grad, None
    assert t_r is not None
    h = np.zeros((4, 4))
    h[0, 0] = dot(wx, t_r)
    h[0, 1] = data.n / alpha - dot(wa_w, inv_at)
    h[1, 1] = -data.n * r / alpha**2 + dot(wa_w, rx * inv_at**2)
    h[2, 3] = data.n / beta - dot(wa_w, inv_bt)
    h[3, 3] = -data.n * s / beta**2 + s * dot(wa_w, inv_bt**2)
    h[2, 2] = -dot(wb_o, np.ones_like(wb_o)) / s**2
    # Σ over open rows of their weight × (K1 - ρK2)/(1-ρ): weights gathered per (x, t) pair.
    n_pairs = len(tail.x)
    beta_pair = np.bincount(data.i1, weights=wb_o * inv, minlength=n_pairs) - np.bincount(
        data.i2, weights=wb_o * ratio * inv, minlength=n_pairs
    )
    cp = np.stack(
        [
            -np.ones(n_pairs),
            -(r + tail.x),
            -np.ones(n_pairs),
            np.full(n_pairs, -(s + 1.0)),
        ],
        1,
    )
    second, mean = tail.second, tail.mean
    h += np.einsum("p,pa,pb,pab->ab", beta_pair, cp, cp, second)
    h[0, 1] -= dot(beta_pair, mean[:, 1])
    h[1, 1] += dot(beta_pair * (r + tail.x), second[:, 1, 1])
    h[2, 3] -= dot(beta_pair, mean[:, 3])
    h[3, 3] += (s + 1.0) * dot(beta_pair, second[:, 3, 3])
    h -= np.einsum("o,oa,ob->ab", wb_o, g_tail, g_tail)
    # Mixing the two terms: Σ w·wa·wb (∇A - ∇B)(∇A - ∇B)ᵀ, on open rows only.
    d = ga[op] - gb
    h += np.einsum("o,oa,ob->ab", (wa_w * wb)[op], d, d)
    # Fill the symmetric half (entries above were accumulated on the upper triangle
    # only where they are sparse).
    h[1, 0] = h[0, 1]
    h[3, 2] = h[2, 3]
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
        # Without heterogeneity in the purchase or dropout rates, their shapes are held
        # at CAP; when nobody seems to drop out, β at a mean lifetime 10^7 times the
        # longest history (see `maximize`).
        holds = {
            "r": (None, CAP),
            "s": (1.0 / CAP, CAP),
            "beta": (None, 1e7 * max(float(data.T.max()), 1.0)),
        }
        # Coarse quadrature to get near the maximum, then the fine one to finish.
        data.tail.nodes = _COARSE
        try:
            near = maximize(
                lambda p, order: _loglik(data, p, order),
                start,
                self.param_names,
                n_customers=data.n,
                holds=holds,
                xtol=1e-2,
                max_iter=30,
                fallback=False,
            )
            start, done, held = near.params, near.iterations, near.at_bound
        except ClvError:  # the fine rule decides, from the start
            done, held = 0, ()
        data.tail.nodes = _FINE
        # From near the maximum each Newton step squares the error: it stops once the
        # next step would move no parameter by more than 1e-7 of its value.
        opt = maximize(
            lambda p, order: _loglik(data, p, order),
            start,
            self.param_names,
            n_customers=data.n,
            holds=holds,
            held=held,
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
        log_a, log_b = _row_terms(data, p, 0)
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
