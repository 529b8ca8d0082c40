"""The monthly review in the browser and as PDF, from the real review service, by role."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import signed_in


def _title(client: TestClient, **params: str) -> str:
    html = client.get("/review/report.html", params={"month": "2026-03", **params})
    assert html.status_code == 200, html.text
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Relationship review — March 2026</h1>" in html.text
    return html.text.split("<title>", 1)[1].split("</title>", 1)[0]


def test_a_seller_gets_their_own_review_even_asking_for_a_team(client: TestClient) -> None:
    signed_in(client, "U2")
    page = client.get("/review", params={"month": "2026-03"})
    assert page.status_code == 200
    assert "/review/report.pdf?month=2026-03" in page.text
    assert (
        '<iframe class="report" title="monthly review" src="/review/report.html?month=2026-03"'
        in page.text
    )
    assert _title(client) == "Relationship review 2026-03 — Sam Seller (U2)"
    assert _title(client, team="South") == "Relationship review 2026-03 — Sam Seller (U2)"
    pdf = client.get("/review/report.pdf", params={"month": "2026-03"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="accord-review-2026-03.pdf"'
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/review", params={"month": "2026-13"}).status_code == 422


def test_a_manager_gets_the_team_and_an_admin_any_scope(client: TestClient) -> None:
    signed_in(client, "U1")
    assert _title(client) == "Relationship review 2026-03 — team North"
    assert _title(client, team="") == "Relationship review 2026-03 — team North"
    client.cookies.clear()
    signed_in(client, "U9")
    assert _title(client) == "Relationship review 2026-03 — the whole book"
    assert _title(client, team="North") == "Relationship review 2026-03 — team North"
    unknown = client.get("/review/report.html", params={"month": "2026-03", "team": "South"})
    assert unknown.status_code == 404
    assert "there is no team &#39;South&#39; in the book (teams: North)" in unknown.text
