"""The morning digest of the hand-built book, parsed back with the standard library."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord import services
from accord.cli import app
from tests.agenda import book


@pytest.fixture
def url(tmp_path: Path) -> str:
    rows = {k: [dict(r) for r in v] for k, v in book.ROWS.items()}
    for user in rows["users"]:
        if user["user_id"] == "U1":
            user["email"] = "sam@example.com"
    url = f"sqlite:///{tmp_path / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=book.write(tmp_path / "bundle", rows))
    return url


def test_the_digest_is_a_multipart_email_of_the_daily_agenda(url: str, tmp_path: Path) -> None:
    out = tmp_path / "sam.eml"
    result = CliRunner().invoke(
        app,
        [
            "digest",
            "--user",
            "U1",
            "--as-of",
            "2026-06-30",
            "--out",
            str(out),
            "--db",
            url,
            "--from",
            "accord <agenda@example.com>",
        ],
    )
    assert result.exit_code == 0, result.output
    msg = BytesParser(policy=policy.default).parsebytes(out.read_bytes())
    assert msg["Subject"] == "Your agenda for 2026-06-30: 3 actions, 1 critical"
    assert msg["From"] == "accord <agenda@example.com>"
    assert msg["To"] == "Sam Seller <sam@example.com>"
    assert parsedate_to_datetime(msg["Date"]).tzinfo is not None
    assert msg["Message-ID"].startswith("<")
    assert msg["Message-ID"].endswith(".agenda.U1@example.com>")
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    plain, html = (p.get_content() for p in parts)
    assert "1. Cedar — critical · 100 at stake · due today" in plain
    assert "covers: Keep our promise: Fix the invoice address (60 days overdue)" in plain
    assert "2. Birch — warning · 2,000 at stake · 53 days overdue" in plain
    assert "3. Acme — routine · 5,000 at stake · 15 days overdue" in plain
    assert "To complete (missing data):\n- Birch: Value review: Fleet renewal (due today)" in plain
    assert "<b>Cedar</b>" in html
    assert "critical · 100 at stake · due today" in html


def test_every_seller_and_the_refusals(url: str, tmp_path: Path) -> None:
    cli = CliRunner()
    folder = tmp_path / "digests"
    every = cli.invoke(
        app, ["digest", "--all", "--as-of", "2026-06-30", "--out", str(folder), "--db", url]
    )
    assert every.exit_code == 0, every.output
    assert sorted(p.name for p in folder.iterdir()) == ["U1.eml"]  # Ria has no e-mail
    no_mail = cli.invoke(
        app, ["digest", "--user", "U2", "--out", str(tmp_path / "ria.eml"), "--db", url]
    )
    assert no_mail.exit_code == 1
    assert "user 'U2' has no e-mail address" in no_mail.output
    assert not (tmp_path / "ria.eml").exists()
    html = cli.invoke(
        app,
        [
            "digest",
            "--user",
            "U2",
            "--as-of",
            "2026-06-30",
            "--out",
            str(tmp_path / "ria.html"),
            "--db",
            url,
        ],
    )
    assert html.exit_code == 0, html.output
    assert "Stay in touch" in (tmp_path / "ria.html").read_text(encoding="utf-8")
    wrong = cli.invoke(
        app, ["digest", "--user", "U1", "--out", str(tmp_path / "x.txt"), "--db", url]
    )
    assert wrong.exit_code == 1
    assert "FILE.eml (e-mail) or FILE.html" in wrong.output
