"""The set-based strength per (seller, person) equals the one-pair formula."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from accord import services
from accord.analytics import contact_strengths, day_number, open_ledger
from accord.analytics.features import _day
from accord.config import Settings
from accord.health import strength
from tests.health.book import AS_OF, Book, ago

S = Settings()


def test_strength_in_sql_matches_the_formula(tmp_path: Path) -> None:
    book = Book(peers=0)
    both = book.contact("decision_maker")
    one_way = book.contact("champion")
    for days in (0, 90, 180):
        book.touch(ago(days), direction="mutual", contacts=f"{both};{one_way}")
    for days in (10, 20):
        book.touch(ago(days), direction="outbound", contacts=one_way)
    book.touch(ago(5), direction="inbound", contacts=both)
    url = f"sqlite:///{tmp_path / 'b.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=book.write(tmp_path / "bundle"))
    with open_ledger(url) as ledger:
        tp = ledger["touchpoints"]
        tp = tp.select(
            "user_id", "contact_ids", day=_day(tp.day), two_way=tp.direction != "outbound"
        )
        got = pl.from_arrow(ledger.to_arrow(contact_strengths(ledger, tp, day_number(AS_OF), S)))
    assert isinstance(got, pl.DataFrame)
    by_contact = dict(zip(got["contact_id"], got["strength"], strict=True))
    assert by_contact[both] == pytest.approx(
        strength([(0, True), (90, True), (180, True), (5, True)], S)
    )
    expected = strength([(0, True), (90, True), (180, True), (10, False), (20, False)], S)
    assert by_contact[one_way] == pytest.approx(expected)
    assert 0 < expected < 1


def test_one_way_contact_is_no_relationship() -> None:
    assert strength([(0, False), (1, False), (2, False)], S) == 0.0
    three = strength([(0, True), (90, True), (180, True)], S)
    assert three == pytest.approx(1 - 2.718281828459045 ** (-1.75 / 3))  # docs/health.md
    assert strength([(0, True), (90, True), (180, False)], S) == pytest.approx(three)
    assert strength([(400, True)], S) < strength([(4, True)], S)
