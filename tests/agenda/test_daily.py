"""The daily agenda of the hand-built book (tests/agenda/book.py, as of 2026-06-30).

Sam (U1) has 12 open items on three accounts. As a daily agenda:

1. A3 Cedar — critical · 100 at stake · due today: the broken-promises pattern,
   which covers the two overdue promises K3 and K4 (they say the same thing);
   the red stay-in-touch folded under it.
2. A2 Birch — warning · 2,000 at stake · 53 days overdue: the payment
   conversation; their promise K2 and the tax referral folded under it.
3. A1 Acme — routine · 5,000 at stake · 15 days overdue: the post-order
   check-in, which covers the amber stay-in-touch (a check-in is a touch);
   our promise K1 and the decision-maker connection folded.

The value review of OP1 has no value plan: data to complete, not an action.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from accord import services, services_agenda
from accord.agenda import AgendaItem, item_id
from accord.agenda.daily import daily, merge
from accord.config import Agenda as AgendaSettings
from accord.config import Settings
from accord.errors import BadInputError
from accord.storage.database import make_engine
from tests.agenda import book


@pytest.fixture
def url(tmp_path: Path) -> str:
    return book.load(f"sqlite:///{tmp_path / 'book.db'}", tmp_path / "bundle")


def _lines(result: services_agenda.Agenda) -> list[tuple[object, ...]]:
    return [
        (
            a.account_id,
            a.priority_words,
            (a.lead.item.kind, a.lead.item.reason_key),
            [m.reason_key for m in a.lead.merged],
            [(f.item.kind, f.item.reason_key) for f in a.folded],
        )
        for a in result.actions
    ]


def test_one_line_per_account_severity_first_duplicates_merged(url: str) -> None:
    result = services_agenda.agenda(url=url, user_id="U1", as_of=book.AS_OF)
    assert _lines(result) == [
        (
            "A3",
            "critical · 100 at stake · due today",
            ("pattern", "broken_promises_ours"),
            ["K3", "K4"],
            [("stay_in_touch", "since 2026-03-01")],
        ),
        (
            "A2",
            "warning · 2,000 at stake · 53 days overdue",
            ("overdue_payment", "I1"),
            [],
            [("their_commitment", "K2"), ("referral", "need:tax")],
        ),
        (
            "A1",
            "routine · 5,000 at stake · 15 days overdue",
            ("post_order", "O1"),
            ["since 2026-05-28"],
            [("our_commitment", "K1"), ("decision_maker", "connect")],
        ),
    ]
    assert [(e.item.kind, e.item.reason_key) for e in result.to_complete] == [
        ("value_review", "OP1")
    ]
    assert (result.more_actions, result.more_to_complete, result.total) == (0, 0, 12)
    # overdue items say so in their text
    stay = result.actions[0].folded[0].item
    assert stay.reason.endswith("It is 91 days overdue.")
    k3 = result.actions[0].lead.merged[0]
    assert "(60 days overdue)" in k3.reason
    assert "It is" not in k3.reason
    # every item is in one place only
    ids = [i.id for a in result.actions for i in a.items()] + [
        i.id for e in result.to_complete for i in (e.item, *e.merged)
    ]
    assert len(ids) == len(set(ids)) == 12


def test_the_number_of_actions_is_a_setting(url: str) -> None:
    settings = Settings(agenda=AgendaSettings(max_actions=2))
    result = services_agenda.agenda(url=url, user_id="U1", as_of=book.AS_OF, settings=settings)
    assert [a.account_id for a in result.actions] == ["A3", "A2"]
    assert result.more_actions == 1
    every = services_agenda.agenda(
        url=url, user_id="U1", as_of=book.AS_OF, settings=settings, max_actions=0
    )
    assert len(every.actions) == 3


def _item(kind: str, key: str, account: str = "A1", **kw: object) -> AgendaItem:
    base: dict[str, object] = {
        "id": item_id(account, kind, key),
        "kind": kind,
        "account_id": account,
        "account_name": account,
        "contact_id": None,
        "contact_name": None,
        "title": f"{kind} {key}",
        "reason": "",
        "evidence": {},
        "due": date(2026, 6, 30),
        "days_overdue": 0,
        "value_at_stake": 1000.0,
        "urgency": 1.0,
        "priority": 1000.0,
        "level": None,
        "reason_key": key,
        "state": "open",
        "until": None,
        "note": None,
    }
    base.update(kw)
    return AgendaItem(**base)  # type: ignore[arg-type]


def test_qualify_and_define_criteria_of_one_deal_are_one_entry_to_complete() -> None:
    items = [
        _item("define_criteria", "OP7", category="to_complete", priority=500.0),
        _item("qualification", "OP7", category="to_complete", priority=700.0),
        _item("qualification", "OP8", category="to_complete", priority=300.0),
        _item("pattern", "fading", severity="warning", priority=50.0),
        _item("stay_in_touch", "since 2026-01-01", priority=9000.0, days_overdue=150),
    ]
    entries = merge(items)
    assert [(e.item.kind, e.item.reason_key, [m.kind for m in e.merged]) for e in entries] == [
        ("pattern", "fading", ["stay_in_touch"]),  # warning outranks a bigger routine item
        ("define_criteria", "OP7", ["qualification"]),
        ("qualification", "OP8", []),
    ]
    today = daily(items, 12, 10)
    assert [a.lead.item.kind for a in today.actions] == ["pattern"]
    assert [e.item.reason_key for e in today.to_complete] == ["OP7", "OP8"]


def _trust(url: str, account: str) -> float | None:
    found = services.diagnose(url=url, as_of=book.AS_OF).accounts.filter(account_id=account)
    value = found["trust"][0]
    return None if value is None else float(value)


def _done_on(url: str, commitment: str) -> tuple[object, list[tuple[object, ...]]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(
            sa.text("SELECT done_on FROM commitments WHERE commitment_id = :c"), {"c": commitment}
        ).scalar_one()
        audit = conn.execute(
            sa.text(
                "SELECT field, old_value, new_value FROM audit_log "
                "WHERE table_name = 'commitments' AND row_key = :c"
            ),
            {"c": commitment},
        ).all()
    engine.dispose()
    return value, [tuple(a) for a in audit]


def test_completing_a_promise_item_keeps_the_promise_and_changes_trust(url: str) -> None:
    assert _trust(url, "A3") == 0.0  # K3 and K4 both overdue and open
    services_agenda.complete_item(
        url=url, user_id="U1", item_id=item_id("A3", "our_commitment", "K3"), as_of=book.AS_OF
    )
    done_on, audit = _done_on(url, "K3")
    assert str(done_on)[:10] == "2026-06-30"
    assert audit == [("done_on", None, "2026-06-30")]
    # one promise kept (late) of two: ours 25, less the 40% the broken-promises pattern,
    # still firing (neither was kept on time), takes off its dimension
    assert _trust(url, "A3") == 15.0
    left = services_agenda.agenda(url=url, user_id="U1", as_of=book.AS_OF)
    assert [m.reason_key for m in left.actions[0].lead.merged] == ["K4"]


def test_completing_a_retrospective_writes_it_or_asks_what_we_learned(tmp_path: Path) -> None:
    rows = {k: list(v) for k, v in book.ROWS.items()}
    rows["opportunities"] = [
        *rows["opportunities"],
        {
            "opportunity_id": "OP2",
            "account_id": "A1",
            "name": "Spare parts",
            "opened_on": "2026-03-01",
            "stage": "lost",
            "amount": 3000,
            "closed_on": "2026-06-10",
        },
    ]
    url = f"sqlite:///{tmp_path / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=book.write(tmp_path / "bundle", rows))
    retro = item_id("A1", "retrospective", "OP2")
    with pytest.raises(BadInputError, match="what we learned"):
        services_agenda.complete_item(url=url, user_id="U1", item_id=retro, as_of=book.AS_OF)
    services_agenda.complete_item(
        url=url,
        user_id="U1",
        item_id=retro,
        as_of=book.AS_OF,
        note="They bought on price",
        completion=services_agenda.Completion(do_differently="Show the running cost early"),
    )
    engine = make_engine(url)
    with engine.connect() as conn:
        written = conn.execute(
            sa.text("SELECT written_on, learned, do_differently, user_id FROM retrospectives")
        ).all()
        states = conn.execute(sa.text("SELECT item_id, state FROM agenda_state")).all()
    engine.dispose()
    assert [(str(w[0])[:10], w[1], w[2], w[3]) for w in written] == [
        ("2026-06-30", "They bought on price", "Show the running cost early", "U1")
    ]
    assert [tuple(s) for s in states] == [(retro, "done")]


def test_a_manager_sees_each_sellers_agenda_completion_and_late_promises(url: str) -> None:
    services_agenda.complete_item(
        url=url, user_id="U1", item_id=item_id("A3", "our_commitment", "K3"), as_of=book.AS_OF
    )
    view = services_agenda.team_agenda(url=url, manager_id="M1", as_of=book.AS_OF)
    assert view.scope == "the team of Maria Manager (M1)"
    rows = [
        (
            s.agenda.user_id,
            s.completed,
            s.overdue_open,
            s.completion_rate,
            s.overdue_promises,
            [a.account_id for a in s.agenda.actions],
        )
        for s in view.sellers
    ]
    # Sam: K3 done; open and overdue: the pattern's K4, payment, red and amber cadence,
    # K2, the post-order check-in (6). Ria: A4's quiet spell.
    assert rows == [
        ("U1", 1, 6, round(1 / 7, 3), 1, ["A3", "A2", "A1"]),
        ("U2", 0, 1, 0.0, 0, ["A4"]),
    ]
    same = services_agenda.team_agenda(url=url, team="North", as_of=book.AS_OF)
    assert [s.agenda.user_id for s in same.sellers] == ["U1", "U2"]
