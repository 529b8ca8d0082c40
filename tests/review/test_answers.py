"""The review's question, answered: per key account, what the seller does to perpetuate it.

On the review's hand-built book (tests/review/book.py): Sam answers for Acme (A1) in
June 2026; the June review shows the answer, the July review shows it beside what
happened since. Birch (A2) gave a referral in June and received one in March.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from accord import services, services_agenda
from accord.cli import app
from accord.review import KeyAccount, Referrals
from accord.storage.database import make_engine
from tests.agenda import book as agenda_book
from tests.review import book


@pytest.fixture
def url(tmp_path: Path) -> str:
    rows = {k: [dict(r) for r in v] for k, v in book.ROWS.items()}
    rows["referrals"] = [
        {
            "referral_id": "R1",
            "account_id": "A2",
            "partner_id": "P1",
            "direction": "given",
            "made_on": "2026-06-10",
        },
        {
            "referral_id": "R2",
            "account_id": "A2",
            "partner_id": "P1",
            "direction": "received",
            "made_on": "2026-03-05",
        },
    ]
    url = f"sqlite:///{tmp_path / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=agenda_book.write(tmp_path / "bundle", rows))
    return url


def _audit(url: str) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT user_id, action, row_key, field, old_value, new_value FROM audit_log "
                "WHERE table_name = 'review_answers' ORDER BY entry_id"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_an_answer_is_stored_audited_and_shown_next_month(url: str) -> None:
    cli = CliRunner()
    said = cli.invoke(
        app,
        [
            "review-answer",
            "A1",
            "--month",
            "2026-06",
            "--user",
            "U1",
            "--db",
            url,
            "--answer",
            "Quarterly value review with their COO",
            "--commitment",
            "Send the usage report by the 15th",
        ],
    )
    assert said.exit_code == 0, said.output
    assert "Saved the answer for A1 in 2026-06." in said.output
    assert _audit(url) == [
        ("U1", "create", "A1/2026-06", "answer", None, "Quarterly value review with their COO"),
        ("U1", "create", "A1/2026-06", "commitment", None, "Send the usage report by the 15th"),
        ("U1", "create", "A1/2026-06", "user_id", None, "U1"),
    ]
    june = services_agenda.review(url=url, month="2026-06", team="North")
    acme = next(a for a in june.key_accounts if a.account_id == "A1")
    assert acme.answer is not None
    assert (acme.answer.answer, acme.answer.commitment) == (
        "Quarterly value review with their COO",
        "Send the usage report by the 15th",
    )
    assert acme.last_answer is None
    birch = next(a for a in june.key_accounts if a.account_id == "A2")
    assert birch.referrals == Referrals(
        given_month=1, received_month=0, given_year=1, received_year=1
    )
    july = services_agenda.review(url=url, month="2026-07", team="North")
    acme_july = next(a for a in july.key_accounts if a.account_id == "A1")
    assert acme_july.answer is None
    assert acme_july.last_answer is not None
    assert acme_july.last_answer.commitment == "Send the usage report by the 15th"


def test_bad_answers_change_nothing(url: str) -> None:
    cli = CliRunner()
    for args, message in (
        (["A1", "--answer", "  "], "the answer is empty"),
        (["A9", "--answer", "x"], "there is no account 'A9'"),
        (["A1", "--answer", "x", "--month", "2026-13"], "is not a month"),
    ):
        full = ["review-answer", *args, "--user", "U1", "--db", url]
        if "--month" not in args:
            full += ["--month", "2026-06"]
        result = cli.invoke(app, full)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output
    assert _audit(url) == []


def test_intent_against_the_model_horizon() -> None:
    base = KeyAccount("A1", "Acme", "Sam", 1000.0, 0.4, "season", 60.0, 55.0, [], [], [], [])
    lifetime = KeyAccount(
        "A1",
        "Acme",
        "Sam",
        1000.0,
        0.4,
        "season",
        60.0,
        55.0,
        [],
        [],
        [],
        [],
        intent="lifetime",
    )
    same = KeyAccount(
        "A1", "Acme", "Sam", 1000.0, 0.4, "season", 60.0, 55.0, [], [], [], [], intent="season"
    )
    assert (base.intent_disagrees, lifetime.intent_disagrees, same.intent_disagrees) == (
        False,
        True,
        False,
    )


_HEADINGS = (
    "Portfolio health",
    "Biggest movers",
    "Patterns",
    "What our unhealthy relationships cost us",
    "Key accounts",
    "Seller alignment",
)


def test_the_pdf_has_no_orphan_heading_and_no_empty_page(url: str, tmp_path: Path) -> None:
    import pypdf

    for account in ("A1", "A2", "A3"):
        services_agenda.answer_review(
            url=url,
            month="2026-06",
            account_id=account,
            user_id="U1",
            answer="We bring one insight a month and check the value they get " * 3,
            commitment="Meet their operations lead before the 20th",
        )
    out = tmp_path / "review.pdf"
    services_agenda.write_review(url=url, month="2026-06", out=out, team="North")
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    pages = [page.extract_text() or "" for page in reader.pages]
    assert len(pages) >= 2
    footer = re.compile(r"^page \d+ of \d+$")
    for n, text in enumerate(pages, start=1):
        lines = [x.strip() for x in text.splitlines() if x.strip() and not footer.match(x.strip())]
        assert len(" ".join(lines)) > 60, f"page {n} is (nearly) empty"
        assert lines[-1] not in _HEADINGS, f"page {n} ends with the heading {lines[-1]!r}"
    joined = " ".join(" ".join(p.split()) for p in pages)
    assert "What are you doing to perpetuate the relationship?" in joined
    assert "This month we commit to: Meet their operations lead before the 20th" in joined
    assert "referrals: given 1, received 0" in joined
