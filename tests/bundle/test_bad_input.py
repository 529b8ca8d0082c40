"""Bad bundles: exit code 1, a message naming file, line and column, and a book
left byte-for-byte as it was (checked by exporting before and after)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord import services
from accord.cli import app
from accord.errors import BundleError


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def _append(path: Path, line: str) -> None:
    with path.open("a") as f:
        f.write(line + "\n")


# Each case: how to break the sample bundle, and the exact line of the report expected.
CASES: dict[str, tuple[Callable[[Path], object], str]] = {
    "missing required column": (
        lambda b: _replace(
            b / "touchpoints.csv",
            "touchpoint_id,account_id,occurred_at,channel",
            "touchpoint_id,account_id,occurred_at,medium",
        ),
        "touchpoints.csv, line 1, column channel: required column is missing",
    ),
    "unknown enum value": (
        lambda b: _replace(b / "touchpoints.csv", "T3,A2,2026-02-11,email", "T3,A2,2026-02-11,fax"),
        "touchpoints.csv, line 4, column channel: unknown channel 'fax'; expected one of: "
        "meeting, call, email, visit, event, message, other",
    ),
    "impossible date": (
        lambda b: _replace(b / "orders.csv", "O3,A2,2026-02-20", "O3,A2,2026-02-30"),
        "orders.csv, line 4, column ordered_on: not a valid date: '2026-02-30' "
        "(expected YYYY-MM-DD)",
    ),
    "decimal comma": (
        lambda b: _replace(b / "orders.csv", "O2,A1,2026-03-30,2500.50", 'O2,A1,2026-03-30,"12,5"'),
        "orders.csv, line 3, column amount: not a number: '12,5' "
        "(use a dot for decimals and no thousands separator)",
    ),
    "account that exists nowhere": (
        lambda b: _append(
            b / "touchpoints.csv", "T5,A404,2026-03-02T10:00:00,call,inbound,support,,,,,"
        ),
        "touchpoints.csv, line 6, column account_id: "
        "no account 'A404' in the bundle or the database",
    ),
    "duplicate id in one file": (
        lambda b: _append(b / "commitments.csv", "K2,A1,us,2026-01-05,2026-01-31,Again,,,,"),
        "commitments.csv, line 6, column commitment_id: duplicate commitment_id 'K2' "
        "(first on line 3)",
    ),
    "empty file": (
        lambda b: (b / "feedback.csv").write_bytes(b""),
        "feedback.csv, line 1: the file is empty: it needs at least a header row",
    ),
    "not UTF-8": (
        lambda b: (b / "contacts.csv").write_bytes(
            (b / "contacts.csv").read_text().replace("Bea Birch", "Bé Birch").encode("latin-1")
        ),
        "contacts.csv, line 4, column name: not UTF-8 text (byte 0xe9 at offset 187); "
        "save the file as UTF-8",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_bundle_is_refused_and_changes_nothing(
    case: str, sample_url: str, bundle: Path, tmp_path: Path, cli: CliRunner
) -> None:
    """The sample book is imported; a broken copy must be refused whole."""
    _replace(bundle / "accounts.csv", "Acme Tools", "Acme Tools Renamed")  # a valid change…
    break_it, expected = CASES[case]
    break_it(bundle)
    before = tmp_path / "before"
    services.export_bundle(url=sample_url, directory=before)

    result = cli.invoke(app, ["import", str(bundle), "--db", sample_url])

    assert result.exit_code == 1
    assert expected in [line.strip() for line in result.output.splitlines()], result.output
    assert "nothing was imported" in result.output
    after = tmp_path / "after"
    services.export_bundle(url=sample_url, directory=after)
    for f in before.iterdir():  # …is not written either: one transaction
        assert (after / f.name).read_bytes() == f.read_bytes(), f.name


def test_empty_bundle_folder(sample_url: str, tmp_path: Path, cli: CliRunner) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli.invoke(app, ["import", str(empty), "--db", sample_url])
    assert result.exit_code == 1
    assert f"accounts.csv: the bundle folder {empty} has no accounts.csv" in result.output


def test_every_problem_is_reported_at_once(book_url: str, bundle: Path) -> None:
    _replace(bundle / "orders.csv", "O3,A2,2026-02-20,900", "O3,A2,2026-02-31,-900")
    _replace(bundle / "feedback.csv", "F2,A2,2026-03-05,csat,4", "F2,A2,2026-03-05,csat,7")
    _replace(
        bundle / "commitments.csv",
        "K3,A2,us,2026-02-11,2026-02-18",
        "K3,A2,them,2026-02-11,2026-02-01",
    )
    with pytest.raises(BundleError) as caught:
        services.import_bundle(url=book_url, directory=bundle)
    assert [str(p) for p in caught.value.problems] == [
        "orders.csv, line 4, column amount: -900.0 is below the smallest allowed value (0)",
        "orders.csv, line 4, column ordered_on: "
        "not a valid date: '2026-02-31' (expected YYYY-MM-DD)",
        "order_lines.csv, line 4, column order_id: order 'O3' is itself invalid (see orders.csv)",
        "invoices.csv, line 4, column order_id: order 'O3' is itself invalid (see orders.csv)",
        "commitments.csv, line 4, column due_on: due before it was made (2026-02-11)",
        "feedback.csv, line 3, column score: a CSAT score must be between 1 and 5, not 7.0",
    ]
    assert services.book_summary(url=book_url).rows["accounts"] == 0


def test_ragged_row(book_url: str, bundle: Path) -> None:
    _append(bundle / "partners.csv", "P3,Too,many,fields")
    with pytest.raises(BundleError) as caught:
        services.import_bundle(url=book_url, directory=bundle)
    assert str(caught.value.problems[0]) == (
        "partners.csv, line 4: the row has 4 fields but the header names 3"
    )


def test_line_numbers_count_physical_lines(book_url: str, bundle: Path) -> None:
    """A quoted summary that spans lines shifts the lines after it."""
    _replace(
        bundle / "touchpoints.csv",
        '"Quarterly review: ""capacity"" plans"',
        '"Quarterly review:\nline two\nline three"',
    )
    _replace(bundle / "touchpoints.csv", "T3,A2,2026-02-11,email", "T3,A2,2026-02-11,pigeon")
    with pytest.raises(BundleError) as caught:
        services.import_bundle(url=book_url, directory=bundle)
    assert str(caught.value.problems[0]).startswith("touchpoints.csv, line 6, column channel:")


def test_uninitialised_database_is_refused(bundle: Path, tmp_path: Path, cli: CliRunner) -> None:
    url = f"sqlite:///{tmp_path / 'nothing.db'}"
    result = cli.invoke(app, ["import", str(bundle), "--db", url])
    assert result.exit_code == 1
    assert "run `accord init` first" in result.output
    assert not (tmp_path / "nothing.db").exists()
