"""Health bands: one grouping for the web portfolio and the monthly review."""

from __future__ import annotations

import polars as pl

from accord.health.bands import band_counts, health_bands


def test_bands_start_at_the_healthy_line_and_watch_the_twenty_points_below() -> None:
    assert [(b.name, b.label, b.low, b.high) for b in health_bands()] == [
        ("healthy", "70 and over", 70.0, float("inf")),
        ("watch", "50 to under 70", 50.0, 70.0),
        ("at risk", "under 50", float("-inf"), 50.0),
    ]
    assert [b.label for b in health_bands(80.0)] == ["80 and over", "60 to under 80", "under 60"]


def test_counts_put_each_edge_in_the_higher_band_and_leave_unknowns_out() -> None:
    scores = pl.Series([70.0, 69.99, 50.0, 49.9, 0.0, None, 100.0])
    assert band_counts(scores) == [2, 2, 2]
