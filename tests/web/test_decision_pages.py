"""The decision one-pager in the web app: the CLI's page, scoped, linked from the account."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord import access, services, services_decision
from accord.api.app import create_app
from accord.storage.engines import dispose_all
from tests.api.conftest import AS_OF, PASSWORD, signed_in

DECISION_BOOK = Path(__file__).parents[1] / "data" / "decision"


def test_the_page_is_the_cli_one_pager_and_linked_from_the_account(
    client: TestClient, book: str, tmp_path: Path
) -> None:
    signed_in(client, "U2")
    account = client.get("/accounts/A1").text
    assert '<a href="/opportunities/OP1/decision?as_of=2026-04-15">Line expansion</a>' in account
    page = client.get("/opportunities/OP1/decision", params={"as_of": "2026-04-15"})
    assert page.status_code == 200
    assert 'href="/opportunities/OP1/decision.pdf?as_of=2026-04-15"' in page.text
    assert 'src="/opportunities/OP1/decision.html?as_of=2026-04-15"' in page.text
    html = client.get("/opportunities/OP1/decision.html", params={"as_of": "2026-04-15"})
    assert html.status_code == 200
    assert html.headers["content-security-policy"].startswith("default-src 'none'")
    out = tmp_path / "op1.html"
    services_decision.write_decision_page(url=book, opportunity_id="OP1", out=out, as_of=AS_OF)
    assert html.content == out.read_bytes()
    pdf = client.get("/opportunities/OP1/decision.pdf", params={"as_of": "2026-04-15"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="decision-OP1.pdf"'
    assert pdf.content.startswith(b"%PDF")


def test_another_sellers_opportunity_is_not_in_the_book(client: TestClient) -> None:
    signed_in(client, "U3")
    for path in ("", ".html", ".pdf"):
        answer = client.get(f"/opportunities/OP1/decision{path}")
        assert answer.status_code == 404
        assert "there is no opportunity &#39;OP1&#39; in the book" in answer.text
        assert "Line expansion" not in answer.text
    assert client.get("/opportunities/OP3/decision").status_code == 200  # Ria's own
    client.cookies.clear()
    signed_in(client, "U1")  # their manager sees the team's
    assert client.get("/opportunities/OP1/decision.html").status_code == 200


@pytest.fixture
def decision_client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'decision.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=DECISION_BOOK)
    access.set_password(url=url, user_id="U1", password=PASSWORD)
    app = create_app(url=url, as_of=date(2026, 4, 15))
    with TestClient(app, base_url="https://testserver") as c:
        yield c
    dispose_all()


def test_the_page_shows_the_customers_criteria_never_our_amount(
    decision_client: TestClient,
) -> None:
    signed_in(decision_client, "U1")
    html = decision_client.get("/opportunities/O3/decision.html").text
    assert "Willow Clinic" in html
    assert 'aria-label="weighted scores"' in html
    assert "15,000" not in html
    assert "15000" not in html
