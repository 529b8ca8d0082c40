"""The agenda of a hand-built book: every item, its priority and its order; decisions kept.

Worked priorities (as of 2026-06-30, the lifetime model is not fitted on four
accounts, so value at stake = max(the item's own money, 100)):

| item | due | days overdue | urgency | stake | priority |
|---|---|---|---|---|---|
| A2 overdue payment (I1, due 05-01, + 7 grace) | 05-08 | 53 | 1 + 53/7 = 8.571 | 2000 | 17142 |
| A1 post-order check-in (O1 on 06-01, + 14) | 06-15 | 15 | 3.143 | 5000 | 15715 |
| A2 value review (OP1 won 04-01, + 90) | 06-30 | 0 | 1 | 8000 | 8000 |
| A3 stay in touch (last 03-01, ideal 30) | 03-31 | 91 | capped 10 | 100 | 1000 |
| A3 our commitment K3 | 05-01 | 60 | 9.571 | 100 | 957.1 |
| A3 our commitment K4 | 05-15 | 46 | 7.571 | 100 | 757.1 |
| A2 their commitment K2 | 06-20 | 10 | 2.429 | 100 | 242.9 |
| A1 stay in touch (last 05-28) | 06-27 | 3 | 1.429 | 100 | 142.9 |
| A3 broken_promises_ours (critical: due today) | 06-30 | 0 | 1 | 100 | 100 |
| A2 referral (need:tax on 06-25, + 7) | 07-02 | −2 | 1/(1 + 2/7) = 0.778 | 100 | 77.8 |
| A1 our commitment K1 | 07-03 | −3 | 0.7 | 100 | 70 |
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from accord import services_agenda as agenda_service
from accord.cli import app
from accord.errors import BadInputError, NotFoundError
from accord.storage.database import make_engine
from tests.agenda import book

EXPECTED = [
    # critical first, then warning, then routine; within each, priority (value × urgency)
    ("A3", "pattern", "broken_promises_ours", "2026-06-30", 0, 100.0, 100.0, None, None),
    ("A2", "overdue_payment", "I1", "2026-05-08", 53, 2000.0, 17142.0, None, "C2"),
    ("A3", "stay_in_touch", "since 2026-03-01", "2026-03-31", 91, 100.0, 1000.0, "red", None),
    ("A3", "our_commitment", "K3", "2026-05-01", 60, 100.0, 957.1, None, None),
    ("A3", "our_commitment", "K4", "2026-05-15", 46, 100.0, 757.1, None, None),
    ("A1", "post_order", "O1", "2026-06-15", 15, 5000.0, 15715.0, None, "C1"),
    ("A2", "value_review", "OP1", "2026-06-30", 0, 8000.0, 8000.0, None, "C2"),
    ("A2", "their_commitment", "K2", "2026-06-20", 10, 100.0, 242.9, None, "C2"),
    ("A1", "stay_in_touch", "since 2026-05-28", "2026-06-27", 3, 100.0, 142.9, "amber", "C1"),
    ("A2", "referral", "need:tax", "2026-07-02", -2, 100.0, 77.8, None, "C2"),
    ("A1", "our_commitment", "K1", "2026-07-03", -3, 100.0, 70.0, None, "C1"),
    # issue 8: A1's one decision maker is weakly connected (strength 0.23 < 0.3)
    ("A1", "decision_maker", "connect", "2026-07-07", -7, 100.0, 50.0, None, "C1"),
]


def _rows(result: agenda_service.Agenda) -> list[tuple[object, ...]]:
    return [
        (
            i.account_id,
            i.kind,
            i.reason_key,
            i.due.isoformat(),
            i.days_overdue,
            i.value_at_stake,
            i.priority,
            i.level,
            i.contact_id,
        )
        for i in result.items
    ]


@pytest.fixture
def url(tmp_path: Path) -> str:
    return book.load(f"sqlite:///{tmp_path / 'book.db'}", tmp_path / "bundle")


def test_every_item_in_priority_order(empty_url: str, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL alike."""
    book.load(empty_url, tmp_path / "bundle")
    result = agenda_service.agenda(url=empty_url, user_id="U1", as_of=book.AS_OF)
    assert (result.user_name, result.total, result.hidden) == ("Sam Seller", 12, {})
    assert _rows(result) == EXPECTED


