"""Duplicates, merge and undo through the page: scoped, CSRF-checked, audited."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from accord import services
from accord.storage.access_state import audit_log
from accord.storage.engines import engine_for
from tests.api.conftest import csrf_of, signed_in


def _audit(url: str, *actions: str) -> list[tuple[Any, ...]]:
    t = audit_log
    with engine_for(url).connect() as conn:
        rows = conn.execute(
            sa.select(
                t.c.user_id,
                t.c.action,
                t.c.table_name,
                t.c.row_key,
                t.c.account_id,
                t.c.field,
                t.c.old_value,
                t.c.new_value,
            )
            .where(t.c.action.in_(actions))
            .order_by(t.c.entry_id)
        )
        return [tuple(r) for r in rows]


def _book_with_duplicates(client: TestClient, ada: dict[str, str]) -> None:
    """C9 repeats Dana (C1) on Acme; team South's A9 has two records of one person."""
    for table, row in (
        ("users", {"user_id": "U5", "name": "Sol South", "role": "manager", "team": "South"}),
        ("accounts", {"account_id": "A9", "name": "Nine Ltd", "owner_id": "U5"}),
        ("contacts", {"contact_id": "C9", "account_id": "A1", "name": "Dana D.",
                      "email": "DANA@acme.example"}),
        ("contacts", {"contact_id": "C10", "account_id": "A9", "name": "Nia Nine",
                      "email": "nia@nine.example"}),
        ("contacts", {"contact_id": "C11", "account_id": "A9", "name": "Nia Nine",
                      "email": "nia@nine.example"}),
        ("touchpoints", {"touchpoint_id": "T9", "account_id": "A1",
                         "occurred_at": "2026-04-01T10:00:00", "channel": "call",
                         "direction": "inbound", "purpose": "support", "user_id": "U2",
                         "contact_ids": ["C9"]}),
    ):  # fmt: skip
        made = client.post(f"/api/v1/{table}", headers=ada, json=row)
        assert made.status_code == 201, made.text


def test_a_manager_merges_and_undoes_in_scope_audited(
    client: TestClient, book: str, ada: dict[str, str]
) -> None:
    _book_with_duplicates(client, ada)
    signed_in(client, "U1")
    page = client.get("/duplicates")
    assert page.status_code == 200
    assert 'data-kind="contact" data-ids="C1;C9"' in page.text
    assert "C10" not in page.text  # team South's records are not in Maria's scope
    csrf = csrf_of(page.text)
    outside = client.post(
        "/duplicates/merge", data={"csrf": csrf, "kind": "contact", "keep": "C10", "drop": "C11"}
    )
    assert outside.status_code == 404
    assert "there is no contact &#39;C10&#39; in the book" in outside.text
    merged = client.post(
        "/duplicates/merge",
        data={"csrf": csrf, "kind": "contact", "keep": "C1", "drop": "C9"},
        follow_redirects=False,
    )
    assert merged.status_code == 303
    assert merged.headers["location"] == "/duplicates?done=merged+1"
    tps = services.read_ledger_table(url=book, table="touchpoints")
    assert tps.filter(tps["touchpoint_id"] == "T9")["contact_ids"].to_list() == ["C1"]
    contacts = services.read_ledger_table(url=book, table="contacts")
    assert "C9" not in contacts["contact_id"].to_list()
    assert _audit(book, "merge") == [
        ("U1", "merge", "contacts", "C1", "A1", "merged", None, "C9 (journal entry 1)"),
        ("U1", "merge", "touchpoints", "T9", "A1", "contact_ids", "C9", "C1"),
        ("U1", "merge", "contacts", "C9", "A1", "contact_id", "C9", None),
        ("U1", "merge", "contacts", "C9", "A1", "account_id", "A1", None),
        ("U1", "merge", "contacts", "C9", "A1", "name", "Dana D.", None),
        ("U1", "merge", "contacts", "C9", "A1", "email", "DANA@acme.example", None),
        ("U1", "merge", "contacts", "C9", "A1", "active", "true", None),
    ]
    after = client.get("/duplicates?done=merged+1").text
    assert "Done: merged 1." in after
    assert '<li data-entry="1">#1 contact C9 → C1' in after
    assert 'data-ids="C1;C9"' not in after
    undone = client.post("/duplicates/undo/1", data={"csrf": csrf}, follow_redirects=False)
    assert undone.status_code == 303
    tps = services.read_ledger_table(url=book, table="touchpoints")
    assert tps.filter(tps["touchpoint_id"] == "T9")["contact_ids"].to_list() == ["C9"]
    assert _audit(book, "undo_merge") == [
        ("U1", "undo_merge", "contacts", "C1", "A1", "merged", "C9 (journal entry 1)", None),
        ("U1", "undo_merge", "touchpoints", "T9", "A1", "contact_ids", "C1", "C9"),
        ("U1", "undo_merge", "contacts", "C9", "A1", "contact_id", None, "C9"),
        ("U1", "undo_merge", "contacts", "C9", "A1", "account_id", None, "A1"),
        ("U1", "undo_merge", "contacts", "C9", "A1", "name", None, "Dana D."),
        ("U1", "undo_merge", "contacts", "C9", "A1", "email", None, "DANA@acme.example"),
        ("U1", "undo_merge", "contacts", "C9", "A1", "active", None, "true"),
    ]
    again = client.post("/duplicates/undo/1", data={"csrf": csrf})
    assert again.status_code == 400
    assert "merge 1 was already undone" in again.text
    assert 'data-ids="C1;C9"' in client.get("/duplicates").text


def test_sellers_and_forged_forms_are_refused(
    client: TestClient, book: str, ada: dict[str, str]
) -> None:
    _book_with_duplicates(client, ada)
    signed_in(client, "U2")
    assert client.get("/duplicates").status_code == 403
    assert 'href="/duplicates"' not in client.get("/").text
    csrf = csrf_of(client.get("/").text)
    refused = client.post(
        "/duplicates/merge", data={"csrf": csrf, "kind": "contact", "keep": "C1", "drop": "C9"}
    )
    assert refused.status_code == 403
    assert "only a manager or an admin may merge duplicates" in refused.text
    client.cookies.clear()
    signed_in(client, "U9")
    page = client.get("/duplicates").text
    assert 'data-ids="C1;C9"' in page
    assert 'data-ids="C10;C11"' in page
    forged = client.post(
        "/duplicates/merge", data={"csrf": "x", "kind": "contact", "keep": "C10", "drop": "C11"}
    )
    assert forged.status_code == 403
    bad = client.post(
        "/duplicates/merge", data={"csrf": csrf_of(page), "kind": "person", "keep": "C10"}
    )
    assert bad.status_code == 422
    assert "drop: is required; kind: must be contact or account" in bad.text
    assert _audit(book, "merge", "undo_merge") == []
    contacts = services.read_ledger_table(url=book, table="contacts")
    assert {"C9", "C10", "C11"} <= set(contacts["contact_id"].to_list())
