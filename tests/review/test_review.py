"""The monthly review of the hand-built book (tests/review/book.py): model, HTML, PDF read
back, bad input. The book's money and plans are worked out by hand in its docstring."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord import services, services_agenda
from accord.cli import app
from accord.review import MonthActivity, charts
from accord.review.plans import one_line
from tests.review import book


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
    # Acme's thin engagement keeps it in watch under the geometric mean, even with
    # promise K5 kept in June (64.3).
    assert [(b.name, b.now) for b in m.bands] == [("healthy", 0), ("watch", 2), ("at risk", 2)]
    # On 05-31 Birch had only trust known (no touchpoint yet): one dimension is too little
    # for a score (docs/health.md), so it was in no band then.
    assert sum(b.before or 0 for b in m.bands) == 3
    # Without a lifetime model (four accounts), key accounts are ranked by revenue.
    assert [a.account_id for a in m.key_accounts] == ["A1", "A2", "A3", "A4"]
    acme = m.key_accounts[0]
    assert [x.title for x in acme.actions] == [
        "Check in after order O1",
        "Stay in touch (33 days quiet)",
        "over servicing (warning)",  # the book's 6 service hours against a 1,500 margin
        "Keep our promise: Send the proposal",
        "Build a connection to a decision maker",  # issue 8: its decision maker is weak
    ]
    assert [(c.side, c.description, c.overdue) for c in acme.commitments] == [
        ("us", "Send the proposal", False)
    ]
    delta = m.key_accounts[3]
    assert (delta.actions, delta.commitments, delta.gap) == ([], [], True)
    assert [(p.id, p.count, p.before, p.accounts) for p in m.patterns] == [
        ("broken_promises_ours", 1, 1, ["Cedar"]),
        ("over_servicing", 1, 0, ["Acme"]),  # the service hours are June's
    ]
    sam, ria = m.sellers
    # Kept: of our promises due in the year, K3 and K4 broken, K5 kept (K1 is due in July).
    assert (sam.user_id, sam.accounts, sam.revenue, sam.margin_pct) == ("U1", 3, 5000.0, 0.3)
    assert sam.kept_rate == pytest.approx(1 / 3, abs=1e-4)
    assert (ria.user_id, ria.revenue, ria.adjusted) == ("U2", 0.0, 0.0)


def test_what_unhealthy_relationships_cost_us(url: str) -> None:
    """The cost section of the whole book, from `costs_from_diagnosis` (book.py by hand)."""
    c = services_agenda.review(url=url, month="2026-06").costs
    assert c is not None
    assert (c.window_start, c.as_of) == (date(2025, 7, 1), date(2026, 6, 30))  # 365 days
    # Acme and Cedar have a pattern. Cost: Acme's over-servicing, max(600 − 450, 2 × 100).
    # Value at risk: Cedar's broken promises put its value ahead at risk, and with four
    # accounts there is no lifetime model to say how much: unknown, not 0.
    # Their revenue: Acme's 5,000 (Cedar's 0); net contribution 1,500 − 600 + 0 = 900.
    assert (c.accounts, c.cost, c.at_risk, c.revenue, c.net_contribution) == (
        2,
        200.0,
        None,
        5000.0,
        900.0,
    )
    over, broken = c.by_pattern
    assert (over.key, over.label, over.accounts, over.cost, over.at_risk, over.unknown) == (
        "over_servicing",
        "over servicing",
        1,
        200.0,
        None,
        0,
    )
    # over_servicing puts nothing at risk by definition; broken promises cost nothing.
    assert (over.has_cost, over.has_risk, broken.has_cost, broken.has_risk) == (
        True,
        False,
        False,
        True,
    )
    assert [(a.name, a.cost, a.at_risk) for a in over.top] == [("Acme", 200.0, None)]
    assert (broken.key, broken.accounts, broken.cost, broken.at_risk, broken.unknown) == (
        "broken_promises_ours",
        1,
        None,
        None,
        1,
    )
    # By seller each account counts once: Sam's line is the total.
    (sam,) = c.by_seller
    assert (sam.key, sam.label, sam.accounts, sam.cost, sam.at_risk, sam.unknown) == (
        "U1",
        "Sam Seller",
        2,
        200.0,
        None,
        1,
    )
    assert [a.name for a in sam.top] == ["Acme", "Cedar"]


def test_key_accounts_show_their_plan_beside_the_month(url: str) -> None:
    m = services_agenda.review(url=url, month="2026-06")
    acme, birch, cedar, delta = m.key_accounts
    assert acme.plan is not None
    assert birch.plan is not None
    assert (acme.plan.intent, acme.plan.intent_reason) == (
        "lifetime",
        "They standardise on us across the fleet",
    )
    assert acme.plan.objectives == [
        "Renew the fleet contract by September",
        "Introduce our tax partner",
    ]
    # The hypothesis on one line (it was written on two).
    assert acme.plan.mutual_benefit == (
        "They cut fleet downtime; we keep a reference customer in logistics"
    )
    # 2026-04-01 → 2026-06-30: 29 + 31 + 30 = 90 days, not older than 90.
    assert (acme.plan.age_days, acme.plan.stale) == (90, False)
    # 2026-03-01 → 2026-06-30: 30 + 30 + 31 + 30 = 121 days: stale.
    assert (birch.plan.intent, birch.plan.objectives) == ("season", ["Close the fleet renewal"])
    assert (birch.plan.age_days, birch.plan.stale) == (121, True)
    assert [a.no_plan for a in m.key_accounts] == [False, False, True, True]
    # June: Acme's order O1 (5,000) and promise K5 kept; T1 was in May. Birch: touchpoint
    # T2, and their K2 due 06-20 not done. Cedar's broken promises fell due in May.
    assert acme.month == MonthActivity(1, 5000.0, 0, 1, 0, 0, 0)
    assert birch.month == MonthActivity(0, 0.0, 1, 0, 0, 0, 1)
    assert cedar.month == delta.month == MonthActivity(0, 0.0, 0, 0, 0, 0, 0)
    # Health now beside last month's stored snapshot.
    assert acme.before is not None
    assert acme.score is not None
    assert acme.score > acme.before


def test_one_seller_sees_only_their_costs(url: str) -> None:
    """Ria owns Delta only: no pattern there, so nothing lost, whatever Sam's accounts cost."""
    m = services_agenda.review(url=url, month="2026-06", user_id="U2")
    assert m.costs is not None
    assert (m.costs.accounts, m.costs.cost, m.costs.by_pattern, m.costs.by_seller) == (
        0,
        None,
        [],
        [],
    )
    assert [(a.account_id, a.no_plan, a.gap) for a in m.key_accounts] == [("A4", True, True)]


