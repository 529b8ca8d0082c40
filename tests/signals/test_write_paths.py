"""Every write path infers through one function, and never over what a person labelled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from typer.testing import CliRunner

from accord import services
from accord.access import Principal
from accord.cli import app
from accord.services_ledger import create_row, update_row
from accord.storage.engines import engine_for
from tests.conftest import SAMPLE_BOOK

SAM = Principal("U2", "Sam Seller", "rep", "North")


def _row(url: str, sql: str) -> tuple[Any, ...]:
    with engine_for(url).connect() as conn:
        return tuple(conn.execute(sa.text(sql)).one())


def _touch(url: str, tp: str) -> tuple[Any, ...]:
    return _row(
        url,
        "SELECT purpose, purpose_inferred, tags, tags_inferred, signals_model "
        f"FROM touchpoints WHERE touchpoint_id = '{tp}'",
    )


def test_import_infers_beside_the_labels(sample_url: str) -> None:
    # T3 is labelled pitch ("Sent the new catalogue"): the label stays, nothing is inferred.
    assert _touch(sample_url, "T3") == ("pitch", None, None, None, None)
    # T2 has no summary: nothing was read.
    assert _touch(sample_url, "T2") == ("support", None, None, None, None)
    # Feedback F3 "Delivery was late", tagged late_delivery by a person: complaint inferred.
    assert _row(
        sample_url, "SELECT tags, tags_inferred FROM feedback WHERE feedback_id = 'F3'"
    ) == ("late_delivery", "complaint")


def test_an_unlabelled_bundle_row_gets_an_inferred_purpose(book_url: str, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for name in ("users.csv", "accounts.csv", "contacts.csv"):
        (bundle / name).write_bytes((SAMPLE_BOOK / name).read_bytes())
    (bundle / "touchpoints.csv").write_text(
        "touchpoint_id,account_id,occurred_at,channel,direction,purpose,summary,tags\n"
        "N1,A1,2026-03-01T10:00:00,meeting,mutual,,Lunch with Anna at the expo,\n"
        "N2,A1,2026-03-02T10:00:00,email,inbound,,"
        '"Either you cut the price by 20% or we cancel, final offer",\n'
        "N3,A1,2026-03-03T10:00:00,call,inbound,admin,Lunch with Anna at the expo,\n",
        encoding="utf-8",
    )
    services.import_bundle(url=book_url, directory=bundle)
    assert _touch(book_url, "N1") == (None, "social", None, None, "signals-1")
    assert _touch(book_url, "N2")[0] is None
    assert _touch(book_url, "N2")[3] == "ultimatum"
    assert _touch(book_url, "N3")[:2] == ("admin", None)  # a person's label wins
    # Exported, the bundle carries the labels only: blank purpose stays blank.
    out = tmp_path / "out"
    services.export_bundle(url=book_url, directory=out)
    exported = (out / "touchpoints.csv").read_text(encoding="utf-8")
    assert "purpose_inferred" not in exported
    assert "N1,A1,2026-03-01T10:00:00,meeting,mutual,," in exported


def test_api_create_and_update_infer_and_a_label_clears_the_guess(sample_url: str) -> None:
    values = {
        "touchpoint_id": "W1",
        "account_id": "A1",
        "occurred_at": "2026-04-01T10:00:00",
        "channel": "call",
        "direction": "inbound",
        "summary": "The portal is down since this morning, they opened a ticket",
    }
    create_row(url=sample_url, principal=SAM, table="touchpoints", values=values)
    assert _touch(sample_url, "W1")[:2] == (None, "support")
    row = update_row(
        url=sample_url,
        principal=SAM,
        table="touchpoints",
        key={"touchpoint_id": "W1"},
        changes={"summary": "Lunch with Peter, talked about his holiday"},
        if_match="*",
    )
    assert row.values["purpose"] is None
    assert _touch(sample_url, "W1")[:2] == (None, "social")
    update_row(
        url=sample_url,
        principal=SAM,
        table="touchpoints",
        key={"touchpoint_id": "W1"},
        changes={"purpose": "insight"},
        if_match="*",
    )
    assert _touch(sample_url, "W1")[:2] == ("insight", None)


def test_accord_infer_reads_a_book_stored_before(sample_url: str, cli: CliRunner) -> None:
    with engine_for(sample_url).begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE touchpoints SET purpose = NULL, purpose_inferred = NULL, "
                "purpose_confidence = NULL, signals_model = NULL"
            )
        )
        conn.execute(sa.text("UPDATE feedback SET tags_inferred = NULL, signals_model = NULL"))
    result = cli.invoke(app, ["infer", "--db", sample_url, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"model": "signals-1"' in result.output
    assert _touch(sample_url, "T4")[:2] == (None, "social")  # "Lunch"
    assert _row(sample_url, "SELECT tags_inferred FROM feedback WHERE feedback_id = 'F3'") == (
        "complaint",
    )
    again = cli.invoke(app, ["infer", "--db", sample_url])
    assert again.exit_code == 0, again.output
    assert "inferred" in again.output


def test_the_account_page_logs_unlabelled_and_shows_not_judged(client: Any, book: str) -> None:
    from tests.api.conftest import csrf_of, signed_in

    signed_in(client, "U2")
    page = client.get("/accounts/A1").text
    # the form offers no value-adding default: blank, read from the summary
    assert '<option value="">not labelled (read from the summary)</option>' in page
    assert '<option value="insight" selected>' not in page
    answer = client.post(
        "/accounts/A1/touchpoints",
        data={
            "csrf": csrf_of(page),
            "occurred_at": "2026-04-14T11:30",
            "channel": "call",
            "direction": "inbound",
            "purpose": "",
            "summary": "Their scanner stopped working after the update, fixed it remotely",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    again = client.get("/accounts/A1?as_of=2026-04-30").text
    assert "<b>call · support (inferred) (inbound)</b>" in again
    assert 'data-testid="not-judged"' not in again  # A1: every pattern judged
    a2 = client.get("/accounts/A2?as_of=2026-04-30").text  # its one order has no cost
    assert (
        "<li><b>win_lose</b>: none of its 1 orders in the window has a cost, so the gross "
        "margin is unknown</li>" in a2
    )


def test_the_columnar_copy_follows_an_inference_that_changes(tmp_path: Path) -> None:
    """SQLite diagnoses read the DuckDB copy: a re-inferred purpose reaches it (change log)."""
    from datetime import date

    import polars as pl

    url = f"sqlite:///{tmp_path / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=SAMPLE_BOOK)
    day = date(2026, 4, 30)

    def counts() -> tuple[int, int, int]:
        a1 = services.diagnose(url=url, as_of=day).accounts.filter(pl.col("account_id") == "A1")
        return a1["n_social"].item(), a1["n_value"].item(), a1["n_purpose_inferred"].item()

    before = counts()  # builds the copy
    values = {
        "touchpoint_id": "W2",
        "account_id": "A1",
        "occurred_at": "2026-04-20T10:00:00",
        "channel": "visit",
        "direction": "mutual",
        "summary": "Lunch with Dana and her team",
    }
    create_row(url=url, principal=SAM, table="touchpoints", values=values)
    assert counts() == (before[0] + 1, before[1], before[2] + 1)
    update_row(
        url=url,
        principal=SAM,
        table="touchpoints",
        key={"touchpoint_id": "W2"},
        changes={"summary": "Fixed their label printer on site"},
        if_match="*",
    )
    assert counts() == (before[0], before[1] + 1, before[2] + 1)
