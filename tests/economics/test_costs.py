"""`accord costs`: totals of cost and at_risk per line, on the hand-worked money book."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from accord import services, services_costs
from accord.cli import app
from accord.errors import BadInputError
from tests.economics.book import money_book
from tests.health.book import AS_OF
from tests.health.test_detectors import NO_MODEL


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("costs")
    url = f"sqlite:///{folder / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=money_book().write(folder / "bundle"))
    return url


def _lines(report: services_costs.CostsReport) -> list[tuple[Any, ...]]:
    return [(x["key"], x["accounts"], x["cost"], x["at_risk"], x["unknown"]) for x in report.lines]


def test_by_pattern(url: str) -> None:
    report = services_costs.costs(url=url, as_of=AS_OF, by="pattern", settings=NO_MODEL)
    assert _lines(report) == [
        ("margin_giveaway", 1, 300.0, None, 0),
        ("professional_visitor", 1, 300.0, None, 0),
        ("terms_dictated", 1, 123.29, None, 0),
        ("fading", 1, None, None, 1),  # C: the value ahead is unknown, not 0
    ]
    assert report.lines[0]["top"] == [
        {"account_id": "B", "name": "B", "cost": 300.0, "at_risk": None}
    ]
    assert report.total == {
        "accounts": 4,
        "cost": 723.29,
        "at_risk": None,
        "revenue": 2300.0,  # B 1,500 + C 800
        "net_contribution": -23.29,  # A1 −123.29, B 400, D −300; C unknown
    }


def test_by_seller_adds_up_to_the_total(url: str) -> None:
    report = services_costs.costs(url=url, as_of=AS_OF, by="seller", settings=NO_MODEL)
    assert _lines(report) == [("U1", 3, 423.29, None, 1), ("U2", 1, 300.0, None, 0)]
    assert [t["account_id"] for t in report.lines[0]["top"]] == ["D", "A1", "C"]
    assert sum(x["cost"] for x in report.lines) == pytest.approx(report.total["cost"])


def test_by_segment_and_account(url: str) -> None:
    segment = services_costs.costs(url=url, as_of=AS_OF, by="segment", settings=NO_MODEL)
    assert _lines(segment) == [
        ("B", 1, 300.0, None, 0),
        ("D", 1, 300.0, None, 0),
        ("smb", 1, 123.29, None, 0),
        ("C", 1, None, None, 1),
    ]
    account = services_costs.costs(url=url, as_of=AS_OF, by="account", top=1, settings=NO_MODEL)
    assert [x["key"] for x in account.lines] == ["B", "D", "A1", "C"]
    assert sum(x["cost"] or 0 for x in account.lines) == pytest.approx(723.29)


def test_a_margin_gap_counts_once_per_account() -> None:
    import polars as pl

    from accord.health.economics import account_costs

    patterns = pl.DataFrame(
        {
            "account_id": ["X", "X", "X"],
            "id": ["win_lose", "friendship_over_profit", "double_billing"],
            "cost": [250.0, 250.0, 40.0],
            "at_risk": [None, None, None],
        },
        schema_overrides={"at_risk": pl.Float64},
    )
    row = account_costs(patterns).to_dicts()[0]
    assert (row["cost"], row["at_risk"]) == (290.0, None)


def test_cli_json_and_table(url: str, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[continuity]\nmin_model_accounts = 1000000000\n")
    cli = CliRunner()
    args = ["costs", "--db", url, "--as-of", "2026-06-30", "--config", str(config)]
    result = cli.invoke(app, [*args, "--by", "seller", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["by"], data["total"]["cost"]) == ("seller", 723.29)
    table = cli.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "4 unhealthy accounts: 723 lost in the window" in table.stdout
    rows = {line.split("│")[1].strip(): line for line in table.stdout.splitlines() if "│" in line}
    # margin_giveaway loses money but puts nothing at risk by definition: "—", not unknown;
    # fading puts value at risk that no model could value here: unknown.
    assert [c.strip() for c in rows["margin_giveaway"].split("│")[3:5]] == ["300", "—"]
    assert [c.strip() for c in rows["fading"].split("│")[3:5]] == ["—", "unknown"]


def test_bad_input(url: str, tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="--by must be one of pattern, seller"):
        services_costs.costs(url=url, as_of=AS_OF, by="colour")
    config = tmp_path / "c.toml"
    config.write_text("[general]\nhourly_cost = -5\n")
    result = CliRunner().invoke(app, ["costs", "--db", url, "--config", str(config)])
    assert result.exit_code == 1
    assert "hourly_cost must not be negative (got -5)" in result.output
    usage = CliRunner().invoke(app, ["costs", "--db", url, "--by", "colour"])
    assert usage.exit_code == 2