def test_the_cost_chart_writes_unknown_instead_of_a_bar() -> None:
    svg = charts.cost_bars(
        [
            ("over servicing", 200.0, None, True, False),
            ("broken promises", None, None, False, True),
        ],
        label="cost",
    )
    # One red bar for 200; the unknown value at risk is written, the n/a ones left out.
    assert svg.count("<rect") == 1 + 2  # the bar and the legend's two swatches
    assert ">200</text>" in svg
    assert svg.count(">unknown</text>") == 1


def test_one_line() -> None:
    assert one_line("  a\n b  ") == "a b"
    assert one_line("") is None
    assert one_line("alpha beta gamma", limit=12) == "alpha beta…"


def test_html_is_self_contained(url: str, tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    written = services_agenda.write_review(url=url, month="2026-06", out=out)
    html = out.read_text(encoding="utf-8")
    assert written.format == "html"
    for section in (
        "Portfolio health",
        "Biggest movers",
        "Patterns",
        "What our unhealthy relationships cost us",
        "Key accounts",
        "Seller alignment",
    ):
        assert f"<h2>{section}</h2>" in html
    # bands, patterns, cost per pattern and per seller, four trends, sellers
    assert html.count("<svg") == 9
    assert "No planned action: what are we doing to perpetuate this relationship?" in html
    assert html.count("No account plan: why is this relationship worth having") == 2
    assert "older than 90 days: refresh it" in html  # Birch's plan
    assert '<td class="unknown">unknown</td>' in html  # Cedar's value at risk
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
        "What our unhealthy relationships cost us",
        "cost in the window EUR 200",
        "value ahead at risk unknown",
        "over servicing 1 EUR 200 — Acme (cost EUR 200)",
        "Cedar (unknown)",
        "No account plan",
        "lifetime — They standardise on us across the fleet",
        "Renew the fleet contract by September",
        "plan updated 2026-03-01, 121 days before the month's end",
        "orders: 1, revenue EUR 5,000",
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
    assert data["key_accounts_without_planned_action"] == []
    assert data["key_accounts_without_account_plan"] == ["A3"]
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
