"""`accord decision`: JSON, table, the one-pager read back, and bad input (exit 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from accord import services
from accord.cli import app

DECISION_BOOK = Path(__file__).parents[1] / "data" / "decision"


@pytest.fixture
def url(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'book.db'}"
    services.init_database(url=db)
    services.import_bundle(url=db, directory=DECISION_BOOK)
    return db


def _run(cli: CliRunner, url: str, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, ["decision", *args, "--db", url, "--as-of", "2026-04-15"])
    return result.exit_code, result.stdout, result.stderr


def test_json_shape(cli: CliRunner, url: str) -> None:
    code, out, _ = _run(cli, url, "O1", "--format", "json", "--discount-rate", "0.1")
    assert code == 0
    d = json.loads(out)
    assert d["ranking"] == ["US", "COMP", "NONE"]
    assert d["us_is_best"] is True
    assert d["sensitivity"]["criterion_id"] == "C3"
    assert d["sensitivity"]["points"] == -5.33
    assert d["roi"]["npv"] == pytest.approx(40 * 78.82, abs=0.5)  # Brigham & Houston's S, × 40
    assert d["roi"]["irr"] == 0.1449
    assert d["roi"]["payback_periods"] == 2.33
    assert "amount" not in json.dumps(d)


def test_no_irr_is_said_not_crashed(cli: CliRunner, url: str, tmp_path: Path) -> None:
    """Flows that are all costs have no IRR: a plain message, exit 1, no page written."""
    folder = tmp_path / "pages"
    folder.mkdir()
    out = folder / "o5.pdf"
    code, _, error = _run(cli, url, "O5", "--out", str(out))
    assert code == 1
    assert error.strip() == (
        "error: opportunity 'O5': no IRR: the net flows never change sign (all the flows are "
        "costs), so there is no IRR and no return to show; give roi_flows.csv both the costs "
        "and the benefits the customer expects, or remove its flows"
    )
    assert list(folder.iterdir()) == []  # no page, no temporary file left behind


def test_pdf_one_pager_reads_back(cli: CliRunner, url: str, tmp_path: Path) -> None:
    out = tmp_path / "o3.pdf"
    code, _, _ = _run(cli, url, "O3", "--out", str(out), "--discount-rate", "0.1")
    assert code == 0
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    for heading in (
        "Your decision: Patient scheduling",
        "1. What matters to you",
        "2. Your alternatives side by side",
        "3. Ranking",
        "4. Risks of the change and how they are handled",
    ):
        assert heading in text
    assert "5. Your return" not in text  # no flows: no section, and no to-do for them
    assert "Clinic Systems Ltd comes out best" in text
    assert "That is not us" in text
    assert "55.3%" in text
    assert "+25.3 points" in text
    assert "Staff keep double-booking" in text
    assert "16 (high)" in text
    assert "not been estimated" not in text
    lowered = text.lower()
    assert "margin" not in lowered
    assert "15,000" not in text


def test_pdf_roi_and_html(cli: CliRunner, url: str, tmp_path: Path) -> None:
    pdf = tmp_path / "o1.pdf"
    assert _run(cli, url, "O1", "--out", str(pdf), "--discount-rate", "0.1")[0] == 0
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "3,153 at 10.0%" in text
    assert "14.5%" in text
    assert "2.33 periods" in text
    assert "40,000" not in text.split("5. Your return")[0]  # our amount is nowhere before ROI
    assert "our proposal" in " ".join(text.split())  # the ROI says whose option it is
    html = tmp_path / "o1.html"
    assert _run(cli, url, "O1", "--out", str(html))[0] == 0
    page = html.read_text()
    assert "<svg" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["O9"], "there is no opportunity 'O9' in the book"),
        (["O1", "--out", "{tmp}/page.docx"], "the page is written as .pdf or .html, not '.docx'"),
        (["O1", "--out", "{tmp}/nowhere/page.pdf"], "does not exist"),
        (["O1", "--discount-rate", "-1.5"], "the discount rate must be above -1"),
    ],
)
def test_bad_input(cli: CliRunner, url: str, tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = _run(cli, url, *[a.format(tmp=tmp_path) for a in args])
    assert code == 1
    assert message in err
    assert list(tmp_path.glob("page.*")) == []


def test_weights_all_zero_exit_1_and_nothing_written(
    cli: CliRunner, url: str, tmp_path: Path
) -> None:
    zero = tmp_path / "zero"
    zero.mkdir()
    (zero / "accounts.csv").write_text("account_id,name\nA3,Willow Clinic\n")
    (zero / "decision_criteria.csv").write_text(
        "opportunity_id,criterion_id,name,weight\nO3,K1,a,0\nO3,K2,b,0\nO3,K3,c,0\n"
    )
    services.import_bundle(url=url, directory=zero)
    out = tmp_path / "o3.pdf"
    code, _, err = _run(cli, url, "O3", "--out", str(out))
    assert code == 1
    assert (
        "opportunity 'O3': the weights of its decision criteria ('K1', 'K2', 'K3') are all 0"
        in err.replace("\n", " ")
    )
    assert not out.exists()
    assert list(tmp_path.glob(".accord-*")) == []


def test_an_empty_decision_prints_no_internal_to_do(
    cli: CliRunner, url: str, tmp_path: Path
) -> None:
    """O4 has no decision data yet: the customer's copy says what the page will hold and
    nothing of what the seller still has to do."""
    out = tmp_path / "o4.html"
    code, _, _ = _run(cli, url, "O4", "--out", str(out))
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert "This page will hold your decision as we work it out together" in page
    for todo in (
        "Open points",
        "agree them with the customer",
        "list what they compare",
        "not written down yet",
        "compared yet",
        "not planned yet",
        "not been estimated",
        "Nothing can be ranked",
        "<h2>",
    ):
        assert todo not in page, todo


def test_a_seller_enters_a_whole_decision_from_the_command_line(cli: CliRunner, url: str) -> None:
    steps = [
        ["criterion", "O4", "criterion_id=UP", "name=Uptime", "weight=3"],
        ["criterion", "O4", "criterion_id=COST", "name=Running cost", "weight=1"],
        ["alternative", "O4", "alternative_id=US", "name=Our telemetry", "kind=us"],
        ["alternative", "O4", "alternative_id=NONE", "name=Keep the logbooks", "kind=do_nothing"],
        ["score", "O4", "alternative_id=US", "criterion_id=UP", "score=8"],
        ["score", "O4", "alternative_id=US", "criterion_id=COST", "score=5"],
        ["score", "O4", "alternative_id=NONE", "criterion_id=UP", "score=3"],
        ["score", "O4", "alternative_id=NONE", "criterion_id=COST", "score=9"],
        ["risk", "O4", "risk_id=R1", "description=Drivers resist", "likelihood=3", "impact=3"],
        ["roi", "O4", "period=0", "cost=4000"],
        ["roi", "O4", "period=1", "benefit=3000"],
        ["roi", "O4", "period=2", "benefit=3000"],
    ]
    for step in steps:
        done = cli.invoke(app, ["decision-add", *step, "--user", "U1", "--db", url])
        assert done.exit_code == 0, (step, done.output)
    code, out, _ = _run(cli, url, "O4", "--format", "json", "--discount-rate", "0.1")
    assert code == 0
    d = json.loads(out)
    # US: (3 × 8 + 1 × 5) / 4 = 7.25; doing nothing: (3 × 3 + 9) / 4 = 4.5
    assert d["ranking"] == ["US", "NONE"]
    assert {a["alternative_id"]: a["score"] for a in d["alternatives"]} == {
        "US": 7.25,
        "NONE": 4.5,
    }
    assert d["roi"]["total_cost"] == 4000.0
    bad = cli.invoke(
        app,
        [
            "decision-add",
            "score",
            "O4",
            "alternative_id=US",
            "criterion_id=UP",
            "score=11",
            "--user",
            "U1",
            "--db",
            url,
        ],
    )
    assert bad.exit_code == 1
    assert "score" in bad.output
    again = cli.invoke(
        app,
        [
            "decision-add",
            "criterion",
            "O4",
            "criterion_id=UP",
            "name=Uptime",
            "weight=3",
            "--user",
            "U1",
            "--db",
            url,
        ],
    )
    assert again.exit_code == 1
    assert "already" in again.output
