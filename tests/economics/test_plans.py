"""Account plans, plan people, retrospectives and qualification: stored, shown, refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from accord import services, services_plans
from accord.cli import app
from tests.health.book import AS_OF, Book, ago


def plan_book() -> Book:
    b = Book(peers=1)
    dm = b.contact("decision_maker")  # C1: met often, two-way
    champion = b.contact("champion")  # C2: only written to
    for k in range(6):
        b.touch(ago(5 + 10 * k), contacts=dm)
    b.touch(ago(3), direction="outbound", contacts=champion)
    b.rows["account_plans"].append(
        {
            "account_id": "A1",
            "updated_on": ago(100).isoformat(),
            "mutual_benefit": "they grow exports, we grow a reference customer",
            "intent": "lifetime",
            "objectives": "renew in Q3;meet the CFO",
        }
    )
    b.rows["plan_people"].append(
        {"account_id": "A1", "contact_id": champion, "gap": "never answered", "notes": ""}
    )
    b.rows["opportunities"].append(
        {
            "opportunity_id": "OP1",
            "account_id": "A1",
            "name": "deal",
            "opened_on": ago(60).isoformat(),
            "stage": "lost",
            "closed_on": ago(30).isoformat(),
            "genuine_need": "true",
        }
    )
    b.rows["retrospectives"].append(
        {"opportunity_id": "OP1", "written_on": ago(20).isoformat(), "learned": "price too late"}
    )
    return b


def _url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'book.db'}"
    services.init_database(url=url)
    return url


def test_plan_show_computes_strength_and_gaps(tmp_path: Path) -> None:
    url = _url(tmp_path)
    services.import_bundle(url=url, directory=plan_book().write(tmp_path / "b"))
    view = services_plans.plan_show(url=url, account_id="A1", as_of=AS_OF)
    record = view.record()
    assert record["plan"]["intent"] == "lifetime"
    assert record["plan"]["objectives"] == ["renew in Q3", "meet the CFO"]
    assert record["age_days"] == 100
    people = {p["contact_id"]: p for p in record["people"]}
    assert people["C2"]["strength"] == 0.0  # only ever written to
    assert people["C2"]["gap"] == "never answered"
    assert people["C1"]["decision_role"] == "decision_maker"
    assert people["C1"]["strength"] > 0.3
    assert people["C1"]["known"] is True
    assert record["gaps"] == ["the plan has no point of view"]


def test_a_weak_decision_maker_is_a_gap(tmp_path: Path) -> None:
    b = Book(peers=1)
    b.contact("decision_maker")
    b.touch(ago(5))
    url = _url(tmp_path)
    services.import_bundle(url=url, directory=b.write(tmp_path / "b"))
    gaps = services_plans.plan_show(url=url, account_id="A1", as_of=AS_OF).gaps
    assert gaps[0] == (
        "decision maker C1 (C1): strength 0.00, below 0.3: we don't really know them"
    )
    assert "no plan written yet" in gaps


def test_cli_plan_show(tmp_path: Path) -> None:
    url = _url(tmp_path)
    services.import_bundle(url=url, directory=plan_book().write(tmp_path / "b"))
    cli = CliRunner()
    result = cli.invoke(
        app, ["plan", "show", "A1", "--db", url, "--as-of", "2026-06-30", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["plan"]["mutual_benefit"].startswith("they grow exports")
    table = cli.invoke(app, ["plan", "show", "A1", "--db", url, "--as-of", "2026-06-30"])
    assert table.exit_code == 0, table.output
    assert "lifetime" in table.stdout
    missing = cli.invoke(app, ["plan", "show", "NOPE", "--db", url])
    assert missing.exit_code == 1
    assert "there is no account 'NOPE' in the book" in missing.output


def test_export_round_trip(tmp_path: Path) -> None:
    url = _url(tmp_path)
    services.import_bundle(url=url, directory=plan_book().write(tmp_path / "b"))
    counts = services.export_bundle(url=url, directory=tmp_path / "out")
    assert counts["account_plans.csv"] == 1
    assert counts["plan_people.csv"] == 1
    assert counts["retrospectives.csv"] == 1
    again = services.import_bundle(url=url, directory=tmp_path / "out")
    assert again.changed == 0


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar() or 0)
    engine.dispose()
    return n


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda b: b.rows["account_plans"].__setitem__(
                0, {**b.rows["account_plans"][0], "account_id": "ZZ"}
            ),
            "account_plans.csv, line 2, column account_id",
        ),
        (
            lambda b: b.rows["account_plans"][0].__setitem__("intent", "forever"),
            "account_plans.csv, line 2, column intent: unknown intent 'forever'",
        ),
        (
            lambda b: b.rows["opportunities"][0].update(stage="open", closed_on=""),
            "retrospectives.csv, line 2, column opportunity_id: the opportunity 'OP1' is still "
            "open: a retrospective is written once it is won",
        ),
    ],
    ids=["unknown-account", "bad-intent", "retrospective-on-open"],
)
def test_bad_input_writes_nothing(tmp_path: Path, change: object, message: str) -> None:
    url = _url(tmp_path)
    b = plan_book()
    change(b)  # type: ignore[operator]
    result = CliRunner().invoke(app, ["import", str(b.write(tmp_path / "b")), "--db", url])
    assert result.exit_code == 1
    assert message in result.output
    assert _count(url, "account_plans") == 0
    assert _count(url, "accounts") == 0
