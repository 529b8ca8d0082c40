"""The portfolio's "what our unhealthy relationships cost us", scoped by role.

On the hand-worked money book (tests/economics/book.py) with roles added:
U1 (seller) owns A1, C, D and the peers, U2 (seller) owns B, both report to
U5 (manager). The figures are the ones `accord costs` gives on that book:
A1 terms_dictated 123.29, B margin_giveaway 300, C fading (unknown), D
professional_visitor 300.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord import access, services
from accord.api.app import create_app
from accord.storage.engines import dispose_all
from tests.api.conftest import PASSWORD, signed_in
from tests.economics.book import money_book
from tests.health.book import AS_OF


@pytest.fixture(scope="module")
def money_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("money")
    book = money_book()
    for row in book.rows["users"]:
        row |= {"role": "rep", "team": "North", "manager_id": "U5"}
    book.rows["users"].append(
        {"user_id": "U5", "name": "Mia Manager", "role": "manager", "team": "North"}
    )
    url = f"sqlite:///{folder / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=book.write(folder / "bundle"))
    for user in ("U1", "U2", "U5"):
        access.set_password(url=url, user_id=user, password=PASSWORD)
    yield url
    dispose_all()


@pytest.fixture
def money(money_url: str) -> Iterator[TestClient]:
    app = create_app(url=money_url, as_of=AS_OF)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def _summary(client: TestClient, user: str) -> tuple[str, str, list[list[str]]]:
    signed_in(client, user)
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    section = html.split('data-testid="costs"', 1)[1].split("</section>", 1)[0]
    cost = section.split('data-testid="cost-total">', 1)[1].split("<", 1)[0]
    at_risk = section.split('data-testid="at-risk-total">', 1)[1].split("<", 1)[0]
    body = section.split('data-testid="cost-lines"', 1)[1].split("<tbody>", 1)[1]
    rows = []
    for row in body.split("</tr>")[:-1]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return cost, at_risk, rows


def test_a_seller_sees_the_cost_of_their_own_accounts(money: TestClient) -> None:
    cost, at_risk, rows = _summary(money, "U1")
    assert (cost, at_risk) == ("EUR 423", "unknown")  # 300 + 123.29; C's is unknown, not 0
    assert rows == [
        ["professional visitor", "1", "300", "unknown", "D"],
        ["terms dictated", "1", "123", "unknown", "A1"],
        ["fading", "1", "unknown", "unknown", "C"],
    ]
    html = money.get("/").text
    assert "3 unhealthy accounts in your view" in html
    assert '<a href="/accounts/D">D</a>' in html
    assert "margin giveaway" not in html  # B is U2's


def test_the_other_seller_sees_only_b(money: TestClient) -> None:
    cost, at_risk, rows = _summary(money, "U2")
    assert (cost, at_risk) == ("EUR 300", "unknown")
    assert rows == [["margin giveaway", "1", "300", "unknown", "B"]]


def test_a_manager_sees_the_team_and_the_chart(money: TestClient) -> None:
    cost, at_risk, rows = _summary(money, "U5")
    assert (cost, at_risk) == ("EUR 723", "unknown")
    assert [r[0] for r in rows] == [
        "margin giveaway",
        "professional visitor",
        "terms dictated",
        "fading",
    ]
    html = money.get("/").text
    assert "4 unhealthy accounts in your view" in html
    chart = html.split('<svg class="costs"', 1)[1].split("</svg>", 1)[0]
    assert 'aria-label="cost and value at risk per pattern, 4 patterns"' in chart
    assert chart.count('class="bar cost"') == 3  # fading's unknown cost has no bar
    assert chart.count('class="bar at_risk"') == 0
    assert "lost unknown" in chart
    assert "lost 723" not in chart


def test_the_seller_filter_narrows_the_summary(money: TestClient) -> None:
    signed_in(money, "U5")
    html = money.get("/", params={"seller": "U2"}).text
    section = html.split('data-testid="costs"', 1)[1].split("</section>", 1)[0]
    assert '<dd data-testid="cost-total">EUR 300</dd>' in section


def test_scoped_costs_keeps_the_figures(money_url: str) -> None:
    from accord.services_web import book_diagnosis, scoped_costs

    report = scoped_costs(book_diagnosis(url=money_url, as_of=AS_OF), {"A1": "A1", "B": "B"})
    assert report.total == {
        "accounts": 2,
        "cost": 423.29,
        "at_risk": None,
        "revenue": 1500.0,
        "net_contribution": 276.71,  # A1 −123.29 + B 400
    }
    assert [x["key"] for x in report.lines] == ["margin_giveaway", "terms_dictated"]


def test_nothing_unhealthy_says_so(tmp_path: Path) -> None:
    from accord.services_web import scoped_costs

    url = f"sqlite:///{tmp_path / 'b.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=money_book().write(tmp_path / "bundle"))
    from accord.services_web import book_diagnosis

    report = scoped_costs(book_diagnosis(url=url, as_of=AS_OF), {"A1-P1": "A1-P1"})
    assert report.lines == []
    assert report.total["accounts"] == 0
    dispose_all()
