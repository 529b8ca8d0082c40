"""A small book whose money is worked out by hand (tests/economics).

Built on the health test book (tests/health/book.py): each account under test
sits in a segment of four plain peers (2 orders of 900 listed at 1000 at a
cost of 630: margin 30%, discount 10%). Diagnosed as of 2026-06-30 with the
lifetime model off unless a test says otherwise.

* A1 (seller U1, segment smb): three invoices of 10,000 paid 15 days late —
  terms_dictated, financing cost 3 × 10,000 × 15 × 10% / 365 = 123.29.
* B (seller U2): two orders of 750 listed at 1,000 costing 500 — discount 25%
  against a segment median of 10%: margin_giveaway, cost 0.15 × 2,000 = 300.
* C (seller U1): two orders of 400 with no cost at all — gross margin
  unknown; no two-way contact: fading, with value ahead unknown.
* D (seller U1): six 30-minute visits, three social, no order —
  professional_visitor, cost 6 × 0.5 h × 100 = 300.
"""

from __future__ import annotations

from tests.health.book import Book, ago


def money_book() -> Book:
    b = Book(peers=4)
    b.rows["users"].append({"user_id": "U2", "name": "Uma Other"})
    for issued in (200, 150, 100):
        b.invoice(ago(issued), ago(issued - 30 - 15), amount=10_000.0)

    b.start("B")
    b.order(ago(100), 750.0, 1000.0, 500.0)
    b.order(ago(200), 750.0, 1000.0, 500.0)
    b.touch(ago(10), purpose="insight", minutes=60)
    for row in b.rows["accounts"]:
        if row["account_id"] == "B":
            row["owner_id"] = "U2"

    b.start("C")
    b.order(ago(100), 400.0)
    b.order(ago(200), 400.0)

    b.start("D")
    for i in range(6):
        b.touch(ago(10 + 30 * i), purpose="social" if i < 3 else "support")
    return b
