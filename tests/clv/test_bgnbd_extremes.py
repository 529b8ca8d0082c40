"""BG/NBD predictions where a and b are both huge (every customer drops out at the
same rate): a fit that happens on real books (e.g. a generated one), where the
transformed hypergeometric series overflows before it converges."""

from __future__ import annotations

import warnings

import numpy as np

from accord.clv import BGNBD
from accord.clv.bgnbd import _expected_y


def test_huge_a_and_b_give_finite_bounded_predictions() -> None:
    model = BGNBD.from_params(r=7.376, alpha=58.96, a=1.459e5, b=1.467e7)
    x = np.array([0.0, 3.0, 25.0, 60.0])
    tx = np.array([0.0, 40.0, 90.0, 100.0])
    T = np.array([104.0, 104.0, 104.0, 104.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings reach the user
        expected = model.conditional_expected_purchases(52.0, x, tx, T)
    assert np.all(np.isfinite(expected))
    # Never more than an immortal customer's expected purchases, (r+x)/(α+T) per week.
    immortal = (7.376 + x) / (58.96 + T) * 52.0
    assert np.all(expected > 0)
    assert np.all(expected <= immortal)


def test_both_forms_of_the_series_agree_where_both_work() -> None:
    """The fallback (untransformed 2F1) equals the transformed one where neither overflows."""
    from scipy.special import hyp2f1

    r, alpha, a, b = 0.8, 6.0, 40.0, 4000.0
    x, T, t = np.array([0.0, 2.0, 9.0]), np.array([30.0, 30.0, 30.0]), np.array([52.0] * 3)
    z = t / (alpha + T + t)
    c = a + b + x - 1.0
    direct = c / (a - 1.0) * (1.0 - np.power(1.0 - z, r + x) * hyp2f1(r + x, b + x, c, z))
    np.testing.assert_allclose(_expected_y(r, alpha, a, b, x, T, t), direct, rtol=1e-9)


def test_a_plus_b_of_one_is_the_limit_of_its_neighbours() -> None:
    """a + b = 1 with no repeat purchase puts 2F1 on its pole c = 0, which c · (1 − 2F1)
    removes: the prediction there is finite, warning-free, and between its neighbours'."""
    x, T, t = np.array([0.0]), np.array([40.0]), np.array([52.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        at = _expected_y(0.5, 5.0, 0.4, 0.6, x, T, t)[0]
    below = _expected_y(0.5, 5.0, 0.4, 0.6 - 1e-4, x, T, t)[0]
    above = _expected_y(0.5, 5.0, 0.4, 0.6 + 1e-4, x, T, t)[0]
    assert np.isfinite(at)
    assert min(below, above) - 1e-6 <= at <= max(below, above) + 1e-6