def test_reasons_read_as_plain_words(url: str) -> None:
    items = agenda_service.agenda(url=url, user_id="U1", as_of=book.AS_OF).items
    by_key = {(i.account_id, i.kind): i for i in items}
    payment = by_key[("A2", "overdue_payment")]
    assert payment.reason.startswith(
        "1 invoice(s) worth 2,000 are unpaid, the oldest (I1) 60 days past due."
    )
    assert payment.evidence == {
        "invoices_overdue": 1,
        "overdue_amount": 2000.0,
        "oldest_invoice": "I1",
        "oldest_due": "2026-05-01",
        "days_past_due": 60,
    }
    assert by_key[("A1", "post_order")].reason.startswith(
        "Order O1 of 5,000 on 2026-06-01 (29 days ago) had no follow-up touchpoint since."
    )
    pattern = by_key[("A3", "pattern")]
    assert pattern.reason.startswith("We kept 0 of 2 promises on time.")  # the detector's action
    assert pattern.evidence["severity"] == "critical"
    referral = by_key[("A2", "referral")]
    assert "Tax Experts" in referral.reason
    assert referral.evidence["partners"] == ["P1"]
    assert by_key[("A3", "stay_in_touch")].reason.startswith(
        "121 days since the last touchpoint (ideal every 30 days, at most 60)."
    )


def test_another_seller_sees_only_their_accounts(url: str) -> None:
    items = agenda_service.agenda(url=url, user_id="U2", as_of=book.AS_OF).items
    assert {(i.account_id, i.kind, i.level) for i in items} == {("A4", "stay_in_touch", "red")}


def _find(url: str, account: str, kind: str, day: date = book.AS_OF) -> str:
    items = agenda_service.agenda(url=url, user_id="U1", as_of=day).items
    return next(i.id for i in items if (i.account_id, i.kind) == (account, kind))


def test_snooze_and_dismiss_survive_regeneration(url: str) -> None:
    stay = _find(url, "A3", "stay_in_touch")
    nudge = _find(url, "A2", "their_commitment")
    agenda_service.snooze_item(
        url=url, user_id="U1", item_id=stay, until=date(2026, 7, 10), as_of=book.AS_OF
    )
    agenda_service.dismiss_item(
        url=url, user_id="U1", item_id=nudge, reason="they sent it by post", as_of=book.AS_OF
    )
    again = agenda_service.agenda(url=url, user_id="U1", as_of=book.AS_OF)
    assert (again.total, again.hidden) == (10, {"dismissed": 1, "snoozed": 1})
    assert stay not in {i.id for i in again.items}
    later = agenda_service.agenda(url=url, user_id="U1", as_of=date(2026, 7, 10), limit=None)
    ids = {i.id: i for i in later.items}
    assert stay in ids  # the snooze ended; the relationship is still quiet
    assert nudge not in ids  # a dismissal is for good
    everything = agenda_service.agenda(url=url, user_id="U1", as_of=book.AS_OF, include_hidden=True)
    states = {i.id: (i.state, i.until, i.note) for i in everything.items}
    assert states[stay] == ("snoozed", date(2026, 7, 10), None)
    assert states[nudge] == ("dismissed", None, "they sent it by post")


def test_completing_with_a_touchpoint_logs_it_and_restarts_the_cadence(url: str) -> None:
    stay = _find(url, "A1", "stay_in_touch")
    decision = agenda_service.complete_item(
        url=url,
        user_id="U1",
        item_id=stay,
        as_of=book.AS_OF,
        touchpoint=agenda_service.NewTouchpoint(channel="call", purpose="insight", minutes=20),
    )
    assert decision.state == "done"
    assert decision.touchpoint_id is not None
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT account_id, purpose, contact_ids, minutes, user_id FROM touchpoints "
                "WHERE touchpoint_id = :t"
            ),
            {"t": decision.touchpoint_id},
        ).one()
    engine.dispose()
    assert tuple(row) == ("A1", "insight", "C1", 20, "U1")
    kinds = {
        (i.account_id, i.kind)
        for i in agenda_service.agenda(url=url, user_id="U1", as_of=book.AS_OF).items
    }
    # The insight call is a follow-up after the order, too: both A1 items are gone.
    assert ("A1", "stay_in_touch") not in kinds
    assert ("A1", "post_order") not in kinds
    assert ("A1", "our_commitment") in kinds


def test_an_account_cadence_of_its_own(url: str) -> None:
    agenda_service.set_cadence(url=url, account_id="A1", ideal_days=40, max_days=80)
    kinds = {
        (i.account_id, i.kind)
        for i in agenda_service.agenda(url=url, user_id="U1", as_of=book.AS_OF).items
    }
    assert ("A1", "stay_in_touch") not in kinds
    agenda_service.set_cadence(url=url, account_id="A1", ideal_days=None, max_days=None, reset=True)
    assert _find(url, "A1", "stay_in_touch")
    with pytest.raises(
        BadInputError, match=r"0 < ideal ≤ maximum days \(got ideal 20, maximum 10\)"
    ):
        agenda_service.set_cadence(url=url, account_id="A1", ideal_days=20, max_days=10)
    with pytest.raises(NotFoundError, match="there is no account 'A9' in the book"):
        agenda_service.set_cadence(url=url, account_id="A9", ideal_days=20, max_days=30)


