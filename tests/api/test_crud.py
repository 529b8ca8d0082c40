"""Create, read, update, list and delete through the API: versions, audit, ingest."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from accord import services
from accord.storage.access_state import audit_log
from accord.storage.engines import engine_for

TOUCH = {
    "touchpoint_id": "T10",
    "account_id": "A1",
    "occurred_at": "2026-04-10T09:15:00+02:00",
    "channel": "meeting",
    "direction": "mutual",
    "purpose": "guidance",
    "contact_ids": ["C1", "C2"],
    "minutes": 45,
    "summary": "Walked through the pilot's ROI",
    "tags": ["roi"],
}


def _audit(url: str) -> list[tuple[str, str, str, str, str | None, str | None]]:
    t = audit_log
    with engine_for(url).connect() as conn:
        rows = conn.execute(
            sa.select(
                t.c.user_id, t.c.action, t.c.row_key, t.c.field, t.c.old_value, t.c.new_value
            ).order_by(t.c.entry_id)
        )
        return [tuple(r) for r in rows]


def test_create_read_update_delete_with_versions_and_audit(
    client: TestClient, book: str, sam: dict[str, str]
) -> None:
    made = client.post("/api/v1/touchpoints", headers=sam, json=TOUCH)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["occurred_at"] == "2026-04-10T07:15:00"  # stored as naive UTC
    assert body["contact_ids"] == ["C1", "C2"]
    assert made.headers["ETag"] == f'"{body["version"]}"'
    read = client.get("/api/v1/touchpoints/T10", headers=sam)
    assert read.json() == body

    changed = client.patch(
        "/api/v1/touchpoints/T10",
        headers=sam | {"If-Match": read.headers["ETag"]},
        json={"minutes": 60, "summary": None},
    )
    assert changed.status_code == 200
    assert (changed.json()["minutes"], changed.json()["summary"]) == (60, None)
    assert changed.json()["version"] != body["version"]

    stale = client.patch(
        "/api/v1/touchpoints/T10",
        headers=sam | {"If-Match": read.headers["ETag"]},
        json={"minutes": 5},
    )
    assert stale.status_code == 412
    assert stale.headers["ETag"] == changed.headers["ETag"]
    no_version = client.patch("/api/v1/touchpoints/T10", headers=sam, json={"minutes": 5})
    assert no_version.status_code == 428
    assert client.get("/api/v1/touchpoints/T10", headers=sam).json()["minutes"] == 60

    gone = client.delete(
        "/api/v1/touchpoints/T10", headers=sam | {"If-Match": changed.headers["ETag"]}
    )
    assert gone.status_code == 204
    assert client.get("/api/v1/touchpoints/T10", headers=sam).status_code == 404

    trail = _audit(book)
    assert ("U2", "create", "T10", "minutes", None, "45") in trail
    assert ("U2", "update", "T10", "minutes", "45", "60") in trail
    assert ("U2", "update", "T10", "summary", "Walked through the pilot's ROI", None) in trail
    assert ("U2", "delete", "T10", "minutes", "60", None) in trail
    assert [r for r in trail if r[1] == "update"] == [
        ("U2", "update", "T10", "minutes", "45", "60"),
        ("U2", "update", "T10", "summary", "Walked through the pilot's ROI", None),
    ]


def test_an_import_makes_a_read_version_stale(
    client: TestClient, book: str, sam: dict[str, str], bundle: object
) -> None:
    from pathlib import Path

    read = client.get("/api/v1/accounts/A1", headers=sam)
    folder = Path(str(bundle))
    text = (
        (folder / "accounts.csv")
        .read_text(encoding="utf-8")
        .replace("Acme Tools", "Acme Tools Ltd")
    )
    (folder / "accounts.csv").write_text(text, encoding="utf-8")
    services.import_bundle(url=book, directory=folder)
    answer = client.patch(
        "/api/v1/accounts/A1",
        headers=sam | {"If-Match": read.headers["ETag"]},
        json={"segment": "smb"},
    )
    assert answer.status_code == 412


def test_list_is_paginated_filtered_and_sorted(client: TestClient, ada: dict[str, str]) -> None:
    page = client.get("/api/v1/accounts", headers=ada, params={"sort": "-name", "limit": 2})
    assert [r["account_id"] for r in page.json()["items"]] == ["A3", "A2"]
    assert (page.json()["total"], page.json()["limit"], page.json()["offset"]) == (3, 2, 0)
    rest = client.get(
        "/api/v1/accounts", headers=ada, params={"sort": "-name", "limit": 2, "offset": 2}
    )
    assert [r["account_id"] for r in rest.json()["items"]] == ["A1"]
    seg = client.get("/api/v1/accounts", headers=ada, params={"segment": "smb"})
    assert [r["account_id"] for r in seg.json()["items"]] == ["A2"]
    dated = client.get("/api/v1/orders", headers=ada, params={"ordered_on": "2026-01-21"})
    assert [r["order_id"] for r in dated.json()["items"]] == ["O1"]
    lines = client.get("/api/v1/order_lines/O1/1", headers=ada)
    assert lines.status_code == 200
    assert lines.json()["sku"]


def test_ingest_upserts_all_rows_or_none(
    client: TestClient, book: str, sam: dict[str, str]
) -> None:
    order = {
        "order_id": "O10",
        "account_id": "A2",
        "ordered_on": "2026-04-02",
        "amount": 1200.5,
        "list_amount": 1300,
    }
    touch = TOUCH | {"touchpoint_id": "T11"}
    update = {
        "touchpoint_id": "T3",
        "account_id": "A2",
        "occurred_at": "2026-02-11T00:00:00",
        "channel": "email",
        "direction": "outbound",
        "purpose": "insight",
    }
    bad = {"order_id": "O11", "account_id": "A3", "ordered_on": "2026-04-02", "amount": 10}
    refused = client.post(
        "/api/v1/ingest", headers=sam, json={"orders": [order, bad], "touchpoints": [touch]}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "orders[1].account_id", "message": "there is no account 'A3' in the book"}
    ]
    assert "O10" not in services.read_ledger_table(url=book, table="orders")["order_id"].to_list()
    done = client.post(
        "/api/v1/ingest", headers=sam, json={"orders": [order], "touchpoints": [touch, update]}
    )
    assert done.status_code == 200, done.text
    assert done.json() == {
        "inserted": {"orders": 1, "touchpoints": 1},
        "updated": {"orders": 0, "touchpoints": 1},
    }
    tps = services.read_ledger_table(url=book, table="touchpoints")
    assert tps.filter(tps["touchpoint_id"] == "T3")["purpose"].to_list() == ["insight"]
    orders = services.read_ledger_table(url=book, table="orders")
    assert orders.filter(orders["order_id"] == "O10")["amount"].to_list() == [1200.5]


def test_read_endpoints_diagnosis_lifetime_agenda(client: TestClient, sam: dict[str, str]) -> None:
    diag = client.get("/api/v1/accounts/A1/diagnosis", headers=sam, params={"as_of": "2026-04-15"})
    assert diag.status_code == 200
    assert diag.json()["account_id"] == "A1"
    assert diag.json()["as_of"] == "2026-04-15"
    assert set(diag.json()["health"]) == {
        "score",
        "trust",
        "engagement",
        "mutual_value",
        "continuity",
    }
    life = client.get("/api/v1/accounts/A1/lifetime", headers=sam)
    assert life.json()["note"] == "2 accounts with orders; the model needs at least 10"
    agenda = client.get("/api/v1/agenda", headers=sam)
    assert agenda.json()["user_id"] == "U2"
    assert {i["account_id"] for i in agenda.json()["items"]} == {"A1", "A2"}
    me = client.get("/api/v1/me", headers=sam)
    assert me.json() == {"user_id": "U2", "name": "Sam Seller", "role": "rep", "team": "North"}
