"""The Gamma-Gamma model of spend per transaction.

Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer
Base Analysis", Journal of Marketing Research 42(4); Fader & Hardie (2013),
"The Gamma-Gamma Model of Monetary Value" (brucehardie.com, note 025).

A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across
customers, independent of the purchase process. The density of the mean m_x
of x transactions is

    f(m_x | x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q m_x^(px-1) x^(px) / (γ + x m_x)^(px+q)

fitted (as in the papers) on the customers with at least one repeat purchase,
m_x being the mean value of their repeat purchases.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import betaln, digamma

from accord.clv._fitting import (
    CAP,
    ArrayLike,
    Fitter,
    FloatArray,
    as_float_array,
    collapse,
    dot,
    maximize,
    trigamma,
)
from accord.clv.errors import ClvError, IdentificationError


def _validate(
    frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    x = as_float_array(frequency, "frequency")
    m = as_float_array(monetary_value, "monetary_value")
    w = np.ones_like(x) if weights is None else as_float_array(weights, "weights")
    if not (len(x) == len(m) == len(w)):
        raise ClvError(
            "frequency, monetary_value (and weights) must have the same length, got "
            f"{len(x)}, {len(m)}, {len(w)}"
        )
    if np.any(x <= 0) or np.any(x != np.floor(x)):
        raise ClvError(
            "Gamma-Gamma is fitted on repeat buyers: frequency must be a whole number >= 1 "
            "(leave out customers with no repeat purchase)"
        )
    if np.any(m <= 0):
        raise ClvError("monetary_value must be positive (mean value of the repeat purchases)")
    if np.any(w < 0):
        raise ClvError("weights must be non-negative")
    return x, m, w


class _SpendData:
    """Collapsed (x, m_x, weight) rows and the sums that do not depend on the parameters.

    Everything that involves p and q only goes through p·x, so the special
    functions are evaluated once per distinct x; per row remain log(γ + x m_x)
    and 1/(γ + x m_x).
    """

    def __init__(self, x: FloatArray, m: FloatArray, w: FloatArray) -> None:
        self.x, self.m, self.w = x, m, w
        self.n = float(w.sum())
        self.wx = w * x
        self.xm = x * m
        self.s_lm = dot(w, np.log(m))
        self.ux, inverse = np.unique(x, return_inverse=True)
        self.wux = np.bincount(inverse, weights=w, minlength=len(self.ux))
        self.wux_x = self.wux * self.ux
        self.wux_xx = self.wux_x * self.ux


def _loglik(
    data: _SpendData, params: FloatArray, order: int
) -> tuple[float, FloatArray | None, FloatArray | None]:
    p, q, gamma = (float(v) for v in params)
    n, w, wx, ux, wux = data.n, data.w, data.wx, data.ux, data.wux
    pu = p * ux
    big = gamma + data.xm
    lbig = np.log(big)
    s_lbig = dot(w, lbig)
    # log(x m_x) − log(γ + x m_x) = −log1p(γ / (x m_x)), and Σ log Γ(px+q) − log Γ(px)
    # − log Γ(q) = −Σ log B(px, q): both keep their digits where p is huge and γ tiny
    # (a ridge some data sets have), where the plain differences lose them all.
    s_x_shrink = dot(wx, np.log1p(gamma / data.xm))
    ll = (
        -dot(wux, betaln(pu, q)) - p * s_x_shrink - data.s_lm - q * s_lbig + n * q * math.log(gamma)
    )
    if order == 0:
        return ll, None, None
    inv = 1.0 / big
    s_inv, s_x_inv = dot(w, inv), dot(wx, inv)
    dpq = digamma(pu + q)
    grad = np.array(
        [
            dot(data.wux_x, (dpq - digamma(pu))) - s_x_shrink,
            dot(wux, dpq) - s_lbig + n * (math.log(gamma) - float(digamma(q))),
            n * q / gamma - p * s_x_inv - q * s_inv,
        ]
    )
    if order == 1:
        return ll, grad, None
    inv2 = inv * inv
    tpq = trigamma(pu + q)
    h = np.empty((3, 3))
    h[0, 0] = dot(data.wux_xx, (tpq - trigamma(pu)))
    h[0, 1] = h[1, 0] = dot(data.wux_x, tpq)
    h[0, 2] = h[2, 0] = -s_x_inv
    h[1, 1] = dot(wux, tpq) - n * float(trigamma(q))
    h[1, 2] = h[2, 1] = n / gamma - s_inv
    h[2, 2] = -n * q / gamma**2 + p * dot(wx, inv2) + q * dot(w, inv2)
    return ll, grad, h


class GammaGamma(Fitter):
    """Gamma-Gamma spend: `GammaGamma().fit(frequency, monetary_value)`; parameters p, q, gamma.

    Fit it on repeat buyers only (frequency >= 1), with monetary_value the mean
    value of their repeat purchases, as the papers do.
    """

    model_name = "Gamma-Gamma"
    param_names = ("p", "q", "gamma")

    def fit(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> GammaGamma:
        """Maximum likelihood; customers with identical (x, m_x) are fitted once, weighted."""
        x, m, w = _validate(frequency, monetary_value, weights)
        (x, m), w = collapse([x, m], w)
        keep = w > 0
        x, m, w = x[keep], m[keep], w[keep]
        n = float(w.sum())
        if n < 2 or len(np.unique(m)) < 2:
            raise IdentificationError(
                "Gamma-Gamma needs at least 2 repeat buyers with different mean spend, "
                f"got {n:g} repeat buyer{'s' if n != 1 else ''}"
            )
        mean = dot(w, m) / n
        start = np.array([2.0, 3.0, mean])
        data = _SpendData(x, m, w)
        opt = maximize(
            lambda p, order: _loglik(data, p, order),
            start,
            self.param_names,
            n_customers=n,
            # Spend that does not vary within (p) or across (q) customers: see `maximize`.
            holds={"p": (None, CAP), "q": (None, CAP)},
        )
        self._set_fit(opt, n_customers=round(n), n_distinct=len(x))
        return self

    def log_likelihood(
        self, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
    ) -> float:
        """Total log-likelihood of these data at the model's parameters."""
        x, m, w = _validate(frequency, monetary_value, weights)
        return _loglik(_SpendData(x, m, w), self._values(), 0)[0]

    def mean_spend(self) -> float:
        """E[Z] = pγ/(q-1): the population's mean spend per transaction (needs q > 1)."""
        p, q, gamma = self._values()
        if q <= 1:
            raise ClvError(f"q = {q:.3g} <= 1: the model's mean spend per transaction is infinite")
        return float(p * gamma / (q - 1.0))

    def conditional_expected_spend(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> FloatArray:
        """E[Z | x, m_x] = p(γ + x m_x)/(px + q - 1), FHL 2005 eq. 5; the mean when x = 0."""
        p, q, gamma = self._values()
        if q <= 1:
            raise ClvError(f"q = {q:.3g} <= 1: the model's mean spend per transaction is infinite")
        x = np.asarray(frequency, dtype=np.float64)
        m = np.asarray(monetary_value, dtype=np.float64)
        x, m = np.broadcast_arrays(x, m)
        m = np.where(x > 0, m, 0.0)
        out: FloatArray = p * (gamma + x * m) / (p * x + q - 1.0)
        return out
