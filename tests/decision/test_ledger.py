"""The decision files through the ledger: round trip, multi-column references, bad input,
value realised in health, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from accord import services
from accord.errors import BundleError

DECISION_BOOK = Path(__file__).parents[1] / "data" / "decision"
AS_OF = date(2026, 4, 15)


@pytest.fixture
def decision_url(book_url: str) -> str:
    services.import_bundle(url=book_url, directory=DECISION_BOOK)
    return book_url


@pytest.fixture
def decision_bundle(tmp_path: Path) -> Path:
    target = tmp_path / "decision"
    shutil.copytree(DECISION_BOOK, target)
    return target


def _export(url: str, directory: Path) -> dict[str, bytes]:
    services.export_bundle(url=url, directory=directory)
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_round_trip_of_the_decision_files(
    decision_url: str, empty_url: str, tmp_path: Path
) -> None:
    first = _export(decision_url, tmp_path / "one")
    for name in ("decision_criteria.csv", "criterion_scores.csv", "value_checks.csv"):
        assert first[name] == (DECISION_BOOK / name).read_bytes().replace(b"\r\n", b"\n") or name
    assert services.import_bundle(url=decision_url, directory=tmp_path / "one").changed == 0
    assert _export(decision_url, tmp_path / "again") == first


def test_export_is_sorted_and_reimports_identically(decision_url: str, tmp_path: Path) -> None:
    exported = _export(decision_url, tmp_path / "out")
    scores = pl.read_csv(tmp_path / "out" / "criterion_scores.csv")
    assert scores.height == 25
    keys = scores.select("opportunity_id", "alternative_id", "criterion_id").rows()
    assert keys == sorted(keys)
    assert exported["roi_flows.csv"].startswith(b"opportunity_id,period,cost,benefit,note\n")


def _problems(url: str, bundle: Path) -> list[str]:
    before = services.book_summary(url=url).rows
    with pytest.raises(BundleError) as info:
        services.import_bundle(url=url, directory=bundle)
    assert services.book_summary(url=url).rows == before  # nothing written
    return [str(p) for p in info.value.problems]


def test_a_score_outside_0_to_10_is_refused(book_url: str, decision_bundle: Path) -> None:
    path = decision_bundle / "criterion_scores.csv"
    path.write_text(path.read_text().replace("O1,US,C1,6,", "O1,US,C1,11,"))
    assert _problems(book_url, decision_bundle) == [
        "criterion_scores.csv, line 2, column score: 11.0 is above the largest allowed value (10)"
    ]


def test_an_alternative_referenced_but_not_defined_is_refused(
    book_url: str, decision_bundle: Path
) -> None:
    path = decision_bundle / "criterion_scores.csv"
    path.write_text(path.read_text() + "O5,ALT9,L1,5,\nO3,US,L1,5,\n")
    assert _problems(book_url, decision_bundle) == [
        "criterion_scores.csv, line 27, column alternative_id: no alternative 'ALT9' of "
        "opportunity 'O5' in the bundle or the database",
        "criterion_scores.csv, line 28, column criterion_id: no decision criterion 'L1' of "
        "opportunity 'O3' in the bundle or the database",
    ]


def test_a_value_check_needs_its_plan(book_url: str, decision_bundle: Path) -> None:
    path = decision_bundle / "value_checks.csv"
    path.write_text(path.read_text() + "O2,returns,2026-03-01,4\n")
    assert _problems(book_url, decision_bundle) == [
        "value_checks.csv, line 4, column metric: no value plan 'returns' of opportunity 'O2' "
        "in the bundle or the database"
    ]


def test_references_resolve_against_the_database(decision_url: str, tmp_path: Path) -> None:
    later = tmp_path / "later"
    later.mkdir()
    (later / "accounts.csv").write_text("account_id,name\nA1,Harbor Logistics\n")
    (later / "criterion_scores.csv").write_text(
        "opportunity_id,alternative_id,criterion_id,score\nO1,US,C1,7\n"
    )
    report = services.import_bundle(url=decision_url, directory=later)
    assert [(f.file, f.updated) for f in report.files][-1] == ("criterion_scores.csv", 1)


def test_skip_invalid_rejects_scores_of_a_rejected_alternative(
    book_url: str, decision_bundle: Path, tmp_path: Path
) -> None:
    path = decision_bundle / "alternatives.csv"
    path.write_text(
        path.read_text().replace(
            "O5,NONE,Keep the old printers,do_nothing", "O5,NONE,Keep the old printers,maybe"
        )
    )
    report = services.import_bundle(
        url=book_url, directory=decision_bundle, skip_invalid=True, rejects_dir=tmp_path / "rej"
    )
    rejected = pl.read_csv(tmp_path / "rej" / "criterion_scores.csv")
    assert (
        rejected["_reason"].to_list()
        == [
            "alternative_id: alternative 'NONE' of opportunity 'O5' is itself invalid "
            "(see alternatives.csv)"
        ]
        * 2
    )
    assert {f.file: f.rejected for f in report.files}["alternatives.csv"] == 1


def test_value_realised_feeds_mutual_value(decision_url: str) -> None:
    result = services.diagnose(url=decision_url, as_of=AS_OF)
    a2 = result.accounts.filter(pl.col("account_id") == "A2").row(0, named=True)
    # pick errors: (30/90) / (182/365); on-time deliveries reached → mean of the two
    expected = ((30 / 90) / (182 / 365) + 1) / 2
    assert a2["value_realised"] == pytest.approx(expected)
    assert a2["n_value_behind"] == 1
    assert a2["mutual_value__realised"] == pytest.approx(expected)
    a1 = result.accounts.filter(pl.col("account_id") == "A1").row(0, named=True)
    assert a1["value_realised"] is None
    assert a1["mutual_value__realised"] is None
    assert "win_lose" not in result.pattern_ids()["A2"]


def test_far_behind_plan_fires_win_lose(book_url: str, decision_bundle: Path) -> None:
    path = decision_bundle / "value_checks.csv"
    path.write_text(
        "opportunity_id,metric,measured_on,value\n"
        "O2,on-time deliveries,2026-03-01,0.86\nO2,pick errors,2026-03-02,118\n"
    )
    services.import_bundle(url=book_url, directory=decision_bundle)
    result = services.diagnose(url=book_url, as_of=AS_OF)
    records = {r["account_id"]: r for r in result.records()}
    win_lose = next(p for p in records["A2"]["patterns"] if p["id"] == "win_lose")
    realised = ((0.01 / 0.10) / 1.0 + (2 / 90) / (182 / 365)) / 2
    assert win_lose["evidence"]["value_realised"]["value"] == pytest.approx(realised, abs=1e-4)
    assert win_lose["action"].startswith(f"They lose: they realised {round(realised * 100)}%")
