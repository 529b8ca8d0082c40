"""Health bands: the one way every report and page groups accounts by score.

`healthy` starts where SPEC section 4's healthy line does (70 by default,
`general.healthy_from`); `watch` is the twenty points below it, where a
relationship still has most of its footing; `at risk` is everything lower.
An account whose score is unknown is in no band (reports count it apart).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

WATCH_SPAN = 20.0
"""Points below the healthy line that count as `watch` rather than `at risk`."""


@dataclass(frozen=True, slots=True)
class HealthBand:
    name: str
    label: str  # the range in words, for legends
    low: float  # inclusive
    high: float  # exclusive


def health_bands(healthy_from: float = 70.0) -> tuple[HealthBand, ...]:
    """healthy, watch, at risk — best first."""
    watch_from = max(healthy_from - WATCH_SPAN, 0.0)
    return (
        HealthBand("healthy", f"{healthy_from:g} and over", healthy_from, float("inf")),
        HealthBand("watch", f"{watch_from:g} to under {healthy_from:g}", watch_from, healthy_from),
        HealthBand("at risk", f"under {watch_from:g}", float("-inf"), watch_from),
    )


def band_counts(scores: pl.Series, healthy_from: float = 70.0) -> list[int]:
    """Accounts per band of `health_bands(healthy_from)`, nulls left out."""
    known = scores.drop_nulls()
    return [int(((known >= b.low) & (known < b.high)).sum()) for b in health_bands(healthy_from)]
