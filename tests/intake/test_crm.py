"""CRM exports into the book: HubSpot and Salesforce, dry runs, overrides, health after."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from accord import services, services_intake
from accord.cli import app
from tests.intake.conftest import HUBSPOT, SALESFORCE, query, row_counts


def _changes(report: services_intake.MappedImport) -> dict[str, tuple[int, int, int]]:
    return {t.table: (t.inserted, t.updated, t.unchanged) for t in report.tables}


def test_hubspot_export_lands_in_the_book(sample_url: str) -> None:
    report = services_intake.import_crm(url=sample_url, crm="hubspot", directory=HUBSPOT)
    assert _changes(report) == {
        "users": (1, 0, 0),  # Olga Owner, from the owner columns; Sam and Ria are the book's
        "accounts": (3, 0, 0),
        "contacts": (4, 0, 0),
        "touchpoints": (5, 0, 0),
        "opportunities": (4, 0, 0),
        "orders": (2, 0, 0),
        "commitments": (2, 0, 0),
    }
    assert [(s.file, s.line, s.reason) for s in report.skipped] == [
        (
            "contacts.csv",
            5,
            "no account_id: 'Associated Company IDs' is blank and no account has the "
            "web domain of 'Email'",
        ),
        ("meetings.csv", 3, "Meeting outcome is 'Canceled'"),
        (
            "notes.csv",
            4,
            "no account_id: 'Associated Company IDs' or 'Associated Contact IDs' is blank",
        ),
    ]
    assert report.domains == 3
    assert query(sample_url, "SELECT user_id, name, role FROM users WHERE user_id LIKE 'hs-%'") == [
        ("hs-user-olga-owner", "Olga Owner", "rep")
    ]
    assert query(sample_url, "SELECT owner_id FROM accounts WHERE account_id = 'hs-5003'") == [
        ("hs-user-olga-owner",)
    ]
    # Noah had no company: his address's domain placed him at Northwind.
    assert query(
        sample_url, "SELECT account_id, name, email FROM contacts WHERE contact_id = 'hs-7003'"
    ) == [("hs-5002", "Noah Ng", "noah@northwind.example")]
    assert query(
        sample_url,
        "SELECT direction, minutes, contact_ids, user_id FROM touchpoints "
        "WHERE touchpoint_id = 'hs-call-11002'",
    ) == [("inbound", 10, "hs-7002", "U3")]  # the unknown contact 8999 was left out
    assert query(
        sample_url,
        "SELECT opportunity_id, stage, CAST(closed_on AS TEXT) FROM opportunities "
        "WHERE opportunity_id LIKE 'hs-%' ORDER BY opportunity_id",
    ) == [
        ("hs-9001", "won", "2025-03-31"),
        ("hs-9002", "won", "2026-03-15"),
        ("hs-9003", "lost", "2025-11-30"),
        ("hs-9004", "open", None),  # an open deal's close date is only a hope
    ]
    # Acme Tools Inc. (hubspot) and Acme Tools (sample) share acme.example; Dana is in both.
    assert report.duplicates == 2


def test_importing_twice_changes_nothing(sample_url: str) -> None:
    services_intake.import_crm(url=sample_url, crm="hubspot", directory=HUBSPOT)
    again = services_intake.import_crm(url=sample_url, crm="hubspot", directory=HUBSPOT)
    assert again.changed == 0
    assert all(t.unchanged == t.read for t in again.tables)


def test_dry_run_counts_the_same_and_writes_nothing(book_url: str) -> None:
    before = row_counts(book_url)
    dry = services_intake.import_crm(
        url=book_url, crm="salesforce", directory=SALESFORCE, dry_run=True
    )
    assert dry.dry_run
    assert row_counts(book_url) == before
    real = services_intake.import_crm(url=book_url, crm="salesforce", directory=SALESFORCE)
    assert _changes(dry) == _changes(real)
    assert _changes(real)["users"] == (2, 0, 0)
    assert _changes(real)["touchpoints"] == (4, 0, 0)


def test_salesforce_users_already_in_the_book_are_reused(sample_url: str) -> None:
    report = services_intake.import_crm(url=sample_url, crm="salesforce", directory=SALESFORCE)
    assert [s.reason for s in report.skipped] == [
        "already in the book as user U2 (same e-mail)",
        "already in the book as user U1 (same e-mail)",
    ]
    assert query(
        sample_url, "SELECT owner_id FROM accounts WHERE account_id = '0015g00000AcMeAAAZ'"
    ) == [("U2",)]
    # The lead 00Q… is not a contact: the e-mail task keeps its account, without it.
    assert query(
        sample_url,
        "SELECT channel, direction, contact_ids FROM touchpoints "
        "WHERE touchpoint_id = '00T5g00000Tk02AAAZ'",
    ) == [("email", "outbound", None)]
    # Carl had no AccountId; umbrella.example (the account's Website) placed him.
    assert query(
        sample_url, "SELECT account_id FROM contacts WHERE contact_id = '0035g00000NoAcAAAZ'"
    ) == [("0015g00000UmBrAAAZ",)]


def test_exports_round_trip_into_health(sample_url: str) -> None:
    services_intake.import_crm(url=sample_url, crm="hubspot", directory=HUBSPOT)
    services_intake.import_crm(url=sample_url, crm="salesforce", directory=SALESFORCE)
    result = services.diagnose(url=sample_url, as_of=date(2026, 3, 31))
    scores = {
        r["account_id"]: (r["trust"], r["continuity"])
        for r in result.accounts.select("account_id", "trust", "continuity").to_dicts()
    }
    assert scores["hs-5001"] == (100.0, 100.0)  # the task kept early; an order 16 days ago
    assert scores["hs-5002"][0] == 0.0  # the quote promised for March 10 was never sent
    fired = result.pattern_ids()
    # Kept promises and a recent order, one two-way touch in the window; HubSpot gives no
    # purpose and the three titles are too short to read one from, so the value-adding
    # share is unknown (not 0): engagement 48.0, health 74.6.
    assert fired["hs-5001"] == ["healthy"]
    engagement = result.accounts.filter(pl.col("account_id") == "hs-5001")["engagement"].item()
    assert engagement == pytest.approx(48.0196, abs=1e-3)
    # Certificates two days late and the site visit never booked: two broken promises.
    assert "broken_promises_ours" in fired["0015g00000UmBrAAAZ"]


def test_a_mapping_file_adds_custom_fields_and_pick_lists(book_url: str, tmp_path: Path) -> None:
    mine = tmp_path / "ours.toml"
    mine.write_text(
        'extends = "salesforce"\n'
        "[source.accounts.columns]\n"
        'segment = { column = "Segment__c", values = { "mid-market" = "mid-market", '
        '"enterprise" = "enterprise", "*" = "smb" } }\n'
        'intent = { column = "Type", values = { "customer - direct" = "lifetime", '
        '"*" = "season" } }\n',
        encoding="utf-8",
    )
    services_intake.import_crm(url=book_url, crm="salesforce", directory=SALESFORCE, mapping=mine)
    assert query(book_url, "SELECT name, segment, intent FROM accounts ORDER BY name") == [
        ("Acme Tools", "enterprise", "lifetime"),
        ("Umbrella Labs", "mid-market", "season"),
    ]


def test_import_csv_with_a_mapping_of_ones_own(
    book_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    (tmp_path / "orgs.csv").write_text(
        "org_no,org_name,web\n1,Initech,https://initech.example\n2,Hooli,hooli.example\n",
        encoding="utf-8",
    )
    (tmp_path / "people.csv").write_text(
        "person,org,full name,mail\n10,1,Peter Gibbons,peter@initech.example\n"
        "11,,Gavin Belson,gavin@hooli.example\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        'name = "legacy"\n'
        '[source.orgs]\ntable = "accounts"\nfiles = ["orgs.csv"]\n'
        '[source.orgs.columns]\naccount_id = { column = "org_no", prefix = "L" }\n'
        'name = "org_name"\ndomain = { column = "web", as = "domain" }\n'
        '[source.people]\ntable = "contacts"\nfiles = ["people.csv"]\n'
        '[source.people.columns]\ncontact_id = "person"\n'
        'account_id = { column = "org", prefix = "L", or_domain_of = "mail" }\n'
        'name = "full name"\nemail = "mail"\n',
        encoding="utf-8",
    )
    result = cli.invoke(
        app,
        ["import-csv", "--mapping", str(mapping), str(tmp_path), "--db", book_url, "-f", "json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(t["table"], t["inserted"]) for t in data["tables"]] == [
        ("accounts", 2),
        ("contacts", 2),
    ]
    assert query(book_url, "SELECT contact_id, account_id FROM contacts ORDER BY 1") == [
        ("10", "L1"),
        ("11", "L2"),
    ]


def test_cli_dry_run_prints_what_would_change(sample_url: str, cli: CliRunner) -> None:
    result = cli.invoke(
        app, ["import-crm", "hubspot", str(HUBSPOT), "--dry-run", "--db", sample_url]
    )
    assert result.exit_code == 0, result.output
    assert "dry run — nothing was written" in result.stdout
    assert "would create" in result.stdout
    assert "meetings.csv, line 3 (touchpoints): Meeting outcome is 'Canceled'" in result.stdout
    assert row_counts(sample_url)["accounts"] == 3
