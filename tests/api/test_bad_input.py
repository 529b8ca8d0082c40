"""Bad input: a 4xx problem detail naming what is wrong, and nothing written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from accord import services
from tests.api.conftest import csrf_of, signed_in

GOOD = {
    "touchpoint_id": "T20",
    "account_id": "A1",
    "occurred_at": "2026-04-01T10:00:00",
    "channel": "call",
    "direction": "inbound",
    "purpose": "insight",
}


def _rows(url: str) -> int:
    return services.read_ledger_table(url=url, table="touchpoints").height


@pytest.mark.parametrize(
    ("change", "status", "field", "message"),
    [
        ({"minutes": "ten"}, 422, "minutes", "Input should be a valid integer"),
        ({"minutes": True}, 422, "minutes", "Input should be a valid integer"),
        ({"minutes": -5}, 422, "minutes", "Input should be greater than or equal to 0"),
        (
            {"channel": "pigeon"},
            422,
            "channel",
            "Input should be 'meeting', 'call', 'email', 'visit', 'event', 'message' or 'other'",
        ),
        (
            {"occurred_at": "yesterday"},
            422,
            "occurred_at",
            "must be a time (ISO 8601, e.g. 2026-03-01T10:00)",
        ),
        ({"colour": "red"}, 422, "colour", "is not a known field"),
        ({"tags": ["a;b"]}, 422, "tags", "items must not contain ';'"),
        ({"contact_ids": ["C4"]}, 422, "contact_ids", "there is no contact 'C4' in the book"),
        (
            {"account_id": "A1' OR '1'='1"},
            422,
            "account_id",
            "there is no account \"A1' OR '1'='1\" in the book",
        ),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_written(
    client: TestClient,
    book: str,
    sam: dict[str, str],
    change: dict[str, object],
    status: int,
    field: str,
    message: str,
) -> None:
    before = _rows(book)
    answer = client.post("/api/v1/touchpoints", headers=sam, json=GOOD | change)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status
    assert {"field": field, "message": message} in problem["errors"]
    assert _rows(book) == before


def test_a_missing_required_field(client: TestClient, sam: dict[str, str]) -> None:
    body = {k: v for k, v in GOOD.items() if k != "channel"}
    answer = client.post("/api/v1/touchpoints", headers=sam, json=body)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "channel", "message": "Field required"}]


def test_malformed_json_is_400(client: TestClient, book: str, sam: dict[str, str]) -> None:
    answer = client.post(
        "/api/v1/touchpoints",
        headers=sam | {"content-type": "application/json"},
        content=b'{"touchpoint_id": "T20",',
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == "the body is not valid JSON"
    assert _rows(book) == 4


def test_an_oversized_body_is_413(client: TestClient, book: str, sam: dict[str, str]) -> None:
    answer = client.post(
        "/api/v1/touchpoints", headers=sam, json=GOOD | {"summary": "x" * (3 * 1024 * 1024)}
    )
    assert answer.status_code == 413
    assert answer.json()["detail"] == "the request body is larger than 2097152 bytes"
    assert _rows(book) == 4


def test_a_duplicate_id_is_409(client: TestClient, sam: dict[str, str]) -> None:
    answer = client.post("/api/v1/touchpoints", headers=sam, json=GOOD | {"touchpoint_id": "T1"})
    assert answer.status_code == 409
    assert answer.json()["detail"] == "there is already a touchpoint 'T1' in the book"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"segment": "x' OR 1=1 --"}, None),
        ({"created_on": "2023-02-01'; DROP TABLE accounts; --"}, "created_on"),
        ({"payment_terms_days": "30 OR 1=1"}, "payment_terms_days"),
        ({"sort": "name; DROP TABLE accounts"}, "sort"),
        ({"sort": "-owner_id"}, None),
    ],
)
def test_sql_metacharacters_in_filters_are_just_text(
    client: TestClient, book: str, ada: dict[str, str], params: dict[str, str], field: str | None
) -> None:
    answer = client.get("/api/v1/accounts", headers=ada, params=params)
    if field is None:
        assert answer.status_code == 200
        assert answer.json()["total"] in (0, 3)
    else:
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == field
    assert services.read_ledger_table(url=book, table="accounts").height == 3


def test_no_token_or_a_wrong_one_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/accounts").status_code == 401
    answer = client.get("/api/v1/accounts", headers={"Authorization": "Bearer acc_nope"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="accord"'
    assert answer.json()["detail"] == "unknown or revoked API token"


def test_script_in_text_fields_is_escaped_on_every_page(
    client: TestClient, book: str, sam: dict[str, str]
) -> None:
    evil = "<script>alert('x')</script>"
    made = client.post(
        "/api/v1/touchpoints", headers=sam, json=GOOD | {"summary": evil, "tags": ["<b>bold</b>"]}
    )
    assert made.status_code == 201
    ok = client.post(
        "/api/v1/feedback",
        headers=sam,
        json={
            "feedback_id": "F9",
            "account_id": "A1",
            "received_on": "2026-04-02",
            "kind": "complaint",
            "text": evil,
        },
    )
    assert ok.status_code == 201
    promise = client.post(
        "/api/v1/commitments",
        headers=sam,
        json={
            "commitment_id": "K9",
            "account_id": "A1",
            "side": "us",
            "made_on": "2026-04-01",
            "due_on": "2026-04-16",
            "description": evil,
        },
    )
    assert promise.status_code == 201
    signed_in(client, "U2")
    for path in ("/accounts/A1", "/", "/agenda"):
        page = client.get(path)
        assert page.status_code == 200
        assert evil not in page.text
    account = client.get("/accounts/A1").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in account
    agenda = client.get("/agenda").text
    assert "Keep our promise: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in agenda


def test_a_form_with_a_bad_field_shows_the_message_beside_it(client: TestClient, book: str) -> None:
    signed_in(client, "U2")
    page = client.get("/accounts/A1")
    csrf = csrf_of(page.text)
    answer = client.post(
        "/accounts/A1/touchpoints",
        data={
            "csrf": csrf,
            "occurred_at": "not a time",
            "channel": "call",
            "direction": "inbound",
            "purpose": "insight",
            "minutes": "-3",
        },
    )
    assert answer.status_code == 422
    assert (
        '<span class="field-error" data-field="occurred_at">'
        "must be a time (ISO 8601, e.g. 2026-03-01T10:00)</span>" in answer.text
    )
    assert '<span class="field-error" data-field="minutes">must be at least 0</span>' in answer.text
    assert 'value="not a time"' in answer.text
    assert _rows(book) == 4
    feedback = client.post(
        "/accounts/A1/feedback",
        data={"csrf": csrf, "kind": "nps", "score": "11", "received_on": "2026-04-02"},
    )
    assert feedback.status_code == 422
    assert '<span class="field-error" data-field="score">must be at most 10</span>' in feedback.text
    commitment = client.post(
        "/accounts/A1/commitments",
        data={"csrf": csrf, "side": "us", "made_on": "2026-04-02", "due_on": "", "description": ""},
    )
    assert commitment.status_code == 422
    assert '<span class="field-error" data-field="due_on">is required</span>' in commitment.text
    assert (
        '<span class="field-error" data-field="description">is required</span>' in commitment.text
    )
