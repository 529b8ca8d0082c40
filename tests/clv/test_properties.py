"""Properties of the predictions that must hold for any parameters and history."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.clv import BGNBD, ParetoNBD

positive = st.floats(min_value=0.05, max_value=50.0)
history = st.tuples(
    st.integers(min_value=0, max_value=200),  # x
    st.floats(min_value=0.0, max_value=1.0),  # t_x as a share of T
    st.floats(min_value=0.5, max_value=300.0),  # T
)


@settings(max_examples=60, deadline=None)
@given(positive, positive, positive, positive, history)
def test_paretonbd_alive_is_a_probability_and_recency_helps(
    r: float, alpha: float, s: float, beta: float, h: tuple[int, float, float]
) -> None:
    x, share, T = h
    model = ParetoNBD.from_params(r=r, alpha=alpha, s=s, beta=beta)
    tx = share * T if x > 0 else 0.0
    alive = model.probability_alive(x, tx, T)[0]
    assert 0.0 <= alive <= 1.0
    if x > 0:  # a more recent last purchase never makes the customer less likely alive
        assert model.probability_alive(x, min(T, tx + 0.1 * T), T)[0] >= alive - 1e-9
    ahead = model.conditional_expected_purchases(np.array([1.0, 10.0]), x, tx, T)
    assert np.all(np.isfinite(ahead))
    assert 0.0 <= ahead[0] <= ahead[1] + 1e-12


@settings(max_examples=60, deadline=None)
@given(positive, positive, positive, positive, history)
def test_bgnbd_alive_is_a_probability_and_recency_helps(
    r: float, alpha: float, a: float, b: float, h: tuple[int, float, float]
) -> None:
    x, share, T = h
    model = BGNBD.from_params(r=r, alpha=alpha, a=a, b=b)
    tx = share * T if x > 0 else 0.0
    alive = model.probability_alive(x, tx, T)
    assert 0.0 <= alive <= 1.0
    if x > 0:
        assert model.probability_alive(x, min(T, tx + 0.1 * T), T) >= alive - 1e-9
    ahead = model.conditional_expected_purchases(np.array([1.0, 10.0]), x, tx, T)
    assert np.all(np.isfinite(ahead))
    assert 0.0 <= ahead[0] <= ahead[1] + 1e-12


def test_bgnbd_is_continuous_through_a_equal_to_one() -> None:
    values = [
        BGNBD.from_params(r=0.3, alpha=4.0, a=a, b=2.5).conditional_expected_purchases(
            20.0, 3, 15.0, 30.0
        )
        for a in (1.0 - 1e-4, 1.0, 1.0 + 1e-4)
    ]
    assert np.all(np.isfinite(values))
    assert abs(values[1] - values[0]) < 1e-3
    assert abs(values[2] - values[1]) < 1e-3
