"""Settings: defaults, TOML overrides, refusals, and docs that list every setting."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.config import Settings, describe, load_settings
from accord.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_without_a_file() -> None:
    assert load_settings(None, environ={}) == Settings()


def test_a_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    file = tmp_path / "team.toml"
    file.write_text("[weights]\ntrust = 0.5\n\n[terms_dictated]\nmedian_days_late = 20\n")
    s = load_settings(file)
    assert (s.weights.trust, s.weights.engagement) == (0.5, 0.30)
    assert (s.terms_dictated.median_days_late, s.terms_dictated.min_invoices) == (20.0, 3)


def test_the_environment_names_the_file(tmp_path: Path) -> None:
    file = tmp_path / "env.toml"
    file.write_text("[fading]\nquiet_days = 60\n")
    assert load_settings(None, environ={"ACCORD_CONFIG": str(file)}).fading.quiet_days == 60


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[weights]\ntrusst = 0.5\n", "unknown setting weights.trusst"),
        ("[weight]\ntrust = 0.5\n", "unknown section [weight]"),
        ("[terms_dictated]\nmedian_days_late = -1\n", "must not be negative (got -1)"),
        ("[transactional]\npre_order_share = 1.5\n", "is a share and must be between 0 and 1"),
        ("[transactional]\nmin_orders = 2.5\n", "must be a whole number (got 2.5)"),
        ('[general]\nhourly_cost = "100"\n', "must be a number, not '100'"),
        ("[weights]\ntrust = 0\nengagement = 0\nmutual_value = 0\ncontinuity = 0\n", "all 0"),
        ("[weights\n", "is not valid TOML"),
    ],
)
def test_bad_files_are_refused_with_the_key(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "bad.toml"
    file.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(file)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_every_setting_is_documented_in_docs_health_md() -> None:
    text = (ROOT / "docs" / "health.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_0-9]+)` \|", text, flags=re.MULTILINE))
    assert documented == {s.name for s in describe()}


def test_every_setting_has_help_text() -> None:
    assert all(len(s.help) > 20 for s in describe())


def test_config_show_prints_values_with_help(tmp_path: Path) -> None:
    file = tmp_path / "team.toml"
    file.write_text("[fading]\np_alive = 0.4\n")
    result = CliRunner().invoke(app, ["config", "show", "--config", str(file), "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["source"] == str(file)
    fading = next(s for s in shown["settings"] if s["name"] == "fading.p_alive")
    assert fading == {
        "name": "fading.p_alive",
        "value": 0.4,
        "default": 0.5,
        "help": "It fires below this probability alive (when the model has enough data).",
    }
    table = CliRunner().invoke(app, ["config", "show"])
    assert table.exit_code == 0
    assert "weights.trust" in table.output


def test_config_show_refuses_a_bad_file_with_exit_1(tmp_path: Path) -> None:
    file = tmp_path / "bad.toml"
    file.write_text("[hostage]\nmin_orders = -2\n")
    result = CliRunner().invoke(app, ["config", "show", "--config", str(file)])
    assert result.exit_code == 1
    assert "hostage.min_orders must not be negative (got -2)" in result.output
