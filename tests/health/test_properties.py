"""Properties of the scores (SPEC section 3), checked on hand-built feature rows."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.config import Settings
from accord.health import DIMENSIONS, score
from tests.health.features import AS_OF_DAY, frame

S = Settings()


def _scores(*rows: dict[str, Any]) -> list[dict[str, Any]]:
    return score(frame(*rows), S, AS_OF_DAY).select("score", *DIMENSIONS).to_dicts()


@st.composite
def commitments(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for side in ("ours", "theirs"):
        due = draw(st.integers(0, 30))
        kept = draw(st.integers(0, due))
        late = draw(st.integers(0, due - kept))
        row |= {f"{side}_due": due, f"{side}_kept": kept, f"{side}_late": late}
    n = draw(st.integers(0, 10))
    row |= {"n_invoices": n, "invoice_credit": draw(st.floats(0, 1)) * n}
    return row


@settings(max_examples=150, deadline=None)
@given(commitments(), st.sampled_from(["ours", "theirs"]))
def test_a_kept_commitment_never_lowers_trust_and_a_broken_one_never_raises_it(
    row: dict[str, Any], side: str
) -> None:
    kept = {**row, f"{side}_due": row[f"{side}_due"] + 1, f"{side}_kept": row[f"{side}_kept"] + 1}
    broken = {**row, f"{side}_due": row[f"{side}_due"] + 1}
    before, after_kept, after_broken = (r["trust"] for r in _scores(row, kept, broken))
    assert after_kept is not None
    assert after_broken is not None
    if before is not None:
        assert after_kept >= before - 1e-9
        assert after_broken <= before + 1e-9
    else:  # the first commitment due: kept scores 100, broken 0
        assert (after_kept, after_broken) == (100.0, 0.0)


_NUM = st.floats(0, 1e6, allow_nan=False)


@st.composite
def anything(draw: st.DrawFn) -> dict[str, Any]:
    """Feature rows with any counts and figures, including the empty and the absurd."""
    n_touch = draw(st.integers(0, 50))
    two_way = draw(st.integers(0, n_touch))
    return {
        "n_touch": n_touch,
        "n_two_way": two_way,
        "n_value": draw(st.integers(0, n_touch)),
        "n_touch_ever": n_touch + draw(st.integers(0, 5)),
        "last_two_way_day": draw(st.one_of(st.none(), st.integers(AS_OF_DAY - 900, AS_OF_DAY))),
        "margin": draw(st.floats(-1e5, 1e5)),
        "known_revenue": draw(_NUM),
        "margin_pct": draw(st.one_of(st.none(), st.floats(-2, 1))),
        "service_hours": draw(_NUM),
        "latest_nps": draw(st.one_of(st.none(), st.integers(0, 10).map(float))),
        "latest_csat": draw(st.one_of(st.none(), st.integers(1, 5).map(float))),
        "n_feedback": draw(st.integers(0, 5)),
        "n_complaints": draw(st.integers(0, 9)),
        "n_contacts": draw(st.integers(0, 9)),
        "n_known": draw(st.integers(0, 9)),
        "n_orders_judged": draw(st.integers(0, 9)),
        "n_followed": 0,
        "created_day": draw(st.one_of(st.none(), st.integers(AS_OF_DAY - 5000, AS_OF_DAY))),
        "p_alive": draw(st.one_of(st.none(), st.floats(0, 1))),
        **draw(commitments()),
    }


@settings(max_examples=200, deadline=None)
@given(anything())
def test_scores_stay_between_0_and_100(row: dict[str, Any]) -> None:
    (scores,) = _scores(row)
    for name, value in scores.items():
        assert value is None or 0.0 <= value <= 100.0, (name, value)


@settings(max_examples=200, deadline=None)
@given(anything())
def test_unknown_dimensions_never_count_as_zero(row: dict[str, Any]) -> None:
    (s,) = _scores(row)
    w = S.weights
    weights = {
        "trust": w.trust,
        "engagement": w.engagement,
        "mutual_value": w.mutual_value,
        "continuity": w.continuity,
    }
    known = {d: s[d] for d in DIMENSIONS if s[d] is not None}
    if len(known) < 2:  # one dimension alone is too little to score
        assert s["score"] is None
        return
    # the weighted geometric mean of the known dimensions (each counted as at least 1)
    log_mean = sum(weights[d] * math.log(max(v, 1.0)) for d, v in known.items()) / sum(
        weights[d] for d in known
    )
    assert s["score"] == pytest.approx(math.exp(log_mean))
    assert min(known.values()) - 1e-9 <= s["score"] <= max(*known.values(), 1.0) + 1e-9


def test_a_dimension_with_no_data_is_unknown_and_its_weight_spread() -> None:
    empty = {
        "ours_due": 0,
        "ours_kept": 0,
        "ours_late": 0,
        "theirs_due": 0,
        "theirs_kept": 0,
        "theirs_late": 0,
        "n_invoices": 0,
        "invoice_credit": 0.0,
    }
    (s,) = _scores(empty)
    assert s["trust"] is None
    others = {"engagement": 0.30, "mutual_value": 0.25, "continuity": 0.15}
    expected = math.exp(sum(math.log(s[d]) * w for d, w in others.items()) / 0.70)
    assert s["score"] == pytest.approx(expected)


def test_worked_example_of_docs_health_md() -> None:
    """The numbers of the worked example in docs/health.md."""
    (s,) = _scores({})
    assert s == pytest.approx(
        {
            "trust": 96.0,
            "engagement": 61.2644,
            "mutual_value": 84.5833,
            "continuity": 91.3630,
            "score": 80.6827,
        },
        abs=1e-3,
    )


def test_components_of_the_worked_example() -> None:
    row = score(frame({}), S, AS_OF_DAY).row(0, named=True)
    assert row["trust__ours"] == pytest.approx(0.9)  # (4 + 0.5 × 1) / 5
    assert row["trust__theirs"] == 1.0
    assert row["trust__invoices"] == 1.0
    assert row["engagement__recency"] == pytest.approx(2 ** (-10 / 45))
    assert row["engagement__frequency"] == pytest.approx(5 / 12)
    assert row["engagement__breadth"] == pytest.approx(0.6 * 2 / 3 + 0.4 * 0.5)
    assert row["mutual_value__cost_to_serve"] == pytest.approx(1 - (1500 / 12000) / 0.6)
    assert row["continuity__tenure"] == pytest.approx(720 / 1095)  # to the last touchpoint
    assert row["continuity__rhythm"] == 1.0  # within its rhythm of (700 − 20) / 9 days
    assert pl.Series([row["score"]]).is_not_null().all()
