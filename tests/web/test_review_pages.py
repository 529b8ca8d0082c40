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


def test_a_seller_answers_the_review_question_on_the_page_and_by_api(
    client: TestClient, sam: dict[str, str], ria: dict[str, str]
) -> None:
    from tests.api.conftest import csrf_of

    signed_in(client, "U2")
    page = client.get("/review", params={"month": "2026-03"})
    assert '<option value="A1">' in page.text
    assert '<option value="A3">' not in page.text  # Ria's account
    saved = client.post(
        "/review/answer",
        data={
            "csrf": csrf_of(page.text),
            "month": "2026-03",
            "account_id": "A1",
            "answer": "A plant visit each quarter",
            "commitment": "Share the spring catalogue",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/review?month=2026-03"
    again = client.get("/review", params={"month": "2026-03"}).text
    assert "A plant visit each quarter — commitment: Share the spring catalogue" in again
    report = client.get("/review/report.html", params={"month": "2026-03"}).text
    assert "A plant visit each quarter" in report
    empty = client.post(
        "/review/answer",
        data={"csrf": csrf_of(again), "month": "2026-03", "account_id": "A1", "answer": " "},
    )
    assert empty.status_code == 422
    assert 'data-field="answer"' in empty.text
    put = client.put(
        "/api/v1/review-answers/2026-03/A2",
        headers=sam,
        json={"answer": "Monthly stock review", "commitment": None},
    )
    assert put.status_code == 200, put.text
    assert put.json()["user_id"] == "U2"
    listed = client.get("/api/v1/review-answers/2026-03", headers=sam).json()
    assert [(a["account_id"], a["answer"]) for a in listed] == [
        ("A1", "A plant visit each quarter"),
        ("A2", "Monthly stock review"),
    ]
    assert client.get("/api/v1/review-answers/2026-03", headers=ria).json() == []
    foreign = client.put("/api/v1/review-answers/2026-03/A1", headers=ria, json={"answer": "x"})
    assert foreign.status_code == 404
