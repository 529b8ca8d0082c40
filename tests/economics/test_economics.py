"""Relationship economics (SPEC section 6) and each pattern's cost, by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accord import services
from accord.config import settings_from_mapping
from accord.health import Diagnosis
from tests.economics.book import money_book
from tests.health.book import Book, ago
from tests.health.test_detectors import NO_MODEL


@pytest.fixture(scope="module")
def diagnosis(tmp_path_factory: pytest.TempPathFactory) -> Diagnosis:
    return money_book().diagnose(tmp_path_factory.mktemp("money"), settings=NO_MODEL)


def _record(d: Diagnosis, account: str) -> dict[str, Any]:
    return next(r for r in d.records() if r["account_id"] == account)


def _pattern(d: Diagnosis, account: str, pid: str) -> dict[str, Any]:
    return next(p for p in _record(d, account)["patterns"] if p["id"] == pid)


def test_a_peer_s_economics_by_hand(diagnosis: Diagnosis) -> None:
    # 2 orders of 900 (list 1000, cost 630); 8 touchpoints of 5 minutes; no invoices
    assert _record(diagnosis, "B-P1")["economics"] == {
        "revenue": 1800.0,
        "gross_margin": 540.0,
        "orders": 2,
        "orders_unknown_cost": 0,
        "revenue_unknown_cost": 0.0,
        "cost_to_serve": 66.67,  # 40 minutes × 100 / 60
        "financing_cost": 0.0,
        "discount_given": 200.0,
        "net_contribution": 473.33,
        "value_ahead": None,  # the lifetime model is off
    }


def test_financing_cost_is_the_terms_dictated_cost(diagnosis: Diagnosis) -> None:
    econ = _record(diagnosis, "A1")["economics"]
    assert econ["financing_cost"] == 123.29  # 3 × 10,000 × 15 days × 10% / 365
    assert econ["net_contribution"] == -123.29  # no orders: margin 0, nothing served
    assert _pattern(diagnosis, "A1", "terms_dictated")["cost"] == 123.29


def test_margin_giveaway_costs_the_extra_discount(diagnosis: Diagnosis) -> None:
    p = _pattern(diagnosis, "B", "margin_giveaway")
    assert p["cost"] == pytest.approx(300.0)  # (0.25 − 0.10) × 2,000 listed
    econ = _record(diagnosis, "B")["economics"]
    assert econ["discount_given"] == 500.0
    assert econ["gross_margin"] == 500.0
    assert econ["cost_to_serve"] == 100.0  # one 60-minute meeting
    assert econ["net_contribution"] == 400.0


def test_unknown_costs_are_unknown_not_zero(diagnosis: Diagnosis) -> None:
    econ = _record(diagnosis, "C")["economics"]
    assert econ["revenue"] == 800.0
    assert econ["gross_margin"] is None
    assert econ["net_contribution"] is None
    assert (econ["orders"], econ["orders_unknown_cost"], econ["revenue_unknown_cost"]) == (
        2,
        2,
        800.0,
    )
    fading = _pattern(diagnosis, "C", "fading")
    assert (fading["cost"], fading["at_risk"]) == (None, None)


def test_professional_visitor_costs_the_time(diagnosis: Diagnosis) -> None:
    assert _pattern(diagnosis, "D", "professional_visitor")["cost"] == 300.0
    econ = _record(diagnosis, "D")["economics"]
    assert (econ["revenue"], econ["gross_margin"], econ["net_contribution"]) == (0.0, 0.0, -300.0)


def test_over_servicing_costs_the_larger_of_its_two_measures(tmp_path: Path) -> None:
    b = Book()
    b.order(ago(100), 1000.0, cost=500.0)  # gross margin 500
    b.service(ago(50), 2.0)  # 200 to serve: 50 above 30% of the margin
    b.service(ago(40), 0.4, in_scope=False)  # 40 of out-of-scope work
    d = b.diagnose(tmp_path, settings=NO_MODEL)
    # cost to serve 2.4 h × 100 = 240; 240 − 150 = 90 > 40
    assert _pattern(d, "A1", "over_servicing")["cost"] == 90.0


def test_double_billing_costs_what_was_billed_twice(tmp_path: Path) -> None:
    b = Book()
    b.order(ago(100), 1000.0, cost=600.0, lines=(("KIT", 1000.0),))
    b.order(ago(90), 120.0, cost=60.0, lines=(("P-A", 120.0),))
    d = b.diagnose(tmp_path, settings=NO_MODEL)
    assert _pattern(d, "A1", "double_billing")["cost"] == 120.0


def test_quota_pressure_costs_the_extra_discount(tmp_path: Path) -> None:
    b = Book()
    # two quarter-end orders (last days of March) at 20% off, one other order at 5% off
    b.order(ago(97), 800.0, 1000.0, 500.0)  # 2026-03-25
    b.order(ago(95), 1600.0, 2000.0, 1000.0)  # 2026-03-27
    b.order(ago(60), 950.0, 1000.0, 500.0)
    d = b.diagnose(tmp_path, settings=NO_MODEL)
    # (0.20 − 0.05) × 3,000 listed at quarter end
    assert _pattern(d, "A1", "quota_pressure")["cost"] == pytest.approx(450.0)


def test_win_lose_costs_when_we_lose_and_risks_value_when_they_lose(tmp_path: Path) -> None:
    many = settings_from_mapping({"continuity": {"min_model_accounts": 2}})
    b = Book()
    b.order(ago(300), 1000.0, cost=960.0)  # margin 4%: we lose
    b.order(ago(200), 1100.0, cost=1056.0)
    b.start("T")
    b.order(ago(300), 1000.0, cost=500.0)  # margin 50%: top quarter of its segment
    b.order(ago(200), 1200.0, cost=600.0)
    b.feedback(ago(10), "nps", 3)  # while they are unhappy: they lose
    d = b.diagnose(tmp_path, settings=many)
    we_lose = _pattern(d, "A1", "win_lose")
    # (segment median 30% − 4%) × 2,100 revenue
    assert we_lose["cost"] == pytest.approx(546.0)
    assert we_lose["at_risk"] is None
    they_lose = _pattern(d, "T", "win_lose")
    assert they_lose["cost"] is None
    value_ahead = _record(d, "T")["economics"]["value_ahead"]
    assert value_ahead is not None
    assert value_ahead > 0
    assert they_lose["at_risk"] == pytest.approx(0.30 * value_ahead, abs=0.01)  # risk share


def test_friendship_over_profit_costs_the_margin_gap(tmp_path: Path) -> None:
    b = Book()
    b.order(ago(100), 1000.0, cost=800.0)  # 20% against a median of 30%
    for i in range(10):
        b.touch(ago(5 + 20 * i), purpose="social" if i < 4 else "support")
    d = b.diagnose(tmp_path, settings=NO_MODEL)
    assert _pattern(d, "A1", "friendship_over_profit")["cost"] == pytest.approx(100.0)


def test_at_risk_is_value_ahead_times_the_patterns_risk_share(tmp_path: Path) -> None:
    many = settings_from_mapping({"continuity": {"min_model_accounts": 2}})
    b = Book()
    b.order(ago(300), 1000.0, cost=600.0)
    b.order(ago(200), 1100.0, cost=600.0)
    b.feedback(ago(20), "nps", 4)
    b.feedback(ago(10), "complaint")
    d = b.diagnose(tmp_path, settings=many)
    record = _record(d, "A1")
    hostage = _pattern(d, "A1", "hostage")
    assert hostage["cost"] is None
    value_ahead = record["economics"]["value_ahead"]
    assert value_ahead == record["lifetime"]["value_ahead_12m"]
    assert value_ahead > 0
    assert hostage["at_risk"] == pytest.approx(0.40 * value_ahead, abs=0.01)  # hostage: 40%
    half = settings_from_mapping(
        {"continuity": {"min_model_accounts": 2}, "risk_share": {"hostage": 0.5}}
    )
    (tmp_path / "half").mkdir()
    again = _pattern(b.diagnose(tmp_path / "half", settings=half), "A1", "hostage")
    assert again["at_risk"] == pytest.approx(0.5 * value_ahead, abs=0.01)


def test_diagnose_json_carries_economics(tmp_path: Path, cli: Any) -> None:
    import json

    url = f"sqlite:///{tmp_path / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=money_book().write(tmp_path / "bundle"))
    result = cli.invoke(
        __import__("accord.cli", fromlist=["app"]).app,
        ["diagnose", "--db", url, "--as-of", "2026-06-30", "--account", "C", "-f", "json"],
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)[0]
    assert record["economics"]["gross_margin"] is None
    assert record["economics"]["orders_unknown_cost"] == 2
