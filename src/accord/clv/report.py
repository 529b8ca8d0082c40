"""A self-contained HTML report of a lifetime-value fit: no scripts, no CDN, inline SVG.

It shows the fitted parameters, the cohort's cumulative repeat purchases by
period against the model's expectation (calibration and holdout), and the
customers with the highest expected value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from html import escape
from importlib import resources
from typing import Literal

import jinja2
import numpy as np
import polars as pl

from accord.clv._fitting import FloatArray
from accord.clv.bgnbd import BGNBD
from accord.clv.errors import ClvError
from accord.clv.gammagamma import GammaGamma
from accord.clv.paretonbd import ParetoNBD
from accord.clv.summary import TimeUnit, daily_purchases, summarize, unit_days
from accord.clv.value import customer_lifetime_value

PurchaseModelName = Literal["bgnbd", "paretonbd"]


@dataclass(frozen=True, slots=True)
class Tracking:
    """Cumulative repeat purchases by period since the cohort's first day."""

    periods: FloatArray  # 0, 1, 2, … periods since the first purchase of the cohort
    actual: FloatArray
    expected: FloatArray
    calibration_period: float  # where the calibration period ends, in periods


def tracking(
    transactions: pl.DataFrame,
    model: BGNBD | ParetoNBD,
    calibration_end: date,
    observation_end: date,
    *,
    time_unit: TimeUnit = "weeks",
) -> Tracking:
    """Actual and expected cumulative repeat purchases of the calibration cohort, per period.

    Expected: Σ over customers of E[X(t - first purchase)], the model's
    unconditional expectation for a customer born on his first purchase day.
    """
    days = unit_days(time_unit)
    daily = daily_purchases(transactions.select("customer_id", "date", "amount"))
    born = daily.group_by("customer_id").agg(pl.col("date").min().alias("born"))
    daily = daily.join(born, on="customer_id").filter(pl.col("born") <= pl.lit(calibration_end))
    start = daily["born"].min()
    if not isinstance(start, date):
        raise ClvError("no customer in the calibration period")
    n_periods = max(1, math.ceil((observation_end - start).days / days))
    edges = np.arange(n_periods + 1) * days  # in days since start
    repeat_day = (
        daily.filter(
            (pl.col("date") > pl.col("born")) & (pl.col("date") <= pl.lit(observation_end))
        )
        .select((pl.col("date") - pl.lit(start)).dt.total_days())
        .to_series()
        .to_numpy()
        .astype(np.float64)
    )
    actual = np.searchsorted(np.sort(repeat_day + 1.0), edges, side="right").astype(np.float64)
    births = (
        born.filter(pl.col("born") <= pl.lit(calibration_end))
        .group_by("born")
        .len()
        .select((pl.col("born") - pl.lit(start)).dt.total_days().alias("offset"), "len")
    )
    offsets = births["offset"].to_numpy().astype(np.float64)
    counts = births["len"].to_numpy().astype(np.float64)
    age = np.maximum(edges[:, None] - offsets[None, :], 0.0) / days
    expected = model.expected_purchases(age.ravel()).reshape(age.shape) @ counts
    cal = (calibration_end - start).days / days
    return Tracking(np.arange(n_periods + 1, dtype=np.float64), actual, expected, cal)


