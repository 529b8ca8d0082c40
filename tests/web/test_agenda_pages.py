"""The agenda page and API on the real agenda of the sample book (as of 2026-04-15).

Sam (U2) owns A1 and A2; his agenda holds, warning first: our promise K3,
stay in touch with A1 and A2 (red), A2's fading pattern; then the value
review of OP1, check-ins after orders O3 and O2, the decision criteria of OP2
(a decision hook) and its qualification, a connection to a decision maker at
A1 and at A2.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from accord import services
from accord.agenda import item_id
from accord.storage.access_state import audit_log
from accord.storage.engines import engine_for
from tests.api.conftest import csrf_of, signed_in

STAY_A2 = item_id("A2", "stay_in_touch", "since 2026-02-11")
ORDER_O2 = item_id("A1", "post_order", "O2")
FADING_A2 = item_id("A2", "pattern", "fading")
SAM_ITEMS = [  # warning first, then routine; within each, value at stake × urgency
    ("our_commitment", "A2"),  # our promise K3, overdue
    ("stay_in_touch", "A1"),  # red
    ("stay_in_touch", "A2"),  # red
    ("pattern", "A2"),  # fading (warning)
    ("value_review", "A1"),
    ("post_order", "A2"),
    ("post_order", "A1"),
    ("define_criteria", "A2"),  # Spring stock: open 73 days, no criteria
    ("qualification", "A2"),  # Spring stock: need, authority and budget unconfirmed
    ("decision_maker", "A1"),  # no real connection to a decision maker
    ("decision_maker", "A2"),
]
# The page: one line per account. A1: the check-in after O2, covering the stay in touch
# (a check-in is a touch), the decision maker folded; A2: our promise K3, then folded the
# fading pattern (covering the stay in touch), the check-in after O3, the decision maker.
# To complete: A1's value review (no value plan), A2's criteria covering its qualification.
PAGE_KINDS = [
    "post_order",
    "stay_in_touch",
    "decision_maker",
    "our_commitment",
    "pattern",
    "stay_in_touch",
    "post_order",
    "decision_maker",
    "value_review",
    "define_criteria",
    "qualification",
]


def audit_rows(url: str, table: str) -> list[tuple[Any, ...]]:
    t = audit_log
    with engine_for(url).connect() as conn:
        rows = conn.execute(
            sa.select(
                t.c.user_id,
                t.c.action,
                t.c.row_key,
                t.c.account_id,
                t.c.field,
                t.c.old_value,
                t.c.new_value,
            )
            .where(t.c.table_name == table)
            .order_by(t.c.entry_id)
        )
        return [tuple(r) for r in rows]


def test_the_agenda_api_returns_the_real_items(client: TestClient, sam: dict[str, str]) -> None:
    answer = client.get("/api/v1/agenda", headers=sam)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["user_id"], body["as_of"], body["total"]) == ("U2", "2026-04-15", 11)
    assert [(i["kind"], i["account_id"]) for i in body["items"]] == SAM_ITEMS
    stay = next(i for i in body["items"] if i["id"] == STAY_A2)
    assert stay["title"] == "Stay in touch (63 days quiet)"
    assert (stay["contact_id"], stay["due"], stay["state"]) == ("C3", "2026-03-13", "open")
    lines = [(a["account_id"], a["severity"], len(a["folded"])) for a in body["actions"]]
    # the daily agenda as the CLI gives it: one line per account, the rest folded under it
    assert lines == [("A1", "warning", 1), ("A2", "warning", 3)]
    assert (body["more_actions"], len(body["to_complete"])) == (0, 2)
    later = client.get("/api/v1/agenda", headers=sam, params={"as_of": "2026-02-15"})
    assert later.json()["as_of"] == "2026-02-15"
    bad = client.get("/api/v1/agenda", headers=sam, params={"as_of": "someday"})
    assert bad.status_code == 422


def test_complete_with_a_touchpoint_is_one_write_audited(client: TestClient, book: str) -> None:
    signed_in(client, "U2")
    page = client.get("/agenda")
    assert page.status_code == 200
    assert [p.split('"')[0] for p in page.text.split('data-kind="')[1:]] == PAGE_KINDS
    assert f'data-key="{STAY_A2}"' in page.text
    before = services.read_ledger_table(url=book, table="touchpoints").height
    done = client.post(
        f"/agenda/{STAY_A2}/complete",
        data={
            "csrf": csrf_of(page.text),
            "log": "on",
            "channel": "visit",
            "purpose": "guidance",
            "direction": "mutual",
            "summary": "Walked the shop floor",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    tps = services.read_ledger_table(url=book, table="touchpoints")
    assert tps.height == before + 1
    new = tps.filter(tps["summary"] == "Walked the shop floor").row(0, named=True)
    tp_id = new["touchpoint_id"]
    assert tp_id.startswith("AG-20260415-")
    assert (new["account_id"], new["user_id"], new["contact_ids"], new["tags"]) == (
        "A2",
        "U2",
        "C3",
        "agenda",
    )
    assert str(new["occurred_at"]) == "2026-04-15 00:00:00"
    assert audit_rows(book, "touchpoints") == [
        ("U2", "create", tp_id, "A2", "touchpoint_id", None, tp_id),
        ("U2", "create", tp_id, "A2", "account_id", None, "A2"),
        ("U2", "create", tp_id, "A2", "occurred_at", None, "2026-04-15T00:00:00"),
        ("U2", "create", tp_id, "A2", "channel", None, "visit"),
        ("U2", "create", tp_id, "A2", "direction", None, "mutual"),
        ("U2", "create", tp_id, "A2", "purpose", None, "guidance"),
        ("U2", "create", tp_id, "A2", "user_id", None, "U2"),
        ("U2", "create", tp_id, "A2", "contact_ids", None, "C3"),
        ("U2", "create", tp_id, "A2", "summary", None, "Walked the shop floor"),
        ("U2", "create", tp_id, "A2", "tags", None, "agenda"),
    ]
    assert audit_rows(book, "agenda_state") == [
        ("U2", "create", STAY_A2, "A2", "state", None, "done"),
        ("U2", "create", STAY_A2, "A2", "touchpoint_id", None, tp_id),
    ]
    again = client.get("/agenda").text
    assert f'data-key="{STAY_A2}"' not in again
    # a guidance visit is the follow-up order O3 was waiting for
    assert 'data-kind="post_order"' in again
    assert again.count('data-kind="post_order"') == 1
    account = client.get("/accounts/A2").text
    assert "Walked the shop floor" in account
    assert f"create touchpoints {tp_id}</td><td>summary</td>" in account


def test_snooze_dismiss_and_bad_forms(client: TestClient, book: str) -> None:
    signed_in(client, "U2")
    csrf = csrf_of(client.get("/agenda").text)
    snoozed = client.post(
        f"/agenda/{ORDER_O2}/snooze",
        data={"csrf": csrf, "until": "2026-05-01"},
        follow_redirects=False,
    )
    assert snoozed.status_code == 303
    early = client.post(f"/agenda/{ORDER_O2}/snooze", data={"csrf": csrf, "until": "2026-04-15"})
    assert early.status_code == 422
    assert "until: must be after 2026-04-15" in early.text
    refused = client.post(f"/agenda/{FADING_A2}/dismiss", data={"csrf": csrf, "reason": " "})
    assert refused.status_code == 422
    dismissed = client.post(
        f"/agenda/{FADING_A2}/dismiss",
        data={"csrf": csrf, "reason": "seasonal buyer"},
        follow_redirects=False,
    )
    assert dismissed.status_code == 303
    bad = client.post(
        f"/agenda/{STAY_A2}/complete",
        data={"csrf": csrf, "log": "on", "channel": "pigeon", "minutes": "-1"},
    )
    assert bad.status_code == 422
    assert '<span class="field-error" data-field="channel">' in bad.text
    assert '<span class="field-error" data-field="minutes">minutes must be at least 0' in bad.text
    missing = client.post("/agenda/000000000000/complete", data={"csrf": csrf})
    assert missing.status_code == 404
    forged = client.post(f"/agenda/{STAY_A2}/complete", data={"csrf": "nope"})
    assert forged.status_code == 403
    assert audit_rows(book, "agenda_state") == [
        ("U2", "create", ORDER_O2, "A1", "state", None, "snoozed"),
        ("U2", "create", ORDER_O2, "A1", "until", None, "2026-05-01"),
        ("U2", "create", FADING_A2, "A2", "state", None, "dismissed"),
        ("U2", "create", FADING_A2, "A2", "note", None, "seasonal buyer"),
    ]
    assert audit_rows(book, "touchpoints") == []
    page = client.get("/agenda").text
    assert ORDER_O2 not in page
    assert FADING_A2 not in page
    assert "Not shown: 1 dismissed, 1 snoozed." in page
    # completing the snoozed item replaces the decision, audited as an update
    done = client.post(f"/agenda/{ORDER_O2}/complete", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert audit_rows(book, "agenda_state")[4:] == [
        ("U2", "update", ORDER_O2, "A1", "state", "snoozed", "done"),
        ("U2", "update", ORDER_O2, "A1", "until", "2026-05-01", None),
    ]
    assert audit_rows(book, "touchpoints") == []


def test_the_page_honours_as_of_and_a_manager_sees_the_team(client: TestClient, book: str) -> None:
    signed_in(client, "U2")
    early = client.get("/agenda", params={"as_of": "2026-02-15"})
    assert early.status_code == 200
    assert "<small>2026-02-15</small>" in early.text
    assert client.get("/agenda", params={"as_of": "someday"}).status_code == 422
    assert client.get("/agenda/team").status_code == 403
    assert client.get("/agenda", params={"user": "U3"}).status_code == 403
