"""Model mechanics: analytic derivatives, the stable Pareto/NBD tail, collapsing, errors."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import integrate
from scipy.special import hyp2f1

from accord.clv import BGNBD, ClvError, GammaGamma, IdentificationError, ParetoNBD
from accord.clv import bgnbd as bg
from accord.clv import gammagamma as gg
from accord.clv import paretonbd as pn
from accord.clv._fitting import FloatArray, collapse
from tests.clv.conftest import Cdnow


def _check_derivatives(loglik, p: FloatArray, rel: float = 1e-5) -> None:  # type: ignore[no-untyped-def]
    _, grad, hess = loglik(p, 2)
    eye = np.eye(len(p))
    step = 1e-6 * p
    num_g = np.array(
        [
            (loglik(p + step[i] * eye[i], 0)[0] - loglik(p - step[i] * eye[i], 0)[0])
            / (2 * step[i])
            for i in range(len(p))
        ]
    )
    num_h = np.array(
        [
            (loglik(p + step[i] * eye[i], 1)[1] - loglik(p - step[i] * eye[i], 1)[1])
            / (2 * step[i])
            for i in range(len(p))
        ]
    )
    np.testing.assert_allclose(grad, num_g, rtol=rel, atol=rel * np.abs(num_g).max())
    np.testing.assert_allclose(hess, num_h, rtol=rel, atol=rel * np.abs(num_h).max())


@pytest.mark.parametrize("p", [[0.3, 4.0, 0.7, 2.0], [2.0, 40.0, 3.0, 0.6]])
def test_bgnbd_gradient_and_hessian_are_exact(cdnow_sample: Cdnow, p: list[float]) -> None:
    data = bg._BGNBDData(cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T, np.ones(2357))
    _check_derivatives(lambda q, o: bg._loglik(data, q, o), np.array(p))


@pytest.mark.parametrize(
    "p", [[0.55, 10.58, 0.61, 11.67], [0.3, 4.0, 1.5, 60.0], [2.0, 50.0, 0.4, 1.0]]
)
def test_paretonbd_gradient_and_hessian_are_exact(cdnow_sample: Cdnow, p: list[float]) -> None:
    data = pn._ParetoData(cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T, np.ones(2357))
    _check_derivatives(lambda q, o: pn._loglik(data, q, o), np.array(p), rel=1e-4)


def test_gammagamma_gradient_and_hessian_are_exact() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(1, 12, 400).astype(np.float64)
    m = rng.gamma(3.0, 10.0, 400)
    w = np.ones(400)
    data = gg._SpendData(x, m, w)
    _check_derivatives(lambda q, o: gg._loglik(data, q, o), np.array([6.0, 3.7, 15.0]))


def test_pareto_tail_matches_direct_integration() -> None:
    """log F(t) = log ∫_t^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ over a wide, random parameter range."""
    rng = np.random.default_rng(1)
    worst = 0.0
    for _ in range(120):
        r, alpha, s, beta = np.exp(rng.uniform(np.log(0.05), np.log(20), 4)) * [1, 10, 1, 10]
        x, t = float(rng.integers(0, 60)), float(rng.uniform(0, 100))
        tail = pn._Tail(np.array([x]), np.array([t]))
        tail.compute(r, alpha, s, beta, 0)
        shift = (r + x) * math.log(alpha + t) + (s + 1) * math.log(beta + t)

        def f(tau: float, c: tuple[float, ...] = (shift, r + x, alpha, s + 1, beta)) -> float:
            return math.exp(c[0] - c[1] * math.log(c[2] + tau) - c[3] * math.log(c[4] + tau))

        value, _ = integrate.quad(f, t, np.inf, epsabs=0, epsrel=1e-13, limit=500)
        worst = max(worst, abs(tail.log_f[0] - (math.log(value) - shift)))
    assert worst < 1e-6


def test_pareto_likelihood_agrees_with_the_hypergeometric_form() -> None:
    """Fader & Hardie's note 009, eq. (18)-(20), with scipy's 2F1, where it is well-behaved."""
    r, alpha, s, beta = 0.55, 10.58, 0.61, 11.67
    x, tx, T = (
        np.array([0.0, 2.0, 5.0]),
        np.array([0.0, 30.43, 12.0]),
        np.array([38.86, 38.86, 30.0]),
    )
    rsx = r + s + x
    # alpha < beta: A0 uses 2F1(r+s+x, r+x; r+s+x+1; (β-α)/(β+t)) / (β+t)^(r+s+x), t = t_x, T.
    a1 = hyp2f1(rsx, r + x, rsx + 1, (beta - alpha) / (beta + tx))
    a2 = hyp2f1(rsx, r + x, rsx + 1, (beta - alpha) / (beta + T))
    a0 = a1 / (beta + tx) ** rsx - a2 / (beta + T) ** rsx
    front = np.exp([math.lgamma(r + v) - math.lgamma(r) for v in x]) * alpha**r * beta**s
    lik = front * (1 / ((alpha + T) ** (r + x) * (beta + T) ** s) + s / rsx * a0)
    model = ParetoNBD.from_params(r=r, alpha=alpha, s=s, beta=beta)
    ours = [model.log_likelihood([v], [a], [b]) for v, a, b in zip(x, tx, T, strict=True)]
    np.testing.assert_allclose(ours, np.log(lik), rtol=1e-9)


def test_collapsing_gives_the_same_fit_as_expanded_rows(cdnow_sample: Cdnow) -> None:
    (x, tx, T), w = collapse([cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T])
    assert w.sum() == 2357
    assert len(w) < 1100
    weighted = BGNBD().fit(x, tx, T, weights=w)
    expanded = BGNBD().fit(cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T)
    assert weighted.params_ == pytest.approx(expanded.params_, rel=1e-9)
    assert weighted.log_likelihood_ == pytest.approx(expanded.log_likelihood_, rel=1e-12)


def test_fitters_report_their_size_and_summary(cdnow_sample: Cdnow) -> None:
    model = BGNBD()
    assert repr(model) == "<BGNBD: not fitted>"
    assert model.fit(cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T) is model
    text = repr(model)
    assert "2,357 customers" in text
    assert "distinct histories" in text
    assert "r=0.2426" in text
    summary = model.summary
    assert summary["param"].to_list() == ["r", "alpha", "a", "b"]
    assert summary.columns == ["param", "estimate", "std_error", "lower_95", "upper_95"]
    assert (summary["std_error"] > 0).all()
    given = ParetoNBD.from_params(r=1.0, alpha=2.0, s=0.5, beta=3.0)
    assert "(given)" in repr(given)


def test_no_repeat_buyers_cannot_identify_the_model() -> None:
    with pytest.raises(IdentificationError, match="no customer made a repeat purchase"):
        BGNBD().fit([0, 0, 0], [0, 0, 0], [10, 20, 30])
    with pytest.raises(IdentificationError, match="no customer made a repeat purchase"):
        ParetoNBD().fit([0, 0], [0, 0], [10, 20])


def test_a_single_customer_cannot_identify_heterogeneity() -> None:
    with pytest.raises(IdentificationError, match="at least 2 customers"):
        BGNBD().fit([3], [10], [20])


def test_bad_statistics_are_refused() -> None:
    with pytest.raises(ClvError, match="recency must not exceed T"):
        BGNBD().fit([1, 2], [30, 5], [20, 20])
    with pytest.raises(ClvError, match="whole numbers"):
        ParetoNBD().fit([1.5, 2], [3, 5], [20, 20])
    with pytest.raises(ClvError, match="same length"):
        BGNBD().fit([1, 2], [3], [20, 20])
    with pytest.raises(ClvError, match="repeat buyers"):
        GammaGamma().fit([0, 2], [10.0, 12.0])
    with pytest.raises(IdentificationError, match="different mean spend"):
        GammaGamma().fit([1, 2], [10.0, 10.0])
    with pytest.raises(ClvError, match="not fitted"):
        BGNBD().expected_purchases([1.0])


def test_predictions_are_probabilities_and_stable_for_heavy_buyers() -> None:
    # Large x with an old last purchase: the naive 2F1 forms overflow here.
    pnbd = ParetoNBD.from_params(r=0.55, alpha=10.58, s=0.61, beta=11.67)
    bgnbd = BGNBD.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    x = np.array([0, 1, 50, 300, 500, 500])
    tx = np.array([0, 5, 1, 200, 5, 199])
    T = np.array([10, 40, 37, 200, 200, 200])
    for model in (pnbd, bgnbd):
        alive = model.probability_alive(x, tx, T)
        assert np.all((alive >= 0) & (alive <= 1))
        assert np.all(np.isfinite(alive))
        ahead = model.conditional_expected_purchases(10, x, tx, T)
        assert np.all(np.isfinite(ahead))
        assert np.all(ahead >= 0)
    # A heavy buyer seen recently is alive; one silent for long is not.
    assert pnbd.probability_alive(500, 199, 200)[0] > 0.95
    assert pnbd.probability_alive(500, 5, 200)[0] < 1e-6
    # Smooth in x (lifetimes' underflow check): no jump between 132 and 133.
    left, right = pnbd.conditional_expected_purchases(10, [132, 133], 200, 200)
    assert abs(left - right) < 0.05


def test_expected_purchases_are_consistent_with_simulation() -> None:
    from accord.clv import simulate_paretonbd

    rng = np.random.default_rng(5)
    sim = simulate_paretonbd(np.full(200_000, 30.0), 0.55, 10.58, 0.61, 11.67, rng=rng)
    model = ParetoNBD.from_params(r=0.55, alpha=10.58, s=0.61, beta=11.67)
    assert sim["frequency"].mean() == pytest.approx(model.expected_purchases([30.0])[0], rel=0.02)


def test_summary_frame_is_polars(cdnow_sample: Cdnow) -> None:
    # (Not [1, 2, 3] × [10, 12, 20]: that likelihood has no maximum, see test_robust_fitting.)
    repeat = cdnow_sample.summary.filter(pl.col("frequency") > 0)
    model = GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
    assert isinstance(model.summary, pl.DataFrame)
    assert model.summary["param"].to_list() == ["p", "q", "gamma"]


def test_fits_do_not_depend_on_the_order_of_customers(cdnow_sample: Cdnow) -> None:
    order = np.random.default_rng(8).permutation(len(cdnow_sample.x))
    for cls in (BGNBD, ParetoNBD):
        a = cls().fit(cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T)
        b = cls().fit(cdnow_sample.x[order], cdnow_sample.tx[order], cdnow_sample.T[order])
        assert a.params_ == b.params_  # exactly: fits run on sorted, collapsed rows
        assert a.log_likelihood_ == b.log_likelihood_
    repeat = cdnow_sample.summary.filter(pl.col("frequency") > 0)
    m, x = repeat["monetary_value"].to_numpy(), repeat["frequency"].to_numpy()
    order = order[order < len(m)]
    assert GammaGamma().fit(x, m).params_ == GammaGamma().fit(x[order], m[order]).params_


def test_paretonbd_fit_rule_agrees_with_the_precise_rule(cdnow_sample: Cdnow) -> None:
    """The fit finishes on a 12-node rule; the 20-node rule used to predict agrees."""
    model = ParetoNBD().fit(cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T)
    precise = model.log_likelihood(cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T)
    assert model.log_likelihood_ == pytest.approx(precise, rel=1e-9)
