"""The published CDNOW results, reproduced from the raw transaction file.

Sources
-------
[FHL05]  Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way: An
         Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284:
         BG/NBD on the 2,357-customer CDNOW sample, 39-week calibration —
         r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4; the same
         paper's Pareto/NBD comparison — r = 0.553, alpha = 10.578, s = 0.606,
         beta = 11.669, LL = -9595.0 (also in Fader, Hardie & Lee 2005, "A Note on
         Implementing the Pareto/NBD Model in MATLAB", brucehardie.com note 008).
[FH13]   Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value"
         (brucehardie.com note 025) and its spreadsheet: p = 6.25, q = 3.74,
         gamma = 15.44 on the 946 repeat buyers, LL = -4055.92; conditional
         expected spend of the first customers.
[XLS]    Hardie's BG/NBD spreadsheet (brucehardie.com note 004), as quoted in the
         `lifetimes` test-suite: E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226 and
         E[X(t)] at t = 0.1429, 1, 3, 31.8571, 32, 78.
[BTYD]   The BTYD R package's walkthrough (McCarthy & Wadsworth 2014), Pareto/NBD
         on CDNOW: P(alive | x=26, t_x=30.86, T=31) = 0.9979 with
         (0.5534, 10.5802, 0.6061, 11.6562); E[Y(52) | 26, 30.86, 31] = 25.46.
[CLVT]   CLVTools' test-suite (Bachmann, Meierer & Näf), Pareto/NBD standard
         errors on CDNOW: r 0.0476, alpha 0.8427, s 0.1873, beta 6.2105.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from accord.clv import BGNBD, GammaGamma, ParetoNBD
from accord.clv.report import tracking
from tests.clv.conftest import CALIBRATION_END, Cdnow


def _close(actual: dict[str, float], expected: dict[str, float], rel: float) -> None:
    for name, value in expected.items():
        assert actual[name] == pytest.approx(value, rel=rel), name


def test_summary_matches_the_published_cdnow_summary(cdnow_sample: Cdnow, cdnow_path: Path) -> None:
    # cdnow_customers_summary.csv: the 2,357 customers' (x, t_x, T) in weeks, rounded to 0.01.
    published = pl.read_csv(cdnow_path / "cdnow_customers_summary.csv").with_columns(
        pl.col("ID").cast(pl.String).alias("customer_id")
    )
    joined = cdnow_sample.summary.join(published, on="customer_id")
    assert joined.height == 2357
    assert (joined["frequency"] == joined["frequency_right"]).all()
    assert (joined["recency"] - joined["recency_right"]).abs().max() < 0.006  # type: ignore[operator]
    assert (joined["T"] - joined["T_right"]).abs().max() < 0.006  # type: ignore[operator]
    assert int((cdnow_sample.summary["frequency"] > 0).sum()) == 946


def test_bgnbd_reproduces_fhl05(cdnow_sample: Cdnow) -> None:
    model = BGNBD().fit(cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T)
    assert model.params_ is not None
    _close(model.params_, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, rel=0.01)
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert model.n_customers_ == 2357
    assert model.n_distinct_ < 1100  # fitted on distinct histories, not customers


def test_bgnbd_on_the_published_summary_file(cdnow_path: Path) -> None:
    published = pl.read_csv(cdnow_path / "cdnow_customers_summary.csv")
    model = BGNBD().fit(published["frequency"], published["recency"], published["T"])
    assert model.params_ is not None
    _close(model.params_, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, rel=0.01)
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)


def test_bgnbd_predictions_match_hardies_spreadsheet() -> None:
    model = BGNBD.from_params(r=0.2426, alpha=4.4135, a=0.7929, b=2.4258)
    assert model.conditional_expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(
        1.226, abs=1e-3
    )
    expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    got = model.expected_purchases([0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0])
    np.testing.assert_allclose(got, expected, atol=1e-3)
    assert model.probability_alive(0, 0, 38.86) == 1.0  # BG/NBD: no repeat purchase, never dropped


def test_paretonbd_reproduces_fhl05(cdnow_sample: Cdnow) -> None:
    model = ParetoNBD().fit(cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T)
    assert model.params_ is not None
    _close(model.params_, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, rel=0.01)
    assert model.log_likelihood_ == pytest.approx(-9595.0, abs=0.1)
    assert model.standard_errors_ is not None
    _close(
        model.standard_errors_,
        {"r": 0.0476, "alpha": 0.8427, "s": 0.1873, "beta": 6.2105},
        rel=0.02,
    )


def test_paretonbd_predictions_match_btyd() -> None:
    model = ParetoNBD.from_params(r=0.5534, alpha=10.5802, s=0.6061, beta=11.6562)
    assert model.probability_alive(26, 30.86, 31.0)[0] == pytest.approx(0.9979, abs=1e-3)
    fitted = ParetoNBD.from_params(r=0.5533, alpha=10.5776, s=0.6062, beta=11.6679)
    assert fitted.conditional_expected_purchases(52, 26, 30.86, 31)[0] == pytest.approx(
        25.46, abs=0.01
    )


def test_gammagamma_reproduces_fh13(cdnow_sample: Cdnow) -> None:
    repeat = cdnow_sample.summary.filter(pl.col("frequency") > 0)
    model = GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
    assert model.params_ is not None
    _close(model.params_, {"p": 6.25, "q": 3.74, "gamma": 15.44}, rel=0.005)
    assert model.log_likelihood_ == pytest.approx(-4055.92, abs=0.1)
    assert model.n_customers_ == 946


def test_gammagamma_conditional_spend_matches_fh13_spreadsheet(cdnow_sample: Cdnow) -> None:
    first = (
        cdnow_sample.summary.with_columns(pl.col("customer_id").cast(pl.Int64).alias("n"))
        .sort("n")
        .head(10)
    )
    model = GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44)
    got = model.conditional_expected_spend(first["frequency"], first["monetary_value"])
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    np.testing.assert_allclose(got, expected, atol=0.1)


def test_holdout_weeks_40_to_78(cdnow_sample: Cdnow) -> None:
    """The paper's holdout check: repeat purchases in weeks 40-78, actual vs predicted.

    Counted from the distributed CDNOW_sample.txt (one purchase per customer and
    day), the holdout holds 1,882 repeat purchases and the cumulative total at
    week 78 is 4,339. The paper reports this check as a plot (Figure 3) rather
    than as figures we could verify, so the test pins the file's own counts and
    checks the BG/NBD forecasts against them: the cohort's cumulative
    tracking at week 78 within 5% (the paper's Figure 3 shows the forecast
    tracking actual closely), the sum of conditional expectations within 15%.
    """
    summary = cdnow_sample.summary
    actual = int(summary["frequency_holdout"].sum())
    assert actual == 1882
    model = BGNBD().fit(cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T)
    predicted = float(
        model.conditional_expected_purchases(
            39, cdnow_sample.x, cdnow_sample.tx, cdnow_sample.T
        ).sum()
    )
    assert predicted == pytest.approx(1653.4, abs=1.0)
    assert predicted / actual == pytest.approx(1.0, abs=0.15)
    track = tracking(cdnow_sample.transactions, model, CALIBRATION_END, date(1998, 6, 30))
    assert track.actual[78] == 4339
    assert track.actual[39] == 2457  # week 39 ends with the calibration: Σx = 2,457
    assert track.expected[78] / track.actual[78] == pytest.approx(1.0, abs=0.05)
