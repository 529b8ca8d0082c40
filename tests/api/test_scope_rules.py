"""Every ledger table × every role × every verb of the API, against its scope rule.

One row per table in Sam's account A1 (or, for the reference tables, a fresh
row anyone may read). Each caller then lists, reads, changes, deletes and
creates it again:

* in scope (Sam who owns A1, Maria who manages his team, Ada the admin): 200,
  200, 200, 204, 201 — the opportunity-keyed tables included, which used to
  answer 500 ("no scope rule");
* out of scope (Ria, another seller; Olga, a manager of another team): the row
  is not in their list, reading, changing and deleting it is 404, and creating
  it is a 422 naming the reference they may not use;
* reference tables (users, partners, products): everyone reads, only an admin
  writes (403 for the others).

A table added to the ledger without a row here fails the first test, and one
the scope rules cannot place stops `accord.services_ledger` from importing.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.domain.schema import BY_NAME, LEDGER
from accord.services_ledger import REFERENCE_TABLES, SCOPE_RULES
from tests.api.conftest import bearer

# A new row per table; references point at rows of the sample book in A1 (or at the
# helpers of HELPERS) so that deleting one of these rows breaks nothing else.
ROWS: dict[str, dict[str, Any]] = {
    "users": {"user_id": "U77", "name": "Zed Zero", "role": "rep", "team": "East"},
    "accounts": {"account_id": "AZ", "name": "Zenith", "owner_id": "U2"},
    "contacts": {"contact_id": "CZ", "account_id": "A1", "name": "Zoe"},
    "partners": {"partner_id": "PZ", "name": "Zeta Partners"},
    "products": {"sku": "SKU-Z", "name": "Zipper", "kind": "product"},
    "touchpoints": {
        "touchpoint_id": "TZ",
        "account_id": "A1",
        "occurred_at": "2026-04-01T10:00:00",
        "channel": "call",
        "direction": "outbound",
        "purpose": "insight",
        "user_id": "U2",
    },
    "opportunities": {
        "opportunity_id": "OPZ",
        "account_id": "A1",
        "name": "Zed deal",
        "opened_on": "2026-03-01",
        "stage": "open",
        "user_id": "U2",
    },
    "orders": {
        "order_id": "OZ",
        "account_id": "A1",
        "ordered_on": "2026-04-02",
        "amount": 100,
        "user_id": "U2",
    },
    "order_lines": {
        "order_id": "O1",
        "line_no": 9,
        "sku": "SKU-A",
        "quantity": 1,
        "unit_price": 100,
    },
    "invoices": {"invoice_id": "IZ", "account_id": "A1", "issued_on": "2026-04-02", "amount": 1},
    "commitments": {
        "commitment_id": "KZ",
        "account_id": "A1",
        "side": "us",
        "made_on": "2026-04-01",
        "due_on": "2026-04-20",
        "description": "Send the plan",
        "user_id": "U2",
    },
    "service_log": {
        "entry_id": "SZ",
        "account_id": "A1",
        "worked_on": "2026-04-01",
        "hours": 2,
        "user_id": "U2",
    },
    "feedback": {
        "feedback_id": "FZ",
        "account_id": "A1",
        "received_on": "2026-04-01",
        "kind": "nps",
        "score": 8,
    },
    "referrals": {
        "referral_id": "RZ",
        "account_id": "A1",
        "partner_id": "P1",
        "direction": "given",
        "made_on": "2026-04-01",
    },
    "decision_criteria": {
        "opportunity_id": "OP1",
        "criterion_id": "CRZ",
        "name": "Speed",
        "weight": 2,
    },
    "alternatives": {
        "opportunity_id": "OP1",
        "alternative_id": "ALZ",
        "name": "Do nothing",
        "kind": "do_nothing",
    },
    "criterion_scores": {
        "opportunity_id": "OP1",
        "alternative_id": "ALH",
        "criterion_id": "CRH",
        "score": 7,
    },
    "risks": {
        "opportunity_id": "OP1",
        "risk_id": "RKZ",
        "description": "Late delivery",
        "likelihood": 2,
        "impact": 3,
    },
    "roi_flows": {"opportunity_id": "OP1", "period": 3, "cost": 10, "benefit": 50},
    "value_plans": {
        "opportunity_id": "OP1",
        "metric": "uptime",
        "baseline": 90,
        "target": 99,
        "measure_by": "2026-12-31",
    },
    "value_checks": {
        "opportunity_id": "OP1",
        "metric": "helper metric",
        "measured_on": "2026-03-01",
        "value": 95,
    },
    "account_plans": {"account_id": "A1", "updated_on": "2026-04-01", "intent": "lifetime"},
    "plan_people": {"account_id": "A1", "contact_id": "C1", "gap": "We never met"},
    "retrospectives": {
        "opportunity_id": "OP1",
        "written_on": "2026-02-01",
        "learned": "Start earlier",
        "user_id": "U2",
    },
}
# Rows the rows above refer to (made once, never deleted).
HELPERS: list[tuple[str, dict[str, Any]]] = [
    ("users", {"user_id": "U8", "name": "Olga Other", "role": "manager", "team": "South"}),
    (
        "alternatives",
        {"opportunity_id": "OP1", "alternative_id": "ALH", "name": "Us", "kind": "us"},
    ),
    (
        "decision_criteria",
        {"opportunity_id": "OP1", "criterion_id": "CRH", "name": "Cost", "weight": 1},
    ),
    (
        "value_plans",
        {
            "opportunity_id": "OP1",
            "metric": "helper metric",
            "baseline": 1,
            "target": 2,
            "measure_by": "2026-12-31",
        },
    ),
]
# A field each table lets one change, and a new value for it.
CHANGE: dict[str, tuple[str, Any]] = {
    "users": ("name", "Zed Changed"),
    "accounts": ("segment", "smb"),
    "contacts": ("title", "CFO"),
    "partners": ("expertise", ["tax"]),
    "products": ("name", "Zip"),
    "touchpoints": ("summary", "changed"),
    "opportunities": ("amount", 99),
    "orders": ("cost", 10),
    "order_lines": ("quantity", 2),
    "invoices": ("terms_days", 45),
    "commitments": ("description", "Send it twice"),
    "service_log": ("activity", "Training"),
    "feedback": ("text", "Fine"),
    "referrals": ("outcome", "met"),
    "decision_criteria": ("weight", 3),
    "alternatives": ("name", "Wait"),
    "criterion_scores": ("score", 4),
    "risks": ("mitigation", "Buffer stock"),
    "roi_flows": ("note", "year three"),
    "value_plans": ("unit", "%"),
    "value_checks": ("value", 96),
    "account_plans": ("point_of_view", "They need speed"),
    "plan_people": ("notes", "Prefers mail"),
    "retrospectives": ("do_differently", "Ask sooner"),
}
IN_SCOPE = ("U2", "U1", "U9")  # Sam (owner), Maria (his manager), Ada (admin)
OUT_OF_SCOPE = ("U3", "U8")  # Ria (another seller), Olga (a manager of another team)
# The references through which an outsider's new row is refused (default: account_id).
ANCHOR = {
    "accounts": {"owner_id"},
    "order_lines": {"order_id"},
    "plan_people": {"account_id", "contact_id"},
}


def _item(table: str, row: dict[str, Any]) -> str:
    return f"/api/v1/{table}/" + "/".join(str(row[k]) for k in BY_NAME[table].key)


def test_every_table_has_a_rule_a_row_and_a_change() -> None:
    names = {t.name for t in LEDGER}
    assert set(SCOPE_RULES) == names
    assert set(ROWS) == names
    assert set(CHANGE) == names
    assert {n for n, r in SCOPE_RULES.items() if r.kind == "reference"} == REFERENCE_TABLES
    assert SCOPE_RULES["decision_criteria"].link() == (
        "opportunity_id",
        "opportunities",
        "opportunity_id",
    )
    assert SCOPE_RULES["order_lines"].link() == ("order_id", "orders", "order_id")


@pytest.fixture
def callers(client: TestClient, book: str, ada: dict[str, str]) -> dict[str, dict[str, str]]:
    for table, row in HELPERS:
        answer = client.post(f"/api/v1/{table}", headers=ada, json=row)
        assert answer.status_code == 201, (table, answer.text)
    return {user: bearer(book, user) for user in (*IN_SCOPE, *OUT_OF_SCOPE)}


def _ids(client: TestClient, headers: dict[str, str], table: str) -> list[str]:
    spec = BY_NAME[table]
    answer = client.get(f"/api/v1/{table}", headers=headers, params={"limit": 500})
    assert answer.status_code == 200, (table, answer.text)
    return ["/".join(str(r[k]) for k in spec.key) for r in answer.json()["items"]]


@pytest.mark.parametrize("table", [t.name for t in LEDGER])
def test_each_role_lists_reads_changes_deletes_and_creates_by_the_tables_rule(
    client: TestClient,
    ada: dict[str, str],
    callers: dict[str, dict[str, str]],
    table: str,
) -> None:
    row = ROWS[table]
    spec = BY_NAME[table]
    key = "/".join(str(row[k]) for k in spec.key)
    created = client.post(f"/api/v1/{table}", headers=ada, json=row)
    assert created.status_code == 201, created.text
    field, value = CHANGE[table]
    reference = table in REFERENCE_TABLES
    for user, headers in callers.items():
        version = client.get(_item(table, row), headers=ada).json()["version"]
        listed = key in _ids(client, headers, table)
        read = client.get(_item(table, row), headers=headers)
        changed = client.patch(
            _item(table, row),
            headers=headers | {"If-Match": f'"{version}"'},
            json={field: value},
        )
        version = client.get(_item(table, row), headers=ada).json()["version"]
        deleted = client.delete(_item(table, row), headers=headers | {"If-Match": f'"{version}"'})
        # made again by the caller, attributed to them (user_id left out)
        again = client.post(
            f"/api/v1/{table}",
            headers=headers,
            json={k: v for k, v in row.items() if k != "user_id" or table == "users"},
        )
        got = (listed, read.status_code, changed.status_code, deleted.status_code)
        if reference:
            admin = user == "U9"
            assert got == (True, 200, 200 if admin else 403, 204 if admin else 403), user
            assert again.status_code == (201 if admin else 403), (user, again.text)
        elif user in IN_SCOPE:
            assert got == (True, 200, 200, 204), (user, read.text, changed.text, deleted.text)
            assert again.status_code == 201, (user, again.text)
            if "user_id" in row and table != "users":
                assert again.json()["user_id"] == user
        else:
            assert got == (False, 404, 404, 404), (user, read.text, changed.text, deleted.text)
            assert f"no {spec.noun} {key!r}" in read.json()["detail"]
            assert again.status_code == 422, (user, again.text)
            named = {e["field"] for e in again.json()["errors"]}
            anchor = "account_id" if "account_id" in row else "opportunity_id"
            assert named == ANCHOR.get(table, {anchor}), again.text
    # the row is back as it was created, whoever recreated it last
    final = client.get(_item(table, row), headers=ada)
    assert final.status_code == 200
    assert {k: final.json()[k] for k in spec.key} == {k: row[k] for k in spec.key}


def test_a_manager_of_another_team_sees_none_of_north(
    client: TestClient, callers: dict[str, dict[str, str]]
) -> None:
    olga = callers["U8"]
    assert _ids(client, olga, "accounts") == []
    assert _ids(client, olga, "decision_criteria") == _ids(client, olga, "touchpoints") == []
    assert "U8" in _ids(client, olga, "users")  # reference tables: everyone reads
