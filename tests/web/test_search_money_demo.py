"""The header's search (scoped, paginated), money in words on the pages, and the demo
served as of its own book's date.

The sample book: Sam (U2) owns A1 Acme Tools and A2 Birch & Sons, Ria (U3) owns A3
Cedar, Inc.; their manager Maria (U1) sees all three; Ada (U9) is the admin.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from accord import services_search
from accord.access import Principal
from accord.cli import app as cli_app
from accord.errors import BadInputError
from accord.storage.engines import dispose_all
from tests.api.conftest import signed_in


def _hits(client: TestClient, q: str, page: int = 1) -> list[tuple[str, str]]:
    answer = client.get("/search", params={"q": q, "page": page})
    assert answer.status_code == 200, answer.text
    return re.findall(r'<tr data-kind="(\w+)" data-id="([^"]+)">', answer.text)


def test_search_finds_by_name_email_and_id_within_the_users_scope(client: TestClient) -> None:
    signed_in(client, "U2")
    assert _hits(client, "acme tools") == [("account", "A1")]
    assert _hits(client, "acme") == [("account", "A1"), ("contact", "C2"), ("contact", "C1")]
    assert _hits(client, "DANA@acme") == [("contact", "C1")]  # e-mail, any case
    assert _hits(client, "op2") == [("opportunity", "OP2")]  # an id, any case
    assert _hits(client, "spring") == [("opportunity", "OP2")]
    assert _hits(client, "cedar") == []  # Ria's account: not in Sam's view
    none = client.get("/search", params={"q": "cedar"}).text
    assert "Nothing in your view matches “cedar”." in none

    client.cookies.clear()
    signed_in(client, "U3")
    assert _hits(client, "acme") == []
    assert _hits(client, "cedar") == [("account", "A3"), ("contact", "C4")]
    assert _hits(client, "OP2") == []

    client.cookies.clear()
    signed_in(client, "U1")  # the manager sees the team's
    assert _hits(client, "a1") == [("account", "A1")]  # exact id first


def test_search_pages_through_many_hits(client: TestClient, ada: dict[str, str]) -> None:
    for n in range(23):
        made = client.post(
            "/api/v1/contacts",
            headers=ada,
            json={"contact_id": f"P{n:02}", "account_id": "A2", "name": f"Pat Parker {n:02}"},
        )
        assert made.status_code == 201, made.text
    signed_in(client, "U2")
    first = client.get("/search", params={"q": "pat parker"}).text
    assert "“pat parker” · 23 found in your view" in first
    assert len(_hits(client, "pat parker")) == 20
    assert "page 1 of 2" in first
    assert 'href="/search?q=pat%20parker&amp;page=2" rel="next"' in first
    second = _hits(client, "pat parker", page=2)
    assert second == [("contact", "P20"), ("contact", "P21"), ("contact", "P22")]
    assert _hits(client, "pat parker", page=3) == []
    client.cookies.clear()
    signed_in(client, "U3")
    assert _hits(client, "pat parker") == []


def test_search_text_is_text_and_bad_input_is_named(book: str) -> None:
    sam = Principal("U2", "Sam Seller", "rep", "North")
    assert services_search.search(url=book, principal=sam, query="%").total == 0
    assert services_search.search(url=book, principal=sam, query="_").total == 0
    assert services_search.search(url=book, principal=sam, query="  ").hits == []
    with pytest.raises(BadInputError, match="at most 200 characters"):
        services_search.search(url=book, principal=sam, query="x" * 201)


def test_the_header_has_the_search_box_and_the_pages_date(client: TestClient) -> None:
    signed_in(client, "U2")
    html = client.get("/accounts/A1").text
    assert 'role="search"' in html
    assert 'aria-keyshortcuts="/"' in html
    assert '<span class="as-of" data-testid="as-of">as of 2026-04-15</span>' in html
    later = client.get("/accounts/A1", params={"as_of": "2026-05-01"}).text
    assert "as of 2026-05-01</span>" in later


def _text(html: str) -> str:
    """What a reader sees: the page without its tags, scripts and attributes."""
    body = html.split("<main>", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_money_has_separators_and_the_currency_and_nothing_internal_shows(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in(client, "U9")
    account = _text(client.get("/accounts/A1").text)
    assert "gross margin 40.6% on EUR 13,300 of revenue" in account
    assert "cost to serve EUR 483 = 9% of gross margin" in account
    assert "Probability still active unknown" in account  # no lifetime model on 3 accounts
    pages = {
        path: _text(client.get(path).text)
        for path in ("/", "/accounts/A1", "/accounts/A2", "/accounts/A3", "/agenda")
    }
    for path, text in pages.items():
        assert not re.search(r"\bNone\b", text), path
        assert not re.search(r"\bp alive\b|\bpriority \d", text), path
        assert not re.search(r"(?<![\w.,-])\d{5,}(?![\w-])", text), path  # 31316, not 31,316

    config = tmp_path / "team.toml"
    config.write_text('[general]\ncurrency = "usd"\n')
    monkeypatch.setenv("ACCORD_CONFIG", str(config))
    dollars = _text(client.get("/accounts/A1").text)
    assert "gross margin 40.6% on USD 13,300 of revenue" in dollars


def test_demo_serves_as_of_its_books_own_date(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))  # not block
    home = tmp_path / "demo"
    result = cli.invoke(cli_app, ["demo", "--directory", str(home), "--accounts", "40"])
    assert result.exit_code == 0, result.output
    book_day = date.fromisoformat((home / "bundle" / "as_of.txt").read_text().strip())
    assert book_day != date.today()
    assert f"Pages look at the book as of {book_day.isoformat()}" in result.output
    [app] = served
    assert app.state.as_of == book_day
    seller = next(line.split() for line in result.output.splitlines() if "  seller " in line)
    with TestClient(app, base_url="https://testserver") as client:
        signed_in(client, seller[1], seller[2])
        agenda = client.get("/agenda").text
        assert f"as of {book_day.isoformat()}</span>" in agenda
        lines = re.findall(r'data-testid="priority">(.*?)</p>', agenda)  # one per action
        items = len(lines)
        overdue = sum("overdue" in line for line in lines)
        assert items > 0
        assert overdue < items  # today's work, not a list of things months late
    dispose_all()


def test_serve_refuses_a_bad_as_of(cli: CliRunner, book: str) -> None:
    result = cli.invoke(cli_app, ["serve", "--db", book, "--as-of", "15/04/2026"])
    assert result.exit_code == 1
    assert "--as-of must be a date (YYYY-MM-DD), not '15/04/2026'" in result.output


def test_pattern_evidence_is_put_in_words() -> None:
    from accord.web.render import env

    evidence = {
        "p_alive": {"value": None, "threshold": 0.5, "rule": "<"},
        "cost_to_serve_share_of_margin": {"value": 1.454, "threshold": 0.3, "rule": ">="},
        "amount_billed_twice": {"value": 31316.0, "threshold": 0.0, "rule": ">"},
        "segment_margin_high": {"value": 0.25, "threshold": 0.75, "rule": "percentile"},
        "discount": {"value": 0.3, "threshold": 0.0, "rule": "info"},
        "points_above_segment": {"value": 0.23, "threshold": 0.1, "rule": ">="},
        "touchpoints": 1234,
    }
    shown = env.from_string("{{ e|evidence|join(' · ') }}").render(e=evidence, currency="USD")
    assert shown == (
        "probability still active unknown (fires below 50%) · "
        "cost to serve share of margin 145% (fires at least 30%) · "
        "amount billed twice USD 31,316 (fires above USD 0) · "
        "segment margin high 25% (the segment&#39;s 75th percentile) · "  # escaped: HTML
        "discount 30% · "
        "points above segment 23 points (fires at least 10 points) · "
        "touchpoints 1,234"
    )
