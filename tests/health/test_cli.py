"""`accord diagnose` and `accord evaluate`: the JSON contract, the table, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord import services
from accord.cli import app
from accord.generate import generate_book
from tests.health.book import Book, ago


@pytest.fixture(scope="module")
def book_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("cli")
    book = Book()
    for issued in (200, 150, 100):  # terms_dictated on A1
        book.invoice(ago(issued), ago(issued - 50))
    book.commitment("us", ago(40), ago(41))
    url = f"sqlite:///{folder / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=book.write(folder / "bundle"))
    return url


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_json_contract(book_db: str) -> None:
    code, output = _run("diagnose", "--db", book_db, "--as-of", "2026-06-30", "--format", "json")
    assert code == 0, output
    records = json.loads(output)
    assert [r["account_id"] for r in records] == ["A1", "A1-P1", "A1-P2", "A1-P3", "A1-P4"]
    a1 = records[0]
    assert set(a1) >= {"account_id", "health", "patterns"}
    assert set(a1["health"]) == {"score", "trust", "engagement", "mutual_value", "continuity"}
    # measured, then 15% off for the terms_dictated warning (a pattern lowers its dimension)
    assert a1["health"]["trust"] == pytest.approx(
        100 * (0.4 * 1.0 + 0.35 * (1 - 20 / 30)) / 0.75 * 0.85, abs=0.05
    )
    assert a1["health"]["engagement"] is None  # no touchpoint: unknown, not 0
    assert a1["health"]["score"] is None  # trust alone is too little to score
    (pattern,) = a1["patterns"]
    assert set(pattern) >= {"id", "severity", "evidence", "action"}
    assert (pattern["id"], pattern["severity"]) == ("terms_dictated", "warning")
    assert pattern["evidence"]["median_days_late"] == {
        "value": 20.0,
        "threshold": 15.0,
        "rule": ">=",
    }
    assert a1["facts"]["trust"] == [
        "1 of 1 of our commitments kept on time",
        "median invoice 20 days late against 30-day terms",
        "lowered by terms_dictated (warning)",
    ]


def test_one_account_in_full_and_the_table(book_db: str) -> None:
    code, output = _run("diagnose", "--db", book_db, "--as-of", "2026-06-30", "--account", "A1")
    assert code == 0, output
    assert "warning: terms_dictated" in output
    assert "median days late: 20 (rule >= 15)" in output
    code, output = _run("diagnose", "--db", book_db, "--as-of", "2026-06-30")
    assert code == 0, output
    assert output.index("A1 ") < output.index("A1-P1")  # worst first
    assert "5 accounts" in output


def test_snapshots_are_stored_by_date(book_db: str) -> None:
    for day in ("2026-05-31", "2026-06-30", "2026-06-30"):
        code, output = _run("diagnose", "--db", book_db, "--as-of", day, "--snapshot", "-f", "json")
        assert code == 0, output
    snaps = services.health_snapshots(url=book_db, account_id="A1")
    assert [d.isoformat() for d in snaps["as_of"]] == ["2026-05-31", "2026-06-30"]
    assert snaps["patterns"].to_list()[-1] == "terms_dictated"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as-of", "2020-01-01"), "--as-of 2020-01-01 is before any data: the book starts on"),
        (("--account", "NOPE"), "there is no account 'NOPE' in the book"),
    ],
)
def test_bad_input_exits_1_with_a_message(
    book_db: str, args: tuple[str, ...], message: str
) -> None:
    code, output = _run("diagnose", "--db", book_db, *args)
    assert code == 1
    assert message in output


def test_a_bad_config_file_exits_1(book_db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[fading]\nquiet_dayz = 30\n")
    code, output = _run("diagnose", "--db", book_db, "--config", str(bad))
    assert code == 1
    assert "unknown setting fading.quiet_dayz" in output


def test_a_bad_date_is_a_usage_error(book_db: str) -> None:
    code, _ = _run("diagnose", "--db", book_db, "--as-of", "30/06/2026")
    assert code == 2


def test_evaluate_scores_every_detector_on_a_generated_book(tmp_path: Path) -> None:
    generated = generate_book(tmp_path / "gen", accounts=300, seed=5)
    code, output = _run("evaluate", str(generated.path), "--format", "json")
    assert code == 0, output
    report = json.loads(output)
    assert report["as_of"] == generated.as_of.isoformat()
    scores = {p["pattern"]: p for p in report["patterns"] if p["pattern"] != "healthy"}
    assert len(scores) == 15
    for pattern, s in scores.items():
        assert s["planted"] > 0, pattern
        assert (s["precision"], s["recall"]) == (1.0, 1.0), s


def test_evaluate_refuses_a_folder_without_truth(tmp_path: Path) -> None:
    code, output = _run("evaluate", str(tmp_path))
    assert code == 1
    assert "has no truth.csv" in output
