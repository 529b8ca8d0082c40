"""Who a row says did the work, ids outside one's scope, out-of-range keys, unknown filters."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from accord import services

TOUCH: dict[str, Any] = {
    "account_id": "A1",
    "occurred_at": "2026-04-10T09:00:00",
    "channel": "call",
    "direction": "outbound",
    "purpose": "insight",
}
PROMISE: dict[str, Any] = {
    "account_id": "A1",
    "side": "us",
    "made_on": "2026-04-10",
    "due_on": "2026-04-20",
    "description": "Send the quote",
}


def _stored(book: str, table: str, key: str, value: str) -> dict[str, Any]:
    frame = services.read_ledger_table(url=book, table=table)
    rows = [r for r in frame.to_dicts() if r[key] == value]
    assert len(rows) == 1
    return rows[0]


def test_a_sellers_rows_are_theirs_and_cannot_name_someone_else(
    client: TestClient, book: str, sam: dict[str, str], maria: dict[str, str]
) -> None:
    mine = client.post("/api/v1/touchpoints", headers=sam, json=TOUCH | {"touchpoint_id": "TA"})
    assert mine.status_code == 201
    assert mine.json()["user_id"] == "U2"
    assert _stored(book, "touchpoints", "touchpoint_id", "TA")["user_id"] == "U2"
    for table, body in (
        ("touchpoints", TOUCH | {"touchpoint_id": "TB", "user_id": "U9"}),
        ("commitments", PROMISE | {"commitment_id": "KB", "user_id": "U3"}),
    ):
        for headers in (sam, maria):  # a manager may not either: only an admin says otherwise
            refused = client.post(f"/api/v1/{table}", headers=headers, json=body)
            assert refused.status_code == 422, refused.text
            [error] = refused.json()["errors"]
            assert error["field"] == "user_id"
            assert error["message"].startswith("you may record only your own work, not 'U")
    assert services.read_ledger_table(url=book, table="commitments").height == 4  # as it was
    kept = client.post(
        "/api/v1/commitments", headers=sam, json=PROMISE | {"commitment_id": "KC", "user_id": "U2"}
    )
    assert kept.status_code == 201


def test_an_admin_may_attribute_a_row_to_anyone(
    client: TestClient, book: str, ada: dict[str, str]
) -> None:
    made = client.post(
        "/api/v1/commitments", headers=ada, json=PROMISE | {"commitment_id": "KD", "user_id": "U2"}
    )
    assert made.status_code == 201
    assert _stored(book, "commitments", "commitment_id", "KD")["user_id"] == "U2"
    own = client.post("/api/v1/touchpoints", headers=ada, json=TOUCH | {"touchpoint_id": "TD"})
    assert own.json()["user_id"] == "U9"


def test_a_change_cannot_hand_a_row_to_someone_else(
    client: TestClient, sam: dict[str, str]
) -> None:
    version = client.get("/api/v1/touchpoints/T1", headers=sam).json()["version"]
    answer = client.patch(
        "/api/v1/touchpoints/T1",
        headers=sam | {"If-Match": f'"{version}"'},
        json={"user_id": "U3"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "user_id"
    assert client.get("/api/v1/touchpoints/T1", headers=sam).json()["user_id"] == "U2"


def test_ingest_attributes_rows_to_the_caller_too(
    client: TestClient, book: str, sam: dict[str, str]
) -> None:
    ok = client.post(
        "/api/v1/ingest", headers=sam, json={"touchpoints": [TOUCH | {"touchpoint_id": "TI"}]}
    )
    assert ok.status_code == 200, ok.text
    assert _stored(book, "touchpoints", "touchpoint_id", "TI")["user_id"] == "U2"
    refused = client.post(
        "/api/v1/ingest",
        headers=sam,
        json={"touchpoints": [TOUCH | {"touchpoint_id": "TJ", "user_id": "U1"}]},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "touchpoints[0].user_id"


def test_an_id_taken_outside_ones_scope_is_404_not_409(
    client: TestClient, sam: dict[str, str], ria: dict[str, str]
) -> None:
    theirs = client.post(
        "/api/v1/touchpoints", headers=ria, json=TOUCH | {"touchpoint_id": "T1", "account_id": "A3"}
    )
    assert theirs.status_code == 404
    assert theirs.json()["detail"] == (
        "there is no touchpoint 'T1' that you may write: choose another id"
    )
    assert "A1" not in theirs.text
    assert "Sam" not in theirs.text
    own = client.post("/api/v1/touchpoints", headers=sam, json=TOUCH | {"touchpoint_id": "T1"})
    assert own.status_code == 409
    assert own.json()["detail"] == "there is already a touchpoint 'T1' in the book"


def test_keys_beyond_any_stored_number_are_422(client: TestClient, ada: dict[str, str]) -> None:
    for path in (
        "/api/v1/order_lines/O1/99999999999999999999",
        "/api/v1/roi_flows/OP1/9223372036854775808",
        "/api/v1/order_lines/O1/-1",
    ):
        answer = client.get(path, headers=ada)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["errors"][0]["field"] in ("line_no", "period")
    assert client.get("/api/v1/order_lines/O1/1", headers=ada).status_code == 200


def test_unknown_filters_are_refused_not_ignored(client: TestClient, sam: dict[str, str]) -> None:
    typo = client.get("/api/v1/touchpoints?acount_id=A1", headers=sam)
    assert typo.status_code == 422
    [error] = typo.json()["errors"]
    assert error["field"] == "acount_id"
    assert error["message"].startswith("is not a field of touchpoint to filter on; known: ")
    assert "account_id" in error["message"]
    listed = client.get("/api/v1/touchpoints?tags=x", headers=sam)
    assert listed.status_code == 422
    assert listed.json()["errors"][0]["message"] == "is a list and cannot be filtered on"
    good = client.get("/api/v1/touchpoints?account_id=A2&limit=5&sort=-occurred_at", headers=sam)
    assert good.status_code == 200
    assert [r["touchpoint_id"] for r in good.json()["items"]] == ["T3"]
