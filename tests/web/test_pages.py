"""The pages, through a test client: what they show after the forms change the book."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord import services
from tests.api.conftest import csrf_of, signed_in


def test_logging_a_touchpoint_puts_it_on_the_timeline_and_in_the_audit(
    client: TestClient, book: str
) -> None:
    signed_in(client, "U2")
    page = client.get("/accounts/A1")
    assert page.status_code == 200
    for section in (
        'id="health"',
        'id="timeline"',
        'id="contacts"',
        'id="commitments"',
        'id="audit"',
        "Dana Decider",
        '<svg class="timeline"',
    ):
        assert section in page.text
    answer = client.post(
        "/accounts/A1/touchpoints",
        data={
            "csrf": csrf_of(page.text),
            "occurred_at": "2026-04-14T11:30",
            "channel": "visit",
            "direction": "mutual",
            "purpose": "insight",
            "contact_ids": ["C1", "C2"],
            "summary": "Plant tour",
            "minutes": "90",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    tps = services.read_ledger_table(url=book, table="touchpoints")
    new = tps.filter(tps["summary"] == "Plant tour").row(0, named=True)
    assert (new["account_id"], new["user_id"], new["contact_ids"], new["minutes"]) == (
        "A1",
        "U2",
        "C1;C2",
        90,
    )
    again = client.get("/accounts/A1").text
    assert (
        "<time>2026-04-14</time> <b>visit · insight (mutual)</b> "
        '<span class="muted">Plant tour</span>' in again
    )
    assert (
        f"create touchpoints {new['touchpoint_id']}</td><td>summary</td>"
        "<td></td><td>Plant tour</td>" in again
    )


def test_completing_a_commitment_uses_its_version(client: TestClient, book: str) -> None:
    signed_in(client, "U2")
    page = client.get("/accounts/A2").text
    assert "Call back about delivery" in page
    version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
    csrf = csrf_of(page)
    done = client.post(
        "/accounts/A2/commitments/K3/complete",
        data={"csrf": csrf, "version": version},
        follow_redirects=False,
    )
    assert done.status_code == 303
    rows = services.read_ledger_table(url=book, table="commitments")
    assert str(rows.filter(rows["commitment_id"] == "K3")["done_on"][0]) == "2026-04-15"
    stale = client.post(
        "/accounts/A2/commitments/K3/complete", data={"csrf": csrf, "version": version}
    )
    assert stale.status_code == 412
    assert "changed since you read it" in stale.text


def test_agenda_complete_snooze_dismiss(client: TestClient, app: FastAPI, book: str) -> None:
    signed_in(client, "U2")
    page = client.get("/agenda")
    assert page.status_code == 200
    assert 'data-key="reconnect:A1"' in page.text
    csrf = csrf_of(page.text)
    logged = client.post(
        "/agenda/reconnect:A1/complete",
        data={
            "csrf": csrf,
            "account_id": "A1",
            "channel": "call",
            "purpose": "support",
            "summary": "Checked in",
        },
        follow_redirects=False,
    )
    assert logged.status_code == 303
    assert app.state.agenda.done["reconnect:A1"]["summary"] == "Checked in"
    assert app.state.agenda.done["reconnect:A1"]["touchpoint_id"].startswith("web-to-")
    tps = services.read_ledger_table(url=book, table="touchpoints")
    assert tps.filter(tps["summary"] == "Checked in")["account_id"].to_list() == ["A1"]
    assert (
        client.post(
            "/agenda/reconnect:A2/snooze",
            data={"csrf": csrf, "until": "2026-05-01"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert app.state.agenda.snoozed == {"reconnect:A2": __import__("datetime").date(2026, 5, 1)}
    refused = client.post("/agenda/reconnect:A2/dismiss", data={"csrf": csrf, "reason": ""})
    assert refused.status_code == 422
    assert client.get("/agenda").text.count("data-key=") == 0


def test_review_page_html_and_pdf_scoped_by_role(client: TestClient, app: FastAPI) -> None:
    signed_in(client, "U2")
    page = client.get("/review", params={"month": "2026-03"})
    assert page.status_code == 200
    assert "/review/report.pdf?month=2026-03" in page.text
    html = client.get("/review/report.html", params={"month": "2026-03", "team": "South"})
    assert "<h1>Review 2026-03</h1>" in html.text
    pdf = client.get("/review/report.pdf", params={"month": "2026-03"})
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="accord-review-2026-03.pdf"'
    assert pdf.content.startswith(b"%PDF")
    # a seller asking for another team still gets only their own accounts
    assert app.state.review.calls[0] == {"month": "2026-03", "team": None, "user_id": "U2"}
    assert client.get("/review", params={"month": "2026-13"}).status_code == 422


def test_the_portfolio_shows_distribution_and_filters(client: TestClient) -> None:
    signed_in(client, "U9")
    page = client.get("/", params={"segment": "smb"})
    assert page.status_code == 200
    assert 'aria-label="health distribution"' in page.text
    assert "Birch &amp; Sons" in page.text
    assert "Acme Tools" not in page.text
    assert "1 account in your view" in page.text
