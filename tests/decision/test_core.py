"""The pure decision core against hand-computed matrices and textbook ROI figures."""

from __future__ import annotations

from datetime import date

import pytest

from accord.decision import (
    Alternative,
    Check,
    Criterion,
    Flow,
    Matrix,
    Plan,
    Risk,
    build_matrix,
    payback,
    register,
    roi,
    status,
    value_realised,
)


def _matrix(weights: dict[str, float], table: Table) -> Matrix:
    criteria = [Criterion(c, c, w) for c, w in weights.items()]
    alternatives = [Alternative(a, a, kind) for a, kind in table]
    scores = {(a, c): s for (a, _), row in table.items() for c, s in row.items()}
    return build_matrix(criteria, alternatives, scores)


Table = dict[tuple[str, str], dict[str, float]]


# docs/decision.md, worked example (opportunity O1 of tests/data/decision).
O1_WEIGHTS = {"C1": 40, "C2": 30, "C3": 20, "C4": 10}
O1_TABLE: Table = {
    ("US", "us"): {"C1": 6, "C2": 8, "C3": 9, "C4": 7},
    ("COMP", "competitor"): {"C1": 8, "C2": 6, "C3": 6, "C4": 8},
    ("NONE", "do_nothing"): {"C1": 9, "C2": 10, "C3": 1, "C4": 0},
}


def test_us_best_with_hand_computed_scores_and_sensitivity() -> None:
    m = build_matrix(
        [Criterion(c, c, w) for c, w in O1_WEIGHTS.items()],
        [Alternative(a, a, k) for a, k in O1_TABLE],
        {(a, c): s for (a, _), row in O1_TABLE.items() for c, s in row.items()},
    )
    # 0.4·6 + 0.3·8 + 0.2·9 + 0.1·7 = 7.3; ScanCo 7.0; paper 6.8
    assert [(r.alternative.alternative_id, round(r.score, 9)) for r in m.ranking] == [
        ("US", 7.3),
        ("COMP", 7.0),
        ("NONE", 6.8),
    ]
    assert m.us_is_best is True
    s = m.sensitivity
    assert s is not None
    # vs NONE: D = Σ r·d = 50; on C3 d = 8 → Δ = −6.25 → 13.75 / 93.75 = 14.667 %
    assert (s.criterion_id, s.challenger_id) == ("C3", "NONE")
    assert s.raw_weight_at_tie == pytest.approx(13.75)
    assert s.share_at_tie == pytest.approx(13.75 / 93.75)
    assert s.points == pytest.approx(100 * (13.75 / 93.75 - 0.2))  # −5.33 points


def test_at_the_reported_weight_the_two_alternatives_tie() -> None:
    weights = dict(O1_WEIGHTS, C3=13.75)
    m = _matrix(weights, O1_TABLE)
    scores = {r.alternative.alternative_id: r.score for r in m.ranking}
    assert scores["US"] == pytest.approx(scores["NONE"])


def test_do_nothing_wins() -> None:
    m = _matrix(
        {"L1": 70, "L2": 30},
        {("US", "us"): {"L1": 4, "L2": 9}, ("NONE", "do_nothing"): {"L1": 10, "L2": 3}},
    )
    # 0.7·10 + 0.3·3 = 7.9 against 0.7·4 + 0.3·9 = 5.5
    assert [r.alternative.alternative_id for r in m.ranking] == ["NONE", "US"]
    assert m.winner is not None
    assert m.winner.score == pytest.approx(7.9)
    assert m.us_is_best is False
    s = m.sensitivity
    assert s is not None
    # two criteria: both paths meet at the share where the scores are equal (L1 at 50 %)
    assert s.share_at_tie == pytest.approx(0.5)
    assert abs(s.points) == pytest.approx(20.0)


def test_a_competitor_wins() -> None:
    m = _matrix(
        {"K1": 50, "K2": 30, "K3": 20},
        {
            ("US", "us"): {"K1": 5, "K2": 8, "K3": 6},
            ("CS", "competitor"): {"K1": 9, "K2": 5, "K3": 9},
            ("INH", "build_in_house"): {"K1": 4, "K2": 9, "K3": 3},
        },
    )
    assert [(r.alternative.alternative_id, round(r.score, 9)) for r in m.ranking] == [
        ("CS", 7.8),
        ("US", 6.1),
        ("INH", 5.3),
    ]
    s = m.sensitivity
    assert s is not None
    # CS vs US: D = 170; K2 d = −3 → Δ = 56.667 → 86.667 / 156.667 = 55.32 %
    assert (s.criterion_id, s.challenger_id) == ("K2", "US")
    assert s.share_at_tie == pytest.approx((30 + 170 / 3) / (100 + 170 / 3))
    assert s.points == pytest.approx(25.32, abs=0.005)


def test_a_dominant_winner_has_no_sensitivity() -> None:
    m = _matrix(
        {"A": 1, "B": 1}, {("US", "us"): {"A": 9, "B": 9}, ("X", "competitor"): {"A": 1, "B": 2}}
    )
    assert m.sensitivity is None


