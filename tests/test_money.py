"""Money as people read it, one format for the pages (Python) and the sentences (polars)."""

from __future__ import annotations

import polars as pl
import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.config import Settings, settings_from_mapping
from accord.errors import ConfigError
from accord.money import amount, grouped_expr, money, money_expr

VALUES = [0.0, 0.4, -0.4, 7.0, 999.0, 1000.0, 31316.0, -1234.0, 1755390.8, -999999.6, None]


def test_amounts_have_thousands_separators_and_unknown_is_a_word() -> None:
    assert amount(31316) == "31,316"
    assert amount(1755390.8, 2) == "1,755,390.80"
    assert amount(-0.4) == "0"  # never "-0"
    assert amount(None) == "unknown"
    assert amount(float("nan")) == "unknown"
    assert money(31316.4) == "EUR 31,316"
    assert money(-1234.0, "USD") == "USD -1,234"
    assert money(None, "USD") == "unknown"
    assert money(500.0, "") == "500"


def test_the_polars_format_says_what_the_python_one_says() -> None:
    frame = pl.DataFrame({"x": VALUES}, schema={"x": pl.Float64})
    shown = frame.select(
        money_expr(pl.col("x"), "GBP").alias("money"), grouped_expr(pl.col("x")).alias("plain")
    )
    assert shown["money"].to_list() == [money(v, "GBP") for v in VALUES]
    assert shown["plain"].to_list()[:-1] == [amount(v) for v in VALUES[:-1]]
    assert shown["plain"].to_list()[-1] is None


def test_the_currency_is_a_setting_with_help() -> None:
    assert Settings().general.currency == "EUR"
    assert settings_from_mapping({"general": {"currency": "usd"}}).general.currency == "USD"
    with pytest.raises(ConfigError, match=r"general.currency must be a three-letter currency"):
        settings_from_mapping({"general": {"currency": "EURO"}})
    with pytest.raises(ConfigError, match=r"general.currency must be a three-letter currency"):
        settings_from_mapping({"general": {"currency": 978}})
    shown = CliRunner().invoke(app, ["config", "show"])
    assert shown.exit_code == 0, shown.output
    assert "general.currency" in shown.output
    assert "EUR" in shown.output
