"""`accord clv fit` and `accord clv report`: the published values, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli_clv import clv_app

runner = CliRunner()


def _fit(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(clv_app, ["fit", *args])
    return result.exit_code, result.stdout, result.stderr


def test_fit_gives_the_published_bgnbd_values(cdnow_path: Path) -> None:
    # The command documented in docs/clv.md.
    code, out, _ = _fit(
        str(cdnow_path / "CDNOW_sample.txt"),
        "--input-format", "cdnow",
        "--calibration-end", "1997-09-30",
        "--model", "bgnbd",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"model", "params", "log_likelihood", "n_customers"}
    assert payload["model"] == "bgnbd"
    assert payload["n_customers"] == 2357
    expected = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert list(payload["params"]) == list(expected)
    for name, value in expected.items():
        assert payload["params"][name] == pytest.approx(value, rel=0.01)
    assert payload["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)


def test_fit_paretonbd_and_gammagamma_use_the_papers_names(cdnow_path: Path) -> None:
    sample = str(cdnow_path / "CDNOW_sample.txt")
    common = ["--input-format", "cdnow", "--calibration-end", "1997-09-30", "--format", "json"]
    code, out, _ = _fit(sample, *common, "--model", "paretonbd")
    assert code == 0
    assert list(json.loads(out)["params"]) == ["r", "alpha", "s", "beta"]
    code, out, _ = _fit(sample, *common, "--model", "gammagamma")
    payload = json.loads(out)
    assert code == 0
    assert list(payload["params"]) == ["p", "q", "gamma"]
    assert payload["n_customers"] == 946
    assert payload["params"]["p"] == pytest.approx(6.25, rel=0.01)


def test_fit_table_and_csv_input(tmp_path: Path, cdnow_path: Path) -> None:
    from accord.clv import read_transactions

    rows = read_transactions(cdnow_path / "CDNOW_sample.txt", input_format="cdnow")
    path = tmp_path / "transactions.csv"
    rows.select("customer_id", "date", "amount").write_csv(path)
    code, out, _ = _fit(str(path), "--calibration-end", "1997-09-30", "--time-unit", "weeks")
    assert code == 0
    assert "BG/NBD" in out
    assert "0.2426" in out
    assert "-9,582.43" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("customer_id,date,amount\n1,2024-01-01,3\n2,01/02/2024,4\n",
         "line 3, column date: cannot read '01/02/2024' as a date"),
        ("customer_id,date,amount\n1,2024-01-01,3\n2,2024-01-02,-4\n",
         "line 3, column amount: negative amount -4"),
        ("", "the file is empty"),
        ("customer_id,date,amount\n", "no transactions (only a header)"),
        ("customer_id,date,amount\n1,2024-01-01,3\n1,2024-02-01,3\n2,2024-01-05,1\n",
         "the calibration end 2023-06-30 is before the first purchase (2024-01-01)"),
        ("customer_id,date,amount\n1,2024-01-01,3\n1,2024-02-01,3\n",
         "needs at least 2 customers"),
        ("customer_id,day,amount\n1,2024-01-01,3\n", "line 1: missing column date"),
    ],
)  # fmt: skip
def test_bad_input_exits_1_with_a_located_message(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    end = "2023-06-30" if "2023-06-30" in message else "2024-06-30"
    code, out, err = _fit(str(path), "--calibration-end", end)
    assert code == 1
    assert message in err
    assert str(path) in err or "customers" in err or "before" in err
    assert "Traceback" not in err + out


def test_no_repeat_buyers_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "once.csv"
    path.write_text("customer_id,date,amount\n1,2024-01-01,3\n2,2024-01-05,4\n")
    code, _, err = _fit(str(path), "--calibration-end", "2024-06-30")
    assert code == 1
    assert "no customer made a repeat purchase" in err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("customer_id,date,amount\n1,2024-01-01,3\n")
    assert _fit(str(path), "--calibration-end", "2024-13-01")[0] == 2
    assert _fit(str(path))[0] == 2
    assert _fit(str(path), "--calibration-end", "2024-06-30", "--model", "nbd")[0] == 2


def test_help_shows_an_example() -> None:
    for command in ("fit", "report"):
        result = runner.invoke(clv_app, [command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0
        assert "Example" in result.stdout
        assert "--calibration-end 1997-09-30" in result.stdout


def test_report_is_self_contained_html(tmp_path: Path, cdnow_path: Path) -> None:
    out = tmp_path / "cdnow.html"
    result = runner.invoke(
        clv_app,
        [
            "report", str(cdnow_path / "CDNOW_sample.txt"),
            "--input-format", "cdnow",
            "--calibration-end", "1997-09-30",
            "--out", str(out),
            "--top", "25",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "<svg" in html
    assert "<polyline" in html
    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    assert html.count('<tr><td class="id">') >= 25
    assert "holdout purchases, actual" in html
    assert "1,882" in html


def test_report_bad_input_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("customer_id,date,amount\n1,2024-01-01,x\n")
    result = runner.invoke(
        clv_app,
        ["report", str(path), "--calibration-end", "2024-06-30", "--out", str(tmp_path / "r.html")],
    )
    assert result.exit_code == 1
    assert "column amount: cannot read 'x' as a number" in result.stderr