def test_warnings_name_what_is_missing() -> None:
    empty = build_matrix([], [Alternative("US", "Us", "us")], {})
    assert empty.has("no_criteria")
    assert empty.ranking == ()
    zero = _matrix({"A": 0, "B": 0}, {("US", "us"): {"A": 5, "B": 5}})
    assert zero.has("weights_zero")
    assert zero.ranking == ()
    partial = _matrix(
        {"A": 1, "B": 1}, {("US", "us"): {"A": 5, "B": 5}, ("X", "competitor"): {"A": 5}}
    )
    assert [a.alternative_id for a in partial.unranked] == ["X"]
    assert [w.message for w in partial.warnings] == [
        "alternative 'X' (X) has no score on 'B': it is left out of the ranking"
    ]
    no_us = _matrix({"A": 1}, {("X", "competitor"): {"A": 5}})
    assert no_us.has("no_us")
    assert no_us.us_is_best is None


def _flows(nets: list[float]) -> list[Flow]:
    return [Flow(t, max(0.0, -x), max(0.0, x)) for t, x in enumerate(nets)]


def test_roi_against_brigham_and_houston_projects_s_and_l() -> None:
    """Brigham & Houston, Fundamentals of Financial Management, capital budgeting chapter:
    Project S (−1000, 500, 400, 300, 100) and L (−1000, 100, 300, 400, 675) at a 10 % cost
    of capital: NPV 78.82 and 100.40, IRR 14.49 % and 13.55 %, payback 2.33 and 3.30 years."""
    s = roi(_flows([-1000, 500, 400, 300, 100]), 0.10)
    assert s is not None
    assert s.npv == pytest.approx(78.82, abs=0.005)
    assert s.irr == pytest.approx(0.1449, abs=0.00005)
    assert s.payback == pytest.approx(2 + 100 / 300)
    big = roi(_flows([-1000, 100, 300, 400, 675]), 0.10)
    assert big is not None
    assert big.npv == pytest.approx(100.40, abs=0.005)
    assert big.irr == pytest.approx(0.1355, abs=0.00005)
    assert big.payback == pytest.approx(3 + 200 / 675)


def test_irr_of_gitmans_example() -> None:
    """Gitman, Principles of Managerial Finance (Brief, 3rd ed., p. 348), as in the
    numpy-financial documentation: (−100, 39, 59, 55, 20) has an IRR of 28.09 %."""
    r = roi(_flows([-100, 39, 59, 55, 20]), 0.0)
    assert r is not None
    assert r.irr == pytest.approx(0.28095, abs=0.00001)
    assert r.npv == pytest.approx(73.0)


def test_no_sign_change_means_no_irr_not_a_crash() -> None:
    r = roi([Flow(0, 5000, 0), Flow(1, 1000, 0)], 0.08)
    assert r is not None
    assert r.irr is None
    assert r.irr_note == "no IRR: the net flows never change sign (all the flows are costs)"
    assert r.payback is None
    assert r.npv == pytest.approx(-5000 - 1000 / 1.08)


def test_payback_edges_and_gaps() -> None:
    assert payback([100.0, 50.0]) == 0.0
    assert payback([-100.0, 50.0]) is None
    assert payback([0.0, -100.0, 60.0, 60.0]) == pytest.approx(2 + 40 / 60)
    gap = roi([Flow(0, 100, 0), Flow(2, 0, 150)], 0.1)  # period 1 has no row: net 0
    assert gap is not None
    assert gap.nets == (-100.0, 0.0, 150.0)
    assert gap.payback == pytest.approx(1 + 100 / 150)
    with pytest.raises(ValueError, match="above"):
        roi([Flow(0, 1, 0)], -1.0)


def test_risk_register_orders_by_exposure_then_impact() -> None:
    risks = [
        Risk("a", "a", 2, 5),  # 10
        Risk("b", "b", 5, 2),  # 10, lower impact
        Risk("c", "c", 4, 4),  # 16
        Risk("d", "d", 5, 5, status="closed"),
        Risk("e", "e", 1, 3),  # 3
    ]
    assert [r.risk_id for r in register(risks)] == ["c", "a", "b", "e", "d"]
    assert [r.level for r in register(risks)] == ["high", "medium", "medium", "low", "high"]


PLAN = Plan("pick errors", 120, 30, date(2026, 9, 1), date(2025, 9, 1))


@pytest.mark.parametrize(
    ("check", "state", "realisation"),
    [
        (Check(date(2026, 3, 2), 90), "behind", (30 / 90) / (182 / 365)),
        (Check(date(2026, 3, 2), 70), "on_track", 1.0),
        (Check(date(2026, 3, 2), 30), "reached", 1.0),
        (Check(date(2025, 9, 1), 125), "on_track", 1.0),  # at the start nothing is expected
        (Check(date(2026, 12, 1), 60), "behind", 60 / 90),  # past measure_by: all expected
    ],
)
def test_value_states(check: Check, state: str, realisation: float) -> None:
    got = status(PLAN, [check], date(2026, 12, 31))
    assert got.state == state
    assert got.realisation == pytest.approx(realisation)


def test_value_uses_the_latest_check_up_to_the_as_of_date() -> None:
    checks = [
        Check(date(2026, 1, 1), 100),
        Check(date(2026, 3, 2), 90),
        Check(date(2026, 5, 1), 30),
    ]
    assert status(PLAN, checks, date(2026, 4, 1)).check == checks[1]
    assert status(PLAN, [], date(2026, 4, 1)).state == "not_measured"
    up = Plan("on time", 0.85, 0.95, date(2026, 3, 1), date(2025, 9, 1))
    both = [
        status(PLAN, checks[:2], date(2026, 4, 1)),
        status(up, [Check(date(2026, 3, 1), 0.96)], date(2026, 4, 1)),
    ]
    assert [s.state for s in both] == ["behind", "reached"]
    assert value_realised(both) == pytest.approx(((30 / 90) / (182 / 365) + 1) / 2)
