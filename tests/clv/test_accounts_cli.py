"""`accord clv accounts`: lifetime value per account from the book's orders."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from accord import services
from accord.cli import app
from accord.generate import generate_book


def test_every_account_gets_an_outlook_from_the_book(tmp_path: Path) -> None:
    book = generate_book(tmp_path / "gen", accounts=150, seed=3)
    url = f"sqlite:///{tmp_path / 'b.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=book.path)
    result = CliRunner().invoke(
        app, ["clv", "accounts", "--db", url, "--as-of", book.as_of.isoformat(), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    rows = pl.DataFrame(out["accounts"])
    assert out["as_of"] == book.as_of.isoformat()
    assert out["note"] is None
    buyers = pl.read_csv(book.path / "orders.csv", infer_schema=False)["account_id"].n_unique()
    assert rows.height == buyers
    assert rows["p_alive"].is_between(0, 1).all()
    assert set(rows["horizon"]) <= {"reason", "season", "lifetime"}
    values = rows["expected_value_12m"].to_list()
    assert values == sorted(values, reverse=True)  # most valuable first
    truth = pl.read_csv(book.path / "truth.csv", infer_schema=False)
    fading = set(truth.filter(pl.col("patterns").str.contains("fading"))["account_id"])
    healthy = set(truth.filter(pl.col("patterns") == "healthy")["account_id"])
    by_id = {r["account_id"]: r for r in out["accounts"]}
    assert fading
    assert all(by_id[a]["p_alive"] < 0.5 for a in fading)
    assert all(by_id[a]["horizon"] != "lifetime" for a in fading)
    assert sum(by_id[a]["horizon"] == "lifetime" for a in healthy) > 0.8 * len(healthy)


def test_a_book_too_small_for_the_model_says_so(sample_url: str) -> None:
    result = CliRunner().invoke(
        app, ["clv", "accounts", "--db", sample_url, "--as-of", "2026-06-30", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["note"]
    assert [r["account_id"] for r in out["accounts"]] == ["A1", "A2"]
    assert all(r["p_alive"] is None for r in out["accounts"])  # unknown, never 0
    assert [r["orders"] for r in out["accounts"]] == [2, 1]


def test_unknown_account_is_exit_1(sample_url: str) -> None:
    result = CliRunner().invoke(app, ["clv", "accounts", "--db", sample_url, "--account", "A404"])
    assert result.exit_code == 1
    assert "there is no account 'A404' in the book" in result.output
