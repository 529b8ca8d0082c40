"""The pages, through a test client: what they show after the forms change the book."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def test_the_portfolio_shows_distribution_and_filters(client: TestClient) -> None:
    signed_in(client, "U9")
    page = client.get("/", params={"segment": "smb"})
    assert page.status_code == 200
    assert 'aria-label="health distribution"' in page.text
    assert "Birch &amp; Sons" in page.text
    assert "Acme Tools" not in page.text
    assert "1 account in your view" in page.text


def test_the_portfolio_judges_with_the_teams_settings(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$ACCORD_CONFIG holds the team's thresholds: the web app judges with them too."""
    config = tmp_path / "team.toml"
    config.write_text("[general]\nhealthy_from = 95\n")
    monkeypatch.setenv("ACCORD_CONFIG", str(config))
    signed_in(client, "U9")
    page = client.get("/", params={"segment": "enterprise"})
    assert page.status_code == 200
    assert "Acme Tools" in page.text
    # Acme scores 89: healthy by the default line of 70, not by the team's line of 95
    assert '<span class="sev info">healthy</span>' not in page.text
    monkeypatch.delenv("ACCORD_CONFIG")  # the cache is kept per settings
    page = client.get("/", params={"segment": "enterprise"})
    assert '<span class="sev info">healthy</span>' in page.text
