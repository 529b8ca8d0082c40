"""The monthly review of the agenda's hand-built book: model, HTML, PDF read back, bad input."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord import services, services_agenda
from accord.cli import app
from tests.agenda import book


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = book.load(f"sqlite:///{tmp_path / 'book.db'}", tmp_path / "bundle")
    # Last month's snapshot, so that the review compares with what was stored.
    services.diagnose(url=url, as_of=date(2026, 5, 31), snapshot=True)
    # Delta gets a yearly cadence: nothing on its agenda, so the review shows the gap.
    services_agenda.set_cadence(url=url, account_id="A4", ideal_days=365, max_days=400)
    return url


def test_the_review_model(url: str) -> None:
    m = services_agenda.review(url=url, month="2026-06")
    assert (m.scope, m.accounts, m.note) == ("the whole book", 4, None)
    assert m.before_source == "the snapshots stored for 2026-05-31"
    # Acme's thin engagement (31.7) keeps it at 58.8 under the geometric mean: watch.
    assert [(b.name, b.now) for b in m.bands] == [("healthy", 0), ("watch", 2), ("at risk", 2)]
    assert sum(b.before or 0 for b in m.bands) == 4
    # Without a lifetime model (four accounts), key accounts are ranked by revenue.
    assert [a.account_id for a in m.key_accounts] == ["A1", "A2", "A3", "A4"]
    acme = m.key_accounts[0]
    assert [x.title for x in acme.actions] == [
        "Check in after order O1",
        "Stay in touch (33 days quiet)",
        "Keep our promise: Send the proposal",
        "Build a connection to a decision maker",  # issue 8: its decision maker is weak
    ]
    assert [(c.side, c.description, c.overdue) for c in acme.commitments] == [
        ("us", "Send the proposal", False)
    ]
    delta = m.key_accounts[3]
    assert (delta.actions, delta.commitments, delta.gap) == ([], [], True)
    assert [(p.id, p.count, p.accounts) for p in m.patterns] == [
        ("broken_promises_ours", 1, ["Cedar"])
    ]
    sam, ria = m.sellers
    assert (sam.user_id, sam.accounts, sam.revenue, sam.margin_pct, sam.kept_rate) == (
        "U1",
        3,
        5000.0,
        0.3,
        0.0,
    )
    assert (ria.user_id, ria.revenue, ria.adjusted) == ("U2", 0.0, 0.0)


def test_html_is_self_contained(url: str, tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    written = services_agenda.write_review(url=url, month="2026-06", out=out)
    html = out.read_text(encoding="utf-8")
    assert written.format == "html"
    for section in (
        "Portfolio health",
        "Biggest movers",
        "Patterns",
        "Key accounts",
        "Seller alignment",
    ):
        assert f"<h2>{section}</h2>" in html
    assert html.count("<svg") >= 4
    assert "No planned action: what are we doing to perpetuate this relationship?" in html
    for fetch in ("<script", "<link", " src=", "href=", "@import", "url("):
        assert fetch not in html


def test_pdf_reads_back_with_sections_and_figures(url: str, tmp_path: Path) -> None:
    import pypdf
    import pypdfium2

    out = tmp_path / "review.pdf"
    services_agenda.write_review(url=url, month="2026-06", out=out, team="North")
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    for expected in (
        "Relationship review — June 2026",
        "team North",
        "Portfolio health",
        "Biggest movers",
        "Key accounts",
        "Seller alignment",
        "broken promises ours",
        "No planned action",
        "Sam Seller",
        "5,000",
    ):
        assert expected in text, expected
    pdf = pypdfium2.PdfDocument(str(out))
    image = pdf[0].render(scale=1).to_pil().convert("L")
    pdf.close()
    assert image.size[0] > image.size[1]  # A4 landscape
    dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 2000  # ink on page 1: title, cards and the health chart
    png = tmp_path / "page1.png"
    image.save(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_seller_and_json(url: str, tmp_path: Path, cli: CliRunner) -> None:
    out = tmp_path / "sam.html"
    result = cli.invoke(
        app,
        [
            "review",
            "--month",
            "2026-06",
            "--out",
            str(out),
            "--user",
            "U1",
            "--db",
            url,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["scope"], data["accounts"], data["format"]) == ("Sam Seller (U1)", 3, "html")
    assert data["key_accounts_without_plan"] == []
    assert out.exists()


def test_a_month_with_no_data_says_so(url: str, tmp_path: Path, cli: CliRunner) -> None:
    out = tmp_path / "old.html"
    result = cli.invoke(app, ["review", "--month", "2019-01", "--out", str(out), "--db", url])
    assert result.exit_code == 0, result.output
    assert "No data for 2019-01: it starts on 2026-01-10. Nothing to review." in result.output
    assert "No data for 2019-01" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "South"], "there is no team 'South' in the book (teams: North)"),
        (["--user", "U9"], "there is no user 'U9' in the book"),
        (["--user", "U1", "--team", "East"], "user 'U1' is not in team 'East'"),
        (["--month", "2026-13"], "--month '2026-13' is not a month (YYYY-MM)"),
        (["--out", "{tmp}/missing/r.html"], "the folder {tmp}/missing does not exist"),
        (["--out", "{tmp}/r.docx"], "the file must end in .html or .pdf"),
    ],
)
def test_bad_input_exits_1(
    url: str, tmp_path: Path, cli: CliRunner, args: list[str], message: str
) -> None:
    base = {"--month": "2026-06", "--out": str(tmp_path / "r.html")}
    extra: list[str] = []
    for i in range(0, len(args), 2):
        key, value = args[i], args[i + 1].replace("{tmp}", str(tmp_path))
        if key in base:
            base[key] = value
        else:
            extra += [key, value]
    result = cli.invoke(
        app, ["review", *[x for kv in base.items() for x in kv], *extra, "--db", url]
    )
    assert result.exit_code == 1, result.output
    assert message.replace("{tmp}", str(tmp_path)) in " ".join(result.output.split())
    assert not (tmp_path / "r.html").exists()


def test_an_unwritable_file(url: str, tmp_path: Path, cli: CliRunner) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    target = folder / "r.pdf"
    target.write_text("old")
    target.chmod(0o444)
    folder.chmod(0o555)
    try:
        result = cli.invoke(
            app, ["review", "--month", "2026-06", "--out", str(target), "--db", url]
        )
    finally:
        folder.chmod(0o755)
        target.chmod(0o644)
    import os

    if os.geteuid() == 0:  # root writes anywhere; the check still names the file
        assert result.exit_code in (0, 1)
        return
    assert result.exit_code == 1
    assert f"cannot write {target}: permission denied" in result.output
