"""Bad CRM input: a clear message naming the file and place, exit 1, nothing written."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from accord import services_intake
from accord.cli import app
from tests.intake.conftest import HUBSPOT, SALESFORCE, row_counts


def _fails(cli: CliRunner, url: str, *args: str) -> str:
    before = row_counts(url)
    result = cli.invoke(app, [*args, "--db", url])
    assert result.exit_code == 1, result.output
    assert row_counts(url) == before
    return result.stderr


def test_a_folder_that_is_not_the_crm_named(sample_url: str, cli: CliRunner) -> None:
    message = _fails(cli, sample_url, "import-crm", "hubspot", str(SALESFORCE))
    assert f"{SALESFORCE}: no file is a hubspot export that the mapping reads" in message


def test_a_file_without_the_columns_of_its_export(
    sample_url: str, cli: CliRunner, hubspot: Path
) -> None:
    (hubspot / "companies.csv").write_text("Id,Name\n1,Acme\n", encoding="utf-8")
    message = _fails(cli, sample_url, "import-crm", "hubspot", str(hubspot))
    assert "companies.csv, line 1, column Record ID: no such column, but the mapping" in message
    assert "is this a hubspot companies export?" in message


def test_an_unknown_crm_field_in_the_mapping(
    sample_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[source.accounts.columns]\nsegment = "Segmnt__c"\n', encoding="utf-8")
    message = _fails(
        cli, sample_url, "import-crm", "salesforce", str(SALESFORCE), "--mapping", str(mine)
    )
    assert "Account.csv, line 1, column Segmnt__c: no such column" in message
    assert "source.accounts.columns.segment" in message


def test_an_unknown_bundle_column_in_the_mapping(
    sample_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[source.accounts.columns]\nsize = "NumberOfEmployees"\n', encoding="utf-8")
    message = _fails(
        cli, sample_url, "import-crm", "salesforce", str(SALESFORCE), "--mapping", str(mine)
    )
    assert "source.accounts.columns.size: accounts has no column 'size'" in message


def test_a_bad_value_is_located_in_the_export(
    sample_url: str, cli: CliRunner, hubspot: Path
) -> None:
    deals = hubspot / "deals.csv"
    deals.write_text(
        deals.read_text(encoding="utf-8").replace(",15000,", ',"15,000",'), encoding="utf-8"
    )
    message = _fails(cli, sample_url, "import-crm", "hubspot", str(hubspot))
    assert (
        "deals.csv, line 3, column Amount: not a number: '15,000' (use a dot for decimals and "
        "no thousands separator) (for opportunities.amount); to read the export's own format "
        "pass --thousands , (for 15,000) or --decimal , (15,5)"
    ) in message


def test_skip_invalid_writes_the_valid_part_and_reports_the_rest(
    sample_url: str, hubspot: Path
) -> None:
    deals = hubspot / "deals.csv"
    deals.write_text(
        deals.read_text(encoding="utf-8").replace(",15000,", ",lots,"), encoding="utf-8"
    )
    report = services_intake.import_crm(
        url=sample_url, crm="hubspot", directory=hubspot, skip_invalid=True
    )
    invalid = [(s.file, s.line, s.table) for s in report.skipped if s.reason.startswith("invalid")]
    assert invalid == [("deals.csv", 3, "opportunities"), ("deals.csv", 3, "orders")]
    assert {t.table: t.inserted for t in report.tables}["opportunities"] == 3


def test_not_utf8_and_ragged_rows(sample_url: str, cli: CliRunner, hubspot: Path) -> None:
    (hubspot / "tasks.csv").write_bytes(
        (HUBSPOT / "tasks.csv").read_bytes().replace(b"capacity", b"capacit\xe9")
    )
    message = _fails(cli, sample_url, "import-crm", "hubspot", str(hubspot))
    assert "tasks.csv, line 2: not UTF-8 text; export the file as UTF-8 CSV" in message
    (hubspot / "tasks.csv").write_text("Record ID,Task Title\n1,a,b\n", encoding="utf-8")
    message = _fails(cli, sample_url, "import-crm", "hubspot", str(hubspot))
    assert "tasks.csv, line 2: the row has 3 fields but the header names 2" in message


def test_a_mapping_that_is_not_toml(sample_url: str, cli: CliRunner, tmp_path: Path) -> None:
    mine = tmp_path / "broken.toml"
    mine.write_text("[source.accounts\n", encoding="utf-8")
    message = _fails(cli, sample_url, "import-csv", str(HUBSPOT), "--mapping", str(mine))
    assert f"{mine}: not valid TOML" in message
