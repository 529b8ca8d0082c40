"""A book with orders but no touchpoint, invoice or commitment still diagnoses, on both backends.

PostgreSQL types the minimum of a NOT NULL column as NOT NULL, so an empty
table's null minimum used to stop the search for the book's first activity.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from accord import services
from tests.conftest import SAMPLE_BOOK


def test_orders_without_touchpoints_invoices_or_commitments(book_url: str, tmp_path: Path) -> None:
    for name in ("users.csv", "accounts.csv", "opportunities.csv", "orders.csv"):
        shutil.copy(SAMPLE_BOOK / name, tmp_path / name)
    services.import_bundle(url=book_url, directory=tmp_path)
    result = services.diagnose(url=book_url, as_of=date(2026, 3, 31))
    a1 = result.accounts.filter(result.accounts["account_id"] == "A1").row(0, named=True)
    assert a1["engagement"] is None  # no touchpoint: unknown, not 0
    assert a1["trust"] is None  # nothing due
    assert a1["score"] is not None
