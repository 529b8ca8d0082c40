"""The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, Marketing Science 24(2)).

While active, a customer buys at Poisson rate λ ~ Gamma(r, α); after each
repeat purchase he drops out with probability p ~ Beta(a, b). For a customer
with x repeat purchases, the last at t_x, observed for T since his first
(equation 6 of the paper; the logs of note 027's stable form):

    L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / Γ(r)
        · [ (α+T)^-(r+x) + 1{x>0} · a/(b+x-1) · (α+t_x)^-(r+x) ]

The log-likelihood, its gradient and its Hessian are analytic. Terms that only
depend on x are computed once per distinct x.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit, hyp2f1

from accord.clv._fitting import (
    CAP,
    ArrayLike,
    Fitter,
    FloatArray,
    as_float_array,
    check_identifiable,
    collapse,
    dot,
    maximize,
    shifted_gamma_terms,
    validate_rft,
)
from accord.clv.errors import IdentificationError


class _BGNBDData:
    """Collapsed (x, t_x, T, weight) rows split into non-repeaters and repeaters."""

    def __init__(self, x: FloatArray, tx: FloatArray, T: FloatArray, w: FloatArray) -> None:
        (x, tx, T), w = collapse([x, tx, T], w)
        keep = w > 0
        x, tx, T, w = x[keep], tx[keep], T[keep], w[keep]
        self.n_rows = len(x)
        zero = x == 0
        self.T0, self.w0 = T[zero], w[zero]
        pos = ~zero
        self.x, self.tx, self.T, self.w = x[pos], tx[pos], T[pos], w[pos]
        self.ux, inverse = np.unique(x, return_inverse=True)
        self.wx = np.bincount(inverse, weights=w, minlength=len(self.ux))
        self.n = float(w.sum())


def _loglik(
    data: _BGNBDData, p: FloatArray, order: int
) -> tuple[float, FloatArray | None, FloatArray | None]:
    r, alpha, a, b = (float(v) for v in p)
    ux, wx = data.ux, data.wx
    # Terms that depend on x alone, once per distinct x, by the Γ recurrences.
    g_r, d_r, t_r = shifted_gamma_terms(r, ux, order)
    g_b, d_b, t_b = shifted_gamma_terms(b, ux, order)
    g_ab, d_ab, t_ab = shifted_gamma_terms(a + b, ux, order)
    ll = dot(wx, (g_r + g_b - g_ab)) + data.n * r * math.log(alpha)
    # Non-repeaters: the mixture is the single term -r log(alpha+T).
    lt0 = np.log(alpha + data.T0)
    ll -= r * dot(data.w0, lt0)
    # Repeaters: log(exp(u1) + exp(u2)).
    x, tx, T, w = data.x, data.tx, data.T, data.w
    rx = r + x
    ltT = np.log(alpha + T)
    ltx = np.log(alpha + tx)
    bx1 = b + x - 1.0
    u1 = -rx * ltT
    u2 = np.log(a) - np.log(bx1) - rx * ltx
    m = np.logaddexp(u1, u2)
    ll += dot(w, m)
    if order == 0:
        return ll, None, None

    w2 = expit(u2 - u1)  # weight of the "dropped out after the last purchase" term
    w1 = 1.0 - w2
    inv_T0 = 1.0 / (alpha + data.T0)
    inv_T = 1.0 / (alpha + T)
    inv_tx = 1.0 / (alpha + tx)
    assert d_r is not None
    assert d_b is not None
    assert d_ab is not None
    dg_x = d_r
    grad = np.empty(4)
    grad[0] = (
        dot(wx, dg_x) + data.n * np.log(alpha) - dot(data.w0, lt0) - dot(w, (w1 * ltT + w2 * ltx))
    )
    grad[1] = (
        data.n * r / alpha - r * dot(data.w0, inv_T0) - dot(w, (rx * (w1 * inv_T + w2 * inv_tx)))
    )
    dab = -d_ab
    grad[2] = dot(wx, dab) + dot(w, w2) / a
    grad[3] = dot(wx, (dab + d_b)) - dot(w, (w2 / bx1))
    if order == 1:
        return ll, grad, None

    assert t_r is not None
    assert t_b is not None
    assert t_ab is not None
    h = np.zeros((4, 4))
    tab = -t_ab
    h[0, 0] = dot(wx, t_r)
    h[0, 1] = data.n / alpha - dot(data.w0, inv_T0) - dot(w, (w1 * inv_T + w2 * inv_tx))
    h[1, 1] = (
        -data.n * r / alpha**2
        + r * dot(data.w0, inv_T0**2)
        + dot(w, (rx * (w1 * inv_T**2 + w2 * inv_tx**2)))
    )
    h[2, 2] = dot(wx, tab) - dot(w, w2) / a**2
    h[2, 3] = dot(wx, tab)
    h[3, 3] = dot(wx, (tab + t_b)) + dot(w, (w2 / bx1**2))
    # Covariance of the two mixture components' gradients: w1 w2 d d^T, d = ∇u1 - ∇u2.
    d = (
        ltx - ltT,
        rx * (inv_tx - inv_T),
        np.full_like(x, -1.0 / a),
        1.0 / bx1,
    )
    ww = w * w1 * w2
    for i in range(4):
        for j in range(i, 4):
            h[i, j] += dot(ww, (d[i] * d[j]))
    h = np.triu(h) + np.triu(h, 1).T
    return ll, grad, h


class BGNBD(Fitter):
    """BG/NBD: `BGNBD().fit(frequency, recency, T)`; parameters r, alpha, a, b.

    Predictions take the same time unit as the data it was fitted on.
    """

    model_name = "BG/NBD"
    param_names = ("r", "alpha", "a", "b")

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> BGNBD:
        """Maximum likelihood on (x, t_x, T); identical histories are fitted once, weighted."""
        x, tx, t_cal, w = validate_rft(frequency, recency, T, weights)
        check_identifiable(x, w, self.model_name)
        data = _BGNBDData(x, tx, t_cal, w)
        # Start from the collapsed (sorted) rows, so that the result does not depend on
        # the order of the customers, not even in the last bit.
        total_t = dot(data.w, data.T) + dot(data.w0, data.T0)
        rate = dot(data.wx, data.ux) / max(total_t, 1e-12)
        start = np.array([0.5, 0.5 / max(rate, 1e-12), 1.0, 2.0])  # mean rate matched
        opt = maximize(
            lambda p, order: _loglik(data, p, order),
            start,
            self.param_names,
            n_customers=data.n,
            # Without heterogeneity the shapes are held at CAP (a at 1/CAP when
            # nobody seems to drop out): see `maximize`.
            holds={"r": (None, CAP), "a": (1.0 / CAP, CAP), "b": (None, CAP)},
        )
        self._set_fit(opt, n_customers=round(data.n), n_distinct=data.n_rows)
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
        return _loglik(_BGNBDData(x, tx, t_cal, w), self._values(), 0)[0]

    def expected_purchases(self, t: ArrayLike) -> FloatArray:
        """E[X(t)]: expected repeat purchases of a new customer in (0, t] (FHL 2005, eq. 9)."""
        r, alpha, a, b = self._values()
        tt = as_float_array(t, "t")
        return _expected_y(r, alpha, a, b, np.zeros_like(tt), np.zeros_like(tt), tt)

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """P(still active at T | x, t_x, T) (FHL 2005 note "Computing P(alive)"; 1 when x = 0)."""
        r, alpha, a, b = self._values()
        x, tx, t_cal = _broadcast(frequency, recency, T)
        return _p_alive(r, alpha, a, b, x, tx, t_cal)

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T]: expected purchases in (T, T+t] (FHL 2005, eq. 10)."""
        r, alpha, a, b = self._values()
        tt = np.asarray(t, dtype=np.float64)
        x, tx, t_cal = _broadcast(frequency, recency, T)
        tt = np.broadcast_to(tt, np.broadcast_shapes(tt.shape, x.shape))
        return _expected_y(r, alpha, a, b, x, t_cal, tt) * _p_alive(r, alpha, a, b, x, tx, t_cal)


