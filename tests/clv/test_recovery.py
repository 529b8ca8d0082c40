"""Parameter recovery: data drawn from each model with known parameters are fitted back.

Times are rounded to days (in weeks), as real data are, so that histories collapse.
"""

from __future__ import annotations

import numpy as np
import pytest

from accord.clv import (
    BGNBD,
    GammaGamma,
    ParetoNBD,
    simulate_bgnbd,
    simulate_gammagamma,
    simulate_paretonbd,
)


def _days(values: np.ndarray) -> np.ndarray:
    return np.round(values * 7.0) / 7.0


def _within(model: BGNBD | ParetoNBD | GammaGamma, truth: dict[str, float], k: float = 4.0) -> None:
    assert model.params_ is not None
    assert model.standard_errors_ is not None
    for name, value in truth.items():
        se = model.standard_errors_[name]
        assert abs(model.params_[name] - value) < k * se, (name, model.params_[name], value, se)


def test_bgnbd_recovers_its_parameters() -> None:
    rng = np.random.default_rng(11)
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
    T = _days(rng.uniform(26, 52, 30_000))
    data = simulate_bgnbd(T, *truth.values(), rng=rng)
    model = BGNBD().fit(data["frequency"], _days(data["recency"]), T)
    _within(model, truth)


def test_paretonbd_recovers_its_parameters() -> None:
    rng = np.random.default_rng(12)
    truth = {"r": 0.6, "alpha": 8.0, "s": 0.7, "beta": 12.0}
    T = _days(rng.uniform(26, 52, 30_000))
    data = simulate_paretonbd(T, *truth.values(), rng=rng)
    model = ParetoNBD().fit(data["frequency"], _days(data["recency"]), T)
    _within(model, truth)


def test_gammagamma_recovers_its_parameters() -> None:
    rng = np.random.default_rng(13)
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    x = rng.integers(1, 10, 20_000).astype(np.float64)
    m = simulate_gammagamma(x, *truth.values(), rng=rng)
    model = GammaGamma().fit(x, m)
    _within(model, truth)


@pytest.mark.slow
def test_paretonbd_recovers_from_a_large_cohort() -> None:
    rng = np.random.default_rng(14)
    truth = {"r": 0.3, "alpha": 3.0, "s": 1.5, "beta": 40.0}
    T = _days(rng.uniform(10, 80, 300_000))
    data = simulate_paretonbd(T, *truth.values(), rng=rng)
    model = ParetoNBD().fit(data["frequency"], _days(data["recency"]), T)
    _within(model, truth)
