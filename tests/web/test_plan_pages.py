"""The account plan page: view, write, edit, the map of their people, scope and CSRF.

The sample book: Sam (U2) owns A1 (Dana Decider C1, decision maker; Chris
Champion C2) and A2 (Bea Birch C3); Ria (U3) owns A3. Pages look from
2026-04-15.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from accord.storage.access_state import audit_log
from accord.storage.engines import engine_for
from accord.storage.tables import LEDGER_TABLES
from tests.api.conftest import csrf_of, signed_in

PLAN = {
    "mutual_benefit": "They cut line stops; we grow a lifetime account",
    "business_drivers": "Uptime",
    "current_challenges": "Unplanned stops",
    "future_challenges": "A second plant in 2027",
    "point_of_view": "Predictive spares beat a bigger stock",
    "intent": "lifetime",
    "intent_reason": "Twenty years of machines ahead",
    "objectives": "Meet the new COO\r\nSpares pilot by June\r\n",
}


def _audit(book: str) -> list[tuple[Any, ...]]:
    with engine_for(book).connect() as conn:
        rows = conn.execute(
            sa.select(
                audit_log.c.user_id,
                audit_log.c.action,
                audit_log.c.table_name,
                audit_log.c.row_key,
                audit_log.c.account_id,
                audit_log.c.field,
                audit_log.c.old_value,
                audit_log.c.new_value,
            ).order_by(audit_log.c.entry_id)
        ).all()
    return [tuple(r) for r in rows]


def _rows(book: str, table: str) -> list[dict[str, Any]]:
    t = LEDGER_TABLES[table]
    with engine_for(book).connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(t)).mappings()]


def _version(html: str, action: str) -> str:
    form = html.split(f'action="{action}', 1)[1]
    return form.split('name="version" value="', 1)[1].split('"', 1)[0]


def test_no_plan_yet_is_a_call_to_action(client: TestClient) -> None:
    signed_in(client, "U2")
    account = client.get("/accounts/A1").text
    section = account.split('data-testid="account-plan"', 1)[1].split("</section>", 1)[0]
    assert "No plan yet." in section
    assert 'href="/accounts/A1/plan?as_of=2026-04-15#plan">Write one</a>' in section
    page = client.get("/accounts/A1/plan")
    assert page.status_code == 200
    assert 'data-testid="no-plan"' in page.text
    gaps = page.text.split('data-testid="plan-gaps">', 1)[1].split("</ul>", 1)[0]
    assert gaps == (
        "<li>decision maker Dana Decider (C1): strength 0.14, below 0.3: "
        "we don&#39;t really know them</li><li>no plan written yet</li>"
    )
    people = page.text.split('data-testid="plan-people"', 1)[1].split("</table>", 1)[0]
    assert (
        '<tr data-contact="C1"><td>Dana Decider</td><td>COO</td><td>decision maker</td>' in people
    )
    assert "0.14</td>\n        <td>no</td>" in people
    assert "0.30</td>\n        <td>yes</td>" in people  # Chris, known


def test_writing_and_editing_the_plan_is_audited(client: TestClient, book: str) -> None:
    signed_in(client, "U2")
    page = client.get("/accounts/A1/plan").text
    answer = client.post(
        "/accounts/A1/plan",
        data={"csrf": csrf_of(page), "version": ""} | PLAN,
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/accounts/A1/plan?as_of=2026-04-15#plan"
    [row] = _rows(book, "account_plans")
    assert row["objectives"] == "Meet the new COO;Spares pilot by June"
    assert (str(row["updated_on"]), row["user_id"], row["intent"]) == (
        "2026-04-15",
        "U2",
        "lifetime",
    )
    created = [(f, new) for _, action, table, key, acc, f, old, new in _audit(book)]
    assert created == [
        ("account_id", "A1"),
        ("updated_on", "2026-04-15"),
        ("mutual_benefit", "They cut line stops; we grow a lifetime account"),
        ("business_drivers", "Uptime"),
        ("current_challenges", "Unplanned stops"),
        ("future_challenges", "A second plant in 2027"),
        ("point_of_view", "Predictive spares beat a bigger stock"),
        ("intent", "lifetime"),
        ("intent_reason", "Twenty years of machines ahead"),
        ("objectives", "Meet the new COO;Spares pilot by June"),
        ("user_id", "U2"),
    ]
    assert {a[:5] for a in _audit(book)} == {("U2", "create", "account_plans", "A1", "A1")}

    page = client.get("/accounts/A1/plan").text
    assert '<dd data-testid="plan-intent">lifetime <span class="muted">— Twenty years' in page
    assert (
        '<ul class="objectives" data-testid="plan-objectives"><li>Meet the new COO</li>'
        "<li>Spares pilot by June</li></ul>" in page
    )
    assert "Meet the new COO\nSpares pilot by June</textarea>" in page  # the form, one a line
    edited = PLAN | {"objectives": "Meet the new COO\nSpares pilot by May", "intent": "season"}
    answer = client.post(
        "/accounts/A1/plan",
        data={"csrf": csrf_of(page), "version": _version(page, "/accounts/A1/plan?")} | edited,
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert _audit(book)[11:] == [
        ("U2", "update", "account_plans", "A1", "A1", "intent", "lifetime", "season"),
        (
            "U2",
            "update",
            "account_plans",
            "A1",
            "A1",
            "objectives",
            "Meet the new COO;Spares pilot by June",
            "Meet the new COO;Spares pilot by May",
        ),
    ]
    account = client.get("/accounts/A1").text
    section = account.split('data-testid="account-plan"', 1)[1].split("</section>", 1)[0]
    assert "<dt>Intent</dt><dd>season" in section
    assert "<li>Spares pilot by May</li>" in section
    assert "<dt>Updated</dt><dd>2026-04-15</dd>" in section
    assert "account_plans A1</td><td>objectives</td>" in account  # the account's audit trail
    stale = client.post(
        "/accounts/A1/plan",
        data={"csrf": csrf_of(page), "version": _version(page, "/accounts/A1/plan?")} | PLAN,
    )
    assert stale.status_code == 412
    assert _rows(book, "account_plans")[0]["intent"] == "season"


def test_an_intent_outside_the_three_is_refused_beside_the_field(
    client: TestClient, book: str
) -> None:
    signed_in(client, "U2")
    page = client.get("/accounts/A1/plan").text
    answer = client.post(
        "/accounts/A1/plan",
        data={"csrf": csrf_of(page), "version": ""} | PLAN | {"intent": "forever"},
    )
    assert answer.status_code == 422
    assert (
        '<span class="field-error" data-field="intent">'
        "must be one of reason, season, lifetime</span>" in answer.text
    )
    assert '<option value="forever" selected>forever</option>' in answer.text
    assert "Predictive spares beat a bigger stock</textarea>" in answer.text  # kept
    assert _rows(book, "account_plans") == []
    assert _audit(book) == []


def test_another_sellers_account_plan_is_404(client: TestClient, book: str) -> None:
    signed_in(client, "U3")
    page = client.get("/accounts/A1/plan")
    assert page.status_code == 404
    assert "there is no account &#39;A1&#39; in the book" in page.text
    assert "Dana" not in page.text
    own = client.get("/accounts/A3/plan").text
    written = client.post("/accounts/A1/plan", data={"csrf": csrf_of(own), "version": ""} | PLAN)
    assert written.status_code == 404
    assert _rows(book, "account_plans") == []
    signed_in(client, "U1")  # their manager sees it
    assert client.get("/accounts/A1/plan").status_code == 200


def test_a_forged_form_is_403(client: TestClient, book: str) -> None:
    signed_in(client, "U2")
    answer = client.post("/accounts/A1/plan", data={"csrf": "forged", "version": ""} | PLAN)
    assert answer.status_code == 403
    assert "CSRF check failed" in answer.text
    person = client.post("/accounts/A1/plan/people", data={"csrf": "", "contact_id": "C1"})
    assert person.status_code == 403
    assert _rows(book, "account_plans") == []
    assert _rows(book, "plan_people") == []
    assert _audit(book) == []


def test_people_on_the_plan_add_edit_remove(client: TestClient, book: str) -> None:
    signed_in(client, "U2")
    page = client.get("/accounts/A1/plan").text
    added = client.post(
        "/accounts/A1/plan/people",
        data={
            "csrf": csrf_of(page),
            "contact_id": "C1",
            "decision_role": "",
            "gap": "Never met in person",
            "notes": "",
            "desired_owner_id": "U1",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert _rows(book, "plan_people") == [
        {
            "account_id": "A1",
            "contact_id": "C1",
            "decision_role": None,
            "gap": "Never met in person",
            "notes": None,
            "desired_owner_id": "U1",
        }
    ]
    page = client.get("/accounts/A1/plan").text
    row = page.split('<tr data-contact="C1">', 1)[1].split("</tr>", 1)[0]
    assert "<td>Never met in person</td><td></td><td>U1</td>\n        <td>yes</td>" in row
    action = "/accounts/A1/plan/people/C1?"
    edited = client.post(
        "/accounts/A1/plan/people/C1",
        data={
            "csrf": csrf_of(page),
            "version": _version(page, action),
            "decision_role": "blocker",
            "gap": "Never met in person",
            "notes": "Prefers email",
            "desired_owner_id": "U1",
        },
        follow_redirects=False,
    )
    assert edited.status_code == 303
    assert _audit(book)[-2:] == [
        ("U2", "update", "plan_people", "A1/C1", "A1", "decision_role", None, "blocker"),
        ("U2", "update", "plan_people", "A1/C1", "A1", "notes", None, "Prefers email"),
    ]
    page = client.get("/accounts/A1/plan").text
    bad = client.post(
        "/accounts/A1/plan/people/C1",
        data={
            "csrf": csrf_of(page),
            "version": _version(page, action),
            "decision_role": "boss",
            "desired_owner_id": "U404",
        },
    )
    assert bad.status_code == 422
    assert (
        '<span class="field-error" data-field="decision_role">must be one of decision_maker'
        in bad.text
    )
    removed = client.post(
        "/accounts/A1/plan/people/C1/remove",
        data={"csrf": csrf_of(page), "version": _version(page, action)},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert _rows(book, "plan_people") == []
    deleted = [(r[5], r[6], r[7]) for r in _audit(book) if r[1] == "delete"]
    assert deleted == [
        ("account_id", "A1", None),
        ("contact_id", "C1", None),
        ("decision_role", "blocker", None),
        ("gap", "Never met in person", None),
        ("notes", "Prefers email", None),
        ("desired_owner_id", "U1", None),
    ]


def test_a_person_of_another_account_is_refused(client: TestClient, book: str) -> None:
    signed_in(client, "U2")
    page = client.get("/accounts/A1/plan").text
    answer = client.post(
        "/accounts/A1/plan/people", data={"csrf": csrf_of(page), "contact_id": "C3"}
    )
    assert answer.status_code == 422
    assert (
        '<span class="field-error" data-field="contact_id">the contact &#39;C3&#39; belongs '
        "to account &#39;A2&#39;, not &#39;A1&#39;</span>" in answer.text
    )
    out_of_scope = client.post(
        "/accounts/A1/plan/people", data={"csrf": csrf_of(page), "contact_id": "C4"}
    )
    assert out_of_scope.status_code == 422
    assert "there is no contact &#39;C4&#39; in the book" in out_of_scope.text
    assert _rows(book, "plan_people") == []
