"""CRM exports as sales-ops users meet them (issue 19): each case reproduced on a small
hand-made file of the same shape, then the behaviour that fixes it.

1 re-import idempotence and where domains may come from; 4 HubSpot's own file
names; 5 optional and fallback columns, every problem at once, none capped;
6 Salesforce Tasks without CompletedDateTime and history loaded after the fact;
8 lookups and joins, derived owners, users from owner columns, activities placed
through their contact, encodings, delimiters and number formats.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord import services_intake, services_people
from accord.cli import app
from accord.errors import BundleError
from accord.intake.csvmap import ReadOptions
from tests.intake.conftest import DATA, query, row_counts


def _csv(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


COMPANIES = (
    "Record ID,Company name,Company owner,Create Date,Company Domain Name,Website URL\n"
    "101,Acme Tools,,2024-01-02 09:00,acme.example,\n"
    "102,Birch & Sons,,2024-02-03 09:00,,\n"
)
CONTACTS = (
    "Record ID,First Name,Last Name,Email,Associated Company IDs\n"
    "201,Dana,Decider,dana@birchmail.example,102\n"  # at Birch, writing from its mail domain
    "202,Noah,Ng,noah@birchmail.example,\n"  # no company in the export
)


# -- 1. re-importing changes nothing; domains only from accounts' own websites ----------------


def test_reimport_never_places_a_contact_it_skipped(sqlite_book: str, tmp_path: Path) -> None:
    export = tmp_path / "export"
    _csv(export, "companies.csv", COMPANIES)
    _csv(export, "contacts.csv", CONTACTS)
    first = services_intake.import_crm(url=sqlite_book, crm="hubspot", directory=export)
    skipped = [(s.file, s.line) for s in first.skipped]
    assert skipped == [("contacts.csv", 3)]
    for _ in range(2):
        again = services_intake.import_crm(url=sqlite_book, crm="hubspot", directory=export)
        assert again.changed == 0
        assert [(s.file, s.line) for s in again.skipped] == skipped
    # Dana's mail domain never became Birch's: Noah stays out.
    assert query(sqlite_book, "SELECT contact_id, account_id FROM contacts") == [
        ("hs-201", "hs-102")
    ]
    assert query(sqlite_book, "SELECT account_id, domain FROM intake_account_domains") == [
        ("hs-101", "acme.example")
    ]


def test_shared_and_placeholder_domains_place_nobody(sqlite_book: str, tmp_path: Path) -> None:
    export = tmp_path / "export"
    _csv(
        export,
        "companies.csv",
        "Record ID,Company name,Company Domain Name,Website URL\n"
        "101,Placeholder Co,,https://www.example.com\n"
        "102,Gee Mail Fans,gmail.com,\n"
        "103,Cedar,cedar.example,\n"
        "104,Cedar Holdings,,http://cedar.example/about\n",
    )
    _csv(
        export,
        "contacts.csv",
        "Record ID,First Name,Last Name,Email,Associated Company IDs\n"
        "201,Jo,Blank,jo@example.com,\n"
        "202,Gil,Gee,gil@gmail.com,\n"
        "203,Cy,Cedar,cy@cedar.example,\n",
    )
    report = services_intake.import_crm(url=sqlite_book, crm="hubspot", directory=export)
    assert [s.line for s in report.skipped] == [2, 3, 4]
    assert (
        "the web domain cedar.example belongs to more than one account: nobody is placed by it"
    ) in report.warnings
    assert row_counts(sqlite_book)["contacts"] == 0


def test_duplicates_ignore_a_contacts_mail_domain_and_merge_warns(
    sqlite_book: str, tmp_path: Path, cli: CliRunner
) -> None:
    # Two companies called Summit; someone at Summit Legal still writes from her
    # old address at Summit Bikes. Before, her address lent summit-bikes.example to
    # Summit Legal and `duplicates` proposed merging two different companies.
    export = tmp_path / "export"
    _csv(
        export,
        "companies.csv",
        "Record ID,Company name,Company Domain Name\n"
        "301,Summit,summit-bikes.example\n"
        "302,Summit Ltd,summit-legal.example\n"
        "303,Birch,birch.example\n",
    )
    _csv(
        export,
        "contacts.csv",
        "Record ID,First Name,Last Name,Email,Associated Company IDs\n"
        "401,Sue,Summers,sue@summit-bikes.example,302\n"
        "402,Sue,Summers,sue.summers@summit-legal.example,302\n",
    )
    services_intake.import_crm(url=sqlite_book, crm="hubspot", directory=export)
    groups = services_people.find_duplicates(url=sqlite_book)
    assert [(g.kind, g.ids) for g in groups] == []
    result = cli.invoke(app, ["merge", "account", "hs-301", "hs-302", "--db", sqlite_book])
    assert result.exit_code == 0, result.output
    assert (
        "warning: accounts hs-301 and hs-302: no web domain in common: summit-bikes.example "
        "and summit-legal.example; merged as asked"
    ) in " ".join(result.stderr.split())
    merged = services_people.merge(url=sqlite_book, kind="contact", keep="hs-401", drop="hs-402")
    assert merged.warnings == [
        "no e-mail domain in common: summit-bikes.example and summit-legal.example"
    ]
    birch = services_people.merge(url=sqlite_book, kind="account", keep="hs-301", drop="hs-303")
    assert birch.warnings == [
        "the names differ: 'Summit' and 'Birch'",
        "no web domain in common: summit-bikes.example, summit-legal.example and birch.example",
    ]


# -- 4. HubSpot's own download names ------------------------------------------------------------


def test_hubspot_download_names_are_recognised(sqlite_book: str, tmp_path: Path) -> None:
    export = tmp_path / "export"
    _csv(export, "hubspot-crm-exports-all-companies-2025-08-11-1.csv", COMPANIES)
    _csv(export, "hubspot-crm-exports-all-contacts-2025-08-11-1.csv", CONTACTS)
    _csv(
        export,
        "hubspot-crm-exports-all-deals-2025-08-11-1.csv",
        "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner,"
        "Associated Company IDs\n"
        "501,Acme tooling,Closed Won,12000,2025-03-31,2025-01-10,Sam Seller,101\n",
    )
    report = services_intake.import_crm(url=sqlite_book, crm="hubspot", directory=export)
    assert {t.table: t.inserted for t in report.tables} == {
        "users": 1,
        "accounts": 2,
        "contacts": 1,
        "opportunities": 1,
        "orders": 1,
    }


# -- 5. optional and fallback columns; every problem, none capped --------------------------------


def test_fallback_and_optional_columns_are_not_mandatory(sqlite_book: str, tmp_path: Path) -> None:
    export = tmp_path / "export"
    _csv(export, "companies.csv", "Record ID,Company name\n101,Acme Tools\n")  # nothing optional
    _csv(
        export,
        "meetings.csv",  # no Activity date (a fallback), no outcome, no end time
        "Record ID,Meeting name,Meeting start time,Associated Company IDs\n"
        "601,Kick-off,2026-03-02 10:00,101\n",
    )
    report = services_intake.import_crm(url=sqlite_book, crm="hubspot", directory=export)
    assert {t.table: t.inserted for t in report.tables} == {"accounts": 1, "touchpoints": 1}
    assert ("companies.csv: no column Industry; left blank: accounts.industry") in report.warnings
    assert (
        "meetings.csv: no column Meeting outcome; no row is skipped by source.meetings.skip_if"
    ) in report.warnings


def test_every_missing_column_is_reported_at_once(sqlite_book: str, tmp_path: Path) -> None:
    export = tmp_path / "export"
    _csv(export, "companies.csv", "Record ID,Name\n101,Acme\n")
    _csv(export, "deals.csv", "Record ID,Amount,Associated Company IDs\n501,10,101\n")
    with pytest.raises(BundleError) as caught:
        services_intake.import_crm(url=sqlite_book, crm="hubspot", directory=export)
    assert [(p.file, p.column) for p in caught.value.problems] == [
        ("companies.csv", "Company name"),
        ("deals.csv", "Deal Name"),
        ("deals.csv", "Create Date"),
        ("deals.csv", "Deal Stage"),
        ("deals.csv", "Close Date"),  # the won deals' order date (Create Date is absent too)
    ]


def test_problems_are_never_capped_in_the_report_nor_in_json(
    sqlite_book: str, tmp_path: Path, cli: CliRunner
) -> None:
    export = tmp_path / "export"
    rows = "".join(f"{i},Company {i},{i}-01-01\n" for i in range(1, 251))  # 250 bad dates
    _csv(export, "companies.csv", "Record ID,Company name,Create Date\n" + rows)
    report_file = tmp_path / "report.json"
    result = cli.invoke(
        app,
        ["import-crm", "hubspot", str(export), "--report", str(report_file), "--db", sqlite_book],
    )
    assert result.exit_code == 1
    assert "… and 50 more (every one in" in result.stderr
    saved = json.loads(report_file.read_text(encoding="utf-8"))
    assert saved["ok"] is False
    assert saved["problem_count"] == 250
    assert len(saved["problems"]) == 250
    assert saved["problems"][249]["file"] == "companies.csv"
    assert saved["problems"][249]["line"] == 251
    printed = cli.invoke(
        app, ["import-crm", "hubspot", str(export), "-f", "json", "--db", sqlite_book]
    )
    assert printed.exit_code == 1
    data = json.loads(printed.stdout)
    assert (data["ok"], len(data["problems"])) == (False, 250)
    assert row_counts(sqlite_book)["accounts"] == 0


def test_report_lists_skipped_rows_and_counts_per_table(
    sqlite_book: str, tmp_path: Path, cli: CliRunner
) -> None:
    export = tmp_path / "export"
    _csv(export, "companies.csv", COMPANIES)
    _csv(export, "contacts.csv", CONTACTS)
    html_file = tmp_path / "report.html"
    result = cli.invoke(
        app,
        ["import-crm", "hubspot", str(export), "--report", str(html_file), "--db", sqlite_book],
    )
    assert result.exit_code == 0, result.output
    page = html_file.read_text(encoding="utf-8")
    assert "<td>contacts.csv</td><td>3</td><td>contacts</td><td>no account_id:" in page
    # contacts: 2 in the export → 1 skipped → 1 landed
    assert "<tr><td>contacts</td><td>2</td><td>1</td><td>0</td><td>1</td>" in page
    json_file = tmp_path / "report.json"
    cli.invoke(
        app,
        ["import-crm", "hubspot", str(export), "--report", str(json_file), "--db", sqlite_book],
    )
    counts = json.loads(json_file.read_text(encoding="utf-8"))["counts"]
    assert [(c["table"], c["in"], c["skipped"], c["landed"], c["unchanged"]) for c in counts] == [
        ("accounts", 2, 0, 2, 2),
        ("contacts", 2, 1, 1, 1),
    ]


# -- 6. Salesforce Tasks without CompletedDateTime; history loaded after the fact --------------

SF_ACCOUNTS = (
    "Id,Name,OwnerId,Website,CreatedDate\n"
    "0015g00000AcMeAAAZ,Acme Tools,0055g00000SaMsAAAZ,acme.example,2024-05-01T09:00:00.000Z\n"
)
SF_USERS = (
    "Id,FirstName,LastName,Email,ManagerId\n0055g00000SaMsAAAZ,Sam,Seller,sam@seller.example,\n"
)


def test_salesforce_tasks_without_completed_date_import(sqlite_book: str, tmp_path: Path) -> None:
    export = tmp_path / "export"
    _csv(export, "User.csv", SF_USERS)
    _csv(export, "Account.csv", SF_ACCOUNTS)
    _csv(
        export,
        "Task.csv",
        "Id,AccountId,WhoId,Subject,ActivityDate,Status,TaskSubtype,OwnerId,CreatedDate\n"
        "00T5g00000Tk01AAAZ,0015g00000AcMeAAAZ,,Call about renewal,2026-03-02,Completed,Call,"
        "0055g00000SaMsAAAZ,2026-03-01T09:00:00.000Z\n"
        "00T5g00000Tk02AAAZ,0015g00000AcMeAAAZ,,Send the study,2026-03-10,Completed,Task,"
        "0055g00000SaMsAAAZ,2026-03-01T09:00:00.000Z\n",
    )
    report = services_intake.import_crm(url=sqlite_book, crm="salesforce", directory=export)
    assert {t.table: t.inserted for t in report.tables}["touchpoints"] == 1
    assert (
        "Task.csv: no column CompletedDateTime; touchpoints.occurred_at comes from ActivityDate "
        "(source.logged_tasks.columns.occurred_at)"
    ) in report.warnings
    # Completed, with no completion time exported: done when it was due, and said so.
    assert query(
        sqlite_book,
        "SELECT CAST(done_on AS TEXT) FROM commitments WHERE commitment_id = '00T5g00000Tk02AAAZ'",
    ) == [("2026-03-10",)]
    assert (
        "Task.csv: no column CompletedDateTime; commitments.done_on comes from ActivityDate "
        "(source.open_tasks.columns.done_on)"
    ) in report.warnings


def test_back_loaded_history_imports_every_won_deal(sqlite_book: str, tmp_path: Path) -> None:
    export = tmp_path / "export"
    _csv(export, "Account.csv", SF_ACCOUNTS)
    lines = "".join(
        f"0065g00000Op{i:02d}AAAZ,0015g00000AcMeAAAZ,Order {i},2025-11-20T10:00:00.000Z,"
        f"2024-{i:02d}-15,Closed Won,true,true,{1000 * i}\n"
        for i in range(1, 13)
    )
    _csv(
        export,
        "Opportunity.csv",
        "Id,AccountId,Name,CreatedDate,CloseDate,StageName,IsClosed,IsWon,Amount\n" + lines,
    )
    report = services_intake.import_crm(url=sqlite_book, crm="salesforce", directory=export)
    assert {t.table: t.inserted for t in report.tables}["orders"] == 12
    assert (
        "Opportunity.csv: CreatedDate is after CloseDate; opened_on is the earliest of the two "
        "(12 rows)"
    ) in report.warnings
    assert query(
        sqlite_book,
        "SELECT CAST(opened_on AS TEXT), CAST(closed_on AS TEXT) FROM opportunities "
        "WHERE opportunity_id = '0065g00000Op03AAAZ'",
    ) == [("2024-03-15", "2024-03-15")]


# -- 8. lookups and joins, derived owners, users from owner columns, activities by contact -----

SALES_TEAMS = (
    "sales_agent,manager,regional_office\n"
    "Anna Agent,Mona Manager,West\n"
    "Ben Broker,Mona Manager,West\n"
    "Cleo Closer,Max Leader,East\n"
)
ACCOUNTS = "account,sector,website\nAcme Tools,technology,https://acme.example\nBirch,retail,\n"
PIPELINE = (
    "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
    "OP1,Anna Agent,GTX Pro,Acme Tools,Won,2025-01-05,2025-02-01,4500\n"
    "OP2,Anna Agent,MG Basic,Acme Tools,Won,2025-03-01,2025-03-20,500\n"
    "OP3,Ben Broker,GTX Pro,Acme Tools,Lost,2025-04-01,2025-04-30,0\n"
    "OP4,Cleo Closer,MG Basic,Birch,Engaging,2025-05-01,,\n"
)
PRODUCTS = "product,series,sales_price\nGTX Pro,GTX,4821\nMG Basic,MG,55\n"
PEOPLE = "contact_id,account,name,email\nP1,Acme Tools,Dana Decider,dana@acme.example\n"
INTERACTIONS = (
    "interaction_id,contact_email,date,kind,agent\n"
    "I1,Dana@Acme.example,2025-02-10,call,Anna Agent\n"
    "I2,nobody@else.example,2025-02-11,call,Anna Agent\n"
)
OPEN_DATA_MAPPING = DATA / "open" / "sales-opportunities.toml"


def _open_data(tmp_path: Path) -> tuple[Path, Path]:
    export = tmp_path / "open"
    _csv(export, "sales_teams.csv", SALES_TEAMS)
    _csv(export, "accounts.csv", ACCOUNTS)
    _csv(export, "sales_pipeline.csv", PIPELINE)
    _csv(export, "products.csv", PRODUCTS)
    _csv(export, "people.csv", PEOPLE)
    _csv(export, "interactions.csv", INTERACTIONS)
    return export, OPEN_DATA_MAPPING


def test_users_from_owner_and_manager_columns_with_roles_and_teams(
    sqlite_book: str, tmp_path: Path
) -> None:
    export, mapping = _open_data(tmp_path)
    services_intake.import_csv(url=sqlite_book, mapping=mapping, paths=[export])
    assert query(
        sqlite_book, "SELECT user_id, name, role, team, manager_id FROM users ORDER BY user_id"
    ) == [
        ("u-anna-agent", "Anna Agent", "rep", "West", "u-mona-manager"),
        ("u-ben-broker", "Ben Broker", "rep", "West", "u-mona-manager"),
        ("u-cleo-closer", "Cleo Closer", "rep", "East", "u-max-leader"),
        ("u-max-leader", "Max Leader", "manager", "East", None),
        ("u-mona-manager", "Mona Manager", "manager", "West", None),
    ]


def test_owner_is_the_most_frequent_deal_owner_and_prices_come_from_products(
    sqlite_book: str, tmp_path: Path
) -> None:
    export, mapping = _open_data(tmp_path)
    services_intake.import_csv(url=sqlite_book, mapping=mapping, paths=[export])
    assert query(sqlite_book, "SELECT account_id, owner_id FROM accounts ORDER BY 1") == [
        ("acme-tools", "u-anna-agent"),  # two of its three deals
        ("birch", "u-cleo-closer"),
    ]
    assert query(
        sqlite_book, "SELECT order_id, amount, list_amount FROM orders ORDER BY order_id"
    ) == [("OP1", 4500.0, 4821.0), ("OP2", 500.0, 55.0)]
    assert query(sqlite_book, "SELECT order_id, sku, unit_price FROM order_lines ORDER BY 1") == [
        ("OP1", "GTX Pro", 4821.0),
        ("OP2", "MG Basic", 55.0),
    ]


def test_activities_reach_their_account_through_the_contacts_email(
    sqlite_book: str, tmp_path: Path
) -> None:
    export, mapping = _open_data(tmp_path)
    report = services_intake.import_csv(url=sqlite_book, mapping=mapping, paths=[export])
    assert query(sqlite_book, "SELECT touchpoint_id, account_id, contact_ids FROM touchpoints") == [
        ("I1", "acme-tools", "P1")
    ]
    assert [(s.file, s.line, s.reason) for s in report.skipped] == [
        ("interactions.csv", 3, "no account_id: 'contact_email' is blank")
    ]
    again = services_intake.import_csv(url=sqlite_book, mapping=mapping, paths=[export])
    assert again.changed == 0


def test_salesforce_tasks_reach_their_account_by_whoid_or_whatid(
    sqlite_book: str, tmp_path: Path
) -> None:
    export = tmp_path / "export"
    _csv(export, "User.csv", SF_USERS)
    _csv(export, "Account.csv", SF_ACCOUNTS)
    _csv(
        export,
        "Contact.csv",
        "Id,AccountId,FirstName,LastName,Email\n"
        "0035g00000DaNaAAAZ,0015g00000AcMeAAAZ,Dana,Decider,dana@acme.example\n",
    )
    _csv(
        export,
        "Opportunity.csv",
        "Id,AccountId,Name,CreatedDate,CloseDate,StageName,IsClosed,IsWon,Amount\n"
        "0065g00000Op01AAAZ,0015g00000AcMeAAAZ,Renewal,2026-01-05T09:00:00.000Z,2026-06-30,"
        "Prospecting,false,false,9000\n",
    )
    _csv(
        export,
        "Task.csv",
        "Id,AccountId,WhoId,WhatId,Subject,ActivityDate,CompletedDateTime,Status,TaskSubtype,"
        "OwnerId,CreatedDate\n"
        "00T5g00000Tk01AAAZ,,0035g00000DaNaAAAZ,,Call Dana,2026-03-02,,Completed,Call,"
        "0055g00000SaMsAAAZ,2026-03-01T09:00:00.000Z\n"
        "00T5g00000Tk02AAAZ,,,0065g00000Op01AAAZ,Pricing mail,2026-03-03,,Completed,Email,"
        "0055g00000SaMsAAAZ,2026-03-01T09:00:00.000Z\n"
        "00T5g00000Tk03AAAZ,,00Q5g00000LeAdAAAZ,,Lead call,2026-03-04,,Completed,Call,"
        "0055g00000SaMsAAAZ,2026-03-01T09:00:00.000Z\n",
    )
    report = services_intake.import_crm(url=sqlite_book, crm="salesforce", directory=export)
    assert query(
        sqlite_book, "SELECT touchpoint_id, account_id, contact_ids FROM touchpoints ORDER BY 1"
    ) == [
        ("00T5g00000Tk01AAAZ", "0015g00000AcMeAAAZ", "0035g00000DaNaAAAZ"),
        ("00T5g00000Tk02AAAZ", "0015g00000AcMeAAAZ", None),
    ]
    assert [(s.line, s.reason) for s in report.skipped] == [
        (4, "no account_id: 'AccountId' or 'WhatId' or 'WhoId' is blank")
    ]


def test_salesforce_roles_and_teams_from_profile_and_role_files(
    sqlite_book: str, tmp_path: Path
) -> None:
    export = tmp_path / "export"
    _csv(
        export,
        "User.csv",
        "Id,FirstName,LastName,Email,ManagerId,ProfileId,UserRoleId,Department\n"
        "0055g00000MaRiAAAZ,Maria,Manager,maria@seller.example,,00e5g000000StDAAA2,"
        "00E5g000000NoRAAA2,Sales\n"
        "0055g00000SaMsAAAZ,Sam,Seller,sam@seller.example,0055g00000MaRiAAAZ,"
        "00e5g000000StDAAA2,00E5g000000NoRAAA2,Sales\n"
        "0055g00000AdAmAAAZ,Ada,Admin,ada@seller.example,,00e5g000000SyAAAA2,,IT\n",
    )
    _csv(
        export,
        "Profile.csv",
        "Id,Name\n00e5g000000StDAAA2,Standard User\n00e5g000000SyAAAA2,System Administrator\n",
    )
    _csv(export, "UserRole.csv", "Id,Name\n00E5g000000NoRAAA2,Sales North\n")
    _csv(export, "Account.csv", SF_ACCOUNTS)
    services_intake.import_crm(url=sqlite_book, crm="salesforce", directory=export)
    assert query(sqlite_book, "SELECT name, role, team, manager_id FROM users ORDER BY name") == [
        ("Ada Admin", "admin", "IT", None),
        ("Maria Manager", "manager", "Sales North", None),
        ("Sam Seller", "rep", "Sales North", "0055g00000MaRiAAAZ"),
    ]


# -- 8. encodings, delimiters, number formats ---------------------------------------------------


def test_windows_1252_semicolons_and_european_numbers(sqlite_book: str, tmp_path: Path) -> None:
    export = tmp_path / "export"
    _csv(
        export,
        "companies.csv",
        "Record ID;Company name;Create Date\n101;Société Générale d'Été;2024-01-02\n",
        encoding="cp1252",
    )
    _csv(
        export,
        "deals.csv",
        "Record ID;Deal Name;Deal Stage;Amount;Close Date;Create Date;Associated Company IDs\n"
        "501;Été;Closed Won;12.000,50;2025-03-31;2025-01-10;101\n",
        encoding="cp1252",
    )
    with pytest.raises(BundleError, match="--encoding cp1252"):
        services_intake.import_crm(url=sqlite_book, crm="hubspot", directory=export)
    report = services_intake.import_crm(
        url=sqlite_book,
        crm="hubspot",
        directory=export,
        options=ReadOptions(encoding="cp1252", decimal=",", thousands="."),
    )
    assert (
        "companies.csv: read as ';'-separated (its header has no commas between names); "
        "pass --delimiter to say otherwise" in report.warnings
    )
    assert query(sqlite_book, "SELECT name FROM accounts") == [("Société Générale d'Été",)]
    assert query(sqlite_book, "SELECT amount FROM orders") == [(12000.5,)]


def test_currency_signs_and_unmistakable_thousands(
    sqlite_book: str, tmp_path: Path, cli: CliRunner
) -> None:
    export = tmp_path / "export"
    _csv(export, "companies.csv", "Record ID,Company name\n101,Acme\n")
    _csv(
        export,
        "deals.csv",
        "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Associated Company IDs\n"
        '501,A,Closed Won,"$12,000.00",2025-03-31,2025-01-10,101\n'
        "502,B,Closed Won,$12000,2025-04-30,2025-01-10,101\n"
        '503,C,Closed Won,"12 500",2025-05-31,2025-01-10,101\n',
    )
    result = cli.invoke(
        app, ["import-crm", "hubspot", str(export), "--thousands", " ", "--db", sqlite_book]
    )
    assert result.exit_code == 0, result.output
    assert query(sqlite_book, "SELECT order_id, amount FROM orders ORDER BY 1") == [
        ("hs-501", 12000.0),
        ("hs-502", 12000.0),
        ("hs-503", 12500.0),
    ]
    assert "deals.csv: currency signs left out of Amount (2 rows)" in " ".join(
        result.stderr.split()
    )


def test_an_export_of_a_saved_view_is_known_by_its_columns(
    sqlite_book: str, tmp_path: Path
) -> None:
    # HubSpot names the export of a saved view after the view.
    export = tmp_path / "export"
    _csv(export, "hubspot-crm-exports-key-accounts-2025-08-11.csv", COMPANIES)
    _csv(
        export,
        "hubspot-crm-exports-this-weeks-dials-2025-08-11.csv",
        "Record ID,Call Title,Activity date,Call direction,Call duration,Associated Company IDs\n"
        "701,Check-in,2026-03-02 10:00,OUTBOUND,600000,101\n",
    )
    _csv(export, "todo.csv", "what,when\nbuy milk,today\n")
    report = services_intake.import_crm(url=sqlite_book, crm="hubspot", directory=export)
    assert {t.table: t.inserted for t in report.tables} == {"accounts": 2, "touchpoints": 1}
    assert report.warnings[:3] == [
        "hubspot-crm-exports-key-accounts-2025-08-11.csv: read as companies.csv by its columns "
        "(its name is not one the hubspot mapping knows)",
        "hubspot-crm-exports-this-weeks-dials-2025-08-11.csv: read as calls.csv by its columns "
        "(its name is not one the hubspot mapping knows)",
        "todo.csv: not a file the hubspot mapping reads; left out",
    ]
