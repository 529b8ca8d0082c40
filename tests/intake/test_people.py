"""Duplicates, merge and undo, and a person's export and erasure."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from accord import services, services_capture, services_intake, services_people
from accord.analytics.mirror import mirror_path
from accord.cli import app
from accord.storage.database import make_engine
from tests.intake.conftest import DATA, HUBSPOT, query, row_counts


def _snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: to compare a book before and after."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = [
                n
                for n in sa.inspect(conn).get_table_names()
                if n not in ("alembic_version", "intake_journal", "audit_log", "ledger_changes")
            ]
            return {
                n: sorted(tuple(map(str, r)) for r in conn.exec_driver_sql(f'SELECT * FROM "{n}"'))
                for n in names
            }
    finally:
        engine.dispose()


def test_duplicates_found_and_merged_and_undone(sample_url: str, cli: CliRunner) -> None:
    services_intake.import_crm(url=sample_url, crm="hubspot", directory=HUBSPOT)
    groups = services_people.find_duplicates(url=sample_url)
    assert [(g.kind, g.ids, g.reason) for g in groups] == [
        ("contact", ("C1", "hs-7001"), "same e-mail dana@acme.example"),
        ("account", ("A1", "hs-5001"), "same name 'acme tools' and domain acme.example"),
    ]
    before = _snapshot(sample_url)
    merged = services_people.merge(url=sample_url, kind="account", keep="A1", drop="hs-5001")
    assert merged.moved == {
        "commitments": 1,
        "contacts": 1,
        "opportunities": 2,
        "orders": 2,
        "touchpoints": 3,
    }
    counts = row_counts(sample_url)
    assert counts["accounts"] == 5
    assert counts["touchpoints"] == 9
    assert counts["commitments"] == 6
    assert query(sample_url, "SELECT count(*) FROM touchpoints WHERE account_id = 'A1'") == [(5,)]
    contact = services_people.merge(url=sample_url, kind="contact", keep="C1", drop="hs-7001")
    assert contact.moved == {"commitments": 1, "touchpoints": 2}
    assert query(
        sample_url, "SELECT contact_ids FROM touchpoints WHERE touchpoint_id = 'hs-call-11001'"
    ) == [("C1",)]
    assert services_people.find_duplicates(url=sample_url) == []
    result = cli.invoke(app, ["merge", "undo", str(contact.entry_id), "--db", sample_url])
    assert result.exit_code == 0, result.output
    services_people.undo_merge(url=sample_url, entry_id=merged.entry_id)
    assert _snapshot(sample_url) == before
    again = cli.invoke(app, ["merge", "undo", str(merged.entry_id), "--db", sample_url])
    assert again.exit_code == 1
    assert f"merge {merged.entry_id} was already undone" in again.stderr


def test_merge_refuses_unknown_ids(sample_url: str, cli: CliRunner) -> None:
    before = row_counts(sample_url)
    result = cli.invoke(app, ["merge", "contact", "C1", "C404", "--db", sample_url])
    assert result.exit_code == 1
    assert "there is no contact 'C404' in the book" in result.stderr
    assert row_counts(sample_url) == before


def test_person_export_holds_everything_about_them(sample_url: str, cli: CliRunner) -> None:
    result = cli.invoke(app, ["person", "export", "dana@acme.example", "--db", sample_url])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["contact_id"] for c in data["contacts"]] == ["C1"]
    assert [t["touchpoint_id"] for t in data["participant_in"]["touchpoints"]] == ["T1"]
    assert [k["commitment_id"] for k in data["participant_in"]["commitments"]] == ["K1"]


def test_erase_leaves_no_trace_in_any_table(sample_url: str, cli: CliRunner) -> None:
    services_intake.import_crm(url=sample_url, crm="hubspot", directory=HUBSPOT)
    services_capture.capture_mail(url=sample_url, path=DATA / "mail" / "inbox.mbox")
    merged = services_people.merge(url=sample_url, kind="contact", keep="hs-7001", drop="C1")
    engine = make_engine(sample_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE touchpoints SET summary = 'Lunch with Dana Decider (dana@acme.example)' "
            "WHERE touchpoint_id = 'T4'"
        )
    engine.dispose()
    touchpoints = row_counts(sample_url)["touchpoints"]
    copy = None
    if sample_url.startswith("sqlite"):
        copy = mirror_path(Path(make_engine(sample_url).url.database or ""))
        services.diagnose(url=sample_url, as_of=date(2026, 6, 30))  # builds the columnar copy
        assert copy.exists()
    result = cli.invoke(app, ["person", "erase", "Dana@Acme.example", "--yes", "--db", sample_url])
    assert result.exit_code == 0, result.output
    if copy is not None:
        assert not copy.exists()  # the next analysis builds it afresh, without the erased values
    engine = make_engine(sample_url)
    with engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"'):
                text = " ".join(str(v) for v in row).lower()
                assert "dana@acme.example" not in text, name
                assert "dana decider" not in text, name
    engine.dispose()
    assert row_counts(sample_url)["touchpoints"] == touchpoints  # the account's facts stay
    assert query(sample_url, "SELECT summary FROM touchpoints WHERE touchpoint_id = 'T4'") == [
        ("Lunch with [erased] ([erased])",)
    ]
    assert query(sample_url, "SELECT name, email FROM contacts WHERE contact_id = 'hs-7001'") == [
        ("erased contact", None)
    ]
    journal = services_people.merge_journal(url=sample_url)
    assert journal[0]["kind"] == "erase"
    assert journal[1]["entry_id"] == merged.entry_id


def test_erase_refuses_an_unknown_address_and_our_own(sample_url: str, cli: CliRunner) -> None:
    before = row_counts(sample_url)
    result = cli.invoke(app, ["person", "erase", "nobody@x.example", "--yes", "--db", sample_url])
    assert result.exit_code == 1
    assert "no contact has the e-mail address 'nobody@x.example'" in result.stderr
    result = cli.invoke(app, ["person", "erase", "sam@seller.example", "--yes", "--db", sample_url])
    assert "sam@seller.example is the address of user U2, one of us" in result.stderr
    assert row_counts(sample_url) == before


def test_merge_undo_and_erase_from_the_command_line_are_audited(
    sample_url: str, cli: CliRunner
) -> None:
    services_intake.import_crm(url=sample_url, crm="hubspot", directory=HUBSPOT)
    merged = services_people.merge(url=sample_url, kind="contact", keep="C1", drop="hs-7001")
    services_people.undo_merge(url=sample_url, entry_id=merged.entry_id)
    summary = (
        "SELECT user_id, action, table_name, row_key, account_id, old_value, new_value "
        "FROM audit_log WHERE field = 'merged' ORDER BY entry_id"
    )
    label = f"hs-7001 (journal entry {merged.entry_id})"
    assert query(sample_url, summary) == [
        ("cli", "merge", "contacts", "C1", "A1", None, label),
        ("cli", "undo_merge", "contacts", "C1", "A1", label, None),
    ]
    result = cli.invoke(app, ["person", "erase", "dana@acme.example", "--yes", "--db", sample_url])
    assert result.exit_code == 0, result.output
    entry = f"journal entry {services_people.merge_journal(url=sample_url)[0]['entry_id']}"
    assert query(
        sample_url,
        "SELECT user_id, table_name, row_key, account_id, field, old_value, new_value "
        "FROM audit_log WHERE action = 'erase' ORDER BY entry_id",
    ) == [
        ("cli", "contacts", "C1", "A1", "erased", None, entry),
        ("cli", "contacts", "hs-7001", "hs-5001", "erased", None, entry),
    ]
    trail = query(sample_url, "SELECT old_value, new_value FROM audit_log")
    assert not any("dana" in str(v).lower() for row in trail for v in row)
