"""The `accord` command as users and scripts meet it: output, JSON shapes, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.storage.database import head_revision
from tests.conftest import SAMPLE_BOOK


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _ok(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_init_import_export_summary_as_json(cli: CliRunner, db: str, tmp_path: Path) -> None:
    init = json.loads(_ok(cli, "init", "--db", db, "--format", "json"))
    assert init == {"url": db, "from_revision": None, "revision": head_revision()}
    report = json.loads(_ok(cli, "import", str(SAMPLE_BOOK), "--db", db, "--format", "json"))
    assert report["files"][1] == {
        "file": "accounts.csv",
        "read": 3,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert (report["warnings"], report["rejects"]) == ([], [])
    exported = json.loads(_ok(cli, "export", str(tmp_path / "out"), "--db", db, "--format", "json"))
    assert exported["files"]["touchpoints.csv"] == 4
    summary = json.loads(_ok(cli, "summary", "--db", db, "--format", "json"))
    assert summary["rows"]["accounts"] == 3
    assert summary["sellers"] == 2
    assert summary["revenue"] == 14200.5
    assert summary["first_activity"] == "2026-01-21"
    assert summary["open_commitments_ours"] == 1
    assert summary["unpaid_invoices"] == 1


def test_human_output(cli: CliRunner, db: str) -> None:
    _ok(cli, "init", "--db", db)
    output = _ok(cli, "import", str(SAMPLE_BOOK), "--db", db)
    assert "Imported 43 rows; 43 changed." in output
    again = _ok(cli, "import", str(SAMPLE_BOOK), "--db", db)
    assert "Imported 43 rows; 0 changed." in again
    summary = _ok(cli, "summary", "--db", db)
    assert "3 accounts (" in summary
    assert "2 sellers in 1 team." in summary


def test_database_url_from_environment(cli: CliRunner, db: str) -> None:
    result = cli.invoke(app, ["init"], env={"ACCORD_DATABASE_URL": db})
    assert result.exit_code == 0
    assert f"Created the ledger in {db}" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["import"],  # missing argument
        ["import", str(SAMPLE_BOOK), "--format", "xml"],  # bad choice
        ["generate", "/tmp/x", "--accounts", "0"],  # out of range
        ["frobnicate"],  # no such command
    ],
)
def test_usage_errors_exit_2(cli: CliRunner, args: list[str]) -> None:
    assert cli.invoke(app, args).exit_code == 2


@pytest.mark.parametrize("command", ["init", "import", "export", "generate", "summary", "demo"])
def test_help_teaches_with_an_example(cli: CliRunner, command: str) -> None:
    output = _ok(cli, command, "--help")
    assert "Example" in output
    assert f"accord {command}" in output


def test_generate_and_import_through_the_cli(cli: CliRunner, db: str, tmp_path: Path) -> None:
    out = json.loads(
        _ok(
            cli,
            "generate",
            "--accounts",
            "60",
            "--seed",
            "7",
            str(tmp_path / "b"),
            "--format",
            "json",
        )
    )
    assert out["rows"]["accounts.csv"] == 60
    assert (tmp_path / "b" / "truth.csv").exists()
    assert (tmp_path / "b" / "as_of.txt").read_text().strip() == out["as_of"]
    _ok(cli, "init", "--db", db)
    first = json.loads(_ok(cli, "import", str(tmp_path / "b"), "--db", db, "--format", "json"))
    ledger_rows = sum(n for name, n in out["rows"].items() if name != "truth.csv")
    assert sum(f["inserted"] for f in first["files"]) == ledger_rows
    second = json.loads(_ok(cli, "import", str(tmp_path / "b"), "--db", db, "--format", "json"))
    assert sum(f["inserted"] + f["updated"] for f in second["files"]) == 0


def test_demo_builds_a_book_and_summarises_it(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    summary = json.loads(_ok(cli, "demo", "--accounts", "40", "--format", "json"))
    assert summary["rows"]["accounts"] == 40
    assert (tmp_path / "demo" / "accord.db").exists()
    assert (tmp_path / "demo" / "bundle" / "accounts.csv").exists()