def tracking_svg(track: Tracking, *, period_name: str = "week") -> str:
    """An inline SVG line chart of actual vs expected cumulative repeat purchases."""
    width, height = 900, 340
    left, right, top, bottom = 70, 20, 20, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    x_max = float(track.periods[-1]) or 1.0
    y_max = float(max(track.actual.max(), track.expected.max(), 1.0)) * 1.05

    def sx(v: float) -> float:
        return left + plot_w * v / x_max

    def sy(v: float) -> float:
        return top + plot_h * (1.0 - v / y_max)

    def line(values: FloatArray) -> str:
        return " ".join(
            f"{sx(float(p)):.1f},{sy(float(v)):.1f}"
            for p, v in zip(track.periods, values, strict=True)
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="Cumulative repeat purchases, actual and expected">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
        'stroke="#cbd2d9"/>',
    ]
    raw = y_max / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    tick = next(f * magnitude for f in (1, 2, 2.5, 5, 10) if f * magnitude >= raw)
    for i in range(int(y_max // tick) + 1):
        v = tick * i
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" '
            'stroke="#eef2f6"/>'
            f'<text x="{left - 8}" y="{sy(v) + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#52606d">{v:,.0f}</text>'
        )
    step = max(1, round(x_max / 10))
    for p in range(0, int(x_max) + 1, step):
        parts.append(
            f'<text x="{sx(p):.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle" '
            f'fill="#52606d">{p}</text>'
        )
    cal = sx(min(track.calibration_period, x_max))
    parts += [
        f'<line x1="{cal:.1f}" x2="{cal:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#7b8794" '
        'stroke-dasharray="5,4"/>',
        f'<text x="{cal + 4:.1f}" y="{top + 14}" font-size="11" fill="#52606d">'
        "end of calibration</text>",
        f'<polyline fill="none" stroke="#1f2933" stroke-width="2" points="{line(track.actual)}"/>',
        f'<polyline fill="none" stroke="#d64545" stroke-width="2" stroke-dasharray="6,3" '
        f'points="{line(track.expected)}"/>',
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" font-size="12" text-anchor="middle" '
        f'fill="#1f2933">{escape(period_name)}s since the cohort\'s first purchase</text>',
        f'<line x1="{left + 14}" x2="{left + 40}" y1="{top + 16}" y2="{top + 16}" '
        'stroke="#1f2933" stroke-width="2"/>'
        f'<text x="{left + 46}" y="{top + 20}" font-size="12">actual</text>',
        f'<line x1="{left + 14}" x2="{left + 40}" y1="{top + 34}" y2="{top + 34}" '
        'stroke="#d64545" stroke-width="2" stroke-dasharray="6,3"/>'
        f'<text x="{left + 46}" y="{top + 38}" font-size="12">expected</text>',
        "</svg>",
    ]
    return "\n".join(parts)


def build_report(
    transactions: pl.DataFrame,
    calibration_end: date,
    *,
    model: PurchaseModelName = "bgnbd",
    time_unit: TimeUnit = "weeks",
    observation_end: date | None = None,
    top: int = 100,
    discount_rate: float = 0.10,
    title: str = "transactions",
) -> str:
    """Fit the purchase model (and Gamma-Gamma when possible) and render the HTML page."""
    days = unit_days(time_unit)
    last = transactions["date"].max()
    if not isinstance(last, date):
        raise ClvError("no transactions")
    end = observation_end or max(last, calibration_end)
    stats = summarize(transactions, calibration_end, observation_end=end, time_unit=time_unit)
    x = stats["frequency"].to_numpy().astype(np.float64)
    tx, t_cal = stats["recency"].to_numpy(), stats["T"].to_numpy()
    fitted = (BGNBD() if model == "bgnbd" else ParetoNBD()).fit(x, tx, t_cal)
    repeaters = stats.filter((pl.col("frequency") > 0) & (pl.col("monetary_value") > 0))
    spend_model: GammaGamma | None = None
    spend_note = ""
    try:
        spend_model = GammaGamma().fit(
            repeaters["frequency"].to_numpy(), repeaters["monetary_value"].to_numpy()
        )
        spend = spend_model.conditional_expected_spend(x, stats["monetary_value"].to_numpy())
    except ClvError as exc:
        spend_model = None
        fallback = float(repeaters["monetary_value"].mean() or 0.0)  # type: ignore[arg-type]
        spend = np.where(x > 0, stats["monetary_value"].to_numpy(), fallback)
        spend_note = f"Spend: Gamma-Gamma not used ({exc}); mean repeat value instead."
    periods_per_year = 365.25 / days
    horizon = periods_per_year  # one year ahead
    alive = fitted.probability_alive(x, tx, t_cal)
    ahead = fitted.conditional_expected_purchases(horizon, x, tx, t_cal)
    clv = customer_lifetime_value(
        fitted,
        x,
        tx,
        t_cal,
        spend,
        horizon=horizon,
        discount_rate=discount_rate,
        periods_per_year=periods_per_year,
    )
    table = stats.with_columns(
        pl.Series("p_alive", alive),
        pl.Series("expected_purchases", ahead),
        pl.Series("expected_spend", spend),
        pl.Series("clv", clv),
    ).sort("clv", descending=True)
    hold = float(stats["duration_holdout"][0]) if stats.height else 0.0
    holdout_predicted = (
        float(fitted.conditional_expected_purchases(hold, x, tx, t_cal).sum()) if hold > 0 else 0.0
    )
    track = tracking(transactions, fitted, calibration_end, end, time_unit=time_unit)
    period_name = "week" if time_unit == "weeks" else "day"
    params = [
        {"model": fitted.model_name, "name": n, "value": v, "se": _se(fitted, n)}
        for n, v in (fitted.params_ or {}).items()
    ]
    if spend_model is not None:
        params += [
            {"model": spend_model.model_name, "name": n, "value": v, "se": _se(spend_model, n)}
            for n, v in (spend_model.params_ or {}).items()
        ]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    source = resources.files("accord.clv").joinpath("templates/report.html.j2").read_text("utf-8")
    from accord import __version__

    return env.from_string(source).render(
        title=title,
        model_name=fitted.model_name,
        calibration_end=calibration_end.isoformat(),
        observation_end=end.isoformat(),
        holdout_weeks=hold > 0,
        time_unit=time_unit,
        n_customers=stats.height,
        n_repeat=int((x > 0).sum()),
        n_distinct=fitted.n_distinct_,
        expected_alive=float(alive.sum()),
        holdout_actual=int(stats["frequency_holdout"].sum()),
        holdout_predicted=holdout_predicted,
        params=params,
        log_likelihood=fitted.log_likelihood_,
        spend_note=spend_note,
        tracking_svg=tracking_svg(track, period_name=period_name),
        period_name=period_name,
        customers=table.head(top).to_dicts(),
        total_customers=table.height,
        horizon_label="12 months",
        discount_rate=discount_rate,
        version=__version__,
    )


def _se(model: BGNBD | ParetoNBD | GammaGamma, name: str) -> str:
    value = (model.standard_errors_ or {}).get(name, math.nan)
    return "—" if not math.isfinite(value) else f"{value:.4f}"


__all__ = ["Tracking", "build_report", "tracking", "tracking_svg"]
