"""The realistic exports of tests/data/crm/ (the worked examples of docs/intake.md):
a Salesforce Data Export and a HubSpot export, with their own file names, headers
and ids, import with the shipped mappings alone: no hand-written users, no renamed
files; every seller then has an agenda, and importing again changes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from accord import services_agenda, services_intake
from accord.cli import app
from accord.intake import report as import_report
from tests.intake.conftest import query

CRM = Path(__file__).parents[1] / "data" / "crm"


def _counts(report: services_intake.MappedImport) -> list[tuple[str, int, int, int]]:
    return [(c["table"], c["in"], c["skipped"], c["landed"]) for c in import_report.counts(report)]


def test_a_salesforce_data_export_imports_as_it_is(sqlite_book: str) -> None:
    report = services_intake.import_crm(
        url=sqlite_book, crm="salesforce", directory=CRM / "salesforce"
    )
    assert _counts(report) == [
        ("users", 4, 0, 4),
        ("accounts", 5, 0, 5),
        ("contacts", 8, 1, 7),
        ("opportunities", 9, 0, 9),
        ("touchpoints", 9, 1, 8),
        ("orders", 6, 0, 6),
        ("commitments", 4, 0, 4),
    ]
    assert [(s.file, s.line, s.reason) for s in report.skipped] == [
        (
            "Contact.csv",
            9,
            "no account_id: 'AccountId' is blank and no account has the web domain of 'Email'",
        ),
        ("Task.csv", 10, "no account_id: 'AccountId' or 'WhatId' or 'WhoId' is blank"),
    ]
    assert query(sqlite_book, "SELECT name, role, team, manager_id FROM users ORDER BY name") == [
        ("Ada Admin", "rep", "IT", None),  # no Profile.csv in this export: said in a warning
        ("Maria Manager", "manager", "VP Sales", None),
        ("Ria Rep", "rep", "Sales North", "0055g00000MaRiaAAF"),
        ("Sam Seller", "rep", "Sales North", "0055g00000MaRiaAAF"),
    ]
    # Hooli's owner has left (not in User.csv): the owner of most of its opportunities.
    assert query(
        sqlite_book, "SELECT owner_id FROM accounts WHERE account_id = '0015g00000HoOlIAAV'"
    ) == [("0055g00000RiAreAAF",)]
    # Tasks logged against a contact or an opportunity only reach its account.
    assert query(
        sqlite_book,
        "SELECT touchpoint_id, account_id FROM touchpoints WHERE touchpoint_id IN "
        "('00T5g00000Tk03xEAB', '00T5g00000Tk04xEAB', '00U5g00000Ev04xEAB') ORDER BY 1",
    ) == [
        ("00T5g00000Tk03xEAB", "0015g00000AcMeTAAV"),
        ("00T5g00000Tk04xEAB", "0015g00000VaNdLAAV"),
        ("00U5g00000Ev04xEAB", "0015g00000VaNdLAAV"),
    ]
    # Hooli's history, loaded in 2025, still counts its three won years.
    assert query(
        sqlite_book,
        "SELECT count(*) FROM orders WHERE account_id = '0015g00000HoOlIAAV'",
    ) == [(3,)]
    assert (
        "Opportunity.csv: CreatedDate is after CloseDate; opened_on is the earliest of the two "
        "(3 rows)"
    ) in report.warnings
    again = services_intake.import_crm(
        url=sqlite_book, crm="salesforce", directory=CRM / "salesforce"
    )
    assert again.changed == 0
    sam = services_agenda.agenda(
        url=sqlite_book, user_id="0055g00000SaMslAAF", as_of=date(2026, 3, 31)
    )
    # Sam owns Acme and Initech: his agenda has work, on those accounts only.
    assert sam.items
    assert {i.account_id for i in sam.items} <= {"0015g00000AcMeTAAV", "0015g00000InItCAAV"}


def test_a_hubspot_export_imports_as_it_is(sqlite_book: str, cli: CliRunner) -> None:
    result = cli.invoke(
        app, ["import-crm", "hubspot", str(CRM / "hubspot"), "--db", sqlite_book, "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert query(sqlite_book, "SELECT user_id, name, role, team FROM users ORDER BY 1") == [
        ("hs-user-olga-owner", "Olga Owner", "rep", "South"),
        ("hs-user-ria-rep", "Ria Rep", "rep", "North"),
        ("hs-user-sam-seller", "Sam Seller", "rep", "North"),
    ]
    assert query(sqlite_book, "SELECT account_id, owner_id FROM accounts ORDER BY 1") == [
        ("hs-18540623351", "hs-user-sam-seller"),
        ("hs-18540623352", "hs-user-ria-rep"),
        ("hs-18540623353", "hs-user-olga-owner"),  # no company owner: its deals' owner
        ("hs-18540623354", "hs-user-olga-owner"),
    ]
    # Noah (no company) is placed by northwind.example, Northwind's own web domain;
    # the call and the deal associated with a contact only reach the contact's company.
    assert query(
        sqlite_book,
        "SELECT contact_id, account_id FROM contacts WHERE contact_id = 'hs-53' UNION ALL "
        "SELECT touchpoint_id, account_id FROM touchpoints WHERE touchpoint_id = 'hs-call-11003' "
        "UNION ALL SELECT order_id, account_id FROM orders WHERE order_id = 'hs-9005'",
    ) == [
        ("hs-53", "hs-18540623352"),
        ("hs-call-11003", "hs-18540623354"),
        ("hs-9005", "hs-18540623353"),
    ]
    report = services_intake.import_crm(url=sqlite_book, crm="hubspot", directory=CRM / "hubspot")
    assert report.changed == 0
    assert _counts(report) == [
        ("users", 3, 0, 3),
        ("accounts", 4, 0, 4),
        ("contacts", 6, 1, 5),
        ("touchpoints", 10, 2, 8),
        ("opportunities", 5, 0, 5),
        ("orders", 3, 0, 3),
        ("commitments", 2, 0, 2),
    ]
    olga = services_agenda.agenda(
        url=sqlite_book, user_id="hs-user-olga-owner", as_of=date(2026, 3, 31)
    )
    assert olga.items  # before, HubSpot brought no users: every seller's agenda was empty
    assert {i.account_id for i in olga.items} <= {"hs-18540623353", "hs-18540623354"}


def test_a_role_changed_in_accord_survives_the_next_import(sqlite_book: str) -> None:
    services_intake.import_crm(url=sqlite_book, crm="salesforce", directory=CRM / "salesforce")
    from accord.storage.database import make_engine

    engine = make_engine(sqlite_book)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE users SET role = 'admin' WHERE name = 'Ada Admin'")
    engine.dispose()
    again = services_intake.import_crm(
        url=sqlite_book, crm="salesforce", directory=CRM / "salesforce"
    )
    assert again.changed == 0
    assert query(sqlite_book, "SELECT role FROM users WHERE name = 'Ada Admin'") == [("admin",)]