def _broadcast(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    x, tx, t_cal = np.broadcast_arrays(
        np.asarray(frequency, dtype=np.float64),
        np.asarray(recency, dtype=np.float64),
        np.asarray(T, dtype=np.float64),
    )
    if np.any(x < 0) or np.any(tx < 0) or np.any(tx > t_cal):
        raise IdentificationError("need 0 <= recency <= T and frequency >= 0")
    return x, tx, t_cal


def _p_alive(
    r: float, alpha: float, a: float, b: float, x: FloatArray, tx: FloatArray, T: FloatArray
) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (
            np.log(a)
            - np.log(np.where(x > 0, b + x - 1.0, 1.0))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        )
    out: FloatArray = np.where(x > 0, expit(-z), 1.0)
    return out


def _expected_y(
    r: float, alpha: float, a: float, b: float, x: FloatArray, T: FloatArray, t: FloatArray
) -> FloatArray:
    """Expected purchases in (T, T+t] of a customer still alive at T with x repeat purchases.

    FHL 2005 eq. 10 without the P(alive) factor, after Euler's transformation
    2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1-r-x) 2F1(a+b-1-r, a-1; a+b+x-1; z),
    which keeps the hypergeometric parameters bounded as x grows.
    """
    if abs(a - 1.0) < 1e-7:  # removable singularity at a = 1: step just beside it
        a = 1.0 + math.copysign(1e-7, a - 1.0)
    x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, T, t)))
    z = t / (alpha + T + t)
    c = a + b + x - 1.0
    # c = 0 (a + b = 1, no repeat purchase) is a pole of 2F1 that c · (1 − 2F1) removes:
    # step just beside it, as for a = 1
    c = np.where(np.abs(c) < 1e-7, 1e-7, c)
    with np.errstate(over="ignore", invalid="ignore"):
        g = np.power(1.0 - z, a - 1.0) * _hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
    bad = ~np.isfinite(g)
    if bad.any():
        # With a and b both huge (a fit where every customer drops out at the same rate),
        # the transformed series overflows before it converges; the untransformed
        # (1-z)^(r+x) 2F1(r+x, b+x; c; z) is then well behaved, since b+x ≈ c.
        xb, zb, cb = x[bad], z[bad], c[bad]
        g = g.copy()
        g[bad] = np.power(1.0 - zb, r + xb) * hyp2f1(r + xb, b + xb, cb, zb)
    out: FloatArray = c / (a - 1.0) * (1.0 - g)
    return out


def _hyp2f1(A: float, B: float, C: FloatArray, z: FloatArray) -> FloatArray:
    """2F1(A, B; C; z) for 0 <= z < 1: scipy's, and where that overflows (large C with
    z near 1, e.g. a heavy buyer over a long horizon) the Gauss series summed directly —
    with C large its terms fall off fast, so it converges in a few hundred terms."""
    C, z = np.broadcast_arrays(np.asarray(C, dtype=np.float64), np.asarray(z, dtype=np.float64))
    out = np.array(hyp2f1(A, B, C, z), dtype=np.float64)
    bad = ~np.isfinite(out)
    if bad.any():
        cb, zb = C[bad], z[bad]
        term = np.ones_like(cb)
        total = np.ones_like(cb)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow → inf, handled above
            for n in range(100_000):
                term = term * (A + n) * (B + n) / ((cb + n) * (n + 1.0)) * zb
                total += term
                if np.all(~np.isfinite(total) | (np.abs(term) <= 1e-17 * np.abs(total))):
                    break
        out[bad] = total
    return out
