"""The agenda hooks on the decision book of tests/data/decision, as of 2026-04-15."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from accord import services, services_decision

DECISION_BOOK = Path(__file__).parents[1] / "data" / "decision"


def test_suggestions_of_the_decision_book(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=DECISION_BOOK)
    found = services_decision.decision_suggestions(url=url, as_of=date(2026, 4, 15))
    assert [(s.opportunity_id, s.kind, s.due.isoformat()) for s in found] == [
        ("O5", "tell_customer", "2026-04-18"),  # keeping the old printers wins
        ("O3", "tell_customer", "2026-04-18"),  # a competitor wins
        ("O1", "plan_risks", "2026-04-22"),
        ("O4", "define_criteria", "2026-04-22"),  # open 45 days, no criteria
        ("O2", "value_review", "2026-04-22"),  # pick errors behind plan
        ("O5", "plan_risks", "2026-04-22"),
        ("O3", "refer_partner", "2026-04-22"),  # the winning competitor is our partner
    ]
    refer = found[-1].record()
    assert refer["evidence"]["partner_id"] == "P1"
    assert refer["account_id"] == "A3"
    assert refer["user_id"] == "U1"
    assert found[0].reason.startswith("On their own criteria, not changing anything scores 7.9")


def test_young_opportunities_and_done_reviews_stay_quiet(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=DECISION_BOOK)
    found = services_decision.decision_suggestions(url=url, as_of=date(2026, 3, 10))
    kinds = {(s.opportunity_id, s.kind) for s in found}
    assert ("O4", "define_criteria") not in kinds  # open 9 days only
    assert ("O2", "value_review") in kinds  # pick errors already behind plan
