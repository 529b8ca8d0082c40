"""`accord evaluate`: precision and recall over the accounts judged, inputs the book lacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.evaluation import InputCoverage, book_inputs, not_judged_of, score_patterns


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text.strip() + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def small_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four accounts by hand: late payers (one planted, one not), an on-time payer planted
    with late payment, and our broken promises; no orders, touchpoints or service at all."""
    folder = tmp_path_factory.mktemp("evaluate") / "book"
    folder.mkdir()
    _write(folder, "accounts.csv", "account_id,name\nA1,Alder\nA2,Birch\nA3,Cedar\nA4,Dogwood")
    rows = ["invoice_id,account_id,issued_on,amount,terms_days,paid_on"]
    for account, late in (("A1", 45), ("A2", -2), ("A3", 40)):
        for k, issued in enumerate(("2026-01-05", "2026-02-05", "2026-03-05")):
            paid = pl.Series([issued]).str.to_date().dt.offset_by(f"{30 + late}d").item()
            rows.append(f"{account}-{k},{account},{issued},1000.00,30,{paid.isoformat()}")
    _write(folder, "invoices.csv", "\n".join(rows))
    _write(
        folder,
        "commitments.csv",
        """
commitment_id,account_id,side,made_on,due_on,description,done_on
C1,A4,us,2026-02-01,2026-03-01,Send the plan,
C2,A4,us,2026-03-01,2026-04-01,Send the figures,
C3,A4,us,2026-04-01,2026-05-01,Call back,2026-05-20
""",
    )
    _write(
        folder,
        "truth.csv",
        "account_id,patterns\nA1,terms_dictated\nA2,terms_dictated\nA3,\nA4,broken_promises_ours",
    )
    _write(folder, "as_of.txt", "2026-06-30")
    return folder


def _evaluate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["evaluate", *args])
    return result.exit_code, result.output


def test_evaluate_counts_a_hand_made_book(small_book: Path) -> None:
    code, output = _evaluate(str(small_book), "--format", "json")
    assert code == 0, output
    report = json.loads(output)
    assert (report["as_of"], report["accounts"]) == ("2026-06-30", 4)
    by = {p["pattern"]: p for p in report["patterns"]}
    terms = by["terms_dictated"]
    assert (terms["planted"], terms["detected"], terms["true_positives"]) == (2, 2, 1)
    assert (terms["precision"], terms["recall"]) == (0.5, 0.5)
    assert (terms["not_judged"], terms["planted_not_judged"]) == (0, 0)
    assert (terms["inputs_exist"], terms["missing_inputs"]) == (True, [])
    ours = by["broken_promises_ours"]
    assert (ours["planted"], ours["detected"], ours["precision"], ours["recall"]) == (
        1,
        1,
        1.0,
        1.0,
    )
    # what this book does not hold, per pattern
    assert by["over_servicing"]["missing_inputs"] == ["orders", "order cost", "service hours"]
    assert by["transactional"]["missing_inputs"] == [
        "orders",
        "touchpoints",
        "touchpoint purpose",
    ]
    assert by["broken_promises_theirs"]["missing_inputs"] == ["their commitments"]
    assert by["abusive"]["inputs_exist"] is False
    assert by["healthy"]["missing_inputs"] == []
    for pattern in ("transactional", "over_servicing", "margin_giveaway", "double_billing"):
        assert (by[pattern]["planted"], by[pattern]["detected"]) == (0, 0), pattern
        assert by[pattern]["precision"] is None
    assert report["inputs"]["invoices"] == {"rows": 9, "given": 1.0, "from_text": None}
    assert report["inputs"]["orders"] == {"rows": 0, "given": 0.0, "from_text": None}


def test_evaluate_table_names_what_the_book_lacks(small_book: Path) -> None:
    code, output = _evaluate(str(small_book))
    assert code == 0, output
    output = " ".join(output.split())  # as read, whatever the terminal's width
    assert "Inputs missing from the book: transactional (orders, touchpoints, touchpoint" in output
    assert "Inputs in the book:" in output
    assert "invoices 9 rows" in output
    assert "orders absent" in output