def _state_rows(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        states = conn.execute(sa.text("SELECT count(*) FROM agenda_state")).scalar_one()
        touches = conn.execute(sa.text("SELECT count(*) FROM touchpoints")).scalar_one()
    engine.dispose()
    return int(states), int(touches)


def test_cli_json_and_table(url: str, cli: CliRunner) -> None:
    result = cli.invoke(
        app, ["agenda", "--user", "U1", "--as-of", "2026-06-30", "--format", "json", "--db", url]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["user_id"], data["as_of"], data["total"]) == ("U1", "2026-06-30", 12)
    first = data["items"][1]
    assert {k: first[k] for k in ("kind", "account_id", "due", "priority", "contact_name")} == {
        "kind": "overdue_payment",
        "account_id": "A2",
        "due": "2026-05-08",
        "priority": 17142.0,
        "contact_name": "Bob Birch",
    }
    assert first["priority_words"] == "warning · 2,000 at stake · 53 days overdue"
    assert [a["account_id"] for a in data["actions"]] == ["A3", "A2", "A1"]
    merged = data["actions"][0]["lead"]["merged"]
    assert [m["evidence"]["commitment_id"] for m in merged] == ["K3", "K4"]
    assert [(e["kind"], e["evidence"]["opportunity_id"]) for e in data["to_complete"]] == [
        ("value_review", "OP1")
    ]
    table = cli.invoke(app, ["agenda", "--user", "U1", "--as-of", "2026-06-30", "--db", url])
    assert table.exit_code == 0, table.output
    assert "3 action(s), 12 open item(s) in all" in table.output
    assert "critical · 100 at stake · due today" in table.output
    items = cli.invoke(
        app, ["agenda", "--user", "U1", "--as-of", "2026-06-30", "--db", url, "--items"]
    )
    assert "12 of 12 open item(s) shown." in items.output


def test_cli_actions(url: str, cli: CliRunner) -> None:
    item = _find(url, "A1", "post_order")
    done = cli.invoke(
        app,
        [
            "agenda",
            "complete",
            item,
            "--user",
            "U1",
            "--as-of",
            "2026-06-30",
            "--db",
            url,
            "--log",
            "meeting:guidance",
            "--minutes",
            "45",
        ],
    )
    assert done.exit_code == 0, done.output
    assert "Completed: Check in after order O1 (Acme)." in done.output
    assert _state_rows(url) == (2, 5)  # the stay-in-touch it covered is done with it
    snooze = cli.invoke(
        app,
        [
            "agenda",
            "snooze",
            _find(url, "A3", "pattern"),
            "--user",
            "U1",
            "--as-of",
            "2026-06-30",
            "--until",
            "2026-07-07",
            "--db",
            url,
        ],
    )
    assert snooze.exit_code == 0, snooze.output
    assert "Snoozed until 2026-07-07" in snooze.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["agenda", "--user", "U7"], "there is no user 'U7' in the book"),
        (
            ["agenda", "complete", "nope", "--user", "U1"],
            "there is no agenda item 'nope' for user 'U1' as of 2026-06-30",
        ),
        (
            ["agenda", "snooze", "ITEM", "--user", "U1", "--until", "2026-06-01"],
            "snooze until 2026-06-01 is not after the as-of date 2026-06-30",
        ),
        (
            ["agenda", "dismiss", "ITEM", "--user", "U1", "--reason", "  "],
            "a dismissal needs a reason",
        ),
        (
            ["agenda", "complete", "ITEM", "--user", "U1", "--log", "fax:insight"],
            "unknown touchpoint channel 'fax'; expected one of: meeting, call",
        ),
        (
            ["agenda", "cadence", "A9", "--ideal", "10"],
            "there is no account 'A9' in the book",
        ),
    ],
)
def test_bad_input_exits_1_and_changes_nothing(
    url: str, cli: CliRunner, args: list[str], message: str
) -> None:
    item = _find(url, "A1", "post_order")
    args = [item if a == "ITEM" else a for a in args]
    before = _state_rows(url)
    dated = [] if args[1] == "cadence" else ["--as-of", "2026-06-30"]
    result = cli.invoke(app, [*args, *dated, "--db", url])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert _state_rows(url) == before
