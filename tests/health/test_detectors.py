"""Each detector of SPEC section 4 just below and just above its default threshold.

Every case builds a tiny book (tests/health/book.py), imports it into SQLite and
diagnoses it as of 2026-06-30; A1 is the account under test.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from accord.config import Settings, settings_from_mapping
from tests.health.book import Book, ago, evidence_of, patterns_of

Case = Callable[[Book, bool], None]


def transactional(b: Book, fire: bool) -> None:
    b.order(ago(200), 1000.0)
    b.order(ago(100), 1000.0)
    for day in (205, 203, 105, 100):  # run-up: the 14 days before an order, its day included
        b.touch(ago(day), purpose="pitch")
    b.touch(ago(50), purpose="pitch")
    if not fire:  # 4 of 6 in the run-up (67%) instead of 4 of 5 (80%)
        b.touch(ago(40), purpose="pitch")


def transactional_followed(b: Book, fire: bool) -> None:
    b.order(ago(200), 1000.0)
    b.order(ago(100), 1000.0)
    for day in (205, 203, 105, 100):
        b.touch(ago(day), purpose="pitch")
    # 4 of 5 touchpoints in a run-up; the fifth follows the first order up after 30 days
    # (rate 0.5, not below 0.5: no fire) or 31 days (too late: rate 0)
    b.touch(ago(200 - (31 if fire else 30)), purpose="social")


def terms_dictated(b: Book, fire: bool) -> None:
    late = 15 if fire else 14
    for issued in (200, 150, 100):  # due 30 days after issue
        b.invoice(ago(issued), ago(issued - 30 - late))


def over_servicing_cost(b: Book, fire: bool) -> None:
    b.order(ago(100), 1000.0, cost=500.0)  # gross margin 500
    b.service(ago(50), 1.5 if fire else 1.49)  # × 100 = 150 (30%) or 149


def over_servicing_scope(b: Book, fire: bool) -> None:
    b.order(ago(100), 100_000.0, cost=0.0)
    b.service(ago(50), 6.0)
    b.service(ago(40), 4.0 if fire else 3.9, in_scope=False)


def professional_visitor(b: Book, fire: bool) -> None:
    for i in range(6):
        b.touch(ago(10 + 30 * i), purpose="social" if i < (3 if fire else 2) else "support")


def professional_visitor_opportunity(b: Book, fire: bool) -> None:
    professional_visitor(b, True)
    if not fire:
        b.opportunity(ago(20))


def broken_promises(side: str) -> Case:
    def case(b: Book, fire: bool) -> None:
        for i in range(2):
            b.commitment(side, ago(100 + i), None)
        for i in range(4 if fire else 5):  # 4 of 6 kept (67%) or 5 of 7 (71%)
            b.commitment(side, ago(50 + i), ago(50 + i))
        b.commitment(side, ago(30), None, cancelled=True)  # not counted

    return case


def margin_giveaway(b: Book, fire: bool) -> None:
    net = 790.0 if fire else 810.0  # 21% or 19% against the segment's 10%
    b.order(ago(100), net, 1000.0, 600.0)
    b.order(ago(50), net, 1000.0, 600.0)


def quota_pressure(b: Book, fire: bool) -> None:
    b.order(date(2026, 2, 10), 900.0, 1000.0)
    b.order(date(2026, 5, 10), 900.0, 1000.0)
    net = 840.0 if fire else 860.0  # 16% or 14% against 10% on the other orders
    b.order(date(2026, 3, 25), net, 1000.0)  # the last 7 days of Q1: 25th–31st
    b.order(date(2025, 12, 31), net, 1000.0)


def quota_pressure_window(b: Book, fire: bool) -> None:
    b.order(date(2026, 2, 10), 900.0, 1000.0)
    b.order(date(2026, 3, 25 if fire else 24), 800.0, 1000.0)
    b.order(date(2025, 12, 31), 800.0, 1000.0)


def win_lose_we_lose(b: Book, fire: bool) -> None:
    b.order(ago(100), 1000.0, cost=951.0 if fire else 949.0)  # margin 4.9% or 5.1%


def win_lose_they_lose(b: Book, fire: bool) -> None:
    b.order(ago(100), 1000.0, cost=600.0)  # 40%: at or above the segment's 75th percentile
    b.feedback(ago(200), "nps", 3)
    b.feedback(ago(20), "nps", 6 if fire else 7)  # the latest counts


def friendship_over_profit(b: Book, fire: bool) -> None:
    b.order(ago(100), 1000.0, cost=800.0)  # 20% against a segment 25th percentile of 30%
    social = 3 if fire else 2  # of 10 touchpoints (segment 75th percentile: 8)
    for i in range(10):
        b.touch(ago(5 + 30 * i), purpose="social" if i < social else "support")


def hostage(b: Book, fire: bool) -> None:
    b.order(ago(200), 1000.0)
    b.order(ago(100), 1000.0)
    b.touch(ago(50), purpose="support")
    b.feedback(ago(30), "nps", 6 if fire else 7)


def hostage_complaints(b: Book, fire: bool) -> None:
    b.order(ago(200), 1000.0)
    b.order(ago(100), 1000.0)
    b.feedback(ago(30), "complaint")
    b.feedback(ago(20), "complaint")
    if not fire:
        b.touch(ago(10), purpose="guidance")


def double_billing(b: Book, fire: bool) -> None:
    b.order(ago(100), 500.0, lines=(("KIT", 500.0),))
    b.order(ago(70 if fire else 69), 50.0, lines=(("P-A", 50.0),))  # 30 or 31 days later


def double_billing_free(b: Book, fire: bool) -> None:
    b.order(ago(100), 500.0, lines=(("KIT", 500.0),))
    b.order(ago(90), 50.0, lines=(("P-A", 50.0 if fire else 0.0),))


def fading(b: Book, fire: bool) -> None:
    b.order(ago(200), 1000.0)
    b.touch(ago(90 if fire else 89), direction="inbound", purpose="support")
    b.touch(ago(5), direction="outbound", purpose="pitch")


def abusive(b: Book, fire: bool) -> None:
    b.touch(ago(10), tags="late;aggressive")
    b.feedback(ago(89 if fire else 90), "complaint", tags="Threat")


def big_brother(b: Book, fire: bool) -> None:
    b.touch(ago(10), tags="ultimatum")
    b.feedback(ago(364 if fire else 365), "complaint", tags="unilateral_change")


CASES: dict[str, tuple[str, Case]] = {
    "transactional": ("transactional", transactional),
    "transactional_followed": ("transactional", transactional_followed),
    "terms_dictated": ("terms_dictated", terms_dictated),
    "over_servicing_cost": ("over_servicing", over_servicing_cost),
    "over_servicing_scope": ("over_servicing", over_servicing_scope),
    "professional_visitor": ("professional_visitor", professional_visitor),
    "professional_visitor_opportunity": ("professional_visitor", professional_visitor_opportunity),
    "broken_promises_ours": ("broken_promises_ours", broken_promises("us")),
    "broken_promises_theirs": ("broken_promises_theirs", broken_promises("them")),
    "margin_giveaway": ("margin_giveaway", margin_giveaway),
    "quota_pressure": ("quota_pressure", quota_pressure),
    "quota_pressure_window": ("quota_pressure", quota_pressure_window),
    "win_lose_we_lose": ("win_lose", win_lose_we_lose),
    "win_lose_they_lose": ("win_lose", win_lose_they_lose),
    "friendship_over_profit": ("friendship_over_profit", friendship_over_profit),
    "hostage": ("hostage", hostage),
    "hostage_complaints": ("hostage", hostage_complaints),
    "double_billing": ("double_billing", double_billing),
    "double_billing_free": ("double_billing", double_billing_free),
    "fading": ("fading", fading),
    "abusive": ("abusive", abusive),
    "big_brother": ("big_brother", big_brother),
}


NO_MODEL = settings_from_mapping({"continuity": {"min_model_accounts": 10**9}})
"""The lifetime model off, so `fading` reads only its first two conditions here."""


@pytest.fixture(scope="module")
def fired(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, dict[str, list[str]]]:
    """Every case in its own account and segment: one book above, one below the thresholds."""
    out = {}
    for fire in (True, False):
        book = Book(peers=4)
        for case, (_, build) in CASES.items():
            book.start(case)
            build(book, fire)
        out[fire] = book.diagnose(tmp_path_factory.mktemp("book"), settings=NO_MODEL).pattern_ids()
    return out


@pytest.mark.parametrize("fire", [True, False], ids=["above", "below"])
@pytest.mark.parametrize("case", list(CASES))
def test_detector_at_its_threshold(
    case: str, fire: bool, fired: dict[bool, dict[str, list[str]]]
) -> None:
    pattern = CASES[case][0]
    found = fired[fire][case]
    assert (pattern in found) is fire, found


def test_peers_are_plain(fired: dict[bool, dict[str, list[str]]]) -> None:
    peers = {a: ps for a, ps in fired[True].items() if "-P" in a}
    assert len(peers) == 4 * (len(CASES) + 1)
    assert all(ps in ([], ["healthy"]) for ps in peers.values()), peers


def test_evidence_carries_the_numbers_and_thresholds(tmp_path: Path) -> None:
    book = Book()
    terms_dictated(book, True)
    d = book.diagnose(tmp_path)
    assert evidence_of(d, "terms_dictated") == {
        "invoices_due": {"value": 3.0, "threshold": 3.0, "rule": ">="},
        "median_days_late": {"value": 15.0, "threshold": 15.0, "rule": ">="},
    }
    record = next(r for r in d.records() if r["account_id"] == "A1")
    pattern = record["patterns"][0]
    assert (pattern["id"], pattern["severity"]) == ("terms_dictated", "warning")
    assert pattern["action"].startswith("They pay a median 15 days late on 3 invoices (0 unpaid")
    # financing cost: 3 invoices × 100 × 15 days × 10% / 365
    assert pattern["cost"] == pytest.approx(round(3 * 100 * 15 * 0.10 / 365, 2))
    assert record["facts"]["trust"] == [
        "median invoice 15 days late against 30-day terms",
        "lowered by terms_dictated (warning)",
    ]


def test_broken_promises_far_below_the_rate_are_critical(tmp_path: Path) -> None:
    book = Book()
    for i in range(3):
        book.commitment("us", ago(100 + i), None)
    book.commitment("us", ago(50), ago(55))  # 1 of 4 kept: 25% < 35%
    d = book.diagnose(tmp_path)
    record = next(r for r in d.records() if r["account_id"] == "A1")
    ours = next(p for p in record["patterns"] if p["id"] == "broken_promises_ours")
    assert ours["severity"] == "critical"
    assert ours["evidence"]["on_time_rate"] == {"value": 0.25, "threshold": 0.7, "rule": "<"}


def test_thresholds_come_from_the_settings(tmp_path: Path) -> None:
    book = Book()
    terms_dictated(book, True)  # median 15 days late
    stricter = settings_from_mapping({"terms_dictated": {"median_days_late": 16}})
    assert "terms_dictated" not in patterns_of(book.diagnose(tmp_path, settings=stricter))


def test_healthy_is_the_single_entry_when_nothing_fires(tmp_path: Path) -> None:
    book = Book()
    book.order(ago(100), 1000.0, cost=700.0)
    book.touch(ago(5), direction="inbound", purpose="insight")
    easy = settings_from_mapping({"general": {"healthy_from": 0}})
    d = book.diagnose(tmp_path, settings=easy)
    record = next(r for r in d.records() if r["account_id"] == "A1")
    assert [(p["id"], p["severity"]) for p in record["patterns"]] == [("healthy", "info")]
    hard = settings_from_mapping({"general": {"healthy_from": 100}})
    (tmp_path / "again").mkdir()
    assert patterns_of(Book().diagnose(tmp_path / "again", settings=hard)) == []


def test_a_rate_with_nothing_to_count_does_not_fire(tmp_path: Path) -> None:
    book = Book()
    book.order(ago(100), 0.0, 0.0)  # no revenue: margin % and discount unknown
    book.order(ago(50), 0.0, 0.0)
    d = book.diagnose(tmp_path)
    found = patterns_of(d)
    assert not {"win_lose", "margin_giveaway", "over_servicing"} & set(found)
    assert d.accounts.filter(d.accounts["account_id"] == "A1")["margin_pct"].to_list() == [None]


def test_defaults_are_the_spec_table() -> None:
    s = Settings()
    assert (s.transactional.pre_order_share, s.transactional.follow_up_rate) == (0.8, 0.5)
    assert (s.terms_dictated.min_invoices, s.terms_dictated.median_days_late) == (3, 15.0)
    assert (s.over_servicing.serve_share, s.over_servicing.out_of_scope_share) == (0.3, 0.4)
    assert s.broken_promises.on_time_rate == 0.7
    assert (s.margin_giveaway.points, s.quota_pressure.points) == (0.10, 0.05)
    assert (s.fading.quiet_days, s.fading.p_alive, s.abusive.days) == (90, 0.5, 90)
