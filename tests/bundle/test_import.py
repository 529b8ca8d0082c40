"""Importing and exporting bundles on SQLite and PostgreSQL alike (SPEC section 2)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from tests.conftest import SAMPLE_BOOK

from accord import services
from accord.domain.schema import LEDGER
from accord.generate.writer import GENERATED


def _export(url: str, directory: Path) -> dict[str, bytes]:
    services.export_bundle(url=url, directory=directory)
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_import_counts_every_file(book_url: str) -> None:
    report = services.import_bundle(url=book_url, directory=SAMPLE_BOOK)
    counts = {f.file: (f.read, f.inserted, f.updated, f.unchanged) for f in report.files}
    assert counts["accounts.csv"] == (3, 3, 0, 0)
    assert counts["touchpoints.csv"] == (4, 4, 0, 0)
    assert counts["order_lines.csv"] == (3, 3, 0, 0)
    assert report.rows == 43
    assert report.warnings == []


def test_importing_twice_changes_nothing(sample_url: str, tmp_path: Path) -> None:
    before = _export(sample_url, tmp_path / "before")
    again = services.import_bundle(url=sample_url, directory=SAMPLE_BOOK)
    assert again.changed == 0
    assert all(f.unchanged == f.read for f in again.files)
    assert _export(sample_url, tmp_path / "after") == before


def test_stored_values_are_typed_and_defaulted(sample_url: str) -> None:
    accounts = services.read_ledger_table(url=sample_url, table="accounts")
    a2 = accounts.filter(pl.col("account_id") == "A2").row(0, named=True)
    assert a2["payment_terms_days"] == 30  # blank → the default
    assert accounts.filter(pl.col("account_id") == "A3")["name"].item() == "Cedar, Inc."
    users = services.read_ledger_table(url=sample_url, table="users")
    assert users.filter(pl.col("user_id") == "U3")["role"].item() == "rep"
    orders = services.read_ledger_table(url=sample_url, table="orders")
    o2 = orders.filter(pl.col("order_id") == "O2").row(0, named=True)
    assert o2["list_amount"] == 2500.50  # blank list amount → the amount
    assert o2["cost"] == 1400.25
    assert orders.filter(pl.col("order_id") == "O3")["cost"].item() is None
    touchpoints = services.read_ledger_table(url=sample_url, table="touchpoints")
    stamps = dict(zip(touchpoints["touchpoint_id"], touchpoints["occurred_at"], strict=True))
    assert str(stamps["T2"]) == "2026-02-10 08:30:00"  # +01:00 stored as UTC
    assert str(stamps["T3"]) == "2026-02-11 00:00:00"  # a date alone is midnight
    assert str(stamps["T4"]) == "2026-03-01 14:00:00"
    contacts = services.read_ledger_table(url=sample_url, table="contacts")
    assert contacts.filter(pl.col("contact_id") == "C2")["active"].item() is True
    assert contacts.filter(pl.col("contact_id") == "C4")["active"].item() is False


def test_export_imports_back_identically(sample_url: str, empty_url: str, tmp_path: Path) -> None:
    """export → import into a new database → export gives identical files."""
    first = _export(sample_url, tmp_path / "first")
    assert set(first) == {t.file for t in LEDGER}
    services.init_database(url=empty_url)
    services.import_bundle(url=empty_url, directory=tmp_path / "first")
    assert _export(empty_url, tmp_path / "second") == first


def test_export_format(sample_url: str, tmp_path: Path) -> None:
    files = _export(sample_url, tmp_path / "out")
    assert files["touchpoints.csv"].decode().splitlines()[1:3] == [
        "T1,A1,2026-01-05T10:00:00,meeting,mutual,insight,U2,C1;C2,60,"
        '"Quarterly review: ""capacity"" plans",',
        "T2,A1,2026-02-10T08:30:00,call,inbound,support,U2,C2,20,,",
    ]
    assert files["contacts.csv"].decode().splitlines()[2] == (
        "C2,A1,Chris Champion,chris@acme.example,Ops lead,champion,true"
    )


def test_upsert_updates_only_what_changed(sample_url: str, bundle: Path) -> None:
    text = (bundle / "accounts.csv").read_text().replace("Acme Tools", "Acme Tools GmbH")
    (bundle / "accounts.csv").write_text(text)
    report = services.import_bundle(url=sample_url, directory=bundle)
    accounts = next(f for f in report.files if f.file == "accounts.csv")
    assert (accounts.inserted, accounts.updated, accounts.unchanged) == (0, 1, 2)
    stored = services.read_ledger_table(url=sample_url, table="accounts")
    assert stored.filter(pl.col("account_id") == "A1")["name"].item() == "Acme Tools GmbH"


def test_a_file_with_fewer_columns_keeps_the_others(sample_url: str, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "accounts.csv").write_text("account_id,name\nA1,Acme Renamed\nA9,New One\n")
    services.import_bundle(url=sample_url, directory=partial)
    stored = services.read_ledger_table(url=sample_url, table="accounts")
    a1 = stored.filter(pl.col("account_id") == "A1").row(0, named=True)
    assert (a1["name"], a1["segment"], a1["owner_id"]) == ("Acme Renamed", "enterprise", "U2")
    a9 = stored.filter(pl.col("account_id") == "A9").row(0, named=True)
    assert (a9["payment_terms_days"], a9["segment"]) == (30, None)


def test_references_resolve_against_the_database(sample_url: str, tmp_path: Path) -> None:
    more = tmp_path / "more"
    more.mkdir()
    (more / "accounts.csv").write_text("account_id,name\n")
    (more / "touchpoints.csv").write_text(
        "touchpoint_id,account_id,occurred_at,channel,direction,purpose,contact_ids\n"
        "T9,A1,2026-04-01T09:00:00,call,inbound,support,C1;C2\n"
    )
    report = services.import_bundle(url=sample_url, directory=more)
    assert next(f for f in report.files if f.file == "touchpoints.csv").inserted == 1


def test_unknown_columns_and_files_are_warnings(book_url: str, bundle: Path) -> None:
    text = (bundle / "partners.csv").read_text().splitlines()
    rows = [text[0] + ",rating"] + [line + ",5" for line in text[1:]]
    (bundle / "partners.csv").write_text("\n".join(rows) + "\n")
    (bundle / "notes.csv").write_text("a\n1\n")
    report = services.import_bundle(url=book_url, directory=bundle)
    assert report.warnings == [
        "notes.csv: not a bundle file; ignored",
        "partners.csv: unknown column 'rating' ignored",
    ]


def test_skip_invalid_writes_valid_rows_and_rejects(book_url: str, bundle: Path) -> None:
    with (bundle / "accounts.csv").open("a") as f:
        f.write("A4,Dover,U404,smb,retail,2025-13-01,30,,\n")
    with (bundle / "touchpoints.csv").open("a") as f:
        f.write("T5,A4,2026-03-02T10:00:00,call,inbound,support,,,,,\n")  # its account is rejected
        f.write("T6,A1,2026-03-02T10:00:00,fax,inbound,support,,,,,\n")
    rejects = bundle.parent / "rejects"
    report = services.import_bundle(
        url=book_url, directory=bundle, skip_invalid=True, rejects_dir=rejects
    )
    by_file = {f.file: f for f in report.files}
    assert (by_file["accounts.csv"].inserted, by_file["accounts.csv"].rejected) == (3, 1)
    assert (by_file["touchpoints.csv"].inserted, by_file["touchpoints.csv"].rejected) == (4, 2)
    assert sorted(p.name for p in report.rejects) == ["accounts.csv", "touchpoints.csv"]
    acc = pl.read_csv(rejects / "accounts.csv", infer_schema=False)
    assert acc["account_id"].to_list() == ["A4"]
    assert acc["_line"].to_list() == ["5"]
    assert acc["_reason"].item() == (
        "created_on: not a valid date: '2025-13-01' (expected YYYY-MM-DD); "
        "owner_id: no user 'U404' in the bundle or the database"
    )
    tps = pl.read_csv(rejects / "touchpoints.csv", infer_schema=False)
    assert tps["_reason"].to_list() == [
        "account_id: account 'A4' is itself invalid (see accounts.csv)",
        "channel: unknown channel 'fax'; expected one of: "
        "meeting, call, email, visit, event, message, other",
    ]
    stored = services.read_ledger_table(url=book_url, table="touchpoints")
    assert stored["touchpoint_id"].to_list() == ["T1", "T2", "T3", "T4"]


def test_generated_book_round_trips(empty_url: str, tmp_path: Path) -> None:
    """A realistic book of every table survives export → import → export unchanged."""
    generated = tmp_path / "generated"
    services.generate_bundle(directory=generated, accounts=150, seed=3)
    services.init_database(url=empty_url)
    services.import_bundle(url=empty_url, directory=generated)
    first = _export(empty_url, tmp_path / "first")
    again = services.import_bundle(url=empty_url, directory=generated)
    assert again.changed == 0
    second_db = tmp_path / "second.db"
    other = f"sqlite:///{second_db}"
    services.init_database(url=other)
    services.import_bundle(url=other, directory=tmp_path / "first")
    assert _export(other, tmp_path / "second") == first
    # and the export holds what the generator wrote, row for row
    for table in GENERATED:
        source = pl.read_csv(generated / table.file, infer_schema=False)
        exported = pl.read_csv(tmp_path / "first" / table.file, infer_schema=False)
        assert exported.height == source.height, table.file


def test_an_import_stopped_midway_writes_nothing(book_url: str, tmp_path: Path) -> None:
    """Ctrl-C (or any failure) while writing the fifth file leaves the book as it was."""

    class StopError(Exception):
        pass

    def stop_at_touchpoints(stage: str, file: str, done: int, total: int) -> None:
        if stage == "write" and file == "touchpoints.csv":
            raise StopError

    before = _export(book_url, tmp_path / "before")
    with pytest.raises(StopError):
        services.import_bundle(url=book_url, directory=SAMPLE_BOOK, progress=stop_at_touchpoints)
    assert _export(book_url, tmp_path / "after") == before
    assert services.book_summary(url=book_url).rows["accounts"] == 0


def test_enumerations_are_read_in_any_case(book_url: str, bundle: Path) -> None:
    text = (bundle / "touchpoints.csv").read_text()
    (bundle / "touchpoints.csv").write_text(
        text.replace(
            "T1,A1,2026-01-05T10:00:00,meeting,mutual,insight",
            "T1,A1,2026-01-05T10:00:00,Meeting,MUTUAL,Insight",
        )
    )
    services.import_bundle(url=book_url, directory=bundle)
    stored = services.read_ledger_table(url=book_url, table="touchpoints").row(0, named=True)
    assert (stored["channel"], stored["direction"], stored["purpose"]) == (
        "meeting",
        "mutual",
        "insight",
    )