def test_as_of_may_be_given_instead_of_as_of_txt(small_book: Path, tmp_path: Path) -> None:
    copy = tmp_path / "book"
    copy.mkdir()
    for f in small_book.iterdir():
        if f.name != "as_of.txt":
            (copy / f.name).write_bytes(f.read_bytes())
    code, output = _evaluate(str(copy))
    assert code == 1
    assert "has no as_of.txt" in output
    assert "--as-of" in output
    code, output = _evaluate(str(copy), "--as-of", "2026-06-30", "--format", "json")
    assert code == 0, output
    terms = {p["pattern"]: p for p in json.loads(output)["patterns"]}["terms_dictated"]
    assert terms["true_positives"] == 1


def test_accounts_not_judged_leave_the_denominators() -> None:
    planted = {"A1": ["hostage"], "A2": ["hostage"], "A3": [], "A4": ["hostage"], "A5": []}
    fired = {"A1": ["hostage"], "A3": ["hostage"], "A5": ["healthy"]}
    skipped = {"A2": ["hostage"], "A5": ["hostage"]}

    judged = {s.pattern: s for s in score_patterns(planted, fired, skipped).scores}["hostage"]
    assert (judged.planted, judged.detected, judged.true_positives) == (2, 2, 1)
    assert (judged.precision, judged.recall) == (0.5, 0.5)
    assert (judged.not_judged, judged.planted_not_judged) == (2, 1)

    blind = {s.pattern: s for s in score_patterns(planted, fired, {}).scores}["hostage"]
    assert (blind.planted, blind.detected, blind.true_positives) == (3, 2, 1)
    assert blind.recall == pytest.approx(1 / 3)
    assert blind.not_judged == 0

    result = score_patterns(planted, fired, skipped)
    assert result.mistakes["hostage"] == {"missed": ["A4"], "false": ["A3"]}
    healthy = {s.pattern: s for s in result.scores}["healthy"]
    assert (healthy.planted, healthy.detected, healthy.not_judged) == (0, 1, 0)


def test_not_judged_is_read_from_the_diagnose_contract() -> None:
    """The `not_judged` lists of `accord diagnose --format json`, or a frame of them."""

    class Records:
        def records(self) -> list[dict[str, Any]]:
            return [
                {"account_id": "A1", "not_judged": [{"id": "hostage", "reason": "no purpose"}]},
                {"account_id": "A2", "not_judged": []},
                {"account_id": "A3"},  # a diagnosis from before the field existed
            ]

    class Frame:
        not_judged = pl.DataFrame(
            {"account_id": ["A1", "A1"], "id": ["hostage", "win_lose"], "reason": ["x", "y"]}
        )

    class Column:
        accounts = pl.DataFrame(
            {
                "account_id": ["A1", "A2"],
                "not_judged": [[{"id": "over_servicing", "reason": "no cost"}], []],
            }
        )

    assert not_judged_of(Records()) == {"A1": ["hostage"]}
    assert not_judged_of(Frame()) == {"A1": ["hostage", "win_lose"]}
    assert not_judged_of(Column()) == {"A1": ["over_servicing"]}
    assert not_judged_of(object()) == {}


def test_book_inputs_measure_shares_and_text(tmp_path: Path) -> None:
    _write(tmp_path, "accounts.csv", "account_id,name\nA1,Alder")
    _write(
        tmp_path,
        "orders.csv",
        "order_id,account_id,ordered_on,amount,list_amount,cost\n"
        "O1,A1,2026-01-01,10,12,8\nO2,A1,2026-02-01,10,,\nO3,A1,2026-03-01,10,11,\n"
        "O4,A1,2026-04-01,10,,7",
    )
    _write(
        tmp_path,
        "touchpoints.csv",
        "touchpoint_id,account_id,occurred_at,channel,direction,purpose,summary,tags\n"
        "T1,A1,2026-01-01T10:00:00,call,outbound,,Lunch with Ann,\n"
        "T2,A1,2026-01-02T10:00:00,call,outbound,,,\n"
        "T3,A1,2026-01-03T10:00:00,call,outbound,pitch,Demo,",
    )
    inputs = book_inputs(tmp_path)
    assert inputs["order cost"] == InputCoverage("order cost", 4, 0.5)
    assert inputs["list price"] == InputCoverage("list price", 4, 0.5)
    purpose = inputs["touchpoint purpose"]
    assert purpose.rows == 3
    assert purpose.given == pytest.approx(1 / 3)
    assert purpose.from_text == pytest.approx(2 / 3)
    assert purpose.describe() == "33% given, 67% told in text"
    assert inputs["behaviour tags"].given == 0.0
    assert inputs["behaviour tags"].exists  # told in the summaries
    assert not inputs["service hours"].exists
    assert inputs["service hours"].describe() == "absent"
