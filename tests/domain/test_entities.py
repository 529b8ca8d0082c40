"""Derived facts that belong to one entity: lateness, commitment state, discount."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from accord.domain import (
    Channel,
    Commitment,
    CommitmentState,
    Direction,
    Feedback,
    FeedbackKind,
    Invoice,
    Order,
    OrderLine,
    Purpose,
    Side,
    Touchpoint,
)


def _invoice(paid_on: date | None = None, terms_days: int | None = None) -> Invoice:
    return Invoice("I1", "A1", date(2026, 1, 1), 1000.0, terms_days=terms_days, paid_on=paid_on)


def test_invoice_due_date_uses_its_own_terms_or_the_accounts() -> None:
    assert _invoice(terms_days=14).due_on(45) == date(2026, 1, 15)
    assert _invoice().due_on(45) == date(2026, 2, 15)
    assert _invoice().due_on() == date(2026, 1, 31)  # the default 30 days


def test_invoice_lateness_paid_late_early_and_unpaid() -> None:
    as_of = date(2026, 3, 1)
    assert _invoice(paid_on=date(2026, 2, 15)).lateness_days(as_of) == 15
    assert _invoice(paid_on=date(2026, 1, 20)).lateness_days(as_of) == -11
    # unpaid: measured against the as-of date (SPEC section 4)
    assert _invoice().lateness_days(as_of) == 29
    # paid after the as-of date: on that date it was still unpaid
    assert _invoice(paid_on=date(2026, 4, 1)).lateness_days(as_of) == 29


def _commitment(done_on: date | None = None, cancelled: bool = False) -> Commitment:
    return Commitment(
        "K1",
        "A1",
        Side.US,
        date(2026, 1, 1),
        date(2026, 1, 10),
        "Send the model",
        done_on=done_on,
        cancelled=cancelled,
    )


@pytest.mark.parametrize(
    ("done_on", "cancelled", "as_of", "state"),
    [
        (None, False, date(2026, 1, 5), CommitmentState.OPEN),
        (None, False, date(2026, 1, 10), CommitmentState.OPEN),  # due today: not yet broken
        (None, False, date(2026, 1, 11), CommitmentState.BROKEN),
        (date(2026, 1, 10), False, date(2026, 2, 1), CommitmentState.KEPT),
        (date(2026, 1, 12), False, date(2026, 2, 1), CommitmentState.LATE),
        (date(2026, 1, 12), False, date(2026, 1, 11), CommitmentState.BROKEN),  # not done yet then
        (None, True, date(2026, 2, 1), CommitmentState.CANCELLED),
    ],
)
def test_commitment_state_as_of(
    done_on: date | None, cancelled: bool, as_of: date, state: CommitmentState
) -> None:
    assert _commitment(done_on, cancelled).state(as_of) is state


def test_order_discount_and_margin() -> None:
    order = Order("O1", "A1", date(2026, 1, 1), amount=900.0, list_amount=1000.0, cost=600.0)
    assert order.discount == 100.0
    assert order.discount_rate == pytest.approx(0.10)
    assert order.gross_margin == 300.0
    bare = Order("O2", "A1", date(2026, 1, 1), amount=500.0)
    assert bare.discount == 0.0
    assert bare.gross_margin is None  # cost unknown: margin unknown, never 0
    assert Order("O3", "A1", date(2026, 1, 1), amount=0.0, list_amount=0.0).discount_rate is None


def test_order_line_total() -> None:
    assert OrderLine("O1", 1, "SKU", 3, 12.5).total == 37.5


def test_touchpoint_two_way_and_value_adding() -> None:
    tp = Touchpoint(
        "T1", "A1", datetime(2026, 1, 1, 9), Channel.CALL, Direction.INBOUND, Purpose.SUPPORT
    )
    assert tp.is_two_way
    assert tp.adds_value
    pitch = Touchpoint(
        "T2", "A1", datetime(2026, 1, 1, 9), Channel.EMAIL, Direction.OUTBOUND, Purpose.PITCH
    )
    assert not pitch.is_two_way
    assert not pitch.adds_value


@pytest.mark.parametrize(
    ("score", "category"), [(10, "promoter"), (8, "passive"), (6, "detractor")]
)
def test_nps_category(score: float, category: str) -> None:
    fb = Feedback("F1", "A1", date(2026, 1, 1), FeedbackKind.NPS, score=score)
    assert fb.nps_category == category
    assert Feedback("F2", "A1", date(2026, 1, 1), FeedbackKind.CSAT, score=5).nps_category is None
