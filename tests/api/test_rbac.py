"""Scope: a seller sees and changes only their accounts, a manager the team's, an admin all.

Another seller's account is "not in the book" (404), through the API and the
pages alike, for reads and writes — the id tells nothing.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from accord import services
from tests.api.conftest import csrf_of, signed_in


def _ids(client: TestClient, headers: dict[str, str], table: str) -> list[str]:
    answer = client.get(f"/api/v1/{table}", headers=headers)
    assert answer.status_code == 200
    key = {"accounts": "account_id", "touchpoints": "touchpoint_id", "order_lines": "order_id"}[
        table
    ]
    return [r[key] for r in answer.json()["items"]]


def test_each_role_lists_its_scope(
    client: TestClient,
    sam: dict[str, str],
    ria: dict[str, str],
    maria: dict[str, str],
    ada: dict[str, str],
) -> None:
    assert _ids(client, sam, "accounts") == ["A1", "A2"]
    assert _ids(client, ria, "accounts") == ["A3"]
    assert _ids(client, maria, "accounts") == ["A1", "A2", "A3"]
    assert _ids(client, ada, "accounts") == ["A1", "A2", "A3"]
    assert _ids(client, sam, "touchpoints") == ["T1", "T2", "T3"]
    assert _ids(client, ria, "touchpoints") == ["T4"]
    assert _ids(client, ria, "order_lines") == []


def test_a_seller_cannot_read_or_change_another_sellers_account_through_the_api(
    client: TestClient, book: str, ria: dict[str, str], sam: dict[str, str]
) -> None:
    version = client.get("/api/v1/accounts/A1", headers=sam).json()["version"]
    missing = client.get("/api/v1/accounts/A404", headers=ria)
    for method, path, body in (
        ("GET", "/api/v1/accounts/A1", None),
        ("PATCH", "/api/v1/accounts/A1", {"name": "Mine now"}),
        ("DELETE", "/api/v1/accounts/A1", None),
        ("GET", "/api/v1/touchpoints/T1", None),
        ("PATCH", "/api/v1/touchpoints/T1", {"summary": "x"}),
        ("GET", "/api/v1/accounts/A1/diagnosis", None),
        ("GET", "/api/v1/accounts/A1/lifetime", None),
    ):
        answer = client.request(method, path, headers=ria | {"If-Match": f'"{version}"'}, json=body)
        assert answer.status_code == 404, (method, path, answer.text)
        assert "in the book" in answer.json()["detail"]
    assert missing.json()["detail"] == "there is no account 'A404' in the book"
    # writing a row into another's account: the account is "not in the book" either
    answer = client.post(
        "/api/v1/touchpoints",
        headers=ria,
        json={
            "touchpoint_id": "T99",
            "account_id": "A1",
            "occurred_at": "2026-04-01T10:00:00",
            "channel": "call",
            "direction": "inbound",
            "purpose": "insight",
        },
    )
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"field": "account_id", "message": "there is no account 'A1' in the book"}
    ]
    assert services.read_ledger_table(url=book, table="accounts")["name"].to_list() == [
        "Acme Tools",
        "Birch & Sons",
        "Cedar, Inc.",
    ]
    assert (
        "T99"
        not in services.read_ledger_table(url=book, table="touchpoints")["touchpoint_id"].to_list()
    )


def test_a_seller_cannot_move_a_row_into_or_give_an_account_to_another_seller(
    client: TestClient, sam: dict[str, str]
) -> None:
    tp = client.get("/api/v1/touchpoints/T1", headers=sam)
    moved = client.patch(
        "/api/v1/touchpoints/T1",
        headers=sam | {"If-Match": tp.headers["ETag"]},
        json={"account_id": "A3"},
    )
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["field"] == "account_id"
    acc = client.get("/api/v1/accounts/A1", headers=sam)
    given = client.patch(
        "/api/v1/accounts/A1",
        headers=sam | {"If-Match": acc.headers["ETag"]},
        json={"owner_id": "U3"},
    )
    assert given.status_code == 422
    assert given.json()["errors"] == [
        {"field": "owner_id", "message": "you may not give an account to 'U3'"}
    ]


def test_a_manager_may_reassign_within_the_team(client: TestClient, maria: dict[str, str]) -> None:
    acc = client.get("/api/v1/accounts/A1", headers=maria)
    given = client.patch(
        "/api/v1/accounts/A1",
        headers=maria | {"If-Match": acc.headers["ETag"]},
        json={"owner_id": "U3"},
    )
    assert given.status_code == 200
    assert given.json()["owner_id"] == "U3"


def test_reference_tables_are_read_by_all_and_written_by_admins(
    client: TestClient, sam: dict[str, str], ada: dict[str, str]
) -> None:
    assert client.get("/api/v1/partners", headers=sam).json()["total"] == 2
    body = {"partner_id": "P9", "name": "Allied Experts", "expertise": ["tax", "legal"]}
    refused = client.post("/api/v1/partners", headers=sam, json=body)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "only an admin may change partners"
    made = client.post("/api/v1/partners", headers=ada, json=body)
    assert made.status_code == 201
    assert made.json()["expertise"] == ["tax", "legal"]


def test_a_seller_cannot_reach_another_sellers_account_through_the_pages(
    client: TestClient,
) -> None:
    signed_in(client, "U3")
    page = client.get("/accounts/A1")
    assert page.status_code == 404
    assert "Acme" not in page.text
    form = client.get("/accounts/A3")
    assert form.status_code == 200
    csrf = csrf_of(form.text)
    for path in (
        "/accounts/A1/touchpoints",
        "/accounts/A1/feedback",
        "/accounts/A1/commitments",
        "/accounts/A1/commitments/K1/complete",
    ):
        answer = client.post(
            path,
            data={
                "csrf": csrf,
                "channel": "call",
                "direction": "inbound",
                "purpose": "insight",
                "occurred_at": "2026-04-01T10:00",
            },
        )
        assert answer.status_code == 404, path
    portfolio = client.get("/")
    assert "Cedar, Inc." in portfolio.text
    assert "Acme Tools" not in portfolio.text


def test_the_manager_sees_the_team_on_the_portfolio(client: TestClient) -> None:
    signed_in(client, "U1")
    page = client.get("/")
    assert page.status_code == 200
    for name in ("Acme Tools", "Birch &amp; Sons", "Cedar, Inc."):
        assert name in page.text
    only_ria = client.get("/", params={"seller": "U3"})
    assert "Cedar, Inc." in only_ria.text
    assert "Acme Tools" not in only_ria.text
